/**
 * Numeric columns with few distinct values get drift from their exact distribution even when
 * the quantile sketch has compacted (more than 65 536 values): KS and Wasserstein equal the
 * exact computation on the raw arrays.
 */
import { ColumnProfiler } from '../../src/data/column-profiler';
import { numericDrift } from '../../src/data/column-drift';
import { VALUE_COUNTS_LIMIT, ValueCounts } from '../../src/data/value-counts';
import { ksTwoSample } from '../../src/drift/ks-two-sample';
import { wassersteinDistance } from '../../src/drift/wasserstein';
import { uniform01 } from '../fixtures/sketch/samples';

/** Deterministic small-integer sample: a sum of uniform draws (xorshift). */
function sample(n: number, seed: number, shift: number): Float64Array {
  const next = uniform01(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.floor(next() * 6) + Math.floor(next() * 6) + (next() < shift ? 1 : 0);
  return out;
}

function profile(values: Float64Array): ColumnProfiler {
  const p = new ColumnProfiler({ name: 'x', kind: 'number', sourceType: 'Int64', integer: true });
  for (let start = 0; start < values.length; start += 65_536) {
    const part = values.subarray(start, Math.min(values.length, start + 65_536));
    p.add({
      kind: 'number',
      length: part.length,
      values: part,
      nulls: new Uint8Array(part.length),
      nullCount: 0,
    });
  }
  return p;
}

it('drift of a discrete column past the sketch range is exact', () => {
  const ref = sample(150_000, 7, 0);
  const cur = sample(180_000, 11, 0.01);
  const r = profile(ref);
  const c = profile(cur);
  // Past what the sketch keeps exactly (65 536 values); the value counts answer exactly.
  expect(r.finite).toBeGreaterThan(65_536);
  expect(r.quantilesExact).toBe(true);
  const drift = numericDrift(r, c, { method: 'ks', threshold: 0.05 });
  expect(drift.approximate).toBe(false);
  const ks = ksTwoSample(ref, cur);
  expect(drift.statistics.ks_statistic).toBeCloseTo(ks.statistic, 12);
  expect(drift.statistics.ks).toBeCloseTo(ks.pValue, 10);
  expect(drift.statistics.wasserstein_distance).toBeCloseTo(wassersteinDistance(ref, cur), 10);
});

it('gives up past the limit and the sketch takes over', () => {
  const counts = new ValueCounts();
  const values = Float64Array.from({ length: VALUE_COUNTS_LIMIT + 1 }, (_, i) => i * 0.5);
  counts.addBatch(values.subarray(0, VALUE_COUNTS_LIMIT), undefined, VALUE_COUNTS_LIMIT);
  expect(counts.sortedView()?.values.length).toBe(VALUE_COUNTS_LIMIT);
  counts.addBatch(values, undefined, values.length);
  expect(counts.overflowed).toBe(true);
  expect(counts.sortedView()).toBeUndefined();
});

it('skips nulls, NaN and infinities and counts -0 as 0', () => {
  const counts = new ValueCounts();
  counts.addBatch(
    Float64Array.from([1, -0, 0, NaN, Infinity, 1, 5]),
    Uint8Array.from([0, 0, 0, 0, 0, 0, 1]),
    7,
  );
  const view = counts.sortedView();
  expect(Array.from(view?.values ?? [])).toEqual([0, 1]);
  expect(Array.from(view?.weights ?? [])).toEqual([2, 2]);
});

it('counts small integers and every other value alike, in one ascending view', () => {
  const next = uniform01(3);
  const edge = [1023, 1024, -1, -0, 0.5, 2 ** 32 + 5, 2 ** 40, -(2 ** 31), 1e300, -Infinity, NaN];
  const values = Float64Array.from({ length: 20_000 }, (_, i) =>
    i % 10 === 0
      ? (edge[(i / 10) % edge.length] as number)
      : i % 3 === 0
        ? Math.floor(next() * 700)
        : Math.floor(next() * 200) - 100.25,
  );
  const counts = new ValueCounts();
  expect(counts.addBatch(values, undefined, values.length)).toBe(values.length);
  const expected = new Map<number, number>();
  for (const v of values)
    if (Number.isFinite(v)) expected.set(v === 0 ? 0 : v, (expected.get(v === 0 ? 0 : v) ?? 0) + 1);
  const keys = [...expected.keys()].sort((a, b) => a - b);
  const view = counts.sortedView();
  expect(Array.from(view?.values ?? [])).toEqual(keys);
  expect(Array.from(view?.weights ?? [])).toEqual(keys.map((k) => expected.get(k)));
  expect(counts.size).toBe(keys.length);
});

it('stops at the value past the limit, a small integer or not, without counting it', () => {
  for (const last of [VALUE_COUNTS_LIMIT - 1, 5000.5]) {
    const counts = new ValueCounts();
    // LIMIT distinct values, none of them `last`: small integers but one, plus one fraction.
    const held = Array.from({ length: VALUE_COUNTS_LIMIT }, (_, i) =>
      i === VALUE_COUNTS_LIMIT - 1 ? 0.25 : i,
    );
    const values = Float64Array.from([...held, 3, last, 4]);
    expect(counts.addBatch(values, undefined, values.length)).toBe(VALUE_COUNTS_LIMIT + 1);
    expect(counts.overflowed).toBe(true);
    expect(counts.size).toBe(VALUE_COUNTS_LIMIT);
    const heldCounts = counts.heldCounts();
    expect(heldCounts.values.length).toBe(VALUE_COUNTS_LIMIT);
    expect(heldCounts.weights[Array.from(heldCounts.values).indexOf(3)]).toBe(2);
    expect(Array.from(heldCounts.values).includes(last)).toBe(false);
  }
});
