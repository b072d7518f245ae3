/**
 * The evidence the gate engine judges: the candidate's and the baseline's value of every metric
 * key, and, for every rule on a per-row metric, a seeded percentile-bootstrap interval of what it
 * compares (judged for rules "with confidence", shown for the others): the candidate's metric (absolute rules), the paired difference
 * candidate − baseline (delta rules) or the paired ratio candidate / baseline (ratio rules).
 * Paired: each round resamples the rows once and evaluates both models on that resample, so the
 * interval reflects the models' difference, not the eval set's luck.
 */
import type { GateRule } from '../core/gate-rules';
import type { Estimate, GateEvidence } from '../core/gates';
import { DataValidationError } from '../core/errors';
import { bootstrap, bootstrapAucDifference, prepareWeightedAuc } from './bootstrap';
import type { BootstrapOptions, BootstrapResult, WeightedMetric } from './bootstrap';
import type { BinaryEvaluation } from './evaluation';
import { groupRows, LOWER_IS_BETTER, SLICE_METRICS } from './slices';
import type { SliceColumn, SliceMetricName } from './slices';
import { WeightedBinaryEvaluator } from './weighted-binary';
import type { WeightedMetricName } from './weighted-binary';

/** One model's predictions and its evaluation. */
export interface EvaluatedModel {
  labels: Float64Array;
  scores: Float64Array;
  slices: readonly SliceColumn[];
  evaluation: BinaryEvaluation;
}

/** Interval settings: bootstrap rounds, seed and confidence level. */
export type IntervalSettings = Required<Pick<BootstrapOptions, 'rounds' | 'seed' | 'level'>>;

/** Builds weighted metrics of one model, caching its evaluators per row subset. */
class WeightedModel {
  private readonly evaluators = new Map<string, WeightedBinaryEvaluator>();
  private auc: ((counts: Uint32Array) => number) | undefined;

  constructor(private readonly model: EvaluatedModel) {}

  private evaluator(key: string, rows?: number[]): WeightedBinaryEvaluator {
    let e = this.evaluators.get(key);
    if (e === undefined) {
      const { labels, scores, evaluation } = this.model;
      e = new WeightedBinaryEvaluator(labels, scores, evaluation.threshold, rows);
      this.evaluators.set(key, e);
    }
    return e;
  }

  private sliceGroups(column: string): Map<string, number[]> {
    const c = this.model.slices.find((s) => s.name === column);
    if (c === undefined) throw new DataValidationError(`no slice column "${column}" in the predictions`);
    return groupRows(c.values);
  }

  /** The weighted form of a rule's metric, or undefined when it has none (latency, size, …). */
  metric(rule: GateRule): WeightedMetric | undefined {
    const s = rule.selector;
    if (!(SLICE_METRICS as readonly string[]).includes(rule.name) && s.kind !== 'column') return undefined;
    const name = rule.name as SliceMetricName;
    switch (s.kind) {
      case 'overall':
        if (name === 'auc_roc') {
          if (this.auc === undefined) {
            const prepared = prepareWeightedAuc(this.model.labels, this.model.scores);
            this.auc = (counts) => prepared.auc(counts);
          }
          return this.auc;
        }
        return (counts) => this.evaluator('*').metric(name, counts);
      case 'class': {
        if (s.class !== '0' && s.class !== '1')
          throw new DataValidationError(
            `gate "${rule.text}": a binary model has classes 0 and 1, not "${s.class}"`,
          );
        const m = (s.class === '0' ? `${name}_0` : name) as WeightedMetricName;
        return (counts) => this.evaluator('*').metric(m, counts);
      }
      case 'slice': {
        const rows = this.sliceGroups(s.column).get(s.value);
        if (rows === undefined)
          throw new DataValidationError(
            `gate "${rule.text}": slice column "${s.column}" has no value "${s.value}"`,
          );
        const e = this.evaluator(`${s.column}=${s.value}`, rows);
        return (counts) => e.metric(name, counts);
      }
      case 'worst':
      case 'gap': {
        const evaluators = [...this.sliceGroups(s.column)].map(([v, rows]) =>
          this.evaluator(`${s.column}=${v}`, rows),
        );
        const lowerIsBetter = LOWER_IS_BETTER.has(name);
        return (counts) => {
          let lo = Infinity;
          let hi = -Infinity;
          for (const e of evaluators) {
            const v = e.metric(name, counts);
            if (Number.isNaN(v)) return NaN;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          return s.kind === 'gap' ? hi - lo : lowerIsBetter ? hi : lo;
        };
      }
      case 'column': {
        const evaluators = [...this.sliceGroups(s.column)].map(([v, rows]) =>
          this.evaluator(`${s.column}=${v}`, rows),
        );
        const per: WeightedMetricName =
          rule.name === 'demographic_parity_difference' ? 'selection_rate' : 'recall';
        return (counts) => {
          let lo = Infinity;
          let hi = -Infinity;
          for (const e of evaluators) {
            const v = e.metric(per, counts);
            if (Number.isNaN(v)) return NaN;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          return hi - lo;
        };
      }
    }
  }
}

function estimates(values: Readonly<Record<string, number>>): Record<string, Estimate> {
  return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]));
}

function withInterval(r: BootstrapResult): Estimate {
  return { value: r.estimate, lower: r.interval.lower, upper: r.interval.upper };
}

/**
 * Checks that two models were scored on the same rows: same count, same labels.
 * @throws DataValidationError naming the mismatch
 */
export function checkSameRows(candidate: EvaluatedModel, baseline: EvaluatedModel): void {
  const n = candidate.labels.length;
  if (baseline.labels.length !== n)
    throw new DataValidationError(
      `candidate and baseline predictions differ in rows: ${n} candidate rows, ${baseline.labels.length} baseline rows; both must score the same eval set`,
    );
  for (let i = 0; i < n; i++) {
    if (candidate.labels[i] !== baseline.labels[i])
      throw new DataValidationError(
        `candidate and baseline predictions differ in their label at row ${i} (${candidate.labels[i]} against ${baseline.labels[i]}); both must score the same eval set in the same order`,
      );
  }
}

/**
 * The gate evidence of a candidate (and its baseline) for `rules`: every evaluated value as a
 * point estimate, plus bootstrap intervals for the rules judged on intervals.
 * @throws DataValidationError when the baseline scored other rows, or a rule names a slice or
 *   class the predictions do not have
 */
export function gateEvidence(
  rules: readonly GateRule[],
  candidate: EvaluatedModel,
  baseline: EvaluatedModel | undefined,
  settings: IntervalSettings,
  extra: { candidate?: Record<string, number>; baseline?: Record<string, number> } = {},
): GateEvidence {
  if (baseline !== undefined) checkSameRows(candidate, baseline);
  const evidence: GateEvidence & {
    candidate: Record<string, Estimate>;
    difference: Record<string, Estimate>;
    ratio: Record<string, Estimate>;
  } = {
    candidate: estimates({ ...candidate.evaluation.values, ...extra.candidate }),
    ...(baseline !== undefined
      ? { baseline: estimates({ ...baseline.evaluation.values, ...extra.baseline }) }
      : {}),
    difference: {},
    ratio: {},
    level: settings.level,
  };
  const n = candidate.labels.length;
  const cand = new WeightedModel(candidate);
  const base = baseline !== undefined ? new WeightedModel(baseline) : undefined;
  // Every rule gets the interval of what it compares: interval rules are judged on it, point
  // rules show it beside their verdict.
  for (const rule of rules) {
    // An undefined value (AUC of one class) has no interval: its rule fails closed on the value.
    if (!Number.isFinite(evidence.candidate[rule.metric]?.value ?? NaN)) continue;
    if (rule.kind !== 'absolute' && !Number.isFinite(evidence.baseline?.[rule.metric]?.value ?? NaN))
      continue;
    const c = cand.metric(rule);
    if (c === undefined) continue; // no per-row form: the rule fails closed for want of an interval
    if (rule.kind === 'absolute') {
      if (evidence.candidate[rule.metric]?.lower === undefined)
        evidence.candidate[rule.metric] = withInterval(bootstrap(n, c, settings));
      continue;
    }
    if (base === undefined || baseline === undefined) continue; // fails closed: no baseline
    const b = base.metric(rule) as WeightedMetric;
    if (rule.kind === 'delta' && evidence.difference[rule.metric] === undefined) {
      evidence.difference[rule.metric] =
        rule.metric === 'auc_roc'
          ? withInterval(
              bootstrapAucDifference(candidate.labels, candidate.scores, baseline.scores, settings),
            )
          : withInterval(bootstrap(n, (counts) => c(counts) - b(counts), settings));
    }
    if (rule.kind === 'ratio' && evidence.ratio[rule.metric] === undefined) {
      evidence.ratio[rule.metric] = withInterval(bootstrap(n, (counts) => c(counts) / b(counts), settings));
    }
  }
  return evidence;
}

/** Rows up to which the report gives every metric an interval (each costs two bootstraps). */
export const ALL_INTERVALS_MAX_ROWS = 200_000;

/** A metric's intervals in the evaluation report: of the candidate's value and of candidate − baseline. */
export interface MetricIntervals {
  candidate?: [number, number];
  difference?: [number, number];
}

/**
 * Bootstrap intervals of every overall binary metric, the candidate's and (paired) the
 * difference from the baseline, for the evaluation report. Undefined metrics get none.
 */
export function allMetricIntervals(
  candidate: EvaluatedModel,
  baseline: EvaluatedModel | undefined,
  settings: IntervalSettings,
): Record<string, MetricIntervals> {
  const n = candidate.labels.length;
  const c = new WeightedBinaryEvaluator(candidate.labels, candidate.scores, candidate.evaluation.threshold);
  const b =
    baseline !== undefined
      ? new WeightedBinaryEvaluator(baseline.labels, baseline.scores, baseline.evaluation.threshold)
      : undefined;
  const pair = (r: BootstrapResult): [number, number] | undefined =>
    Number.isFinite(r.interval.lower) && Number.isFinite(r.interval.upper)
      ? [r.interval.lower, r.interval.upper]
      : undefined;
  const out: Record<string, MetricIntervals> = {};
  for (const name of SLICE_METRICS) {
    const entry: MetricIntervals = {};
    if (Number.isFinite(candidate.evaluation.metrics[name])) {
      const ci = pair(bootstrap(n, (counts) => c.metric(name, counts), settings));
      if (ci !== undefined) entry.candidate = ci;
      if (b !== undefined && baseline !== undefined && Number.isFinite(baseline.evaluation.metrics[name])) {
        const di = pair(bootstrap(n, (counts) => c.metric(name, counts) - b.metric(name, counts), settings));
        if (di !== undefined) entry.difference = di;
      }
    }
    out[name] = entry;
  }
  return out;
}
