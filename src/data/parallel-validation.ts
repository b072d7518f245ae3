/**
 * Validation on several cores: the columns are split into parts, each part is validated on a
 * worker thread reading only its columns (Parquet skips the other column chunks), and the parts'
 * reports are merged into the one a single pass would give. Columns that an expectation reads
 * together stay in one part; table-level checks and table expectations run in the first part.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { DataUnusableError } from '../core/errors';
import type { Expectation } from '../expectations/types';

import { driftSummary } from './dataset-drift';
import type { DatasetSchema } from './readers/types';
import type { ColumnDrift, DriftReport, ValidationIssue, ValidationReport } from './report';
import { driftIssues, expectationIssues } from './validate';
import type { PartProgress, ValidationPartInput } from './validation-part';
import type { ValidationWorkerMessage } from './validation-worker';

/** The compiled worker entry next to this module (absent when running from TypeScript sources). */
export const DEFAULT_WORKER_SCRIPT = join(__dirname, 'validation-worker.js');

/** Whether parallel validation can run: the compiled worker script exists. */
export function workerScriptAvailable(script = DEFAULT_WORKER_SCRIPT): boolean {
  return existsSync(script);
}

/** The data columns an expectation reads; `table` for table-level expectations. */
export function expectationColumns(e: Expectation): string[] | 'table' {
  if (e.type.startsWith('expect_table_')) return 'table';
  const k = e.kwargs as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const key of ['column', 'column_A', 'column_B']) if (typeof k[key] === 'string') out.push(k[key]);
  if (Array.isArray(k.column_list)) for (const c of k.column_list) if (typeof c === 'string') out.push(c);
  return out.length > 0 ? out : 'table';
}

/**
 * Relative work per row, for balancing the parts (from CPU profiles of the benchmark data):
 * a numeric column's profile is 1; a plain UTF-8 column decodes every string (dictionary columns
 * decode each entry once); exact-distinct expectations hash every value into a table.
 */
export function columnWeight(column: DatasetSchema['columns'][number]): number {
  switch (column.kind) {
    case 'number':
      // Integer columns are mostly counts with few distinct values, profiled from exact value
      // counts without the quantile and distinct sketches.
      return column.integer ? 0.6 : 1;
    case 'string':
      return column.dictionaryEncoded === true ? 0.6 : 3.8;
    case 'boolean':
      return 0.3;
    default:
      return 0.1;
  }
}

/**
 * Extra work of an expectation, in the same units. The uniqueness and distinct-count checks of a
 * column share one value index (dense for integers), so only the first is heavy; a compound
 * check leaning on that index costs a missing-value scan.
 */
const EXPECTATION_WEIGHT: Readonly<Record<string, number>> = {
  expect_column_values_to_be_unique: 1,
  expect_compound_columns_to_be_unique: 1,
  expect_select_column_values_to_be_unique_within_record: 1,
  expect_multicolumn_values_to_be_unique: 1,
  expect_column_proportion_of_unique_values_to_be_between: 1,
  expect_column_unique_value_count_to_be_between: 1,
  expect_column_values_to_match_regex: 0.5,
  expect_column_values_to_not_match_regex: 0.5,
};

/**
 * Splits the schema's columns into at most `parts` groups of about equal work; columns that one
 * expectation reads together land in the same group. Returns the groups (each in file order) and,
 * per expectation, its group.
 */
export function partitionColumns(
  schema: DatasetSchema,
  expectations: readonly Expectation[],
  parts: number,
): { groups: string[][]; expectationGroup: number[] } {
  const names = schema.columns.map((c) => c.name);
  const index = new Map(names.map((n, i) => [n, i]));
  // Union-find over columns linked by a multi-column expectation.
  const parent = names.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] as number] as number;
    return i;
  };
  for (const e of expectations) {
    const cols = expectationColumns(e);
    if (cols === 'table') continue;
    const ids = cols.map((c) => index.get(c)).filter((i): i is number => i !== undefined);
    for (const i of ids.slice(1)) parent[find(i)] = find(ids[0] as number);
  }
  const clusters = new Map<number, number[]>();
  names.forEach((_, i) => {
    const root = find(i);
    clusters.set(root, [...(clusters.get(root) ?? []), i]);
  });
  // Expectation work counts on the first column it reads (the cluster holds them all).
  const extra = names.map(() => 0);
  for (const e of expectations) {
    const cols = expectationColumns(e);
    if (cols === 'table') continue;
    const i = index.get(cols[0] as string);
    if (i !== undefined) extra[i] = (extra[i] as number) + (EXPECTATION_WEIGHT[e.type] ?? 0.3);
  }
  const weightOf = (ids: number[]): number =>
    ids.reduce(
      (sum, i) =>
        sum + columnWeight(schema.columns[i] as DatasetSchema['columns'][number]) + (extra[i] as number),
      0,
    );
  // Greedy: heaviest cluster first, into the lightest group.
  const groups: number[][] = Array.from({ length: Math.max(1, Math.min(parts, clusters.size)) }, () => []);
  const load = groups.map(() => 0);
  for (const ids of [...clusters.values()].sort((a, b) => weightOf(b) - weightOf(a))) {
    let best = 0;
    for (let g = 1; g < groups.length; g++) if ((load[g] as number) < (load[best] as number)) best = g;
    groups[best]?.push(...ids);
    load[best] = (load[best] as number) + weightOf(ids);
  }
  const groupOfColumn = new Map<string, number>();
  const named = groups.map((ids, g) =>
    ids
      .sort((a, b) => a - b)
      .map((i) => {
        const n = names[i] as string;
        groupOfColumn.set(n, g);
        return n;
      }),
  );
  const expectationGroup = expectations.map((e) => {
    const cols = expectationColumns(e);
    if (cols === 'table') return 0;
    for (const c of cols) {
      const g = groupOfColumn.get(c);
      if (g !== undefined) return g;
    }
    return 0; // every column missing from the file: the first part reports it
  });
  return { groups: named, expectationGroup };
}

/** Why a signal was aborted, as an Error (Temporal's cancellation reason is one already). */
function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error(`validation aborted: ${String(reason)}`);
}

/** Runs one part on a worker thread. */
function runPartOnWorker(
  script: string,
  input: ValidationPartInput,
  onProgress?: PartProgress,
  signal?: AbortSignal,
): Promise<ValidationReport> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const worker = new Worker(script, { workerData: input });
    let settled = false;
    const onAbort = (): void => settle(() => reject(abortReason(signal)));
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: ValidationWorkerMessage) => {
      if (m.type === 'progress') onProgress?.(m.phase, m.rows);
      else if (m.type === 'done') settle(() => resolve(m.report));
      else
        settle(() =>
          reject(
            m.kind === 'DataUnusable'
              ? new DataUnusableError(m.message)
              : new Error(`validation worker: ${m.message}`),
          ),
        );
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`validation worker exited with code ${code} before reporting`))),
    );
  });
}

/**
 * Validates `base` split into `groups` on worker threads and merges the reports.
 * @param base - the whole validation as one part (all expectations, `columns` unset)
 */
export async function runPartsInParallel(
  base: ValidationPartInput,
  schema: DatasetSchema,
  groups: string[][],
  expectationGroup: number[],
  opts: { script?: string; onProgress?: PartProgress; signal?: AbortSignal } = {},
): Promise<ValidationReport> {
  const script = opts.script ?? DEFAULT_WORKER_SCRIPT;
  const started = performance.now();
  // Progress: the slowest part's rows, per phase.
  const seen = groups.map(() => ({ reference: 0, data: 0 }));
  // One part failing (or the caller aborting) stops the others: their work would be thrown away.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const parts = groups.map((columns, g) => {
    const input: ValidationPartInput = {
      ...base,
      columns,
      expectations: base.expectations.filter((_, i) => expectationGroup[i] === g),
      tableChecks: g === 0,
    };
    return runPartOnWorker(
      script,
      input,
      (phase, rows) => {
        const s = seen[g];
        if (s) s[phase] = rows;
        opts.onProgress?.(phase, Math.min(...seen.map((x) => x[phase])));
      },
      stop.signal,
    ).catch((err: unknown) => {
      stop.abort(err);
      throw err;
    });
  });
  let reports: ValidationReport[];
  try {
    reports = await Promise.all(parts);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return mergeReports(base, schema, reports, expectationGroup, performance.now() - started);
}

/** The single report of a split validation, ordered as one pass would order it. */
export function mergeReports(
  base: ValidationPartInput,
  schema: DatasetSchema,
  reports: readonly ValidationReport[],
  expectationGroup: readonly number[],
  durationMs: number,
): ValidationReport {
  const first = reports[0];
  if (!first) throw new Error('no parts to merge');
  const order = new Map(schema.columns.map((c, i) => [c.name, i]));
  const byFileOrder =
    <T>(key: (x: T) => string | undefined) =>
    (a: T, b: T): number =>
      (order.get(key(a) ?? '') ?? -1) - (order.get(key(b) ?? '') ?? -1);

  const columns = reports.flatMap((r) => r.columns).sort(byFileOrder((p) => p.name));
  // Expectation results back in the suite's order.
  const cursors = reports.map(() => 0);
  const expectations =
    base.expectations.length > 0
      ? expectationGroup.map((g) => {
          const r = reports[g]?.expectations?.[cursors[g] as number];
          cursors[g] = (cursors[g] as number) + 1;
          if (!r) throw new Error(`part ${g} returned too few expectation results`);
          return r;
        })
      : undefined;

  let drift: DriftReport | undefined;
  if (reports.some((r) => r.drift)) {
    const parts = reports.flatMap((r) => (r.drift ? [r.drift] : []));
    const driftColumns: ColumnDrift[] = parts.flatMap((d) => d.columns).sort(byFileOrder((c) => c.column));
    const skipped = parts.flatMap((d) => d.skipped).sort(byFileOrder((s) => s.column));
    const head = parts[0] as DriftReport;
    drift = driftSummary(
      head.reference,
      head.referenceRows,
      driftColumns,
      skipped,
      base.drift.maxDriftedShare,
    );
  }

  // Issues in one pass's order: table, then per column in file order, then unique columns,
  // then expectations in suite order, then drift.
  const TABLE = new Set(['row_count', 'column_present', 'unexpected_column']);
  const all = reports.flatMap((r) => r.issues);
  const table = all.filter((i) => TABLE.has(i.check));
  const perColumn = all
    .filter(
      (i) => !TABLE.has(i.check) && !['unique', 'expectation', 'drift', 'dataset_drift'].includes(i.check),
    )
    .sort(byFileOrder((i: ValidationIssue) => i.column));
  const unique = all.filter((i) => i.check === 'unique').sort(byFileOrder((i: ValidationIssue) => i.column));
  const issues: ValidationIssue[] = [
    ...table,
    ...perColumn,
    ...unique,
    ...(expectations ? expectationIssues(first.file, expectations) : []),
    ...(drift ? driftIssues(first.file, drift, base.drift) : []),
  ];
  return {
    file: first.file,
    rows: first.rows,
    columns,
    issues,
    ...(expectations !== undefined ? { expectations } : {}),
    ...(drift !== undefined ? { drift } : {}),
    passed: !issues.some((i) => i.severity === 'error'),
    durationMs: Math.round(durationMs * 1000) / 1000,
    inputs: base.inputs,
  };
}
