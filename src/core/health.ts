/**
 * Health analysis of one version's live serving metrics against thresholds: the verdict every
 * canary analysis and monitor check takes. Pure: imported by the deployment and monitor
 * workflows. "Not enough requests yet" is its own verdict, `no-data`, not a failure.
 */
import type { VersionStats } from '../backends/metrics/types';
import { formatDuration } from './spec/durations';
import type { HealthThresholds } from './spec/types';

/** The metrics a health check judges. */
export const HEALTH_CHECK_NAMES = ['error_rate', 'latency_p99_ms'] as const;
/** One of `HEALTH_CHECK_NAMES`. */
export type HealthCheckName = (typeof HEALTH_CHECK_NAMES)[number];

/** One metric compared with its limit; `passed` when observed ≤ threshold (NaN never passes). */
export interface HealthCheck {
  name: HealthCheckName;
  observed: number;
  threshold: number;
  passed: boolean;
}

/**
 * The verdict over one window: `fail` when any check breaches (the worst check decides),
 * `no-data` when fewer than `minRequests` requests were seen (then `checks` is empty).
 */
export interface HealthVerdict {
  /** `inconclusive`: a canary check whose data cannot decide yet (see canary-analysis.ts). */
  verdict: 'pass' | 'fail' | 'no-data' | 'inconclusive';
  checks: HealthCheck[];
  /** Human sentence naming the breached metrics with observed vs threshold. */
  reason: string;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : String(x);
}

function ms(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x * 10) / 10} ms` : String(x);
}

function describe(c: HealthCheck): string {
  if (c.name === 'error_rate') {
    return c.passed
      ? `error rate ${pct(c.observed)} <= ${pct(c.threshold)}`
      : `error rate ${pct(c.observed)} exceeds the ${pct(c.threshold)} limit`;
  }
  return c.passed
    ? `p99 latency ${ms(c.observed)} <= ${ms(c.threshold)}`
    : `p99 latency ${ms(c.observed)} exceeds the ${ms(c.threshold)} limit`;
}

/**
 * Judges `stats` against `t`: error rate ≤ maxErrorRate and p99 latency ≤ maxLatencyP99Ms, both
 * inclusive. Fails closed: a NaN error rate or latency with enough requests fails its check.
 * The error rate is recomputed from `errors / requests` when `stats.errorRate` is NaN.
 */
export function judgeHealth(stats: VersionStats, t: HealthThresholds): HealthVerdict {
  const window = formatDuration(stats.windowMs);
  if (!(stats.requests >= t.minRequests)) {
    return {
      verdict: 'no-data',
      checks: [],
      reason: `${stats.version}: ${stats.requests} request(s) in the last ${window}, ${t.minRequests} needed for a verdict`,
    };
  }
  const errorRate =
    Number.isNaN(stats.errorRate) && stats.requests > 0 ? stats.errors / stats.requests : stats.errorRate;
  const checks: HealthCheck[] = [
    {
      name: 'error_rate',
      observed: errorRate,
      threshold: t.maxErrorRate,
      passed: errorRate <= t.maxErrorRate,
    },
    {
      name: 'latency_p99_ms',
      observed: stats.latencyP99Ms,
      threshold: t.maxLatencyP99Ms,
      passed: stats.latencyP99Ms <= t.maxLatencyP99Ms,
    },
  ];
  const failed = checks.filter((c) => !c.passed);
  const over = `over ${stats.requests} requests in the last ${window}`;
  if (failed.length > 0) {
    return {
      verdict: 'fail',
      checks,
      reason: `${failed.map(describe).join('; ')} (${over})`,
    };
  }
  return {
    verdict: 'pass',
    checks,
    reason: `healthy: ${checks.map(describe).join(', ')} (${over})`,
  };
}

/** One-line summary of live stats, e.g. `v3: 120 requests, 2 errors (1.7%), p50 12 ms, p99 42 ms over 4s`. */
export function formatStats(stats: VersionStats): string {
  return (
    `${stats.version}: ${stats.requests} requests, ${stats.errors} errors (${pct(stats.errorRate)}), ` +
    `p50 ${ms(stats.latencyP50Ms)}, p99 ${ms(stats.latencyP99Ms)} over ${formatDuration(stats.windowMs)}`
  );
}
