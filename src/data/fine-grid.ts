import type { WeightedSample } from '../drift/weighted';

/**
 * Bins of a fine grid: a bin is 1/21 845 of the reference's range (the grid spans three times
 * it). At 2^16 bins the busiest bin of a normal reference holds under 0.02% of its values, so
 * the grid's quantiles are finer than the profile sketch's rank error (see `maxBinShare`).
 */
export const FINE_GRID_BINS = 65_536;
/** Values outside the grid kept exactly before the grid gives up (the sketch takes over). */
export const FINE_GRID_OUTSIDE_LIMIT = 100_000;

/**
 * Exact counts of a numeric column on a fixed fine grid: `FINE_GRID_BINS` equal bins over the
 * reference's range widened by its span on each side, values outside kept as they are (up to a
 * limit). Drift of a large continuous column is computed from it instead of the quantile sketch:
 * binning a value costs less than sketching it, and the distribution is known to one bin
 * instead of the sketch's rank error, which on ten million rows is larger than a KS test's
 * critical distance. For the same reason it can answer the column's quantiles (see `quantile`).
 */
export class FineGrid {
  readonly counts = new Float64Array(FINE_GRID_BINS);
  private readonly scale: number;
  private outside: number[] = [];
  /** True once more than the limit of values fell outside the grid. */
  overflowed = false;

  /** A grid over [lo, hi) (the caller widens the reference's range). */
  constructor(
    readonly lo: number,
    readonly hi: number,
  ) {
    this.scale = FINE_GRID_BINS / (hi - lo);
  }

  /** The grid for a reference range [min, max]: widened by the span on each side. */
  static forRange(min: number, max: number): FineGrid {
    const span = max > min ? max - min : Math.max(1, Math.abs(min));
    return new FineGrid(min - span, max + span);
  }

  /**
   * Counts the finite values of a batch, skipping nulls. Returns `length`, or the row at which
   * the grid overflowed (that row and the rest are not counted; what was counted stays, for
   * `contents`).
   */
  addBatch(values: Float64Array, nulls: Uint8Array | undefined, length: number): number {
    if (this.overflowed) return 0;
    const { counts, lo, scale } = this;
    for (let i = 0; i < length; i++) {
      if (nulls !== undefined && nulls[i] === 1) continue;
      const v = values[i] as number;
      // In the grid first: x in [0, BINS) is false for NaN and ±Infinity, and there `x | 0` is
      // floor(x). Outside it, non-finite values are skipped and the rest kept as they are.
      const x = (v - lo) * scale;
      if (x >= 0 && x < FINE_GRID_BINS) {
        const b = x | 0;
        counts[b] = (counts[b] as number) + 1;
      } else if (v - v !== 0) continue;
      else if (this.outside.length < FINE_GRID_OUTSIDE_LIMIT) this.outside.push(v);
      else {
        this.overflowed = true;
        return i;
      }
    }
    return length;
  }

  /** Values counted: in the bins and outside them. */
  get count(): number {
    let n = this.outside.length;
    for (let b = 0; b < FINE_GRID_BINS; b++) n += this.counts[b] as number;
    return n;
  }

  /**
   * Share of the counted values in the busiest bin (0 when empty): a quantile read from the
   * grid is exact to that share in rank, as it is exact to one bin in value.
   */
  maxBinShare(): number {
    let max = 0;
    let n = this.outside.length;
    for (let b = 0; b < FINE_GRID_BINS; b++) {
      const c = this.counts[b] as number;
      n += c;
      if (c > max) max = c;
    }
    return n === 0 ? 0 : max / n;
  }

  /**
   * numpy's linear q-quantile of the counted values, with each order statistic placed evenly
   * inside the bin that holds it (`(j + ½) / count` of the way across for the bin's j-th value)
   * and clamped into the column's [min, max]; values outside the grid are exact. The bin of
   * every order statistic is exact, so the answer is within one bin width of numpy's on the
   * raw values. NaN when empty or after an overflow.
   */
  quantile(q: number, min: number, max: number): number {
    if (this.overflowed) return NaN;
    const below = this.outside.filter((v) => v < this.lo).sort((a, b) => a - b);
    const above = this.outside.filter((v) => v >= this.lo).sort((a, b) => a - b);
    const n = this.count;
    if (n === 0) return NaN;
    const width = 1 / this.scale;
    const orderStatistic = (i: number): number => {
      if (i < below.length) return below[i] as number;
      let j = i - below.length;
      for (let b = 0; b < FINE_GRID_BINS; b++) {
        const c = this.counts[b] as number;
        if (j < c) {
          const v = this.lo + (b + (j + 0.5) / c) * width;
          return v < min ? min : v > max ? max : v;
        }
        j -= c;
      }
      return above[j] as number;
    };
    const h = (n - 1) * q;
    const i = Math.floor(h);
    const low = orderStatistic(i);
    return i + 1 < n && h > i ? low + (h - i) * (orderStatistic(i + 1) - low) : low;
  }

  /**
   * The distribution as a weighted sample: each non-empty bin as its count at the bin's middle,
   * values outside the grid as themselves. Middles are clamped into the column's [min, max], so
   * bins built on that range lose no mass. Undefined after an overflow.
   */
  sample(min: number, max: number): WeightedSample | undefined {
    return this.overflowed ? undefined : this.contents(min, max);
  }

  /**
   * What the grid counted, as `sample` gives it, also after an overflow (the values counted
   * before it): a quantile sketch takes over from there.
   */
  contents(min: number, max: number): WeightedSample {
    const outside = [...this.outside].sort((a, b) => a - b);
    const below = outside.filter((v) => v < this.lo);
    const above = outside.filter((v) => v >= this.lo);
    const values: number[] = [...below];
    const weights: number[] = below.map(() => 1);
    const width = 1 / this.scale;
    for (let b = 0; b < FINE_GRID_BINS; b++) {
      const c = this.counts[b] as number;
      if (c === 0) continue;
      const middle = this.lo + (b + 0.5) * width;
      values.push(middle < min ? min : middle > max ? max : middle);
      weights.push(c);
    }
    for (const v of above) {
      values.push(v);
      weights.push(1);
    }
    return { values: Float64Array.from(values), weights: Float64Array.from(weights) };
  }
}
