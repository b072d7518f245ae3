/**
 * Validation split over worker threads gives the report of a single pass: same profiles, issues
 * (in the same order), expectation results and drift. The workers run the compiled entry in
 * dist/ (`npm test` builds before jest).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { tableFromIPC, tableToIPC } from 'apache-arrow';

import type { ValidationSpec } from '../../src/core/spec/types';
import { columnWeight, partitionColumns, runPartsInParallel } from '../../src/data/parallel-validation';
import { openDataset } from '../../src/data/readers/open-dataset';
import { defaultValidationSpec, runValidation } from '../../src/data/run-validation';
import type { ValidationReport } from '../../src/data/report';
import type { Expectation } from '../../src/expectations/types';

const FIXTURES = resolve(__dirname, '../fixtures/profile');
const WORKER = resolve(__dirname, '../../dist/src/data/validation-worker.js');
let dir: string;

beforeAll(() => {
  if (!existsSync(WORKER))
    throw new Error(`${WORKER} is missing: run \`npm run build\` first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'mlcd-parallel-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validation(extra: Partial<ValidationSpec> = {}): ValidationSpec {
  return { ...defaultValidationSpec(), ...extra };
}

function withoutDuration(r: ValidationReport): Omit<ValidationReport, 'durationMs'> {
  const { durationMs: _d, ...rest } = r;
  return rest;
}

describe('parallel validation', () => {
  it('equals the single-thread report, issue for issue', async () => {
    const expectations = join(dir, 'suite.json');
    writeFileSync(
      expectations,
      JSON.stringify({
        name: 'parallel',
        expectations: [
          { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1, max_value: 20000 } },
          { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'normal' } },
          {
            type: 'expect_column_values_to_be_between',
            kwargs: { column: 'counts', min_value: 0, max_value: 8 },
          },
          { type: 'expect_compound_columns_to_be_unique', kwargs: { column_list: ['ints', 'plan'] } },
          {
            type: 'expect_column_values_to_be_in_set',
            kwargs: { column: 'region', value_set: ['north', 'south', 'east', 'west'] },
          },
          {
            type: 'expect_column_mean_to_be_between',
            kwargs: { column: 'shift', min_value: -0.1, max_value: 0.1 },
          },
          { type: 'expect_column_values_to_be_unique', kwargs: { column: 'lognormal' } },
        ],
      }),
    );
    const spec = validation({
      expectationsFile: expectations,
      columns: {
        normal: {
          type: 'number',
          required: true,
          nullable: false,
          maxNullFraction: 1,
          min: 20,
          max: 80,
          unique: false,
        },
        plan: {
          type: 'string',
          required: true,
          nullable: true,
          maxNullFraction: 0.05,
          values: ['basic', 'standard'],
          unique: false,
        },
        ints: { type: 'integer', required: true, nullable: false, maxNullFraction: 1, unique: true },
        missing: { type: 'number', required: true, nullable: false, maxNullFraction: 1, unique: false },
      },
    });
    const common = {
      allowedRoots: [FIXTURES, dir],
      reference: join(FIXTURES, 'reference.arrow'),
      batchRows: 4000,
    };
    const single = await runValidation(join(FIXTURES, 'current.arrow'), spec, { ...common, workers: 1 });
    const parallel = await runValidation(join(FIXTURES, 'current.arrow'), spec, {
      ...common,
      workers: 2,
      workerScript: WORKER,
    });
    expect(single.passed).toBe(false);
    expect(new Set(single.issues.map((i) => i.check))).toEqual(
      new Set([
        'column_present',
        'nulls',
        'non_finite',
        'range',
        'domain',
        'unique',
        'expectation',
        'drift',
        'dataset_drift',
      ]),
    );
    expect(withoutDuration(parallel)).toEqual(withoutDuration(single));
  });

  it('a corrupt file is reported as unusable from a worker too', async () => {
    const bad = join(dir, 'bad.arrows');
    // An Arrow stream cut in its body: the schema opens, the workers fail reading batches.
    const table = tableFromIPC(readFileSync(join(FIXTURES, 'current.arrow')));
    const bytes = tableToIPC(table, 'stream');
    writeFileSync(bad, bytes.subarray(0, Math.floor(bytes.length / 3)));
    await expect(
      runValidation(bad, validation(), { allowedRoots: [FIXTURES, dir], workers: 2, workerScript: WORKER }),
    ).rejects.toMatchObject({
      type: 'DataUnusable',
      message: expect.stringContaining('bad.arrows') as unknown,
    });
  });

  it('a cancelled validation stops its worker threads and rejects with the reason', async () => {
    const tickFile = join(dir, 'ticks');
    writeFileSync(tickFile, '');
    const controller = new AbortController();
    const reason = new Error('release cancelled');
    const schema = { format: 'arrow-file' as const, columns: [] };
    // The stand-in worker reads only tickFile; the rest of a part's input is never used.
    const base = { tickFile, expectations: [] } as unknown as Parameters<typeof runPartsInParallel>[0];
    const run = runPartsInParallel(base, schema, [['a'], ['b']], [], {
      script: resolve(__dirname, '../fixtures/data/endless-validation-worker.js'),
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    });
    await expect(run).rejects.toBe(reason);
    // Terminated workers tick no more (a running one ticks every 10 ms).
    await new Promise((r) => setTimeout(r, 100));
    const ticks = readFileSync(tickFile, 'utf8').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(tickFile, 'utf8').length).toBe(ticks);
  });

  it('a cancelled single-thread validation stops at the next batch', async () => {
    const controller = new AbortController();
    const reason = new Error('release cancelled');
    let batches = 0;
    const run = runValidation(join(FIXTURES, 'current.arrow'), validation(), {
      allowedRoots: [FIXTURES],
      workers: 1,
      batchRows: 1000,
      signal: controller.signal,
      onProgress: () => {
        batches++;
        controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(batches).toBe(1);
  });

  it('keeps the columns of a multi-column expectation in one part and balances the rest', async () => {
    const reader = await openDataset(join(FIXTURES, 'current.arrow'), { allowedRoots: [FIXTURES] });
    const schema = reader.schema();
    await reader.close();
    const compound = {
      type: 'expect_compound_columns_to_be_unique',
      kwargs: { column_list: ['normal', 'flag'], ignore_row_if: 'all_values_are_missing', mostly: 1 },
      severity: 'error',
    } as unknown as Expectation;
    const { groups, expectationGroup } = partitionColumns(schema, [compound], 2);
    expect(groups).toHaveLength(2);
    expect(groups.flat().sort()).toEqual(schema.columns.map((c) => c.name).sort());
    const withNormal = groups.findIndex((g) => g.includes('normal'));
    expect(groups[withNormal]).toContain('flag');
    expect(expectationGroup).toEqual([withNormal]);
    // Greedy balance: the parts' estimated work differs by at most the heaviest column's.
    const weight = new Map(schema.columns.map((c) => [c.name, columnWeight(c)] as const));
    const load = groups.map((g) => g.reduce((sum, name) => sum + (weight.get(name) ?? 0), 0));
    const heaviest = Math.max(...weight.values());
    expect(Math.abs((load[0] ?? 0) - (load[1] ?? 0))).toBeLessThanOrEqual(heaviest + 1);
  });
});
