/**
 * Breach-to-rollback timing as a client sees it: from the first answer of the bad version that
 * breached the limit (an error, or slower than the latency bound) to the moment all traffic was
 * back on the good version. Pure; the demo and the delivery benchmark feed it the load
 * generator's answers.
 */
import type { LoadResponse } from './load-generator';

/** When a version first breached, and how long all traffic took to be back on stable after it. */
export interface BreachTiming {
  /** Epoch ms of the first breaching answer of `version` at or after `after`. */
  firstBreachAt: number;
  /** Epoch ms at which the rollback had all traffic on the good version. */
  restoredAt: number;
  /** restoredAt − firstBreachAt. */
  breachToRollbackMs: number;
  /** Answers of `version` seen after `restoredAt` (requests already routed to it before). */
  answersAfterRestore: number;
}

/**
 * The first answer of `version` at or after `after` that was an error or took longer than
 * `maxLatencyMs`, timed against `restoredAt`; undefined when the version never breached.
 */
export function breachTiming(
  answers: readonly LoadResponse[],
  opts: { version: string; after: number; maxLatencyMs: number; restoredAt: number },
): BreachTiming | undefined {
  let first: LoadResponse | undefined;
  let late = 0;
  for (const a of answers) {
    if (a.version !== opts.version) continue;
    if (a.at > opts.restoredAt) late++;
    if (first === undefined && a.at >= opts.after && (!a.ok || a.latencyMs > opts.maxLatencyMs)) first = a;
  }
  if (first === undefined) return undefined;
  return {
    firstBreachAt: first.at,
    restoredAt: opts.restoredAt,
    breachToRollbackMs: opts.restoredAt - first.at,
    answersAfterRestore: late,
  };
}
