/**
 * Reading values out of column batches the way GE's pandas engine sees them: "missing" is null
 * or NaN (pandas `isnull`), booleans compare as 0 / 1 with numbers, and a string batch may carry
 * a dictionary with per-row codes, which is then used to evaluate each distinct string once.
 */
import type { ColumnBatch, ColumnSchema, StringColumnBatch } from '../data/readers/types';
import type { IssueValue } from '../data/report';

/** A dictionary-encoded view of a string batch: row i is `dictionary[codes[i]]` unless null. */
export interface DictionaryStrings {
  dictionary: ReadonlyArray<string | null>;
  codes: ArrayLike<number>;
}

/**
 * The dictionary and codes of a string batch when the reader provides them (an optional
 * `dictionary` / `codes` pair on `StringColumnBatch`), else undefined: read `values` then.
 */
export function dictionaryOf(batch: StringColumnBatch): DictionaryStrings | undefined {
  const b = batch as StringColumnBatch & { dictionary?: unknown; codes?: unknown };
  const dictionary = b.dictionary;
  const codes = b.codes;
  if (!Array.isArray(dictionary) || codes === undefined || codes === null || !ArrayBuffer.isView(codes))
    return undefined;
  if ((codes as unknown as ArrayLike<number>).length !== batch.length) return undefined;
  return {
    dictionary: dictionary as ReadonlyArray<string | null>,
    codes: codes as unknown as ArrayLike<number>,
  };
}

/** Whether row i of a batch is missing (null, or NaN in a numeric column). */
export function isMissing(batch: ColumnBatch, i: number): boolean {
  if (batch.nulls[i] === 1) return true;
  return batch.kind === 'number' && Number.isNaN(batch.values[i]);
}

/** The string at row i of a (non-null) string row. */
export function stringAt(batch: StringColumnBatch, i: number, dict: DictionaryStrings | undefined): string {
  if (dict !== undefined) return dict.dictionary[dict.codes[i] as number] ?? '';
  return batch.values[i] ?? '';
}

/** A number as JSON: non-finite values become the strings "Infinity", "-Infinity", "NaN". */
export function jsonNumber(v: number): IssueValue {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** The value at row i as JSON (null when missing). */
export function jsonValueAt(batch: ColumnBatch, i: number, dict?: DictionaryStrings): IssueValue {
  if (isMissing(batch, i)) return null;
  switch (batch.kind) {
    case 'number':
      return jsonNumber(batch.values[i] as number);
    case 'string':
      return stringAt(batch, i, dict ?? dictionaryOf(batch));
    case 'boolean':
      return batch.values[i] === 1;
    default:
      return null;
  }
}

/** Length in Unicode code points (Python `len` of a str). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** "string (Utf8)" — a column's kind and source type, for messages. */
export function describeColumnType(column: ColumnSchema): string {
  return column.kind === column.sourceType ? column.kind : `${column.kind} (${column.sourceType})`;
}
