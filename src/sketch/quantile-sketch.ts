import {
  requireFiniteField,
  requireInteger,
  requireNumberArray,
  requireRecord,
  SketchInputError,
} from './errors';
import { hashNumber } from './hash';
import { linearQuantile } from './linear-quantile';
import { sortFloat64 } from './sort-float64';

/** Default KLL accuracy parameter; see {@link QuantileSketch} for the error it gives. */
export const DEFAULT_QUANTILE_K = 1024;
/** Default number of values kept exactly before switching to KLL compaction. */
export const DEFAULT_QUANTILE_EXACT_LIMIT = 65_536;

/** Minimum capacity of any compactor level, as DataSketches' `m`. */
const MIN_LEVEL_CAPACITY = 8;
const MAX_K = 65_535;
const MAX_EXACT_LIMIT = 1 << 26;
const JSON_TYPE = 'mlcd.quantile-sketch';

/** Options of a {@link QuantileSketch}. */
export interface QuantileSketchOptions {
  /**
   * KLL accuracy parameter: capacity of the top compactor; lower levels shrink by 2/3 per level
   * down to 8. Integer in [8, 65535], default {@link DEFAULT_QUANTILE_K} (1024).
   */
  readonly k?: number;
  /**
   * Keep every value, uncompacted, while at most this many have been added. Integer in
   * [0, 2^26], default {@link DEFAULT_QUANTILE_EXACT_LIMIT} (65,536 values, 512 KiB).
   */
  readonly exactLimit?: number;
  /** Seed of the compaction coin flips (any integer), default 0. Same seed + input → same sketch. */
  readonly seed?: number;
}

/** Values in ascending order with their integer weights, as walked by a KS or Wasserstein statistic. */
export interface WeightedSortedView {
  /** Retained values, non-decreasing (a repeated value may appear more than once). */
  readonly values: Float64Array;
  /** Weight of each value (1 in exact mode, 2^level in sketch mode); they sum to `count`. */
  readonly weights: Float64Array;
}

/** Plain-JSON form of a {@link QuantileSketch}, from {@link QuantileSketch.toJSON}. */
export interface QuantileSketchJSON {
  readonly type: typeof JSON_TYPE;
  readonly version: 1;
  readonly k: number;
  readonly exactLimit: number;
  /** Number of values added. */
  readonly count: number;
  /** Smallest and largest value added; `null` while empty. */
  readonly min: number | null;
  readonly max: number | null;
  /** Compaction PRNG state (uint32, non-zero). */
  readonly rngState: number;
  /** Exact mode: every value added (any order). */
  readonly values?: number[];
  /** Sketch mode: the compactor levels, level 0 first (weight 2^h for level h). */
  readonly levels?: number[][];
}

/**
 * Capacity of compactor level `h` when there are `numLevels` levels: ⌈k·(2/3)^depth⌉-ish with
 * depth = numLevels − h − 1, at least 8 (DataSketches' `KllHelper.levelCapacity`).
 */
function levelCapacity(k: number, numLevels: number, h: number): number {
  const depth = numLevels - h - 1;
  const cap = Math.floor((Math.floor((2 * k * 2 ** depth) / 3 ** depth) + 1) / 2);
  return cap > MIN_LEVEL_CAPACITY ? cap : MIN_LEVEL_CAPACITY;
}

/** A copy of `a` with room for at least `needed` values. */
function grow(a: Float64Array, needed: number): Float64Array {
  const out = new Float64Array(Math.max(needed, 2 * a.length));
  out.set(a);
  return out;
}

/** Index of the first element of `a[0..n)` greater than `x` (`a` ascending). */
function upperBound(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface CachedView {
  readonly values: Float64Array;
  readonly weights: Float64Array;
  /** cumulative[i] = sum of weights[0..i]. */
  readonly cumulative: Float64Array;
}

/**
 * Mergeable quantile sketch over finite doubles: exact while it has seen at most `exactLimit`
 * values, then a KLL sketch (Karnin, Lang & Liberty 2016) laid out as Apache DataSketches'
 * `KllDoublesSketch` (lazy compaction, level capacities k·(2/3)^depth, minimum 8), with one
 * change for speed: level 0 is a raw buffer of 2k values, radix-sorted ({@link sortFloat64})
 * and compacted only when full. That means fewer weight-1 compactions, which never adds error.
 *
 * Accuracy in sketch mode: the normalized rank error of `quantile(q)` and `rank(x)` stays below
 * DataSketches' 99%-confidence bound 2.296 / k^0.9723 ({@link QuantileSketch.normalizedRankError}):
 * 0.27% at the default k = 1024, 1.33% at k = 200. Measured on 300k-value uniform, normal,
 * lognormal and tied streams (12 seeds, q = 0.01…0.99): worst 0.19%, mean 0.05% at k = 1024.
 * Memory: about 5k doubles (≈ 40 KiB, JSON ≤ 100 KB) at k = 1024 in sketch mode; `exactLimit`
 * doubles in exact mode (512 KiB, JSON ≈ 1.2 MB at the default 65,536).
 *
 * Non-finite values are ignored (they are not counted). Compaction coin flips come from a
 * seeded xorshift32 generator whose state travels in the JSON form, so the same sequence of
 * calls gives an identical sketch, before or after a JSON round trip.
 */
export class QuantileSketch {
  /** KLL accuracy parameter. */
  readonly k: number;
  /** Values kept exactly before compaction starts. */
  readonly exactLimit: number;

  private n = 0;
  /** Min / max of every value except those still in the unsorted level-0 buffer in sketch mode. */
  private minV = Infinity;
  private maxV = -Infinity;
  private rngState: number;

  /** Exact mode: the values (first `n` entries); `null` in sketch mode. */
  private exact: Float64Array | null = new Float64Array(0);
  private exactSorted = true;

  /** Sketch mode: unsorted level-0 buffer of 2k values and its fill. */
  private l0: Float64Array = new Float64Array(0);
  private l0Size = 0;
  /** Sketch mode: sorted compactor levels 1.. (index 0 unused) and their sizes. */
  private levels: Float64Array[] = [new Float64Array(0)];
  private sizes: number[] = [0];
  /** Capacity of each level for the current number of levels (index 0 unused), and their sum. */
  private caps: number[] = [0];
  private budget = 0;
  /** Scratch buffer for merging into a level; swapped with that level's buffer afterwards. */
  private scratch: Float64Array = new Float64Array(0);

  private view: CachedView | null = null;

  constructor(options: QuantileSketchOptions = {}) {
    this.k = requireInteger(options.k ?? DEFAULT_QUANTILE_K, MIN_LEVEL_CAPACITY, MAX_K, 'options.k');
    this.exactLimit = requireInteger(
      options.exactLimit ?? DEFAULT_QUANTILE_EXACT_LIMIT,
      0,
      MAX_EXACT_LIMIT,
      'options.exactLimit',
    );
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed))
      throw new SketchInputError('options.seed', `must be an integer (got ${seed})`);
    this.rngState = hashNumber(seed, 0x5eed) || 1;
  }

  /**
   * Normalized rank error bound (99% confidence) of a KLL sketch with parameter `k`, the
   * DataSketches fit 2.296 / k^0.9723: 0.0027 for k = 1024, 0.0133 for k = 200.
   */
  static normalizedRankError(k: number): number {
    return 2.296 / k ** 0.9723;
  }

  /** Rank error bound of this sketch's answers: 0 in exact mode, else {@link QuantileSketch.normalizedRankError}. */
  get rankErrorBound(): number {
    return this.exact !== null ? 0 : QuantileSketch.normalizedRankError(this.k);
  }

  /** Number of (finite) values added. */
  get count(): number {
    return this.n;
  }

  /** True while every value is kept (count ≤ exactLimit); answers are then exact. */
  get isExact(): boolean {
    return this.exact !== null;
  }

  /** Smallest value added (exact in both modes); NaN while empty. */
  get min(): number {
    if (this.n === 0) return NaN;
    let m = this.minV;
    const l0 = this.l0;
    for (let i = 0; i < this.l0Size; i++) if ((l0[i] as number) < m) m = l0[i] as number;
    return m;
  }

  /** Largest value added (exact in both modes); NaN while empty. */
  get max(): number {
    if (this.n === 0) return NaN;
    let m = this.maxV;
    const l0 = this.l0;
    for (let i = 0; i < this.l0Size; i++) if ((l0[i] as number) > m) m = l0[i] as number;
    return m;
  }

  /** Adds one value; NaN and ±Infinity are ignored. */
  add(v: number): void {
    if (v - v !== 0) return;
    this.view = null;
    const exact = this.exact;
    if (exact !== null) {
      if (this.n < this.exactLimit) {
        if (this.n === exact.length) this.growExact(this.n + 1);
        (this.exact as Float64Array)[this.n++] = v;
        this.exactSorted = false;
        if (v < this.minV) this.minV = v;
        if (v > this.maxV) this.maxV = v;
        return;
      }
      this.toSketchMode();
    }
    this.l0[this.l0Size++] = v;
    this.n++;
    if (this.l0Size === this.l0.length) this.compactLevel0();
  }

  /**
   * Adds `values[0..length)`, skipping rows whose `nulls` byte is non-zero and non-finite values.
   * @param values column values
   * @param nulls per-row null flags (1 = null), or `undefined` when the column has no nulls
   * @param length rows to read, default `values.length`
   * @param allFinite the caller knows every value in range is finite: in sketch mode a batch
   *   without nulls is then copied in blocks instead of value by value (same sketch)
   */
  addBatch(
    values: Float64Array,
    nulls: Uint8Array | undefined,
    length: number = values.length,
    allFinite = false,
  ): void {
    if (
      !Number.isInteger(length) ||
      length < 0 ||
      length > values.length ||
      (nulls !== undefined && length > nulls.length)
    ) {
      throw new SketchInputError('length', `must be within the arrays (got ${length})`);
    }
    if (length === 0) return;
    this.view = null;
    let i = 0;
    if (this.exact !== null) {
      i = this.fillExact(values, nulls, length);
      if (i === length) return;
      this.toSketchMode();
    }
    if (nulls === undefined && allFinite) this.copyIntoSketch(values, i, length);
    else this.fillSketch(values, nulls, i, length);
  }

  /**
   * Adds `values[i]` with integer weight `weights[i]` (as that many copies of it), for
   * i < `length`. Exact mode, while the total stays within `exactLimit`: the copies themselves.
   * Sketch mode: a weight's binary digits, one item at level h for digit h (level h holds items
   * of weight 2^h, so this adds no error), and ⌊w / 2^top⌋ items at the top level used. That
   * level is the current top or, if higher, ⌊log2(count / 4k)⌋: below the top a stream of that
   * many unit values grows, so the lower levels keep their capacities. Compaction then runs as
   * usual. Costs O(distinct values · levels), not O(total weight).
   * @param values ascending, finite
   * @param weights positive integers
   * @throws SketchInputError when a value or weight is invalid or the values are not ascending
   */
  addWeighted(values: Float64Array, weights: Float64Array, length: number = values.length): void {
    if (!Number.isInteger(length) || length < 0 || length > values.length || length > weights.length) {
      throw new SketchInputError('length', `must be within the arrays (got ${length})`);
    }
    let total = 0;
    for (let i = 0; i < length; i++) {
      const v = values[i] as number;
      const w = weights[i] as number;
      if (!Number.isFinite(v)) throw new SketchInputError('values', `holds a non-finite value at index ${i}`);
      if (i > 0 && v < (values[i - 1] as number))
        throw new SketchInputError('values', `is not ascending at index ${i}`);
      if (!Number.isSafeInteger(w) || w < 1)
        throw new SketchInputError('weights', `must be positive integers (got ${w} at index ${i})`);
      total += w;
    }
    if (total === 0) return;
    this.view = null;
    if (this.exact !== null) {
      if (this.n + total <= this.exactLimit) {
        this.addCopies(values, weights, length, total);
        return;
      }
      this.toSketchMode();
    }
    const first = values[0] as number;
    const last = values[length - 1] as number;
    if (first < this.minV) this.minV = first;
    if (last > this.maxV) this.maxV = last;
    const top = Math.max(1, this.levels.length - 1, Math.floor(Math.log2((this.n + total) / (4 * this.k))));
    while (this.levels.length <= top) this.addLevel();
    let items: Float64Array = new Float64Array(length);
    let ones = 0;
    for (let h = 1; h <= top; h++) {
      const unit = 2 ** h;
      let m = 0;
      for (let i = 0; i < length; i++) {
        const w = weights[i] as number;
        // Below the top: digit h of w; at the top: every remaining multiple of 2^top.
        const copies = h < top ? Math.floor(w / unit) % 2 : Math.floor(w / unit);
        if (copies === 0) continue;
        if (m + copies > items.length) items = grow(items, m + copies);
        for (let c = 0; c < copies; c++) items[m++] = values[i] as number;
      }
      if (m > 0) this.mergeIntoLevel(items, 0, 1, m, h);
      this.n += m * unit;
    }
    for (let i = 0; i < length; i++)
      if ((weights[i] as number) % 2 === 1) items[ones++] = values[i] as number;
    this.compressAbove();
    this.fillSketch(items, undefined, 0, ones);
  }

  /**
   * Merges `other` into this sketch, as if every value added to `other` had been added here.
   * `other` is not modified. Both must have the same `k`.
   * @throws SketchInputError when the `k`s differ and both are in sketch mode
   */
  merge(other: QuantileSketch): void {
    if (other.n === 0) return;
    if (other === this) other = this.clone();
    this.view = null;
    if (other.exact !== null) {
      this.addBatch(other.exact, undefined, other.n);
      return;
    }
    if (other.k !== this.k) {
      throw new SketchInputError(
        'other',
        `cannot merge a sketch with k=${other.k} into one with k=${this.k}`,
      );
    }
    if (this.exact !== null) this.toSketchMode();
    this.n += other.n - other.l0Size;
    if (other.minV < this.minV) this.minV = other.minV;
    if (other.maxV > this.maxV) this.maxV = other.maxV;
    while (this.levels.length < other.levels.length) this.addLevel();
    for (let h = 1; h < other.levels.length; h++) {
      const size = other.sizes[h] as number;
      if (size > 0) this.mergeIntoLevel(other.levels[h] as Float64Array, 0, 1, size, h);
    }
    this.compressAbove();
    this.fillSketch(other.l0, undefined, 0, other.l0Size);
  }

  /**
   * Estimated q-quantile. Exact mode: numpy's default `'linear'` method, so it equals
   * `numpy.quantile(values, q)`. Sketch mode: the smallest retained value whose cumulative
   * weight reaches ⌈q·count⌉ (DataSketches' inclusive rule); q = 0 and q = 1 give the exact
   * min and max. NaN when empty.
   * @param q probability in [0, 1]
   * @throws SketchInputError when q is outside [0, 1] or NaN
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new SketchInputError('q', `must be in [0, 1] (got ${q})`);
    const n = this.n;
    if (n === 0) return NaN;
    if (this.exact !== null) {
      const s = this.sortedExact();
      return linearQuantile(n, q, (i) => s[i] as number);
    }
    if (q === 0) return this.min;
    if (q === 1) return this.max;
    const view = this.cachedView();
    const target = Math.ceil(q * n);
    const cum = view.cumulative;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cum[mid] as number) >= target) hi = mid;
      else lo = mid + 1;
    }
    return view.values[lo] as number;
  }

  /**
   * Estimated fraction of values ≤ x (exact in exact mode); NaN when empty or x is NaN.
   * @param x any number
   */
  rank(x: number): number {
    const n = this.n;
    if (n === 0 || x !== x) return NaN;
    if (this.exact !== null) return upperBound(this.sortedExact(), n, x) / n;
    if (x < this.min) return 0;
    if (x >= this.max) return 1;
    const view = this.cachedView();
    const i = upperBound(view.values, view.values.length, x);
    return i === 0 ? 0 : (view.cumulative[i - 1] as number) / n;
  }

  /**
   * Retained values ascending with integer weights summing to `count` (fresh copies). In exact
   * mode these are all the values, each with weight 1.
   */
  sortedView(): WeightedSortedView {
    if (this.exact !== null) {
      const values = this.sortedExact().slice(0, this.n);
      return { values, weights: new Float64Array(this.n).fill(1) };
    }
    const view = this.cachedView();
    return { values: view.values.slice(), weights: view.weights.slice() };
  }

  /** A deep copy, including the PRNG state. */
  clone(): QuantileSketch {
    return QuantileSketch.fromJSON(this.toJSON());
  }

  /** Plain-JSON form; {@link QuantileSketch.fromJSON} restores an identical sketch. */
  toJSON(): QuantileSketchJSON {
    const base: Omit<QuantileSketchJSON, 'values' | 'levels'> = {
      type: JSON_TYPE,
      version: 1,
      k: this.k,
      exactLimit: this.exactLimit,
      count: this.n,
      min: this.n === 0 ? null : this.min,
      max: this.n === 0 ? null : this.max,
      rngState: this.rngState,
    };
    if (this.exact !== null) return { ...base, values: Array.from(this.exact.subarray(0, this.n)) };
    const levels: number[][] = [Array.from(this.l0.subarray(0, this.l0Size))];
    for (let h = 1; h < this.levels.length; h++) {
      levels.push(Array.from((this.levels[h] as Float64Array).subarray(0, this.sizes[h] as number)));
    }
    return { ...base, levels };
  }

  /**
   * Restores a sketch from {@link QuantileSketch.toJSON} output (parsed JSON).
   * @throws SketchInputError naming the field when the form is malformed or inconsistent
   */
  static fromJSON(json: unknown): QuantileSketch {
    const obj = requireRecord(json, 'json');
    if (obj.type !== JSON_TYPE || obj.version !== 1) {
      throw new SketchInputError('json.type', `expected ${JSON_TYPE} version 1`);
    }
    const sketch = new QuantileSketch({
      k: requireFiniteField(obj, 'k', 'json'),
      exactLimit: requireFiniteField(obj, 'exactLimit', 'json'),
    });
    const count = requireFiniteField(obj, 'count', 'json');
    const rng = requireFiniteField(obj, 'rngState', 'json');
    if (!Number.isInteger(rng) || rng <= 0 || rng > 0xffffffff) {
      throw new SketchInputError('json.rngState', 'must be a non-zero uint32');
    }
    sketch.rngState = rng;
    if (obj.values !== undefined) {
      const values = requireNumberArray(obj.values, 'json.values');
      if (values.length !== count || count > sketch.exactLimit) {
        throw new SketchInputError('json.values', `has ${values.length} values for count ${count}`);
      }
      sketch.addBatch(values, undefined);
      return sketch;
    }
    if (!Array.isArray(obj.levels) || obj.levels.length === 0) {
      throw new SketchInputError('json', 'needs either values or levels');
    }
    const raw: unknown[] = obj.levels;
    sketch.exact = null;
    sketch.l0 = new Float64Array(2 * sketch.k);
    const level0 = requireNumberArray(raw[0], 'json.levels[0]');
    if (level0.length >= sketch.l0.length) throw new SketchInputError('json.levels[0]', 'is over capacity');
    sketch.l0.set(level0);
    sketch.l0Size = level0.length;
    let total = level0.length;
    for (let h = 1; h < raw.length; h++) {
      const level = requireNumberArray(raw[h], `json.levels[${h}]`);
      for (let i = 1; i < level.length; i++) {
        if ((level[i] as number) < (level[i - 1] as number)) {
          throw new SketchInputError(`json.levels[${h}]`, 'must be sorted ascending');
        }
      }
      sketch.addLevel();
      sketch.levels[h] = level;
      sketch.sizes[h] = level.length;
      total += level.length * 2 ** h;
    }
    if (total !== count)
      throw new SketchInputError('json.count', `is ${count} but the levels weigh ${total}`);
    sketch.n = count;
    if (count > 0) {
      sketch.minV = requireFiniteField(obj, 'min', 'json');
      sketch.maxV = requireFiniteField(obj, 'max', 'json');
    }
    return sketch;
  }

  // ---- exact mode ----

  private growExact(needed: number): void {
    const old = this.exact as Float64Array;
    const cap = Math.min(this.exactLimit, Math.max(needed, 2 * old.length, 1024));
    const grown = new Float64Array(cap);
    grown.set(old.subarray(0, this.n));
    this.exact = grown;
  }

  /** Copies valid values into the exact buffer until it holds `exactLimit`; returns the next row. */
  private fillExact(values: Float64Array, nulls: Uint8Array | undefined, length: number): number {
    const room = this.exactLimit - this.n;
    if ((this.exact as Float64Array).length < this.n + Math.min(room, length)) {
      this.growExact(this.n + Math.min(room, length));
    }
    const buf = this.exact as Float64Array;
    let n = this.n;
    const limit = this.exactLimit;
    let mn = this.minV;
    let mx = this.maxV;
    let i = 0;
    for (; i < length; i++) {
      if (nulls !== undefined && nulls[i] !== 0) continue;
      const v = values[i] as number;
      if (v - v !== 0) continue;
      if (n === limit) break;
      buf[n++] = v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (n !== this.n) this.exactSorted = false;
    this.n = n;
    this.minV = mn;
    this.maxV = mx;
    return i;
  }

  /** Exact mode: appends `weights[i]` copies of each `values[i]` (`total` in all, within the limit). */
  private addCopies(values: Float64Array, weights: Float64Array, length: number, total: number): void {
    if ((this.exact as Float64Array).length < this.n + total) this.growExact(this.n + total);
    const buf = this.exact as Float64Array;
    let n = this.n;
    for (let i = 0; i < length; i++) {
      const v = values[i] as number;
      buf.fill(v, n, n + (weights[i] as number));
      n += weights[i] as number;
    }
    this.n = n;
    this.exactSorted = false;
    if ((values[0] as number) < this.minV) this.minV = values[0] as number;
    if ((values[length - 1] as number) > this.maxV) this.maxV = values[length - 1] as number;
  }

  private sortedExact(): Float64Array {
    const exact = this.exact as Float64Array;
    if (!this.exactSorted) {
      sortFloat64(exact, this.n);
      this.exactSorted = true;
    }
    return exact;
  }

  /**
   * Moves the exact values into the KLL structure. They are sorted first so the result does
   * not depend on whether a query happened to sort them already.
   */
  private toSketchMode(): void {
    const values = this.sortedExact();
    const n = this.n;
    this.exact = null;
    this.l0 = new Float64Array(2 * this.k);
    this.l0Size = 0;
    this.n = 0;
    this.fillSketch(values, undefined, 0, n);
  }

  // ---- sketch mode ----

  private fillSketch(
    values: Float64Array,
    nulls: Uint8Array | undefined,
    from: number,
    length: number,
  ): void {
    const buf = this.l0;
    const cap = buf.length;
    let size = this.l0Size;
    let added = 0;
    if (nulls === undefined) {
      for (let i = from; i < length; i++) {
        const v = values[i] as number;
        if (v - v !== 0) continue;
        buf[size++] = v;
        added++;
        if (size === cap) {
          this.l0Size = size;
          this.compactLevel0();
          size = this.l0Size;
        }
      }
    } else {
      for (let i = from; i < length; i++) {
        if (nulls[i] !== 0) continue;
        const v = values[i] as number;
        if (v - v !== 0) continue;
        buf[size++] = v;
        added++;
        if (size === cap) {
          this.l0Size = size;
          this.compactLevel0();
          size = this.l0Size;
        }
      }
    }
    this.l0Size = size;
    this.n += added;
  }

  /** `fillSketch` of finite values without nulls: level 0 filled by block copies. */
  private copyIntoSketch(values: Float64Array, from: number, length: number): void {
    const buf = this.l0;
    const cap = buf.length;
    let i = from;
    while (i < length) {
      const take = Math.min(cap - this.l0Size, length - i);
      buf.set(values.subarray(i, i + take), this.l0Size);
      this.l0Size += take;
      i += take;
      if (this.l0Size === cap) this.compactLevel0();
    }
    this.n += length - from;
  }

  /** Next coin flip, 0 or 1, from the xorshift32 state. */
  private coin(): number {
    let s = this.rngState;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.rngState = s >>> 0;
    return s >>> 31;
  }

  private addLevel(): void {
    this.levels.push(new Float64Array(Math.max(MIN_LEVEL_CAPACITY, this.k)));
    this.sizes.push(0);
    const numLevels = this.levels.length;
    let budget = 0;
    for (let h = 1; h < numLevels; h++) {
      const cap = levelCapacity(this.k, numLevels, h);
      this.caps[h] = cap;
      budget += cap;
    }
    this.budget = budget;
  }

  /**
   * Merges every other value of sorted `src[beg + offset], src[beg + offset + 2], …` (`half`
   * values) into sorted level `h`, through the scratch buffer.
   */
  private mergeIntoLevel(src: Float64Array, beg: number, step: number, half: number, h: number): void {
    const level = this.levels[h] as Float64Array;
    const nb = this.sizes[h] as number;
    const total = half + nb;
    if (this.scratch.length < total)
      this.scratch = new Float64Array(Math.max(total, 2 * this.scratch.length));
    const out = this.scratch;
    let a = beg;
    const aEnd = beg + half * step;
    let b = 0;
    let o = 0;
    while (a < aEnd && b < nb) {
      const x = src[a] as number;
      const y = level[b] as number;
      if (x <= y) {
        out[o++] = x;
        a += step;
      } else {
        out[o++] = y;
        b++;
      }
    }
    while (a < aEnd) {
      out[o++] = src[a] as number;
      a += step;
    }
    while (b < nb) out[o++] = level[b++] as number;
    this.scratch = level;
    this.levels[h] = out;
    this.sizes[h] = total;
  }

  /** Sorts the full level-0 buffer, promotes a random half to level 1, then restores capacities. */
  private compactLevel0(): void {
    const size = this.l0Size;
    const buf = this.l0;
    sortFloat64(buf, size);
    if (size > 0) {
      if ((buf[0] as number) < this.minV) this.minV = buf[0] as number;
      if ((buf[size - 1] as number) > this.maxV) this.maxV = buf[size - 1] as number;
    }
    // An odd leftover (the smallest value) stays in level 0, as DataSketches does.
    const odd = size & 1;
    const half = (size - odd) >>> 1;
    if (this.levels.length === 1) this.addLevel();
    this.mergeIntoLevel(buf, odd + this.coin(), 2, half, 1);
    this.l0Size = odd;
    this.compressAbove();
  }

  /**
   * DataSketches' lazy compaction over levels ≥ 1: while they hold more than their total
   * capacity, compact the lowest level at or over its own capacity (adding a top level when
   * that is the top one).
   */
  private compressAbove(): void {
    const sizes = this.sizes;
    let used = 0;
    for (let h = 1; h < sizes.length; h++) used += sizes[h] as number;
    while (used > this.budget) {
      let h = 1;
      while ((sizes[h] as number) < (this.caps[h] as number)) h++;
      if (h === this.levels.length - 1) this.addLevel();
      const level = this.levels[h] as Float64Array;
      const size = this.sizes[h] as number;
      const odd = size & 1;
      const half = (size - odd) >>> 1;
      // mergeIntoLevel swaps buffers, so level h's own buffer is never the scratch here.
      this.mergeIntoLevel(level, odd + this.coin(), 2, half, h + 1);
      // The odd leftover is level[0], the smallest; it stays at index 0 of level h.
      sizes[h] = odd;
      used -= half;
    }
  }

  private cachedView(): CachedView {
    if (this.view !== null) return this.view;
    let values = this.l0.slice(0, this.l0Size);
    sortFloat64(values);
    let weights = new Float64Array(this.l0Size).fill(1);
    for (let h = 1; h < this.levels.length; h++) {
      const size = this.sizes[h] as number;
      if (size === 0) continue;
      const level = this.levels[h] as Float64Array;
      const w = 2 ** h;
      const nv = values.length;
      const mv = new Float64Array(nv + size);
      const mw = new Float64Array(nv + size);
      let a = 0;
      let b = 0;
      let o = 0;
      while (a < nv && b < size) {
        if ((values[a] as number) <= (level[b] as number)) {
          mv[o] = values[a] as number;
          mw[o++] = weights[a++] as number;
        } else {
          mv[o] = level[b++] as number;
          mw[o++] = w;
        }
      }
      while (a < nv) {
        mv[o] = values[a] as number;
        mw[o++] = weights[a++] as number;
      }
      while (b < size) {
        mv[o] = level[b++] as number;
        mw[o++] = w;
      }
      values = mv;
      weights = mw;
    }
    const cumulative = new Float64Array(values.length);
    let acc = 0;
    for (let i = 0; i < values.length; i++) {
      acc += weights[i] as number;
      cumulative[i] = acc;
    }
    this.view = { values, weights, cumulative };
    return this.view;
  }
}
