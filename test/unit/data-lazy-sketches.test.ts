/**
 * The profiler feeds its quantile and distinct sketches only once a column's value counts
 * overflow (more than 1024 distinct values): before that quantiles and distinct counts come
 * exactly from the counts; at the switch the sketches are seeded from them, with nothing lost
 * or counted twice, in the middle of a batch too.
 */
import { ColumnProfiler, PROFILE_QUANTILES, PROFILE_SKETCH_K } from '../../src/data/column-profiler';
import type { NumberColumnProfile } from '../../src/data/report';
import { VALUE_COUNTS_LIMIT } from '../../src/data/value-counts';
import { DistinctCounter, QuantileSketch } from '../../src/sketch';
import { rankError, uniform01 } from '../fixtures/sketch/samples';

const column = { name: 'x', kind: 'number', sourceType: 'Float64', integer: false } as const;

/** Feeds `values` in batches of `batch` rows; `null` entries are nulls. */
function feed(p: ColumnProfiler, values: ReadonlyArray<number | null>, batch: number): void {
  for (let start = 0; start < values.length; start += batch) {
    const part = values.slice(start, start + batch);
    const nulls = Uint8Array.from(part, (v) => (v === null ? 1 : 0));
    p.add({
      kind: 'number',
      length: part.length,
      values: Float64Array.from(part, (v) => v ?? 0),
      nulls,
      nullCount: nulls.reduce((s, x) => s + x, 0),
    });
  }
}

/** The statistics a sketch fed every value (as the profiler did before) would give. */
function reference(values: ReadonlyArray<number | null>) {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const sketch = new QuantileSketch({ k: PROFILE_SKETCH_K });
  sketch.addBatch(Float64Array.from(finite), undefined);
  const distinct = new DistinctCounter();
  for (const v of finite) distinct.addNumber(v);
  const sorted = Float64Array.from(finite).sort();
  let mean = 0;
  for (const v of finite) mean += v;
  mean /= finite.length;
  return { finite, sketch, distinct, sorted, mean };
}

/** `n` values: `few` distinct integers first, then (from `switchAt`) distinct non-integers mixed in, with nulls, NaN and ±Inf. */
function column1(n: number, switchAt: number, seed: number): Array<number | null> {
  const r = uniform01(seed);
  const out: Array<number | null> = [];
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < 0.02) out.push(null);
    else if (u < 0.03) out.push(NaN);
    else if (u < 0.035) out.push(Infinity);
    else if (u < 0.04) out.push(-Infinity);
    else if (i >= switchAt && u < 0.5) out.push(1000 * r() - 300.5);
    else out.push(Math.floor(r() * 1000) - 300);
  }
  return out;
}

describe('a column whose value counts overflow mid-batch', () => {
  it('below 65 536 values: every statistic as if the sketches had seen every value', () => {
    // 1000 distinct integers, then new values from row 20 011: the overflow falls inside a batch.
    const values = column1(60_000, 20_011, 3);
    const p = new ColumnProfiler(column);
    feed(p, values, 7000);
    const ref = reference(values);
    expect(p.valueCounts.overflowed).toBe(true);
    const got = p.profile() as NumberColumnProfile;
    expect(got.count).toBe(values.length);
    expect(got.nulls).toBe(values.filter((v) => v === null).length);
    expect(got.nan).toBe(values.filter((v) => v !== null && Number.isNaN(v)).length);
    expect(p.finite).toBe(ref.finite.length);
    expect(got.min).toBe(ref.sorted[0]);
    expect(got.max).toBe(ref.sorted[ref.sorted.length - 1]);
    expect(got.mean).toBeCloseTo(ref.mean, 9);
    // No value lost or counted twice: the sketch holds exactly the finite values.
    const dist = p.distribution();
    expect(dist.exact).toBe(true);
    expect(Array.from(dist.sample.values)).toEqual(Array.from(ref.sorted));
    expect(got.quantilesExact).toBe(true);
    got.quantiles.forEach(({ q, value }) => expect(value).toBe(ref.sketch.quantile(q)));
    expect(got.distinct).toEqual({ count: ref.distinct.estimate(), exact: true });
    expect(got.distinct.count).toBe(new Set(ref.finite).size);
  });

  it('past 65 536 values: KLL quantiles within the rank error, distinct as from every value', () => {
    // 150 000 rows of integers before the overflow (more than the sketch keeps exactly), then
    // 150 000 more with distinct values: the distinct counter goes past its exact limit too.
    const values = column1(300_000, 150_003, 5);
    const p = new ColumnProfiler(column);
    feed(p, values, 65_536);
    const ref = reference(values);
    expect(p.quantilesExact).toBe(false);
    expect(p.min).toBe(ref.sorted[0]);
    expect(p.max).toBe(ref.sorted[ref.sorted.length - 1]);
    expect(p.mean()).toBeCloseTo(ref.mean, 9);
    const dist = p.distribution();
    expect(dist.exact).toBe(false);
    expect(dist.sample.weights.reduce((s, w) => s + w, 0)).toBe(ref.finite.length);
    const bound = QuantileSketch.normalizedRankError(PROFILE_SKETCH_K);
    for (let q = 0.01; q < 1; q += 0.01)
      expect(rankError(ref.sorted, q, p.quantile(q) as number)).toBeLessThanOrEqual(bound);
    // HyperLogLog registers depend on the set of values only: the same estimate as feeding all.
    expect(ref.distinct.isExact).toBe(false);
    expect(p.distinctCount()).toEqual({ count: Math.round(ref.distinct.estimate()), exact: false });
  });

  it('overflowing on the first value of a batch, and on its last', () => {
    for (const [at, batch] of [
      [5000, 1000],
      [4999, 1000],
    ] as const) {
      const values: number[] = [];
      for (let i = 0; i < at; i++) values.push(i % VALUE_COUNTS_LIMIT);
      for (let i = 0; i < 3000; i++) values.push(VALUE_COUNTS_LIMIT + i * 0.5);
      const p = new ColumnProfiler(column);
      feed(p, values, batch);
      const ref = reference(values);
      expect(Array.from(p.distribution().sample.values)).toEqual(Array.from(ref.sorted));
      expect(p.distinctCount()).toEqual({ count: VALUE_COUNTS_LIMIT + 3000, exact: true });
    }
  });
});

describe('a column that never overflows its value counts', () => {
  it("reports exact quantiles equal to numpy's linear method", () => {
    const p = new ColumnProfiler(column);
    feed(p, [7, 1, 3, null, 3, 10, -0, NaN, 2, Infinity, 0, -Infinity, 4], 5);
    // Finite values sorted: [-0, 0, 1, 2, 3, 3, 4, 7, 10], n = 9; numpy.quantile(x, q):
    // index (n − 1)·q = 8q, interpolated linearly between its neighbours.
    const expected: Record<string, number> = {
      0.01: 0, // 0.08, between -0 and 0
      0.05: 0, // 0.4, between -0 and 0
      0.25: 1, // index 2
      0.5: 3, // index 4
      0.75: 4, // index 6
      0.95: 8.8, // 7.6 between 7 and 10
      0.99: 9.76, // 7.92 between 7 and 10
    };
    const got = p.profile() as NumberColumnProfile;
    expect(got.quantilesExact).toBe(true);
    expect(got.quantiles.map((x) => x.q)).toEqual([...PROFILE_QUANTILES]);
    for (const { q, value } of got.quantiles) expect(value).toBeCloseTo(expected[q] as number, 12);
    // -0 and 0 are one value in the counts (either may come back; they compare equal).
    expect(p.quantile(0) === 0).toBe(true);
    expect(p.quantile(1)).toBe(10);
    expect(() => p.quantile(1.5)).toThrow();
    // -0 and 0 are one value; NaN and ±Inf are not counted.
    expect(got.distinct).toEqual({ count: 7, exact: true });
    expect(got.histogram?.counts.reduce((s, c) => s + c, 0)).toBe(9);
  });

  it('past 65 536 values its quantiles stay exact, and equal the sketch-era exact answers', () => {
    const r = uniform01(11);
    const values = Array.from({ length: 200_000 }, () => Math.floor(r() * r() * 40) / 4);
    const p = new ColumnProfiler(column);
    feed(p, values, 30_000);
    expect(p.valueCounts.overflowed).toBe(false);
    expect(p.quantilesExact).toBe(true);
    // The exact answer a sketch keeping every value gives.
    const all = new QuantileSketch({ exactLimit: values.length });
    all.addBatch(Float64Array.from(values), undefined);
    for (let q = 0; q <= 1; q += 0.005) expect(p.quantile(q)).toBe(all.quantile(q));
    expect(p.distinctCount()).toEqual({ count: new Set(values).size, exact: true });
  });

  it('has no quantiles without finite values', () => {
    const p = new ColumnProfiler(column);
    feed(p, [null, NaN, Infinity], 3);
    expect(p.quantile(0.5)).toBeNull();
    expect(p.distinctCount()).toEqual({ count: 0, exact: true });
    expect((p.profile() as NumberColumnProfile).quantiles).toEqual([]);
  });
});

/** The profiler's own distinct counter (private), to see that it was not fed. */
function counterOf(p: ColumnProfiler): DistinctCounter {
  return (p as unknown as { distinct: DistinctCounter }).distinct;
}

describe('setExactDistinctSource', () => {
  it('takes the distinct count from the source and stops feeding the counter', () => {
    const source = { size: 42 };
    const numbers = new ColumnProfiler(column);
    numbers.setExactDistinctSource(source);
    feed(numbers, column1(20_000, 5000, 9), 4096);
    expect(numbers.valueCounts.overflowed).toBe(true);
    expect(numbers.distinctCount()).toEqual({ count: 42, exact: true });
    source.size = 43;
    expect(numbers.distinctEstimate()).toBe(43);
    expect((numbers.profile() as NumberColumnProfile).distinct).toEqual({ count: 43, exact: true });
    expect(counterOf(numbers).estimate()).toBe(0);

    const strings = new ColumnProfiler({ name: 's', kind: 'string', sourceType: 'Utf8', integer: false });
    strings.setExactDistinctSource({ size: 2 });
    strings.add({
      kind: 'string',
      length: 3,
      values: ['a', 'b', null],
      nulls: Uint8Array.from([0, 0, 1]),
      nullCount: 1,
    });
    expect(strings.distinctCount()).toEqual({ count: 2, exact: true });
    expect(counterOf(strings).estimate()).toBe(0);
  });
});
