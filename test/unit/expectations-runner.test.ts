import type {
  ColumnBatch,
  ColumnKind,
  ColumnSchema,
  DataBatch,
  DatasetSchema,
  StringColumnBatch,
} from '../../src/data/readers/types';
import { DuplicateTable, numberKey, stringKey } from '../../src/expectations/duplicate-table';
import type { Key64 } from '../../src/expectations/duplicate-table';
import { parseExpectationsFile } from '../../src/expectations/ge-suite';
import { ExpectationRunner } from '../../src/expectations/runner';
import type { ExpectationResult } from '../../src/expectations/types';
import { ExactAggregates } from '../fixtures/expectations/exact-aggregates';

// ---------------------------------------------------------------------------------------------
// Hand-built batches

function col(name: string, kind: ColumnKind, sourceType: string, integer = false): ColumnSchema {
  return { name, kind, sourceType, integer };
}

function nullsOf(values: readonly unknown[]): { nulls: Uint8Array; nullCount: number } {
  const nulls = Uint8Array.from(values, (v) => (v === null ? 1 : 0));
  return { nulls, nullCount: nulls.reduce((a, b) => a + b, 0) };
}

function numbers(values: ReadonlyArray<number | null>): ColumnBatch {
  return {
    kind: 'number',
    length: values.length,
    values: Float64Array.from(values, (v) => v ?? 0),
    ...nullsOf(values),
  };
}

function strings(values: ReadonlyArray<string | null>): ColumnBatch {
  return { kind: 'string', length: values.length, values, ...nullsOf(values) };
}

/** A dictionary-encoded string batch, `values` deliberately absent-like (throws on access). */
function dictStrings(dictionary: readonly string[], codes: readonly number[]): StringColumnBatch {
  const nulls = Uint8Array.from(codes, (c) => (c < 0 ? 1 : 0));
  return {
    kind: 'string',
    length: codes.length,
    nulls,
    nullCount: nulls.reduce((a, b) => a + b, 0),
    dictionary,
    codes: Int32Array.from(codes),
    get values(): ReadonlyArray<string | null> {
      throw new Error('values read although codes are present');
    },
  };
}

function booleans(values: ReadonlyArray<boolean | null>): ColumnBatch {
  return {
    kind: 'boolean',
    length: values.length,
    values: Uint8Array.from(values, (v) => (v ? 1 : 0)),
    ...nullsOf(values),
  };
}

function opaque(kind: 'null' | 'other', length: number, nullAt: readonly number[] = []): ColumnBatch {
  const nulls = new Uint8Array(length);
  if (kind === 'null') nulls.fill(1);
  for (const i of nullAt) nulls[i] = 1;
  return { kind, length, nulls, nullCount: nulls.reduce((a, b) => a + b, 0) };
}

function batch(rowOffset: number, columns: Record<string, ColumnBatch>): DataBatch {
  const first = Object.values(columns)[0];
  return { rowOffset, numRows: first?.length ?? 0, columns: new Map(Object.entries(columns)) };
}

function run(yaml: string, schema: DatasetSchema, batches: DataBatch[]): ExpectationResult[] {
  const runner = new ExpectationRunner(parseExpectationsFile(yaml, 'test.yaml'), schema);
  const agg = new ExactAggregates();
  for (const b of batches) {
    runner.add(b);
    agg.add(b);
  }
  if (runner.rescanColumns() !== undefined) for (const b of batches) runner.rescan(b);
  return runner.finish(agg);
}

const SCHEMA: DatasetSchema = {
  format: 'arrow-file',
  columns: [
    col('x', 'number', 'Float64'),
    col('n', 'number', 'Int64', true),
    col('s', 'string', 'Utf8'),
    col('b', 'boolean', 'Bool'),
    col('d', 'other', 'Date32<DAY>'),
    col('z', 'null', 'Null'),
  ],
};

function sample(offset = 0): DataBatch {
  return batch(offset, {
    x: numbers([1.5, null, NaN, 200, -1, 1.5]),
    n: numbers([1, 2, 3, 3, 4, null]),
    s: strings(['a', 'bb', null, 'a', 'ccc', 'dd']),
    b: booleans([true, false, null, true, true, false]),
    d: opaque('other', 6, [1]),
    z: opaque('null', 6),
  });
}

// ---------------------------------------------------------------------------------------------

describe('a column the dataset lacks, or cannot read, fails that expectation with a message', () => {
  it('missing columns: map, aggregate, pair and multicolumn expectations', () => {
    const results = run(
      `expectations:
  - {expect: column_values_to_not_be_null, column: nope}
  - {expect: column_mean_to_be_between, column: nope, min_value: 0}
  - {expect: column_pair_values_to_be_equal, column_A: x, column_B: nope}
  - {expect: compound_columns_to_be_unique, column_list: [nope, also_nope]}
  - {expect: column_to_exist, column: nope}
`,
      SCHEMA,
      [sample()],
    );
    expect(results.map((r) => r.success)).toEqual([false, false, false, false, false]);
    expect(results[0]?.message).toBe('column "nope" is not in the dataset (columns: x, n, s, b, d, z)');
    expect(results[2]).toMatchObject({
      columns: ['x', 'nope'],
      message: 'column "nope" is not in the dataset (columns: x, n, s, b, d, z)',
    });
    expect(results[3]?.message).toMatch(/^columns "nope", "also_nope" are not in the dataset/);
    expect(results[4]?.message).toMatch(/^column "nope" is not in the dataset/);
  });

  it('a type the check cannot read', () => {
    const results = run(
      `expectations:
  - {expect: column_values_to_be_between, column: s, min_value: 0}
  - {expect: column_mean_to_be_between, column: s, min_value: 0}
  - {expect: column_values_to_be_unique, column: d}
  - {expect: column_values_to_match_regex, column: d, regex: x}
  - {expect: compound_columns_to_be_unique, column_list: [x, d]}
  - {expect: column_values_to_not_be_null, column: d}
`,
      SCHEMA,
      [sample()],
    );
    expect(results.map((r) => r.success)).toEqual([false, false, false, false, false, false]);
    expect(results[0]?.message).toBe(
      'column "s" is string (Utf8); expect_column_values_to_be_between cannot check its values',
    );
    expect(results[1]?.message).toBe(
      'column "s" is string (Utf8); expect_column_mean_to_be_between needs a numeric column',
    );
    expect(results[4]?.message).toMatch(/column "d" is other \(Date32<DAY>\)/);
    // Null checks read the null mask of any column.
    expect(results[5]).toMatchObject({ unexpectedCount: 1, rows: { count: 1, first: [1] } });
  });

  it('an all-null column passes value checks vacuously, as GE does', () => {
    const [between, unique, notNull] = run(
      `expectations:
  - {expect: column_values_to_be_between, column: z, min_value: 0}
  - {expect: column_values_to_be_unique, column: z}
  - {expect: column_values_to_not_be_null, column: z}
`,
      SCHEMA,
      [sample()],
    );
    expect(between).toMatchObject({
      success: true,
      missingCount: 6,
      unexpectedCount: 0,
      unexpectedPercent: null,
      observed: null,
    });
    expect(unique).toMatchObject({ success: true, missingCount: 6 });
    expect(notNull).toMatchObject({ success: false, unexpectedCount: 6, unexpectedPercent: 100 });
  });
});

describe('map expectations', () => {
  it('between: NaN and null are missing, mostly over the non-missing values, one-line message', () => {
    const [r] = run(
      'expectations: [{expect: column_values_to_be_between, column: x, min_value: 0, max_value: 100, mostly: 0.5}]',
      SCHEMA,
      [sample()],
    );
    expect(r).toEqual({
      type: 'expect_column_values_to_be_between',
      kwargs: {
        column: 'x',
        min_value: 0,
        max_value: 100,
        strict_min: false,
        strict_max: false,
        mostly: 0.5,
      },
      severity: 'error',
      success: true,
      column: 'x',
      observed: 0.5,
      expected: { min: 0, max: 100, mostly: 0.5 },
      elementCount: 6,
      missingCount: 2,
      unexpectedCount: 2,
      unexpectedPercent: 50,
      partialUnexpected: [200, -1],
      rows: { count: 2, first: [3, 4] },
      message: 'column "x": 2 of 4 non-missing values (50%) outside [0, 100]; within mostly 0.5',
    });
  });

  it('mostly: the passing fraction may equal mostly; below it fails', () => {
    const yaml = (mostly: number) =>
      `expectations: [{expect: column_values_to_be_in_set, column: n, value_set: [1, 2, 3], mostly: ${mostly}}]`;
    expect(run(yaml(0.8), SCHEMA, [sample()])[0]?.success).toBe(true); // 4 of 5 pass
    const [r] = run(yaml(0.81), SCHEMA, [sample()]);
    expect(r?.success).toBe(false);
    expect(r?.message).toBe(
      'column "n": 1 of 5 non-missing values (20%) not in {1, 2, 3}; mostly 0.81 allows at most 19%',
    );
  });

  it('in_set compares numbers numerically and booleans as 0 / 1, never a number with a string', () => {
    const [n, b, s] = run(
      `expectations:
  - {expect: column_values_to_be_in_set, column: n, value_set: [1.0, "2", true, 3]}
  - {expect: column_values_to_be_in_set, column: b, value_set: [1]}
  - {expect: column_values_to_be_in_set, column: s, value_set: [a, 1]}
`,
      SCHEMA,
      [sample()],
    );
    expect(n?.partialUnexpected).toEqual([2, 4]);
    expect(b).toMatchObject({ unexpectedCount: 2, partialUnexpected: [false] });
    expect(s?.partialUnexpected).toEqual(['bb', 'ccc', 'dd']);
  });

  it('unique marks every occurrence of a repeated value, also across batches, rows ascending', () => {
    const schema: DatasetSchema = { format: 'csv', columns: [col('v', 'number', 'integer', true)] };
    const batches = [
      batch(0, { v: numbers([5, 1, 2, 3, 4, 6, 7]) }),
      batch(7, { v: numbers([9, 8, 5, 1, null, 5]) }),
    ];
    const [r] = run('expectations: [{expect: column_values_to_be_unique, column: v}]', schema, batches);
    expect(r).toMatchObject({
      success: false,
      missingCount: 1,
      unexpectedCount: 5,
      rows: { count: 5, first: [0, 1, 9, 10, 12] },
      partialUnexpected: [5, 1],
    });
  });

  it('regex and lengths read numbers and booleans in their Python spelling', () => {
    const [re, len, flag] = run(
      `expectations:
  - {expect: column_values_to_match_regex, column: x, regex: '^\\d+\\.\\d+$'}
  - {expect: column_value_lengths_to_be_between, column: n, min_value: 1, max_value: 1}
  - {expect: column_values_to_match_regex, column: b, regex: '^True$'}
`,
      SCHEMA,
      [sample()],
    );
    expect(re).toMatchObject({ unexpectedCount: 1, partialUnexpected: [-1] }); // "200.0" matches, "-1.0" does not
    expect(len?.unexpectedCount).toBe(0);
    expect(flag?.unexpectedCount).toBe(2);
  });

  it('severity and meta are carried to the result', () => {
    const [r] = run(
      'expectations: [{expect: column_values_to_not_be_null, column: s, severity: warning, meta: {owner: me}}]',
      SCHEMA,
      [sample()],
    );
    expect(r).toMatchObject({
      severity: 'warning',
      success: false,
      unexpectedCount: 1,
      partialUnexpected: [null],
    });
  });
});

describe('dictionary-encoded strings give the same results as plain strings', () => {
  const schema: DatasetSchema = { format: 'parquet', columns: [col('c', 'string', 'STRING')] };
  // Two batches share one dictionary, which holds a repeated entry ("b" twice); -1 is null.
  const dictionary = ['a', 'b', 'ccc', 'b', 'é😀'];
  const codesA = [0, 1, 3, -1, 2, 4];
  const codesB = [4, 0, 2, -1, 2, 1];
  const decode = (codes: number[]) => codes.map((c) => (c < 0 ? null : (dictionary[c] as string)));
  const yaml = `expectations:
  - {expect: column_values_to_be_in_set, column: c, value_set: [a, b]}
  - {expect: column_values_to_not_be_in_set, column: c, value_set: [ccc]}
  - {expect: column_values_to_match_regex, column: c, regex: '^\\w$'}
  - {expect: column_value_lengths_to_be_between, column: c, max_value: 2}
  - {expect: column_values_to_be_unique, column: c}
  - {expect: column_values_to_not_be_null, column: c}
  - {expect: compound_columns_to_be_unique, column_list: [c, c]}
  - {expect: column_pair_values_to_be_equal, column_A: c, column_B: c}
`;

  it('in one run with codes and one with values', () => {
    const coded = run(yaml, schema, [
      batch(0, { c: dictStrings(dictionary, codesA) }),
      batch(6, { c: dictStrings(dictionary, codesB) }),
    ]);
    const plain = run(yaml, schema, [
      batch(0, { c: strings(decode(codesA)) }),
      batch(6, { c: strings(decode(codesB)) }),
    ]);
    expect(coded).toEqual(plain);
    expect(coded[4]).toMatchObject({ unexpectedCount: 10, rows: { count: 10, first: [0, 1, 2, 4, 5] } });
    expect(coded[3]?.partialUnexpected).toEqual(['ccc']); // "é😀" is 2 code points
  });
});

describe('multicolumn expectations', () => {
  const schema: DatasetSchema = {
    format: 'arrow-file',
    columns: [
      col('i', 'number', 'Int64', true),
      col('f', 'number', 'Float64'),
      col('s', 'string', 'Utf8'),
      col('b', 'boolean', 'Bool'),
    ],
  };
  const data = batch(0, {
    i: numbers([1, 1, 2, 3, 0]),
    f: numbers([1, null, 2.5, NaN, null]),
    s: strings(['1', '1', null, 'x', null]),
    b: booleans([true, true, null, null, false]),
  });

  it('pair equal: numbers numerically (bool as 0/1), never a number with a string; ignore_row_if', () => {
    const [ifs, ib, both, neither] = run(
      `expectations:
  - {expect: column_pair_values_to_be_equal, column_A: i, column_B: f}
  - {expect: column_pair_values_to_be_equal, column_A: i, column_B: b}
  - {expect: column_pair_values_to_be_equal, column_A: f, column_B: s}
  - {expect: column_pair_values_to_be_equal, column_A: f, column_B: s, ignore_row_if: neither}
`,
      schema,
      [data],
    );
    expect(ifs).toMatchObject({
      missingCount: 0,
      unexpectedCount: 4,
      partialUnexpected: [
        [1, null],
        [2, 2.5],
        [3, null],
        [0, null],
      ],
    });
    expect(ib).toMatchObject({ unexpectedCount: 2, rows: { first: [2, 3] } });
    expect(both).toMatchObject({ missingCount: 1, unexpectedCount: 4 });
    expect(neither).toMatchObject({ missingCount: 0, unexpectedCount: 5 });
  });

  it('within record: 1 == 1.0 == True; two NaNs are one value, a NaN and a None are not', () => {
    const [ifb, fsb] = run(
      `expectations:
  - {expect: select_column_values_to_be_unique_within_record, column_list: [i, f, b]}
  - {expect: multicolumn_values_to_be_unique, column_list: [f, s, b], ignore_row_if: never}
`,
      schema,
      [data],
    );
    // Row 4: 0 == False, as in Python.
    expect(ifb).toMatchObject({
      unexpectedCount: 3,
      rows: { first: [0, 1, 4] },
      partialUnexpected: [
        { i: 1, f: 1, b: true },
        { i: 1, f: null, b: true },
        { i: 0, f: null, b: false },
      ],
    });
    // Row 0: 1.0 == True; row 1: NaN, '1', True and row 2: 2.5, NaN, None and row 3: NaN, 'x', None
    // are distinct; row 4: NaN (float), NaN (str), False → two NaNs.
    expect(fsb).toMatchObject({
      type: 'expect_multicolumn_values_to_be_unique',
      unexpectedCount: 2,
      rows: { first: [0, 4] },
    });
  });

  it('compound unique: missing values equal each other', () => {
    const [r] = run(
      'expectations: [{expect: compound_columns_to_be_unique, column_list: [f, s], ignore_row_if: never}]',
      schema,
      [data],
    );
    expect(r).toMatchObject({ unexpectedCount: 0 });
    const [r2] = run(
      'expectations: [{expect: compound_columns_to_be_unique, column_list: [f, s], ignore_row_if: never}]',
      schema,
      [
        data,
        batch(5, {
          i: numbers([9]),
          f: numbers([null]),
          s: strings([null]),
          b: booleans([null]),
        }),
      ],
    );
    expect(r2).toMatchObject({
      unexpectedCount: 2,
      rows: { first: [4, 5] },
      partialUnexpected: [{ f: null, s: null }],
    });
  });
});

describe('aggregates and types', () => {
  const schema: DatasetSchema = {
    format: 'csv',
    columns: [
      col('v', 'number', 'number'),
      col('k', 'number', 'integer', true),
      col('s', 'string', 'string'),
    ],
  };
  const data = batch(0, {
    v: numbers([4, 1, 3, 2, null]),
    k: numbers([1, 2, null, 4, 5]),
    s: strings(['a', 'b', 'a', null, 'c']),
  });

  it('quantiles with each numpy interpolation (values as pandas gives them)', () => {
    const results = run(
      `expectations:
${['nearest', 'lower', 'higher', 'midpoint', 'linear']
  .map(
    (m) =>
      `  - {expect: column_quantile_values_to_be_between, column: v, quantile_ranges: {quantiles: [0.1, 0.5, 0.25, 0.75], value_ranges: [[null, null], [null, null], [null, null], [null, null]]}, allow_relative_error: ${m}}`,
  )
  .join('\n')}
`,
      schema,
      [data],
    );
    // pandas: Series([1., 2., 3., 4.]).quantile([0.1, 0.5, 0.25, 0.75], interpolation=m)
    expect(results.map((r) => (r.observed as { values: number[] }).values)).toEqual([
      [1, 3, 2, 3],
      [1, 2, 1, 3],
      [2, 3, 2, 4],
      [1.5, 2.5, 1.5, 3.5],
      [1.3, 2.5, 1.75, 3.25],
    ]);
  });

  it('a quantile within rtol 1e-4 of a bound passes, as GE', () => {
    const [r] = run(
      'expectations: [{expect: column_quantile_values_to_be_between, column: v, quantile_ranges: {quantiles: [0.5], value_ranges: [[3.0002, 4]]}}]',
      schema,
      [data],
    );
    expect(r?.success).toBe(true);
  });

  it('unique proportion and count, stdev, an undefined statistic', () => {
    const [prop, count, sd, none] = run(
      `expectations:
  - {expect: column_proportion_of_unique_values_to_be_between, column: s, min_value: 0.75, max_value: 0.75}
  - {expect: column_unique_value_count_to_be_between, column: s, min_value: 3, max_value: 3}
  - {expect: column_stdev_to_be_between, column: v, min_value: 1.29, max_value: 1.30}
  - {expect: column_stdev_to_be_between, column: k, max_value: 0, strict_max: true}
`,
      schema,
      [
        batch(0, {
          v: numbers([4, 1, 3, 2, null]),
          k: numbers([null, null, null, null, 7]),
          s: strings(['a', 'b', 'a', null, 'c']),
        }),
      ],
    );
    expect(prop).toMatchObject({ success: true, observed: 0.75 });
    expect(count).toMatchObject({ success: true, observed: 3 });
    expect(sd?.success).toBe(true);
    expect(none).toMatchObject({
      success: false,
      observed: null,
      message: 'column "k": no standard deviation (no values to compute it from), expected < 0',
    });
  });

  it('type names: numpy, pandas and SQL names, storage or pandas view', () => {
    const typed: DatasetSchema = {
      format: 'arrow-file',
      columns: [
        col('i', 'number', 'Int64', true),
        col('i32', 'number', 'Int32', true),
        col('f', 'number', 'Float32'),
        col('s', 'string', 'Utf8'),
        col('c', 'string', 'Dictionary<Int32, Utf8>'),
        col('b', 'boolean', 'Bool'),
        col('t', 'other', 'Timestamp<MICROSECOND>'),
      ],
    };
    const withNulls = batch(0, {
      i: numbers([1, null]),
      i32: numbers([1, 2]),
      f: numbers([1, 2]),
      s: strings(['a', 'b']),
      c: strings(['a', 'b']),
      b: booleans([true, null]),
      t: opaque('other', 2),
    });
    const checks: Array<[string, string, boolean]> = [
      ['i', 'int64', true],
      ['i', 'float64', true], // pandas widens an integer column with nulls
      ['i', 'INTEGER', true],
      ['i', 'BIGINT', true],
      ['i', 'FLOAT', false],
      ['i32', 'int64', false],
      ['i32', 'int32', true],
      ['i32', 'Int32', true],
      ['i32', 'float64', false],
      ['f', 'float32', true],
      ['f', 'float', false],
      ['f', 'DOUBLE', true],
      ['s', 'str', true],
      ['s', 'string', true],
      ['s', 'object', true], // pandas < 3 stored strings as object
      ['s', 'VARCHAR', true],
      ['s', 'category', false],
      ['c', 'category', true],
      ['c', 'str', false],
      ['c', 'STRING', true],
      ['b', 'bool', true],
      ['b', 'object', true], // a boolean column with nulls is object in pandas
      ['b', 'boolean', true],
      ['b', 'BOOLEAN', true],
      ['t', 'datetime64[ns]', true],
      ['t', 'TIMESTAMP', true],
      ['t', 'DATE', false],
    ];
    const yaml = `expectations:\n${checks.map(([c, t]) => `  - {expect: column_values_to_be_of_type, column: ${c}, type_: "${t}"}`).join('\n')}\n`;
    const results = run(yaml, typed, [withNulls]);
    expect(results.map((r, k) => [checks[k]?.[0], checks[k]?.[1], r.success])).toEqual(checks);
    expect(results[0]).toMatchObject({
      observed: 'int64',
      message: 'column "i": type is int64 (float64 in pandas), from Int64, expected int64',
    });
    const [list] = run(
      'expectations: [{expect: column_values_to_be_in_type_list, column: s, type_list: [int64, TEXT]}]',
      typed,
      [withNulls],
    );
    expect(list).toMatchObject({ success: true, expected: { types: ['int64', 'TEXT'] } });
  });
});

describe('table expectations', () => {
  it('row count, column lists; column_index 0 checks position 0 (GE skips a zero index)', () => {
    const results = run(
      `expectations:
  - {expect: table_row_count_to_equal, value: 12}
  - {expect: table_row_count_to_be_between, min_value: 12, strict_min: true}
  - {expect: column_to_exist, column: x, column_index: 0}
  - {expect: column_to_exist, column: n, column_index: 0}
  - {expect: table_columns_to_match_ordered_list, column_list: [x, n, s, b, z, d]}
  - {expect: table_columns_to_match_set, column_set: [x, n, s, b, d, z, extra], exact_match: false}
`,
      SCHEMA,
      [sample(0), sample(6)],
    );
    expect(results.map((r) => r.success)).toEqual([true, false, true, false, false, false]);
    expect(results[1]?.message).toBe('table has 12 rows, expected > 12');
    expect(results[3]?.message).toBe('column "n" is at position 1, expected 0');
    expect(results[4]?.message).toBe('table columns differ at position 4: found d, expected z');
    expect(results[5]?.message).toBe('table columns: missing extra');
  });
});

describe('the runner guards its protocol', () => {
  it('batches must be in order and start where the last ended', () => {
    const runner = new ExpectationRunner([], SCHEMA);
    runner.add(sample(0));
    expect(() => runner.add(sample(0))).toThrow('batch out of order: starts at row 0, expected row 6');
  });

  it('no batch after finish', () => {
    const runner = new ExpectationRunner([], SCHEMA);
    runner.finish(new ExactAggregates());
    expect(() => runner.add(sample(0))).toThrow('ExpectationRunner.add called after finish');
  });
});

describe('DuplicateTable', () => {
  it('counts like a Map for numbers and strings through many resizes, at most 40 bytes a value', () => {
    const table = new DuplicateTable();
    const reference = new Map<string, { count: number; first: number }>();
    const key: Key64 = { hi: 0, lo: 0 };
    let row = 0;
    let mismatches = 0;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 60_000; i++) {
        const v = i % 3 === 0 ? `v${(i * 7919) % 50_000}` : ((i * 104729) % 40_000) / 4;
        if (typeof v === 'string') stringKey(v, key);
        else numberKey(v, key);
        const ref = `${typeof v}:${v}`;
        const seen = reference.get(ref);
        const count = table.add(key, row);
        if (seen) {
          seen.count++;
          if (count !== seen.count || table.lastFirstRow !== seen.first) mismatches++;
        } else {
          reference.set(ref, { count: 1, first: row });
          if (count !== 1) mismatches++;
        }
        row++;
      }
    }
    expect(mismatches).toBe(0);
    expect(table.size).toBe(reference.size);
    expect(table.bytes / table.size).toBeLessThanOrEqual(40);
  });

  it('keeps first rows beyond 2^32', () => {
    const table = new DuplicateTable();
    const key: Key64 = { hi: 0, lo: 0 };
    numberKey(1, key);
    table.add(key, 7);
    numberKey(2, key);
    table.add(key, 2 ** 33);
    expect(table.add(key, 2 ** 33 + 5)).toBe(2);
    expect(table.lastFirstRow).toBe(2 ** 33);
    numberKey(1, key);
    table.add(key, 2 ** 34);
    expect(table.lastFirstRow).toBe(7);
  });

  it('numbers are exact: -0 equals 0, neighbours differ', () => {
    const table = new DuplicateTable();
    const key: Key64 = { hi: 0, lo: 0 };
    numberKey(0, key);
    table.add(key, 0);
    numberKey(-0, key);
    expect(table.add(key, 1)).toBe(2);
    numberKey(0.1 + 0.2, key);
    table.add(key, 2);
    numberKey(0.3, key);
    expect(table.add(key, 3)).toBe(1);
  });
});
