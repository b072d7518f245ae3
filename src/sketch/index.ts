/**
 * Pure streaming sketches for one-pass, bounded-memory column profiles: quantiles (exact, then
 * KLL), distinct counts (exact, then HyperLogLog) and frequent values (exact, then
 * Space-Saving). All are mergeable, deterministic and round-trip through plain JSON.
 */
export { SketchInputError } from './errors';
export { FLOAT64_LOW_WORD, hashNumber, hashNumberWords, hashNumberWordsBatch, hashString } from './hash';
export {
  DEFAULT_DISTINCT_EXACT_LIMIT,
  DistinctCounter,
  HLL_PRECISION,
  HLL_RELATIVE_STANDARD_ERROR,
  type DistinctCounterJSON,
  type DistinctCounterOptions,
} from './hyperloglog';
export {
  DEFAULT_QUANTILE_EXACT_LIMIT,
  DEFAULT_QUANTILE_K,
  QuantileSketch,
  type QuantileSketchJSON,
  type QuantileSketchOptions,
  type WeightedSortedView,
} from './quantile-sketch';
export { linearQuantile } from './linear-quantile';
export { sortFloat64 } from './sort-float64';
export { DEFAULT_TOP_K_CAPACITY, TopK, type TopKEntry, type TopKJSON, type TopKOptions } from './top-k';
