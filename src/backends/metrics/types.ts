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
}

/** Reads live serving metrics: the local router's counters, or Prometheus later. */
export interface MetricsSource {
  readonly kind: string;
  check(): Promise<void>;
  versionStats(model: string, version: string, windowMs: number): Promise<VersionStats>;
}
