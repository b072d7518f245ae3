/**
 * One model's evaluation on a predictions file: every binary metric, per slice too, and the flat
 * map of values the gate engine reads by metric key (`auc_roc`, `precision[class=0]`,
 * `recall[plan=basic]`, `auc_roc[worst plan]`, `demographic_parity_difference[plan]`, …).
 */
import { binaryMetrics } from './binary';
import type { BinaryMetrics } from './binary';
import { SLICE_METRICS, sliceMetricValues, sliceMetrics } from './slices';
import type { SliceColumn, SliceColumnResult } from './slices';

/** A binary model's evaluation. */
export interface BinaryEvaluation {
  task: 'binary';
  rows: number;
  threshold: number;
  metrics: BinaryMetrics;
  slices: SliceColumnResult[];
  /** Every value a gate may name, by metric key. */
  values: Record<string, number>;
}

/** The overall and per-class values of a model's metrics, by metric key. */
export function overallValues(m: BinaryMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of SLICE_METRICS) out[k] = m[k];
  for (const c of ['0', '1'] as const) {
    out[`precision[class=${c}]`] = m.per_class[c].precision;
    out[`recall[class=${c}]`] = m.per_class[c].recall;
    out[`f1[class=${c}]`] = m.per_class[c].f1;
  }
  return out;
}

/**
 * Evaluates binary predictions: the metrics overall and per slice.
 * @param threshold score ≥ threshold predicts 1
 * @throws DataValidationError on invalid labels or scores (see `binaryMetrics`) or slice columns
 */
export function evaluateBinary(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
  slices: readonly SliceColumn[] = [],
): BinaryEvaluation {
  const metrics = binaryMetrics(labels, scores, threshold);
  const sliced = sliceMetrics(labels, scores, threshold, slices);
  return {
    task: 'binary',
    rows: labels.length,
    threshold,
    metrics,
    slices: sliced,
    values: { ...overallValues(metrics), ...sliceMetricValues(sliced) },
  };
}
