/**
 * The gate engine: judges a candidate's metrics (and its baseline's) against the spec's rules.
 * Pure: the pipeline workflow imports it to decide, tests call it directly. It fails closed: a
 * missing or NaN metric, a baseline-relative rule without a usable baseline, or an interval rule
 * without an interval fails the rule with a reason. Rules judged on a confidence interval have a
 * third verdict, inconclusive, when the interval straddles the bound; the spec says what an
 * inconclusive gate does.
 */
import type { ComparisonOp, GateRule } from './gate-rules';

/** A rule's, and the gate's, verdict. */
export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** A metric's point estimate and, when computed, its confidence interval. */
export interface Estimate {
  value: number;
  lower?: number;
  upper?: number;
}

/**
 * What the evaluation measured, by metric key (`auc_roc`, `precision[class=1]`,
 * `recall[plan=basic]`, …; see `metricKey`).
 */
export interface GateEvidence {
  candidate: Readonly<Record<string, Estimate>>;
  /** The baseline's estimates on the same rows; undefined when there is no baseline. */
  baseline?: Readonly<Record<string, Estimate>>;
  /** candidate − baseline, its interval from paired resampling of the same rows. */
  difference?: Readonly<Record<string, Estimate>>;
  /** candidate / baseline, its interval from the same paired resampling. */
  ratio?: Readonly<Record<string, Estimate>>;
  /** Confidence level of the intervals, e.g. 0.95 (for reports). */
  level?: number;
}

/** The interval an interval rule judged, and the bound it was judged against. */
export interface JudgedInterval {
  /** What the interval is of: the candidate's metric, its difference from the baseline, or its ratio to it. */
  of: 'metric' | 'difference' | 'ratio';
  lower: number;
  upper: number;
  bound: number;
  level: number | null;
}

/** One rule's outcome. Numbers are null when they could not be computed. */
export interface GateResult {
  /** The rule as written. */
  rule: string;
  /** The metric key the rule reads. */
  metric: string;
  /** The comparison: candidate `op` required (`drop <=` rules compare with `>=`). */
  op: ComparisonOp;
  /** What the rule was judged on. */
  on: 'point' | 'interval';
  verdict: Verdict;
  /** The candidate's value. */
  observed: number | null;
  /** The bound the candidate's value is compared with (for baseline rules: from the baseline's value). */
  required: number | null;
  /** The baseline's value of the metric, when there is one (also reported for absolute rules). */
  baseline: number | null;
  /** observed − baseline. */
  delta: number | null;
  /**
   * The interval an interval rule judged; for a point rule, the interval of the same quantity when
   * the evaluation computed one (shown, not judged); null when there is none.
   */
  interval: JudgedInterval | null;
  /** Human sentence: what was compared, or why the rule failed closed. */
  reason: string;
}

/** All rules' outcomes. */
export interface GateReport {
  /** fail when any rule failed, else inconclusive when any was, else pass (also with no rules). */
  verdict: Verdict;
  /** verdict === 'pass'. */
  passed: boolean;
  results: GateResult[];
}

/** Bound once: `Math.x` lookups are slow under Jest's global Proxy (see src/sketch/hash.ts). */
const absOf = Math.abs;
const maxOf = Math.max;

function usable(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Compares with `op`. Non-strict ops (`>=`, `<=`) accept values within 1e-12 (relative) of the
 * bound, so floating-point artefacts such as 0.8 × 0.95 = 0.7600000000000001 do not fail a
 * candidate sitting exactly on the bound; strict ops are exact.
 */
export function compare(observed: number, op: ComparisonOp, required: number): boolean {
  const eps = 1e-12 * maxOf(1, absOf(required));
  switch (op) {
    case '>=':
      return observed >= required - eps;
    case '>':
      return observed > required;
    case '<=':
      return observed <= required + eps;
    case '<':
      return observed < required;
  }
}

/**
 * The verdict of an interval against a bound: pass when every value in it meets the bound, fail
 * when none does, inconclusive when it straddles the bound.
 */
export function judgeInterval(lower: number, upper: number, op: ComparisonOp, bound: number): Verdict {
  const [best, worst] = op === '>=' || op === '>' ? [upper, lower] : [lower, upper];
  if (compare(worst, op, bound)) return 'pass';
  if (!compare(best, op, bound)) return 'fail';
  return 'inconclusive';
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${fmt(v)}`;
}

function describeMissing(who: 'candidate' | 'baseline', metric: string, e: Estimate | undefined): string {
  if (e === undefined) return `${who} has no ${metric} value`;
  return (
    `${who} ${metric} is ${String(e.value)}` +
    (metric.startsWith('auc_roc') && Number.isNaN(e.value)
      ? ' (e.g. an evaluation set with a single class)'
      : '')
  );
}

function evaluateRule(rule: GateRule, evidence: GateEvidence): GateResult {
  const metric = rule.metric;
  const obs = evidence.candidate[metric];
  const base = evidence.baseline?.[metric];
  const observed = usable(obs?.value) ? obs.value : null;
  const baseline = usable(base?.value) ? base.value : null;
  const result: GateResult = {
    rule: rule.text,
    metric,
    op: rule.op,
    on: rule.on === 'interval' ? 'interval' : 'point',
    verdict: 'fail',
    observed,
    required: null,
    baseline,
    delta: observed !== null && baseline !== null ? observed - baseline : null,
    interval: null,
    reason: '',
  };

  if (rule.kind !== 'absolute' && baseline === null) {
    result.reason =
      evidence.baseline === undefined
        ? `no baseline to compare ${metric} with (no production model yet?); a baseline-relative rule fails closed`
        : `${describeMissing('baseline', metric, base)}; a baseline-relative rule fails closed`;
    return result;
  }
  if (rule.kind === 'absolute') result.required = rule.threshold;
  else if (baseline !== null)
    result.required = rule.kind === 'delta' ? baseline + rule.delta : baseline * rule.ratio;
  if (observed === null) {
    result.reason = `${describeMissing('candidate', metric, obs)}; the rule fails closed`;
    return result;
  }
  const required = result.required as number;

  // What an interval of this rule is of: the metric, the difference from the baseline or the ratio.
  const [of, estimate, bound]: [JudgedInterval['of'], Estimate | undefined, number] =
    rule.kind === 'absolute'
      ? ['metric', obs, rule.threshold]
      : rule.kind === 'delta'
        ? ['difference', evidence.difference?.[metric], rule.delta]
        : ['ratio', evidence.ratio?.[metric], rule.ratio];
  const hasInterval = usable(estimate?.lower) && usable(estimate?.upper);

  // Rules compiled before interval gates (replayed histories) have no `on`: they are point rules.
  if (rule.on !== 'interval') {
    const ok = compare(observed, rule.op, required);
    result.verdict = ok ? 'pass' : 'fail';
    result.reason = `${metric} ${fmt(observed)} ${ok ? 'meets' : 'does not meet'} ${rule.op} ${fmt(required)}`;
    // The interval, when the evaluation computed one, is shown beside the point verdict.
    if (hasInterval) {
      const e = estimate as Required<Estimate>;
      result.interval = { of, lower: e.lower, upper: e.upper, bound, level: evidence.level ?? null };
    }
    return result;
  }

  const what =
    of === 'metric'
      ? metric
      : `the ${of} of ${metric} (candidate ${of === 'difference' ? '−' : '/'} baseline)`;
  if (!hasInterval) {
    result.reason = `no confidence interval for ${what}; an interval rule fails closed`;
    return result;
  }
  const { lower, upper } = estimate as Required<Estimate>;
  result.interval = { of, lower, upper, bound, level: evidence.level ?? null };
  result.verdict = judgeInterval(lower, upper, rule.op, bound);
  const range = `[${fmt(lower)}, ${fmt(upper)}]`;
  const level = evidence.level !== undefined ? `${Math.round(evidence.level * 1000) / 10}% ` : '';
  result.reason =
    result.verdict === 'pass'
      ? `the whole ${level}interval of ${what} ${range} meets ${rule.op} ${fmt(bound)}`
      : result.verdict === 'fail'
        ? `no part of the ${level}interval of ${what} ${range} meets ${rule.op} ${fmt(bound)}`
        : `the ${level}interval of ${what} ${range} straddles ${rule.op} ${fmt(bound)}: the data cannot tell`;
  return result;
}

/**
 * Judges the evidence against every rule. Never throws; each rule gets a result.
 * @param evidence the candidate's estimates, and the baseline's (with paired differences and
 *   ratios) when there is a baseline; baseline-relative rules fail without one
 */
export function evaluateGates(rules: readonly GateRule[], evidence: GateEvidence): GateReport {
  const results = rules.map((r) => evaluateRule(r, evidence));
  const verdict: Verdict = results.some((r) => r.verdict === 'fail')
    ? 'fail'
    : results.some((r) => r.verdict === 'inconclusive')
      ? 'inconclusive'
      : 'pass';
  return { verdict, passed: verdict === 'pass', results };
}

/** Point estimates only (no intervals), as evidence: for callers with plain metric values. */
export function pointEvidence(
  candidate: Readonly<Record<string, number>>,
  baseline?: Readonly<Record<string, number>>,
): GateEvidence {
  const wrap = (m: Readonly<Record<string, number>>): Record<string, Estimate> =>
    Object.fromEntries(Object.entries(m).map(([k, value]) => [k, { value }]));
  return { candidate: wrap(candidate), ...(baseline !== undefined ? { baseline: wrap(baseline) } : {}) };
}

/**
 * A human table of a report, one line per rule, e.g.
 * `FAIL auc_roc >= baseline - 0.005: observed 0.6412, required >= 0.8321 (baseline 0.8371, delta -0.1959)`;
 * an interval rule adds its interval and bound. A rule that failed closed shows its reason
 * instead of numbers. No rules: `(no gates)`.
 */
export function formatGateReport(report: GateReport): string {
  if (report.results.length === 0) return '(no gates)';
  return report.results
    .map((r) => {
      const head = `${r.verdict.toUpperCase()} ${r.rule}: `;
      if (r.observed === null || r.required === null || (r.on === 'interval' && r.interval === null))
        return head + r.reason;
      let line = `${head}observed ${fmt(r.observed)}, required ${r.op} ${fmt(r.required)}`;
      if (r.baseline !== null && r.delta !== null)
        line += ` (baseline ${fmt(r.baseline)}, delta ${signed(r.delta)})`;
      if (r.interval !== null) {
        const i = r.interval;
        const level = i.level !== null ? `${Math.round(i.level * 1000) / 10}% ` : '';
        line += `; ${level}interval of the ${i.of} [${fmt(i.lower)}, ${fmt(i.upper)}] vs ${r.op} ${fmt(i.bound)}`;
      }
      return line;
    })
    .join('\n');
}
