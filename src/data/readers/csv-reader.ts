import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

import { parse } from 'csv-parse';

import { DataUnusableError } from '../../core/errors';

import {
  newCsvInference,
  inferredCsvType,
  observeCsvField,
  parseCsvBoolean,
  parseCsvNumber,
} from './csv-values';
import type { CsvInferredType } from './csv-values';
import { datasetUnusable, errorMessage } from './dataset-unusable';
import { DEFAULT_BATCH_ROWS } from './types';
import type {
  ColumnBatch,
  ColumnKind,
  ColumnSchema,
  DataBatch,
  DatasetReader,
  DatasetSchema,
  OpenDatasetOptions,
} from './types';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** One parsed CSV record; `row` is the 0-based data row (-1 for the header). */
interface CsvRecord {
  row: number;
  fields: string[];
}

/**
 * Opens a CSV file (header row, comma-separated, RFC 4180 quoting, UTF-8 with optional BOM).
 * Opening makes a first streaming pass that infers each column's type (see `csv-values.ts`)
 * and checks the whole file is readable; `batches()` then makes a second pass that converts
 * fields to typed column batches of `batchRows` rows. Memory stays bounded by one batch.
 *
 * Row numbers in messages are 0-based data rows (the header is not a row), as in validation
 * reports, with the 1-based file line next to them.
 *
 * @throws DataUnusableError naming the file, and row / line / column where known, for ragged
 *   rows, invalid UTF-8, malformed quoting, a missing or duplicate header
 */
export async function openCsvDataset(realPath: string, opts: OpenDatasetOptions): Promise<DatasetReader> {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const forcedStrings = new Set(opts.stringColumns ?? []);
  const selected = opts.columns ? new Set(opts.columns) : undefined;

  let header: string[] | undefined;
  let inference: ReturnType<typeof newCsvInference>[] = [];
  let rowCount = 0;
  for await (const chunk of csvRecordChunks(realPath)) {
    for (const record of chunk) {
      if (record.row < 0) {
        header = record.fields;
        inference = header.map(() => newCsvInference());
        continue;
      }
      rowCount++;
      const fields = record.fields;
      for (let i = 0; i < fields.length; i++) {
        const state = inference[i];
        const field = fields[i] ?? '';
        if (field !== '' && state) observeCsvField(state, field);
      }
    }
  }
  if (!header) throw datasetUnusable(realPath, 'no header row');
  const names = header;
  const columns: ColumnSchema[] = names.map((name, i) => {
    const inferred: CsvInferredType = forcedStrings.has(name)
      ? 'string'
      : inferredCsvType(inference[i] ?? newCsvInference());
    return { name, kind: kindOf(inferred), sourceType: inferred, integer: inferred === 'integer' };
  });
  const schema: DatasetSchema = { format: 'csv', columns };
  let started = false;

  async function* batches(): AsyncGenerator<DataBatch> {
    if (started) throw new Error(`dataset reader for ${realPath} is read once`);
    started = true;
    let builder = new BatchBuilder(columns, 0, Math.min(batchRows, Math.max(rowCount, 1)), selected);
    for await (const chunk of csvRecordChunks(realPath)) {
      for (const record of chunk) {
        if (record.row < 0) {
          if (record.fields.join('\u0000') !== names.join('\u0000')) throw changedWhileReading(realPath);
          continue;
        }
        builder.add(record, realPath);
        if (builder.full) {
          yield builder.build();
          const offset = record.row + 1;
          builder = new BatchBuilder(columns, offset, Math.min(batchRows, Math.max(rowCount - offset, 1)), selected);
        }
      }
    }
    if (builder.rows > 0) yield builder.build();
    if (builder.rowOffset + builder.rows !== rowCount) throw changedWhileReading(realPath);
  }

  return { path: realPath, schema: () => schema, batches, close: () => Promise.resolve() };
}

function kindOf(type: CsvInferredType): ColumnKind {
  switch (type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'null':
      return 'null';
  }
}

function changedWhileReading(file: string): DataUnusableError {
  return datasetUnusable(file, 'the file changed while it was being read');
}

/** Records handed out per chunk by `csvRecordChunks` (one promise per chunk, not per record). */
const RECORDS_PER_CHUNK = 4096;

/**
 * Streams the records of a CSV file in chunks, with structural checks: every field valid UTF-8,
 * every row as wide as the header, unique header names. Fields are decoded only after the UTF-8
 * check, so undecodable bytes are reported, not silently replaced. The hot path does not track
 * lines (csv-parse's `info` costs more than the parse); an error finds its line afterwards.
 */
async function* csvRecordChunks(file: string): AsyncGenerator<CsvRecord[]> {
  const input = createReadStream(file);
  const parser = parse({ encoding: null, relax_column_count: true, skip_empty_lines: true });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let width = -1;
  let row = -1;
  let ended = false;
  parser.once('end', () => {
    ended = true;
  });
  const fail = async (reason: (where: string) => string): Promise<never> => {
    const line = await lineOfRecord(file, row + 1);
    const where = row < 0 ? `the header (line ${line})` : `row ${row} (line ${line})`;
    throw datasetUnusable(file, reason(where));
  };
  try {
    for (;;) {
      const chunk: CsvRecord[] = [];
      let raw: unknown;
      while (chunk.length < RECORDS_PER_CHUNK && (raw = parser.read()) !== null) {
        const record = raw as Buffer[];
        const fields = new Array<string>(record.length);
        for (let i = 0; i < record.length; i++) {
          let buf = record[i] ?? Buffer.alloc(0);
          // The BOM is stripped here, not by csv-parse: its `bom` option switches output to strings.
          if (row < 0 && i === 0 && buf.subarray(0, 3).equals(UTF8_BOM)) buf = buf.subarray(3);
          if (!isUtf8(buf)) await fail((where) => `invalid UTF-8 in ${where}, field ${i + 1}`);
          fields[i] = buf.toString('utf8');
        }
        if (row < 0) {
          width = fields.length;
          const seen = new Set<string>();
          for (const name of fields) {
            if (seen.has(name))
              throw datasetUnusable(file, `duplicate column name ${JSON.stringify(name)} in the header`);
            seen.add(name);
          }
        } else if (fields.length !== width) {
          const n = fields.length;
          await fail(
            (where) => `ragged row: ${where} has ${n} field${n === 1 ? '' : 's'}, the header has ${width}`,
          );
        }
        chunk.push({ row, fields });
        row++;
      }
      if (chunk.length > 0) {
        yield chunk;
        continue;
      }
      if (ended || parser.readableEnded) return;
      await readableOrEnd(parser);
    }
  } catch (err) {
    if (err instanceof DataUnusableError) throw err;
    const lines = (err as { lines?: unknown }).lines;
    const at = typeof lines === 'number' ? ` at line ${lines}` : row >= 0 ? ` after row ${row - 1}` : '';
    throw datasetUnusable(file, `malformed CSV${at}`, new Error(errorMessage(err), { cause: err }));
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** Resolves when the stream has data to read or has ended; rejects on its error. */
function readableOrEnd(
  stream: NodeJS.ReadableStream & { destroyed?: boolean; errored?: unknown },
): Promise<void> {
  const errored = stream.errored;
  if (errored)
    return Promise.reject(
      errored instanceof Error ? errored : new Error(errorMessage(errored), { cause: errored }),
    );
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      stream.off('readable', done);
      stream.off('end', done);
      stream.off('close', done);
      stream.off('error', onError);
      resolve();
    };
    const onError = (err: unknown): void => {
      stream.off('readable', done);
      stream.off('end', done);
      stream.off('close', done);
      reject(err instanceof Error ? err : new Error(errorMessage(err), { cause: err }));
    };
    stream.on('readable', done);
    stream.on('end', done);
    stream.on('close', done);
    stream.once('error', onError);
  });
}

/**
 * The 1-based file line on which record `index` (0 = the header) ends, found by parsing the
 * file again up to that record with line tracking on; only called to word an error.
 */
async function lineOfRecord(file: string, index: number): Promise<number | string> {
  const parser = createReadStream(file).pipe(
    parse({ encoding: null, info: true, relax_column_count: true, skip_empty_lines: true, to: index + 1 }),
  );
  let line: number | string = '?';
  try {
    for await (const item of parser as AsyncIterable<{ info: { lines: number } }>) line = item.info.lines;
  } catch {
    // The error being worded is the one that matters; keep what was found.
  } finally {
    parser.destroy();
  }
  return line;
}

/** Collects one batch of typed columns from CSV records. */
class BatchBuilder {
  rows = 0;
  private readonly cols: Array<{
    schema: ColumnSchema;
    nulls: Uint8Array;
    nullCount: number;
    values: Float64Array | Uint8Array | Array<string | null> | null;
  }>;

  constructor(
    columns: ColumnSchema[],
    readonly rowOffset: number,
    private readonly capacity: number,
    private readonly selected?: ReadonlySet<string>,
  ) {
    this.cols = columns.map((schema) => ({
      schema,
      nulls: new Uint8Array(capacity),
      nullCount: 0,
      values:
        schema.kind === 'number'
          ? new Float64Array(capacity)
          : schema.kind === 'boolean'
            ? new Uint8Array(capacity)
            : schema.kind === 'string'
              ? new Array<string | null>(capacity).fill(null)
              : null,
    }));
  }

  get full(): boolean {
    return this.rows >= this.capacity;
  }

  add(record: CsvRecord, file: string): void {
    if (this.full) throw changedWhileReading(file);
    const r = this.rows;
    this.cols.forEach((col, i) => {
      const field = record.fields[i] ?? '';
      if (field === '') {
        col.nulls[r] = 1;
        col.nullCount++;
        return;
      }
      const values = col.values;
      if (values instanceof Float64Array) {
        const n = parseCsvNumber(field);
        if (n === undefined) throw changedWhileReading(file);
        values[r] = n;
      } else if (values instanceof Uint8Array) {
        const b = parseCsvBoolean(field);
        if (b === undefined) throw changedWhileReading(file);
        values[r] = b ? 1 : 0;
      } else if (values) {
        values[r] = field;
      } else {
        throw changedWhileReading(file);
      }
    });
    this.rows++;
  }

  build(): DataBatch {
    const n = this.rows;
    const columns = new Map<string, ColumnBatch>();
    for (const col of this.cols) {
      if (this.selected !== undefined && !this.selected.has(col.schema.name)) continue;
      const nulls = n === this.capacity ? col.nulls : col.nulls.slice(0, n);
      const base = { length: n, nulls, nullCount: col.nullCount };
      const v = col.values;
      const kind = col.schema.kind;
      let batch: ColumnBatch;
      if (kind === 'number' && v instanceof Float64Array)
        batch = { ...base, kind, values: n === this.capacity ? v : v.slice(0, n) };
      else if (kind === 'boolean' && v instanceof Uint8Array)
        batch = { ...base, kind, values: n === this.capacity ? v : v.slice(0, n) };
      else if (kind === 'string' && Array.isArray(v))
        batch = { ...base, kind, values: n === this.capacity ? v : v.slice(0, n) };
      else batch = { ...base, kind: kind === 'null' ? 'null' : 'other' };
      columns.set(col.schema.name, batch);
    }
    return { rowOffset: this.rowOffset, numRows: n, columns };
  }
}
