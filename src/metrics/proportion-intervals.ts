/**
 * Confidence intervals of proportions for live canary analysis: the Wilson score interval of one
 * proportion and Newcombe's hybrid score interval of the difference of two independent ones
 * (canary and stable see different requests, so nothing is paired here, unlike the offline
 * bootstrap). Pure; imported by workflow code through src/core/canary-analysis.ts.
 *
 * Hand-written because the standard normal quantile is the only numeric routine needed and the
 * npm packages that offer it pull native-addon tooling into the workflow bundle.
 */

const { sqrt, log, abs } = Math;

/**
 * The standard normal quantile Φ⁻¹(p), Wichura's algorithm AS 241 (PPND16), relative error
 * about 1e-16 for p in (0, 1); −∞ / +∞ at 0 / 1, NaN outside [0, 1].
 */
/* eslint-disable no-loss-of-precision -- the coefficients as Wichura published them, so they can be checked against the paper; each runs as its nearest double */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) *
          r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) *
        r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = sqrt(-log(r));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) *
        r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) *
        r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    x =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) *
        r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) *
        r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -x : x;
}
/* eslint-enable no-loss-of-precision */

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
