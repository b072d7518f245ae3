/** Equal-width bins of the prediction-score histograms on [0, 1] (bin i covers [i/10, (i+1)/10); 1.0 falls in the last). */
export const PREDICTION_BINS = 10;

/** One version's live serving metrics over a trailing window. */
export interface VersionStats {
  version: string;
  windowMs: number;
  requests: number;
  errors: number;
  /** errors / requests; NaN with no requests. */
  errorRate: number;
  /** NaN with no requests. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /**
   * Delayed-label feedback received in the window for this version's predictions: how many
   * predicted rows got a label, and how many of those the version predicted right (score ≥ 0.5
   * against a 0/1 label). Absent from sources (and recorded histories) that do not report it.
   */
  labeled?: number;
  correct?: number;
  /**
   * The version's predicted scores in the window, counted in `PREDICTION_BINS` equal bins on
   * [0, 1] (scores below 0 count in the first bin, above 1 in the last). Absent when the source
   * does not report it.
   */
  predictions?: number[];
}

/** Reads live serving metrics: the local router's counters, or Prometheus. */
export interface MetricsSource {
  readonly kind: string;
  check(): Promise<void>;
  versionStats(model: string, version: string, windowMs: number): Promise<VersionStats>;
}
