import { requireCounts, type NumericVector } from './errors';

/**
 * Counts divided by their total.
 * @throws DriftInputError naming `argument` on empty, negative or all-zero counts
 */
export function proportions(counts: NumericVector, argument: string): Float64Array {
  const total = requireCounts(counts, argument);
  return Float64Array.from(counts, (c) => c / total);
}
