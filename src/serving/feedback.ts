import { z } from 'zod';
import { HttpError } from './http-io';
import type { PredictionLog, RememberedPrediction } from './prediction-log';
import type { FeedbackItem } from './types';

/** A score at or above this predicts the positive class (label 1). */
export const POSITIVE_SCORE = 0.5;

/** Longest request id the router accepts from a client, characters. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** 1–128 visible ASCII characters: safe in a header and a log line, and no unbounded memory per id. */
const REQUEST_ID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_REQUEST_ID_LENGTH}}$`);

/** Whether `id` is acceptable as a client-chosen `x-mlcd-request-id`. */
export function isValidRequestId(id: string): boolean {
  return REQUEST_ID.test(id);
}

/** Why `id` is not a valid request id, naming it (shortened). */
export function requestIdProblem(id: string): string {
  const shown =
    id.length > 60 ? `${JSON.stringify(id.slice(0, 60))}… (${id.length} characters)` : JSON.stringify(id);
  return `request id must be 1 to ${MAX_REQUEST_ID_LENGTH} visible ASCII characters (no spaces), got ${shown}`;
}

const label = z
  .number()
  .refine(
    (v) => v === 0 || v === 1,
    (v) => ({ message: `label must be 0 or 1, got ${v}` }),
  )
  .transform((v): 0 | 1 => (v === 1 ? 1 : 0));
const itemSchema = z.object({
  requestId: z.string().refine(isValidRequestId, (v) => ({ message: requestIdProblem(v) })),
  labels: z.array(label).min(1, 'labels must hold one 0/1 label per predicted row'),
});
const batchSchema = z.object({
  feedback: z.array(itemSchema).min(1, 'feedback must hold at least one item'),
});

/** A feedback body read at the boundary: its items, and whether it came as a batch. */
export interface ParsedFeedback {
  items: FeedbackItem[];
  batch: boolean;
}

/**
 * Reads the JSON body of `POST /v1/models/:model/feedback`: `{ requestId, labels }` or
 * `{ feedback: [ { requestId, labels }, ... ] }`. 400 naming the field path and the problem.
 */
export function parseFeedbackBody(json: unknown): ParsedFeedback {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new HttpError(
      400,
      'feedback body must be { "requestId": "<id>", "labels": [0|1, ...] } or { "feedback": [ { "requestId": ..., "labels": ... }, ... ] }',
    );
  }
  const batch = 'feedback' in json;
  const parsed = batch ? batchSchema.safeParse(json) : itemSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(
      400,
      `feedback body invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`,
    );
  }
  return { items: 'feedback' in parsed.data ? parsed.data.feedback : [parsed.data], batch };
}

/** One feedback item matched to its prediction and scored. */
export interface JudgedFeedback {
  requestId: string;
  prediction: RememberedPrediction;
  /** Labelled rows to count: the label count, 0 for a duplicate. */
  labeled: number;
  correct: number;
  /** The prediction had feedback already (earlier, or earlier in the same batch). */
  duplicate: boolean;
}

/**
 * Matches every item to its remembered prediction of `model` and counts the rows it predicted
 * right, changing nothing, so a batch with one bad item is refused whole. 404 for an unknown or
 * expired request id, 400 for a prediction of another model or a label count other than its
 * row count; the message names the item (in a batch), the id and what was expected.
 * O(labels).
 */
export function judgeFeedback(
  model: string,
  items: readonly FeedbackItem[],
  log: PredictionLog,
  batch: boolean,
): JudgedFeedback[] {
  const seen = new Set<string>();
  return items.map((item, i) => {
    const where = batch ? `feedback[${i}]: ` : '';
    const id = item.requestId;
    const found = log.lookup(id);
    if (found.kind === 'unknown') {
      throw new HttpError(
        404,
        `${where}unknown request id ${JSON.stringify(id)} for model ${model}: no successful prediction with this id is remembered ` +
          '(ids come from the x-mlcd-request-id header of a prediction this daemon answered with 200 since it last started)',
      );
    }
    if (found.kind === 'expired') {
      throw new HttpError(
        404,
        `${where}request id ${JSON.stringify(id)} has expired: the router remembers the last ${log.maxRequests} predictions ` +
          `(at most ${log.maxRows} predicted rows) and this one was evicted`,
      );
    }
    const p = found.prediction;
    if (p.model !== model) {
      throw new HttpError(
        400,
        `${where}request id ${JSON.stringify(id)} is a prediction of model ${p.model}, not of model ${model}; post its feedback to /v1/models/${encodeURIComponent(p.model)}/feedback`,
      );
    }
    if (item.labels.length !== p.rows) {
      throw new HttpError(
        400,
        `${where}request id ${JSON.stringify(id)} predicted ${p.rows} row(s) but the feedback has ${item.labels.length} label(s); send one 0/1 label per predicted row`,
      );
    }
    if (p.scores === null || seen.has(id))
      return { requestId: id, prediction: p, labeled: 0, correct: 0, duplicate: true };
    seen.add(id);
    return {
      requestId: id,
      prediction: p,
      labeled: p.rows,
      correct: countCorrect(p.scores, item.labels),
      duplicate: false,
    };
  });
}

/** Rows where the prediction (score >= {@link POSITIVE_SCORE}) matches the 0/1 label. */
export function countCorrect(scores: readonly number[], labels: readonly number[]): number {
  let correct = 0;
  for (let j = 0; j < scores.length; j++)
    if ((scores[j] as number) >= POSITIVE_SCORE === (labels[j] === 1)) correct++;
  return correct;
}
