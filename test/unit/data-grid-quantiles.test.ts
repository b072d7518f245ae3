/**
 * Quantiles of large continuous columns read from the fine grid drift already counts on: within
 * one bin of numpy's linear quantile on the raw values, used only when the reference spreads
 * finely over the grid, and handed back to a sketch when the grid overflows.
 */
import { ColumnProfiler, PROFILE_QUANTILES } from '../../src/data/column-profiler';
import { FINE_GRID_BINS, FINE_GRID_OUTSIDE_LIMIT, FineGrid } from '../../src/data/fine-grid';
import {
  GRID_QUANTILE_MAX_BIN_SHARE,
  gridAnswersQuantiles,
  type DatasetProfile,
} from '../../src/data/profile-dataset';
import type { ColumnSchema, NumberColumnBatch } from '../../src/data/readers/types';
import type { NumberColumnProfile } from '../../src/data/report';
import { rankError, sample } from '../fixtures/sketch/samples';

const COLUMN: ColumnSchema = { name: 'x', kind: 'number', sourceType: 'Float64', integer: false };

/** numpy.quantile(values, q) with the default 'linear' method, on a sorted copy. */
function numpyLinear(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const i = Math.floor(h);
  const low = sorted[i] as number;
  return i + 1 < sorted.length ? low + (h - i) * ((sorted[i + 1] as number) - low) : low;
}

function batchesOf(values: Float64Array): NumberColumnBatch[] {
  const out: NumberColumnBatch[] = [];
  for (let start = 0; start < values.length; start += 65_536) {
    const part = values.subarray(start, Math.min(values.length, start + 65_536));
    out.push({
      kind: 'number',
      length: part.length,
      values: part,
      nulls: new Uint8Array(part.length),
      nullCount: 0,
    });
  }
  return out;
}

/** A profiler over `values`, with a grid over `range` from the first value when given. */
function profiled(
  values: Float64Array,
  range?: { lo: number; hi: number },
  quantilesFromGrid = true,
): ColumnProfiler {
  const p = new ColumnProfiler(COLUMN);
  if (range !== undefined) {
    p.grid = new FineGrid(range.lo, range.hi);
    p.quantilesFromGrid = quantilesFromGrid;
  }
  for (const b of batchesOf(values)) p.add(b);
  return p;
}

/** A reference's lean profile with its grid filled, as `runValidationPart` builds it. */
function referenceProfile(values: Float64Array): DatasetProfile {
  const p = new ColumnProfiler(COLUMN, { lean: true });
  for (const b of batchesOf(values)) p.add(b);
  const range = FineGrid.forRange(p.min, p.max);
  p.grid = new FineGrid(range.lo, range.hi);
  for (const b of batchesOf(values)) p.grid.addBatch(b.values, undefined, b.length);
  return {
    file: 'reference.arrow',
    rows: values.length,
    schema: { format: 'arrow-file', columns: [COLUMN] },
    profilers: [p],
  };
}

const sortedCopy = (v: Float64Array): Float64Array => v.slice().sort();
/** The grid `runValidationPart` sets up for a reference's values. */
const gridFor = (reference: Float64Array): FineGrid => {
  const s = sortedCopy(reference);
  return FineGrid.forRange(s[0] as number, s[s.length - 1] as number);
};

describe('FineGrid.quantile', () => {
  it.each(['normal', 'uniform', 'lognormal'] as const)('is within one bin of numpy on %s data', (dist) => {
    const values = sample(dist, 200_000, 11);
    const sorted = sortedCopy(values);
    const min = sorted[0] as number;
    const max = sorted[sorted.length - 1] as number;
    const grid = FineGrid.forRange(min, max);
    grid.addBatch(values, undefined, values.length);
    const width = (grid.hi - grid.lo) / FINE_GRID_BINS;
    for (const q of [0.001, ...PROFILE_QUANTILES, 0.5001, 0.999]) {
      expect(Math.abs(grid.quantile(q, min, max) - numpyLinear(sorted, q))).toBeLessThan(width);
    }
  });

  it('answers exactly among the values outside the grid', () => {
    const values = Float64Array.from([-30, -20, -10, 0.25, 0.5, 0.75, 10, 20]);
    const grid = new FineGrid(0, 1);
    grid.addBatch(values, undefined, values.length);
    const sorted = sortedCopy(values);
    for (const q of [0, 0.1, 0.2, 0.9, 1])
      expect(grid.quantile(q, -30, 20)).toBeCloseTo(numpyLinear(sorted, q), 12);
    expect(Math.abs(grid.quantile(0.5, -30, 20) - numpyLinear(sorted, 0.5))).toBeLessThan(1 / FINE_GRID_BINS);
  });

  it('gives the busiest bin share, skips nulls and is NaN when empty', () => {
    const grid = new FineGrid(0, 1);
    expect(grid.maxBinShare()).toBe(0);
    expect(grid.quantile(0.5, 0, 1)).toBeNaN();
    grid.addBatch(Float64Array.from([0.1, 0.1, 0.1, 0.9, 0.5]), Uint8Array.from([0, 0, 0, 0, 1]), 5);
    expect(grid.count).toBe(4);
    expect(grid.maxBinShare()).toBe(0.75);
  });

  it('reports the row it overflowed at and keeps what it counted', () => {
    const grid = new FineGrid(0, 1);
    const values = new Float64Array(FINE_GRID_OUTSIDE_LIMIT + 10).fill(5);
    values[0] = 0.5;
    expect(grid.addBatch(values, undefined, values.length)).toBe(FINE_GRID_OUTSIDE_LIMIT + 1);
    expect(grid.overflowed).toBe(true);
    expect(grid.quantile(0.5, 0, 5)).toBeNaN();
    expect(grid.sample(0, 5)).toBeUndefined();
    const kept = grid.contents(0, 5);
    expect(kept.values).toHaveLength(1 + FINE_GRID_OUTSIDE_LIMIT);
    expect(kept.weights.reduce((a, b) => a + b, 0)).toBe(1 + FINE_GRID_OUTSIDE_LIMIT);
    expect(kept.values[0]).toBe(0.5 + 0.5 / FINE_GRID_BINS);
    expect(kept.values[FINE_GRID_OUTSIDE_LIMIT]).toBe(5);
  });
});

describe('which columns the grid answers quantiles for', () => {
  it('a normal reference spreads finely enough; a skewed one crowds a few bins', () => {
    const normal = referenceProfile(sample('normal', 200_000, 3));
    const lognormal = referenceProfile(sample('lognormal', 200_000, 3));
    const share = (r: DatasetProfile): number => r.profilers[0]?.grid?.maxBinShare() ?? NaN;
    expect(share(normal)).toBeLessThan(GRID_QUANTILE_MAX_BIN_SHARE);
    expect(share(lognormal)).toBeGreaterThan(GRID_QUANTILE_MAX_BIN_SHARE);
    const ranges = new Map([['x', { lo: 0, hi: 1 }]]);
    expect(gridAnswersQuantiles(normal, ranges).get('x')).toEqual({ lo: 0, hi: 1, quantiles: true });
    expect(gridAnswersQuantiles(lognormal, ranges).get('x')?.quantiles).toBe(false);
    // A column the reference has no filled grid for (exact quantiles) keeps the sketch.
    const small = referenceProfile(sample('normal', 1_000, 3));
    small.profilers[0]!.grid = undefined;
    expect(gridAnswersQuantiles(small, ranges).get('x')?.quantiles).toBe(false);
  });
});

describe('ColumnProfiler quantiles from the grid', () => {
  const reference = sample('normal', 200_000, 5);
  const range = gridFor(reference);
  const width = (range.hi - range.lo) / FINE_GRID_BINS;

  it('are within one bin of numpy past the sketch range; distinct counts and moments are unchanged', () => {
    const current = sample('normal', 300_000, 7);
    const sorted = sortedCopy(current);
    const viaGrid = profiled(current, range);
    const viaSketch = profiled(current, range, false);
    expect(viaGrid.quantilesExact).toBe(false);
    for (const q of PROFILE_QUANTILES) {
      expect(Math.abs((viaGrid.quantile(q) as number) - numpyLinear(sorted, q))).toBeLessThan(width);
    }
    expect(viaGrid.quantile(0)).toBe(sorted[0]);
    expect(viaGrid.quantile(1)).toBe(sorted[sorted.length - 1]);
    expect(() => viaGrid.quantile(1.5)).toThrow('must be in [0, 1]');
    expect(viaGrid.distinctCount()).toEqual(viaSketch.distinctCount());
    expect([viaGrid.mean(), viaGrid.stdev()]).toEqual([viaSketch.mean(), viaSketch.stdev()]);
    expect(viaGrid.distribution()).toEqual(viaSketch.distribution());
  });

  it('stay exact (numpy) while the column fits the sketch exactly', () => {
    const small = sample('normal', 50_000, 9);
    const sorted = sortedCopy(small);
    const p = profiled(small, range);
    expect(p.quantilesExact).toBe(true);
    expect(p.quantile(0.25)).toBeCloseTo(numpyLinear(sorted, 0.25), 12);
  });

  it('hand over to a sketch seeded from the grid when the column leaves the grid', () => {
    // 200k values inside the grid, then more outside it than the grid keeps.
    const inside = sample('normal', 200_000, 13);
    const outside = sample('normal', FINE_GRID_OUTSIDE_LIMIT + 50_000, 17).map((v) => v + 1_000);
    const current = new Float64Array(inside.length + outside.length);
    current.set(inside);
    current.set(outside, inside.length);
    const sorted = sortedCopy(current);
    const p = profiled(current, range);
    expect(p.grid?.overflowed).toBe(true);
    for (const q of PROFILE_QUANTILES) {
      // The sketch's rank error, plus the seeded values' half bin (no rank error of its own here).
      expect(rankError(sorted, q, p.quantile(q) as number)).toBeLessThan(2 * GRID_QUANTILE_MAX_BIN_SHARE);
    }
    expect(p.distribution().sample.weights.reduce((a, b) => a + b, 0)).toBe(current.length);
  });

  it('stay with the sketch when the grid was set after the first values', () => {
    const current = sample('normal', 300_000, 19);
    const late = new ColumnProfiler(COLUMN);
    const batches = batchesOf(current);
    late.add(batches[0] as NumberColumnBatch);
    late.grid = new FineGrid(range.lo, range.hi);
    late.quantilesFromGrid = true;
    for (const b of batches.slice(1)) late.add(b);
    const sketchOnly = profiled(current);
    expect(late.quantile(0.5)).toBe(sketchOnly.quantile(0.5));
  });
});

it('runValidation reports grid quantiles for a normal column and sketch quantiles for a lognormal one', async () => {
  const { Float64 } = await import('apache-arrow');
  const { makeTable, makeTempDir, writeArrow } = await import('../fixtures/data/arrow-fixtures');
  const { defaultValidationSpec, runValidation } = await import('../../src/data/run-validation');
  const tmp = makeTempDir();
  try {
    const table = (seed: number, n: number): ReturnType<typeof makeTable> =>
      makeTable({
        normal: { type: new Float64(), values: Array.from(sample('normal', n, seed)) },
        skewed: { type: new Float64(), values: Array.from(sample('lognormal', n, seed + 1)) },
      });
    const refPath = writeArrow(tmp.path('ref.arrow'), table(21, 150_000));
    const curPath = writeArrow(tmp.path('cur.arrow'), table(23, 200_000));
    const report = await runValidation(curPath, defaultValidationSpec(), {
      allowedRoots: [tmp.dir],
      reference: refPath,
      workers: 1,
    });
    const ref = sample('normal', 150_000, 21);
    const grid = gridFor(ref);
    const width = (grid.hi - grid.lo) / FINE_GRID_BINS;
    const normal = sortedCopy(sample('normal', 200_000, 23));
    const skewed = sortedCopy(sample('lognormal', 200_000, 24));
    const column = (name: string): NumberColumnProfile | undefined => {
      const c = report.columns.find((p) => p.name === name);
      return c?.kind === 'number' ? c : undefined;
    };
    for (const { q, value } of column('normal')?.quantiles ?? []) {
      expect(Math.abs(value - numpyLinear(normal, q))).toBeLessThan(width);
    }
    for (const { q, value } of column('skewed')?.quantiles ?? []) {
      expect(rankError(skewed, q, value)).toBeLessThan(GRID_QUANTILE_MAX_BIN_SHARE);
    }
    expect(column('normal')?.quantiles).toHaveLength(PROFILE_QUANTILES.length);
    expect(column('normal')?.quantilesExact).toBe(false);
  } finally {
    tmp.cleanup();
  }
});
