/**
 * Live input drift: served rows (JSON objects) against a reference file, through the validation
 * engine. Statistics are checked against the engine run directly on an equivalent Arrow file.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Bool, Float64, Int32, Utf8 } from 'apache-arrow';

import { DataUnusableError, SpecError } from '../../src/core/errors';
import type { DriftSpec } from '../../src/core/spec/types';
import {
  LIVE_DRIFT_MIN_ROWS,
  MISSING_FROM_ROWS,
  PREPARED_REFERENCE_CACHE_SIZE,
  clearPreparedReferences,
  liveInputDrift,
  preparedReferenceCount,
} from '../../src/data/live-drift';
import type { LiveDriftJudged, LiveDriftResult } from '../../src/data/live-drift';
import type { DriftReport } from '../../src/data/report';
import { defaultValidationSpec, runValidation } from '../../src/data/run-validation';
import { makeTable, makeTempDir, writeArrow, writeText } from '../fixtures/data/arrow-fixtures';
import type { TempDir } from '../fixtures/data/arrow-fixtures';
import { uniform01 } from '../fixtures/sketch/samples';

const PLANS = ['basic', 'standard', 'premium'] as const;
const PLAN_SHARES = [0.5, 0.3, 0.2];
const SHIFTED_PLAN_SHARES = [0.2, 0.3, 0.5];

type Row = Record<string, unknown>;

/** Seeded rows: usage ~ N(50 + shift, 10), tenure integer 0..72, plan by shares, active 70% true. */
function makeRows(n: number, seed: number, shift = 0, planShares = PLAN_SHARES): Row[] {
  const u = uniform01(seed);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    const p = u();
    const plan =
      p < (planShares[0] ?? 0)
        ? PLANS[0]
        : p < (planShares[0] ?? 0) + (planShares[1] ?? 0)
          ? PLANS[1]
          : PLANS[2];
    rows.push({ usage: 50 + shift + 10 * z, tenure: Math.floor(73 * u()), plan, active: u() < 0.7 });
  }
  return rows;
}

/** Writes rows as an Arrow file with the types liveInputDrift uses (Float64, Utf8, Bool). */
function writeRowsFile(
  path: string,
  rows: readonly Row[],
  types: Record<string, Float64 | Utf8 | Bool | Int32>,
): string {
  const columns: Parameters<typeof makeTable>[0] = {};
  for (const [name, type] of Object.entries(types))
    columns[name] = { type, values: rows.map((r) => (Object.hasOwn(r, name) ? (r[name] ?? null) : null)) };
  return writeArrow(path, makeTable(columns));
}

const CURRENT_TYPES = { usage: new Float64(), tenure: new Float64(), plan: new Utf8(), active: new Bool() };

function driftSpec(extra: Partial<DriftSpec> = {}): DriftSpec {
  return { ...defaultValidationSpec().drift, ...extra };
}

function judged(result: LiveDriftResult): LiveDriftJudged {
  if (result.status !== 'judged')
    throw new Error(`expected a judged result, got ${result.status}: ${result.summary}`);
  return result;
}

/** The engine on an equivalent file: the drift report `mlcd validate --reference` would give. */
async function engineDrift(
  tmp: TempDir,
  name: string,
  rows: readonly Row[],
  reference: string,
  drift: DriftSpec,
): Promise<DriftReport> {
  const current = writeRowsFile(tmp.path(name), rows, CURRENT_TYPES);
  const report = await runValidation(
    current,
    { columns: {}, drift },
    { allowedRoots: [tmp.dir], reference, workers: 1 },
  );
  if (report.drift === undefined) throw new Error('the engine returned no drift');
  return report.drift;
}

function expectSameStatistics(live: DriftReport, engine: DriftReport): void {
  expect(live.columns.map((c) => c.column).sort()).toEqual(engine.columns.map((c) => c.column).sort());
  for (const e of engine.columns) {
    const l = live.columns.find((c) => c.column === e.column);
    expect(l?.drifted).toBe(e.drifted);
    expect(l?.method).toBe(e.method);
    expect(Object.keys(l?.statistics ?? {}).sort()).toEqual(Object.keys(e.statistics).sort());
    for (const [stat, value] of Object.entries(e.statistics)) {
      const got = l?.statistics[stat] ?? NaN;
      if (!(Math.abs(got - value) <= 1e-9))
        throw new Error(`${e.column}.${stat}: live ${got}, engine ${value}`);
    }
  }
}

let tmp: TempDir;
let reference: string;
let scratch: string;

beforeAll(() => {
  tmp = makeTempDir('mlcd-live-drift-test-');
  const rows = makeRows(3000, 11);
  // Tenure stored as Int32, as a training file would: the served numbers must still compare.
  reference = writeRowsFile(tmp.path('reference.arrow'), rows, { ...CURRENT_TYPES, tenure: new Int32() });
  scratch = tmp.path('scratch');
  mkdirSync(scratch);
});

afterAll(() => {
  tmp.cleanup();
});

afterEach(() => {
  // Every test: the temporary Arrow file (and its directory) is gone, success or failure. A
  // leftover is cleared so that only the test that left it fails.
  const left = readdirSync(scratch);
  for (const name of left) rmSync(join(scratch, name), { recursive: true, force: true });
  expect(left).toEqual([]);
});

const base = () => ({ reference, allowedRoots: [tmp.dir], tmpDir: scratch, drift: driftSpec() });

it('rows from the reference distribution do not drift', async () => {
  const rows = makeRows(1000, 23).map((r, i) => ({ ...r, request_id: `req-${i}` }));
  const result = judged(await liveInputDrift(rows, base()));
  expect(result.rows).toBe(1000);
  expect(result.drifted).toBe(false);
  expect(result.report.judgedColumns).toBe(4);
  expect(result.report.driftedColumns).toBe(0);
  expect(result.ignoredColumns).toEqual(['request_id']);
  expect(result.missingColumns).toEqual([]);
  expect(result.wrongTyped).toEqual([]);
  expect(result.summary).toBe(
    `no live input drift: 0 of 4 columns drifted (0% <= 50%) in 1000 served rows against ${reference}`,
  );
});

it('a shifted numeric column and a changed category mix drift, with the statistics of the engine on the same rows', async () => {
  const drift = driftSpec({ maxDriftedShare: 0.25 });
  const rows = makeRows(800, 29, 6, SHIFTED_PLAN_SHARES);
  const result = judged(await liveInputDrift(rows, { ...base(), drift }));
  expect(result.drifted).toBe(true);
  expect(
    result.report.columns
      .filter((c) => c.drifted)
      .map((c) => c.column)
      .sort(),
  ).toEqual(['plan', 'usage']);
  const usage = result.report.columns.find((c) => c.column === 'usage');
  const plan = result.report.columns.find((c) => c.column === 'plan');
  expect(usage?.method).toBe('wasserstein');
  expect(plan?.method).toBe('jensenshannon');
  expect(result.summary).toMatch(
    /^live input drift: 2 of 4 columns drifted \(50% > 25%\) in 800 served rows against /,
  );
  expect(result.summary).toContain(`usage wasserstein ${Number(usage?.score.toPrecision(4))} >= 0.1`);
  expect(result.summary).toContain(`plan jensenshannon ${Number(plan?.score.toPrecision(4))} >= 0.1`);
  expect(result.summary).not.toMatch(/tenure|active/);

  const engine = await engineDrift(tmp, 'shifted.arrow', rows, reference, drift);
  expectSameStatistics(result.report, engine);
  expect(result.report.datasetDrift).toBe(engine.datasetDrift);
  expect(result.report.referenceRows).toBe(3000);
});

it('names p-value methods as tests in the summary', async () => {
  const drift = driftSpec({ numeric: { method: 'ks', threshold: 0.05 } });
  const result = judged(await liveInputDrift(makeRows(400, 31, 6), { ...base(), drift }));
  const usage = result.report.columns.find((c) => c.column === 'usage');
  expect(usage?.drifted).toBe(true);
  expect(result.summary).toContain(`usage ks p-value ${Number(usage?.score.toPrecision(4))} < 0.05`);
  // One of four columns: within the dataset rule.
  expect(result.drifted).toBe(false);
  expect(result.summary).toMatch(
    /^no live input drift \(dataset rule\): 1 of 4 columns drifted \(25% <= 50%\)/,
  );
});

describe('the prepared reference', () => {
  beforeEach(() => clearPreparedReferences());

  it('is kept between checks: the second check against the same reference gives the same report', async () => {
    const rows = makeRows(800, 29, 6, SHIFTED_PLAN_SHARES);
    const first = judged(await liveInputDrift(rows, base()));
    expect(preparedReferenceCount()).toBe(1);
    const second = judged(await liveInputDrift(rows, base()));
    expect(preparedReferenceCount()).toBe(1);
    expect(second.report).toEqual(first.report);
    // And the kept one equals one prepared afresh.
    clearPreparedReferences();
    expect(judged(await liveInputDrift(rows, base())).report).toEqual(first.report);
  });

  it('a rewritten reference file is prepared again', async () => {
    const path = tmp.path('rewritten.arrow');
    writeRowsFile(path, makeRows(3000, 11), CURRENT_TYPES);
    const served = makeRows(600, 31, 6);
    const before = judged(await liveInputDrift(served, { ...base(), reference: path }));
    // The training data moved to where the served rows are: same size, new content and time.
    writeRowsFile(path, makeRows(3000, 12, 6), CURRENT_TYPES);
    utimesSync(path, new Date(), new Date(Date.now() + 5_000));
    const after = judged(await liveInputDrift(served, { ...base(), reference: path }));
    expect(preparedReferenceCount()).toBe(2);
    const usage = (r: typeof before) => r.report.columns.find((c) => c.column === 'usage');
    expect(usage(before)?.drifted).toBe(true);
    expect(usage(after)?.drifted).toBe(false);
  });

  it(`keeps at most ${PREPARED_REFERENCE_CACHE_SIZE}, the most recently used`, async () => {
    const rows = makeRows(300, 37);
    for (let i = 0; i < PREPARED_REFERENCE_CACHE_SIZE + 2; i++) {
      const path = writeRowsFile(tmp.path(`ref-${i}.arrow`), makeRows(500, 100 + i), CURRENT_TYPES);
      await liveInputDrift(rows, { ...base(), reference: path });
    }
    expect(preparedReferenceCount()).toBe(PREPARED_REFERENCE_CACHE_SIZE);
  });
});

describe('minRows', () => {
  it(`fewer rows than the default ${LIVE_DRIFT_MIN_ROWS} are not judged, and not drift`, async () => {
    const result = await liveInputDrift(makeRows(150, 37, 20, SHIFTED_PLAN_SHARES), base());
    expect(result).toEqual({
      status: 'too-few-rows',
      rows: 150,
      minRows: 200,
      reference,
      drifted: false,
      summary: `live input drift not judged: 150 served rows, at least 200 needed (reference ${reference})`,
    });
  });

  it('a lower minRows judges the same rows', async () => {
    const result = judged(
      await liveInputDrift(makeRows(150, 37, 20, SHIFTED_PLAN_SHARES), { ...base(), minRows: 100 }),
    );
    expect(result.minRows).toBe(100);
    expect(result.report.driftedColumns).toBe(2);
  });

  it('rejects a minRows below 1, naming the option and its value', async () => {
    const err = await liveInputDrift(makeRows(10, 1), { ...base(), minRows: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toBe(
      'invalid spec liveInputDrift options:\n  - minRows: expected at least 1 (got 0)',
    );
  });
});

it('wrong-typed values are judged as null and counted', async () => {
  const rows = makeRows(300, 41);
  for (const i of [3, 10, 20]) (rows[i] as Row).usage = 'fifty';
  (rows[7] as Row).active = 'yes';
  (rows[8] as Row).plan = 42;
  (rows[9] as Row).plan = null; // a null is a null, not a wrong type
  const result = judged(await liveInputDrift(rows, base()));
  expect(result.wrongTyped).toEqual([
    { column: 'usage', expected: 'number', rows: { count: 3, first: [3, 10, 20] } },
    { column: 'plan', expected: 'string', rows: { count: 1, first: [8] } },
    { column: 'active', expected: 'boolean', rows: { count: 1, first: [7] } },
  ]);
  expect(result.summary).toContain(
    'wrong-typed values judged as null: usage 3 (not number), plan 1 (not string), active 1 (not boolean)',
  );
  const asNulls = rows.map((r, i) =>
    i === 3 || i === 10 || i === 20
      ? { ...r, usage: null }
      : i === 7
        ? { ...r, active: null }
        : i === 8
          ? { ...r, plan: null }
          : r,
  );
  expectSameStatistics(result.report, await engineDrift(tmp, 'nulls.arrow', asNulls, reference, driftSpec()));
});

describe('missing columns', () => {
  it('a reference column no row carries is reported missing, not judged or drifted', async () => {
    const rows = makeRows(300, 43).map(({ tenure: _tenure, ...r }) => r);
    // A column missing from some rows only is judged on the rows that have it.
    for (let i = 0; i < 100; i++) delete (rows[i] as Row).active;
    const result = judged(await liveInputDrift(rows, base()));
    expect(result.missingColumns).toEqual(['tenure']);
    expect(result.report.skipped).toContainEqual({ column: 'tenure', reason: MISSING_FROM_ROWS });
    expect(result.report.columns.map((c) => c.column).sort()).toEqual(['active', 'plan', 'usage']);
    expect(result.report.judgedColumns).toBe(3);
    expect(result.drifted).toBe(false);
    expect(result.summary).toContain('missing from every row: tenure');
  });

  it('a missing column left out by drift.columns is not called missing', async () => {
    const rows = makeRows(300, 43).map(({ tenure: _tenure, ...r }) => r);
    const drift = driftSpec({ columns: { tenure: false } });
    const result = judged(await liveInputDrift(rows, { ...base(), drift }));
    expect(result.missingColumns).toEqual([]);
    expect(result.report.skipped).toEqual([{ column: 'tenure', reason: 'left out by drift.columns' }]);
  });

  it('rows carrying none of the reference columns judge nothing', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ other: i }));
    const result = judged(await liveInputDrift(rows, base()));
    expect(result.missingColumns).toEqual(['usage', 'tenure', 'plan', 'active']);
    expect(result.report).toMatchObject({
      judgedColumns: 0,
      driftedColumns: 0,
      datasetDrift: false,
      referenceRows: 3000,
    });
    expect(result.drifted).toBe(false);
    expect(result.ignoredColumns).toEqual(['other']);
  });

  it('columns restricts the judged columns, and must name reference columns', async () => {
    const rows = makeRows(300, 47, 6, SHIFTED_PLAN_SHARES);
    const result = judged(await liveInputDrift(rows, { ...base(), columns: ['tenure', 'active'] }));
    expect(result.report.columns.map((c) => c.column)).toEqual(['tenure', 'active']);
    expect(result.report.driftedColumns).toBe(0);
    const err = await liveInputDrift(rows, { ...base(), columns: ['usage', 'age'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataUnusableError);
    expect((err as Error).message).toBe(
      `cannot read dataset ${reference}: the reference has no column "age" (named in columns); it has usage, tenure, plan, active`,
    );
  });
});

it('reads a CSV reference, whose integer column stays numeric', async () => {
  const rows = makeRows(1000, 53);
  const csv = [
    'usage,tenure,plan,active',
    ...rows.map(
      (r) => `${r.usage as number},${r.tenure as number},${r.plan as string},${r.active as boolean}`,
    ),
  ];
  const csvReference = writeText(tmp.path('reference.csv'), csv.join('\n') + '\n');
  const result = judged(await liveInputDrift(makeRows(300, 59), { ...base(), reference: csvReference }));
  expect(result.report.columns.map((c) => [c.column, c.kind])).toEqual([
    ['usage', 'numeric'],
    ['tenure', 'numeric'],
    ['plan', 'categorical'],
    ['active', 'categorical'],
  ]);
  expect(result.wrongTyped).toEqual([]);
  expect(result.drifted).toBe(false);
});

describe('bad input', () => {
  it('a reference outside the allowed roots is a DataUnusableError naming it', async () => {
    const other = makeTempDir('mlcd-live-drift-outside-');
    try {
      const outside = writeArrow(
        other.path('ref.arrow'),
        makeTable({ usage: { type: new Float64(), values: [1, 2] } }),
      );
      const err = await liveInputDrift(makeRows(300, 61), { ...base(), reference: outside }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataUnusableError);
      expect((err as Error).message).toBe(
        `cannot read dataset ${outside}: path is outside the allowed data roots (${tmp.dir})`,
      );
    } finally {
      other.cleanup();
    }
  });

  it('a reference that is missing is reported before the row count', async () => {
    const missing = tmp.path('nope.arrow');
    const err = await liveInputDrift([], { ...base(), reference: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataUnusableError);
    expect((err as Error).message).toBe(`cannot read dataset ${missing}: file not found`);
  });

  it('a truncated reference is found out mid-read: it fails naming it, and the temporary file is removed', async () => {
    const values = makeRows(5000, 67).map((r) => r.usage);
    const stream = writeArrow(
      tmp.path('stream.arrows'),
      makeTable({ usage: { type: new Float64(), values } }, [2500, 2500]),
      'stream',
    );
    // Cut inside the second batch and end with the end-of-stream marker: the schema and the
    // first batch read, so the failure comes after the rows were written.
    const bytes = readFileSync(stream);
    const eos = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const truncated = tmp.path('truncated.arrows');
    writeFileSync(truncated, Buffer.concat([bytes.subarray(0, Math.floor(bytes.length * 0.75)), eos]));
    const err = await liveInputDrift(makeRows(300, 71), { ...base(), reference: truncated }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataUnusableError);
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot read dataset ${truncated}: corrupt Arrow IPC stream after row 2500: `),
    );
    // afterEach checks that the scratch directory is empty.
  });

  it('an aborted comparison rejects with the reason and removes the temporary file', async () => {
    const controller = new AbortController();
    controller.abort(new Error('monitor stopped'));
    await expect(liveInputDrift(makeRows(300, 73), { ...base(), signal: controller.signal })).rejects.toThrow(
      'monitor stopped',
    );
  });

  it('a row that is not a JSON object is named', async () => {
    const rows = [...makeRows(5, 79), [1, 2]] as unknown as Row[];
    const err = await liveInputDrift(rows, base()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataUnusableError);
    expect((err as Error).message).toBe(
      'cannot judge live input drift: served row 5 is an array, expected a JSON object of column values',
    );
  });

  it('an unwritable tmpDir is a DataUnusableError naming it', async () => {
    const dir = tmp.path('no-such-dir');
    const err = await liveInputDrift(makeRows(300, 83), { ...base(), tmpDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataUnusableError);
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot write the served rows to a temporary file in ${dir}: ENOENT`),
    );
  });
});
