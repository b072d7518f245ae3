/**
 * Pure drift statistics (no I/O) for the data validation engine. Numbers match scipy /
 * Evidently / TFDV within 1e-6; see each function for the reference it reproduces.
 */
export { DriftInputError, type NumericVector } from './errors';
export { ksTwoSample, type KsTestResult } from './ks-two-sample';
export { wassersteinDistance } from './wasserstein';
export { numericBins, histogram, DEFAULT_BIN_COUNT } from './histogram';
export { psi, psiEvidently, evidentlyZeroProportion, PSI_ZERO_PROPORTION } from './psi';
export { jensenShannonDistance } from './jensen-shannon';
export { alignCategoryCounts, type CategoryCounts, type AlignedCategoryCounts } from './category-counts';
export { chiSquare, chiSquareAligned, type ChiSquareResult } from './chi-square';
export { lInfinityDistance, lInfinityDistanceAligned } from './l-infinity';
export { kolmogorovSurvivalN } from './special/kolmogorov-n';
export { smirnovSurvival } from './special/smirnov';
export { chiSquareSurvival, regularizedGammaQ } from './special/chi-square-sf';
export {
  ksTwoSampleWeighted,
  wassersteinDistanceWeighted,
  histogramWeighted,
  equalWidthEdges,
  type WeightedSample,
} from './weighted';
