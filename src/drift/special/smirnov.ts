// Cephes/xsf MINLOG: log of the smallest normal double; exp() below it underflows.
const MIN_LOG = -708.3964185322641;
// xsf SMIRNOV_MAX_COMPUTE_N: above it xsf switches to an approximation.
const MAX_COMPUTE_N = 1000000;

/**
 * Survival function of the one-sided Kolmogorov–Smirnov statistic D⁺ₙ, P(D⁺ₙ ≥ x)
 * (scipy `special.smirnov(n, x)`).
 *
 * Same case split as xsf's `_smirnov`; the general case is the Birnbaum–Tingey lower sum
 *   x · Σ_{j=0}^{⌊n(1−x)⌋} C(n, j) (1 − x − j/n)^(n−j) (x + j/n)^(j−1),
 * evaluated in log space with a log-sum-exp. All terms are positive, so plain doubles keep
 * ~1e-12 relative accuracy where xsf uses double-double arithmetic.
 */
export function smirnovSurvival(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  const nxFloor = Math.floor(nx);
  const alpha = nx - nxFloor;
  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) {
    return 1 - x * Math.pow(1 + x, n - 1);
  }
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxFloor >= n - 1) return Math.pow(1 - x, n);
  if (n > MAX_COMPUTE_N) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n;
    // sf = 1 − cdf with cdf = −expm1(logp), as xsf does for precision.
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  // Last index of the lower sum, ⌊n(1−x)⌋; when n·x is an integer that term is 0 and dropped.
  const last = n - nxFloor - 1;
  const logTerms: number[] = [];
  let logBinom = 0;
  for (let j = 0; j <= last; j++) {
    const base1 = (n - j) / n - x;
    const base2 = x + j / n;
    if (base1 > 0) logTerms.push(logBinom + (n - j) * Math.log(base1) + (j - 1) * Math.log(base2));
    logBinom += Math.log((n - j) / (j + 1));
  }
  let max = -Infinity;
  for (const t of logTerms) if (t > max) max = t;
  if (max === -Infinity) return 0;
  let sum = 0;
  for (const t of logTerms) sum += Math.exp(t - max);
  const sf = x * Math.exp(max) * sum;
  return Math.min(1, Math.max(0, sf));
}
