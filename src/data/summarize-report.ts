import type { ValidationReport } from './report';

/**
 * A short human summary of a report: one headline (`PASSED` / `FAILED`, file, rows, columns,
 * error and warning counts), then one line per error issue.
 *
 * @example
 * FAILED /data/train.arrow: 1000 rows, 7 columns, 1 error, 0 warnings
 *   - column tenure_months: 37 values outside [0, 120] (observed min -5, max 130), first rows 12, 40, 41
 */
export function summarizeReport(report: ValidationReport): string {
  const errors = report.issues.filter((i) => i.severity === 'error');
  const warnings = report.issues.length - errors.length;
  const head =
    `${report.passed ? 'PASSED' : 'FAILED'} ${report.file}: ${count(report.rows, 'row')}, ${count(report.columns.length, 'column')}, ` +
    `${count(errors.length, 'error')}, ${count(warnings, 'warning')}`;
  return [head, ...errors.map((i) => `  - ${i.message}`)].join('\n');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
