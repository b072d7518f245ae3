import { logGamma } from './log-gamma';

const MAX_ITERATIONS = 10000;
const EPS = 1e-16;
const TINY = 1e-300;

/**
 * Regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a) for `a > 0`, `x >= 0`
 * (scipy `gammaincc`). Series for P when `x < a + 1`, Lentz continued fraction for Q otherwise,
 * so small tail probabilities keep their relative precision.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`regularizedGammaQ: a must be > 0 (got ${a})`);
  if (Number.isNaN(x) || x < 0) throw new RangeError(`regularizedGammaQ: x must be >= 0 (got ${x})`);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let term = 1 / a;
    let sum = term;
    for (let n = 0; n < MAX_ITERATIONS; n++) {
      ap += 1;
      term *= x / ap;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(logPrefix) * h;
}

/**
 * Survival function of the chi-square distribution with `df > 0` degrees of freedom
 * (scipy `chi2.sf(x, df)` = `gammaincc(df / 2, x / 2)`).
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}
