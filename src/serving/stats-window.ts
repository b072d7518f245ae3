import type { VersionStats } from '../backends/metrics/types';

/** Default ring capacity: samples kept per version (about 1.2 MB of typed arrays). */
export const DEFAULT_STATS_CAPACITY = 65_536;

/**
 * The recent requests of one version: a fixed-size ring of (time, latency, error) samples,
 * oldest overwritten first. Memory is bounded by `capacity`; a window holding more requests
 * than that is computed over the newest `capacity` of them (`requests` then undercounts).
 * Percentiles are exact over the samples in the window (nearest rank): at the rates the local
 * daemon sees, a sort per query is cheap and needs no sketch.
 */
export class StatsWindow {
  private readonly times: Float64Array;
  private readonly latencies: Float64Array;
  private readonly errors: Uint8Array;
  private next = 0;
  private size = 0;

  /** @param capacity samples kept; default {@link DEFAULT_STATS_CAPACITY}. */
  constructor(readonly capacity: number = DEFAULT_STATS_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`StatsWindow capacity must be a positive integer, got ${capacity}`);
    this.times = new Float64Array(capacity);
    this.latencies = new Float64Array(capacity);
    this.errors = new Uint8Array(capacity);
  }

  /** Records one request that finished at `atMs` after `latencyMs`. Times must not decrease: use a monotonic clock. */
  record(atMs: number, latencyMs: number, error: boolean): void {
    this.times[this.next] = atMs;
    this.latencies[this.next] = latencyMs;
    this.errors[this.next] = error ? 1 : 0;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Stats over requests that finished in `(nowMs - windowMs, nowMs]`. */
  stats(version: string, windowMs: number, nowMs: number): VersionStats {
    const from = nowMs - windowMs;
    const lat: number[] = [];
    let errors = 0;
    for (let k = 0; k < this.size; k++) {
      const i = (this.next - 1 - k + this.capacity) % this.capacity;
      const t = this.times[i] as number;
      if (t <= from) break; // samples are in time order: everything older is out too
      if (t > nowMs) continue;
      lat.push(this.latencies[i] as number);
      errors += this.errors[i] as number;
    }
    lat.sort((a, b) => a - b);
    const requests = lat.length;
    return {
      version,
      windowMs,
      requests,
      errors,
      errorRate: requests === 0 ? NaN : errors / requests,
      latencyP50Ms: percentile(lat, 0.5),
      latencyP99Ms: percentile(lat, 0.99),
    };
  }
}

/** Nearest-rank percentile of ascending `sorted`; NaN when empty. `q` in 0..1. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}
