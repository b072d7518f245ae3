import { DriftInputError } from './errors';
import { kolmogorovSurvivalN } from './special/kolmogorov-n';
import type { KsTestResult } from './ks-two-sample';

/**
 * A sample summarised as ascending values with positive weights (a quantile sketch's sorted
 * view). When every weight is 1 it is the sample itself, sorted, and every statistic below
 * equals its scipy counterpart exactly; with a compacted sketch the statistics inherit the
 * sketch's rank error. This is how the validator computes numeric drift in one streaming pass
 * with bounded memory: it never holds both columns, only their sketches.
 */
export interface WeightedSample {
  /** Ascending (ties allowed). */
  readonly values: Float64Array;
  /** Same length as `values`; each > 0. */
  readonly weights: Float64Array;
}

function totalWeight(s: WeightedSample, argument: string): number {
  if (s.values.length === 0) throw new DriftInputError(argument, 'is empty');
  if (s.weights.length !== s.values.length)
    throw new DriftInputError(argument, 'has different numbers of values and weights');
  let total = 0;
  let previous = -Infinity;
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i] as number;
    if (!Number.isFinite(v)) throw new DriftInputError(argument, `holds a non-finite value at index ${i}`);
    if (v < previous) throw new DriftInputError(argument, `is not sorted at index ${i}`);
    previous = v;
    total += s.weights[i] as number;
  }
  return total;
}

/**
 * Walks the pooled distinct values of two weighted samples in ascending order, calling `visit`
 * with each value x, the next pooled value (Infinity after the last) and both CDFs at x.
 */
function walkCdfs(
  a: WeightedSample,
  b: WeightedSample,
  totalA: number,
  totalB: number,
  visit: (x: number, next: number, cdfA: number, cdfB: number) => void,
): void {
  let i = 0;
  let j = 0;
  let cumA = 0;
  let cumB = 0;
  const na = a.values.length;
  const nb = b.values.length;
  while (i < na || j < nb) {
    const va = i < na ? (a.values[i] as number) : Infinity;
    const vb = j < nb ? (b.values[j] as number) : Infinity;
    const x = va < vb ? va : vb;
    while (i < na && a.values[i] === x) cumA += a.weights[i++] as number;
    while (j < nb && b.values[j] === x) cumB += b.weights[j++] as number;
    const nextA = i < na ? (a.values[i] as number) : Infinity;
    const nextB = j < nb ? (b.values[j] as number) : Infinity;
    visit(x, nextA < nextB ? nextA : nextB, cumA / totalA, cumB / totalB);
  }
}

/** numpy `round`: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Two-sided two-sample Kolmogorov–Smirnov test on weighted samples; with unit weights equal to
 * `scipy.stats.ks_2samp(ref, cur, method='asymp')` (see `ksTwoSample`). The p-value uses the
 * samples' true sizes `nRef` / `nCur` (the sketches' counts), not the number of stored points.
 */
export function ksTwoSampleWeighted(reference: WeightedSample, current: WeightedSample): KsTestResult {
  const n1 = totalWeight(reference, 'reference');
  const n2 = totalWeight(current, 'current');
  let statistic = 0;
  walkCdfs(reference, current, n1, n2, (_x, _next, fa, fb) => {
    const d = Math.abs(fa - fb);
    if (d > statistic) statistic = d;
  });
  statistic = Math.min(1, statistic);
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  const pValue = Math.min(1, Math.max(0, kolmogorovSurvivalN(roundHalfEven(en), statistic)));
  return { statistic, pValue };
}

/**
 * First Wasserstein distance between two weighted samples: ∫ |F_ref − F_cur| dx over the pooled
 * support; with unit weights equal to `scipy.stats.wasserstein_distance(ref, cur)`.
 */
export function wassersteinDistanceWeighted(reference: WeightedSample, current: WeightedSample): number {
  const n1 = totalWeight(reference, 'reference');
  const n2 = totalWeight(current, 'current');
  let total = 0;
  walkCdfs(reference, current, n1, n2, (x, next, fa, fb) => {
    if (next !== Infinity) total += Math.abs(fa - fb) * (next - x);
  });
  return total;
}

/**
 * Weight per bin of a weighted sample, with `numpy.histogram`'s rule: bin i holds
 * edges[i] <= v < edges[i+1], the last bin also v == last edge; values outside are dropped.
 */
export function histogramWeighted(sample: WeightedSample, edges: Float64Array): Float64Array {
  const nBins = edges.length - 1;
  if (nBins < 1) throw new DriftInputError('edges', `need at least 2 edges (got ${edges.length})`);
  const counts = new Float64Array(nBins);
  const first = edges[0] as number;
  const last = edges[nBins] as number;
  let bin = 0;
  // Values are ascending, so the bin index only moves forward.
  for (let i = 0; i < sample.values.length; i++) {
    const v = sample.values[i] as number;
    if (v < first || v > last) continue;
    if (v === last) {
      counts[nBins - 1] = (counts[nBins - 1] as number) + (sample.weights[i] as number);
      continue;
    }
    while (bin < nBins - 1 && (edges[bin + 1] as number) <= v) bin++;
    counts[bin] = (counts[bin] as number) + (sample.weights[i] as number);
  }
  return counts;
}

/**
 * `numpy.histogram_bin_edges(values, bins=nBins)` from the pooled range [lo, hi] alone, as
 * Evidently bins reference and current together (see `numericBins`).
 */
export function equalWidthEdges(lo: number, hi: number, nBins: number): Float64Array {
  if (!Number.isInteger(nBins) || nBins < 1)
    throw new DriftInputError('nBins', `must be a positive integer (got ${nBins})`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi))
    throw new DriftInputError('range', `must be finite with lo <= hi (got [${lo}, ${hi}])`);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / nBins;
  const edges = new Float64Array(nBins + 1);
  for (let i = 0; i < nBins; i++) edges[i] = i * step + lo;
  edges[nBins] = hi;
  return edges;
}
