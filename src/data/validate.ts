import { performance } from 'node:perf_hooks';

import { P_VALUE_DRIFT_METHODS } from '../core/spec/types';
import type { ColumnRule, DriftMethod, DriftSpec, SchemaRules } from '../core/spec/types';
import type { Expectation, ExpectationResult } from '../expectations/types';
import { ExpectationRunner } from '../expectations/runner';

import { ColumnAccumulator } from './column-accumulator';
import type { ColumnProfiler } from './column-profiler';
import { columnIssues } from './column-issues';
import { datasetDrift } from './dataset-drift';
import { profilerAggregates } from './profiler-aggregates';
import { profileDataset } from './profile-dataset';
import { openDataset } from './readers/open-dataset';
import type { DatasetProfile, GridRange } from './profile-dataset';
import { MAX_EXAMPLE_ROWS } from './report';
import type { DatasetSchema } from './readers/types';
import type { DriftReport, IssueValue, ValidationIssue, ValidationReport } from './report';

export { summarizeReport } from './summarize-report';
export type { ColumnProfile, ValidationIssue, ValidationReport } from './report';

/** String columns with more distinct values than this get a `high_cardinality` warning. */
export const HIGH_CARDINALITY = 100_000;

/** Options of `validateDataset`. */
export interface ValidateDatasetOptions {
  /** Absolute directories the file must lie within (symlinks resolved). */
  allowedRoots: readonly string[];
  /** Called after each batch with the rows read so far (activities heartbeat with it). */
  onProgress?: (rowsProcessed: number) => void;
  /** Rows per batch; see `OpenDatasetOptions.batchRows`. Default 65 536. */
  batchRows?: number;
  /** Expectations to evaluate in the same pass (see src/expectations). */
  expectations?: readonly Expectation[];
  /** The reference's profile (`profileDataset`) and how to judge drift against it. */
  reference?: { profile: DatasetProfile; drift: DriftSpec };
  /** Recorded in the report as the rule files used, with their SHA-256. */
  inputs?: ValidationReport['inputs'];
  /**
   * Validate only these columns (a part of a parallel run, see parallel-validation.ts): column
   * rules, profiles and drift for them alone. Default: every column.
   */
  columns?: readonly string[];
  /** Emit the table-level issues (row count, column presence, extra columns). Default true. */
  tableChecks?: boolean;
  /** Numeric columns to count on a fine grid for drift, and maybe quantiles (see `gridRanges`). */
  grids?: ReadonlyMap<string, GridRange>;
}

/**
 * The expectations' second pass, when a compound-uniqueness shortcut could not settle its check
 * (see `CompoundUniqueEvaluator`): only the columns it names are read again.
 */
async function rescanIfNeeded(
  runner: ExpectationRunner,
  file: string,
  rules: SchemaRules,
  opts: ValidateDatasetOptions,
): Promise<void> {
  const columns = runner.rescanColumns();
  if (columns === undefined) return;
  const reader = await openDataset(file, {
    allowedRoots: opts.allowedRoots,
    columns,
    stringColumns: stringColumnsOf(rules),
    ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}),
  });
  try {
    for await (const batch of reader.batches()) runner.rescan(batch);
  } finally {
    await reader.close();
  }
}

function stringColumnsOf(rules: SchemaRules): string[] {
  return Object.entries(rules.columns)
    .filter(([, rule]) => rule.type === 'string')
    .map(([name]) => name);
}

/**
 * Validates a dataset in one streaming pass and returns the report; it does not throw on failed
 * checks (`report.passed` says whether any error was found).
 *
 * Checks: row count within [minRows, maxRows]; every ruled column present (a missing optional
 * column is a warning); no extra column unless `allowExtraColumns`; each column's type;
 * nulls; no NaN / ±Infinity in numeric columns; values within [min, max] and within the
 * categorical `values`; `unique` columns; every expectation; drift of each column against the
 * reference and the share of drifted columns. Warnings: all-null and very high-cardinality
 * columns, and whatever a rule marks as a warning.
 *
 * @param path - a local path or `file://` URI (Arrow IPC, Parquet, CSV)
 * @throws DataUnusableError when the file cannot be read at all (see `openDataset`)
 */
export async function validateDataset(
  path: string,
  rules: SchemaRules,
  opts: ValidateDatasetOptions,
): Promise<ValidationReport> {
  const started = performance.now();
  const ruleFor = (name: string) => (Object.hasOwn(rules.columns, name) ? rules.columns[name] : undefined);
  const selected = opts.columns ? new Set(opts.columns) : undefined;
  const inPart = (name: string): boolean => selected === undefined || selected.has(name);
  const tableChecks = opts.tableChecks ?? true;
  const stringColumns = stringColumnsOf(rules);
  // Schema `unique` rules run on the expectation engine's duplicate finder.
  const uniqueExpectations: Expectation[] = Object.entries(rules.columns)
    .filter(([column, rule]) => rule.unique && inPart(column))
    .map(
      ([column]) =>
        ({ type: 'expect_column_values_to_be_unique', kwargs: { column }, severity: 'error' }) as Expectation,
    );
  const userExpectations = opts.expectations ?? [];

  let accumulators: ColumnAccumulator[] = [];
  let runner: ExpectationRunner | undefined;
  const profile = await profileDataset(path, {
    allowedRoots: opts.allowedRoots,
    ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}),
    stringColumns,
    ...(opts.columns !== undefined ? { columns: opts.columns } : {}),
    ...(opts.grids !== undefined ? { grids: opts.grids } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    onSchema: (schema, profilers) => {
      accumulators = schema.columns
        .filter((column) => inPart(column.name))
        .map((column) => new ColumnAccumulator(column, ruleFor(column.name)));
      const all = [...uniqueExpectations, ...userExpectations];
      if (all.length > 0) runner = new ExpectationRunner(all, schema);
      // A column the checks index exactly needs no distinct-count sketch of its own.
      for (const p of profilers) {
        const index = runner?.indexes.get(p.column.name);
        if (index !== undefined)
          p.setExactDistinctSource({
            get size() {
              return index.distinct;
            },
          });
      }
    },
    onBatch: (batch) => {
      for (const acc of accumulators) {
        const columnBatch = batch.columns.get(acc.column.name);
        if (columnBatch) acc.add(columnBatch, batch.rowOffset);
      }
      runner?.add(batch);
    },
  });
  const { file, rows, schema, profilers } = profile;

  const issues: ValidationIssue[] = tableChecks ? tableIssues(file, rows, schema, rules) : [];
  // Per column in file order: its rule issues, then its warnings (accumulators and profilers
  // hold the same columns in the same order).
  profilers.forEach((p, i) => {
    const acc = accumulators[i];
    if (acc) issues.push(...columnIssues(file, acc, { min: p.min, max: p.max }));
    issues.push(...columnWarnings(file, rows, p, ruleFor(p.column.name)));
  });

  let expectations: ExpectationResult[] | undefined;
  if (runner) {
    await rescanIfNeeded(runner, file, rules, opts);
    const results = runner.finish(profilerAggregates(profile));
    for (const r of results.slice(0, uniqueExpectations.length))
      if (!r.success) issues.push(resultIssue(file, r, 'unique'));
    expectations = results.slice(uniqueExpectations.length);
    issues.push(...expectationIssues(file, expectations));
  }

  let drift: ValidationReport['drift'];
  if (opts.reference && opts.reference.drift.enabled) {
    drift = datasetDrift(opts.reference.profile, profile, opts.reference.drift, rules);
    issues.push(...driftIssues(file, drift, opts.reference.drift));
  }

  return {
    file,
    rows,
    columns: profilers.map((p) => p.profile()),
    issues,
    ...(expectations !== undefined ? { expectations } : {}),
    ...(drift !== undefined ? { drift } : {}),
    passed: !issues.some((i) => i.severity === 'error'),
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    inputs: opts.inputs ?? { sha256: {} },
  };
}

/** All-null and very high-cardinality columns: warnings, never failures. */
function columnWarnings(
  file: string,
  rows: number,
  p: ColumnProfiler,
  rule: ColumnRule | undefined,
): ValidationIssue[] {
  const name = p.column.name;
  const out: ValidationIssue[] = [];
  // A non-nullable rule already reports the nulls as an error.
  if (rows > 0 && p.nulls === rows && (rule === undefined || rule.nullable)) {
    out.push({
      severity: 'warning',
      check: 'all_null',
      file,
      column: name,
      message: `column ${name}: every one of the ${rows} values is null`,
      observed: rows,
    });
  }
  if (p.column.kind === 'string' && p.distinctEstimate() > HIGH_CARDINALITY) {
    const distinct = Math.round(p.distinctEstimate());
    out.push({
      severity: 'warning',
      check: 'high_cardinality',
      file,
      column: name,
      message: `column ${name}: about ${distinct} distinct values; its category counts keep the most frequent ones and drift leaves it out`,
      observed: distinct,
      expected: { atMost: HIGH_CARDINALITY },
    });
  }
  return out;
}

/** Row count, column presence and extra columns: the checks of the table as a whole. */
export function tableIssues(
  file: string,
  rows: number,
  schema: DatasetSchema,
  rules: SchemaRules,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const rowIssue = rowCountIssue(file, rows, rules);
  if (rowIssue) issues.push(rowIssue);
  const present = new Set(schema.columns.map((c) => c.name));
  for (const [name, rule] of Object.entries(rules.columns)) {
    if (present.has(name)) continue;
    issues.push({
      severity: rule.required ? 'error' : 'warning',
      check: 'column_present',
      file,
      column: name,
      message: rule.required ? `column ${name} is missing` : `optional column ${name} is absent`,
      expected: rule.type,
    });
  }
  if (!rules.allowExtraColumns) {
    for (const column of schema.columns) {
      if (Object.hasOwn(rules.columns, column.name)) continue;
      issues.push({
        severity: 'error',
        check: 'unexpected_column',
        file,
        column: column.name,
        message: `unexpected column ${column.name} (${column.sourceType}); the schema does not allow extra columns`,
        observed: column.sourceType,
      });
    }
  }
  return issues;
}

/** One issue per failed expectation, in the expectations' order. */
export function expectationIssues(file: string, results: readonly ExpectationResult[]): ValidationIssue[] {
  return results.filter((r) => !r.success).map((r) => resultIssue(file, r, 'expectation'));
}

/** One issue per drifted column, then the dataset rule's when it fails. */
export function driftIssues(file: string, drift: DriftReport, spec: DriftSpec): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const c of drift.columns) {
    if (!c.drifted) continue;
    const test = P_VALUE_DRIFT_METHODS.includes(c.method as DriftMethod);
    issues.push({
      severity: spec.columnSeverity,
      check: 'drift',
      file,
      column: c.column,
      message:
        `column ${c.column} drifted from the reference: ${c.method} ${test ? 'p-value ' : ''}${num(c.score)} ` +
        `${test ? '<' : '>='} ${c.threshold}${c.approximate ? ' (from sketches)' : ''}`,
      observed: { [c.method]: c.score },
      expected: test ? { [c.method]: { atLeast: c.threshold } } : { [c.method]: { below: c.threshold } },
    });
  }
  if (drift.datasetDrift) {
    issues.push({
      severity: 'error',
      check: 'dataset_drift',
      file,
      message:
        `${drift.driftedColumns} of ${drift.judgedColumns} columns drifted (${(drift.driftedShare * 100).toFixed(1)}%), ` +
        `more than the allowed share ${drift.maxDriftedShare}`,
      observed: drift.driftedShare,
      expected: { atMost: drift.maxDriftedShare },
    });
  }
  return issues;
}

function resultIssue(file: string, r: ExpectationResult, check: 'unique' | 'expectation'): ValidationIssue {
  const column = r.column ?? (r.columns !== undefined ? r.columns.join(', ') : undefined);
  return {
    severity: r.severity,
    check,
    file,
    ...(column !== undefined ? { column } : {}),
    message: check === 'unique' ? r.message : `${r.type}: ${r.message}`,
    observed: r.observed,
    expected: r.expected,
    ...(r.rows !== undefined
      ? { rows: { count: r.rows.count, first: r.rows.first.slice(0, MAX_EXAMPLE_ROWS) } }
      : {}),
  };
}

function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

function rowCountIssue(file: string, rows: number, rules: SchemaRules): ValidationIssue | undefined {
  const { minRows, maxRows } = rules;
  if (rows >= minRows && (maxRows === undefined || rows <= maxRows)) return undefined;
  const bound = maxRows !== undefined && rows > maxRows ? `at most ${maxRows}` : `at least ${minRows}`;
  const expected: IssueValue = maxRows === undefined ? { min: minRows } : { min: minRows, max: maxRows };
  return {
    severity: 'error',
    check: 'row_count',
    file,
    message: `${rows} row${rows === 1 ? '' : 's'}, expected ${bound}`,
    observed: rows,
    expected,
  };
}
