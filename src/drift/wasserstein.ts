import { requireSample, type NumericVector } from './errors';
import { countAtMost, sortedCopy } from './sorted-copy';

/**
 * First Wasserstein (earth mover's) distance between the empirical distributions of two
 * samples, equal to `scipy.stats.wasserstein_distance(reference, current)`: the integral of
 * |F_ref − F_cur| over the pooled support. Same unit as the data.
 * @throws DriftInputError naming the argument when a sample is empty or holds a non-finite value
 */
export function wassersteinDistance(reference: NumericVector, current: NumericVector): number {
  requireSample(reference, 'reference');
  requireSample(current, 'current');
  const u = sortedCopy(reference);
  const v = sortedCopy(current);
  const all = new Float64Array(u.length + v.length);
  all.set(u);
  all.set(v, u.length);
  all.sort();
  let total = 0;
  for (let i = 0; i < all.length - 1; i++) {
    const x = all[i] as number;
    const delta = (all[i + 1] as number) - x;
    if (delta === 0) continue;
    total += Math.abs(countAtMost(u, x) / u.length - countAtMost(v, x) / v.length) * delta;
  }
  return total;
}
