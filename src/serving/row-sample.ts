/**
 * The latest input rows one version served, for live input drift: a fixed-size ring of the row
 * objects the router already parsed (so sampling costs a pointer store per row), oldest
 * overwritten first. Memory is bounded by the capacity times a row's size (about 1 KB for a
 * 20-feature row: 5 MB at the default 5 000).
 */
export const DEFAULT_ROW_SAMPLE = 5_000;

export class RowSample {
  private readonly rows: Array<Readonly<Record<string, unknown>>>;
  private next = 0;
  /** Rows recorded since the start (also those already overwritten). */
  seen = 0;

  constructor(readonly capacity: number = DEFAULT_ROW_SAMPLE) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`RowSample capacity must be a positive integer, got ${capacity}`);
    this.rows = [];
  }

  /** Records the rows of one successful prediction. */
  record(rows: ReadonlyArray<Readonly<Record<string, unknown>>>): void {
    for (const row of rows) {
      if (this.rows.length < this.capacity) this.rows.push(row);
      else this.rows[this.next] = row;
      this.next = (this.next + 1) % this.capacity;
      this.seen++;
    }
  }

  /** The newest `limit` rows (at most the capacity), oldest first. */
  latest(limit: number): Array<Readonly<Record<string, unknown>>> {
    const n = Math.min(limit, this.rows.length);
    const out: Array<Readonly<Record<string, unknown>>> = [];
    for (let k = n; k >= 1; k--)
      out.push(
        this.rows[(this.next - k + this.capacity * 2) % this.capacity] as Readonly<Record<string, unknown>>,
      );
    return out;
  }
}
