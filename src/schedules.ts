/**
 * Retraining schedules: one Temporal Schedule per model (or per `--id`) that starts `mlPipeline`
 * on a cron with the same input `mlcd run` gives it. The overlap policy is SKIP, so a retrain
 * still running when the next one is due makes that one skip instead of piling up behind it.
 * Used by `mlcd schedule`; the Temporal CLI (`temporal schedule list/describe`) sees the same.
 */
import { resolve } from 'node:path';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleExecutionResult,
  type ScheduleHandle,
  type ScheduleSummary,
} from '@temporalio/client';
import { z } from 'zod';
import { TASK_QUEUE, type PipelineInput } from './core/release';
import { SEARCH_ATTRIBUTES } from './core/search-attributes';
import { readPipelineInput } from './release-client';
import type { mlPipeline } from '../workflows/ml-pipeline';

/** The workflow type a retraining schedule starts. */
export const RETRAIN_WORKFLOW_TYPE = 'mlPipeline';

/** `trigger` of the pipeline input of a scheduled release (`mlcd run` uses `cli`). */
export const SCHEDULE_TRIGGER = 'schedule';

/**
 * Workflow id of the releases a schedule starts: `retrain/<model>`. Temporal appends the
 * scheduled time (`retrain/churn-2025-01-01T02:00:00Z`), so each run has its own id.
 */
export function retrainWorkflowId(model: string): string {
  return `retrain/${model}`;
}

/** Default schedule id of a model: `retrain-<model>`. */
export function defaultScheduleId(model: string): string {
  return `retrain-${model}`;
}

/** Why a schedule operation was refused; the CLI reports each as a usage error. */
export const SCHEDULE_ERRORS = {
  invalidCron: 'InvalidCron',
  invalidTimezone: 'InvalidTimezone',
  invalidId: 'InvalidScheduleId',
  exists: 'ScheduleExists',
  notFound: 'ScheduleNotFound',
  rejected: 'ScheduleRejected',
} as const;
export type ScheduleErrorKind = (typeof SCHEDULE_ERRORS)[keyof typeof SCHEDULE_ERRORS];

/** A schedule operation refused: the message names the schedule or the value and what was expected. */
export class ScheduleError extends Error {
  constructor(
    readonly kind: ScheduleErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ScheduleError';
  }
}

// --- cron strings ------------------------------------------------------------------------------
//
// Checked here, before the spec is read or the server called, so a typo is answered with the
// field and its range. Hand-written rather than a cron library on purpose: Temporal's grammar is
// its own (5 fields, 6 with a trailing year, 7 with a leading second; `@every 6h`; no `?`, `L`
// or `#`), and the npm cron parsers read 6 fields as seconds-first, which would pass strings
// Temporal reads differently. The server stays the final authority (its refusal is mapped too).

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names a value may be given by (prefix of at least `minPrefix` letters), index = value - offset. */
  names?: { list: readonly string[]; offset: number; minPrefix: number };
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const SECOND: CronField = { name: 'second', min: 0, max: 59 };
const MINUTE: CronField = { name: 'minute', min: 0, max: 59 };
const HOUR: CronField = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: CronField = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: CronField = { name: 'month', min: 1, max: 12, names: { list: MONTHS, offset: 1, minPrefix: 3 } };
// 0 and 7 are both Sunday, as in Temporal and Vixie cron.
const DAY_OF_WEEK: CronField = {
  name: 'day-of-week',
  min: 0,
  max: 7,
  names: { list: WEEKDAYS, offset: 0, minPrefix: 2 },
};
// Temporal's calendar knows the years 2000 to 2100.
const YEAR: CronField = { name: 'year', min: 2000, max: 2100 };

const FIELDS_BY_COUNT: Record<number, CronField[]> = {
  5: [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK],
  6: [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR],
  7: [SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR],
};

const CRON_MACROS: ReadonlySet<string> = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

const CRON_SYNTAX =
  'expected 5 fields "minute hour day-of-month month day-of-week" (a 6th for the year, or 7 with seconds first), ' +
  'each *, a value, a range a-b, a step x/n, or a list of those; or @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>';

/** A cron string Temporal will accept, with an optional `CRON_TZ=` prefix split off. */
export interface ValidCron {
  /** The expression without a time zone prefix. */
  expression: string;
  /** The zone of a `CRON_TZ=` / `TZ=` prefix, when there was one. */
  timezone?: string;
}

/**
 * Checks a cron string against Temporal's schedule grammar.
 * @throws ScheduleError (`InvalidCron`) naming the field, its value and its range
 */
export function validateCron(cron: string): ValidCron {
  let expression = cron.trim();
  let timezone: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S*)\s+(.*)$/.exec(expression);
  if (tz) {
    timezone = validateTimezone(tz[1] ?? '');
    expression = (tz[2] ?? '').trim();
  }
  const valid = (e: string): ValidCron =>
    timezone !== undefined ? { expression: e, timezone } : { expression: e };
  if (expression === '') throw cronError(cron, CRON_SYNTAX);
  if (expression.startsWith('@')) {
    if (CRON_MACROS.has(expression)) return valid(expression);
    const every = /^@every\s+(\S+)$/.exec(expression);
    if (!every) throw cronError(cron, `unknown "${expression.split(/\s/)[0] ?? ''}"; ${CRON_SYNTAX}`);
    const [interval = '', phase, extra] = (every[1] ?? '').split('/');
    if (
      extra !== undefined ||
      !isGoDuration(interval, true) ||
      (phase !== undefined && !isGoDuration(phase, false))
    ) {
      throw cronError(
        cron,
        '@every takes a positive duration such as 30m, 6h or 1d, optionally /<phase> (e.g. @every 24h/2h)',
      );
    }
    return valid(expression);
  }
  const parts = expression.split(/\s+/);
  const fields = FIELDS_BY_COUNT[parts.length];
  if (!fields) throw cronError(cron, `${parts.length} field${parts.length === 1 ? '' : 's'}; ${CRON_SYNTAX}`);
  fields.forEach((field, i) => {
    const text = parts[i] ?? '';
    const problem = checkCronField(text, field);
    if (problem)
      throw cronError(
        cron,
        `${field.name} "${text}"${problem.bad !== text ? ` (at "${problem.bad}")` : ''}: expected ${problem.expected}`,
      );
  });
  return valid(parts.join(' '));
}

function cronError(cron: string, why: string): ScheduleError {
  return new ScheduleError(SCHEDULE_ERRORS.invalidCron, `invalid cron "${cron}": ${why}`);
}

/** The first bad piece of one field (`*`, values, ranges, steps, lists) and what was expected there. */
function checkCronField(text: string, field: CronField): { bad: string; expected: string } | undefined {
  const range = `${field.min}-${field.max}${field.names ? ` or a name such as ${field.names.list[1]?.slice(0, 3) ?? ''}` : ''}`;
  for (const part of text.split(',')) {
    const [base = '', step, extra] = part.split('/');
    if (extra !== undefined) return { bad: part, expected: 'at most one "/" (x/n)' };
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1))
      return { bad: step, expected: 'a step of at least 1' };
    if (base === '*') continue;
    const [from = '', to, more] = base.split('-');
    if (more !== undefined) return { bad: base, expected: 'a range a-b' };
    const start = cronValue(from, field);
    if (start === undefined) return { bad: from, expected: range };
    if (to !== undefined) {
      const end = cronValue(to, field);
      if (end === undefined) return { bad: to, expected: range };
      if (end < start) return { bad: base, expected: 'a range that ends at or after its start' };
    }
  }
  return undefined;
}

function cronValue(text: string, field: CronField): number | undefined {
  const names = field.names;
  if (names && text.length >= names.minPrefix && /^[a-z]+$/i.test(text)) {
    const i = names.list.findIndex((n) => n.startsWith(text.toLowerCase()));
    return i < 0 ? undefined : i + names.offset;
  }
  if (!/^\d+$/.test(text)) return undefined;
  const v = Number(text);
  return v >= field.min && v <= field.max ? v : undefined;
}

/** A Go duration as Temporal parses it (`1h30m`, `90s`, `2d`); `positive` rejects zero. */
function isGoDuration(text: string, positive: boolean): boolean {
  const unit = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  // Each match consumes at least two characters, so this ends within text.length / 2 rounds.
  while (at < text.length) {
    unit.lastIndex = at;
    const m = unit.exec(text);
    if (!m) return false;
    total += Number(m[1]);
    at = unit.lastIndex;
  }
  return at > 0 && (!positive || total > 0);
}

/**
 * Checks an IANA time zone name (`Europe/Berlin`, `US/Pacific`, `UTC`) with the runtime's ICU data.
 * @throws ScheduleError (`InvalidTimezone`)
 */
export function validateTimezone(timezone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return timezone;
  } catch {
    throw new ScheduleError(
      SCHEDULE_ERRORS.invalidTimezone,
      `invalid time zone "${timezone}": expected an IANA name such as UTC, Europe/Berlin or America/New_York`,
    );
  }
}

/** Checks a schedule id given with `--id`. */
export function validateScheduleId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/.test(id)) {
    throw new ScheduleError(
      SCHEDULE_ERRORS.invalidId,
      `invalid schedule id "${id}": expected 1 to 200 letters, digits, '.', '_', ':', '/' or '-', starting with a letter or digit`,
    );
  }
  return id;
}

// --- schedules ---------------------------------------------------------------------------------

/**
 * A run missed while the Temporal server was down is still taken within this window after it
 * was due (one of them, under SKIP); older ones are dropped rather than retraining on a stale cue.
 */
export const CATCHUP_WINDOW = '1 day';

/** What mlcd keeps in a schedule's memo, so `list` can show the model and the cron as written. */
const scheduleMemoSchema = z.object({
  model: z.string(),
  cron: z.string(),
  timezone: z.string().optional(),
  specPath: z.string().optional(),
  params: z.record(z.string()).optional(),
});
type ScheduleMemo = z.infer<typeof scheduleMemoSchema>;
const MEMO_KEY = 'mlcd';

/** Options of {@link createRetrainSchedule}. */
export interface CreateRetrainScheduleOptions {
  /** Spec file (YAML or JSON); compiled here first, so a bad spec creates nothing. */
  specPath: string;
  /** Temporal cron string, e.g. `0 2 * * *` (02:00 every day). */
  cron: string;
  /** Schedule id; default `retrain-<model>`. */
  scheduleId?: string;
  /** `--param` overrides, declared in the spec. */
  params?: Record<string, string>;
  /** IANA zone the cron is read in; default UTC. */
  timezone?: string;
  /** Free text shown by `describe` and the Web UI. */
  note?: string;
}

/** One retraining schedule, as `mlcd schedule list` shows it. */
export interface RetrainSchedule {
  scheduleId: string;
  /** From the memo mlcd writes; `?` for an mlPipeline schedule made by other means. */
  model: string;
  cron: string;
  timezone: string;
  paused: boolean;
  note?: string;
  /** ISO time of the next run, when one is due. */
  nextRunAt?: string;
  /** The latest run: when it started and its workflow id. */
  lastRun?: { at: string; workflowId: string };
}

/** A schedule in full, as `mlcd schedule describe` shows it. */
export interface RetrainScheduleDetails extends RetrainSchedule {
  workflowType: string;
  workflowId?: string;
  taskQueue: string;
  overlap: string;
  specPath?: string;
  params?: Record<string, string>;
  /** The next few runs, ISO times. */
  nextRuns: string[];
  /** Workflow ids of runs still going. */
  running: string[];
  actionsTaken: number;
  skippedOverlap: number;
  createdAt: string;
}

/**
 * Compiles the spec, then creates the schedule. Returns it as `list` would show it.
 * @throws SpecError for a bad spec, ScheduleError for a bad cron, zone or id, or an existing id
 */
export async function createRetrainSchedule(
  client: Client,
  o: CreateRetrainScheduleOptions,
): Promise<RetrainSchedule> {
  const cron = validateCron(o.cron);
  if (o.timezone !== undefined && cron.timezone !== undefined) {
    throw new ScheduleError(
      SCHEDULE_ERRORS.invalidTimezone,
      `the cron "${o.cron}" names a time zone and --timezone gives "${o.timezone}": give it once`,
    );
  }
  const timezone = o.timezone !== undefined ? validateTimezone(o.timezone) : cron.timezone;
  if (o.scheduleId !== undefined) validateScheduleId(o.scheduleId);

  // The same input `mlcd run` starts the pipeline with: the spec as written now, so every run
  // compiles the text that was validated here; data paths are read per run.
  const { input, spec } = await readPipelineInput(o.specPath, o.params, SCHEDULE_TRIGGER);
  const scheduleId = o.scheduleId ?? defaultScheduleId(spec.model);
  const specPath = resolve(o.specPath);
  const memo: ScheduleMemo = {
    model: spec.model,
    cron: cron.expression,
    specPath,
    ...(timezone !== undefined ? { timezone } : {}),
    ...(o.params ? { params: o.params } : {}),
  };
  try {
    await client.schedule.create<typeof mlPipeline>({
      scheduleId,
      spec: { cronExpressions: [cron.expression], ...(timezone !== undefined ? { timezone } : {}) },
      action: {
        type: 'startWorkflow',
        workflowType: RETRAIN_WORKFLOW_TYPE,
        workflowId: retrainWorkflowId(spec.model),
        taskQueue: TASK_QUEUE,
        args: [input],
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.model, value: spec.model },
          { key: SEARCH_ATTRIBUTES.stage, value: 'compiling' },
        ],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW },
      memo: { [MEMO_KEY]: memo },
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.model, value: spec.model }],
      ...(o.note !== undefined ? { state: { note: o.note } } : {}),
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) {
      throw new ScheduleError(
        SCHEDULE_ERRORS.exists,
        `schedule ${scheduleId} already exists: delete it first (mlcd schedule delete ${scheduleId}) or give another id with --id`,
        { cause: err },
      );
    }
    // The SDK turns the server's "Invalid schedule spec" into a TypeError carrying its words.
    if (err instanceof TypeError)
      throw new ScheduleError(
        SCHEDULE_ERRORS.rejected,
        `Temporal refused the schedule ${scheduleId}: ${err.message}`,
        { cause: err },
      );
    throw err;
  }
  return toRetrainSchedule(scheduleId, await describeSchedule(client.schedule.getHandle(scheduleId)));
}

/** Every schedule that starts `mlPipeline`, sorted by id. Listing is eventually consistent. */
export async function listRetrainSchedules(client: Client): Promise<RetrainSchedule[]> {
  const out: RetrainSchedule[] = [];
  for await (const s of client.schedule.list()) {
    if (s.action?.workflowType !== RETRAIN_WORKFLOW_TYPE) continue;
    out.push(toRetrainSchedule(s.scheduleId, s));
  }
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

/** One schedule in full. @throws ScheduleError (`ScheduleNotFound`) */
export async function describeRetrainSchedule(
  client: Client,
  scheduleId: string,
): Promise<RetrainScheduleDetails> {
  const d = await describeSchedule(client.schedule.getHandle(scheduleId));
  const memo = readMemo(d.memo);
  const input = (d.action.args?.[0] ?? {}) as PipelineInput;
  const specPath = memo?.specPath ?? input.specPath;
  return {
    ...toRetrainSchedule(scheduleId, d),
    workflowType: d.action.workflowType,
    ...(d.action.workflowId !== undefined ? { workflowId: d.action.workflowId } : {}),
    taskQueue: d.action.taskQueue,
    // Unspecified means the server's default, which is SKIP.
    overlap: d.policies.overlap ?? ScheduleOverlapPolicy.SKIP,
    ...(specPath !== undefined ? { specPath } : {}),
    ...(memo?.params ? { params: memo.params } : {}),
    nextRuns: d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    createdAt: d.info.createdAt.toISOString(),
  };
}

/** Deletes a schedule; runs it started go on. @throws ScheduleError (`ScheduleNotFound`) */
export async function deleteRetrainSchedule(client: Client, scheduleId: string): Promise<void> {
  await notFoundAsScheduleError(scheduleId, () => client.schedule.getHandle(scheduleId).delete());
}

/**
 * Starts a run now. Overlap policy SKIP here too: while a run of the schedule is still going,
 * the trigger is dropped. Returns the ids of the runs that were going when it was sent.
 */
export async function triggerRetrainSchedule(
  client: Client,
  scheduleId: string,
): Promise<{ running: string[] }> {
  const handle = client.schedule.getHandle(scheduleId);
  const d = await describeSchedule(handle);
  await notFoundAsScheduleError(scheduleId, () => handle.trigger(ScheduleOverlapPolicy.SKIP));
  return { running: d.info.runningActions.map((a) => a.workflow.workflowId) };
}

/** Pauses (`paused` true) or resumes a schedule, with a note saying why. */
export async function setRetrainSchedulePaused(
  client: Client,
  scheduleId: string,
  paused: boolean,
  note?: string,
): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  await notFoundAsScheduleError(scheduleId, () => (paused ? handle.pause(note) : handle.unpause(note)));
}

function describeSchedule(handle: ScheduleHandle): Promise<ScheduleDescription> {
  return notFoundAsScheduleError(handle.scheduleId, () => handle.describe());
}

async function notFoundAsScheduleError<T>(scheduleId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new ScheduleError(
        SCHEDULE_ERRORS.notFound,
        `no schedule ${scheduleId} (mlcd schedule list shows them)`,
        { cause: err },
      );
    }
    throw err;
  }
}

function readMemo(memo: Record<string, unknown> | undefined): ScheduleMemo | undefined {
  const parsed = scheduleMemoSchema.safeParse(memo?.[MEMO_KEY]);
  return parsed.success ? parsed.data : undefined;
}

function toRetrainSchedule(scheduleId: string, s: ScheduleSummary | ScheduleDescription): RetrainSchedule {
  const memo = readMemo(s.memo);
  const model = memo?.model ?? s.typedSearchAttributes?.get(SEARCH_ATTRIBUTES.model) ?? '?';
  const last: ScheduleExecutionResult | undefined = s.info.recentActions.at(-1);
  const next = s.info.nextActionTimes[0];
  return {
    scheduleId,
    model,
    // A schedule made by other means has no memo: the server keeps calendars, not the cron text.
    cron: memo?.cron ?? '(not made by mlcd)',
    timezone: memo?.timezone ?? s.spec?.timezone ?? 'UTC',
    paused: s.state.paused,
    ...(s.state.note ? { note: s.state.note } : {}),
    ...(next ? { nextRunAt: next.toISOString() } : {}),
    ...(last
      ? { lastRun: { at: last.takenAt.toISOString(), workflowId: last.action.workflow.workflowId } }
      : {}),
  };
}
