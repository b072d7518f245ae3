/**
 * The input rows one version served, for live input drift: at most `perSecond` rows of each
 * second, drawn uniformly at random from that second's rows (a reservoir per second), kept in a
 * ring of `capacity` rows, oldest overwritten first.
 *
 * Why a cap per second: a ring of every row holds only the last few seconds of a busy version
 * (5 000 rows are 5 s at 1,000 requests/s), while a drift check every few minutes should see its
 * interval's traffic, not one burst from one client. With the cap the ring spans at least
 * capacity ÷ perSecond seconds (100 s at the defaults) at any rate, and below the cap every row is
 * kept as before. It also keeps the router from holding on to every request's parsed row, which
 * the garbage collector would otherwise copy out of the young generation for each request.
 *
 * Sampling costs a counter and, once a second's quota is full, one random draw per row; the rows
 * are the objects the router already parsed. Memory is bounded by the capacity (plus at most one
 * second's quota) times a row's size (about 1 KB for a 20-feature row: 5 MB at the default 5 000).
 */
export const DEFAULT_ROW_SAMPLE = 5_000;

/** Rows of one second kept at most by default; above the demo's 40 requests/s, so it keeps all. */
export const DEFAULT_ROW_SAMPLE_PER_SECOND = 50;

type Row = Readonly<Record<string, unknown>>;

export interface RowSampleOptions {
  /** Rows kept of one second at most; default {@link DEFAULT_ROW_SAMPLE_PER_SECOND}. */
  perSecond?: number;
  /** Monotonic time in ms; default `performance.now`. */
  now?: () => number;
  /** Uniform in [0, 1); default `Math.random`. */
  random?: () => number;
}

export class RowSample {
  /** Rows of the seconds before the current one, a ring of `capacity`. */
  private readonly rows: Row[] = [];
  private next = 0;
  /** The current second's reservoir, its start and how many rows it has seen. */
  private slot: Row[] = [];
  private slotStart = -Infinity;
  private slotSeen = 0;
  private readonly perSecond: number;
  private readonly now: () => number;
  private readonly random: () => number;
  /** Rows recorded since the start (also those not kept or already overwritten). */
  seen = 0;

  constructor(
    readonly capacity: number = DEFAULT_ROW_SAMPLE,
    o: RowSampleOptions = {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`RowSample capacity must be a positive integer, got ${capacity}`);
    const perSecond = o.perSecond ?? DEFAULT_ROW_SAMPLE_PER_SECOND;
    if (!Number.isInteger(perSecond) || perSecond < 1)
      throw new RangeError(`RowSample perSecond must be a positive integer, got ${perSecond}`);
    // A second's quota above the capacity could not be kept anyway.
    this.perSecond = Math.min(perSecond, capacity);
    this.now = o.now ?? (() => performance.now());
    this.random = o.random ?? Math.random;
  }

  /** Records the rows of one successful prediction. */
  record(rows: readonly Row[]): void {
    const t = this.now();
    if (t - this.slotStart >= 1_000) this.startSecond(t);
    for (const row of rows) {
      this.seen++;
      this.slotSeen++;
      if (this.slot.length < this.perSecond) this.slot.push(row);
      else {
        // Algorithm R: the n-th row of the second replaces a kept one with probability quota / n.
        const j = Math.floor(this.random() * this.slotSeen);
        if (j < this.perSecond) this.slot[j] = row;
      }
    }
  }

  /** The newest `limit` rows kept (at most the capacity), oldest first by second. */
  latest(limit: number): Row[] {
    const n = Math.min(limit, this.capacity);
    const fromSlot = Math.min(n, this.slot.length);
    const fromRing = Math.min(n - fromSlot, this.rows.length);
    const out: Row[] = [];
    for (let k = fromRing; k >= 1; k--)
      out.push(this.rows[(this.next - k + this.capacity * 2) % this.capacity] as Row);
    for (let i = this.slot.length - fromSlot; i < this.slot.length; i++) out.push(this.slot[i] as Row);
    return out;
  }

  /** Moves the finished second's rows into the ring and opens a new second at `t`. */
  private startSecond(t: number): void {
    for (const row of this.slot) {
      if (this.rows.length < this.capacity) this.rows.push(row);
      else this.rows[this.next] = row;
      this.next = (this.next + 1) % this.capacity;
    }
    this.slot = [];
    this.slotSeen = 0;
    this.slotStart = t;
  }
}
