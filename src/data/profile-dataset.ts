import { ColumnProfiler } from './column-profiler';
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

/** Options of `profileDataset`. */
export interface ProfileDatasetOptions {
  allowedRoots: readonly string[];
  batchRows?: number;
  /** CSV: columns read as strings without type inference. */
  stringColumns?: readonly string[];
  /** Profile (and read) only these columns; default every column. */
  columns?: readonly string[];
  onProgress?: (rowsProcessed: number) => void;
  /** Called once with the schema, before the first batch. */
  onSchema?: (schema: DatasetSchema) => void;
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
    opts.onSchema?.(schema);
    const selected = opts.columns ? new Set(opts.columns) : undefined;
    const profilers = schema.columns
      .filter((c) => !selected || selected.has(c.name))
      .map((c) => new ColumnProfiler(c));
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
