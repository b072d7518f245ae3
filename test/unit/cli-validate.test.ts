/**
 * `mlcd validate` and `mlcd schema infer` on the example's data and its injected faults: exit
 * codes 0 / 1 / 2 and findings that name the column, the check, observed and expected values.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { schemaInferCommand, validateCommand } from '../../src/cli/data-commands';
import { pythonPath } from '../../src/config';
import type { ValidationReport } from '../../src/data/report';

const run = promisify(execFile);
const EXAMPLE = resolve(__dirname, '../../examples/churn');
const SPEC = join(EXAMPLE, 'mlcd.yaml');
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlcd-cli-validate-'));
  const common = ['--seed', '7', '--rows', '2000'];
  await Promise.all(
    ['none', 'corrupt', 'drift', 'schema'].map((fault) =>
      run(pythonPath(), [
        join(EXAMPLE, 'generate_data.py'),
        '--out',
        join(dir, fault),
        ...common,
        '--fault',
        fault,
      ]),
    ),
  );
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `mlcd validate <train of fault> --spec … --reference clean --json` in process. */
async function validate(
  fault: string,
  extra: Record<string, unknown> = {},
): Promise<{ code: number; report?: ValidationReport }> {
  const out = join(dir, `${fault}-report.json`);
  const code = await validateCommand(join(dir, fault, 'train.arrow'), {
    spec: SPEC,
    reference: join(dir, 'none', 'reference.arrow'),
    allowRoot: [dir],
    drift: true,
    out,
    ...extra,
  });
  let report: ValidationReport | undefined;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as ValidationReport;
  } catch {
    report = undefined;
  }
  return { code, report };
}

const logs: string[] = [];
beforeEach(() => {
  logs.length = 0;
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
});
afterEach(() => jest.restoreAllMocks());

describe('mlcd validate on the example data', () => {
  it('passes the clean data with the spec, the GE suite and drift against the reference (exit 0)', async () => {
    const { code, report } = await validate('none');
    expect(code).toBe(0);
    expect(report?.passed).toBe(true);
    expect(report?.expectations?.length).toBeGreaterThan(10);
    expect(report?.expectations?.every((e) => e.success)).toBe(true);
    expect(report?.drift?.judgedColumns).toBe(7);
    expect(report?.drift?.driftedColumns).toBe(0);
    expect(logs.join('\n')).toContain('PASSED');
  });

  it('fails nulls and out-of-range values naming column, check, observed and expected (exit 1)', async () => {
    const { code, report } = await validate('corrupt');
    expect(code).toBe(1);
    const byCheck = (check: string, column: string) =>
      report?.issues.find((i) => i.check === check && i.column === column && i.severity === 'error');
    expect(byCheck('nulls', 'monthly_charges')).toMatchObject({ expected: 0 });
    expect(byCheck('range', 'tenure_months')).toMatchObject({ expected: { min: 0, max: 120 } });
    expect(byCheck('range', 'tenure_months')?.rows?.count).toBeGreaterThan(0);
    expect(byCheck('domain', 'plan')).toMatchObject({
      observed: ['gold'],
      expected: ['basic', 'standard', 'premium'],
    });
    // The GE suite says the same in its own terms.
    const failed = report?.expectations?.filter((e) => !e.success).map((e) => `${e.type} ${e.column ?? ''}`);
    expect(failed).toEqual(
      expect.arrayContaining([
        'expect_column_values_to_not_be_null monthly_charges',
        'expect_column_values_to_be_between tenure_months',
        'expect_column_values_to_be_in_set plan',
      ]),
    );
  });

  it('fails drifted columns with the method, the score and the threshold (exit 1)', async () => {
    const { code, report } = await validate('drift');
    expect(code).toBe(1);
    const drifted = report?.issues.filter((i) => i.check === 'drift').map((i) => i.column);
    expect(drifted).toEqual(expect.arrayContaining(['monthly_charges', 'plan', 'churned']));
    const charges = report?.issues.find((i) => i.check === 'drift' && i.column === 'monthly_charges');
    expect(charges?.message).toMatch(/wasserstein \d+(\.\d+)? >= 0\.1/);
    expect(charges?.expected).toEqual({ wasserstein: { below: 0.1 } });
  });

  it('fails a schema change: a missing column and a changed type (exit 1)', async () => {
    const { code, report } = await validate('schema');
    expect(code).toBe(1);
    expect(report?.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'column_present', column: 'region', severity: 'error' }),
        expect.objectContaining({
          check: 'type',
          column: 'tenure_months',
          expected: 'integer',
          observed: 'Float64',
        }),
      ]),
    );
  });

  it('exits 2 on unusable input: a missing file, a corrupt file, a schema that does not parse, a path outside the roots', async () => {
    const missing = await validateCommand(join(dir, 'nope.arrow'), { allowRoot: [dir], drift: true });
    expect(missing).toBe(2);
    const corrupt = join(dir, 'corrupt.arrow');
    writeFileSync(corrupt, Buffer.concat([Buffer.from('ARROW1\0\0'), Buffer.alloc(64, 7)]));
    expect(await validateCommand(corrupt, { allowRoot: [dir], drift: true })).toBe(2);
    const badSchema = join(dir, 'bad-schema.yaml');
    writeFileSync(badSchema, 'columns:\n  x: { type: decimal }\n');
    expect(
      await validateCommand(join(dir, 'none', 'train.arrow'), {
        allowRoot: [dir],
        drift: true,
        schema: badSchema,
      }),
    ).toBe(2);
    expect(logs.join('\n')).toContain('columns.x.type');
    expect(
      await validateCommand(join(dir, 'none', 'train.arrow'), {
        allowRoot: [join(dir, 'drift')],
        drift: true,
      }),
    ).toBe(2);
    expect(logs.join('\n')).toMatch(/outside the allowed/);
  });

  it('schema infer writes a schema the clean data passes and the corrupt data fails', async () => {
    const schema = join(dir, 'schema.yaml');
    const code = await schemaInferCommand(join(dir, 'none', 'reference.arrow'), {
      output: schema,
      maxCategories: 50,
      allowRoot: [dir],
    });
    expect(logs.join('\n')).toContain('7 columns from 1000 rows');
    expect(code).toBe(0);
    const text = readFileSync(schema, 'utf8');
    expect(text).toContain('plan:');
    expect(text).toMatch(/values:\n\s+- basic\n\s+- premium\n\s+- standard/);
    expect(
      await validateCommand(join(dir, 'none', 'eval.arrow'), { allowRoot: [dir], drift: false, schema }),
    ).toBe(0);
    expect(
      await validateCommand(join(dir, 'corrupt', 'train.arrow'), { allowRoot: [dir], drift: false, schema }),
    ).toBe(1);
  });

  it('--json prints the report on stdout', async () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await validateCommand(join(dir, 'none', 'eval.arrow'), {
      allowRoot: [dir],
      drift: false,
      json: true,
    });
    const printed = write.mock.calls.map((c) => String(c[0])).join('');
    expect(code).toBe(0);
    expect((JSON.parse(printed) as ValidationReport).rows).toBe(1000);
  });
});

describe('schema inference', () => {
  it('marks integer and string identifiers unique, never a continuous float column', async () => {
    const { inferSchema } = await import('../../src/data/schema-file');
    const { profileDataset } = await import('../../src/data/profile-dataset');
    const fixtures = resolve(__dirname, '../fixtures/profile');
    const profile = await profileDataset(join(fixtures, 'reference.arrow'), { allowedRoots: [fixtures] });
    const rules = inferSchema(profile.profilers, profile.rows);
    // `shift` and `lognormal` are float64 with every value distinct; `ints` repeats values.
    expect(rules.columns.shift?.unique).toBe(false);
    expect(rules.columns.lognormal?.unique).toBe(false);
    expect(rules.columns.ints?.unique).toBe(false);
    expect(rules.columns.plan?.values).toEqual(['basic', 'premium', 'standard']);
  });
});

describe('schema inference past the exact distinct range', () => {
  it('settles identifiers with an exact pass: unique, and no numeric range', async () => {
    const { Int32, Utf8 } = await import('apache-arrow');
    const { makeTable, writeArrow } = await import('../fixtures/data/arrow-fixtures');
    const { parse } = await import('yaml');
    const rows = 100_000;
    const ids = Array.from({ length: rows }, (_, i) => i * 3);
    const names = Array.from({ length: rows }, (_, i) => `n${i % (rows - 10)}`); // 10 repeats
    const path = writeArrow(
      join(dir, 'ids.arrow'),
      makeTable(
        { id: { type: new Int32(), values: ids }, name: { type: new Utf8(), values: names } },
        [40_000, 60_000],
      ),
    );
    const schema = join(dir, 'ids-schema.yaml');
    expect(await schemaInferCommand(path, { output: schema, maxCategories: 50, allowRoot: [dir] })).toBe(0);
    const columns = (
      parse(readFileSync(schema, 'utf8')) as { columns: Record<string, Record<string, unknown>> }
    ).columns;
    expect(columns.id).toMatchObject({ type: 'integer', unique: true });
    expect(columns.id).not.toHaveProperty('min');
    expect(columns.name).toMatchObject({ type: 'string', unique: false });
  });
});
