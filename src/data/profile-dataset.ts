import { QuantileSketch } from '../sketch';

import { ColumnProfiler, PROFILE_SKETCH_K } from './column-profiler';
import { FineGrid } from './fine-grid';
import { openDataset } from './readers/open-dataset';
import type { DataBatch, DatasetSchema } from './readers/types';

/** A dataset's one-pass profile: its schema, row count and one profiler per column. */
export interface DatasetProfile {
  /** The resolved real path. */
  file: string;
  rows: number;
  schema: DatasetSchema;
  /** In file order (the selected columns only, when `columns` was given). */
  profilers: ColumnProfiler[];
}

/** A column's fine grid: its range, and whether the grid may answer the column's quantiles. */
export interface GridRange {
  lo: number;
  hi: number;
  /** See `gridAnswersQuantiles`. */
  quantiles?: boolean;
}

/** Options of `profileDataset`. */
export interface ProfileDatasetOptions {
  allowedRoots: readonly string[];
  batchRows?: number;
  /** CSV: columns read as strings without type inference. */
  stringColumns?: readonly string[];
  /** Profile (and read) only these columns; default every column. */
  columns?: readonly string[];
  /** A reference's lean profile (see `ColumnProfiler`): drift reads fine grids, not sketches. */
  lean?: boolean;
  /** Numeric columns to count on a fine grid too (range per column; see FineGrid). */
  grids?: ReadonlyMap<string, GridRange>;
  onProgress?: (rowsProcessed: number) => void;
  /** Called once with the schema and the (still empty) profilers, before the first batch. */
  onSchema?: (schema: DatasetSchema, profilers: readonly ColumnProfiler[]) => void;
  /** Called with every batch after the profilers took it: more checks in the same pass. */
  onBatch?: (batch: DataBatch) => void;
}

/**
 * Reads a dataset once, batch by batch, folding every column into a `ColumnProfiler`; other
 * consumers (rule checks, expectations) ride along through `onSchema` / `onBatch`. Memory is
 * one batch plus the profilers' bounded sketches.
 *
 * @throws DataUnusableError when the file cannot be read (see `openDataset`)
 */
export async function profileDataset(path: string, opts: ProfileDatasetOptions): Promise<DatasetProfile> {
  const reader = await openDataset(path, {
    allowedRoots: opts.allowedRoots,
    ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}),
    ...(opts.stringColumns !== undefined ? { stringColumns: opts.stringColumns } : {}),
    ...(opts.columns !== undefined ? { columns: opts.columns } : {}),
  });
  try {
    const schema = reader.schema();
    const selected = opts.columns ? new Set(opts.columns) : undefined;
    const profilers = schema.columns
      .filter((c) => !selected || selected.has(c.name))
      .map((c) => new ColumnProfiler(c, { lean: opts.lean === true }));
    opts.onSchema?.(schema, profilers);
    for (const p of profilers) {
      const g = opts.grids?.get(p.column.name);
      if (g !== undefined && p.column.kind === 'number') {
        p.grid = new FineGrid(g.lo, g.hi);
        p.quantilesFromGrid = g.quantiles === true;
      }
    }
    let rows = 0;
    for await (const batch of reader.batches()) {
      for (const p of profilers) {
        const columnBatch = batch.columns.get(p.column.name);
        if (columnBatch) p.add(columnBatch);
      }
      opts.onBatch?.(batch);
      rows += batch.numRows;
      opts.onProgress?.(rows);
    }
    return { file: reader.path, rows, schema, profilers };
  } finally {
    await reader.close();
  }
}

/**
 * The fine grids drift needs: for each numeric reference column too varied for exact value
 * counts, a grid over its range (widened by the span on each side).
 */
export function gridRanges(reference: DatasetProfile): Map<string, GridRange> {
  const out = new Map<string, GridRange>();
  for (const p of reference.profilers) {
    if (p.column.kind !== 'number' || p.finite === 0 || !p.valueCounts.overflowed) continue;
    const g = FineGrid.forRange(p.min, p.max);
    out.set(p.column.name, { lo: g.lo, hi: g.hi });
  }
  return out;
}

/**
 * Counts the reference's own values on its grids: a second pass over the reference's numeric
 * columns whose sketch is no longer exact (binning only, no other statistics).
 */
export async function fillReferenceGrids(
  reference: DatasetProfile,
  grids: ReadonlyMap<string, GridRange>,
  opts: { allowedRoots: readonly string[]; batchRows?: number; signal?: AbortSignal },
): Promise<void> {
  const targets = reference.profilers.filter((p) => grids.has(p.column.name) && !p.quantilesExact);
  if (targets.length === 0) return;
  for (const p of targets) {
    const g = grids.get(p.column.name) as { lo: number; hi: number };
    p.grid = new FineGrid(g.lo, g.hi);
  }
  const reader = await openDataset(reference.file, {
    allowedRoots: opts.allowedRoots,
    columns: targets.map((p) => p.column.name),
    ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}),
  });
  try {
    for await (const batch of reader.batches()) {
      opts.signal?.throwIfAborted();
      for (const p of targets) {
        const b = batch.columns.get(p.column.name);
        if (b?.kind === 'number') p.grid?.addBatch(b.values, b.nullCount > 0 ? b.nulls : undefined, b.length);
      }
    }
  } finally {
    await reader.close();
  }
}

/**
 * Largest share of the reference's values in one bin of its grid for the data's grid to answer
 * the column's quantiles: the profile sketch's rank error bound (0.036% at k = 8192). Within
 * that, a grid quantile is as precise in rank as the sketch's and exact to one bin in value;
 * a skewed column whose values crowd a few bins (a lognormal's) keeps the sketch.
 */
export const GRID_QUANTILE_MAX_BIN_SHARE = QuantileSketch.normalizedRankError(PROFILE_SKETCH_K);

/**
 * `grids` with `quantiles` set for the columns whose filled reference grid (see
 * `fillReferenceGrids`) spreads the reference's values finely enough (see
 * GRID_QUANTILE_MAX_BIN_SHARE). Call it after `fillReferenceGrids`.
 */
export function gridAnswersQuantiles(
  reference: DatasetProfile,
  grids: ReadonlyMap<string, GridRange>,
): Map<string, GridRange> {
  const out = new Map<string, GridRange>();
  for (const [name, range] of grids) {
    const grid = reference.profilers.find((p) => p.column.name === name)?.grid;
    const fine = grid !== undefined && !grid.overflowed && grid.maxBinShare() <= GRID_QUANTILE_MAX_BIN_SHARE;
    out.set(name, { ...range, quantiles: fine });
  }
  return out;
}
