/**
 * Slices and fairness: every binary metric per value of each slice column, the worst slice and
 * the gap between slices (max − min), and the group-fairness differences as fairlearn defines
 * them (demographic parity and equal opportunity differences, from predictions at the
 * threshold). Values match fairlearn 0.15 and scikit-learn on the fixtures of
 * test/fixtures/metrics/generate_slices.py.
 */
import { DataValidationError } from '../core/errors';
import { METRIC_NAMES } from '../core/spec/types';
import type { MetricName } from '../core/spec/types';
import { binaryMetrics } from './binary';
import type { BinaryMetrics } from './binary';

/** The scalar binary metrics a slice reports: the release's binary metrics (the gate engine's names). */
export const SLICE_METRICS = METRIC_NAMES;
export type SliceMetricName = MetricName;

/** Metrics where a lower value is better: their worst slice is the highest. */
export const LOWER_IS_BETTER: ReadonlySet<SliceMetricName> = new Set(['log_loss', 'brier', 'ece']);

/** One slice column's values per row (null: the row has no value and belongs to no slice). */
export interface SliceColumn {
  name: string;
  values: ReadonlyArray<string | null>;
}

/** One slice's metrics. */
export interface SliceResult {
  value: string;
  rows: number;
  metrics: Pick<BinaryMetrics, SliceMetricName | 'positives' | 'negatives'>;
  /** Share of the slice's rows predicted positive (fairlearn's selection rate). */
  selection_rate: number;
}

/** Every slice of one column, and what is compared across them. */
export interface SliceColumnResult {
  column: string;
  /** Slices in order of first appearance. */
  slices: SliceResult[];
  /** Per metric: the worst slice's value (NaN when any slice's value is NaN: gates fail closed). */
  worst: Record<SliceMetricName, number>;
  /** Per metric: max − min across the slices (NaN when any slice's value is NaN). */
  gap: Record<SliceMetricName, number>;
  /** max − min of the slices' selection rates. */
  demographic_parity_difference: number;
  /** max − min of the slices' true positive rates (recall). */
  equal_opportunity_difference: number;
}

/** The rows of each distinct value of a column, in order of first appearance. */
export function groupRows(values: ReadonlyArray<string | null>): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    let rows = groups.get(v);
    if (rows === undefined) groups.set(v, (rows = []));
    rows.push(i);
  }
  return groups;
}

function spread(values: readonly number[]): number {
  if (values.some((v) => Number.isNaN(v))) return NaN;
  return Math.max(...values) - Math.min(...values);
}

/**
 * Binary metrics per slice of each column, with worst slice, gaps and fairness differences.
 * @param labels 0/1 per row; `scores` probabilities per row (validated as `binaryMetrics` does)
 * @param threshold score ≥ threshold predicts 1
 * @throws DataValidationError when a slice column's length differs from the rows', or it has no
 *   value at all
 */
export function sliceMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
  columns: readonly SliceColumn[],
): SliceColumnResult[] {
  return columns.map((column) => {
    if (column.values.length !== labels.length)
      throw new DataValidationError(
        `slice column "${column.name}" has ${column.values.length} values for ${labels.length} rows`,
      );
    const groups = groupRows(column.values);
    if (groups.size === 0)
      throw new DataValidationError(`slice column "${column.name}" has no values (every row is null)`);
    const slices: SliceResult[] = [];
    for (const [value, rows] of groups) {
      const l = Float64Array.from(rows, (i) => labels[i] as number);
      const s = Float64Array.from(rows, (i) => scores[i] as number);
      const m = binaryMetrics(l, s, threshold);
      const metrics = Object.fromEntries(SLICE_METRICS.map((k) => [k, m[k]])) as Record<
        SliceMetricName,
        number
      >;
      slices.push({
        value,
        rows: rows.length,
        metrics: { ...metrics, positives: m.positives, negatives: m.negatives },
        selection_rate: (m.tp + m.fp) / m.n,
      });
    }
    const worst = {} as Record<SliceMetricName, number>;
    const gap = {} as Record<SliceMetricName, number>;
    for (const k of SLICE_METRICS) {
      const values = slices.map((sl) => sl.metrics[k]);
      gap[k] = spread(values);
      worst[k] = values.some((v) => Number.isNaN(v))
        ? NaN
        : LOWER_IS_BETTER.has(k)
          ? Math.max(...values)
          : Math.min(...values);
    }
    return {
      column: column.name,
      slices,
      worst,
      gap,
      demographic_parity_difference: spread(slices.map((sl) => sl.selection_rate)),
      // fairlearn's true positive rate of a group without positives is 0 (its recall here too).
      equal_opportunity_difference: spread(slices.map((sl) => sl.metrics.recall)),
    };
  });
}

/**
 * The slice metrics as gate values by metric key: `recall[plan=basic]`, `auc_roc[worst plan]`,
 * `auc_roc[gap plan]`, `demographic_parity_difference[plan]`, … (see `metricKey`).
 */
export function sliceMetricValues(results: readonly SliceColumnResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    for (const sl of r.slices)
      for (const k of SLICE_METRICS) out[`${k}[${r.column}=${sl.value}]`] = sl.metrics[k];
    for (const k of SLICE_METRICS) {
      out[`${k}[worst ${r.column}]`] = r.worst[k];
      out[`${k}[gap ${r.column}]`] = r.gap[k];
    }
    out[`demographic_parity_difference[${r.column}]`] = r.demographic_parity_difference;
    out[`equal_opportunity_difference[${r.column}]`] = r.equal_opportunity_difference;
  }
  return out;
}
