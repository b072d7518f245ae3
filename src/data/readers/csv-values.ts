/**
 * How CSV text becomes typed values. Inference looks at every non-empty field of a column:
 * all integers → `integer`, else all numbers → `number`, else all `true`/`false` → `boolean`,
 * else `string`; a column with no non-empty field is `null`. An empty field is null.
 */

/** The type inferred for a CSV column; a closed set. */
export const CSV_INFERRED_TYPES = ['integer', 'number', 'boolean', 'string', 'null'] as const;
/** See `CSV_INFERRED_TYPES`. */
export type CsvInferredType = (typeof CSV_INFERRED_TYPES)[number];

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Spellings of non-finite numbers written by pandas, numpy, R and JavaScript. */
const SPECIAL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['nan', NaN],
  ['+nan', NaN],
  ['-nan', NaN],
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity],
]);

/** Running inference state of one column; start with `newCsvInference()`. */
export interface CsvInference {
  seen: boolean;
  integer: boolean;
  number: boolean;
  boolean: boolean;
}

/** A fresh inference state: every type still possible, nothing seen. */
export function newCsvInference(): CsvInference {
  return { seen: false, integer: true, number: true, boolean: true };
}

/** Folds one non-empty field into the state. */
export function observeCsvField(state: CsvInference, field: string): void {
  state.seen = true;
  if (state.integer || state.number) {
    const t = field.trim();
    if (state.integer && !INTEGER.test(t)) state.integer = false;
    if (state.number && !DECIMAL.test(t) && !SPECIAL_NUMBERS.has(t.toLowerCase())) state.number = false;
  }
  if (state.boolean && parseCsvBoolean(field) === undefined) state.boolean = false;
}

/** The type the state settles on. */
export function inferredCsvType(state: CsvInference): CsvInferredType {
  if (!state.seen) return 'null';
  if (state.integer) return 'integer';
  if (state.number) return 'number';
  if (state.boolean) return 'boolean';
  return 'string';
}

/** Parses a field of a numeric column; `undefined` when it is not a number. */
export function parseCsvNumber(field: string): number | undefined {
  const t = field.trim();
  if (DECIMAL.test(t)) return Number(t);
  return SPECIAL_NUMBERS.get(t.toLowerCase());
}

/** Parses `true` / `false` in any letter case; `undefined` otherwise. */
export function parseCsvBoolean(field: string): boolean | undefined {
  const t = field.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  return undefined;
}
