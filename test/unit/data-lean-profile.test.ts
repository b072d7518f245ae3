/**
 * A reference's lean profile stops sketching past the quantile sketch's exact range; drift then
 * reads its fine grid, and gives the numbers a full profile gives.
 */
import { numericDrift } from '../../src/data/column-drift';
import { ColumnProfiler } from '../../src/data/column-profiler';
import { FineGrid } from '../../src/data/fine-grid';
import type { ColumnSchema, NumberColumnBatch } from '../../src/data/readers/types';
import { DEFAULT_DRIFT_THRESHOLDS } from '../../src/core/spec/schema';

const COLUMN: ColumnSchema = { name: 'x', kind: 'number', sourceType: 'Float64', integer: false };

function batches(n: number, seed: number, shift: number): NumberColumnBatch[] {
  let s = seed;
  const out: NumberColumnBatch[] = [];
  for (let start = 0; start < n; start += 65_536) {
    const len = Math.min(65_536, n - start);
    const values = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      s = (s * 16807) % 2147483647;
      values[i] = (s / 2147483647) * 10 + shift;
    }
    out.push({ kind: 'number', length: len, values, nulls: new Uint8Array(len), nullCount: 0 });
  }
  return out;
}

function profile(
  data: NumberColumnBatch[],
  lean: boolean,
  grid?: { lo: number; hi: number },
): ColumnProfiler {
  const p = new ColumnProfiler(COLUMN, { lean });
  for (const b of data) p.add(b);
  if (grid !== undefined) {
    p.grid = new FineGrid(grid.lo, grid.hi);
    for (const b of data) p.grid.addBatch(b.values, undefined, b.length);
  }
  return p;
}

describe('lean (reference) profiles', () => {
  const reference = batches(200_000, 7, 0);
  const current = batches(300_000, 11, 0.3);

  it('keep moments, drop quantiles past the exact range, and say so', () => {
    const lean = profile(reference, true);
    const full = profile(reference, false);
    expect([lean.min, lean.max, lean.mean(), lean.stdev()]).toEqual([
      full.min,
      full.max,
      full.mean(),
      full.stdev(),
    ]);
    expect(lean.quantile(0.5)).toBeNull();
    expect(lean.quantilesExact).toBe(false);
    expect(lean.distinctCount().exact).toBe(false);
    expect(() => lean.distribution()).toThrow('has no fine grid');
  });

  it('give the drift numbers a full profile gives, from the fine grid', () => {
    const range = FineGrid.forRange(profile(reference, false).min, profile(reference, false).max);
    const g = { lo: range.lo, hi: range.hi };
    const cur = profile(current, false, g);
    const rule = { method: 'wasserstein' as const, threshold: DEFAULT_DRIFT_THRESHOLDS.wasserstein };
    const viaLean = numericDrift(profile(reference, true, g), cur, rule);
    const viaFull = numericDrift(profile(reference, false, g), cur, rule);
    expect(viaLean).toEqual(viaFull);
  });

  it('stay exact below 65 536 values', () => {
    const small = batches(50_000, 3, 0);
    const lean = profile(small, true);
    const full = profile(small, false);
    expect(lean.quantile(0.5)).toBe(full.quantile(0.5));
    expect(lean.distribution()).toEqual(full.distribution());
  });
});
