/**
 * Reads a predictions file written by a scoring job: an Arrow IPC file (pyarrow
 * `pa.ipc.new_file`; the stream format is accepted too) with a label column and a score column.
 * The whole file is read into memory: predictions are one row per evaluation example, two numbers
 * wide, so even millions of rows are tens of megabytes.
 */
import { readFile } from 'node:fs/promises';
import { DataType, Type, tableFromIPC } from 'apache-arrow';
import type { Table, Vector } from 'apache-arrow';
import { DataUnusableError, DataValidationError } from '../core/errors';
import type { SliceColumn } from './slices';

/** Labels and scores as float64, row-aligned, with the slice columns asked for. */
export interface Predictions {
  labels: Float64Array;
  scores: Float64Array;
  rows: number;
  /** Each requested slice column's values as strings (null where the row has none). */
  slices: SliceColumn[];
}

/** A slice value as text: null stays null; numbers, bigints and booleans as written. */
function sliceText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** A slice column's values as strings: integers and booleans as written, nulls kept as null. */
function sliceValues(file: string, table: Table, column: string): SliceColumn {
  const vec: Vector | null = table.getChild(column);
  if (vec === null) {
    const have = table.schema.fields.map((f) => f.name).join(', ');
    throw new DataUnusableError(
      `predictions file ${file} has no slice column "${column}" (columns: ${have || 'none'})`,
    );
  }
  const t = vec.type as DataType;
  const ok = DataType.isUtf8(t) || DataType.isDictionary(t) || DataType.isInt(t) || DataType.isBool(t);
  if (!ok) {
    throw new DataUnusableError(
      `predictions file ${file}: slice column "${column}" has type ${Type[t.typeId]}; expected a string, dictionary, integer or boolean column`,
    );
  }
  const values: Array<string | null> = [];
  for (const v of vec as Iterable<unknown>) values.push(sliceText(v));
  return { name: column, values };
}

function columnValues(file: string, table: Table, column: string, role: 'label' | 'score'): Float64Array {
  const vec: Vector | null = table.getChild(column);
  if (vec === null) {
    const have = table.schema.fields.map((f) => f.name).join(', ');
    throw new DataUnusableError(
      `predictions file ${file} has no ${role} column "${column}" (columns: ${have || 'none'})`,
    );
  }
  const t = vec.type as DataType;
  const ok = DataType.isInt(t) || DataType.isFloat(t) || (role === 'label' && DataType.isBool(t));
  if (!ok) {
    throw new DataUnusableError(
      `predictions file ${file}: ${role} column "${column}" has type ${Type[t.typeId]}; expected ${role === 'label' ? 'an integer, boolean or float' : 'a float or integer'} column`,
    );
  }
  const out = new Float64Array(vec.length);
  let i = 0;
  for (const v of vec as Iterable<unknown>) {
    if (v === null || v === undefined) {
      throw new DataValidationError(
        `predictions file ${file}: ${role} column "${column}" is null at row ${i}`,
      );
    }
    out[i++] = typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
  }
  return out;
}

/**
 * Opens a predictions file as an Arrow table.
 * @throws DataUnusableError when the file is missing, unreadable or not Arrow IPC
 */
async function openPredictions(path: string): Promise<Table> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataUnusableError(
      code === 'ENOENT'
        ? `predictions file not found: ${path}`
        : `cannot read predictions file ${path}: ${String(e)}`,
      { cause: e },
    );
  }
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new DataUnusableError(
      `predictions file ${path} is not a readable Arrow IPC file: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  if (table.schema.fields.length === 0) {
    throw new DataUnusableError(`predictions file ${path} is not a readable Arrow IPC file: no schema found`);
  }
  return table;
}

/**
 * Reads the label and score columns of a predictions file, and the slice columns asked for. The
 * label column may be integer, boolean or float (values are checked later by `binaryMetrics`);
 * the score column float or integer.
 * @throws DataUnusableError when the file is missing or not Arrow IPC, or a column is absent or of
 *   the wrong type (the message names the file and column).
 * @throws DataValidationError when a label or score is null (naming file, column and row).
 */
export async function readPredictions(
  path: string,
  labelColumn: string,
  scoreColumn: string,
  sliceColumns: readonly string[] = [],
): Promise<Predictions> {
  const table = await openPredictions(path);
  const labels = columnValues(path, table, labelColumn, 'label');
  const scores = columnValues(path, table, scoreColumn, 'score');
  const slices = sliceColumns.map((c) => sliceValues(path, table, c));
  return { labels, scores, rows: table.numRows, slices };
}

/**
 * Reads numeric columns of a predictions file (targets, predictions, per-class scores), each as
 * float64; the first is read as a label column (integer, boolean or float), the others as scores.
 * @throws DataUnusableError / DataValidationError as {@link readPredictions}
 */
export async function readNumberColumns(path: string, columns: readonly string[]): Promise<Float64Array[]> {
  const table = await openPredictions(path);
  return columns.map((c, i) => columnValues(path, table, c, i === 0 ? 'label' : 'score'));
}
