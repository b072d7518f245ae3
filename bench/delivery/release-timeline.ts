/**
 * Where a release's wall time goes, from its workflow histories: each activity's span (scheduled
 * → closed) and the time covered by no activity at all, which is the orchestration itself
 * (workflow tasks, timers, signals between the pipeline and the deployment, task dispatch).
 */
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** Epoch ms of an event; `seconds` is a Long from the server, a number in hand-made events. */
export function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  // Number() of a Long goes through its decimal toString: exact below 2^53.
  return Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
}

/** One activity execution (its last attempt's start), ms since the epoch. */
export interface ActivitySpan {
  /** The workflow that ran it, e.g. `pipeline` or `deployment`. */
  workflow: string;
  activity: string;
  scheduledAt: number;
  /** When the last attempt started; absent when it never did (cancelled while queued). */
  startedAt?: number;
  closedAt: number;
}

/** The activity spans of one history, closed ones only. */
export function activitySpans(workflow: string, events: readonly HistoryEvent[]): ActivitySpan[] {
  const scheduled = new Map<number, { activity: string; at: number; startedAt?: number }>();
  const spans: ActivitySpan[] = [];
  for (const e of events) {
    const at = eventMs(e);
    const id = Number(e.eventId);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        scheduled.set(id, {
          activity: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
          at,
        });
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const s = scheduled.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
        if (s) s.startedAt = at;
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const ref =
          e.activityTaskCompletedEventAttributes?.scheduledEventId ??
          e.activityTaskFailedEventAttributes?.scheduledEventId ??
          e.activityTaskTimedOutEventAttributes?.scheduledEventId ??
          e.activityTaskCanceledEventAttributes?.scheduledEventId;
        const s = scheduled.get(Number(ref));
        if (!s) break;
        spans.push({
          workflow,
          activity: s.activity,
          scheduledAt: s.at,
          ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}),
          closedAt: at,
        });
        break;
      }
    }
  }
  return spans;
}

/** A release's wall time split into activities and what lies between them. */
export interface ReleaseTimeline {
  wallMs: number;
  /** Time covered by at least one activity (overlapping spans counted once). */
  inActivitiesMs: number;
  /** wallMs − inActivitiesMs: no activity running, only workflow code, timers and signals. */
  betweenActivitiesMs: number;
  /** Σ (started − scheduled): activities waiting for a worker to pick them up. */
  dispatchMs: number;
  /** Per activity type: how many ran and their summed span (scheduled → closed). */
  byActivity: Record<string, { count: number; totalMs: number }>;
}

/** Splits [startAt, endAt] by `spans` (clipped to it). */
export function summarizeTimeline(
  startAt: number,
  endAt: number,
  spans: readonly ActivitySpan[],
): ReleaseTimeline {
  if (!(endAt >= startAt)) throw new RangeError(`summarizeTimeline: end ${endAt} is before start ${startAt}`);
  const clipped = spans
    .map((s) => ({ ...s, from: Math.max(startAt, s.scheduledAt), to: Math.min(endAt, s.closedAt) }))
    .filter((s) => s.to > s.from);
  const byActivity: ReleaseTimeline['byActivity'] = {};
  let dispatchMs = 0;
  for (const s of clipped) {
    const b = (byActivity[s.activity] ??= { count: 0, totalMs: 0 });
    b.count += 1;
    b.totalMs += s.to - s.from;
    if (s.startedAt !== undefined) dispatchMs += Math.max(0, Math.min(s.startedAt, s.to) - s.from);
  }
  // The union of the intervals: sort by start, merge overlaps.
  const sorted = [...clipped].sort((a, b) => a.from - b.from);
  let covered = 0;
  let runFrom = -Infinity;
  let runTo = -Infinity;
  for (const s of sorted) {
    if (s.from > runTo) {
      if (runTo > runFrom) covered += runTo - runFrom;
      runFrom = s.from;
      runTo = s.to;
    } else runTo = Math.max(runTo, s.to);
  }
  if (runTo > runFrom) covered += runTo - runFrom;
  const wallMs = endAt - startAt;
  return { wallMs, inActivitiesMs: covered, betweenActivitiesMs: wallMs - covered, dispatchMs, byActivity };
}
