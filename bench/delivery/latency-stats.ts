/**
 * Pure arithmetic of bench/delivery: latency percentiles, the sustained-rate verdict of one step
 * and the router-minus-direct deltas over rounds. No I/O, so it can be checked on its own.
 */

/** Percentiles of one run's latencies, ms. `count` 0 means no sample (every other field NaN). */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/**
 * Exact nearest-rank percentiles (the rank is ceil(q × n)), the definition the router's own stats
 * endpoint uses. Sorting a copy of at most a few hundred thousand doubles takes milliseconds, so
 * no histogram library (and its bucket error) is needed.
 */
export function summarizeLatencies(samples: Float64Array): LatencySummary {
  const n = samples.length;
  if (n === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const rank = (q: number): number => sorted[Math.min(n, Math.max(1, Math.ceil(q * n))) - 1] as number;
  return {
    count: n,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    p999: rank(0.999),
    max: sorted[n - 1] as number,
    mean: sum / n,
  };
}

/** Median of finite values (mean of the two middle ones for an even count); NaN when there is none. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** Median, smallest and largest of a set of values (NaN when there is none). */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** {@link Spread} of the finite values. */
export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { median: NaN, min: NaN, max: NaN };
  return { median: median(v), min: Math.min(...v), max: Math.max(...v) };
}

/** What decides whether a path sustains an offered rate. */
export interface SustainCriteria {
  /** Least achieved ÷ offered rate; 0.95 in the brief. */
  minAchievedFraction: number;
  /** Largest p99 latency from the scheduled send time, ms. */
  maxP99Ms: number;
  /** Largest share of requests that may fail (error status, timeout, dropped for too many in flight). */
  maxErrorFraction: number;
}

/** The figures of one step that {@link sustains} judges. */
export interface StepOutcome {
  offeredPerSecond: number;
  achievedPerSecond: number;
  /** Requests due in the measured period. */
  offered: number;
  /** Of those, failed or never sent. */
  failed: number;
  p99Ms: number;
}

/**
 * Whether a step held its offered rate: achieved at least `minAchievedFraction` of it, p99 within
 * the bound and failures within their share. Returns the reasons it did not (empty when it did).
 */
export function sustains(step: StepOutcome, c: SustainCriteria): string[] {
  const why: string[] = [];
  const fraction = step.achievedPerSecond / step.offeredPerSecond;
  if (!(fraction >= c.minAchievedFraction)) {
    why.push(
      `achieved ${step.achievedPerSecond.toFixed(0)}/s is ${(fraction * 100).toFixed(1)} % of the offered ${step.offeredPerSecond}/s (< ${c.minAchievedFraction * 100} %)`,
    );
  }
  if (!(step.p99Ms <= c.maxP99Ms)) why.push(`p99 ${step.p99Ms.toFixed(2)} ms > ${c.maxP99Ms} ms`);
  const failedShare = step.offered === 0 ? 1 : step.failed / step.offered;
  if (!(failedShare <= c.maxErrorFraction)) {
    why.push(`${step.failed} of ${step.offered} requests failed (> ${c.maxErrorFraction * 100} %)`);
  }
  return why;
}

/**
 * The highest rate of an ascending ladder sustained at that step and every lower one; null when
 * even the first failed. A step after the first failure does not count (the ladder stops there).
 */
export function highestSustained(steps: ReadonlyArray<{ rate: number; sustained: boolean }>): number | null {
  let best: number | null = null;
  for (const s of steps) {
    if (!s.sustained) break;
    best = s.rate;
  }
  return best;
}
