import { setMaxListeners } from 'node:events';
import { REQUEST_ID_HEADER, VERSION_HEADER, type FeedbackItem } from './types';

/** Delayed-label feedback sent by {@link runLoad} after each successful prediction. */
export interface LoadFeedbackOptions {
  /**
   * Column of every row holding its label: 0 / 1 (or false / true). It is removed from the
   * features sent for prediction and posted to `POST /v1/models/:model/feedback` once the
   * prediction succeeded.
   */
  labelColumn: string;
  /** Wait between a prediction's answer and its feedback, ms; default 0. Aborting the run cancels feedback still waiting. */
  delayMs?: number;
}

/** Feedback a load run sent. */
export interface LoadFeedbackResult {
  /** Feedback posts started (one per successful prediction whose delay passed before an abort). */
  sent: number;
  /** Answered 2xx. */
  ok: number;
  /** Answered non-2xx, timed out, failed to connect, or had no request id to refer to (the prediction's answer lacked the header). */
  failed: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Base URL of the serving daemon. */
  url: string;
  model: string;
  /** Rows replayed round-robin, one per request; at least one. */
  rows: Array<Record<string, unknown>>;
  /** Upper bound on requests started per second; > 0. */
  ratePerSecond: number;
  /** No request starts after this long, ms. */
  durationMs: number;
  /** No more than this many requests in total. */
  maxRequests: number;
  /** Stops issuing at once and cancels requests in flight. */
  signal?: AbortSignal;
  /**
   * Called with every answer (or failure to get one) as it ends: when, which version (when the
   * router named one), how long the request took and whether it succeeded. The demo uses it to
   * time a rollback from the first breaching answer.
   */
  onResponse?: (r: LoadResponse) => void;
  /** Requests in flight at most; default 8. */
  concurrency?: number;
  /** Timeout of one request (prediction or feedback), ms; default 10 000. */
  requestTimeoutMs?: number;
  /**
   * Send each successful prediction's label as feedback. The run then ends once the last
   * feedback is answered: at most `durationMs` + `delayMs` + 2 × `requestTimeoutMs`.
   */
  feedback?: LoadFeedbackOptions;
}

/** One answer seen by the load generator (see `LoadOptions.onResponse`). */
export interface LoadResponse {
  /** Epoch ms at which the answer (or the failure) arrived. */
  at: number;
  /** The version that answered (`x-mlcd-version`), when the router named one. */
  version: string | undefined;
  latencyMs: number;
  ok: boolean;
}

/** What a load run did. */
export interface LoadResult {
  /** Requests started. Requests cancelled by the abort signal count here only. */
  sent: number;
  /** Answered 2xx. */
  ok: number;
  /** Answered non-2xx, timed out or failed to connect. */
  errors: number;
  /** Answers per version that served them (from the `x-mlcd-version` header), ok or not. */
  byVersion: Record<string, number>;
  /** Present when `feedback` was asked for. */
  feedback?: LoadFeedbackResult;
}

/**
 * Replays `rows` against `POST /v1/models/:model/predict`, one row per request, at most
 * `ratePerSecond`, until `durationMs`, `maxRequests` or the abort signal, whichever comes first.
 * Request i is due at start + i / rate, so a slow server lowers the rate but never raises it.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  if (opts.rows.length === 0) throw new RangeError('runLoad: rows must hold at least one row');
  if (!(opts.ratePerSecond > 0) || !Number.isFinite(opts.ratePerSecond)) throw new RangeError(`runLoad: ratePerSecond must be a positive number, got ${opts.ratePerSecond}`);
  if (!(opts.durationMs >= 0)) throw new RangeError(`runLoad: durationMs must be >= 0, got ${opts.durationMs}`);
  if (!Number.isInteger(opts.maxRequests) || opts.maxRequests < 0) throw new RangeError(`runLoad: maxRequests must be an integer >= 0, got ${opts.maxRequests}`);
  const concurrency = opts.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`runLoad: concurrency must be an integer >= 1, got ${concurrency}`);
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const modelUrl = `${opts.url.replace(/\/+$/, '')}/v1/models/${encodeURIComponent(opts.model)}`;
  const target = `${modelUrl}/predict`;
  const result: LoadResult = { sent: 0, ok: 0, errors: 0, byVersion: {} };
  const labelled = opts.feedback ? splitLabels(opts.rows, opts.feedback.labelColumn) : null;
  const feedbackDelayMs = opts.feedback?.delayMs ?? 0;
  if (!(feedbackDelayMs >= 0) || !Number.isFinite(feedbackDelayMs)) throw new RangeError(`runLoad: feedback.delayMs must be a number >= 0, got ${feedbackDelayMs}`);
  const fb: LoadFeedbackResult = { sent: 0, ok: 0, failed: 0 };
  if (labelled) result.feedback = fb;
  const rows = labelled?.features ?? opts.rows;
  /** Feedback waiting or in flight; bounded by the successful predictions (at most `maxRequests`). */
  const pendingFeedback = new Set<Promise<void>>();
  // Every request in flight and every feedback waiting listens for the abort: more than Node's
  // default of 10 listeners per signal. They listen to this one; it alone listens to the caller's.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const signal = stop.signal;
  const onCallerAbort = (): void => stop.abort();
  if (opts.signal?.aborted) stop.abort();
  else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });

  const sendFeedback = async (requestId: string | null, label: 0 | 1): Promise<void> => {
    await waitUntil(Date.now() + feedbackDelayMs, signal);
    if (signal?.aborted) return;
    fb.sent++;
    if (requestId === null) {
      fb.failed++;
      return;
    }
    const item: FeedbackItem = { requestId, labels: [label] };
    try {
      const res = await post(`${modelUrl}/feedback`, JSON.stringify(item), timeoutMs, signal);
      if (res.ok) fb.ok++;
      else fb.failed++;
    } catch {
      if (!signal?.aborted) fb.failed++;
    }
  };
  const start = Date.now();
  const end = start + opts.durationMs;
  const intervalMs = 1000 / opts.ratePerSecond;
  let next = 0;

  const worker = async (): Promise<void> => {
    for (;;) {
      if (signal?.aborted || next >= opts.maxRequests) return;
      const i = next++;
      const due = start + i * intervalMs;
      if (due >= end) return;
      await waitUntil(due, signal);
      if (signal?.aborted || Date.now() >= end) return;
      result.sent++;
      const r = i % rows.length;
      const sentAt = performance.now();
      try {
        const res = await post(target, JSON.stringify({ rows: [rows[r]] }), timeoutMs, signal);
        const version = res.headers.get(VERSION_HEADER);
        if (version !== null) result.byVersion[version] = (result.byVersion[version] ?? 0) + 1;
        if (res.ok) result.ok++;
        else result.errors++;
        opts.onResponse?.({ at: Date.now(), version: version ?? undefined, latencyMs: performance.now() - sentAt, ok: res.ok });
        if (res.ok && labelled) {
          const p = sendFeedback(res.headers.get(REQUEST_ID_HEADER), labelled.labels[r] as 0 | 1);
          pendingFeedback.add(p);
          void p.finally(() => pendingFeedback.delete(p));
        }
      } catch {
        if (!signal?.aborted) {
          result.errors++;
          opts.onResponse?.({ at: Date.now(), version: undefined, latencyMs: performance.now() - sentAt, ok: false });
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    await Promise.all([...pendingFeedback]);
  } finally {
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
  return result;
}

/** POSTs JSON `body` and reads the answer; rejects on a timeout after `timeoutMs` (whole call), an abort of `signal` or a network failure. */
async function post(url: string, body: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ ok: boolean; headers: Headers }> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  const onAbort = (): void => ctl.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: ctl.signal });
    await res.arrayBuffer();
    return { ok: res.ok, headers: res.headers };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The rows without `labelColumn` and their labels as 0 / 1, checked once before the run:
 * a RangeError names the first row whose label is missing or not 0 / 1 / false / true.
 */
function splitLabels(rows: ReadonlyArray<Record<string, unknown>>, labelColumn: string): { features: Array<Record<string, unknown>>; labels: Array<0 | 1> } {
  const features: Array<Record<string, unknown>> = [];
  const labels: Array<0 | 1> = [];
  rows.forEach((row, i) => {
    const { [labelColumn]: label, ...rest } = row;
    if (label !== 0 && label !== 1 && label !== false && label !== true) {
      throw new RangeError(`runLoad: rows[${i}].${labelColumn} must be a label 0 or 1 (or false / true), got ${JSON.stringify(label) ?? String(label)}`);
    }
    features.push(rest);
    labels.push(label === 1 || label === true ? 1 : 0);
  });
  return { features, labels };
}

/** Sleeps until epoch ms `at`, or until the signal aborts. */
function waitUntil(at: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = at - Date.now();
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
