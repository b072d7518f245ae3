/**
 * Binary metrics of a row-weighted sample, for the bootstrap: a resample is the original rows
 * with a multiplicity each (0, 1, 2, …), so every metric is computed from the rows once sorted
 * and the round's counts, without materialising the resample. With every count 1 the values equal
 * `binaryMetrics`'s (tests check it), and with integer counts they equal the metrics of the
 * expanded dataset.
 */
import { DataValidationError } from '../core/errors';
import { calibrationBin, calibrationEdges, DEFAULT_CALIBRATION_BINS } from './binary';
import type { SliceMetricName } from './slices';

/** Bound once: `Math.x` lookups are slow under Jest's global Proxy (see src/sketch/hash.ts). */
const log = Math.log;
const abs = Math.abs;
const EPS = Number.EPSILON;

/**
 * Metrics a weighted evaluator computes: the slice metrics, precision/recall/F1 of class 0, and the
 * selection rate (share predicted positive, for demographic parity).
 */
export type WeightedMetricName = SliceMetricName | 'precision_0' | 'recall_0' | 'f1_0' | 'selection_rate';

/**
 * One model's predictions on a set of rows (all rows, or one slice), sorted by score once so that
 * each weighted metric is one pass.
 */
export class WeightedBinaryEvaluator {
  /** Row index (into the counts array) of each position, ascending by score. */
  private readonly rows: Uint32Array;
  private readonly labels: Uint8Array;
  private readonly scores: Float64Array;
  /** Position where each run of equal scores ends (exclusive), by position of its first row. */
  private readonly runEnd: Uint32Array;
  private readonly edges = calibrationEdges(DEFAULT_CALIBRATION_BINS);

  /**
   * @param labels 0/1 per row of the whole dataset; `scores` probabilities per row (valid inputs)
   * @param threshold score ≥ threshold predicts 1
   * @param subset the rows to evaluate (a slice); all rows when undefined
   */
  constructor(
    labels: ArrayLike<number>,
    scores: ArrayLike<number>,
    private readonly threshold: number,
    subset?: ArrayLike<number>,
  ) {
    const m = subset === undefined ? labels.length : subset.length;
    const rows = new Uint32Array(m);
    for (let i = 0; i < m; i++) rows[i] = subset === undefined ? i : (subset[i] as number);
    // Sort positions by score: scores are finite, so a typed comparator sort is exact; done once.
    const order = Array.from(rows).sort((a, b) => (scores[a] as number) - (scores[b] as number));
    this.rows = Uint32Array.from(order);
    this.labels = Uint8Array.from(order, (r) => labels[r] as number);
    this.scores = Float64Array.from(order, (r) => scores[r] as number);
    this.runEnd = new Uint32Array(m);
    let i = 0;
    while (i < m) {
      let j = i + 1;
      while (j < m && this.scores[j] === this.scores[i]) j++;
      this.runEnd[i] = j;
      i = j;
    }
  }

  /**
   * The metric of the sample where row r appears `counts[r]` times.
   * @throws DataValidationError for a metric name it does not know
   */
  metric(name: WeightedMetricName, counts: ArrayLike<number>): number {
    switch (name) {
      case 'auc_roc':
        return this.auc(counts);
      case 'average_precision':
        return this.averagePrecision(counts);
      case 'log_loss':
      case 'brier':
        return this.loss(name, counts);
      case 'ece':
        return this.ece(counts);
      default:
        return this.thresholded(name, counts);
    }
  }

  private auc(counts: ArrayLike<number>): number {
    const { rows, labels, runEnd } = this;
    const m = rows.length;
    let negBelow = 0;
    let u = 0;
    let pos = 0;
    let i = 0;
    while (i < m) {
      const end = runEnd[i] as number;
      let p = 0;
      let q = 0;
      for (let k = i; k < end; k++) {
        const w = counts[rows[k] as number] as number;
        if (labels[k] === 1) p += w;
        else q += w;
      }
      u += p * (negBelow + q / 2);
      negBelow += q;
      pos += p;
      i = end;
    }
    return pos === 0 || negBelow === 0 ? NaN : u / (pos * negBelow);
  }

  private averagePrecision(counts: ArrayLike<number>): number {
    const { rows, labels, runEnd } = this;
    const m = rows.length;
    let total = 0;
    for (let k = 0; k < m; k++) if (labels[k] === 1) total += counts[rows[k] as number] as number;
    if (total === 0) return NaN;
    // Thresholds from the highest score down: walk the runs backwards.
    const starts: number[] = [];
    for (let i = 0; i < m; i = runEnd[i] as number) starts.push(i);
    let tp = 0;
    let fp = 0;
    let ap = 0;
    for (let r = starts.length - 1; r >= 0; r--) {
      const start = starts[r] as number;
      const end = runEnd[start] as number;
      let p = 0;
      let q = 0;
      for (let k = start; k < end; k++) {
        const w = counts[rows[k] as number] as number;
        if (labels[k] === 1) p += w;
        else q += w;
      }
      tp += p;
      fp += q;
      if (p > 0) ap += (p / total) * (tp / (tp + fp));
    }
    return ap;
  }

  private loss(name: 'log_loss' | 'brier', counts: ArrayLike<number>): number {
    const { rows, labels, scores } = this;
    let sum = 0;
    let n = 0;
    for (let k = 0; k < rows.length; k++) {
      const w = counts[rows[k] as number] as number;
      if (w === 0) continue;
      const s = scores[k] as number;
      const y = labels[k] as number;
      if (name === 'brier') sum += w * (s - y) * (s - y);
      else {
        const p = s < EPS ? EPS : s > 1 - EPS ? 1 - EPS : s;
        sum -= w * (y === 1 ? log(p) : log(1 - p));
      }
      n += w;
    }
    return n === 0 ? NaN : sum / n;
  }

  private ece(counts: ArrayLike<number>): number {
    const { rows, labels, scores, edges } = this;
    const bins = DEFAULT_CALIBRATION_BINS;
    const count = new Float64Array(bins);
    const sumScore = new Float64Array(bins);
    const sumLabel = new Float64Array(bins);
    let n = 0;
    for (let k = 0; k < rows.length; k++) {
      const w = counts[rows[k] as number] as number;
      if (w === 0) continue;
      const s = scores[k] as number;
      const b = calibrationBin(s, bins, edges);
      count[b] = (count[b] as number) + w;
      sumScore[b] = (sumScore[b] as number) + w * s;
      sumLabel[b] = (sumLabel[b] as number) + w * (labels[k] as number);
      n += w;
    }
    let e = 0;
    for (let b = 0; b < bins; b++) {
      const c = count[b] as number;
      if (c > 0) e += (c / n) * abs((sumLabel[b] as number) / c - (sumScore[b] as number) / c);
    }
    return n === 0 ? NaN : e;
  }

  private thresholded(name: WeightedMetricName, counts: ArrayLike<number>): number {
    const { rows, labels, scores, threshold } = this;
    let tp = 0;
    let fp = 0;
    let tn = 0;
    let fn = 0;
    for (let k = 0; k < rows.length; k++) {
      const w = counts[rows[k] as number] as number;
      if (w === 0) continue;
      const predicted = (scores[k] as number) >= threshold;
      if (labels[k] === 1) {
        if (predicted) tp += w;
        else fn += w;
      } else if (predicted) fp += w;
      else tn += w;
    }
    const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
    const n = tp + fp + tn + fn;
    switch (name) {
      case 'precision':
        return ratio(tp, tp + fp);
      case 'recall':
        return ratio(tp, tp + fn);
      case 'f1':
        return ratio(2 * tp, 2 * tp + fp + fn);
      case 'precision_0':
        return ratio(tn, tn + fn);
      case 'recall_0':
        return ratio(tn, tn + fp);
      case 'f1_0':
        return ratio(2 * tn, 2 * tn + fn + fp);
      case 'accuracy':
        return n === 0 ? NaN : (tp + tn) / n;
      case 'selection_rate':
        return n === 0 ? NaN : (tp + fp) / n;
      case 'balanced_accuracy': {
        const recalls = [tp + fn > 0 ? tp / (tp + fn) : NaN, tn + fp > 0 ? tn / (tn + fp) : NaN].filter(
          (r) => !Number.isNaN(r),
        );
        return recalls.length === 0 ? NaN : recalls.reduce((a, b) => a + b, 0) / recalls.length;
      }
      default:
        throw new DataValidationError(`no weighted form of metric "${name}"`);
    }
  }
}
