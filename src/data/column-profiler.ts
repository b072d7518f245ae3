import { DistinctCounter, QuantileSketch, SketchInputError, TopK } from '../sketch';

import { setNumberBatchStats } from './readers/batch-stats';
import type {
  ColumnBatch,
  ColumnSchema,
  DictionaryIds,
  NumberColumnBatch,
  StringColumnBatch,
} from './readers/types';
import type { ColumnProfile, HistogramProfile, QuantileValue } from './report';
import { equalWidthEdges, histogramWeighted } from '../drift/weighted';
import type { WeightedSample } from '../drift/weighted';
import type { FineGrid } from './fine-grid';
import { ValueCounts } from './value-counts';

/** Quantiles every numeric profile reports. */
export const PROFILE_QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;
/** Most frequent values a categorical profile reports. */
export const PROFILE_TOP_VALUES = 10;
/**
 * Counters of a string column's category counts: exact up to this many distinct values (id-like
 * columns of a hundred thousand users stay exact, at about 100 bytes a value), Space-Saving
 * beyond. Counting exactly is also far cheaper than Space-Saving's per-batch selection.
 */
export const PROFILE_CATEGORY_COUNTERS = 1 << 17;
/** KLL parameter of the profile's quantile sketches (see `ColumnProfiler.sketch`). */
export const PROFILE_SKETCH_K = 8192;
/** Bins of the histogram a numeric profile reports (no reference: equal width over its range). */
export const PROFILE_HISTOGRAM_BINS = 20;

/**
 * The one-pass profile of a column (TFDV's statistics, plus what Great Expectations' aggregate
 * expectations and the drift checks need): counts of nulls, NaN, ±Inf and zeros; min, max,
 * mean and sample standard deviation of the finite values; exact value counts while a numeric
 * column has few distinct values, and only past those a quantile sketch (exact up to 65 536
 * values, KLL beyond) and a distinct-count sketch (exact, then HyperLogLog); top values and
 * category counts (exact, then Space-Saving); string lengths. Memory is bounded by the
 * sketches, not by the rows. Read quantiles and distinct counts through `quantile`,
 * `quantilesExact` and `distinctCount`, which pick the exact source when there is one.
 */
export class ColumnProfiler {
  rows = 0;
  nulls = 0;
  nan = 0;
  posInf = 0;
  negInf = 0;
  zeros = 0;
  finite = 0;
  min = Infinity;
  max = -Infinity;
  /** Sums of (x − shift) and (x − shift)², shift = the first finite value (keeps variance exact). */
  private shift = NaN;
  private sum1 = 0;
  private sum2 = 0;
  /** String columns: lengths of the non-null values. */
  minLength = Infinity;
  maxLength = -Infinity;
  private lengthSum = 0;
  trueCount = 0;
  falseCount = 0;
  /**
   * k = 8192 (rank error below 0.04%, against 0.27% at the sketch's default 1024), at the same
   * speed: KS p-values on a million rows are sensitive to errors of 0.1% in the CDF.
   * Numbers reach it (and `distinct`) only once `valueCounts` overflowed: see `sketching`.
   */
  private sketch = new QuantileSketch({ k: PROFILE_SKETCH_K });
  private readonly distinct = new DistinctCounter();
  /**
   * Numeric columns with few distinct values: their exact distribution (see ValueCounts), which
   * answers quantiles and the distinct count exactly, so the sketches are not fed meanwhile.
   */
  readonly valueCounts = new ValueCounts();
  /** True once `valueCounts` overflowed and the sketches, seeded from it, took over. */
  private sketching = false;
  /** An exact distinct count kept elsewhere (see `setExactDistinctSource`). */
  private exactDistinct: { readonly size: number } | undefined;
  /** Large numeric columns compared with a reference: counts on a fine grid (see FineGrid). */
  grid: FineGrid | undefined;
  /**
   * Set with `grid` before the first value when the reference's values were spread finely
   * enough over that grid (see `gridAnswersQuantiles`): the grid may then answer quantiles.
   */
  quantilesFromGrid = false;
  /**
   * True once the grid answers quantiles instead of the sketch: past the sketch's exact range,
   * the grid holding every value so far. The sketch is then no longer fed (sorting ten million
   * values into it was most of a numeric column's cost); should the grid overflow later, a
   * sketch seeded from the grid's counts takes over (see `resumeSketch`).
   */
  private gridHoldsQuantiles = false;
  /** Category counts of string and boolean columns (read through `categories`). */
  private readonly categoryCounter = new TopK({ capacity: PROFILE_CATEGORY_COUNTERS });
  /**
   * Counts by the reader's stable value ids (see `DictionaryIds`), folded into `categoryCounter`
   * when read or when the ids change space: an array add per value and batch instead of a
   * string-keyed update.
   */
  private idSpace: object | undefined;
  private idCounts = new Float64Array(0);
  private idStrings: string[] = [];
  private idsUsed: number[] = [];

  /**
   * A lean profile stops feeding the numeric quantile and distinct sketches once the quantile
   * sketch leaves its exact range: what a reference needs for drift then comes from its fine
   * grid (filled in a second pass, see `fillReferenceGrids`), and sketching a million reference
   * values would be thrown away. Its quantiles are then unknown (null).
   */
  private leanStopped = false;

  constructor(
    readonly column: ColumnSchema,
    private readonly options: { lean?: boolean } = {},
  ) {}

  /** Folds one batch of this column. */
  add(batch: ColumnBatch): void {
    this.rows += batch.length;
    this.nulls += batch.nullCount;
    switch (batch.kind) {
      case 'number':
        this.addNumbers(batch);
        break;
      case 'string':
        if (batch.codes !== undefined && batch.dictionary !== undefined)
          this.addCodes(batch.codes, batch.dictionary, batch.dictionaryIds);
        else this.addStrings(batch);
        break;
      case 'boolean': {
        let t = 0;
        let f = 0;
        const { values, nulls } = batch;
        for (let i = 0; i < batch.length; i++) {
          if (nulls[i] === 1) continue;
          if (values[i] === 1) t++;
          else f++;
        }
        this.trueCount += t;
        this.falseCount += f;
        if (t > 0) this.categoryCounter.add('true', t);
        if (f > 0) this.categoryCounter.add('false', f);
        break;
      }
      case 'null':
      case 'other':
        break;
    }
  }

  private addNumbers(batch: NumberColumnBatch): void {
    const { values, nulls, nullCount } = batch;
    const n = values.length;
    let shift = this.shift;
    const checkNulls = nullCount > 0;
    if (shift !== shift) {
      // The column's first finite value shifts the sums (see `shift`): found before the loop.
      for (let i = 0; i < n; i++) {
        const v = values[i] as number;
        if ((!checkNulls || nulls[i] === 0) && v - v === 0) {
          shift = v;
          break;
        }
      }
    }
    const m = momentsOf(values, checkNulls ? nulls : undefined, n, shift);
    this.shift = shift;
    this.finite += m.finite;
    this.nan += m.nan;
    this.posInf += m.posInf;
    this.negInf += m.negInf;
    this.zeros += m.zeros;
    if (m.min < this.min) this.min = m.min;
    if (m.max > this.max) this.max = m.max;
    // This batch's own min and max: recorded for the checks that can then skip it whole.
    setNumberBatchStats(batch, { min: m.min, max: m.max, nan: m.nan, infinite: m.posInf + m.negInf });
    const nonFinite = m.nan + m.posInf + m.negInf;
    this.sum1 += m.s1;
    this.sum2 += m.s2;
    const gridRows = this.grid?.addBatch(values, checkNulls ? nulls : undefined, n) ?? n;
    let from = 0;
    if (!this.sketching) {
      from = this.valueCounts.addBatch(values, checkNulls ? nulls : undefined, n);
      if (!this.valueCounts.overflowed) return;
      this.startSketches();
    }
    // Rows [from, n): the whole batch, or the rest of it from the value that overflowed the counts.
    const rest = from === 0 ? values : values.subarray(from, n);
    const restNulls = checkNulls ? (from === 0 ? nulls : nulls.subarray(from, n)) : undefined;
    if (this.leanStopped) return;
    if (this.gridHoldsQuantiles) {
      if (gridRows < n) this.resumeSketch(values, checkNulls ? nulls : undefined, gridRows, n);
    } else {
      // Non-finite values are known from the loop above: without any, the sketch copies in blocks.
      this.sketch.addBatch(rest, restNulls, n - from, nonFinite === 0);
      if (this.options.lean === true && !this.sketch.isExact) {
        this.leanStopped = true;
        return;
      }
      if (this.quantilesFromGrid && !this.sketch.isExact && this.grid?.overflowed === false) {
        // Only a grid that has counted every value can stand in for the sketch.
        this.gridHoldsQuantiles = this.grid.count === this.finite;
      }
    }
    if (this.exactDistinct !== undefined) return;
    if (nonFinite === 0) this.distinct.addNumberBatch(rest, restNulls, n - from);
    else {
      // Distinct counts cover finite values only (as pandas' nunique after Evidently drops ±Inf).
      for (let i = from; i < n; i++) {
        if (checkNulls && nulls[i] === 1) continue;
        const v = values[i] as number;
        if (v - v === 0) this.distinct.addNumber(v);
      }
    }
  }

  /**
   * The grid overflowed at row `from` while it answered quantiles: a new sketch takes over,
   * seeded with what the grid counted (each bin as its count at its middle, so those values
   * are known to half a bin), then fed rows [from, n) of this batch and every batch after.
   */
  private resumeSketch(values: Float64Array, nulls: Uint8Array | undefined, from: number, n: number): void {
    const counted = (this.grid as FineGrid).contents(this.min, this.max);
    this.sketch = new QuantileSketch({ k: PROFILE_SKETCH_K });
    this.sketch.addWeighted(counted.values, counted.weights);
    this.sketch.addBatch(values.subarray(from, n), nulls?.subarray(from, n));
    this.gridHoldsQuantiles = false;
  }

  /**
   * The value counts overflowed: hand what they held to the sketches, each value with its count
   * to the quantile sketch and once to the distinct counter. The value that overflowed them
   * was not counted; the caller feeds it, and the rest of its batch, to the sketches.
   */
  private startSketches(): void {
    this.sketching = true;
    const held = this.valueCounts.heldCounts();
    this.sketch.addWeighted(held.values, held.weights);
    if (this.exactDistinct !== undefined) return;
    for (let i = 0; i < held.values.length; i++) this.distinct.addNumber(held.values[i] as number);
  }

  /** Dictionary-encoded strings: count per code, then fold each used dictionary entry once. */
  private addCodes(
    codes: Int32Array,
    dictionary: ReadonlyArray<string>,
    ids: DictionaryIds | undefined,
  ): void {
    if (ids?.identity === true) {
      this.addEntryCodes(codes, dictionary, ids.space);
      return;
    }
    const counts = new Float64Array(dictionary.length);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i] as number;
      if (c >= 0) counts[c] = (counts[c] as number) + 1;
    }
    if (ids === undefined) {
      this.addCounted(dictionary, counts);
      return;
    }
    this.useIdSpace(ids.space);
    // Entries with an id are counted by id; the few without (literals) as strings.
    for (let c = 0; c < counts.length; c++) {
      const k = counts[c] as number;
      const id = ids.ids[c] as number;
      if (k === 0 || id < 0) continue;
      counts[c] = 0;
      if (id >= this.idCounts.length) this.growIdCounts(id);
      if (this.idCounts[id] === 0) this.firstSeenId(id, dictionary[c] as string);
      this.idCounts[id] = (this.idCounts[id] as number) + k;
    }
    this.addCounted(dictionary, counts);
  }

  /**
   * Codes that are the ids themselves (`DictionaryIds.identity`): counted by id row by row, as
   * the dictionary lists every value read so far and most are not in this batch.
   */
  private addEntryCodes(codes: Int32Array, dictionary: ReadonlyArray<string>, space: object): void {
    this.useIdSpace(space);
    if (dictionary.length > this.idCounts.length) this.growIdCounts(dictionary.length - 1);
    const idCounts = this.idCounts;
    for (let i = 0; i < codes.length; i++) {
      const id = codes[i] as number;
      if (id < 0) continue;
      const k = idCounts[id] as number;
      if (k === 0) this.firstSeenId(id, dictionary[id] as string);
      idCounts[id] = k + 1;
    }
  }

  /** Counts by id go to `space` from now on; those of another space are folded first. */
  private useIdSpace(space: object): void {
    if (space === this.idSpace) return;
    this.flushIdCounts();
    this.idSpace = space;
  }

  /** The first count of value `v` under id `id`: remembered for the flush, counted as distinct. */
  private firstSeenId(id: number, v: string): void {
    this.idStrings[id] = v;
    this.idsUsed.push(id);
    if (this.exactDistinct === undefined) this.distinct.addString(v);
  }

  private growIdCounts(id: number): void {
    let n = Math.max(1024, this.idCounts.length);
    while (n <= id) n *= 2;
    const grown = new Float64Array(n);
    grown.set(this.idCounts);
    this.idCounts = grown;
  }

  /** Folds the counts kept by id into the category counter. */
  private flushIdCounts(): void {
    if (this.idsUsed.length === 0) return;
    const values = this.idsUsed.map((id) => this.idStrings[id] as string);
    const counts = this.idsUsed.map((id) => this.idCounts[id] as number);
    // Lengths of the values counted by id are taken here, once per value, not per batch.
    for (let i = 0; i < values.length; i++) this.addLength((values[i] as string).length, counts[i] as number);
    this.categoryCounter.addCounts(values, counts);
    this.idCounts = new Float64Array(0);
    this.idStrings = [];
    this.idsUsed = [];
  }

  /** Category counts of string and boolean columns (all of them while exact). */
  get categories(): TopK {
    this.flushIdCounts();
    return this.categoryCounter;
  }

  private addLength(len: number, count: number): void {
    if (len < this.minLength) this.minLength = len;
    if (len > this.maxLength) this.maxLength = len;
    this.lengthSum += len * count;
  }

  private addStrings(batch: StringColumnBatch): void {
    const counts = new Map<string, number>();
    const { values } = batch;
    for (let i = 0; i < batch.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    this.addCounted([...counts.keys()], [...counts.values()]);
  }

  /** One batch's strings with their counts (0 for an entry the batch does not use). */
  private addCounted(values: ReadonlyArray<string>, counts: ArrayLike<number>): void {
    this.categoryCounter.addCounts(values, counts);
    const countDistinct = this.exactDistinct === undefined;
    let minLength = this.minLength;
    let maxLength = this.maxLength;
    let lengthSum = 0;
    for (let i = 0; i < values.length; i++) {
      const k = counts[i] as number;
      if (k === 0) continue;
      const v = values[i] as string;
      if (countDistinct) this.distinct.addString(v);
      const len = v.length;
      if (len < minLength) minLength = len;
      if (len > maxLength) maxLength = len;
      lengthSum += len * k;
    }
    this.minLength = minLength;
    this.maxLength = maxLength;
    this.lengthSum += lengthSum;
  }

  /** Non-null, non-NaN values (Great Expectations' and pandas' notion of present). */
  get nonMissing(): number {
    return this.rows - this.nulls - this.nan;
  }

  /**
   * Counts distinct values from `source` instead (its `size`, read when asked, taken as exact):
   * the profiler then stops feeding its own distinct counter for this column.
   */
  setExactDistinctSource(source: { readonly size: number }): void {
    this.exactDistinct = source;
  }

  /**
   * Distinct values, numbers over finite ones (`-0` as `0`): the exact source when one is set,
   * else the value counts while they hold every number plus the distinct counter (which has
   * the strings, and the numbers once the counts overflowed). Not rounded while approximate.
   */
  distinctEstimate(): number {
    if (this.exactDistinct !== undefined) return this.exactDistinct.size;
    return (this.sketching ? 0 : this.valueCounts.size) + this.distinct.estimate();
  }

  /** The distinct count as reported: rounded, and whether it is exact. */
  distinctCount(): { count: number; exact: boolean } {
    const exact = this.exactDistinct !== undefined || (this.distinct.isExact && !this.leanStopped);
    return { count: Math.round(this.distinctEstimate()), exact };
  }

  /**
   * The q-quantile of the finite values; null when there are none. numpy's linear quantile
   * while exact (value counts, or the sketch up to 65 536 values), beyond that the fine grid's
   * (within one bin, when it holds the quantiles) or else the KLL estimate.
   * @throws SketchInputError when q is outside [0, 1]
   */
  quantile(q: number): number | null {
    if (this.finite === 0 || this.leanStopped) return null;
    if (this.gridHoldsQuantiles) {
      if (!(q >= 0 && q <= 1)) throw new SketchInputError('q', `must be in [0, 1] (got ${q})`);
      if (q === 0) return this.min;
      if (q === 1) return this.max;
      return (this.grid as FineGrid).quantile(q, this.min, this.max);
    }
    return this.sketching ? this.sketch.quantile(q) : this.valueCounts.quantile(q);
  }

  /** True when `quantile` (and `distribution`) answer from every value, not a compacted sketch. */
  get quantilesExact(): boolean {
    return !this.leanStopped && (!this.sketching || this.sketch.isExact);
  }

  /** Mean of the finite values; null when there are none. */
  mean(): number | null {
    return this.finite > 0 ? this.shift + this.sum1 / this.finite : null;
  }

  /** Sample standard deviation (ddof = 1, as pandas) of the finite values; null below 2 values. */
  stdev(): number | null {
    if (this.finite < 2) return null;
    const n = this.finite;
    const variance = (this.sum2 - (this.sum1 * this.sum1) / n) / (n - 1);
    return Math.sqrt(Math.max(0, variance));
  }

  /**
   * The numeric distribution drift is computed from: exact value counts for a column with few
   * distinct values, else the quantile sketch while exact (65 536 values), else the fine grid
   * when one was set up against a reference, else the compacted sketch.
   */
  distribution(): { sample: WeightedSample; exact: boolean } {
    const counts = this.valueCounts.sortedView();
    if (counts !== undefined) return { sample: counts, exact: true };
    if (this.sketch.isExact) return { sample: this.sketch.sortedView(), exact: true };
    const grid = this.grid?.sample(this.min, this.max);
    if (grid !== undefined) return { sample: grid, exact: false };
    if (this.leanStopped)
      throw new Error(`lean profile of ${this.column.name} has no fine grid to answer from`);
    return { sample: this.sketch.sortedView(), exact: false };
  }

  /**
   * Category values and counts, most frequent first (ties by value): all of them while exact,
   * the tracked heavy hitters beyond.
   */
  categoryEntries(): { values: string[]; counts: Float64Array } {
    const top = this.categories.top(Number.MAX_SAFE_INTEGER);
    return { values: top.map((e) => e.value), counts: Float64Array.from(top, (e) => e.count) };
  }

  /** Category counts (all of them while exact; the tracked heavy hitters beyond). */
  categoryCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const { value, count } of this.categories.top(Number.MAX_SAFE_INTEGER)) out.set(value, count);
    return out;
  }

  /** The column's profile; plain JSON. */
  profile(): ColumnProfile {
    const base = {
      name: this.column.name,
      sourceType: this.column.sourceType,
      count: this.rows,
      nulls: this.nulls,
      distinct: this.distinctCount(),
    };
    switch (this.column.kind) {
      case 'number': {
        const any = this.finite > 0;
        return {
          ...base,
          kind: 'number',
          nan: this.nan,
          posInf: this.posInf,
          negInf: this.negInf,
          zeros: this.zeros,
          min: any ? this.min : null,
          max: any ? this.max : null,
          mean: this.mean(),
          std: this.stdev(),
          quantiles: any ? this.quantileValues() : [],
          quantilesExact: this.quantilesExact,
          histogram: any ? this.ownHistogram() : null,
        };
      }
      case 'string': {
        // Reading the categories folds the counts kept by id, and with them their lengths.
        const categories = this.categories;
        return {
          ...base,
          kind: 'string',
          topValues: this.topValues(),
          topValuesExact: categories.isExact,
          minLength: this.nonMissing > 0 ? this.minLength : null,
          maxLength: this.nonMissing > 0 ? this.maxLength : null,
          meanLength: this.nonMissing > 0 ? this.lengthSum / this.nonMissing : null,
        };
      }
      case 'boolean':
        return { ...base, kind: 'boolean', trueCount: this.trueCount, falseCount: this.falseCount };
      case 'null':
      case 'other':
        return { ...base, kind: this.column.kind };
    }
  }

  private quantileValues(): QuantileValue[] {
    return PROFILE_QUANTILES.map((q) => ({ q, value: this.quantile(q) as number }));
  }

  private topValues(): Array<{ value: string; count: number }> {
    return this.categories.top(PROFILE_TOP_VALUES).map(({ value, count }) => ({ value, count }));
  }

  private ownHistogram(): HistogramProfile {
    const edges = equalWidthEdges(this.min, this.max, PROFILE_HISTOGRAM_BINS);
    const sample = this.valueCounts.sortedView() ?? this.sketch.sortedView();
    const counts = histogramWeighted(sample, edges);
    return { edges: Array.from(edges), counts: Array.from(counts) };
  }
}

/** One numeric batch's counts, extremes and shifted sums (see `momentsOf`). */
class BatchMoments {
  finite = 0;
  nan = 0;
  posInf = 0;
  negInf = 0;
  zeros = 0;
  min = Infinity;
  max = -Infinity;
  /** Σ(v − shift) and Σ(v − shift)² over the finite values. */
  s1 = 0;
  s2 = 0;
}

/** Reused by every call: `momentsOf`'s result is read before the next call. */
const MOMENTS = new BatchMoments();

/**
 * The moments of `values[0, n)` without nulls. A function of its own rather than a loop inside
 * `addNumbers`: compiled there, beside the calls that follow it, it ran about 3× slower.
 */
function momentsOf(
  values: Float64Array,
  nulls: Uint8Array | undefined,
  n: number,
  shift: number,
): BatchMoments {
  let finite = 0;
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  let zeros = 0;
  let min = Infinity;
  let max = -Infinity;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    if (nulls !== undefined && nulls[i] === 1) continue;
    const v = values[i] as number;
    if (v - v !== 0) {
      // NaN or ±Infinity: v − v is NaN for both.
      if (v !== v) nan++;
      else if (v > 0) posInf++;
      else negInf++;
      continue;
    }
    finite++;
    if (v === 0) zeros++;
    if (v < min) min = v;
    if (v > max) max = v;
    const d = v - shift;
    s1 += d;
    s2 += d * d;
  }
  const m = MOMENTS;
  m.finite = finite;
  m.nan = nan;
  m.posInf = posInf;
  m.negInf = negInf;
  m.zeros = zeros;
  m.min = min;
  m.max = max;
  m.s1 = s1;
  m.s2 = s2;
  return m;
}
