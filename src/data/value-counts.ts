import type { WeightedSample } from '../drift/weighted';
import { FLOAT64_LOW_WORD, linearQuantile, SketchInputError } from '../sketch';

/** Distinct values counted exactly before a `ValueCounts` gives up. */
export const VALUE_COUNTS_LIMIT = 1024;

/** Bound once: `Math.x` lookups are slow under Jest's global Proxy (see src/sketch/hash.ts). */
const imul = Math.imul;
/**
 * Read once: through `../sketch`'s re-export every use in the loop below is a getter call on
 * the module object, which made counting 4–5× slower.
 */
const LOW_WORD = FLOAT64_LOW_WORD;
/**
 * Integers in [0, SMALL_INTS) are counted in an array indexed by the value, not hashed: counts,
 * ages and labels mostly are, and `v & mask === v` costs a fraction of a table lookup.
 */
const SMALL_INTS = VALUE_COUNTS_LIMIT;
const SMALL_MASK = SMALL_INTS - 1;

interface SortedCounts extends WeightedSample {
  /** cumulative[i] = weights[0] + … + weights[i]. */
  readonly cumulative: Float64Array;
}

/**
 * Exact count per value of a numeric column while it has at most `VALUE_COUNTS_LIMIT` distinct
 * finite values (counts, ages, ratings, labels), abandoned past that. For such columns drift,
 * quantiles and the distinct count come from the exact distribution instead of the sketches:
 * on ten million rows a sketch's rank error moves a KS p-value far more than any real drift
 * does. An open-addressing table on typed arrays, so no allocation per value. `-0` is counted
 * as `0`.
 */
export class ValueCounts {
  private readonly capacity = VALUE_COUNTS_LIMIT * 2;
  private readonly keys = new Float64Array(this.capacity);
  private readonly counts = new Float64Array(this.capacity);
  private readonly used = new Uint8Array(this.capacity);
  /** Counts of the integers 0 … SMALL_INTS − 1 (and of −0, as 0); the table holds every other value. */
  private readonly small = new Float64Array(SMALL_INTS);
  private sorted: SortedCounts | undefined;
  /** Distinct values stored. */
  size = 0;
  /** True once more than the limit of distinct values was seen; counting then stops. */
  overflowed = false;

  /**
   * Counts the finite values of a batch, skipping nulls, until one would overflow the table.
   * @returns the row from which nothing was counted: `length`, or the row of the value that
   * overflowed the table (0 once overflowed), so a caller can hand rows [that, length) on
   */
  addBatch(values: Float64Array, nulls: Uint8Array | undefined, length: number): number {
    if (this.overflowed) return 0;
    this.sorted = undefined;
    // The values' words read in place: a round trip through a scratch float per value cost
    // about as much as the table lookup.
    const words = new Int32Array(values.buffer, values.byteOffset, 2 * length);
    const small = this.small;
    for (let i = 0; i < length; i++) {
      if (nulls !== undefined && nulls[i] === 1) continue;
      const v = values[i] as number;
      // A small non-negative integer (or −0); NaN, ±Infinity, fractions and the rest fail it.
      const s = v & SMALL_MASK;
      if (s === v) {
        const c = small[s] as number;
        if (c === 0) {
          if (this.size === VALUE_COUNTS_LIMIT) {
            this.overflowed = true;
            return i;
          }
          this.size++;
        }
        small[s] = c + 1;
        continue;
      }
      if (v - v !== 0) continue;
      if (!this.add(v, words[2 * i + LOW_WORD] as number, words[2 * i + 1 - LOW_WORD] as number)) return i;
    }
    return length;
  }

  /**
   * Counts `v` (not a small integer), whose float64 words are `lo` and `hi`.
   * @returns false when this value overflowed the table
   */
  private add(v: number, lo: number, hi: number): boolean {
    let h = imul(lo ^ imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    const mask = this.capacity - 1;
    let slot = h & mask;
    for (;;) {
      if (this.used[slot] === 0) {
        if (this.size === VALUE_COUNTS_LIMIT) {
          this.overflowed = true;
          return false;
        }
        this.used[slot] = 1;
        this.keys[slot] = v;
        this.counts[slot] = 1;
        this.size++;
        return true;
      }
      if (this.keys[slot] === v) {
        this.counts[slot] = (this.counts[slot] as number) + 1;
        return true;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The exact distribution, ascending; undefined after an overflow or with no values. */
  sortedView(): WeightedSample | undefined {
    if (this.overflowed || this.size === 0) return undefined;
    const { values, weights } = this.sortedCounts();
    return { values: values.slice(), weights: weights.slice() };
  }

  /**
   * What was counted before the overflow (or so far), ascending: the values to hand on to the
   * sketches that take over from the table.
   */
  heldCounts(): WeightedSample {
    const { values, weights } = this.sortedCounts();
    return { values: values.slice(), weights: weights.slice() };
  }

  /**
   * numpy's linear q-quantile (`numpy.quantile(values, q)`) of the counted values, exact; NaN
   * with none. Only meaningful before an overflow.
   * @throws SketchInputError when q is outside [0, 1] or NaN (as `QuantileSketch.quantile`)
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new SketchInputError('q', `must be in [0, 1] (got ${q})`);
    if (this.size === 0) return NaN;
    const { values, cumulative } = this.sortedCounts();
    // The value of rank i (0-based) in the sorted multiset: the first whose cumulative count exceeds i.
    return linearQuantile(cumulative[cumulative.length - 1] as number, q, (i) => {
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cumulative[mid] as number) > i) hi = mid;
        else lo = mid + 1;
      }
      return values[lo] as number;
    });
  }

  private sortedCounts(): SortedCounts {
    if (this.sorted !== undefined) return this.sorted;
    const pairs: Array<[number, number]> = [];
    for (let v = 0; v < SMALL_INTS; v++) {
      const c = this.small[v] as number;
      if (c > 0) pairs.push([v, c]);
    }
    for (let i = 0; i < this.capacity; i++) {
      if (this.used[i] === 1) pairs.push([this.keys[i] as number, this.counts[i] as number]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    const values = Float64Array.from(pairs, (p) => p[0]);
    const weights = Float64Array.from(pairs, (p) => p[1]);
    const cumulative = new Float64Array(weights.length);
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i] as number;
      cumulative[i] = acc;
    }
    this.sorted = { values, weights, cumulative };
    return this.sorted;
  }
}
