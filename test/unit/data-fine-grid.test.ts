/**
 * Drift of large continuous columns from fine grids (past the sketch's exact range) against the
 * exact computation on the raw arrays: KS statistic, Wasserstein, PSI and Jensen–Shannon.
 */
import { ColumnProfiler } from '../../src/data/column-profiler';
import { numericDrift } from '../../src/data/column-drift';
import { FINE_GRID_BINS, FineGrid } from '../../src/data/fine-grid';
import { histogram } from '../../src/drift/histogram';
import { jensenShannonDistance } from '../../src/drift/jensen-shannon';
import { ksTwoSample } from '../../src/drift/ks-two-sample';
import { psiEvidently } from '../../src/drift/psi';
import { wassersteinDistance } from '../../src/drift/wasserstein';
import { equalWidthEdges } from '../../src/drift/weighted';
import { uniform01 } from '../fixtures/sketch/samples';

/** Seeded normal samples (xorshift + Box–Muller). */
function normals(n: number, seed: number, mean: number, sd: number): Float64Array {
  const u = uniform01(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

function feed(p: ColumnProfiler, values: Float64Array, withGrid: boolean): void {
  for (let start = 0; start < values.length; start += 65_536) {
    const part = values.subarray(start, Math.min(values.length, start + 65_536));
    if (withGrid) p.grid?.addBatch(part, undefined, part.length);
    else
      p.add({
        kind: 'number',
        length: part.length,
        values: part,
        nulls: new Uint8Array(part.length),
        nullCount: 0,
      });
  }
}

const column = { name: 'x', kind: 'number' as const, sourceType: 'Float64', integer: false };

it('matches the exact statistics on 300 000 against 400 000 rows', () => {
  const ref = normals(300_000, 3, 50, 10);
  const cur = normals(400_000, 5, 50.3, 10.5);
  const r = new ColumnProfiler(column);
  feed(r, ref, false);
  const range = FineGrid.forRange(r.min, r.max);
  r.grid = new FineGrid(range.lo, range.hi);
  feed(r, ref, true); // the reference's second pass
  const c = new ColumnProfiler(column);
  c.grid = new FineGrid(range.lo, range.hi);
  feed(c, cur, false);
  expect(r.quantilesExact).toBe(false);
  expect(r.valueCounts.overflowed).toBe(true);

  const drift = numericDrift(r, c, { method: 'wasserstein', threshold: 0.1 });
  const ks = ksTwoSample(ref, cur);
  expect(Math.abs((drift.statistics.ks_statistic as number) - ks.statistic)).toBeLessThan(2e-4);
  const w = wassersteinDistance(ref, cur);
  expect(Math.abs((drift.statistics.wasserstein_distance as number) - w) / w).toBeLessThan(1e-3);

  // Evidently's Sturges bins over the pooled range, on the raw arrays.
  const lo = Math.min(r.min, c.min);
  const hi = Math.max(r.max, c.max);
  const nBins = Math.ceil((hi - lo) / ((hi - lo) / (Math.log2(ref.length + cur.length) + 1)));
  const edges = equalWidthEdges(lo, hi, nBins);
  const refCounts = histogram(ref, edges);
  const curCounts = histogram(cur, edges);
  const psi = psiEvidently(refCounts, curCounts);
  const js = jensenShannonDistance(refCounts, curCounts);
  expect(Math.abs((drift.statistics.psi as number) - psi) / psi).toBeLessThan(0.02);
  expect(Math.abs((drift.statistics.jensenshannon as number) - js) / js).toBeLessThan(0.02);
});

it('keeps values outside the grid exactly and gives up past the limit', () => {
  const g = new FineGrid(0, 1);
  g.addBatch(Float64Array.from([-5, 0.5, 7, NaN, Infinity]), undefined, 5);
  const s = g.sample(-5, 7);
  expect(Array.from(s?.values ?? [])).toEqual([-5, 0.5 + 0.5 / FINE_GRID_BINS, 7]);
  expect(Array.from(s?.weights ?? [])).toEqual([1, 1, 1]);
  const many = new Float64Array(100_001).fill(9);
  g.addBatch(many, undefined, many.length);
  expect(g.overflowed).toBe(true);
  expect(g.sample(-5, 9)).toBeUndefined();
});

it('runValidation uses the grids end to end: drift of files past the sketch range is near exact', async () => {
  const { Float64 } = await import('apache-arrow');
  const { makeTable, makeTempDir, writeArrow } = await import('../fixtures/data/arrow-fixtures');
  const { defaultValidationSpec, runValidation } = await import('../../src/data/run-validation');
  const tmp = makeTempDir();
  try {
    const ref = normals(150_000, 13, 0, 1);
    const cur = normals(200_000, 17, 0.01, 1);
    const refPath = writeArrow(
      tmp.path('ref.arrow'),
      makeTable({ x: { type: new Float64(), values: Array.from(ref) } }),
    );
    const curPath = writeArrow(
      tmp.path('cur.arrow'),
      makeTable({ x: { type: new Float64(), values: Array.from(cur) } }),
    );
    const report = await runValidation(curPath, defaultValidationSpec(), {
      allowedRoots: [tmp.dir],
      reference: refPath,
      workers: 1,
    });
    const x = report.drift?.columns.find((c) => c.column === 'x');
    const ks = ksTwoSample(ref, cur);
    // The compacted sketch alone is off by 6.7e-5 here; the grid by 1.5e-5.
    expect(Math.abs((x?.statistics.ks_statistic ?? NaN) - ks.statistic)).toBeLessThan(3e-5);
    const w = wassersteinDistance(ref, cur);
    expect(Math.abs((x?.statistics.wasserstein_distance ?? NaN) - w) / w).toBeLessThan(1e-3);
  } finally {
    tmp.cleanup();
  }
});
