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

/** A Space-Saving counter; `pos` is its index in the heap. */
interface Counter {
  value: string;
  count: number;
  error: number;
  pos: number;
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

  /** Space-Saving: a min-heap of counters on count, and value → counter. */
  private heap: Counter[] = [];
  private slot = new Map<string, Counter>();
  /** Upper bound on the true count of any value not in the heap; ≤ the smallest count. */
  private unlistedBound = 0;

  constructor(options: TopKOptions = {}) {
    this.capacity = requireInteger(
      options.capacity ?? DEFAULT_TOP_K_CAPACITY,
      1,
      MAX_CAPACITY,
      'options.capacity',
    );
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
   * Adds `counts[i]` occurrences of `values[i]` for every i: one batch's category counts. Past
   * the exact phase the batch is folded in at once instead of value by value: listed values
   * gain their counts, each unlisted one enters with `unlistedBound + count` (its earlier
   * occurrences were at most the bound), and the `capacity` largest counters are kept, the
   * largest count dropped raising the bound. The guarantees stay those of Space-Saving (counts
   * over-estimate by at most their error bound; a value missing from the list occurred at most
   * `unlistedBound` times), at a cost linear in the batch instead of a heap update per value.
   * @throws SketchInputError on a negative or non-finite count
   */
  addCounts(values: ReadonlyArray<string>, counts: ArrayLike<number>): void {
    const n = values.length;
    let i = 0;
    for (; i < n && this.exact !== null; i++) this.add(values[i] as string, counts[i]);
    if (i === n) return;
    const fresh = new Map<string, Counter>();
    const bound = this.unlistedBound;
    let touched = false;
    for (; i < n; i++) {
      const count = counts[i] as number;
      if (!(count >= 0) || count === Infinity) {
        throw new SketchInputError('count', `must be finite and >= 0 (got ${count})`);
      }
      if (count === 0) continue;
      this.total += count;
      const value = values[i] as string;
      const listed = this.slot.get(value) ?? fresh.get(value);
      if (listed !== undefined) {
        listed.count += count;
        touched = true;
        continue;
      }
      fresh.set(value, { value, count: bound + count, error: bound, pos: -1 });
    }
    if (fresh.size === 0) {
      if (touched) this.heapify();
      return;
    }
    const all = this.heap;
    for (const c of fresh.values()) all.push(c);
    if (all.length > this.capacity) {
      selectLargest(all, this.capacity);
      let dropped = this.unlistedBound;
      for (let j = this.capacity; j < all.length; j++) {
        const c = all[j] as Counter;
        if (c.count > dropped) dropped = c.count;
        if (c.pos >= 0) this.slot.delete(c.value);
      }
      all.length = this.capacity;
      this.unlistedBound = dropped;
    }
    for (const c of all) if (c.pos < 0) this.slot.set(c.value, c);
    this.heapify();
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
    for (let i = this.capacity; i < merged.length; i++)
      bound = Math.max(bound, (merged[i] as TopKEntry).count);
    this.total += other.total;
    this.loadHeap(merged.slice(0, this.capacity), bound);
  }

  /** Plain-JSON form; {@link TopK.fromJSON} restores an identical summary. */
  toJSON(): TopKJSON {
    const entries: Array<[string, number, number]> = [];
    if (this.exact !== null) for (const [v, c] of this.exact) entries.push([v, c, 0]);
    else for (const c of this.heap) entries.push([c.value, c.count, c.error]);
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
    if (raw.length > topK.capacity)
      throw new SketchInputError('json.entries', 'has more entries than capacity');
    const entries: TopKEntry[] = raw.map((e, i) => {
      if (
        !Array.isArray(e) ||
        typeof e[0] !== 'string' ||
        typeof e[1] !== 'number' ||
        typeof e[2] !== 'number' ||
        !(e[1] > 0 && e[1] < Infinity && e[2] >= 0 && e[2] <= e[1])
      ) {
        throw new SketchInputError(
          `json.entries[${i}]`,
          'must be [value, count > 0, 0 <= errorBound <= count]',
        );
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
    for (const c of this.heap) out.push({ value: c.value, count: c.count, errorBound: c.error });
    return out;
  }

  private toSpaceSaving(): void {
    const entries = this.entries();
    this.loadHeap(entries, 0);
  }

  /** Replaces the state with a Space-Saving heap over `entries` (heapified unless `heapify` is false). */
  private loadHeap(entries: readonly TopKEntry[], bound: number, heapify = true): void {
    this.exact = null;
    this.heap = entries.map((e, pos) => ({ value: e.value, count: e.count, error: e.errorBound, pos }));
    this.slot = new Map();
    for (const c of this.heap) this.slot.set(c.value, c);
    this.unlistedBound = bound;
    if (heapify) for (let i = (this.heap.length >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private addSpaceSaving(value: string, count: number): void {
    const heap = this.heap;
    const counter = this.slot.get(value);
    if (counter !== undefined) {
      counter.count += count;
      this.siftDown(counter.pos);
      return;
    }
    if (heap.length < this.capacity) {
      // Only after a merge can the heap have room; an unlisted value may already have had up
      // to `unlistedBound` occurrences.
      const c: Counter = {
        value,
        count: this.unlistedBound + count,
        error: this.unlistedBound,
        pos: heap.length,
      };
      heap.push(c);
      this.slot.set(value, c);
      this.siftUp(c.pos);
      return;
    }
    // Evict the smallest counter and reuse it: the newcomer inherits its count as error.
    const root = heap[0] as Counter;
    this.slot.delete(root.value);
    if (root.count > this.unlistedBound) this.unlistedBound = root.count;
    root.value = value;
    root.error = root.count;
    root.count += count;
    this.slot.set(value, root);
    this.siftDown(0);
  }

  /** Restores the heap order (and every counter's `pos`) after counts changed in bulk. */
  private heapify(): void {
    const heap = this.heap;
    for (let i = 0; i < heap.length; i++) (heap[i] as Counter).pos = i;
    for (let i = (heap.length >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const c = heap[i] as Counter;
    while (i > 0) {
      const parentPos = (i - 1) >>> 1;
      const parent = heap[parentPos] as Counter;
      if (parent.count <= c.count) break;
      heap[i] = parent;
      parent.pos = i;
      i = parentPos;
    }
    heap[i] = c;
    c.pos = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const c = heap[i] as Counter;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const left = heap[l] as Counter;
      const right = l + 1 < n ? (heap[l + 1] as Counter) : undefined;
      const child = right !== undefined && right.count < left.count ? right : left;
      if (c.count <= child.count) break;
      heap[i] = child;
      child.pos = i;
      i = child === left ? l : l + 1;
    }
    heap[i] = c;
    c.pos = i;
  }
}

/**
 * Reorders `a` so that its `k` largest counts come first (in no particular order): Hoare
 * quickselect with a median-of-three pivot, linear on average.
 */
function selectLargest(a: Counter[], k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = (a[lo] as Counter).count;
    const y = (a[mid] as Counter).count;
    const z = (a[hi] as Counter).count;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as Counter).count > pivot) i++;
      while ((a[j] as Counter).count < pivot) j--;
      if (i <= j) {
        const t = a[i] as Counter;
        a[i] = a[j] as Counter;
        a[j] = t;
        i++;
        j--;
      }
    }
    // a[lo..j] ≥ pivot ≥ a[i..hi]; keep narrowing the side that holds position k.
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}
