import { promises as fs } from 'node:fs';
import * as nodePath from 'node:path';

import { openArrowDataset, hasArrowFileMagic } from './arrow-reader';
import { openCsvDataset } from './csv-reader';
import { datasetUnusable } from './dataset-unusable';
import { hasParquetMagic, openParquetDataset } from './parquet-reader';
import { resolveDataPath } from './resolve-data-path';
import type { DatasetReader, OpenDatasetOptions } from './types';

/** File extensions read as Arrow IPC (file or stream format, told apart by the magic bytes). */
export const ARROW_EXTENSIONS = ['.arrow', '.feather', '.ipc', '.arrows'] as const;
/** File extensions read as CSV. */
export const CSV_EXTENSIONS = ['.csv'] as const;
/** File extensions read as Parquet. */
export const PARQUET_EXTENSIONS = ['.parquet', '.pq'] as const;

/**
 * Opens a dataset for batch-by-batch reading, choosing the reader by extension: `.arrow`,
 * `.feather`, `.ipc`, `.arrows` → Arrow IPC (file format when the file starts with "ARROW1",
 * stream format otherwise); `.csv` → CSV with per-column type inference; `.parquet`, `.pq` →
 * Parquet. A file with another extension is read as Arrow when it starts with "ARROW1", as
 * Parquet when it starts with "PAR1", and rejected otherwise.
 *
 * @param path - a local path or `file://` URI
 * @param opts - `allowedRoots` (required) confines reads; see `OpenDatasetOptions`
 * @throws DataUnusableError naming the file: outside the allowed roots, missing, empty,
 *   truncated, corrupt, or of an unsupported format
 */
export async function openDataset(path: string, opts: OpenDatasetOptions): Promise<DatasetReader> {
  const { realPath, size } = await resolveDataPath(path, opts.allowedRoots);
  // The name as given decides (a symlink may point at a content-addressed blob without one).
  const ext = (nodePath.extname(path) || nodePath.extname(realPath)).toLowerCase();
  if ((ARROW_EXTENSIONS as readonly string[]).includes(ext)) return openArrowDataset(realPath, size, opts);
  if ((CSV_EXTENSIONS as readonly string[]).includes(ext)) return openCsvDataset(realPath, opts);
  if ((PARQUET_EXTENSIONS as readonly string[]).includes(ext))
    return openParquetDataset(realPath, size, opts);
  const sniffed = await sniffFormat(realPath);
  if (sniffed === 'arrow') return openArrowDataset(realPath, size, opts);
  if (sniffed === 'parquet') return openParquetDataset(realPath, size, opts);
  throw datasetUnusable(
    realPath,
    `unsupported file type ${ext === '' ? '(no extension)' : ext}; expected one of ${[...ARROW_EXTENSIONS, ...CSV_EXTENSIONS, ...PARQUET_EXTENSIONS].join(', ')}`,
  );
}

/** The format a file's first bytes announce: "ARROW1" → Arrow IPC file, "PAR1" → Parquet. */
async function sniffFormat(file: string): Promise<'arrow' | 'parquet' | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    const bytes = head.subarray(0, bytesRead);
    if (hasArrowFileMagic(bytes)) return 'arrow';
    if (hasParquetMagic(bytes)) return 'parquet';
    return undefined;
  } catch (err) {
    throw datasetUnusable(file, 'cannot read file', err);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
