/**
 * GE type names (`type_` / `type_list` of `expect_column_values_to_be_of_type` and
 * `expect_column_values_to_be_in_type_list`) mapped onto a column's kind and source type.
 *
 * GE's pandas engine compares the pandas dtype of the column (numpy names: `int64`, `float64`,
 * `bool`, `object`, pandas 3's `str`, …); its SQL engines compare database type names
 * (`INTEGER`, `FLOAT`, `VARCHAR`, …). A suite may carry either, so both are read here:
 *
 * | name (as written)                                            | matches a column whose …                    |
 * | ------------------------------------------------------------ | ------------------------------------------- |
 * | `int8` `int16` `int32` `int64` `uint8` … `uint64`            | storage is that integer type (Arrow `Int64`…; CSV `integer` is `int64`) |
 * | `int` `long` `int_` `intp` (numpy's default int)             | storage is `int64`                          |
 * | `Int8` … `UInt64` (pandas nullable)                          | storage is that integer type                |
 * | `float16` `float32` `float64`, `half` `single` `double` `float` `float_`, `Float32` `Float64` | storage is that float type (CSV `number` is `float64`) |
 * | `bool` `bool_` `boolean`                                     | kind is boolean                             |
 * | `str` `str_` `unicode` `U` `string` `StringDtype`            | kind is string, not dictionary-encoded      |
 * | `category` `CategoricalDtype`                                | storage is a dictionary of strings          |
 * | `object` `object_` `O`                                       | pandas would hold it as `object`: all-null and unread (`other`) columns, booleans with nulls, and strings (pandas < 3 stored strings as `object`) |
 * | `datetime64` `datetime64[ns]` (any unit) `Timestamp` `DatetimeTZDtype` | storage is an Arrow timestamp       |
 * | SQL, any case: `INTEGER` `INT` `BIGINT` `SMALLINT` `TINYINT` `INT64` `INT32` `INT16` `LONG` | storage is any integer type |
 * | SQL, any case: `FLOAT` `DOUBLE` `DOUBLE PRECISION` `REAL` `FLOAT64` `FLOAT32` `NUMERIC` `DECIMAL` `NUMBER` | storage is any float type (`NUMERIC`/`DECIMAL` also Arrow decimals) |
 * | SQL, any case: `STRING` `VARCHAR` `CHAR` `TEXT` `NVARCHAR` `NCHAR` `CHARACTER VARYING` `UTF8` | kind is string (dictionary or not) |
 * | SQL, any case: `BOOLEAN` `BOOL` `BIT`                         | kind is boolean                             |
 * | SQL, any case: `DATE` / `TIMESTAMP` `DATETIME` `TIMESTAMP_NTZ` `TIMESTAMPTZ` | storage is an Arrow date / timestamp |
 *
 * Names are looked up case-sensitively among the numpy / pandas names first (`Int64` is pandas'
 * nullable integer, `int8` numpy's), then case-insensitively among the SQL names. An unknown name
 * is a spec error (GE's pandas engine would silently fail the expectation instead).
 *
 * Difference from GE on pandas, kept on purpose: pandas turns an integer column with nulls into
 * `float64` and a boolean column with nulls into `object`. Here such a column matches BOTH its
 * storage name (`int64`, `bool`) and the pandas name (`float64`, `object`), so a suite written
 * against either view passes.
 */
import type { ColumnSchema } from '../data/readers/types';

/** What a type name is compared with. */
export interface ColumnTypeView {
  column: ColumnSchema;
  /** True when the column has at least one null / NaN (pandas widens the dtype then). */
  hasMissing: boolean;
}

/** A resolved type name. */
export interface TypeNameMatcher {
  /** The name as written. */
  name: string;
  matches(view: ColumnTypeView): boolean;
}

const INT_DTYPES = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'] as const;
const FLOAT_DTYPES = ['float16', 'float32', 'float64'] as const;

/** numpy / pandas names, case-sensitive, → the dtype names (see `storageDtype`) they accept. */
const NUMPY_NAMES: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ...INT_DTYPES.map((d) => [d, [d]] as const),
  ...INT_DTYPES.map((d) => [d.startsWith('u') ? `UInt${d.slice(4)}` : `Int${d.slice(3)}`, [d]] as const),
  ['int', ['int64']],
  ['long', ['int64']],
  ['int_', ['int64']],
  ['intp', ['int64']],
  ...FLOAT_DTYPES.map((d) => [d, [d]] as const),
  ['Float32', ['float32']],
  ['Float64', ['float64']],
  ['half', ['float16']],
  ['single', ['float32']],
  ['double', ['float64']],
  ['float', ['float64']],
  ['float_', ['float64']],
  ['bool', ['bool']],
  ['bool_', ['bool']],
  ['boolean', ['bool']],
  ['str', ['str']],
  ['str_', ['str']],
  ['unicode', ['str']],
  ['U', ['str']],
  ['string', ['str']],
  ['StringDtype', ['str']],
  ['category', ['category']],
  ['CategoricalDtype', ['category']],
  ['object', ['object', 'str']],
  ['object_', ['object', 'str']],
  ['O', ['object', 'str']],
  ['datetime64', ['datetime64']],
  ['Timestamp', ['datetime64']],
  ['DatetimeTZDtype', ['datetime64']],
]);

type Family = 'integer' | 'float' | 'string' | 'boolean' | 'date' | 'timestamp';

/** SQL names, upper-cased, → the family they accept. */
const SQL_NAMES: ReadonlyMap<string, Family> = new Map<string, Family>([
  ...['INTEGER', 'INT', 'BIGINT', 'SMALLINT', 'TINYINT', 'INT64', 'INT32', 'INT16', 'LONG'].map(
    (n) => [n, 'integer'] as const,
  ),
  ...[
    'FLOAT',
    'DOUBLE',
    'DOUBLE PRECISION',
    'DOUBLE_PRECISION',
    'REAL',
    'FLOAT64',
    'FLOAT32',
    'NUMERIC',
    'DECIMAL',
    'NUMBER',
  ].map((n) => [n, 'float'] as const),
  ...['STRING', 'VARCHAR', 'CHAR', 'TEXT', 'NVARCHAR', 'NCHAR', 'CHARACTER VARYING', 'UTF8'].map(
    (n) => [n, 'string'] as const,
  ),
  ...['BOOLEAN', 'BOOL', 'BIT'].map((n) => [n, 'boolean'] as const),
  ['DATE', 'date'],
  ...['TIMESTAMP', 'DATETIME', 'TIMESTAMP_NTZ', 'TIMESTAMPTZ', 'TIMESTAMP_TZ'].map(
    (n) => [n, 'timestamp'] as const,
  ),
]);

/** Every accepted name, for error messages (SQL names in upper case). */
export const GE_TYPE_NAMES: readonly string[] = [...NUMPY_NAMES.keys(), ...SQL_NAMES.keys()];

/**
 * The numpy / pandas dtype name of the column's storage, as `pyarrow.Table.to_pandas()` gives it
 * for a column without nulls: `int64`, `float32`, `bool`, `str`, `category`, `datetime64`, or
 * `object` (all-null columns and types pandas holds as Python objects).
 */
export function storageDtype(column: ColumnSchema): string {
  const t = column.sourceType;
  switch (column.kind) {
    case 'number': {
      if (t === 'integer') return 'int64';
      if (t === 'number') return 'float64';
      const m = /^(Int|Uint|Float)(8|16|32|64)$/.exec(t);
      if (m) return `${m[1]?.toLowerCase() ?? ''}${m[2] ?? ''}`;
      return column.integer ? 'int64' : 'float64';
    }
    case 'string':
      return t.startsWith('Dictionary') ? 'category' : 'str';
    case 'boolean':
      return 'bool';
    case 'null':
      return 'object';
    case 'other':
      return t.startsWith('Timestamp') ? 'datetime64' : 'object';
  }
}

/** The dtype pandas would give the column: integers with nulls become float64, booleans object. */
export function pandasDtype(view: ColumnTypeView): string {
  const storage = storageDtype(view.column);
  if (!view.hasMissing) return storage;
  if (storage.startsWith('int') || storage.startsWith('uint')) return 'float64';
  if (storage === 'bool') return 'object';
  return storage;
}

function familyMatches(family: Family, c: ColumnSchema): boolean {
  switch (family) {
    case 'integer':
      return c.kind === 'number' && c.integer;
    case 'float':
      return (
        (c.kind === 'number' && !c.integer) || (c.kind === 'other' && c.sourceType.startsWith('Decimal'))
      );
    case 'string':
      return c.kind === 'string';
    case 'boolean':
      return c.kind === 'boolean';
    case 'date':
      return c.kind === 'other' && c.sourceType.startsWith('Date');
    case 'timestamp':
      return c.kind === 'other' && c.sourceType.startsWith('Timestamp');
  }
}

/** Resolves a GE type name; undefined when the name is unknown. */
export function resolveGeTypeName(name: string): TypeNameMatcher | undefined {
  const dtypes =
    NUMPY_NAMES.get(name) ?? (/^datetime64\[[a-z]+(, .+)?\]$/.test(name) ? ['datetime64'] : undefined);
  if (dtypes !== undefined) {
    return {
      name,
      matches: (view) => dtypes.includes(storageDtype(view.column)) || dtypes.includes(pandasDtype(view)),
    };
  }
  const family = SQL_NAMES.get(name.trim().toUpperCase().replace(/\s+/g, ' '));
  if (family !== undefined) return { name, matches: (view) => familyMatches(family, view.column) };
  return undefined;
}
