/**
 * Gate rules: parsing the rule text of a spec and judging a candidate's metrics (and its
 * baseline's) against them. Pure: the pipeline workflow imports it to decide, tests call it
 * directly. Evaluation fails closed: a missing or NaN metric, or a baseline-relative rule
 * without a usable baseline, fails the rule with a reason.
 */
import { METRIC_NAMES } from './spec/types';
import type { ComparisonOp, GateRule, MetricName } from './spec/types';

/** The rule forms `parseGateRule` accepts, for error messages and docs. */
export const GATE_RULE_FORMS = [
  '<metric> <op> <number>',
  '<metric> <op> baseline',
  '<metric> <op> baseline + <n>',
  '<metric> <op> baseline - <n>',
  '<metric> <op> baseline * <r>',
  '<metric> drop <= <p>%',
  '<metric> drop <= <n>',
] as const;

const COMPARISON_OPS: readonly ComparisonOp[] = ['>=', '>', '<=', '<'];
const NUM = '(\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE]([+-]?\\d+))?';
const METRIC = '([A-Za-z_][A-Za-z0-9_]*)';
const OP = '(>=|<=|>|<)';
const RE_DROP = new RegExp(`^${METRIC}\\s+drop\\s*<=\\s*${NUM}\\s*(%?)$`);
const RE_BASELINE = new RegExp(`^${METRIC}\\s*${OP}\\s*baseline(?:\\s*([-+*])\\s*${NUM})?$`);
const RE_ABSOLUTE = new RegExp(`^${METRIC}\\s*${OP}\\s*(-?)${NUM}$`);
const RE_METRIC_FIRST = new RegExp(`^${METRIC}`);

function num(mantissa: string | undefined, exponent: string | undefined): number {
  return Number(`${mantissa ?? 'NaN'}${exponent !== undefined ? `e${exponent}` : ''}`);
}

function formsMessage(text: string): string {
  return (
    `invalid gate rule "${text}": expected one of ${GATE_RULE_FORMS.map((f) => `"${f}"`).join(', ')}, ` +
    `where <op> is one of ${COMPARISON_OPS.join(', ')} and <metric> one of ${METRIC_NAMES.join(', ')}`
  );
}

function checkMetric(name: string, text: string): MetricName {
  if (!(METRIC_NAMES as readonly string[]).includes(name)) {
    throw new Error(
      `invalid gate rule "${text}": unknown metric "${name}"; expected one of ${METRIC_NAMES.join(', ')}`,
    );
  }
  return name as MetricName;
}

/**
 * Parses one gate rule as written in a spec:
 * - `auc_roc >= 0.70` — absolute threshold (metrics are fractions: the number must be in [0, 1]);
 * - `auc_roc >= baseline`, `auc_roc >= baseline - 0.005`, `f1 > baseline + 0.01` — delta rule;
 * - `recall >= baseline * 0.98` — ratio rule (ratio > 0);
 * - `precision drop <= 5%` — at most a 5 % relative drop: `>=` baseline × 0.95 (0 ≤ p ≤ 100);
 * - `precision drop <= 0.02` — at most an absolute drop of 0.02: `>=` baseline − 0.02.
 *
 * `op` is one of `>=`, `>`, `<=`, `<`; whitespace around tokens is optional. The returned rule
 * keeps the trimmed text for reports.
 * @throws Error naming the rule and the accepted forms; the spec compiler turns it into a
 *   `SpecIssue` at `gates[i]`.
 */
export function parseGateRule(text: string): GateRule {
  const t = text.trim().replace(/\s+/g, ' ');
  const first = RE_METRIC_FIRST.exec(t);

  const drop = RE_DROP.exec(t);
  if (drop) {
    const metric = checkMetric(drop[1] as string, t);
    const n = num(drop[2], drop[3]);
    if (drop[4] === '%') {
      if (!(n <= 100))
        throw new Error(`invalid gate rule "${t}": a relative drop must be between 0% and 100%, got ${n}%`);
      return { kind: 'ratio', text: t, metric, op: '>=', ratio: 1 - n / 100 };
    }
    if (!(n <= 1))
      throw new Error(
        `invalid gate rule "${t}": an absolute drop must be between 0 and 1 (metrics are fractions; write "${n}%" for a relative drop), got ${n}`,
      );
    return { kind: 'delta', text: t, metric, op: '>=', delta: n === 0 ? 0 : -n };
  }

  const rel = RE_BASELINE.exec(t);
  if (rel) {
    const metric = checkMetric(rel[1] as string, t);
    const op = rel[2] as ComparisonOp;
    const sign = rel[3];
    if (sign === undefined) return { kind: 'delta', text: t, metric, op, delta: 0 };
    const n = num(rel[4], rel[5]);
    if (sign === '*') {
      if (!(n > 0))
        throw new Error(`invalid gate rule "${t}": the baseline ratio must be greater than 0, got ${n}`);
      return { kind: 'ratio', text: t, metric, op, ratio: n };
    }
    return { kind: 'delta', text: t, metric, op, delta: sign === '-' && n !== 0 ? -n : n };
  }

  const abs = RE_ABSOLUTE.exec(t);
  if (abs) {
    const metric = checkMetric(abs[1] as string, t);
    const n = (abs[3] === '-' ? -1 : 1) * num(abs[4], abs[5]);
    if (!(n >= 0 && n <= 1)) {
      throw new Error(
        `invalid gate rule "${t}": threshold ${n} is outside [0, 1] (metrics are fractions, e.g. 0.7 not 70)`,
      );
    }
    return { kind: 'absolute', text: t, metric, op: abs[2] as ComparisonOp, threshold: n };
  }

  // Name the metric when that is the (only) thing wrong, else list the accepted forms.
  if (first && !(METRIC_NAMES as readonly string[]).includes(first[1] as string))
    checkMetric(first[1] as string, t);
  throw new Error(formsMessage(t));
}

/** One rule's outcome. Numbers are null when they could not be computed. */
export interface GateResult {
  /** The rule as written. */
  rule: string;
  metric: MetricName;
  /** The comparison: candidate `op` required (`drop <=` rules compare with `>=`). */
  op: ComparisonOp;
  verdict: 'pass' | 'fail';
  /** The candidate's value. */
  observed: number | null;
  /** The bound the candidate is compared with (`op` is in `rule`). */
  required: number | null;
  /** The baseline's value of the metric, when there is one (also reported for absolute rules). */
  baseline: number | null;
  /** observed − baseline. */
  delta: number | null;
  /** Human sentence: what was compared, or why the rule failed closed. */
  reason: string;
}

/** All rules' outcomes; `passed` only when every rule passed (true for no rules). */
export interface GateReport {
  passed: boolean;
  results: GateResult[];
}

/** Metric values by name, as computed by `binaryMetrics` (extra keys are ignored). */
export type MetricValues = Partial<Record<MetricName, number>>;

function usable(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Compares with `op`. Non-strict ops (`>=`, `<=`) accept values within 1e-12 (relative) of the
 * bound, so floating-point artefacts such as 0.8 × 0.95 = 0.7600000000000001 do not fail a
 * candidate sitting exactly on the bound; strict ops are exact.
 */
export function compare(observed: number, op: ComparisonOp, required: number): boolean {
  const eps = 1e-12 * Math.max(1, Math.abs(required));
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

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

function describeMissing(who: 'candidate' | 'baseline', metric: MetricName, v: number | undefined): string {
  if (v === undefined) return `${who} has no ${metric} value`;
  return (
    `${who} ${metric} is ${String(v)}` +
    (metric === 'auc_roc' && Number.isNaN(v) ? ' (e.g. an evaluation set with a single class)' : '')
  );
}

function evaluateRule(
  rule: GateRule,
  candidate: MetricValues,
  baseline: MetricValues | undefined,
): GateResult {
  const metric = rule.metric;
  const obs = candidate[metric];
  const base = baseline?.[metric];
  const baseUsable = usable(base) ? base : null;
  const result: GateResult = {
    rule: rule.text,
    metric,
    op: rule.op,
    verdict: 'fail',
    observed: usable(obs) ? obs : null,
    required: null,
    baseline: baseUsable,
    delta: usable(obs) && baseUsable !== null ? obs - baseUsable : null,
    reason: '',
  };

  let required: number;
  switch (rule.kind) {
    case 'absolute':
      required = rule.threshold;
      break;
    case 'delta':
    case 'ratio':
      if (baseUsable === null) {
        result.reason =
          baseline === undefined
            ? `no baseline to compare ${metric} with (no production model yet?); a baseline-relative rule fails closed`
            : `${describeMissing('baseline', metric, base)}; a baseline-relative rule fails closed`;
        return result;
      }
      required = rule.kind === 'delta' ? baseUsable + rule.delta : baseUsable * rule.ratio;
      break;
  }
  result.required = required;

  if (!usable(obs)) {
    result.reason = `${describeMissing('candidate', metric, obs)}; the rule fails closed`;
    return result;
  }
  const ok = compare(obs, rule.op, required);
  result.verdict = ok ? 'pass' : 'fail';
  result.reason = `${metric} ${fmt(obs)} ${ok ? 'meets' : 'does not meet'} ${rule.op} ${fmt(required)}`;
  return result;
}

/**
 * Judges `candidate` (and, for baseline-relative rules, `baseline`) against every rule. Never
 * throws; each rule gets a result.
 * @param baseline the production model's metrics on the same evaluation data; undefined when
 *   there is no production model yet (baseline-relative rules then fail).
 */
export function evaluateGates(
  rules: readonly GateRule[],
  candidate: MetricValues,
  baseline?: MetricValues,
): GateReport {
  const results = rules.map((r) => evaluateRule(r, candidate, baseline));
  return { passed: results.every((r) => r.verdict === 'pass'), results };
}

/**
 * A human table of a report, one line per rule, e.g.
 * `FAIL auc_roc >= baseline - 0.005: observed 0.6412, required >= 0.8321 (baseline 0.8371, delta -0.1959)`.
 * A rule that failed closed shows its reason instead of numbers. No rules: `(no gates)`.
 */
export function formatGateReport(report: GateReport): string {
  if (report.results.length === 0) return '(no gates)';
  return report.results
    .map((r) => {
      const head = `${r.verdict === 'pass' ? 'PASS' : 'FAIL'} ${r.rule}: `;
      if (r.observed === null || r.required === null) return head + r.reason;
      let line = `${head}observed ${fmt(r.observed)}, required ${r.op} ${fmt(r.required)}`;
      if (r.baseline !== null && r.delta !== null) {
        line += ` (baseline ${fmt(r.baseline)}, delta ${r.delta >= 0 ? '+' : ''}${fmt(r.delta)})`;
      }
      return line;
    })
    .join('\n');
}
