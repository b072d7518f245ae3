/**
 * The figures of the bench's release part from its trials: medians and spreads, and whether the
 * issue's targets hold. Pure, so the verdicts are unit-tested.
 */
import { median, spread, type Spread } from './latency-stats';
import type { ReleaseTimeline } from './release-timeline';

export type RollbackSource = 'local' | 'prometheus';
export type RollbackFault = 'errors' | 'slow';

/** The targets: rollback within 2 s of the breach (local), within one scrape interval + 2 s (Prometheus). */
export function rollbackTargetMs(source: RollbackSource, scrapeIntervalMs: number): number {
  return source === 'local' ? 2_000 : scrapeIntervalMs + 2_000;
}

/** One bad candidate released, caught by the canary analysis and rolled back. */
export interface RollbackTrial {
  source: RollbackSource;
  fault: RollbackFault;
  releaseId: string;
  /** The release ended rolled back, stable serves 100 % and the load saw the breach; otherwise `problem` says what went wrong. */
  ok: boolean;
  problem?: string;
  /** First breaching answer of the candidate seen by the load → all traffic back on stable. */
  breachToRollbackMs?: number;
  /** First breaching answer → the analysis check that failed. */
  detectMs?: number;
  /** That check → all traffic back on stable (the rollback's traffic step). */
  restoreMs?: number;
  /** Answers of the candidate that arrived after the restore (requests routed to it before). */
  answersAfterRestore?: number;
}

export interface RollbackFigures {
  source: RollbackSource;
  trials: number;
  failedTrials: number;
  breachToRollbackMs: Spread;
  detectMs: Spread;
  restoreMs: Spread;
  targetMs: number;
  /** Every trial rolled back, and the slowest within the target. */
  met: boolean;
}

/** Figures per source, in the order the sources first appear. */
export function summarizeRollbacks(
  trials: readonly RollbackTrial[],
  scrapeIntervalMs: number,
): RollbackFigures[] {
  const sources = [...new Set(trials.map((t) => t.source))];
  return sources.map((source) => {
    const of = trials.filter((t) => t.source === source);
    const good = of.filter((t) => t.ok);
    const pick = (f: (t: RollbackTrial) => number | undefined): number[] =>
      good.map(f).filter((v): v is number => v !== undefined);
    const b2r = spread(pick((t) => t.breachToRollbackMs));
    const targetMs = rollbackTargetMs(source, scrapeIntervalMs);
    return {
      source,
      trials: of.length,
      failedTrials: of.length - good.length,
      breachToRollbackMs: b2r,
      detectMs: spread(pick((t) => t.detectMs)),
      restoreMs: spread(pick((t) => t.restoreMs)),
      targetMs,
      met: of.length > 0 && good.length === of.length && b2r.max <= targetMs,
    };
  });
}

/** One promoted release with no-op jobs and no bake time. */
export interface OrchestrationRun {
  releaseId: string;
  ok: boolean;
  problem?: string;
  timeline?: ReleaseTimeline;
}

export interface OrchestrationFigures {
  runs: number;
  failedRuns: number;
  wallMs: Spread;
  inActivitiesMs: Spread;
  betweenActivitiesMs: Spread;
  dispatchMs: Spread;
  /** Median per run of each activity type's summed time, largest first. */
  byActivityMs: Array<{ activity: string; count: number; medianMs: number }>;
}

export function summarizeOrchestration(runs: readonly OrchestrationRun[]): OrchestrationFigures {
  const t = runs.filter((r) => r.ok && r.timeline !== undefined).map((r) => r.timeline as ReleaseTimeline);
  const names = [...new Set(t.flatMap((x) => Object.keys(x.byActivity)))];
  const byActivityMs = names
    .map((activity) => ({
      activity,
      count: median(t.map((x) => x.byActivity[activity]?.count ?? 0)),
      medianMs: median(t.map((x) => x.byActivity[activity]?.totalMs ?? 0)),
    }))
    .sort((a, b) => b.medianMs - a.medianMs);
  return {
    runs: runs.length,
    failedRuns: runs.length - t.length,
    wallMs: spread(t.map((x) => x.wallMs)),
    inActivitiesMs: spread(t.map((x) => x.inActivitiesMs)),
    betweenActivitiesMs: spread(t.map((x) => x.betweenActivitiesMs)),
    dispatchMs: spread(t.map((x) => x.dispatchMs)),
    byActivityMs,
  };
}
