import { DriftInputError, type NumericVector } from './errors';
import { proportions } from './proportions';

/** Proportion substituted for an empty bin or category in PSI (Evidently's convention). */
export const PSI_ZERO_PROPORTION = 0.0001;

/**
 * Population stability index between binned (or per-category) counts:
 *   PSI = Σᵢ (curᵢ − refᵢ) · ln(curᵢ / refᵢ)
 * where refᵢ, curᵢ are the proportions of each count vector, and a proportion that is exactly
 * 0 is replaced by `eps` (Evidently substitutes 0.0001) so the log stays finite. Proportions
 * are not renormalised after the substitution, as in Evidently. Unitless, >= 0.
 * @param refCounts - reference counts per bin/category
 * @param curCounts - current counts, aligned with `refCounts`
 * @param eps - replacement for a zero proportion, default {@link PSI_ZERO_PROPORTION}
 * @throws DriftInputError naming the argument on empty, negative, all-zero or misaligned counts
 */
export function psi(
  refCounts: NumericVector,
  curCounts: NumericVector,
  eps: number = PSI_ZERO_PROPORTION,
): number {
  if (curCounts.length !== refCounts.length) {
    throw new DriftInputError(
      'curCounts',
      `length ${curCounts.length} differs from refCounts length ${refCounts.length}`,
    );
  }
  if (!(eps > 0 && Number.isFinite(eps)))
    throw new DriftInputError('eps', `must be a positive number (got ${eps})`);
  const ref = proportions(refCounts, 'refCounts');
  const cur = proportions(curCounts, 'curCounts');
  let total = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] === 0 ? eps : (ref[i] as number);
    const c = cur[i] === 0 ? eps : (cur[i] as number);
    total += (c - r) * Math.log(c / r);
  }
  return total;
}

/**
 * The proportion Evidently (0.7, `get_binned_data(feel_zeroes=True)`) substitutes for an empty
 * bin on one side: 0.0001, or the side's smallest non-zero proportion / 10⁶ when that is itself
 * at most 0.0001 (so the fill never outweighs a real bin).
 */
export function evidentlyZeroProportion(proportions: Float64Array): number {
  let min = Infinity;
  for (const p of proportions) if (p !== 0 && p < min) min = p;
  return min <= PSI_ZERO_PROPORTION ? min / 1e6 : PSI_ZERO_PROPORTION;
}

/**
 * PSI exactly as Evidently's `psi` stat test computes it: Σ (ref − cur) · ln(ref / cur) over
 * proportions whose zeros are filled per side with {@link evidentlyZeroProportion}.
 * @throws DriftInputError naming the argument on empty, negative, all-zero or misaligned counts
 */
export function psiEvidently(refCounts: NumericVector, curCounts: NumericVector): number {
  if (curCounts.length !== refCounts.length) {
    throw new DriftInputError(
      'curCounts',
      `length ${curCounts.length} differs from refCounts length ${refCounts.length}`,
    );
  }
  const ref = proportions(refCounts, 'refCounts');
  const cur = proportions(curCounts, 'curCounts');
  const refFill = evidentlyZeroProportion(ref);
  const curFill = evidentlyZeroProportion(cur);
  let total = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] === 0 ? refFill : (ref[i] as number);
    const c = cur[i] === 0 ? curFill : (cur[i] as number);
    total += (r - c) * Math.log(r / c);
  }
  return total;
}
