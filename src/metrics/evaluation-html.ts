/**
 * The evaluation report as one self-contained HTML page, like the validation report: inline CSS
 * and SVG, no script, nothing fetched (a Content-Security-Policy forbids both). Candidate against
 * baseline per metric with the intervals the gates used, the gate rules with their verdicts, a
 * table per slice column, and the ROC and precision–recall curves of both models.
 *
 * Every string from the data (sources, slice values, rule texts) is escaped.
 */
import type { GateResult } from '../core/gates';
import type { Curve } from './curves';
import type { EvaluationReport, ModelReport } from './evaluation-report';
import { SLICE_METRICS } from './slices';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;color:#1f2328;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{padding:4px 8px;border-bottom:1px solid #eaeef2;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f6f8fa;font-weight:600}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}.inconclusive{color:#9a6700;font-weight:600}
.muted{color:#656d76}.charts{display:flex;gap:24px;flex-wrap:wrap}.rule{white-space:normal;text-align:left}
svg text{font:11px system-ui,sans-serif;fill:#57606a}`;

const COLORS = { candidate: '#0969da', baseline: '#bf8700' } as const;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function num(v: number | null | undefined, digits = 4): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—';
}

function signed(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(4)}` : '—';
}

function metricsSection(r: EvaluationReport): string {
  const b = r.baseline;
  const ev = r.evidence;
  const rows = SLICE_METRICS.map((k) => {
    const c = r.candidate.metrics[k];
    const base = b?.metrics[k];
    const all = r.metricIntervals?.[k];
    const gated = ev?.candidate[k];
    const ci = all?.candidate ? { lower: all.candidate[0], upper: all.candidate[1] } : gated;
    const diff = all?.difference
      ? { lower: all.difference[0], upper: all.difference[1] }
      : ev?.difference?.[k];
    const interval = (lo?: number, hi?: number): string =>
      lo !== undefined && hi !== undefined ? `[${num(lo)}, ${num(hi)}]` : '';
    return (
      `<tr><td>${k}</td><td>${num(c)}</td><td class="muted">${interval(ci?.lower, ci?.upper)}</td>` +
      (b !== undefined
        ? `<td>${num(base)}</td><td>${signed(base !== undefined ? c - base : undefined)}</td><td class="muted">${interval(diff?.lower, diff?.upper)}</td>`
        : '') +
      '</tr>'
    );
  }).join('\n');
  const head =
    `<tr><th>metric</th><th>candidate</th><th>interval</th>` +
    (b !== undefined ? `<th>baseline (${esc(b.source)})</th><th>Δ</th><th>interval of Δ</th>` : '') +
    '</tr>';
  let delong = '';
  if (r.delong !== undefined) {
    delong =
      'error' in r.delong
        ? `<p class="muted">DeLong test of the AUC difference: ${esc(r.delong.error)}</p>`
        : `<p>DeLong test of the AUC difference: Δ ${signed(r.delong.difference)}, ${Math.round(r.delong.interval.level * 100)}% interval [${num(r.delong.interval.lower)}, ${num(r.delong.interval.upper)}], z = ${num(r.delong.z, 3)}, p = ${r.delong.pValue.toPrecision(3)}</p>`;
  }
  const level = r.intervals !== undefined ? `${Math.round(r.intervals.level * 100)}% ` : '';
  const note =
    r.intervals !== undefined
      ? `<p class="muted">Intervals: ${level}percentile bootstrap, ${r.intervals.rounds} rounds, seed ${r.intervals.seed}; Δ intervals resample both models on the same rows.${r.metricIntervalsOmitted !== undefined ? ` ${esc(r.metricIntervalsOmitted)}.` : ''}</p>`
      : '';
  return `<h2>Metrics</h2><table>${head}\n${rows}</table>${delong}${note}`;
}

function verdictCell(r: GateResult): string {
  return `<td class="${r.verdict}">${r.verdict.toUpperCase()}</td>`;
}

function gateSection(r: EvaluationReport): string {
  if (r.gate === undefined) return '';
  if (r.gate.results.length === 0) return '<h2>Gates</h2><p class="muted">No gate rules.</p>';
  const rows = r.gate.results
    .map(
      (g) =>
        `<tr>${verdictCell(g)}<td class="rule">${esc(g.rule)}</td><td>${num(g.observed)}</td><td>${esc(g.op)} ${num(g.required)}</td>` +
        `<td>${num(g.baseline)}</td><td>${signed(g.delta)}</td>` +
        `<td>${g.interval !== null ? `${g.interval.of} [${num(g.interval.lower)}, ${num(g.interval.upper)}]` : ''}</td>` +
        `<td class="rule muted">${esc(g.reason)}</td></tr>`,
    )
    .join('\n');
  return (
    `<h2>Gates: <span class="${r.gate.verdict}">${r.gate.verdict.toUpperCase()}</span></h2>` +
    `<table><tr><th>verdict</th><th>rule</th><th>observed</th><th>required</th><th>baseline</th><th>Δ</th><th>interval</th><th>reason</th></tr>\n${rows}</table>`
  );
}

function slicesSection(r: EvaluationReport): string {
  const parts = r.candidate.slices.map((col) => {
    const base = r.baseline?.slices.find((s) => s.column === col.column);
    const shown = ['auc_roc', 'precision', 'recall', 'f1', 'accuracy'] as const;
    const rows = col.slices
      .map((sl) => {
        const b = base?.slices.find((x) => x.value === sl.value);
        return (
          `<tr><td>${esc(sl.value)}</td><td>${sl.rows}</td>` +
          shown
            .map(
              (k) =>
                `<td>${num(sl.metrics[k])}${b !== undefined ? ` <span class="muted">(${num(b.metrics[k])})</span>` : ''}</td>`,
            )
            .join('') +
          `<td>${num(sl.selection_rate)}</td></tr>`
        );
      })
      .join('\n');
    return (
      `<h2>Slices by ${esc(col.column)}</h2><table><tr><th>${esc(col.column)}</th><th>rows</th>${shown.map((k) => `<th>${k}</th>`).join('')}<th>selection rate</th></tr>\n${rows}` +
      `<tr><td>gap (max − min)</td><td></td>${shown.map((k) => `<td>${num(col.gap[k])}</td>`).join('')}<td>${num(col.demographic_parity_difference)}</td></tr></table>` +
      `<p>Demographic parity difference ${num(col.demographic_parity_difference)}, equal opportunity difference ${num(col.equal_opportunity_difference)}${base !== undefined ? ' (baseline in parentheses per slice)' : ''}.</p>`
    );
  });
  return parts.join('\n');
}

const W = 360;
const H = 300;
const PAD = 36;

function path(c: Curve): string {
  return c.x
    .map(
      (x, i) =>
        `${i === 0 ? 'M' : 'L'}${(PAD + x * (W - PAD - 10)).toFixed(1)},${(H - PAD - (c.y[i] as number) * (H - PAD - 10)).toFixed(1)}`,
    )
    .join('');
}

function chart(
  title: string,
  xLabel: string,
  yLabel: string,
  models: ModelReport[],
  pick: (m: ModelReport) => Curve,
  diagonal: boolean,
): string {
  const lines = models
    .map((m, i) => {
      const c = pick(m);
      if (c.x.length === 0) return '';
      const color = i === 0 ? COLORS.candidate : COLORS.baseline;
      return (
        `<path d="${path(c)}" fill="none" stroke="${color}" stroke-width="1.8"/>` +
        `<text x="${W - 120}" y="${H - PAD - 14 - 14 * i}" style="fill:${color}">${esc(m.source)}</text>`
      );
    })
    .join('');
  const axes =
    `<line x1="${PAD}" y1="${H - PAD}" x2="${W - 10}" y2="${H - PAD}" stroke="#8c959f"/><line x1="${PAD}" y1="10" x2="${PAD}" y2="${H - PAD}" stroke="#8c959f"/>` +
    [0, 0.5, 1]
      .map(
        (t) =>
          `<text x="${PAD + t * (W - PAD - 10)}" y="${H - PAD + 14}" text-anchor="middle">${t}</text><text x="${PAD - 6}" y="${H - PAD - t * (H - PAD - 10) + 4}" text-anchor="end">${t}</text>`,
      )
      .join('') +
    `<text x="${(W + PAD) / 2}" y="${H - 6}" text-anchor="middle">${xLabel}</text><text x="12" y="${H / 2}" text-anchor="middle" transform="rotate(-90 12 ${H / 2})">${yLabel}</text>` +
    (diagonal
      ? `<line x1="${PAD}" y1="${H - PAD}" x2="${W - 10}" y2="10" stroke="#d0d7de" stroke-dasharray="4 4"/>`
      : '');
  return `<figure><figcaption><strong>${title}</strong></figcaption><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}">${axes}${lines}</svg></figure>`;
}

/** Renders an evaluation report as one HTML document (UTF-8, no external resource). */
export function renderEvaluationHtml(report: EvaluationReport, title = 'Evaluation report'): string {
  const models = [report.candidate, ...(report.baseline !== undefined ? [report.baseline] : [])];
  const verdict =
    report.gate !== undefined
      ? ` — gates <span class="${report.gate.verdict}">${report.gate.verdict.toUpperCase()}</span>`
      : '';
  const body = [
    `<h1>${esc(title)}</h1><p class="muted">${report.rows} rows, threshold ${report.threshold}${report.baseline !== undefined ? `, baseline ${esc(report.baseline.source)}` : ', no baseline'}${verdict}</p>`,
    gateSection(report),
    metricsSection(report),
    `<h2>Curves</h2><div class="charts">${chart('ROC', 'false positive rate', 'true positive rate', models, (m) => m.curves.roc, true)}${chart('Precision–recall', 'recall', 'precision', models, (m) => m.curves.pr, false)}</div>`,
    slicesSection(report),
  ].join('\n');
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">\n` +
    `<title>${esc(title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}
