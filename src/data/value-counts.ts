import type { WeightedSample } from '../drift/weighted';

/** Distinct values counted exactly before a `ValueCounts` gives up. */
export const VALUE_COUNTS_LIMIT = 1024;

/** Bound once: `Math.x` lookups are slow under Jest's global Proxy (see src/sketch/hash.ts). */
const imul = Math.imul;

/**
 * Exact count per value of a numeric column while it has at most `VALUE_COUNTS_LIMIT` distinct
 * finite values (counts, ages, ratings, labels), abandoned past that. For such columns drift is
 * computed from the exact distribution instead of the quantile sketch: on ten million rows a
 * sketch's rank error moves a KS p-value far more than any real drift does. An open-addressing
 * table on typed arrays, so no allocation per value.
 */
export class ValueCounts {
  private readonly capacity = VALUE_COUNTS_LIMIT * 2;
  private readonly keys = new Float64Array(this.capacity);
  private readonly counts = new Float64Array(this.capacity);
  private readonly used = new Uint8Array(this.capacity);
  private readonly scratch = new Float64Array(1);
  private readonly bits = new Uint32Array(this.scratch.buffer);
  /** Distinct values stored. */
  size = 0;
  /** True once more than the limit of distinct values was seen; the counts are then dropped. */
  overflowed = false;

  /** Counts the finite values of a batch, skipping nulls. */
  addBatch(values: Float64Array, nulls: Uint8Array | undefined, length: number): void {
    if (this.overflowed) return;
    for (let i = 0; i < length; i++) {
      if (nulls !== undefined && nulls[i] === 1) continue;
      const v = values[i] as number;
      if (v - v !== 0) continue;
      if (!this.add(v === 0 ? 0 : v)) return;
    }
  }

  /** @returns false when this value overflowed the table */
  private add(v: number): boolean {
    this.scratch[0] = v;
    let h = imul((this.bits[0] as number) ^ imul(this.bits[1] as number, 0x9e3779b1), 0x85ebca6b);
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
    const order: number[] = [];
    for (let i = 0; i < this.capacity; i++) if (this.used[i] === 1) order.push(i);
    order.sort((a, b) => (this.keys[a] as number) - (this.keys[b] as number));
    return {
      values: Float64Array.from(order, (i) => this.keys[i] as number),
      weights: Float64Array.from(order, (i) => this.counts[i] as number),
    };
  }
}
