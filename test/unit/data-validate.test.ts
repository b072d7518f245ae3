import { Bool, Dictionary, Float64, Int32, Int8, Utf8 } from 'apache-arrow';

import { DataUnusableError } from '../../src/core/errors';
import type { ColumnRule } from '../../src/core/spec/types';
import { summarizeReport, validateDataset } from '../../src/data/validate';
import type { ValidationReport } from '../../src/data/validate';
import {
  makeTable,
  makeTempDir,
  rule,
  validationSpec,
  writeArrow,
  writeText,
} from '../fixtures/data/arrow-fixtures';
import type { FixtureColumn } from '../fixtures/data/arrow-fixtures';

const tmp = makeTempDir();
const roots = [tmp.dir];
afterAll(() => tmp.cleanup());

/** Ten clean rows of a churn-like dataset. */
function churn(): Record<string, FixtureColumn> {
  return {
    tenure_months: { type: new Int32(), values: [1, 5, 12, 24, 36, 48, 60, 72, 100, 120] },
    monthly_charges: { type: new Float64(), values: [10.5, 20, 30.25, 40, 50, 60, 70.75, 80, 90, 99.5] },
    usage_gb: { type: new Float64(), values: [1, null, 3, 4, 5, 6, 7, 8, 9, 10] },
    plan: {
      type: new Utf8(),
      values: [
        'basic',
        'standard',
        'premium',
        'basic',
        'basic',
        'standard',
        'premium',
        'basic',
        'standard',
        'basic',
      ],
    },
    churned: { type: new Int8(), values: [0, 1, 0, 0, 1, 0, 0, 1, 0, 0] },
    active: { type: new Bool(), values: [true, true, false, true, true, true, false, true, true, true] },
  };
}

const churnRules = (): Record<string, ColumnRule> => ({
  tenure_months: rule('integer', { min: 0, max: 120 }),
  monthly_charges: rule('number', { min: 0, max: 500 }),
  usage_gb: rule('number', { nullable: true, maxNullFraction: 0.2, min: 0 }),
  plan: rule('string', { values: ['basic', 'standard', 'premium'] }),
  churned: rule('integer', { values: [0, 1] }),
  active: rule('boolean'),
});

let counter = 0;
/** Writes the columns (with overrides) as an Arrow file and validates it. */
async function validateColumns(
  overrides: Record<string, FixtureColumn | undefined>,
  rules: Record<string, ColumnRule> = churnRules(),
  extra: Parameters<typeof validationSpec>[1] = {},
): Promise<ValidationReport> {
  const columns: Record<string, FixtureColumn> = {};
  for (const [name, col] of Object.entries({ ...churn(), ...overrides })) if (col) columns[name] = col;
  const path = writeArrow(tmp.path(`case-${++counter}.arrow`), makeTable(columns));
  return validateDataset(path, validationSpec(rules, extra), { allowedRoots: roots });
}

function csvField(v: unknown): string {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? String(v) : '';
}

const expectedProfile = [
  {
    name: 'tenure_months',
    kind: 'number',
    sourceType: 'Int32',
    count: 10,
    nulls: 0,
    min: 1,
    max: 120,
    mean: 47.8,
    nan: 0,
    posInf: 0,
    negInf: 0,
  },
  {
    name: 'monthly_charges',
    kind: 'number',
    sourceType: 'Float64',
    count: 10,
    nulls: 0,
    min: 10.5,
    max: 99.5,
    mean: 55.1,
    nan: 0,
    posInf: 0,
    negInf: 0,
  },
  {
    name: 'usage_gb',
    kind: 'number',
    sourceType: 'Float64',
    count: 10,
    nulls: 1,
    min: 1,
    max: 10,
    mean: 53 / 9,
    nan: 0,
    posInf: 0,
    negInf: 0,
  },
  {
    name: 'plan',
    kind: 'string',
    sourceType: 'Utf8',
    count: 10,
    nulls: 0,
    distinct: { count: 3, exact: true },
    topValuesExact: true,
  },
  {
    name: 'churned',
    kind: 'number',
    sourceType: 'Int8',
    count: 10,
    nulls: 0,
    min: 0,
    max: 1,
    mean: 0.3,
    nan: 0,
    posInf: 0,
    negInf: 0,
  },
  { name: 'active', kind: 'boolean', sourceType: 'Bool', count: 10, nulls: 0, trueCount: 8, falseCount: 2 },
];

describe('validateDataset: a clean file', () => {
  it('passes with the expected profile (Arrow file)', async () => {
    const report = await validateColumns({});
    expect(report.issues).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.rows).toBe(10);
    expect(report.columns).toMatchObject(expectedProfile);
    expect(report.file).toBe(tmp.path(`case-${counter}.arrow`));
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(summarizeReport(report)).toBe(`PASSED ${report.file}: 10 rows, 6 columns, 0 errors, 0 warnings`);
  });

  it('passes with the same profile from an Arrow stream of several record batches', async () => {
    const path = writeArrow(tmp.path('clean-stream.arrow'), makeTable(churn(), [3, 3, 4]), 'stream');
    const report = await validateDataset(path, validationSpec(churnRules()), { allowedRoots: roots });
    expect(report.issues).toEqual([]);
    expect(report.columns).toMatchObject(expectedProfile);
  });

  it('passes with the same statistics from CSV (inferred types)', async () => {
    const cols = churn();
    const names = Object.keys(cols);
    const lines = [names.join(',')];
    for (let r = 0; r < 10; r++) lines.push(names.map((n) => csvField(cols[n]?.values[r])).join(','));
    const path = writeText(tmp.path('clean.csv'), `${lines.join('\n')}\n`);
    const report = await validateDataset(path, validationSpec(churnRules()), { allowedRoots: roots });
    expect(report.issues).toEqual([]);
    // usage_gb holds whole numbers only, so CSV inference calls it integer (a `number` rule accepts that).
    const inferred = ['integer', 'number', 'integer', 'string', 'integer', 'boolean'];
    expect(report.columns).toMatchObject(expectedProfile.map((p, i) => ({ ...p, sourceType: inferred[i] })));
  });

  it('accepts a dictionary-encoded string column and an integer rule on whole-valued floats', async () => {
    const report = await validateColumns({
      plan: { type: new Dictionary(new Utf8(), new Int32()), values: churn().plan?.values ?? [] },
      tenure_months: { type: new Float64(), values: [1, 5, 12, 24, 36, 48, 60, 72, 100, 120] },
    });
    expect(report.issues).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('reports progress after every batch', async () => {
    const path = writeArrow(tmp.path('progress.arrow'), makeTable(churn(), [4, 6]));
    const seen: number[] = [];
    await validateDataset(path, validationSpec(churnRules()), {
      allowedRoots: roots,
      batchRows: 3,
      onProgress: (n) => seen.push(n),
    });
    expect(seen).toEqual([3, 4, 7, 10]);
  });
});

describe('validateDataset: each fault is reported with check, column, counts and first rows', () => {
  it('nulls in a non-nullable column', async () => {
    const report = await validateColumns({
      tenure_months: { type: new Int32(), values: [1, null, 12, 24, null, 48, 60, 72, 100, null] },
    });
    expect(report.passed).toBe(false);
    expect(report.issues).toEqual([
      {
        severity: 'error',
        check: 'nulls',
        file: report.file,
        column: 'tenure_months',
        message: 'column tenure_months: 3 nulls in a non-nullable column, first rows 1, 4, 9',
        observed: 3,
        expected: 0,
        rows: { count: 3, first: [1, 4, 9] },
      },
    ]);
  });

  it('too many nulls in a nullable column', async () => {
    const report = await validateColumns({
      usage_gb: { type: new Float64(), values: [null, null, 3, null, 5, 6, 7, 8, 9, 10] },
    });
    expect(report.issues).toEqual([
      {
        severity: 'error',
        check: 'nulls',
        file: report.file,
        column: 'usage_gb',
        message: 'column usage_gb: 3 nulls (30.0%) exceed maxNullFraction 0.2, first rows 0, 1, 3',
        observed: { nulls: 3, fraction: 0.3 },
        expected: { maxNullFraction: 0.2 },
        rows: { count: 3, first: [0, 1, 3] },
      },
    ]);
  });

  it('values out of range', async () => {
    const report = await validateColumns({
      tenure_months: { type: new Int32(), values: [1, -5, 12, 130, 36, 48, 121, 72, -1, 120] },
    });
    expect(report.issues).toEqual([
      {
        severity: 'error',
        check: 'range',
        file: report.file,
        column: 'tenure_months',
        message:
          'column tenure_months: 4 values outside [0, 120] (observed min -5, max 130), first rows 1, 3, 6, 8',
        observed: { min: -5, max: 130 },
        expected: { min: 0, max: 120 },
        rows: { count: 4, first: [1, 3, 6, 8] },
      },
    ]);
  });

  it('values below a one-sided minimum; first rows capped at five, count exact', async () => {
    const report = await validateColumns({
      usage_gb: { type: new Float64(), values: [-1, -2, -3, 4, -5, -6, -7, 8, 9, 10] },
    });
    expect(report.issues).toEqual([
      expect.objectContaining({
        check: 'range',
        column: 'usage_gb',
        message: 'column usage_gb: 6 values below the minimum 0 (observed min -7), first rows 0, 1, 2, 4, 5',
        rows: { count: 6, first: [0, 1, 2, 4, 5] },
      }),
    ]);
  });

  it('unknown categories', async () => {
    const report = await validateColumns({
      plan: {
        type: new Utf8(),
        values: ['basic', 'gold', 'premium', 'gold', 'basic', 'silver', 'premium', 'basic', 'Basic', 'basic'],
      },
      churned: { type: new Int8(), values: [0, 1, 2, 0, 1, 0, 0, 1, 0, 0] },
    });
    expect(report.issues).toEqual([
      {
        severity: 'error',
        check: 'domain',
        file: report.file,
        column: 'plan',
        message:
          'column plan: 4 values not in [basic, standard, premium] (e.g. "gold", "silver", "Basic"), first rows 1, 3, 5, 8',
        observed: ['gold', 'silver', 'Basic'],
        expected: ['basic', 'standard', 'premium'],
        rows: { count: 4, first: [1, 3, 5, 8] },
      },
      {
        severity: 'error',
        check: 'domain',
        file: report.file,
        column: 'churned',
        message: 'column churned: 1 value not in [0, 1] (e.g. 2), first row 2',
        observed: [2],
        expected: [0, 1],
        rows: { count: 1, first: [2] },
      },
    ]);
  });

  it('wrong types: string where a number is expected, fractions where an integer is expected', async () => {
    const report = await validateColumns({
      monthly_charges: {
        type: new Utf8(),
        values: ['10', '20', '30', '40', '50', '60', '70', '80', '90', '99'],
      },
      tenure_months: { type: new Float64(), values: [1, 5.5, 12, 24, 36, 48.25, 60, 72, 100, 120] },
      plan: { type: new Int32(), values: [1, 2, 3, 1, 1, 2, 3, 1, 2, 1] },
    });
    expect(report.issues).toEqual([
      {
        severity: 'error',
        check: 'type',
        file: report.file,
        column: 'tenure_months',
        message:
          'column tenure_months: expected integer, but 2 values of the Float64 column are not whole numbers, first rows 1, 5',
        observed: 'Float64',
        expected: 'integer',
        rows: { count: 2, first: [1, 5] },
      },
      {
        severity: 'error',
        check: 'type',
        file: report.file,
        column: 'monthly_charges',
        message: 'column monthly_charges: expected number, found Utf8',
        observed: 'Utf8',
        expected: 'number',
      },
      {
        severity: 'error',
        check: 'type',
        file: report.file,
        column: 'plan',
        message: 'column plan: expected string, found Int32',
        observed: 'Int32',
        expected: 'string',
      },
    ]);
  });

  it('NaN and ±Infinity in numeric columns', async () => {
    const report = await validateColumns({
      monthly_charges: {
        type: new Float64(),
        values: [10, NaN, 30, Infinity, 50, NaN, -Infinity, 80, 90, 99],
      },
    });
    expect(report.issues).toEqual([
      {
        severity: 'error',
        check: 'non_finite',
        file: report.file,
        column: 'monthly_charges',
        message:
          'column monthly_charges: 4 non-finite values (2 NaN, 1 +Infinity, 1 -Infinity), first rows 1, 3, 5, 6',
        observed: { nan: 2, posInf: 1, negInf: 1 },
        expected: 'finite numbers',
        rows: { count: 4, first: [1, 3, 5, 6] },
      },
    ]);
    expect(report.columns[1]).toMatchObject({
      name: 'monthly_charges',
      kind: 'number',
      sourceType: 'Float64',
      count: 10,
      nulls: 0,
      min: 10,
      max: 99,
      mean: 359 / 6,
      nan: 2,
      posInf: 1,
      negInf: 1,
    });
  });

  it('a missing required column is an error, a missing optional one a warning', async () => {
    const rules = { ...churnRules(), usage_gb: rule('number', { required: false, nullable: true }) };
    const report = await validateColumns({ plan: undefined, usage_gb: undefined }, rules);
    expect(report.issues).toEqual([
      {
        severity: 'warning',
        check: 'column_present',
        file: report.file,
        column: 'usage_gb',
        message: 'optional column usage_gb is absent',
        expected: 'number',
      },
      {
        severity: 'error',
        check: 'column_present',
        file: report.file,
        column: 'plan',
        message: 'column plan is missing',
        expected: 'string',
      },
    ]);
    expect(report.passed).toBe(false);

    const onlyOptional = await validateColumns({ usage_gb: undefined }, rules);
    expect(onlyOptional.passed).toBe(true);
    expect(onlyOptional.issues.map((i) => i.severity)).toEqual(['warning']);
  });

  it('an unexpected column when extra columns are not allowed (and none when they are)', async () => {
    const extra = {
      customer_id: { type: new Utf8(), values: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] },
    };
    const report = await validateColumns(extra, churnRules(), { allowExtraColumns: false });
    expect(report.issues).toEqual([
      {
        severity: 'error',
        check: 'unexpected_column',
        file: report.file,
        column: 'customer_id',
        message: 'unexpected column customer_id (Utf8); the schema does not allow extra columns',
        observed: 'Utf8',
      },
    ]);
    expect(report.columns.map((c) => c.name)).toContain('customer_id');
    expect((await validateColumns(extra)).issues).toEqual([]);
  });

  it('too few and too many rows', async () => {
    const few = await validateColumns({}, churnRules(), { minRows: 500 });
    expect(few.issues).toEqual([
      {
        severity: 'error',
        check: 'row_count',
        file: few.file,
        message: '10 rows, expected at least 500',
        observed: 10,
        expected: { min: 500 },
      },
    ]);
    const many = await validateColumns({}, churnRules(), { minRows: 1, maxRows: 5 });
    expect(many.issues).toEqual([
      {
        severity: 'error',
        check: 'row_count',
        file: many.file,
        message: '10 rows, expected at most 5',
        observed: 10,
        expected: { min: 1, max: 5 },
      },
    ]);
  });

  it('an empty (header-only) CSV fails the row count and every non-nullable rule passes vacuously', async () => {
    const path = writeText(tmp.path('header-only.csv'), 'tenure_months,plan\n');
    const report = await validateDataset(
      path,
      validationSpec({
        tenure_months: rule('integer', { min: 0 }),
        plan: rule('string', { values: ['basic'] }),
      }),
      { allowedRoots: roots },
    );
    expect(report.issues).toEqual([
      {
        severity: 'error',
        check: 'row_count',
        file: path,
        message: '0 rows, expected at least 1',
        observed: 0,
        expected: { min: 1 },
      },
    ]);
    expect(report.columns).toMatchObject([
      { name: 'tenure_months', kind: 'null', sourceType: 'null', count: 0, nulls: 0 },
      {
        name: 'plan',
        kind: 'string',
        sourceType: 'string',
        count: 0,
        nulls: 0,
        distinct: { count: 0, exact: true },
        topValues: [],
      },
    ]);
  });

  it('a CSV string column keeps leading zeros (no inference for string rules)', async () => {
    const path = writeText(tmp.path('zips.csv'), 'zip\n01234\n98765\n00042\n');
    const report = await validateDataset(
      path,
      validationSpec({ zip: rule('string', { values: ['01234', '98765'] }) }),
      { allowedRoots: roots },
    );
    expect(report.issues.map((i) => i.message)).toEqual([
      'column zip: 1 value not in [01234, 98765] (e.g. "00042"), first row 2',
    ]);
  });
});

describe('validateDataset: global row indexes across record batches', () => {
  it('counts and names rows across several record batches (and slices) with global indexes', async () => {
    const n = 30;
    const tenure = Array.from({ length: n }, (_, i) => i);
    tenure[3] = -1; // batch 1
    tenure[14] = 500; // batch 2
    tenure[27] = 999; // batch 3
    const usage = Array.from({ length: n }, (_, i): number | null => i);
    usage[12] = null;
    usage[29] = null;
    const columns: Record<string, FixtureColumn> = {
      tenure_months: { type: new Int32(), values: tenure },
      usage_gb: { type: new Float64(), values: usage },
    };
    const rules = { tenure_months: rule('integer', { min: 0, max: 120 }), usage_gb: rule('number') };
    for (const [format, batchRows] of [
      ['file', undefined],
      ['stream', 4],
    ] as const) {
      const path = writeArrow(tmp.path(`multi-${format}.arrow`), makeTable(columns, [10, 10, 10]), format);
      const report = await validateDataset(path, validationSpec(rules), { allowedRoots: roots, batchRows });
      expect(report.rows).toBe(30);
      expect(report.issues.map((i) => [i.check, i.column, i.rows])).toEqual([
        ['range', 'tenure_months', { count: 3, first: [3, 14, 27] }],
        ['nulls', 'usage_gb', { count: 2, first: [12, 29] }],
      ]);
      expect(report.issues[0]?.message).toBe(
        'column tenure_months: 3 values outside [0, 120] (observed min -1, max 999), first rows 3, 14, 27',
      );
    }
  });
});

describe('validateDataset: unusable input throws instead of reporting', () => {
  it('throws DataUnusableError for a truncated file', async () => {
    const path = writeText(tmp.path('trunc.arrow'), Buffer.from('ARROW1\0\0garbage'));
    await expect(
      validateDataset(path, validationSpec(churnRules()), { allowedRoots: roots }),
    ).rejects.toThrow(DataUnusableError);
  });

  it('throws DataUnusableError for a path outside the allowed roots', async () => {
    await expect(
      validateDataset('/etc/hostname.csv', validationSpec(churnRules()), { allowedRoots: roots }),
    ).rejects.toThrow(
      `cannot read dataset /etc/hostname.csv: path is outside the allowed data roots (${tmp.dir})`,
    );
  });
});

describe('summarizeReport', () => {
  it('gives PASSED/FAILED, rows, and one line per error issue', async () => {
    const report = await validateColumns(
      {
        tenure_months: { type: new Int32(), values: [1, -5, 12, 130, 36, 48, 60, 72, 100, 120] },
        plan: undefined,
      },
      { ...churnRules(), extra: rule('number', { required: false }) },
    );
    expect(summarizeReport(report)).toBe(
      [
        `FAILED ${report.file}: 10 rows, 5 columns, 2 errors, 1 warning`,
        '  - column plan is missing',
        '  - column tenure_months: 2 values outside [0, 120] (observed min -5, max 130), first rows 1, 3',
      ].join('\n'),
    );
  });
});
