/**
 * The validation report as one self-contained HTML page: inline CSS, inline SVG charts, no script
 * and nothing fetched (a Content-Security-Policy forbids both), so it opens offline, from an
 * e-mail attachment or an artifact store alike.
 *
 * Every string from the data (file and column names, category values, messages) is escaped:
 * the report of a hostile file is a page of text, never markup.
 */
import type { ExpectationResult } from '../expectations/types';

import type {
  ColumnDrift,
  ColumnProfile,
  DriftReport,
  HistogramProfile,
  ValidationIssue,
  ValidationReport,
} from './report';
import {
  formatCount,
  formatDuration,
  formatIssueValue,
  formatNumber,
  formatShare,
  isPValueMethod,
  stripColumnPrefix,
} from './terminal-report';

/** Options of `renderHtmlReport`. */
export interface HtmlReportOptions {
  /** The page title; default `Validation report: <file name>`. */
  title?: string;
}

/** Categories a chart shows before it sums the rest as `other`. */
const MAX_CHART_CATEGORIES = 30;
/** Top values listed per string column card. */
const MAX_TOP_VALUES = 8;
/** Characters of a category label under a chart before it is cut with `…`. */
const MAX_LABEL_CHARS = 14;

/**
 * Renders a validation report as one HTML document (UTF-8, no external resource).
 *
 * @param report - a report as `validateDataset` returns it (or read back from its JSON)
 * @param opts - the page title
 */
export function renderHtmlReport(report: ValidationReport, opts: HtmlReportOptions = {}): string {
  const title = opts.title ?? `Validation report: ${baseName(report.file)}`;
  const ctx = new Context(report);
  const body = [
    headerSection(report, title),
    issuesSection(report, ctx),
    report.expectations !== undefined ? expectationsSection(report.expectations, ctx) : '',
    report.drift !== undefined ? driftSection(report.drift, ctx) : '',
    columnsSection(report, ctx),
  ].join('\n');
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${esc(title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n<main>\n${body}\n</main>\n</body>\n</html>\n`
  );
}

/** Lookups shared by the sections: column anchors, drift and issues per column. */
class Context {
  readonly anchor = new Map<string, string>();
  readonly drift = new Map<string, ColumnDrift>();
  readonly issues = new Map<string, { errors: number; warnings: number }>();
  readonly failedExpectations = new Map<string, number>();

  constructor(report: ValidationReport) {
    report.columns.forEach((c, i) => {
      if (!this.anchor.has(c.name)) this.anchor.set(c.name, `col-${i}`);
    });
    for (const d of report.drift?.columns ?? []) if (!this.drift.has(d.column)) this.drift.set(d.column, d);
    for (const issue of report.issues) {
      if (issue.column === undefined) continue;
      const n = this.issues.get(issue.column) ?? { errors: 0, warnings: 0 };
      if (issue.severity === 'error') n.errors++;
      else n.warnings++;
      this.issues.set(issue.column, n);
    }
    for (const r of report.expectations ?? []) {
      if (r.success) continue;
      for (const name of new Set([...(r.column !== undefined ? [r.column] : []), ...(r.columns ?? [])])) {
        this.failedExpectations.set(name, (this.failedExpectations.get(name) ?? 0) + 1);
      }
    }
  }

  /** A column name, linked to its card when the file has that column. */
  columnLink(name: string): string {
    const id = this.anchor.get(name);
    return id !== undefined
      ? `<a href="#${id}" class="mono">${esc(name)}</a>`
      : `<span class="mono">${esc(name)}</span>`;
  }
}

// ---------------------------------------------------------------------------------------------
// Sections

function headerSection(report: ValidationReport, title: string): string {
  const errors = report.issues.filter((i) => i.severity === 'error').length;
  const warnings = report.issues.length - errors;
  const meta: Array<[string, string, 'wide'?]> = [
    ['File', `<span class="mono">${esc(report.file)}</span>`, 'wide'],
    ['Rows', esc(formatCount(report.rows))],
    ['Columns', esc(formatCount(report.columns.length))],
    ['Duration', esc(formatDuration(report.durationMs))],
  ];
  if (report.drift !== undefined) {
    meta.push(['Reference', `<span class="mono">${esc(report.drift.reference)}</span>`, 'wide']);
    meta.push(['Reference rows', esc(formatCount(report.drift.referenceRows))]);
  }
  if (report.inputs.schemaFile !== undefined) {
    meta.push(['Schema file', `<span class="mono">${esc(report.inputs.schemaFile)}</span>`, 'wide']);
  }
  if (report.inputs.expectationsFile !== undefined) {
    meta.push([
      'Expectations file',
      `<span class="mono">${esc(report.inputs.expectationsFile)}</span>`,
      'wide',
    ]);
  }
  const hashes = Object.entries(report.inputs.sha256);
  const lineage =
    hashes.length === 0
      ? ''
      : `<table class="hashes"><tbody>${hashes
          .map(
            ([path, sha]) =>
              `<tr><td class="mono">${esc(path)}</td><td class="mono muted">sha256:${esc(sha)}</td></tr>`,
          )
          .join('')}</tbody></table>`;

  const tiles: string[] = [
    tile('Errors', formatCount(errors), errors > 0 ? 'bad' : 'good'),
    tile('Warnings', formatCount(warnings), warnings > 0 ? 'warn' : 'good'),
  ];
  if (report.expectations !== undefined) {
    const passed = report.expectations.filter((r) => r.success).length;
    const total = report.expectations.length;
    tiles.push(
      tile(
        'Expectations passed',
        `${formatCount(passed)} / ${formatCount(total)}`,
        passed === total ? 'good' : 'bad',
      ),
    );
  }
  if (report.drift !== undefined) {
    const d = report.drift;
    tiles.push(
      tile(
        'Drifted columns',
        `${formatCount(d.driftedColumns)} / ${formatCount(d.judgedColumns)}`,
        d.datasetDrift ? 'bad' : d.driftedColumns > 0 ? 'warn' : 'good',
        `${formatShare(d.driftedShare)}, allowed ${formatShare(d.maxDriftedShare)}`,
      ),
    );
  }

  return (
    `<header class="top"><div class="title-row"><h1>${esc(title)}</h1>` +
    `<span class="badge ${report.passed ? 'pass' : 'fail'}">${report.passed ? 'PASSED' : 'FAILED'}</span></div>` +
    `<dl class="meta">${meta.map(([k, v, w]) => `<div${w !== undefined ? ' class="wide"' : ''}><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>` +
    (lineage !== ''
      ? `<div class="lineage"><div class="label">Rule files (SHA-256)</div>${lineage}</div>`
      : '') +
    `</header>\n<div class="tiles">${tiles.join('')}</div>`
  );
}

function tile(label: string, value: string, tone: 'good' | 'warn' | 'bad', sub?: string): string {
  return (
    `<div class="tile ${tone}"><div class="label">${esc(label)}</div><b>${esc(value)}</b>` +
    (sub !== undefined ? `<div class="muted small">${esc(sub)}</div>` : '') +
    '</div>'
  );
}

function issuesSection(report: ValidationReport, ctx: Context): string {
  const errors = report.issues.filter((i) => i.severity === 'error');
  const warnings = report.issues.filter((i) => i.severity !== 'error');
  const head = `<h2>Errors and warnings <span class="muted">${esc(
    `${formatCount(errors.length)} error${errors.length === 1 ? '' : 's'}, ` +
      `${formatCount(warnings.length)} warning${warnings.length === 1 ? '' : 's'}`,
  )}</span></h2>`;
  if (report.issues.length === 0) return `<section>${head}<p class="empty">No issues.</p></section>`;
  const rows = [...errors, ...warnings].map((i) => issueRow(i, ctx)).join('');
  return (
    `<section>${head}<div class="tbl"><table><thead><tr><th></th><th>Check</th><th>Column</th>` +
    `<th>Message</th><th>Rows</th></tr></thead><tbody>${rows}</tbody></table></div></section>`
  );
}

function issueRow(issue: ValidationIssue, ctx: Context): string {
  const message = issue.column !== undefined ? stripColumnPrefix(issue.message, issue.column) : issue.message;
  const rows =
    issue.rows !== undefined && issue.rows.count > 0
      ? `<span class="nowrap">${esc(plural(issue.rows.count, 'row'))}</span>` +
        (issue.rows.first.length > 0
          ? `<div class="muted">${esc(`first ${issue.rows.first.map(formatCount).join(', ')}`)}</div>`
          : '')
      : '';
  return (
    `<tr><td>${severityPill(issue.severity)}</td><td class="mono">${esc(issue.check)}</td>` +
    `<td>${issue.column !== undefined ? ctx.columnLink(issue.column) : '<span class="muted">—</span>'}</td>` +
    `<td>${esc(message)}</td><td class="small rows">${rows}</td></tr>`
  );
}

function severityPill(severity: string): string {
  return severity === 'error'
    ? '<span class="pill bad">error</span>'
    : '<span class="pill warn">warning</span>';
}

function expectationsSection(results: ExpectationResult[], ctx: Context): string {
  const failed = results.filter((r) => !r.success).length;
  const head = `<h2>Expectations <span class="muted">${esc(
    `${formatCount(results.length)} evaluated, ${formatCount(failed)} failed`,
  )}</span></h2>`;
  if (results.length === 0) return `<section>${head}<p class="empty">No expectations.</p></section>`;
  const rows = results
    .map((r) => {
      const columns = [...(r.column !== undefined ? [r.column] : []), ...(r.columns ?? [])];
      const status = r.success
        ? '<span class="pill good">passed</span>'
        : r.severity === 'error'
          ? '<span class="pill bad">failed</span>'
          : '<span class="pill warn">failed</span>';
      const unexpected =
        r.unexpectedPercent !== undefined
          ? r.unexpectedPercent === null
            ? '—'
            : `${formatNumber(r.unexpectedPercent, 3)}%` +
              (r.unexpectedCount !== undefined ? ` (${formatCount(r.unexpectedCount)})` : '')
          : '';
      const examples =
        !r.success && r.partialUnexpected !== undefined && r.partialUnexpected.length > 0
          ? `<div class="small muted">e.g. ${esc(formatIssueValue(r.partialUnexpected, 160))}</div>`
          : '';
      return (
        `<tr class="${r.success ? '' : 'failed'}"><td>${status}</td>` +
        `<td><span class="mono">${esc(r.type)}</span>${
          r.success
            ? ''
            : `<div class="small muted">${esc(r.column !== undefined ? stripColumnPrefix(r.message, r.column) : r.message)}</div>`
        }</td>` +
        `<td>${columns.length > 0 ? columns.map((c) => ctx.columnLink(c)).join(', ') : '<span class="muted">table</span>'}</td>` +
        `<td class="mono small">${esc(formatIssueValue(r.observed, 160))}${examples}</td>` +
        `<td class="mono small">${esc(formatIssueValue(r.expected, 160))}</td>` +
        `<td class="num">${esc(unexpected)}</td><td class="small muted">${esc(r.severity)}</td></tr>`
      );
    })
    .join('');
  return (
    `<section>${head}<div class="tbl"><table><thead><tr><th></th><th>Expectation</th><th>Column(s)</th>` +
    `<th>Observed</th><th>Expected</th><th class="num">Unexpected</th><th>Severity</th></tr></thead>` +
    `<tbody>${rows}</tbody></table></div></section>`
  );
}

function driftSection(drift: DriftReport, ctx: Context): string {
  const verdict = drift.datasetDrift
    ? '<span class="pill bad">dataset drift</span>'
    : '<span class="pill good">no dataset drift</span>';
  const summary = `<p class="drift-summary">${verdict} ${esc(
    `${formatCount(drift.driftedColumns)} of ${formatCount(drift.judgedColumns)} columns drifted ` +
      `(${formatShare(drift.driftedShare)}); allowed share ${formatShare(drift.maxDriftedShare)}. ` +
      `Reference ${drift.reference}, ${formatCount(drift.referenceRows)} rows.`,
  )}</p>`;
  const rows = drift.columns
    .map((d) => {
      const stats = Object.entries(d.statistics)
        .map(
          ([k, v]) =>
            `<span class="stat${k === d.method ? ' decides' : ''}">${esc(k)} ${esc(formatNumber(v))}</span>`,
        )
        .join(' ');
      return (
        `<tr class="${d.drifted ? 'failed' : ''}"><td>${ctx.columnLink(d.column)}</td><td class="small muted">${esc(d.kind)}</td>` +
        `<td class="mono">${esc(d.method)}</td><td class="num mono">${esc(formatNumber(d.score))}</td>` +
        `<td class="num mono">${esc(thresholdText(d))}</td>` +
        `<td>${d.drifted ? '<span class="pill bad">drift</span>' : '<span class="pill good">ok</span>'}</td>` +
        `<td class="small">${d.approximate ? 'yes' : '<span class="muted">no</span>'}</td>` +
        `<td class="stats">${stats}</td></tr>`
      );
    })
    .join('');
  const table =
    drift.columns.length === 0
      ? '<p class="empty">No column was compared.</p>'
      : `<div class="tbl"><table><thead><tr><th>Column</th><th>Kind</th><th>Method</th><th class="num">Score</th>` +
        `<th class="num">Drift if</th><th>Drifted</th><th>Approximate</th><th>Statistics</th></tr></thead>` +
        `<tbody>${rows}</tbody></table></div>`;
  const skipped =
    drift.skipped.length === 0
      ? ''
      : `<p class="small muted">Not compared: ${drift.skipped
          .map((s) => `${ctx.columnLink(s.column)} (${esc(s.reason)})`)
          .join(', ')}</p>`;
  return `<section><h2>Drift</h2>${summary}${table}${skipped}</section>`;
}

function thresholdText(d: ColumnDrift): string {
  return `${isPValueMethod(d.method) ? 'p <' : '≥'} ${formatNumber(d.threshold)}`;
}

function columnsSection(report: ValidationReport, ctx: Context): string {
  const nav = report.columns
    .map((c, i) => `<a href="#col-${i}" class="chip ${columnTone(c.name, ctx)}">${esc(c.name)}</a>`)
    .join('');
  const cards = report.columns.map((c, i) => columnCard(c, i, ctx)).join('\n');
  return (
    `<section><h2>Columns <span class="muted">${esc(formatCount(report.columns.length))}</span></h2>` +
    `<nav class="chips">${nav}</nav>` +
    (report.drift !== undefined
      ? '<p class="legend small muted"><i class="sw ref"></i>reference <i class="sw cur"></i>current: share of rows per bin or category</p>'
      : '') +
    `<div class="cards">\n${cards}\n</div></section>`
  );
}

function columnTone(name: string, ctx: Context): 'bad' | 'warn' | 'neutral' {
  const n = ctx.issues.get(name);
  if (n !== undefined && n.errors > 0) return 'bad';
  if ((n !== undefined && n.warnings > 0) || ctx.drift.get(name)?.drifted === true) return 'warn';
  return 'neutral';
}

function columnCard(c: ColumnProfile, index: number, ctx: Context): string {
  const drift = ctx.drift.get(c.name);
  const counts = ctx.issues.get(c.name);
  const chips: string[] = [];
  if (counts !== undefined && counts.errors > 0) {
    chips.push(`<span class="pill bad">${esc(plural(counts.errors, 'error'))}</span>`);
  }
  if (counts !== undefined && counts.warnings > 0) {
    chips.push(`<span class="pill warn">${esc(plural(counts.warnings, 'warning'))}</span>`);
  }
  const failed = ctx.failedExpectations.get(c.name) ?? 0;
  if (failed > 0) {
    chips.push(`<span class="pill bad">${esc(plural(failed, 'failed expectation'))}</span>`);
  }
  if (drift !== undefined) {
    chips.push(
      `<span class="pill ${drift.drifted ? 'bad' : 'good'}" title="${esc(`drift if ${thresholdText(drift)}`)}">` +
        `${esc(`${drift.method} ${formatNumber(drift.score, 3)}${drift.drifted ? ' drift' : ''}`)}</span>`,
    );
  }
  // Reference vs current when compared; else (or without bins) the column's own distribution.
  const chart = (drift !== undefined ? driftChart(drift) : undefined) ?? profileChart(c);
  return (
    `<article class="card ${columnTone(c.name, ctx)}" id="col-${index}">` +
    `<div class="card-head"><h3 class="mono" title="${esc(c.name)}">${esc(c.name)}</h3>` +
    `<span class="type">${esc(c.kind)} · ${esc(c.sourceType)}</span></div>` +
    (chips.length > 0 ? `<div class="card-chips">${chips.join('')}</div>` : '') +
    (chart !== undefined
      ? renderChart(chart, c.name)
      : `<p class="no-chart small muted">${esc(noChartReason(c))}</p>`) +
    profileBody(c) +
    '</article>'
  );
}

function noChartReason(c: ColumnProfile): string {
  if (c.kind === 'string' && c.topValues.length > 0) return 'No chart: nearly every value is distinct.';
  if (c.kind === 'null' || c.count === c.nulls) return 'No chart: every value is null.';
  if (c.kind === 'other') return 'No chart: values of this type are not profiled.';
  return 'No chart: no finite value.';
}

function profileBody(c: ColumnProfile): string {
  const stats: Array<[string, string]> = [
    ['rows', formatCount(c.count)],
    [
      'nulls',
      `${formatCount(c.nulls)}${c.nulls > 0 && c.count > 0 ? ` (${formatShare(c.nulls / c.count)})` : ''}`,
    ],
    ['distinct', `${c.distinct.exact ? '' : '≈'}${formatCount(c.distinct.count)}`],
  ];
  let extra = '';
  switch (c.kind) {
    case 'number': {
      stats.push(
        ['NaN', formatCount(c.nan)],
        ['+Inf / −Inf', `${formatCount(c.posInf)} / ${formatCount(c.negInf)}`],
        ['zeros', formatCount(c.zeros)],
        ['min', formatNumber(c.min, 6)],
        ['max', formatNumber(c.max, 6)],
        ['mean', formatNumber(c.mean)],
        ['std', formatNumber(c.std)],
      );
      if (c.quantiles.length > 0) {
        extra =
          `<table class="quantiles"><thead><tr>${c.quantiles
            .map((q) => `<th>${esc(`${c.quantilesExact ? '' : '≈'}p${formatNumber(q.q * 100)}`)}</th>`)
            .join('')}</tr></thead>` +
          `<tbody><tr>${c.quantiles.map((q) => `<td>${esc(formatNumber(q.value))}</td>`).join('')}</tr></tbody></table>`;
      }
      break;
    }
    case 'string': {
      stats.push([
        'length min / mean / max',
        `${formatNumber(c.minLength)} / ${formatNumber(c.meanLength, 3)} / ${formatNumber(c.maxLength)}`,
      ]);
      extra = topValues(c.topValues, c.count - c.nulls, c.topValuesExact);
      break;
    }
    case 'boolean': {
      const nonNull = c.trueCount + c.falseCount;
      stats.push(
        [
          'true',
          `${formatCount(c.trueCount)}${nonNull > 0 ? ` (${formatShare(c.trueCount / nonNull)})` : ''}`,
        ],
        [
          'false',
          `${formatCount(c.falseCount)}${nonNull > 0 ? ` (${formatShare(c.falseCount / nonNull)})` : ''}`,
        ],
      );
      break;
    }
    default:
      break;
  }
  return `<dl class="stats-grid">${stats
    .map(
      ([k, v]) =>
        `<div${k.length > 14 || v.length > 11 ? ' class="wide"' : ''}><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`,
    )
    .join('')}</dl>${extra}`;
}

function topValues(values: Array<{ value: string; count: number }>, nonNull: number, exact: boolean): string {
  if (values.length === 0) return '';
  const shown = values.slice(0, MAX_TOP_VALUES);
  const max = Math.max(1, ...shown.map((v) => v.count));
  const rows = shown
    .map((v) => {
      const width = Math.max(0.5, (v.count / max) * 100).toFixed(1);
      return (
        `<tr><td class="tv-value mono" title="${esc(v.value)}">${esc(v.value === '' ? '(empty)' : cut(v.value, 40))}</td>` +
        `<td class="tv-bar"><i style="width:${width}%"></i></td>` +
        `<td class="num">${esc(`${exact ? '' : '≈'}${formatCount(v.count)}`)}</td>` +
        `<td class="num muted">${esc(nonNull > 0 ? formatShare(v.count / nonNull) : '')}</td></tr>`
      );
    })
    .join('');
  const more =
    values.length > shown.length
      ? `<div class="small muted">… ${values.length - shown.length} more</div>`
      : '';
  return `<div class="label">Top values</div><table class="top-values"><tbody>${rows}</tbody></table>${more}`;
}

// ---------------------------------------------------------------------------------------------
// Charts

interface ChartSeries {
  name: string;
  cls: 'ref' | 'cur';
  values: number[];
}

interface ChartModel {
  /** One per bar group, shown in full in its tooltip. */
  labels: string[];
  series: ChartSeries[];
  /** For contiguous numeric bins: labels.length + 1 edges, drawn as a numeric axis. */
  edges?: number[];
  yKind: 'share' | 'count';
  xTitle: string;
  yTitle: string;
  /** Under the chart, e.g. how categories were folded. */
  note?: string;
}

/** Reference vs current shares on the drift's common bins; categories beyond the top 30 folded. */
function driftChart(d: ColumnDrift): ChartModel | undefined {
  const n = Math.min(d.bins.labels.length, d.bins.reference.length, d.bins.current.length);
  if (n === 0) return undefined;
  let labels = d.bins.labels.slice(0, n);
  let reference = d.bins.reference.slice(0, n);
  let current = d.bins.current.slice(0, n);
  let note: string | undefined;
  let edges: number[] | undefined;
  if (d.kind === 'categorical') {
    const order = labels.map((_l, i) => i);
    order.sort(
      (a, b) => share(reference, b) + share(current, b) - (share(reference, a) + share(current, a)) || a - b,
    );
    const keep = order.length > MAX_CHART_CATEGORIES + 1 ? order.slice(0, MAX_CHART_CATEGORIES) : order;
    const rest = order.slice(keep.length);
    labels = keep.map((i) => labels[i] ?? '');
    const ref0 = reference;
    const cur0 = current;
    reference = keep.map((i) => share(ref0, i));
    current = keep.map((i) => share(cur0, i));
    if (rest.length > 0) {
      labels.push(`other (${rest.length})`);
      reference.push(rest.reduce((s, i) => s + share(ref0, i), 0));
      current.push(rest.reduce((s, i) => s + share(cur0, i), 0));
      note = `top ${MAX_CHART_CATEGORIES} of ${formatCount(n)} categories; the other ${formatCount(rest.length)} summed`;
    }
  } else {
    edges = intervalEdges(labels);
  }
  return {
    labels,
    series: [
      { name: 'reference', cls: 'ref', values: reference },
      { name: 'current', cls: 'cur', values: current },
    ],
    ...(edges !== undefined ? { edges } : {}),
    yKind: 'share',
    xTitle: d.kind === 'categorical' ? 'category' : edges !== undefined ? 'value (bins)' : 'value',
    yTitle: 'share of rows',
    ...(note !== undefined ? { note } : {}),
  };
}

/** The column's own distribution when there is no drift: histogram, top values or true/false. */
function profileChart(c: ColumnProfile): ChartModel | undefined {
  const single = (values: number[]): ChartSeries[] => [{ name: 'rows', cls: 'cur', values }];
  switch (c.kind) {
    case 'number':
      return c.histogram !== null ? histogramChart(c.histogram) : undefined;
    case 'string': {
      const top = c.topValues[0];
      // Nearly unique values (ids): a chart of their top values would be one flat "other" bar.
      if (
        top === undefined ||
        (c.distinct.count > MAX_CHART_CATEGORIES && top.count * 50 < c.count - c.nulls)
      ) {
        return undefined;
      }
      const shown = c.topValues.slice(0, MAX_CHART_CATEGORIES);
      const labels = shown.map((v) => v.value);
      const values = shown.map((v) => v.count);
      const rest = c.count - c.nulls - values.reduce((s, v) => s + v, 0);
      if (rest > 0) {
        labels.push('other');
        values.push(rest);
      }
      return {
        labels,
        series: single(values),
        yKind: 'count',
        xTitle: 'value',
        yTitle: 'rows',
        note: `most frequent values${c.topValuesExact ? '' : ' (estimated counts)'}${rest > 0 ? '; the rest as other' : ''}`,
      };
    }
    case 'boolean':
      return {
        labels: ['true', 'false'],
        series: single([c.trueCount, c.falseCount]),
        yKind: 'count',
        xTitle: 'value',
        yTitle: 'rows',
      };
    default:
      return undefined;
  }
}

function histogramChart(h: HistogramProfile): ChartModel | undefined {
  const n = Math.min(h.counts.length, h.edges.length - 1);
  if (n <= 0) return undefined;
  const edges = h.edges.slice(0, n + 1);
  const labels = h.counts
    .slice(0, n)
    .map(
      (_c, i) => `[${formatNumber(edges[i], 6)}, ${formatNumber(edges[i + 1], 6)}${i === n - 1 ? ']' : ')'}`,
    );
  return {
    labels,
    series: [{ name: 'rows', cls: 'cur', values: h.counts.slice(0, n) }],
    edges,
    yKind: 'count',
    xTitle: 'value (bins)',
    yTitle: 'rows',
  };
}

function share(values: number[], i: number): number {
  const v = values[i];
  return v !== undefined && Number.isFinite(v) ? v : 0;
}

/** Edges of contiguous `[a, b)` … `[y, z]` labels (a < b), or undefined when the labels are not such. */
function intervalEdges(labels: string[]): number[] | undefined {
  const edges: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const m = /^[[(]\s*([^,\s]+)\s*,\s*([^\])\s]+)\s*[\])]$/.exec(labels[i] ?? '');
    if (m === null) return undefined;
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) return undefined;
    if (i === 0) edges.push(lo);
    else if (edges[i] !== lo) return undefined;
    edges.push(hi);
  }
  return edges;
}

const CHART_W = 460;
const M_LEFT = 46;
const M_RIGHT = 8;
const M_TOP = 22;
const PLOT_H = 130;
const CHAR_W = 5.6;
const ROTATE_DEG = 60;
const ROTATE_SIN = Math.sin((ROTATE_DEG * Math.PI) / 180);

/** One inline SVG bar chart: grouped bars per bin, y gridlines, axis titles and a legend. */
function renderChart(chart: ChartModel, column: string): string {
  const n = chart.labels.length;
  const plotW = CHART_W - M_LEFT - M_RIGHT;
  const gw = plotW / n;
  const maxValue = Math.max(0, ...chart.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v))));
  const ticks = niceTicks(maxValue, chart.yKind);
  const yMax = ticks[ticks.length - 1] ?? 1;
  const x0 = M_LEFT;
  const yBase = M_TOP + PLOT_H;
  const y = (v: number): number => yBase - (Math.max(0, v) / yMax) * PLOT_H;

  // X axis labels: numeric edges, or one label per bar group (thinned, rotated when crowded).
  const xLabels: string[] = [];
  let labelsHeight: number;
  if (chart.edges !== undefined) {
    // Ticks at bin edges, at most ~8 labelled, the last edge always (end-anchored so it fits).
    const edges = chart.edges;
    const last = edges.length - 1;
    const step = Math.max(1, Math.ceil(edges.length / 8));
    const shown = new Set<number>();
    for (let i = 0; i <= last; i += step) shown.add(i);
    if (!shown.has(last)) {
      if (last - Math.max(...shown) < step * 0.6) shown.delete(Math.max(...shown));
      shown.add(last);
    }
    for (const i of shown) {
      const x = x0 + i * gw;
      const anchor = i === 0 ? 'start' : i === last ? 'end' : 'middle';
      xLabels.push(
        `<line class="axis" x1="${r1(x)}" x2="${r1(x)}" y1="${yBase}" y2="${yBase + 3}"/>` +
          axisText(i === 0 ? x - 2 : i === last ? x + 2 : x, yBase + 13, formatNumber(edges[i], 3), anchor),
      );
    }
    labelsHeight = 16;
  } else {
    // One label per bar group; rotated 60° when they do not fit side by side, thinned when even
    // rotated ones would overlap (text lines need ~11 units between them).
    const shown = chart.labels.map((l) => cut(l === '' ? '(empty)' : l, MAX_LABEL_CHARS));
    const longest = Math.max(1, ...shown.map((l) => Array.from(l).length));
    const rotate = longest * CHAR_W > gw - 4;
    const step = rotate ? Math.max(1, Math.ceil(11 / (gw * ROTATE_SIN))) : 1;
    shown.forEach((label, i) => {
      if (i % step !== 0) return;
      const cx = x0 + (i + 0.5) * gw;
      if (rotate) {
        const ax = r1(cx + 3);
        const ay = r1(yBase + 8);
        xLabels.push(
          `<text x="${ax}" y="${ay}" text-anchor="end" transform="rotate(-${ROTATE_DEG} ${ax} ${ay})">${esc(label)}</text>`,
        );
      } else {
        xLabels.push(axisText(cx, yBase + 13, label, 'middle'));
      }
    });
    labelsHeight = rotate ? 8 + Math.ceil(longest * CHAR_W * ROTATE_SIN) + 4 : 16;
  }
  const height = Math.ceil(yBase + labelsHeight + 16);

  const grid = ticks
    .map(
      (t) =>
        `<line class="grid" x1="${x0}" x2="${CHART_W - M_RIGHT}" y1="${r1(y(t))}" y2="${r1(y(t))}"/>` +
        axisText(x0 - 4, y(t) + 3, tickText(t, chart.yKind, yMax), 'end'),
    )
    .join('');

  // Bars: one path per series; groups leave 15% of their width as a gap.
  const inner = gw * (n > 1 ? 0.85 : 0.6);
  const barW = inner / chart.series.length;
  const bars = chart.series
    .map((s, k) => {
      let d = '';
      s.values.forEach((v, i) => {
        if (!Number.isFinite(v) || v <= 0) return;
        const top = Math.min(y(v), yBase - 0.6);
        const bx = x0 + i * gw + (gw - inner) / 2 + k * barW;
        d += `M${r1(bx)} ${r1(top)}h${r1(barW)}V${yBase}h${r1(-barW)}z`;
      });
      return d === '' ? '' : `<path class="bar-${s.cls}" d="${d}"/>`;
    })
    .join('');

  // Hover targets with the exact numbers (SVG <title>: a tooltip without script).
  const hits = chart.labels
    .map((label, i) => {
      const values = chart.series
        .map((s) => `${s.name} ${valueText(s.values[i] ?? 0, chart.yKind)}`)
        .join(', ');
      return (
        `<rect class="hit" x="${r1(x0 + i * gw)}" y="${M_TOP}" width="${r1(gw)}" height="${PLOT_H}">` +
        `<title>${esc(`${label === '' ? '(empty)' : label}: ${values}`)}</title></rect>`
      );
    })
    .join('');

  let lx = x0;
  const legend = chart.series
    .map((s) => {
      const item = `<rect class="bar-${s.cls}" x="${r1(lx)}" y="6" width="9" height="9"/>${axisText(lx + 12, 14, s.name, 'start')}`;
      lx += 12 + s.name.length * CHAR_W + 14;
      return item;
    })
    .join('');

  const titles =
    `<text class="axis-title" x="${r1(x0 + plotW / 2)}" y="${height - 3}" text-anchor="middle">${esc(chart.xTitle)}</text>` +
    `<text class="axis-title" x="10" y="${r1(M_TOP + PLOT_H / 2)}" text-anchor="middle" transform="rotate(-90 10 ${r1(
      M_TOP + PLOT_H / 2,
    )})">${esc(chart.yTitle)}</text>`;

  return (
    `<figure class="chart"><svg viewBox="0 0 ${CHART_W} ${height}" role="img" aria-label="${esc(
      `${chart.series.map((s) => s.name).join(' vs ')} of ${column}`,
    )}">` +
    grid +
    bars +
    `<line class="axis" x1="${x0}" x2="${CHART_W - M_RIGHT}" y1="${yBase}" y2="${yBase}"/>` +
    xLabels.join('') +
    legend +
    titles +
    hits +
    '</svg>' +
    (chart.note !== undefined ? `<figcaption class="small muted">${esc(chart.note)}</figcaption>` : '') +
    '</figure>'
  );
}

function axisText(x: number, y: number, text: string, anchor: 'start' | 'middle' | 'end'): string {
  return `<text x="${r1(x)}" y="${r1(y)}"${anchor === 'start' ? '' : ` text-anchor="${anchor}"`}>${esc(text)}</text>`;
}

/** 0 and 3–6 evenly spaced round values covering `max`. */
function niceTicks(max: number, kind: 'share' | 'count'): number[] {
  if (!(max > 0)) return kind === 'share' ? [0, 0.5, 1] : [0, 1];
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  const count = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: count + 1 }, (_v, i) => Number((i * step).toPrecision(12)));
}

function tickText(v: number, kind: 'share' | 'count', max: number): string {
  if (kind === 'share') {
    const pct = v * 100;
    return `${max * 100 < 4 ? pct.toFixed(1) : Number(pct.toFixed(1))}%`;
  }
  // One unit for the whole axis: 0, 2.5k, 5k, 7.5k, 10k.
  const [div, unit] = max >= 1e9 ? [1e9, 'G'] : max >= 1e6 ? [1e6, 'M'] : max >= 1e4 ? [1e3, 'k'] : [1, ''];
  return v === 0 ? '0' : `${formatNumber(v / div, 3)}${unit}`;
}

function valueText(v: number, kind: 'share' | 'count'): string {
  return kind === 'share' ? formatShare(v) : formatCount(v);
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** HTML-escapes text for element content and quoted attribute values alike. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) =>
    ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '"' ? '&quot;' : '&#39;',
  );
}

function r1(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function cut(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

const CSS = `
:root{--bg:#f5f6f8;--card:#fff;--line:#e1e4e8;--text:#1f2328;--muted:#667085;--ref:#a9b3c1;--cur:#2f6bd8;
--bad:#b42318;--bad-bg:#fdecea;--warn:#8a5a00;--warn-bg:#fff3d1;--good:#1a7f37;--good-bg:#e4f4e8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1400px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:19px;margin:0;font-weight:650;word-break:break-all}
h2{font-size:15px;margin:26px 0 8px;font-weight:650}
h2 .muted{font-weight:400;font-size:13px;margin-left:6px}
h3{font-size:14px;margin:0;font-weight:650;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
a{color:#1f5fbf;text-decoration:none}a:hover{text-decoration:underline}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
.muted{color:var(--muted)}.small{font-size:12px}
.label{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.04em;margin:8px 0 2px}
.top{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px}
.title-row{display:flex;align-items:center;gap:12px;flex-wrap:wrap}
.badge{padding:3px 12px;border-radius:999px;font-weight:700;font-size:12px;letter-spacing:.06em}
.badge.pass{background:var(--good-bg);color:var(--good)}.badge.fail{background:var(--bad-bg);color:var(--bad)}
.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:8px 20px;margin:12px 0 0}
.meta .wide{grid-column:span 3}
.meta dt{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.04em}
.meta dd{margin:0;overflow-wrap:anywhere}
.lineage table{border:0;width:auto}.lineage td{border:0;padding:1px 14px 1px 0;word-break:break-all}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:10px;margin-top:10px}
.tile{background:var(--card);border:1px solid var(--line);border-top:3px solid var(--line);border-radius:8px;padding:8px 14px}
.tile .label{margin:0}.tile b{font-size:20px;display:block;font-weight:650}
.tile.bad{border-top-color:var(--bad)}.tile.bad b{color:var(--bad)}
.tile.warn{border-top-color:#d4a017}.tile.warn b{color:var(--warn)}
.tile.good{border-top-color:#3fa45b}
.tbl{background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:5px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
tbody tr:last-child td{border-bottom:0}
th{background:#f0f2f5;font-weight:600;font-size:12px;color:#424a53;white-space:nowrap}
.nowrap{white-space:nowrap}.rows{min-width:150px}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.failed td:first-child{box-shadow:inset 3px 0 var(--bad)}
.pill{display:inline-block;padding:0 7px;border-radius:999px;font-size:11px;font-weight:600;white-space:nowrap;margin-right:4px}
.pill.bad{background:var(--bad-bg);color:var(--bad)}.pill.warn{background:var(--warn-bg);color:var(--warn)}
.pill.good{background:var(--good-bg);color:var(--good)}
.stats{font-size:11.5px;color:#424a53}.stat{white-space:nowrap;margin-right:8px}
.stat.decides{font-weight:700;color:var(--text)}
.drift-summary{margin:0 0 8px}
.empty{color:var(--muted);margin:0}
.chips{display:flex;flex-wrap:wrap;gap:5px;margin-bottom:8px}
.chip{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:1px 8px;border-radius:5px;background:var(--card);border:1px solid var(--line);color:var(--text);max-width:260px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.chip.bad{border-color:#f1b5ae;background:var(--bad-bg)}.chip.warn{border-color:#ecd08a;background:var(--warn-bg)}
.legend{margin:0 0 8px}.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
.sw.ref{background:var(--ref)}.sw.cur{background:var(--cur)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(430px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-left:3px solid var(--line);border-radius:8px;padding:10px 14px 12px;min-width:0}
.card.bad{border-left-color:var(--bad)}.card.warn{border-left-color:#d4a017}
.card-head{display:flex;align-items:baseline;gap:10px;justify-content:space-between}
.type{color:var(--muted);font-size:12px;white-space:nowrap}
.card-chips{margin-top:4px}
.chart{margin:6px 0 2px}.no-chart{margin:8px 0 4px}.chart svg{width:100%;height:auto;display:block}
.chart figcaption{margin-top:-2px}
svg text{font-size:10px;fill:#57606a;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
svg .axis-title{fill:#8a929c;font-size:10px}
svg .grid{stroke:#edf0f3;stroke-width:1}svg .axis{stroke:#9aa3ad;stroke-width:1}
.bar-ref{fill:var(--ref)}.bar-cur{fill:var(--cur)}
.hit{fill:transparent}.hit:hover{fill:rgba(47,107,216,.08)}
.stats-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(88px,1fr));gap:4px 12px;margin:8px 0 0}
.stats-grid .wide{grid-column:span 2}
.stats-grid dt{color:var(--muted);font-size:10.5px;text-transform:uppercase;letter-spacing:.03em}
.stats-grid dd{margin:0;font-variant-numeric:tabular-nums;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.quantiles{margin-top:8px;font-variant-numeric:tabular-nums}
.quantiles th,.quantiles td{padding:2px 4px;text-align:right;font-size:11.5px;background:none;border-bottom:1px solid var(--line)}
.quantiles th{color:var(--muted);font-weight:500}.quantiles td{border-bottom:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.top-values td{padding:1px 6px 1px 0;border:0;font-size:12px}
.tv-value{max-width:180px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tv-bar{width:40%}.tv-bar i{display:block;height:8px;border-radius:2px;background:var(--ref);margin-top:4px}
`
  .trim()
  .replace(/\n/g, '');
