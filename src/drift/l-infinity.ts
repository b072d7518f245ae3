import { alignCategoryCounts, type AlignedCategoryCounts, type CategoryCounts } from './category-counts';
import { requireCounts } from './errors';

/**
 * L-infinity distance between the category distributions, as TFDV's categorical drift
 * comparator: max over the union of categories of |reference proportion − current proportion|
 * (a missing category has proportion 0). In [0, 1].
 * @throws DriftInputError naming the argument on negative counts or a zero total
 */
export function lInfinityDistance(refCounts: CategoryCounts, curCounts: CategoryCounts): number {
  return lInfinityDistanceAligned(alignCategoryCounts(refCounts, curCounts));
}

/** {@link lInfinityDistance} of counts already aligned (one alignment for several statistics). */
export function lInfinityDistanceAligned(aligned: AlignedCategoryCounts): number {
  const refTotal = requireCounts(aligned.reference, 'refCounts');
  const curTotal = requireCounts(aligned.current, 'curCounts');
  let max = 0;
  for (let i = 0; i < aligned.categories.length; i++) {
    const d = Math.abs(
      (aligned.reference[i] as number) / refTotal - (aligned.current[i] as number) / curTotal,
    );
    if (d > max) max = d;
  }
  return max;
}
