/** Default number of recent predictions the router remembers for feedback. */
export const DEFAULT_FEEDBACK_REQUESTS = 100_000;

/** Default number of predicted rows (scores) the router remembers for feedback, across those predictions. */
export const DEFAULT_FEEDBACK_ROWS = 1_000_000;

/** One successful prediction remembered for its delayed labels. */
export interface RememberedPrediction {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  /** Rows predicted (= scores answered). */
  readonly rows: number;
  /** The scores until the prediction gets feedback; null afterwards (freed: only "already labelled" is kept). */
  scores: readonly number[] | null;
}

/** Result of {@link PredictionLog.lookup}: the prediction, or why there is none. */
export type PredictionLookup =
  | { kind: 'found'; prediction: RememberedPrediction }
  /** Remembered once and evicted since (or too large to remember at all). */
  | { kind: 'expired' }
  /** Never remembered: no successful prediction had this id since the daemon started, or it was evicted long ago. */
  | { kind: 'unknown' };

/**
 * The recent successful predictions by request id, for feedback: at most `maxRequests`
 * predictions and `maxRows` scores, oldest evicted first. Scores are freed when a prediction gets
 * its feedback. The ids of the last `maxRequests` evicted predictions are kept too, so a late
 * label is told "expired" rather than "unknown".
 *
 * Eviction order is a ring of `maxRequests` slots beside the id Map, not the Map's own insertion
 * order: V8 leaves deleted entries in a Map's table until it rehashes, so taking the first key of
 * a Map used as a queue walks every deleted entry before it (measured: 0.14 ms per insert at
 * 100 000 entries, against about 1 µs with the ring). A prediction whose id is reused keeps its
 * slot until the ring passes it, so reuse can only lower the number remembered.
 *
 * Memory at the defaults, measured on Node 20 with 36-character ids (docs/serving.md): about
 * 38 MB retained with one-row predictions (100 000 remembered, the ids of 100 000 evicted), about
 * 45 MB with 10-row ones; `maxRows` caps the scores at 8 bytes each (8 MB at 1 000 000).
 */
export class PredictionLog {
  private readonly live = new Map<string, RememberedPrediction>();
  /** Scores held by `live` (labelled predictions hold none). */
  private liveRows = 0;
  /** Insertion order: `count` predictions from `head` on, oldest first (some replaced since by a reused id). */
  private readonly slots: Array<RememberedPrediction | undefined>;
  private head = 0;
  private count = 0;
  private readonly expired = new Set<string>();
  /** Eviction order of `expired`: a ring of `maxRequests` ids. */
  private readonly expiredOrder: Array<string | undefined>;
  private expiredNext = 0;

  /**
   * @param maxRequests predictions remembered; default {@link DEFAULT_FEEDBACK_REQUESTS}.
   * @param maxRows scores remembered across them; default {@link DEFAULT_FEEDBACK_ROWS}.
   */
  constructor(
    readonly maxRequests: number = DEFAULT_FEEDBACK_REQUESTS,
    readonly maxRows: number = DEFAULT_FEEDBACK_ROWS,
  ) {
    if (!Number.isInteger(maxRequests) || maxRequests < 1) {
      throw new RangeError(`PredictionLog maxRequests must be a positive integer, got ${maxRequests}`);
    }
    if (!Number.isInteger(maxRows) || maxRows < 1) {
      throw new RangeError(`PredictionLog maxRows must be a positive integer, got ${maxRows}`);
    }
    this.slots = new Array<RememberedPrediction | undefined>(maxRequests);
    this.expiredOrder = new Array<string | undefined>(maxRequests);
  }

  /** Predictions remembered now. */
  get size(): number {
    return this.live.size;
  }

  /**
   * Remembers the prediction `id` of `model` by `version` with its `scores` (kept by reference:
   * the caller must not change them). An id remembered already now names this prediction. O(1)
   * amortized, plus the evictions it causes.
   */
  remember(id: string, model: string, version: string, scores: readonly number[]): void {
    const previous = this.live.get(id);
    if (previous) {
      this.live.delete(id);
      this.liveRows -= previous.scores?.length ?? 0;
    }
    if (scores.length > this.maxRows) {
      this.markExpired(id);
      return;
    }
    if (this.count === this.slots.length) this.evictOldest();
    const p: RememberedPrediction = { id, model, version, rows: scores.length, scores };
    this.slots[(this.head + this.count) % this.slots.length] = p;
    this.count++;
    this.live.set(id, p);
    this.liveRows += scores.length;
    // Each turn evicts one older prediction; the one just added fits on its own, so this ends before it.
    while (this.liveRows > this.maxRows && this.count > 1) this.evictOldest();
  }

  /** The prediction `id`, or whether it expired or was never known. */
  lookup(id: string): PredictionLookup {
    const prediction = this.live.get(id);
    if (prediction) return { kind: 'found', prediction };
    return this.expired.has(id) ? { kind: 'expired' } : { kind: 'unknown' };
  }

  /** Records that `prediction` got its feedback: frees its scores, keeps the "labelled" mark. */
  markLabelled(prediction: RememberedPrediction): void {
    if (prediction.scores === null) return;
    this.liveRows -= prediction.scores.length;
    prediction.scores = null;
  }

  private evictOldest(): void {
    const p = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    if (p === undefined || this.live.get(p.id) !== p) return; // its id was reused: already replaced
    this.live.delete(p.id);
    this.liveRows -= p.scores?.length ?? 0;
    this.markExpired(p.id);
  }

  private markExpired(id: string): void {
    const dropped = this.expiredOrder[this.expiredNext];
    if (dropped !== undefined) this.expired.delete(dropped);
    this.expiredOrder[this.expiredNext] = id;
    this.expiredNext = (this.expiredNext + 1) % this.expiredOrder.length;
    this.expired.add(id);
  }
}
