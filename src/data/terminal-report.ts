/**
 * The validation report as a person reads it in a terminal: one headline, the errors and warnings
 * one per line, the expectations' tally and the drift table. Also the value formatting the HTML
 * report shares (numbers, shares, durations, JSON values).
 *
 * Strings from the data (column names, messages, values) are untrusted: control characters and
 * bidirectional overrides are shown escaped, so a column name cannot move the cursor, recolour the
 * terminal or reorder what is printed.
 */
import { P_VALUE_DRIFT_METHODS } from '../core/spec/types';
import type { DriftMethod } from '../core/spec/types';

import type { IssueValue, ValidationIssue, ValidationReport } from './report';

/** Options of `renderTerminalReport`. */
export interface TerminalReportOptions {
  /** ANSI colours. Default false. */
  color?: boolean;
  /** Errors (and, separately, warnings) listed before `… and N more`. Default 20. */
  maxIssues?: number;
}

const DEFAULT_MAX_ISSUES = 20;
/** Widest column name shown in the aligned tables before it is cut with `…`. */
const MAX_NAME_WIDTH = 28;
/** Longest message shown on one line. */
const MAX_MESSAGE_LENGTH = 400;

/**
 * Renders a report for a terminal; lines joined with `\n`, no trailing newline.
 *
 * @example
 * FAILED /data/train.csv: 1,000 rows, 7 columns, 1 error, 0 warnings, 412 ms
 * Errors (1):
 *   tenure_months  range  37 values outside [0, 120] (observed min -5, max 130), first rows 12, 40, 41
 */
export function renderTerminalReport(report: ValidationReport, opts: TerminalReportOptions = {}): string {
  const c = palette(opts.color ?? false);
  const maxIssues = Math.max(0, opts.maxIssues ?? DEFAULT_MAX_ISSUES);
  const errors = report.issues.filter((i) => i.severity === 'error');
  const warnings = report.issues.filter((i) => i.severity !== 'error');
  const lines: string[] = [];

  lines.push(
    `${report.passed ? c.green(c.bold('PASSED')) : c.red(c.bold('FAILED'))} ${c.bold(terminalSafe(report.file))}: ` +
      [
        plural(report.rows, 'row'),
        plural(report.columns.length, 'column'),
        errors.length > 0 ? c.red(plural(errors.length, 'error')) : plural(0, 'error'),
        warnings.length > 0 ? c.yellow(plural(warnings.length, 'warning')) : plural(0, 'warning'),
        formatDuration(report.durationMs),
      ].join(', '),
  );

  issueSection(lines, 'Errors', errors, maxIssues, c.red, c);
  issueSection(lines, 'Warnings', warnings, maxIssues, c.yellow, c);

  const results = report.expectations;
  if (results !== undefined) {
    const failed = results.filter((r) => !r.success);
    const failedErrors = failed.filter((r) => r.severity === 'error').length;
    const tally =
      failed.length === 0
        ? c.green('all passed')
        : c.red(`${formatCount(failed.length)} failed`) +
          ` (${plural(failedErrors, 'error')}, ${plural(failed.length - failedErrors, 'warning')})`;
    lines.push(`${c.bold('Expectations')}: ${formatCount(results.length)} evaluated, ${tally}`);
  }

  const drift = report.drift;
  if (drift !== undefined) {
    const verdict = drift.datasetDrift ? c.red(c.bold('DATASET DRIFT')) : c.green('no dataset drift');
    lines.push(
      `${c.bold('Drift')} against ${terminalSafe(drift.reference)} (${plural(drift.referenceRows, 'row')}): ` +
        `${formatCount(drift.driftedColumns)} of ${plural(drift.judgedColumns, 'column')} drifted ` +
        `(${formatShare(drift.driftedShare)}, allowed ${formatShare(drift.maxDriftedShare)}): ${verdict}`,
    );
    const rows = drift.columns.map((d) => ({
      cells: [
        fit(terminalSafe(d.column), MAX_NAME_WIDTH),
        isPValueMethod(d.method) ? `${d.method} (p)` : d.method,
        formatNumber(d.score) + (d.approximate ? '~' : ''),
        (isPValueMethod(d.method) ? '< ' : '>= ') + formatNumber(d.threshold),
        d.drifted ? 'DRIFT' : 'ok',
      ],
      drifted: d.drifted,
    }));
    if (rows.length > 0) {
      const header = ['column', 'method', 'score', 'drift if', 'result'];
      const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r.cells[k] ?? '').length)));
      const rightAligned = [false, false, true, false, false];
      const line = (cells: string[], paint: (k: number, s: string) => string): string =>
        '  ' +
        cells
          .map((s, k) => {
            const w = widths[k] ?? 0;
            const padded = rightAligned[k] ? s.padStart(w) : k === cells.length - 1 ? s : s.padEnd(w);
            return paint(k, padded);
          })
          .join('  ');
      lines.push(line(header, (_k, s) => c.dim(s)));
      for (const r of rows) {
        lines.push(line(r.cells, (k, s) => (k === 4 ? (r.drifted ? c.red(c.bold(s)) : c.green(s)) : s)));
      }
    }
    if (drift.columns.some((d) => d.approximate))
      lines.push(c.dim('  ~ from compacted sketches (rank error < 1%)'));
    if (drift.skipped.length > 0) {
      const shown = drift.skipped.slice(0, maxIssues);
      const more = drift.skipped.length - shown.length;
      lines.push(
        c.dim(
          `  not compared: ${shown.map((s) => `${terminalSafe(s.column)} (${terminalSafe(s.reason)})`).join(', ')}` +
            (more > 0 ? `, … and ${more} more` : ''),
        ),
      );
    }
  }
  return lines.join('\n');
}

function issueSection(
  lines: string[],
  title: string,
  issues: ValidationIssue[],
  max: number,
  colour: (s: string) => string,
  c: Palette,
): void {
  if (issues.length === 0) return;
  lines.push(c.bold(colour(`${title} (${formatCount(issues.length)}):`)));
  const shown = issues.slice(0, max);
  const names = shown.map((i) => fit(i.column !== undefined ? terminalSafe(i.column) : '-', MAX_NAME_WIDTH));
  const nameWidth = Math.max(0, ...names.map((n) => n.length));
  const checkWidth = Math.max(0, ...shown.map((i) => i.check.length));
  shown.forEach((issue, k) => {
    lines.push(
      `  ${colour((names[k] ?? '').padEnd(nameWidth))}  ${c.dim(issue.check.padEnd(checkWidth))}  ${issueText(issue)}`,
    );
  });
  if (issues.length > shown.length) {
    lines.push(c.dim(`  … and ${formatCount(issues.length - shown.length)} more ${title.toLowerCase()}`));
  }
}

/**
 * The message of an issue for a one-line listing: without its `column <name>: ` prefix (the
 * column is shown apart), with observed vs expected and the first rows when the message does not
 * say them already (the validator's messages usually do).
 */
function issueText(issue: ValidationIssue): string {
  let text = issue.column !== undefined ? stripColumnPrefix(issue.message, issue.column) : issue.message;
  const extra: string[] = [];
  const unsaid = (v: IssueValue | undefined): boolean => v !== undefined && !mentions(text, v);
  if (unsaid(issue.observed) || unsaid(issue.expected)) {
    if (issue.observed !== undefined) extra.push(`observed ${formatIssueValue(issue.observed, 60)}`);
    if (issue.expected !== undefined) extra.push(`expected ${formatIssueValue(issue.expected, 60)}`);
  }
  if (issue.rows !== undefined && issue.rows.count > 0 && !/\bfirst rows?\b/.test(text)) {
    extra.push(rowsText(issue.rows));
  }
  if (extra.length > 0) text += ` (${extra.join('; ')})`;
  return terminalSafe(cut(text, MAX_MESSAGE_LENGTH));
}

/**
 * A message without the `column <name>: ` that starts it or follows its check (`expect_…: `), for
 * listings that show the column apart.
 */
export function stripColumnPrefix(message: string, column: string): string {
  const prefix = `column ${column}: `;
  if (message.startsWith(prefix)) return message.slice(prefix.length);
  const at = message.indexOf(`: ${prefix}`);
  return at >= 0 && !message.slice(0, at).includes(' ')
    ? message.slice(0, at + 2) + message.slice(at + 2 + prefix.length)
    : message;
}

/** Whether a message already says a value: each of its first leaves appears in the text. */
function mentions(text: string, value: IssueValue): boolean {
  const leaves: Array<string | number | boolean | null> = [];
  const walk = (v: IssueValue): void => {
    if (leaves.length >= 5) return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    else leaves.push(v);
  };
  walk(value);
  return leaves.every((leaf) => {
    if (typeof leaf === 'number') {
      return [String(leaf), formatNumber(leaf), formatNumber(leaf, 4).replace(/,/g, '')].some((f) =>
        text.includes(f),
      );
    }
    return text.includes(String(leaf));
  });
}

/** `37 rows, first 12, 40, 41`. */
function rowsText(rows: { count: number; first: number[] }): string {
  const first = rows.first.length > 0 ? `, first ${rows.first.join(', ')}` : '';
  return `${plural(rows.count, 'row')}${first}`;
}

/** Whether a drift method is a p-value test (drift when the score is below the threshold). */
export function isPValueMethod(method: string): boolean {
  return P_VALUE_DRIFT_METHODS.includes(method as DriftMethod);
}

/**
 * A number for people: integers grouped (`12,480`), others to `digits` significant digits,
 * exponent form when tiny or huge; `—` for null, `NaN`, `+∞`, `−∞`.
 */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '—';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+∞' : '−∞';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return formatCount(value);
  const a = Math.abs(value);
  if (a < 1e-4 || a >= 1e15) return value.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  if (a >= 10 ** digits) return formatCount(Math.round(value));
  return String(Number(value.toPrecision(digits)));
}

/** An integer with thousands separators: `12,480`. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return formatNumber(n);
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(Math.round(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A share in 0..1 as a percentage: `12.3%`, `<0.1%` for tiny non-zero shares. */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return formatNumber(share);
  if (share === 0) return '0%';
  const pct = share * 100;
  if (Math.abs(pct) < 0.1) return pct > 0 ? '<0.1%' : '>-0.1%';
  if (Math.abs(pct) >= 99.95 && share !== 1 && Math.abs(share) < 1) return pct > 0 ? '>99.9%' : '<-99.9%';
  return `${Number(pct.toFixed(1))}%`;
}

/** A duration: `850 ms`, `1.84 s`, `2 min 05 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Number(ms.toPrecision(3))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(2))} s`;
  const whole = Math.round(s);
  const min = Math.floor(whole / 60);
  if (min < 60) return `${min} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}

/**
 * A JSON value, compact: `{min: 0, max: 120}`, `["a", "b", … +8]`, numbers as `formatNumber`
 * with 6 digits; cut to `maxLength` characters.
 */
export function formatIssueValue(value: IssueValue | undefined, maxLength = 120): string {
  return cut(valueText(value, 0), maxLength);
}

function valueText(value: IssueValue | undefined, depth: number): string {
  if (value === undefined) return '—';
  if (value === null) return 'null';
  if (typeof value === 'number') return formatNumber(value, 6);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return depth === 0 ? value : JSON.stringify(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, 10).map((v) => valueText(v, depth + 1));
    if (value.length > shown.length) shown.push(`… +${value.length - shown.length}`);
    return `[${shown.join(', ')}]`;
  }
  const entries = Object.entries(value);
  const shown = entries.slice(0, 10).map(([k, v]) => `${k}: ${valueText(v, depth + 1)}`);
  if (entries.length > shown.length) shown.push(`… +${entries.length - shown.length}`);
  return `{${shown.join(', ')}}`;
}

/**
 * A string from the data made harmless for a terminal: C0/C1 control characters (ESC, CR, LF…)
 * and bidirectional overrides shown as `\u{…}`-style escapes.
 */
export function terminalSafe(s: string): string {
  // Matching control characters is the point here.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

function fit(s: string, width: number): string {
  return cut(s, width);
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

interface Palette {
  red: (s: string) => string;
  green: (s: string) => string;
  yellow: (s: string) => string;
  bold: (s: string) => string;
  dim: (s: string) => string;
}

function palette(color: boolean): Palette {
  const sgr =
    (open: number, close: number) =>
    (s: string): string =>
      color ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), bold: sgr(1, 22), dim: sgr(2, 22) };
}
