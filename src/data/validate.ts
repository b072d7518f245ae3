import { performance } from 'node:perf_hooks';

import type { ColumnRule, ValidationSpec } from '../core/spec/types';

import { ColumnAccumulator } from './column-accumulator';
import { columnIssues } from './column-issues';
import { openDataset } from './readers/open-dataset';
import type { ValidationIssue, ValidationReport } from './report';

export { summarizeReport } from './summarize-report';
export type { ColumnProfile, ValidationIssue, ValidationReport } from './report';

/** Options of `validateDataset`. */
export interface ValidateDatasetOptions {
  /** Absolute directories the file must lie within (symlinks resolved). */
  allowedRoots: readonly string[];
  /** Called after each batch with the rows read so far (activities heartbeat with it). */
  onProgress?: (rowsProcessed: number) => void;
  /** Rows per batch; see `OpenDatasetOptions.batchRows`. Default 65 536. */
  batchRows?: number;
}

/**
 * Validates a dataset against the spec's rules in one streaming pass and returns the report
 * (it does not throw on failed checks: `report.passed` says whether any error was found).
 *
 * Checks: row count within [minRows, maxRows]; every spec column present (a missing optional
 * column is a warning); no extra column unless `allowExtraColumns`; each column's type;
 * nulls (none when not nullable, at most `maxNullFraction` when nullable); no NaN / ±Infinity
 * in numeric columns; values within [min, max]; values within the categorical `values`.
 *
 * @param path - a local path or `file://` URI (`.arrow`, `.feather`, `.ipc`, `.csv`)
 * @throws DataUnusableError when the file cannot be read at all (see `openDataset`)
 */
export async function validateDataset(
  path: string,
  spec: ValidationSpec,
  opts: ValidateDatasetOptions,
): Promise<ValidationReport> {
  const started = performance.now();
  const ruleFor = (name: string): ColumnRule | undefined =>
    Object.hasOwn(spec.columns, name) ? spec.columns[name] : undefined;
  const stringColumns = Object.entries(spec.columns)
    .filter(([, rule]) => rule.type === 'string')
    .map(([name]) => name);

  const reader = await openDataset(path, {
    allowedRoots: opts.allowedRoots,
    batchRows: opts.batchRows,
    stringColumns,
  });
  const file = reader.path;
  try {
    const schema = reader.schema();
    const accumulators = schema.columns.map((column) => new ColumnAccumulator(column, ruleFor(column.name)));
    let rows = 0;
    for await (const batch of reader.batches()) {
      for (const acc of accumulators) {
        const columnBatch = batch.columns.get(acc.column.name);
        if (columnBatch) acc.add(columnBatch, batch.rowOffset);
      }
      rows += batch.numRows;
      opts.onProgress?.(rows);
    }

    const issues: ValidationIssue[] = [];
    const rowIssue = rowCountIssue(file, rows, spec);
    if (rowIssue) issues.push(rowIssue);
    const present = new Set(schema.columns.map((c) => c.name));
    for (const [name, rule] of Object.entries(spec.columns)) {
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
    if (!spec.allowExtraColumns) {
      for (const column of schema.columns) {
        if (ruleFor(column.name)) continue;
        issues.push({
          severity: 'error',
          check: 'unexpected_column',
          file,
          column: column.name,
          message: `unexpected column ${column.name} (${column.sourceType}); the spec does not allow extra columns`,
          observed: column.sourceType,
        });
      }
    }
    for (const acc of accumulators) issues.push(...columnIssues(file, acc));

    return {
      file,
      rows,
      columns: accumulators.map((acc) => acc.profile()),
      issues,
      passed: !issues.some((i) => i.severity === 'error'),
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
  } finally {
    await reader.close();
  }
}

function rowCountIssue(file: string, rows: number, spec: ValidationSpec): ValidationIssue | undefined {
  const { minRows, maxRows } = spec;
  if (rows >= minRows && (maxRows === undefined || rows <= maxRows)) return undefined;
  const bound =
    maxRows === undefined
      ? `at least ${minRows}`
      : rows < minRows
        ? `at least ${minRows}`
        : `at most ${maxRows}`;
  return {
    severity: 'error',
    check: 'row_count',
    file,
    message: `${rows} row${rows === 1 ? '' : 's'}, expected ${bound}`,
    observed: rows,
    expected: maxRows === undefined ? { min: minRows } : { min: minRows, max: maxRows },
  };
}
