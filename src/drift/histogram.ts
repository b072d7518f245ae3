import { DriftInputError, requireSample, type NumericVector } from './errors';
import { equalWidthEdges } from './weighted';

/** Default number of bins for PSI / Jensen–Shannon on numeric columns (Evidently's default). */
export const DEFAULT_BIN_COUNT = 10;

/**
 * Bin edges for PSI / Jensen–Shannon on a numeric column, as Evidently's `get_binned_data`
 * makes them: `numpy.histogram_bin_edges(concat(reference, current), bins=nBins)`, i.e.
 * `nBins` equal-width bins over the combined [min, max] range (range widened to
 * [min − 0.5, max + 0.5] when every value is equal, as numpy does).
 * @param nBins - number of bins, a positive integer; default {@link DEFAULT_BIN_COUNT}
 * @returns `nBins + 1` ascending edges
 * @throws DriftInputError naming the argument on an empty sample or a bad `nBins`
 */
export function numericBins(
  reference: NumericVector,
  current: NumericVector,
  nBins: number = DEFAULT_BIN_COUNT,
): Float64Array {
  requireSample(reference, 'reference');
  requireSample(current, 'current');
  if (!Number.isInteger(nBins) || nBins < 1)
    throw new DriftInputError('nBins', `must be a positive integer (got ${nBins})`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of [reference, current]) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return equalWidthEdges(lo, hi, nBins);
}

/**
 * Counts of `values` per bin, as `numpy.histogram(values, bins=edges)[0]`: bin i holds
 * edges[i] <= v < edges[i+1], the last bin also holds v == edges[last]; values outside the
 * edges are not counted.
 * @param edges - at least two ascending edges
 * @throws DriftInputError naming `edges` when they are too few or not ascending
 */
export function histogram(values: NumericVector, edges: NumericVector): Float64Array {
  if (edges.length < 2) throw new DriftInputError('edges', `need at least 2 edges (got ${edges.length})`);
  for (let i = 1; i < edges.length; i++) {
    if (!((edges[i] as number) >= (edges[i - 1] as number)))
      throw new DriftInputError('edges', `must be ascending (index ${i})`);
  }
  const nBins = edges.length - 1;
  const first = edges[0] as number;
  const last = edges[nBins] as number;
  const counts = new Float64Array(nBins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >= first && v <= last)) continue;
    if (v === last) {
      counts[nBins - 1] = (counts[nBins - 1] as number) + 1;
      continue;
    }
    // Largest bin index b with edges[b] <= v.
    let lo = 0;
    let hi = nBins;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((edges[mid] as number) <= v) lo = mid;
      else hi = mid;
    }
    counts[lo] = (counts[lo] as number) + 1;
  }
  return counts;
}
