import { requireFiniteField, requireInteger, requireRecord, SketchInputError } from './errors';

/** Default number of counters (distinct values tracked). */
export const DEFAULT_TOP_K_CAPACITY = 10_000;
const MAX_CAPACITY = 1 << 24;
const JSON_TYPE = 'mlcd.top-k';

/** Options of a {@link TopK}. */
export interface TopKOptions {
  /**
   * Number of counters: counts are exact while at most this many distinct values have been
   * seen, and Space-Saving beyond. Integer in [1, 2^24], default {@link DEFAULT_TOP_K_CAPACITY}.
   */
  readonly capacity?: number;
}

/** One value of {@link TopK.top}. */
export interface TopKEntry {
  readonly value: string;
  /** Estimated count, never below the true count. */
  readonly count: number;
  /** The true count is in [count − errorBound, count]; 0 in exact mode. */
  readonly errorBound: number;
}

/** Plain-JSON form of a {@link TopK}, from {@link TopK.toJSON}. */
export interface TopKJSON {
  readonly type: typeof JSON_TYPE;
  readonly version: 1;
  readonly capacity: number;
  /** Sum of all counts added. */
  readonly total: number;
  /** True while the counts are exact. */
  readonly exact: boolean;
  /** Upper bound on the true count of any value not listed (0 in exact mode). */
  readonly unlistedBound: number;
  /** [value, count, errorBound], in internal order (so a round trip is identical). */
  readonly entries: Array<[string, number, number]>;
}

/** Orders entries by count descending, then value ascending (UTF-16 code units). */
function compareEntries(a: TopKEntry, b: TopKEntry): number {
  if (a.count !== b.count) return b.count - a.count;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/**
 * Frequent values of a categorical column: exact counts while at most `capacity` distinct
 * values have been seen, then the Space-Saving algorithm (Metwally, Agrawal & El Abbadi 2005)
 * with `capacity` counters, merged as in Agarwal et al., "Mergeable Summaries" (2012).
 *
 * Guarantees in Space-Saving mode: a reported count never under-counts and the true count lies
 * in [count − errorBound, count]. For one stream of total weight N, every errorBound is at most
 * N / capacity (the smallest counter) and every value whose true count exceeds N / capacity is
 * reported; merging adds the two sides' bounds. Values are strings (stringify booleans or
 * numbers first).
 */
export class TopK {
  /** Number of counters. */
  readonly capacity: number;

  private total = 0;
  /** Exact mode: value → count; `null` in Space-Saving mode. */
  private exact: Map<string, number> | null = new Map();

  /** Space-Saving: a min-heap on count of (value, count, error), with value → heap slot. */
  private values: string[] = [];
  private counts = new Float64Array(0);
  private errors = new Float64Array(0);
  private slot = new Map<string, number>();
  /** Upper bound on the true count of any value not in the heap; ≤ the smallest count. */
  private unlistedBound = 0;

  constructor(options: TopKOptions = {}) {
    this.capacity = requireInteger(options.capacity ?? DEFAULT_TOP_K_CAPACITY, 1, MAX_CAPACITY, 'options.capacity');
  }

  /** True while every count is exact (at most `capacity` distinct values seen). */
  get isExact(): boolean {
    return this.exact !== null;
  }

  /** Sum of all counts added. */
  get totalCount(): number {
    return this.total;
  }

  /**
   * Adds `count` occurrences of `value`.
   * @param value the category
   * @param count occurrences, finite and ≥ 0 (default 1); 0 is a no-op
   * @throws SketchInputError on a negative or non-finite count
   */
  add(value: string, count = 1): void {
    if (!(count >= 0) || count === Infinity) {
      throw new SketchInputError('count', `must be finite and >= 0 (got ${count})`);
    }
    if (count === 0) return;
    this.total += count;
    const exact = this.exact;
    if (exact !== null) {
      const c = exact.get(value);
      if (c !== undefined) {
        exact.set(value, c + count);
        return;
      }
      if (exact.size < this.capacity) {
        exact.set(value, count);
        return;
      }
      this.toSpaceSaving();
    }
    this.addSpaceSaving(value, count);
  }

  /**
   * The `k` values with the highest counts, by count descending then value ascending.
   * @param k how many, default all tracked values
   */
  top(k: number = this.capacity): TopKEntry[] {
    const entries = this.entries();
    entries.sort(compareEntries);
    return entries.slice(0, Math.max(0, k));
  }

  /** Adds everything counted by `other` (which is not modified). */
  merge(other: TopK): void {
    if (other.total === 0) return;
    if (other === this) other = TopK.fromJSON(this.toJSON());
    if (this.exact !== null && other.exact !== null) {
      let union = this.exact.size;
      for (const v of other.exact.keys()) if (!this.exact.has(v)) union++;
      if (union <= this.capacity) {
        for (const [v, c] of other.exact) this.exact.set(v, (this.exact.get(v) ?? 0) + c);
        this.total += other.total;
        return;
      }
    }
    // Each side's count for a value it does not list is at most its unlisted bound.
    const mine = new Map<string, TopKEntry>();
    for (const e of this.entries()) mine.set(e.value, e);
    const theirs = new Map<string, TopKEntry>();
    for (const e of other.entries()) theirs.set(e.value, e);
    const myBound = this.exact !== null ? 0 : this.unlistedBound;
    const theirBound = other.exact !== null ? 0 : other.unlistedBound;
    const merged: TopKEntry[] = [];
    for (const [v, a] of mine) {
      const b = theirs.get(v);
      merged.push({
        value: v,
        count: a.count + (b !== undefined ? b.count : theirBound),
        errorBound: a.errorBound + (b !== undefined ? b.errorBound : theirBound),
      });
    }
    for (const [v, b] of theirs) {
      if (mine.has(v)) continue;
      merged.push({ value: v, count: b.count + myBound, errorBound: b.errorBound + myBound });
    }
    merged.sort(compareEntries);
    let bound = myBound + theirBound;
    for (let i = this.capacity; i < merged.length; i++) bound = Math.max(bound, (merged[i] as TopKEntry).count);
    this.total += other.total;
    this.loadHeap(merged.slice(0, this.capacity), bound);
  }

  /** Plain-JSON form; {@link TopK.fromJSON} restores an identical summary. */
  toJSON(): TopKJSON {
    const entries: Array<[string, number, number]> = [];
    if (this.exact !== null) for (const [v, c] of this.exact) entries.push([v, c, 0]);
    else {
      for (let i = 0; i < this.values.length; i++) {
        entries.push([this.values[i] as string, this.counts[i] as number, this.errors[i] as number]);
      }
    }
    return {
      type: JSON_TYPE,
      version: 1,
      capacity: this.capacity,
      total: this.total,
      exact: this.exact !== null,
      unlistedBound: this.exact !== null ? 0 : this.unlistedBound,
      entries,
    };
  }

  /**
   * Restores a summary from {@link TopK.toJSON} output (parsed JSON).
   * @throws SketchInputError naming the field when the form is malformed
   */
  static fromJSON(json: unknown): TopK {
    const obj = requireRecord(json, 'json');
    if (obj.type !== JSON_TYPE || obj.version !== 1) {
      throw new SketchInputError('json.type', `expected ${JSON_TYPE} version 1`);
    }
    const topK = new TopK({ capacity: requireFiniteField(obj, 'capacity', 'json') });
    const total = requireFiniteField(obj, 'total', 'json');
    const bound = requireFiniteField(obj, 'unlistedBound', 'json');
    if (!Array.isArray(obj.entries)) throw new SketchInputError('json.entries', 'must be an array');
    const raw: unknown[] = obj.entries;
    if (raw.length > topK.capacity) throw new SketchInputError('json.entries', 'has more entries than capacity');
    const entries: TopKEntry[] = raw.map((e, i) => {
      if (
        !Array.isArray(e) ||
        typeof e[0] !== 'string' ||
        typeof e[1] !== 'number' ||
        typeof e[2] !== 'number' ||
        !(e[1] > 0 && e[1] < Infinity && e[2] >= 0 && e[2] <= e[1])
      ) {
        throw new SketchInputError(`json.entries[${i}]`, 'must be [value, count > 0, 0 <= errorBound <= count]');
      }
      return { value: e[0], count: e[1], errorBound: e[2] };
    });
    topK.total = total;
    if (obj.exact === true) {
      for (const e of entries) topK.exact?.set(e.value, e.count);
      return topK;
    }
    // Entries are in heap order already, so loading them keeps the internal state identical.
    topK.loadHeap(entries, bound, false);
    return topK;
  }

  // ---- internals ----

  private entries(): TopKEntry[] {
    const out: TopKEntry[] = [];
    if (this.exact !== null) {
      for (const [value, count] of this.exact) out.push({ value, count, errorBound: 0 });
      return out;
    }
    for (let i = 0; i < this.values.length; i++) {
      out.push({ value: this.values[i] as string, count: this.counts[i] as number, errorBound: this.errors[i] as number });
    }
    return out;
  }

  private toSpaceSaving(): void {
    const entries = this.entries();
    this.loadHeap(entries, 0);
  }

  /** Replaces the state with a Space-Saving heap over `entries` (heapified unless `heapify` is false). */
  private loadHeap(entries: readonly TopKEntry[], bound: number, heapify = true): void {
    const n = entries.length;
    this.exact = null;
    this.values = new Array<string>(n);
    this.counts = new Float64Array(this.capacity);
    this.errors = new Float64Array(this.capacity);
    this.slot = new Map();
    for (let i = 0; i < n; i++) {
      const e = entries[i] as TopKEntry;
      this.values[i] = e.value;
      this.counts[i] = e.count;
      this.errors[i] = e.errorBound;
      this.slot.set(e.value, i);
    }
    this.unlistedBound = bound;
    if (heapify) for (let i = (n >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private addSpaceSaving(value: string, count: number): void {
    const i = this.slot.get(value);
    if (i !== undefined) {
      this.counts[i] = (this.counts[i] as number) + count;
      this.siftDown(i);
      return;
    }
    const n = this.values.length;
    if (n < this.capacity) {
      // Only after a merge can the heap have room; an unlisted value may already have had up
      // to `unlistedBound` occurrences.
      this.values.push(value);
      this.counts[n] = this.unlistedBound + count;
      this.errors[n] = this.unlistedBound;
      this.slot.set(value, n);
      this.siftUp(n);
      return;
    }
    // Evict the smallest counter; the newcomer inherits its count as error.
    const min = this.counts[0] as number;
    this.slot.delete(this.values[0] as string);
    if (min > this.unlistedBound) this.unlistedBound = min;
    this.values[0] = value;
    this.counts[0] = min + count;
    this.errors[0] = min;
    this.slot.set(value, 0);
    this.siftDown(0);
  }

  private swap(i: number, j: number): void {
    const vi = this.values[i] as string;
    const vj = this.values[j] as string;
    this.values[i] = vj;
    this.values[j] = vi;
    this.slot.set(vj, i);
    this.slot.set(vi, j);
    const c = this.counts[i] as number;
    this.counts[i] = this.counts[j] as number;
    this.counts[j] = c;
    const e = this.errors[i] as number;
    this.errors[i] = this.errors[j] as number;
    this.errors[j] = e;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if ((this.counts[parent] as number) <= (this.counts[i] as number)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.values.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && (this.counts[r] as number) < (this.counts[l] as number) ? r : l;
      if ((this.counts[i] as number) <= (this.counts[c] as number)) return;
      this.swap(i, c);
      i = c;
    }
  }
}
