import { PREDICTION_BINS, type VersionStats } from '../backends/metrics/types';

/** Default ring capacity: samples kept per version in each ring (about 1.2 MB of typed arrays for requests, 0.6 MB for scores, 1 MB for feedback). */
export const DEFAULT_STATS_CAPACITY = 65_536;

/**
 * Lower edges of bins 1..9: the doubles of the literals 0.1 … 0.9, the same as the Prometheus
 * histogram's buckets, so the two agree on a score at an edge by construction rather than by
 * the rounding of `score * 10`.
 */
const BIN_EDGES: readonly number[] = Array.from({ length: PREDICTION_BINS - 1 }, (_, i) => Number(`0.${i + 1}`));

/** The prediction bin of `score`: bin i covers [i/10, (i+1)/10); below 0 is bin 0, 1 and above is the last bin. */
export function predictionBin(score: number): number {
  let b = 0;
  while (b < BIN_EDGES.length && score >= (BIN_EDGES[b] as number)) b++;
  return b;
}

/**
 * The recent requests of one version: a fixed-size ring of (time, latency, error) samples,
 * oldest overwritten first. Memory is bounded by `capacity`; a window holding more requests
 * than that is computed over the newest `capacity` of them (`requests` then undercounts).
 * Percentiles are exact over the samples in the window (nearest rank), selected in O(samples)
 * per query ({@link percentilesInPlace}); nothing is sorted or scanned per request.
 *
 * Two more rings of the same capacity, allocated on first use, hold the predicted scores (one
 * (time, bin) slot per predicted row, so the bins cover the newest `capacity` rows) and the
 * feedback events (time, labelled rows, correct rows), each at its arrival time.
 */
export class StatsWindow {
  private readonly times: Float64Array;
  private readonly latencies: Float64Array;
  private readonly errors: Uint8Array;
  private next = 0;
  private size = 0;
  private scores: ScoreRing | null = null;
  private feedback: FeedbackRing | null = null;

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

  /** Records the scores of one successful prediction that finished at `atMs`; O(scores). Times must not decrease. */
  recordScores(atMs: number, scores: ArrayLike<number>): void {
    (this.scores ??= new ScoreRing(this.capacity)).record(atMs, scores);
  }

  /** Records feedback that arrived at `atMs`: `labeled` rows got a label, `correct` of them were predicted right. Times must not decrease. */
  recordFeedback(atMs: number, labeled: number, correct: number): void {
    (this.feedback ??= new FeedbackRing(this.capacity)).record(atMs, labeled, correct);
  }

  /** Stats over requests that finished in `(nowMs - windowMs, nowMs]`. */
  stats(version: string, windowMs: number, nowMs: number): VersionStats {
    const from = nowMs - windowMs;
    // Two selections in a typed array rather than a sort of an Array: about 1 ms for a full ring
    // of 65 536 samples on the bench machine, where the sort took 30 ms, a stall of every
    // prediction queued behind this query.
    const all = new Float64Array(this.size);
    let requests = 0;
    let errors = 0;
    for (let k = 0; k < this.size; k++) {
      const i = (this.next - 1 - k + this.capacity) % this.capacity;
      const t = this.times[i] as number;
      if (t <= from) break; // samples are in time order: everything older is out too
      if (t > nowMs) continue;
      all[requests++] = this.latencies[i] as number;
      errors += this.errors[i] as number;
    }
    const [p50, p99] = percentilesInPlace(all.subarray(0, requests), [0.5, 0.99]);
    const out: VersionStats = {
      version,
      windowMs,
      requests,
      errors,
      errorRate: requests === 0 ? NaN : errors / requests,
      latencyP50Ms: p50 as number,
      latencyP99Ms: p99 as number,
    };
    // Omitted rather than zero when the window has none: the same meaning to the canary
    // analysis (absent counts as 0), and the answer of a version without them keeps its shape.
    const bins = this.scores?.bins(from, nowMs);
    if (bins) out.predictions = bins;
    const fb = this.feedback?.sums(from, nowMs);
    if (fb) {
      out.labeled = fb.labeled;
      out.correct = fb.correct;
    }
    return out;
  }
}

/** Ring of (time, prediction bin) per predicted row. */
class ScoreRing {
  private readonly times: Float64Array;
  private readonly binOf: Uint8Array;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.times = new Float64Array(capacity);
    this.binOf = new Uint8Array(capacity);
  }

  record(atMs: number, scores: ArrayLike<number>): void {
    for (let j = 0; j < scores.length; j++) {
      this.times[this.next] = atMs;
      this.binOf[this.next] = predictionBin(scores[j] as number);
      this.next = (this.next + 1) % this.capacity;
    }
    this.size = Math.min(this.capacity, this.size + scores.length);
  }

  /** Counts per bin of the rows predicted in `(from, now]`; null when there are none. */
  bins(from: number, now: number): number[] | null {
    const counts = new Array<number>(PREDICTION_BINS).fill(0);
    let any = false;
    for (let k = 0; k < this.size; k++) {
      const i = (this.next - 1 - k + this.capacity) % this.capacity;
      const t = this.times[i] as number;
      if (t <= from) break;
      if (t > now) continue;
      const b = this.binOf[i] as number;
      counts[b] = (counts[b] as number) + 1;
      any = true;
    }
    return any ? counts : null;
  }
}

/** Ring of (time, labelled rows, correct rows) per feedback event. */
class FeedbackRing {
  private readonly times: Float64Array;
  private readonly labeled: Uint32Array;
  private readonly correct: Uint32Array;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.times = new Float64Array(capacity);
    this.labeled = new Uint32Array(capacity);
    this.correct = new Uint32Array(capacity);
  }

  record(atMs: number, labeled: number, correct: number): void {
    this.times[this.next] = atMs;
    this.labeled[this.next] = labeled;
    this.correct[this.next] = correct;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Sums over the events in `(from, now]`; null when there are no labelled rows. */
  sums(from: number, now: number): { labeled: number; correct: number } | null {
    let labeled = 0;
    let correct = 0;
    for (let k = 0; k < this.size; k++) {
      const i = (this.next - 1 - k + this.capacity) % this.capacity;
      const t = this.times[i] as number;
      if (t <= from) break;
      if (t > now) continue;
      labeled += this.labeled[i] as number;
      correct += this.correct[i] as number;
    }
    return labeled > 0 ? { labeled, correct } : null;
  }
}

/** Nearest-rank percentile of ascending `sorted`; NaN when empty. `q` in 0..1. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/**
 * Nearest-rank percentiles of `values` at each of `qs` (ascending, in 0..1), the same as
 * {@link percentile} of the sorted values; NaN each when empty. Reorders `values`. Quickselect:
 * O(n) expected rather than a sort's O(n log n), as the stats endpoint needs two ranks only.
 */
export function percentilesInPlace(values: Float64Array, qs: readonly number[]): number[] {
  const n = values.length;
  let from = 0;
  return qs.map((q) => {
    if (n === 0) return NaN;
    const k = Math.min(Math.max(1, Math.ceil(q * n)), n) - 1;
    // Everything at or after the previous rank is >= it: a higher rank is found in that part.
    const v = selectInPlace(values, Math.min(from, k), n - 1, k);
    from = k;
    return v;
  });
}

/** The k-th smallest of `a[left..right]` (Hoare partitions, median-of-three pivot); leaves smaller values before k, larger after. */
function selectInPlace(a: Float64Array, left: number, right: number, k: number): number {
  // Each turn shrinks [left, right] by at least one element, so the loop ends.
  while (right > left) {
    const x = a[left] as number;
    const y = a[(left + right) >>> 1] as number;
    const z = a[right] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k] as number; // between the parts: equal to the pivot
  }
  return a[k] as number;
}
