import { requireSample, type NumericVector } from './errors';
import { kolmogorovSurvivalN } from './special/kolmogorov-n';
import { countAtMost, sortedCopy } from './sorted-copy';

/** Result of a two-sample Kolmogorov–Smirnov test. */
export interface KsTestResult {
  /** D = sup |F_ref − F_cur|, in [0, 1]. */
  readonly statistic: number;
  /** Two-sided p-value, in [0, 1]. */
  readonly pValue: number;
}

/** numpy `round`: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Two-sided two-sample Kolmogorov–Smirnov test, equal to
 * `scipy.stats.ks_2samp(reference, current, alternative='two-sided', method='asymp')`.
 *
 * The statistic is computed exactly as scipy does (ECDF differences at every pooled value, so
 * ties are handled). For the p-value scipy's 'asymp' method does *not* use the limiting
 * Kolmogorov distribution: it evaluates the one-sample distribution `kstwo.sf(D, round(en))`
 * with `en = n₁n₂/(n₁+n₂)` rounded half-to-even; that is reproduced here.
 * @param reference - reference sample, NaNs already removed; must be non-empty
 * @param current - current sample, NaNs already removed; must be non-empty
 * @throws DriftInputError naming the argument when a sample is empty or holds a non-finite value
 */
export function ksTwoSample(reference: NumericVector, current: NumericVector): KsTestResult {
  requireSample(reference, 'reference');
  requireSample(current, 'current');
  const a = sortedCopy(reference);
  const b = sortedCopy(current);
  const n1 = a.length;
  const n2 = b.length;

  let maxDiff = -Infinity;
  let minDiff = Infinity;
  const visit = (x: number): void => {
    const diff = countAtMost(a, x) / n1 - countAtMost(b, x) / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  };
  for (const x of a) visit(x);
  for (const x of b) visit(x);
  const minS = Math.min(1, Math.max(0, -minDiff));
  const statistic = minS > maxDiff ? minS : maxDiff;

  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  const pValue = Math.min(1, Math.max(0, kolmogorovSurvivalN(roundHalfEven(en), statistic)));
  return { statistic, pValue };
}
