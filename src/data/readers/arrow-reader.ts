import type { promises as fs } from 'node:fs';

import { RecordBatchReader } from 'apache-arrow';
import type { DataType, RecordBatch, Vector } from 'apache-arrow';

import { DataUnusableError } from '../../core/errors';

import { poolRecordBatchBodies } from './arrow-body-pool';
import { arrowColumnBatch, arrowColumnSchema } from './arrow-columns';
import { BatchBuffers } from './batch-buffers';
import { datasetUnusable, errorMessage } from './dataset-unusable';
import { DEFAULT_BATCH_ROWS } from './types';
import type { ColumnBatch, DataBatch, DatasetReader, DatasetSchema, OpenDatasetOptions } from './types';
import { openDataFile, readAt } from './open-file';
import { Utf8Interner } from './utf8-interner';

/** "ARROW1": the first and last six bytes of an Arrow IPC file. */
const ARROW_MAGIC = Buffer.from('ARROW1', 'latin1');
/** End-of-stream marker of the IPC stream format: continuation token, then a zero length. */
const STREAM_EOS = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
/** Continuation token that starts every message of the modern (0.15+) stream format. */
const CONTINUATION = Buffer.from([0xff, 0xff, 0xff, 0xff]);
/** End-of-stream marker of the pre-0.15 stream format: a zero length. */
const LEGACY_STREAM_EOS = Buffer.from([0, 0, 0, 0]);
/** "FEA1": Feather V1, which is not Arrow IPC. */
const FEATHER_V1_MAGIC = Buffer.from('FEA1', 'latin1');

/** Which Arrow IPC format a file's bytes hold. */
export type ArrowIpcFormat = 'arrow-file' | 'arrow-stream';

/** True when the bytes start with the Arrow IPC file magic "ARROW1". */
export function hasArrowFileMagic(head: Uint8Array): boolean {
  return (
    head.length >= ARROW_MAGIC.length && Buffer.from(head.subarray(0, ARROW_MAGIC.length)).equals(ARROW_MAGIC)
  );
}

/**
 * Opens an Arrow IPC file (magic "ARROW1") or stream (anything else) for batch-by-batch reading
 * with random access through a file handle, so only one record batch is in memory at a time.
 *
 * Before Arrow parses anything, the tail is checked: a file must end with "ARROW1", a stream with
 * the end-of-stream marker. A stream cut at a message boundary otherwise reads as a valid,
 * shorter stream; every mainstream writer (pyarrow, arrow-js, arrow-rs, Go) closes its streams
 * with the marker, and a file at rest without it is most likely a write in progress or a partial
 * copy, which is exactly what a delivery pipeline must not train on.
 *
 * @param realPath - resolved path of a non-empty regular file
 * @param size - its size in bytes
 * @throws DataUnusableError naming the file for a truncated, corrupt or unsupported file
 */
export async function openArrowDataset(
  realPath: string,
  size: number,
  opts: OpenDatasetOptions,
): Promise<DatasetReader> {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const selected = opts.columns ? new Set(opts.columns) : undefined;
  const { handle, close } = await openDataFile(realPath);

  try {
    const format = await checkFraming(handle, realPath, size);
    let reader: Awaited<ReturnType<typeof openReader>>;
    try {
      reader = await openReader(handle);
    } catch (err) {
      throw datasetUnusable(realPath, `corrupt Arrow IPC ${formatNoun(format)}`, err);
    }
    if (!reader.schema) throw datasetUnusable(realPath, `Arrow IPC ${formatNoun(format)} has no schema`);
    const columns = reader.schema.fields.map(arrowColumnSchema);
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c.name))
        throw datasetUnusable(realPath, `duplicate column name ${JSON.stringify(c.name)}`);
      seen.add(c.name);
    }
    const schema: DatasetSchema = { format, columns };
    let started = false;

    async function* batches(): AsyncGenerator<DataBatch> {
      if (started) throw new Error(`dataset reader for ${realPath} is read once`);
      started = true;
      let rowOffset = 0;
      // One per string column: a value's bytes are decoded once per read, not once per row.
      const interners = new Map<string, Utf8Interner>();
      // And its batch arrays, reused from batch to batch (see DatasetReader.batches).
      const buffers = new Map<string, BatchBuffers>();
      const iterator = reader[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<RecordBatch>;
        try {
          next = await iterator.next();
        } catch (err) {
          throw datasetUnusable(
            realPath,
            `corrupt Arrow IPC ${formatNoun(format)} after row ${rowOffset}`,
            hintCompression(err),
          );
        }
        if (next.done) return;
        const recordBatch = next.value;
        for (let start = 0; start < recordBatch.numRows; start += batchRows) {
          const end = Math.min(recordBatch.numRows, start + batchRows);
          const slice =
            start === 0 && end === recordBatch.numRows ? recordBatch : recordBatch.slice(start, end);
          let dataBatch: DataBatch;
          try {
            dataBatch = toDataBatch(slice, schema, rowOffset, realPath, selected, interners, buffers);
          } catch (err) {
            if (err instanceof DataUnusableError) throw err;
            throw datasetUnusable(
              realPath,
              `cannot decode rows ${rowOffset}..${rowOffset + end - start - 1}`,
              err,
            );
          }
          yield dataBatch;
          rowOffset += end - start;
        }
      }
    }

    return { path: realPath, schema: () => schema, batches, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function openReader(handle: fs.FileHandle) {
  return RecordBatchReader.from(handle).then(async (r) => {
    const opened = await r.open();
    poolRecordBatchBodies(opened);
    return opened;
  });
}

async function checkFraming(handle: fs.FileHandle, file: string, size: number): Promise<ArrowIpcFormat> {
  const head = await readAt(handle, file, 0, Math.min(size, 8));
  if (head.subarray(0, 4).equals(FEATHER_V1_MAGIC)) {
    throw datasetUnusable(
      file,
      'Feather V1 files are not supported; rewrite as Feather V2 / Arrow IPC (pyarrow.feather.write_feather(version=2))',
    );
  }
  const tail = await readAt(handle, file, Math.max(0, size - 8), Math.min(size, 8));
  if (hasArrowFileMagic(head)) {
    if (
      size < 2 * ARROW_MAGIC.length + 2 ||
      !tail.subarray(tail.length - ARROW_MAGIC.length).equals(ARROW_MAGIC)
    ) {
      throw datasetUnusable(
        file,
        `truncated Arrow IPC file: it starts with the ARROW1 magic but does not end with it (${size} bytes)`,
      );
    }
    return 'arrow-file';
  }
  // A modern stream starts with the continuation token and must end with the 8-byte marker; only
  // a legacy (pre-0.15) stream, which starts with a bare length, may end with 4 zero bytes (zero
  // padding inside a cut-off body would otherwise pass for an end-of-stream marker).
  const modern = head.subarray(0, 4).equals(CONTINUATION);
  const endsWithEos =
    tail.equals(STREAM_EOS) ||
    (!modern && tail.length >= 4 && tail.subarray(tail.length - 4).equals(LEGACY_STREAM_EOS));
  if (!endsWithEos) {
    throw datasetUnusable(
      file,
      `not a complete Arrow IPC file or stream: no ARROW1 magic at the start and no end-of-stream marker at the end (${size} bytes; truncated, or not Arrow)`,
    );
  }
  return 'arrow-stream';
}

function toDataBatch(
  batch: RecordBatch,
  schema: DatasetSchema,
  rowOffset: number,
  file: string,
  selected: ReadonlySet<string> | undefined,
  interners: Map<string, Utf8Interner>,
  buffers: Map<string, BatchBuffers>,
): DataBatch {
  const columns = new Map<string, ColumnBatch>();
  schema.columns.forEach((column, index) => {
    if (selected && !selected.has(column.name)) return;
    const vector: Vector<DataType> | null = batch.getChildAt<DataType>(index);
    if (!vector) throw datasetUnusable(file, `record batch at row ${rowOffset} lacks column ${column.name}`);
    let interner: Utf8Interner | undefined;
    if (column.kind === 'string') {
      interner = interners.get(column.name);
      if (interner === undefined) interners.set(column.name, (interner = new Utf8Interner()));
    }
    let columnBuffers = buffers.get(column.name);
    if (columnBuffers === undefined) buffers.set(column.name, (columnBuffers = new BatchBuffers()));
    columns.set(column.name, arrowColumnBatch(column.kind, vector, interner, columnBuffers));
  });
  return { rowOffset, numRows: batch.numRows, columns };
}

function formatNoun(format: ArrowIpcFormat): string {
  return format === 'arrow-file' ? 'file' : 'stream';
}

function hintCompression(err: unknown): unknown {
  if (/compressed/i.test(errorMessage(err))) {
    return new Error(
      `${errorMessage(err)} (compressed IPC buffers are not supported; write uncompressed, e.g. pyarrow.feather.write_feather(df, path, compression='uncompressed'))`,
      { cause: err },
    );
  }
  return err;
}
