/**
 * Confidence intervals of proportions for live canary analysis: the Wilson score interval of one
 * proportion and Newcombe's hybrid score interval of the difference of two independent ones
 * (canary and stable see different requests, so nothing is paired here, unlike the offline
 * bootstrap). Pure; imported by workflow code through src/core/canary-analysis.ts.
 */
import { normalQuantile } from './delong';

export { normalQuantile };

const { sqrt } = Math;

/** A proportion's point estimate with its interval. */
export interface ProportionInterval {
  value: number;
  lower: number;
  upper: number;
}

/** z of a two-sided `level` interval; throws on a level outside (0, 1). */
function zOf(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  return normalQuantile(0.5 + level / 2);
}

/**
 * Wilson score interval of `successes` out of `n` at `level` (two-sided), as
 * `statsmodels.stats.proportion.proportion_confint(method='wilson')`. NaN everywhere when n = 0.
 * @throws RangeError on counts that are not integers with 0 ≤ successes ≤ n, or a bad level
 */
export function wilsonInterval(successes: number, n: number, level = 0.95): ProportionInterval {
  if (!Number.isInteger(n) || !Number.isInteger(successes) || n < 0 || successes < 0 || successes > n)
    throw new RangeError(`wilsonInterval: need integers 0 <= successes <= n, got ${successes} of ${n}`);
  const z = zOf(level);
  if (n === 0) return { value: NaN, lower: NaN, upper: NaN };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp rounding at the ends: the interval of 0 of n starts at exactly 0.
  return { value: p, lower: Math.max(0, center - half), upper: Math.min(1, center + half) };
}

/**
 * Newcombe's hybrid score interval (his method 10) of p₁ − p₂ for two independent proportions,
 * built from their Wilson intervals, as
 * `statsmodels.stats.proportion.confint_proportions_2indep(..., compare='diff', method='newcomb')`.
 * NaN everywhere when either n is 0.
 */
export function newcombeDifference(
  successes1: number,
  n1: number,
  successes2: number,
  n2: number,
  level = 0.95,
): ProportionInterval {
  const a = wilsonInterval(successes1, n1, level);
  const b = wilsonInterval(successes2, n2, level);
  if (n1 === 0 || n2 === 0) return { value: NaN, lower: NaN, upper: NaN };
  const d = a.value - b.value;
  return {
    value: d,
    lower: d - sqrt((a.value - a.lower) ** 2 + (b.upper - b.value) ** 2),
    upper: d + sqrt((a.upper - a.value) ** 2 + (b.value - b.lower) ** 2),
  };
}
