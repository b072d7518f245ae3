/**
 * Gate rules as written in a spec, parsed into data: which metric (optionally of one class, one
 * slice, the worst slice or the gap between slices), compared how (an absolute bound, the
 * baseline plus a delta, the baseline times a ratio), and judged on what (the point estimate, or
 * the confidence interval, which adds a third verdict: inconclusive). Pure; the spec compiler
 * calls `parseGateRule`, the gate engine (`gates.ts`) judges the parsed rules.
 */

/** Comparison of a rule: candidate `op` required. */
export type ComparisonOp = '>=' | '>' | '<=' | '<';

/**
 * What a metric's values can be, for checking a rule's bound: `fraction` in [0, 1] (so "0.7",
 * not "70"), `nonnegative` (losses, errors, milliseconds, megabytes), `score` (any number, e.g.
 * R² which may be negative).
 */
export type MetricRange = 'fraction' | 'nonnegative' | 'score';

/** A metric a gate may name, with the range of its values and whether higher is better. */
export interface GateMetric {
  readonly range: MetricRange;
  readonly higherIsBetter: boolean;
  /** Selectors it accepts: per class (`[class=1]`), per slice (`[plan=basic]`, `[worst plan]`, `[gap plan]`). */
  readonly perClass?: boolean;
  /** A fairness metric is defined over the slices of one column: written `name[column]`. */
  readonly overColumn?: boolean;
}

/**
 * Every metric a rule may name: offline gates and live canary checks each accept their own subset
 * (the spec compiler says which). Slice selectors apply to every metric computed from predictions.
 */
export const GATE_METRICS = {
  auc_roc: { range: 'fraction', higherIsBetter: true },
  average_precision: { range: 'fraction', higherIsBetter: true },
  precision: { range: 'fraction', higherIsBetter: true, perClass: true },
  recall: { range: 'fraction', higherIsBetter: true, perClass: true },
  f1: { range: 'fraction', higherIsBetter: true, perClass: true },
  accuracy: { range: 'fraction', higherIsBetter: true },
  balanced_accuracy: { range: 'fraction', higherIsBetter: true },
  log_loss: { range: 'nonnegative', higherIsBetter: false },
  brier: { range: 'fraction', higherIsBetter: false },
  ece: { range: 'fraction', higherIsBetter: false },
  macro_f1: { range: 'fraction', higherIsBetter: true },
  micro_f1: { range: 'fraction', higherIsBetter: true },
  weighted_f1: { range: 'fraction', higherIsBetter: true },
  top_k_accuracy: { range: 'fraction', higherIsBetter: true },
  rmse: { range: 'nonnegative', higherIsBetter: false },
  mae: { range: 'nonnegative', higherIsBetter: false },
  mape: { range: 'nonnegative', higherIsBetter: false },
  r2: { range: 'score', higherIsBetter: true },
  demographic_parity_difference: { range: 'fraction', higherIsBetter: false, overColumn: true },
  equal_opportunity_difference: { range: 'fraction', higherIsBetter: false, overColumn: true },
  latency_p50_ms: { range: 'nonnegative', higherIsBetter: false },
  latency_p99_ms: { range: 'nonnegative', higherIsBetter: false },
  model_size_mb: { range: 'nonnegative', higherIsBetter: false },
  // Live serving metrics: canary checks only (see src/core/canary-analysis.ts).
  error_rate: { range: 'fraction', higherIsBetter: false },
  prediction_psi: { range: 'nonnegative', higherIsBetter: false },
} as const satisfies Record<string, GateMetric>;

export type GateMetricName = keyof typeof GATE_METRICS;
export const GATE_METRIC_NAMES = Object.keys(GATE_METRICS) as GateMetricName[];

/** Which value of a metric a rule reads. */
export type MetricSelector =
  | { kind: 'overall' }
  /** One class taken as positive (binary: "0" or "1"; multiclass: the class name or index). */
  | { kind: 'class'; class: string }
  /** The rows whose slice column equals a value. */
  | { kind: 'slice'; column: string; value: string }
  /** The worst slice of a column (lowest, or highest for a metric where lower is better). */
  | { kind: 'worst'; column: string }
  /** max − min of the metric across the slices of a column. */
  | { kind: 'gap'; column: string }
  /** A fairness metric's column (`demographic_parity_difference[plan]`). */
  | { kind: 'column'; column: string };

/** A parsed rule. `metric` is the key the evaluation reports its value under (see `metricKey`). */
export interface GateRuleBase {
  /** The rule as written (whitespace normalised), for reports. */
  text: string;
  /** The value's key, e.g. `auc_roc`, `precision[class=1]`, `recall[plan=basic]`, `auc_roc[gap plan]`. */
  metric: string;
  name: GateMetricName;
  selector: MetricSelector;
  op: ComparisonOp;
  /**
   * `point`: the point estimate against the bound (pass or fail). `interval`: the confidence
   * interval of the judged quantity (the metric, its difference from the baseline, or its ratio to
   * it) against the bound: pass when the whole interval meets it, fail when none of it does,
   * inconclusive when it straddles the bound.
   */
  on: 'point' | 'interval';
}

/** A compiled gate rule. */
export type GateRule =
  | (GateRuleBase & { kind: 'absolute'; threshold: number })
  /** candidate `op` baseline + delta (delta may be negative). */
  | (GateRuleBase & { kind: 'delta'; delta: number })
  /** candidate `op` baseline × ratio, e.g. "precision drop <= 5%" is `>=` baseline × 0.95. */
  | (GateRuleBase & { kind: 'ratio'; ratio: number });

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
const METRIC = '([A-Za-z_][A-Za-z0-9_]*)(?:\\s*\\[([^\\]]*)\\])?';
const OP = '(>=|<=|>|<)';
const RE_CHANGE = new RegExp(`^${METRIC}\\s+(drop|rise)\\s*<=\\s*${NUM}\\s*(%?)$`);
const RE_BASELINE = new RegExp(`^${METRIC}\\s*${OP}\\s*baseline(?:\\s*([-+*])\\s*${NUM})?$`);
const RE_ABSOLUTE = new RegExp(`^${METRIC}\\s*${OP}\\s*(-?)${NUM}$`);
const RE_METRIC_FIRST = new RegExp(`^${METRIC}`);
const RE_CONFIDENCE = /\s+with\s+confidence$/i;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function num(mantissa: string | undefined, exponent: string | undefined): number {
  return Number(`${mantissa ?? 'NaN'}${exponent !== undefined ? `e${exponent}` : ''}`);
}

function formsMessage(text: string): string {
  return (
    `invalid gate rule "${text}": expected one of ${GATE_RULE_FORMS.map((f) => `"${f}"`).join(', ')}, ` +
    `optionally followed by "with confidence", where <op> is one of ${COMPARISON_OPS.join(', ')} and <metric> ` +
    `is one of ${GATE_METRIC_NAMES.join(', ')}, optionally with [class=<c>], [<column>=<value>], ` +
    `[worst <column>] or [gap <column>]`
  );
}

function checkName(name: string, text: string): GateMetricName {
  if (!(name in GATE_METRICS)) {
    throw new Error(
      `invalid gate rule "${text}": unknown metric "${name}"; expected one of ${GATE_METRIC_NAMES.join(', ')}`,
    );
  }
  return name as GateMetricName;
}

/** Parses the text between brackets after a metric name. */
function parseSelector(name: GateMetricName, inner: string | undefined, text: string): MetricSelector {
  const meta: GateMetric = GATE_METRICS[name];
  if (meta.overColumn === true) {
    const column = (inner ?? '').trim();
    if (!NAME.test(column))
      throw new Error(
        `invalid gate rule "${text}": ${name} needs the slice column it compares, e.g. ${name}[plan]`,
      );
    return { kind: 'column', column };
  }
  if (inner === undefined) return { kind: 'overall' };
  const s = inner.trim();
  const word = /^(worst|gap)\s+([^\s=]+)$/.exec(s);
  if (word) {
    const column = word[2] as string;
    if (!NAME.test(column)) throw new Error(`invalid gate rule "${text}": "${column}" is not a column name`);
    return { kind: word[1] as 'worst' | 'gap', column };
  }
  const eq = /^([^=\s]+)\s*=\s*(.+)$/.exec(s);
  if (eq) {
    const key = eq[1] as string;
    const value = (eq[2] as string).trim();
    if (key === 'class') {
      if (meta.perClass !== true)
        throw new Error(
          `invalid gate rule "${text}": ${name} has no per-class value; per-class metrics are ${GATE_METRIC_NAMES.filter((m) => (GATE_METRICS[m] as GateMetric).perClass === true).join(', ')}`,
        );
      return { kind: 'class', class: value };
    }
    if (!NAME.test(key)) throw new Error(`invalid gate rule "${text}": "${key}" is not a column name`);
    return { kind: 'slice', column: key, value };
  }
  throw new Error(
    `invalid gate rule "${text}": cannot read the selector [${s}]; expected [class=<c>], [<column>=<value>], [worst <column>] or [gap <column>]`,
  );
}

/** The key an evaluation reports a selected metric's value under, e.g. `recall[plan=basic]`. */
export function metricKey(name: GateMetricName, selector: MetricSelector): string {
  switch (selector.kind) {
    case 'overall':
      return name;
    case 'class':
      return `${name}[class=${selector.class}]`;
    case 'slice':
      return `${name}[${selector.column}=${selector.value}]`;
    case 'worst':
      return `${name}[worst ${selector.column}]`;
    case 'gap':
      return `${name}[gap ${selector.column}]`;
    case 'column':
      return `${name}[${selector.column}]`;
  }
}

/** The range of the values a selected metric takes: a gap between fractions is a fraction too. */
function rangeOf(name: GateMetricName, selector: MetricSelector): MetricRange {
  const range: MetricRange = GATE_METRICS[name].range;
  return selector.kind === 'gap' && range === 'score' ? 'nonnegative' : range;
}

function checkThreshold(n: number, range: MetricRange, text: string): void {
  if (range === 'fraction' && !(n >= 0 && n <= 1)) {
    throw new Error(
      `invalid gate rule "${text}": threshold ${n} is outside [0, 1] (this metric is a fraction, e.g. 0.7 not 70)`,
    );
  }
  if (range === 'nonnegative' && !(n >= 0))
    throw new Error(`invalid gate rule "${text}": threshold ${n} is negative; this metric is never below 0`);
}

/**
 * Parses one gate rule as written in a spec:
 * - `auc_roc >= 0.70` — absolute bound (a fraction metric's bound must be in [0, 1]);
 * - `auc_roc >= baseline`, `auc_roc >= baseline - 0.005`, `f1 > baseline + 0.01` — delta rule;
 * - `recall >= baseline * 0.98` — ratio rule (ratio > 0);
 * - `precision drop <= 5%` — at most a 5 % relative drop: `>=` baseline × 0.95 (0 ≤ p ≤ 100);
 * - `precision drop <= 0.02` — at most an absolute drop of 0.02: `>=` baseline − 0.02;
 * - `log_loss rise <= 5%` / `latency_p99_ms rise <= 10` — the same for a lower-is-better metric;
 * - any of them followed by `with confidence`: judged on the confidence interval (three verdicts).
 *
 * The metric may carry a selector: `precision[class=0]`, `recall[plan=premium]`,
 * `auc_roc[worst plan]`, `auc_roc[gap plan]`; fairness metrics name their column:
 * `demographic_parity_difference[plan] <= 0.1`.
 * @throws Error naming the rule and what is wrong; the spec compiler turns it into a `SpecIssue`.
 */
export function parseGateRule(text: string): GateRule {
  let t = text.trim().replace(/\s+/g, ' ');
  const on: GateRule['on'] = RE_CONFIDENCE.test(t) ? 'interval' : 'point';
  const core = t.replace(RE_CONFIDENCE, '');
  t = core === t ? t : `${core} with confidence`;
  const first = RE_METRIC_FIRST.exec(core);

  const change = RE_CHANGE.exec(core);
  if (change) {
    const name = checkName(change[1] as string, t);
    const selector = parseSelector(name, change[2], t);
    const word = change[3] as 'drop' | 'rise';
    const pct = change[6];
    const n = num(change[4], change[5]);
    const higher = GATE_METRICS[name].higherIsBetter;
    if ((word === 'drop') !== higher)
      throw new Error(
        `invalid gate rule "${t}": ${name} is better when ${higher ? 'higher' : 'lower'}; write "${name} ${higher ? 'drop' : 'rise'} <= ..."`,
      );
    const op: ComparisonOp = higher ? '>=' : '<=';
    const base = { text: t, metric: metricKey(name, selector), name, selector, op, on };
    if (pct === '%') {
      if (!(n <= 100) && word === 'drop')
        throw new Error(`invalid gate rule "${t}": a relative drop must be between 0% and 100%, got ${n}%`);
      return { ...base, kind: 'ratio', ratio: higher ? 1 - n / 100 : 1 + n / 100 };
    }
    if (rangeOf(name, selector) === 'fraction' && !(n <= 1))
      throw new Error(
        `invalid gate rule "${t}": an absolute ${word} must be between 0 and 1 (metrics are fractions; write "${n}%" for a relative ${word}), got ${n}`,
      );
    return { ...base, kind: 'delta', delta: n === 0 ? 0 : higher ? -n : n };
  }

  const rel = RE_BASELINE.exec(core);
  if (rel) {
    const name = checkName(rel[1] as string, t);
    const selector = parseSelector(name, rel[2], t);
    const base = {
      text: t,
      metric: metricKey(name, selector),
      name,
      selector,
      op: rel[3] as ComparisonOp,
      on,
    };
    const sign = rel[4];
    if (sign === undefined) return { ...base, kind: 'delta', delta: 0 };
    const n = num(rel[5], rel[6]);
    if (sign === '*') {
      if (!(n > 0))
        throw new Error(`invalid gate rule "${t}": the baseline ratio must be greater than 0, got ${n}`);
      return { ...base, kind: 'ratio', ratio: n };
    }
    return { ...base, kind: 'delta', delta: sign === '-' && n !== 0 ? -n : n };
  }

  const abs = RE_ABSOLUTE.exec(core);
  if (abs) {
    const name = checkName(abs[1] as string, t);
    const selector = parseSelector(name, abs[2], t);
    const n = (abs[4] === '-' ? -1 : 1) * num(abs[5], abs[6]);
    checkThreshold(n, rangeOf(name, selector), t);
    return {
      text: t,
      metric: metricKey(name, selector),
      name,
      selector,
      op: abs[3] as ComparisonOp,
      on,
      kind: 'absolute',
      threshold: n,
    };
  }

  // Name the metric when that is the (only) thing wrong, else list the accepted forms.
  if (first && !((first[1] as string) in GATE_METRICS)) checkName(first[1] as string, t);
  throw new Error(formsMessage(t));
}
