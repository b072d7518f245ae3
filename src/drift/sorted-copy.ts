import type { NumericVector } from './errors';

/** Ascending copy of `values` as a Float64Array (the input is left untouched). */
export function sortedCopy(values: NumericVector): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * Number of elements of ascending `sorted` that are `<= x` (numpy `searchsorted(side='right')`).
 */
export function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
