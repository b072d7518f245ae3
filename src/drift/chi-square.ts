import { alignCategoryCounts, type AlignedCategoryCounts, type CategoryCounts } from './category-counts';
import { requireCounts } from './errors';
import { chiSquareSurvival } from './special/chi-square-sf';

/** Result of a chi-square goodness-of-fit test. */
export interface ChiSquareResult {
  /** Pearson's statistic Σ (obs − exp)² / exp; `Infinity` when a category is new in current. */
  readonly statistic: number;
  /** Upper-tail p-value with (categories − 1) degrees of freedom, in [0, 1]. */
  readonly pValue: number;
}

/**
 * Chi-square drift test for a categorical column, as Evidently's `chisquare` stat test:
 * over the union of categories, expected = reference proportion × current total, then
 * `scipy.stats.chisquare(f_obs=current counts, f_exp=expected)` (df = categories − 1).
 *
 * A category present in current but absent from reference has expected 0, so the statistic
 * is `Infinity` and the p-value 0, as in scipy. With a single category (df = 0) scipy returns a
 * NaN p-value; this returns statistic 0 and p-value 1 instead (nothing can have drifted).
 * @throws DriftInputError naming the argument on negative counts or a zero total
 */
export function chiSquare(refCounts: CategoryCounts, curCounts: CategoryCounts): ChiSquareResult {
  return chiSquareAligned(alignCategoryCounts(refCounts, curCounts));
}

/** {@link chiSquare} of counts already aligned (one alignment for several statistics). */
export function chiSquareAligned(aligned: AlignedCategoryCounts): ChiSquareResult {
  const refTotal = requireCounts(aligned.reference, 'refCounts');
  const curTotal = requireCounts(aligned.current, 'curCounts');
  const k = aligned.categories.length;
  if (k < 2) return { statistic: 0, pValue: 1 };
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const observed = aligned.current[i] as number;
    const expected = ((aligned.reference[i] as number) / refTotal) * curTotal;
    const diff = observed - expected;
    // scipy: (obs − exp)² / exp, with 0/0 = NaN and x/0 = inf.
    statistic += expected === 0 ? (diff === 0 ? NaN : Infinity) : (diff * diff) / expected;
  }
  if (Number.isNaN(statistic)) return { statistic, pValue: NaN };
  return { statistic, pValue: Math.min(1, Math.max(0, chiSquareSurvival(statistic, k - 1))) };
}
