/**
 * The Parquet reader, on hyparquet (pure JavaScript) with hyparquet-compressors (snappy, gzip,
 * brotli, zstd, lz4).
 *
 * Chosen over parquet-wasm (arrow-rs compiled to WebAssembly) after reading a pyarrow file of
 * 2M rows × 20 columns (8 float64, 6 int, 3 string, 1 dictionary, 2 bool; 5 % nulls; row groups
 * of 1Mi rows; 217 MB snappy, 194 MB zstd) into typed column batches on this project's 2-core
 * machine, Node 20 (wall time, peak RSS):
 *
 * | reader                                              | snappy         | zstd           |
 * | --------------------------------------------------- | -------------- | -------------- |
 * | parquet-wasm 0.8 `ParquetFile.stream` → Arrow IPC   | 5.1 s, 662 MB  | 5.4 s, 645 MB  |
 * | parquet-wasm 0.8 `read` per row group → Arrow IPC   | 8.7 s, 1.1 GB  | 7.8 s, 1.1 GB  |
 * | hyparquet 1.33 `parquetScan` per row group          | 10.2 s, 833 MB | 9.5 s, 834 MB  |
 * | this reader (hyparquet's page decoders, see below)  | 2.6–3.5 s, 250 MB | 8.6–11 s, 230 MB |
 *
 * and 10M rows (1.1 GB snappy / 0.97 GB zstd): this reader 15 s, 255 MB / 42 s, 238 MB;
 * parquet-wasm stream – / 24 s, 686 MB; hyparquet `parquetScan` – / 43 s, 904 MB. zstd time is
 * mostly fzstd's (pure JS) Huffman decoding.
 *
 * parquet-wasm's async reader aborts inside WebAssembly on a corrupt column chunk
 * (`RuntimeError: unreachable`, raised outside any promise chain): an uncaught exception that ends
 * the process. That rules it out for a reader whose contract is "never crash on bad input".
 * hyparquet fails with ordinary exceptions, ships no native code (snappy is a 4 kB wasm module in
 * hysnappy that reports errors as return codes) and is actively maintained. Its row-oriented API
 * materializes a whole column chunk as a JS array of boxed values and keeps dictionary codes to
 * itself, so this reader uses hyparquet for the footer, page headers, decompression and the
 * plain / delta / byte-stream-split value decoders (`hyparquet/src/*.js`, a subpath its package
 * exports; the version is pinned exactly because of it), and does the rest in
 * `parquet-column-chunk.ts`: page-by-page reads from the file handle, levels and dictionary
 * indices into bounded typed arrays, dictionary codes for string columns, the batch shapes.
 *
 * hyparquet is an ES module: Node ≥ 20.19 loads it with `require`; jest compiles it
 * (`transformIgnorePatterns` in jest.config.js).
 */
import type { promises as fs } from 'node:fs';

import { parquetMetadata, parquetSchema } from 'hyparquet';
import type { ColumnChunk, FileMetaData, RowGroup, SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { getSchemaPath } from 'hyparquet/src/schema.js';

import { DataUnusableError } from '../../core/errors';

import { BatchBuffers } from './batch-buffers';
import { datasetUnusable } from './dataset-unusable';
import { ColumnChunkReader } from './parquet-column-chunk';
import { parquetColumnPlans } from './parquet-columns';
import type { ParquetColumnPlan } from './parquet-columns';
import { Utf8Interner } from './utf8-interner';
import { DEFAULT_BATCH_ROWS } from './types';
import type { ColumnBatch, DataBatch, DatasetReader, DatasetSchema, OpenDatasetOptions } from './types';
import { openDataFile, readAt } from './open-file';

/** "PAR1": the first and last four bytes of a Parquet file. */
const PARQUET_MAGIC = Buffer.from('PAR1', 'latin1');
/** "PARE": the magic of a Parquet file with an encrypted footer. */
const ENCRYPTED_MAGIC = Buffer.from('PARE', 'latin1');
/** Read-ahead of all column chunks of a row group together, shared out per column. */
const READ_AHEAD_BUDGET = 32 * 1024 * 1024;

/** True when the bytes start with the Parquet magic "PAR1". */
export function hasParquetMagic(head: Uint8Array): boolean {
  return head.length >= 4 && Buffer.from(head.subarray(0, 4)).equals(PARQUET_MAGIC);
}

/**
 * Opens a Parquet file for batch-by-batch reading: the footer is read and checked first, then
 * row group by row group, each column chunk page by page from the file handle, so memory holds
 * one batch, one decoded page and a bounded read-ahead per column, whatever the file or row group
 * size. A row group above `batchRows` is split into several batches; batches never span row
 * groups.
 *
 * String columns whose pages are dictionary-encoded (pyarrow's default) come with their codes;
 * the dictionary is the column chunk's, shared by the batches of a row group.
 *
 * @param realPath - resolved path of a non-empty regular file
 * @param size - its size in bytes
 * @throws DataUnusableError naming the file for a file that is not Parquet, truncated, encrypted,
 *   or has a corrupt footer; errors in column data surface from `batches()` naming the row group
 *   and column
 */
export async function openParquetDataset(
  realPath: string,
  size: number,
  opts: OpenDatasetOptions,
): Promise<DatasetReader> {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const selected = opts.columns ? new Set(opts.columns) : undefined;
  const { handle, close } = await openDataFile(realPath);

  try {
    const { metadata, dataEnd } = await readFooter(handle, realPath, size);
    let plans: ParquetColumnPlan[];
    let schemaPaths: SchemaTree[][];
    try {
      plans = parquetColumnPlans(parquetSchema(metadata));
      schemaPaths = plans.map((p) => getSchemaPath(metadata.schema, p.leafPath));
    } catch (err) {
      throw datasetUnusable(realPath, 'corrupt Parquet schema', err);
    }
    const seen = new Set<string>();
    for (const p of plans) {
      if (seen.has(p.schema.name))
        throw datasetUnusable(realPath, `duplicate column name ${JSON.stringify(p.schema.name)}`);
      seen.add(p.schema.name);
    }
    const firstGroup = metadata.row_groups[0];
    const schema: DatasetSchema = {
      format: 'parquet',
      columns: plans.map((p) =>
        p.schema.kind === 'string' && firstGroup !== undefined && dictionaryOnly(firstGroup, p)
          ? { ...p.schema, dictionaryEncoded: true as const }
          : p.schema,
      ),
    };
    const readAhead = Math.max(
      64 * 1024,
      Math.min(1024 * 1024, Math.floor(READ_AHEAD_BUDGET / Math.max(1, plans.length))),
    );
    let started = false;

    async function* batches(): AsyncGenerator<DataBatch> {
      if (started) throw new Error(`dataset reader for ${realPath} is read once`);
      started = true;
      let rowOffset = 0;
      // One per column across row groups: each distinct plain string is decoded once per read.
      const interners = plans.map((p) =>
        p.schema.kind === 'string' ? new Utf8Interner({ fatal: true }) : undefined,
      );
      // Batch arrays per column, reused from batch to batch (see DatasetReader.batches).
      const buffers = plans.map(() => new BatchBuffers());
      for (const [group, rowGroup] of metadata.row_groups.entries()) {
        const rows = Number(rowGroup.num_rows);
        if (!Number.isSafeInteger(rows) || rows < 0)
          throw datasetUnusable(realPath, `corrupt Parquet footer: row group ${group} declares ${rows} rows`);
        if (rows === 0) continue;
        let readers: Array<ColumnChunkReader | undefined>;
        try {
          readers = plans.map((plan, index) =>
            plan.schema.kind === 'null' || (selected !== undefined && !selected.has(plan.schema.name))
              ? undefined
              : chunkReader({
                  file: realPath,
                  handle,
                  rowGroup,
                  group,
                  rows,
                  plan,
                  schemaPath: schemaPaths[index] ?? [],
                  dataEnd,
                  readAhead,
                  interner: interners[index],
                  buffers: buffers[index],
                }),
          );
        } catch (err) {
          if (err instanceof DataUnusableError) throw err;
          throw datasetUnusable(realPath, `corrupt Parquet footer: row group ${group}`, err);
        }
        for (let start = 0; start < rows; start += batchRows) {
          const n = Math.min(batchRows, rows - start);
          const columns = new Map<string, ColumnBatch>();
          for (const [index, plan] of plans.entries()) {
            if (selected !== undefined && !selected.has(plan.schema.name)) continue;
            const reader = readers[index];
            let batch: ColumnBatch;
            try {
              batch = reader ? await reader.take(n) : allNull(n);
            } catch (err) {
              if (err instanceof DataUnusableError) throw err;
              throw datasetUnusable(
                realPath,
                `corrupt Parquet data in row group ${group}, column ${JSON.stringify(plan.schema.name)} (rows ${rowOffset}..${rowOffset + n - 1})`,
                err,
              );
            }
            columns.set(plan.schema.name, batch);
          }
          yield { rowOffset, numRows: n, columns };
          rowOffset += n;
        }
      }
    }

    return { path: realPath, schema: () => schema, batches, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Checks the framing (magic at both ends, a footer length within the file) and parses the
 * footer; returns it with the offset where the footer starts (column data ends before it).
 */
async function readFooter(
  handle: fs.FileHandle,
  file: string,
  size: number,
): Promise<{ metadata: FileMetaData; dataEnd: number }> {
  const head = await readAt(handle, file, 0, Math.min(size, 4));
  const tail = await readAt(handle, file, Math.max(0, size - 8), Math.min(size, 8));
  const tailMagic = tail.subarray(tail.length - 4);
  if (!hasParquetMagic(head)) {
    if (head.equals(ENCRYPTED_MAGIC) || tailMagic.equals(ENCRYPTED_MAGIC))
      throw datasetUnusable(file, 'encrypted Parquet files are not supported');
    throw datasetUnusable(file, `not a Parquet file: it does not start with the PAR1 magic (${size} bytes)`);
  }
  if (tailMagic.equals(ENCRYPTED_MAGIC))
    throw datasetUnusable(file, 'Parquet files with an encrypted footer are not supported');
  if (size < 12 || !tailMagic.equals(PARQUET_MAGIC))
    throw datasetUnusable(
      file,
      `truncated Parquet file: it starts with the PAR1 magic but does not end with it (${size} bytes)`,
    );
  const footerLength = tail.readUInt32LE(0);
  const dataEnd = size - 8 - footerLength;
  if (dataEnd < 4)
    throw datasetUnusable(
      file,
      `corrupt Parquet footer: its length ${footerLength} does not fit in the file (${size} bytes; truncated?)`,
    );
  // hyparquet reads the footer from the end of the buffer: its bytes, length and magic.
  const footer = await readAt(handle, file, dataEnd, footerLength + 8);
  if (footer.length !== footerLength + 8) throw datasetUnusable(file, 'the file changed while it was read');
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(new Uint8Array(footer), { geoparquet: false });
  } catch (err) {
    throw datasetUnusable(file, 'corrupt Parquet footer', err);
  }
  if (!Array.isArray(metadata.row_groups) || !Array.isArray(metadata.schema) || metadata.schema.length === 0)
    throw datasetUnusable(file, 'corrupt Parquet footer: no schema or row groups');
  return { metadata, dataEnd };
}

interface ChunkReaderArgs {
  file: string;
  handle: fs.FileHandle;
  rowGroup: RowGroup;
  group: number;
  rows: number;
  plan: ParquetColumnPlan;
  schemaPath: SchemaTree[];
  dataEnd: number;
  readAhead: number;
  interner: Utf8Interner | undefined;
  buffers: BatchBuffers | undefined;
}

/** The reader of one column's chunk in a row group, after checking the chunk lies in the file. */
function chunkReader(a: ChunkReaderArgs): ColumnChunkReader {
  const where = `row group ${a.group}, column ${JSON.stringify(a.plan.schema.name)}`;
  const key = a.plan.leafPath.join('\u0000');
  const chunk: ColumnChunk | undefined = a.rowGroup.columns.find(
    (c) => c.meta_data?.path_in_schema.join('\u0000') === key,
  );
  if (!chunk) {
    if (a.rowGroup.columns.some((c) => c.meta_data === undefined))
      throw datasetUnusable(a.file, `${where}: encrypted or missing column metadata is not supported`);
    throw datasetUnusable(a.file, `corrupt Parquet footer: ${where} has no column chunk`);
  }
  if (chunk.file_path)
    throw datasetUnusable(
      a.file,
      `${where}: column data in another file (${chunk.file_path}) is not supported`,
    );
  const meta = chunk.meta_data;
  if (!meta) throw datasetUnusable(a.file, `${where}: encrypted column metadata is not supported`);
  const dataOffset = Number(meta.data_page_offset);
  const dictOffset =
    meta.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset);
  // Some writers store 0 for "no dictionary page"; a dictionary page always precedes the data.
  const start =
    dictOffset !== undefined && dictOffset > 0 && dictOffset < dataOffset ? dictOffset : dataOffset;
  const end = start + Number(meta.total_compressed_size);
  if (!(
    Number.isSafeInteger(start) &&
    Number.isSafeInteger(end) &&
    start >= 4 &&
    start <= end &&
    end <= a.dataEnd
  ))
    throw datasetUnusable(
      a.file,
      `corrupt Parquet footer: the column chunk of ${where} (bytes ${start}..${end}) lies outside the file's data (bytes 4..${a.dataEnd})`,
    );
  const { schemaPath } = a;
  return new ColumnChunkReader({
    handle: a.handle,
    start,
    end,
    meta,
    schemaPath,
    plan: a.plan,
    rows: a.rows,
    compressors,
    readAhead: a.readAhead,
    ...(a.interner !== undefined ? { interner: a.interner } : {}),
    ...(a.buffers !== undefined ? { buffers: a.buffers } : {}),
  });
}

function allNull(n: number): ColumnBatch {
  return { kind: 'null', length: n, nulls: new Uint8Array(n).fill(1), nullCount: n };
}

/**
 * Whether a column's chunk in this row group holds only dictionary-encoded data pages, by the
 * footer's encoding statistics (false when the writer recorded none).
 */
function dictionaryOnly(rowGroup: RowGroup, plan: ParquetColumnPlan): boolean {
  const key = plan.leafPath.join('\u0000');
  const meta = rowGroup.columns.find((c) => c.meta_data?.path_in_schema.join('\u0000') === key)?.meta_data;
  const stats = meta?.encoding_stats;
  if (stats === undefined || stats.length === 0) return false;
  const data = stats.filter((s) => s.page_type === 'DATA_PAGE' || s.page_type === 'DATA_PAGE_V2');
  return (
    data.length > 0 && data.every((s) => s.encoding === 'RLE_DICTIONARY' || s.encoding === 'PLAIN_DICTIONARY')
  );
}
