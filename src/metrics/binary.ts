/**
 * Binary-classification metrics computed by mlcd itself from a predictions file, for the
 * candidate and the baseline alike, so the gates compare like with like. Pure functions over
 * array-likes; values match scikit-learn (see test/fixtures/metrics/generate.py).
 */
import { DataValidationError } from '../core/errors';

/** Metrics of one model on one labelled dataset, plus the class counts. */
export interface BinaryMetrics {
  /** Area under the ROC curve, ties counted as ½ (= sklearn `roc_auc_score`); NaN with a single class. */
  auc_roc: number;
  /** tp / (tp + fp); 0 when nothing is predicted positive (sklearn's `zero_division` default). */
  precision: number;
  /** tp / (tp + fn); 0 when there are no positives. */
  recall: number;
  /** 2·tp / (2·tp + fp + fn); 0 when that is 0/0. */
  f1: number;
  /** (tp + tn) / n. */
  accuracy: number;
  /** Rows labelled 1. */
  positives: number;
  /** Rows labelled 0. */
  negatives: number;
  n: number;
}

/**
 * Exact AUC-ROC via the rank-sum (Mann–Whitney U) formula with average ranks for tied scores,
 * O(n log n). Equals sklearn's trapezoidal `roc_auc_score`. NaN when one class is absent.
 * Inputs are assumed valid (see `binaryMetrics`).
 */
export function aucRoc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const s = scores[order[i] as number] as number;
    while (j + 1 < n && scores[order[j + 1] as number] === s) j++;
    // Rows i..j share a score: each gets the average of ranks i+1..j+1.
    const avgRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSumPos - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Computes AUC-ROC and the thresholded metrics (score ≥ threshold predicts 1).
 * @param labels 0/1 per row.
 * @param scores positive-class probability per row, finite and in [0, 1].
 * @param threshold decision threshold in [0, 1].
 * @throws DataValidationError naming the problem and the first offending row index: unequal
 *   lengths, no rows, a label other than 0/1, a score that is not finite or outside [0, 1].
 */
export function binaryMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
): BinaryMetrics {
  const n = labels.length;
  if (n !== scores.length)
    throw new DataValidationError(`labels and scores differ in length: ${n} labels, ${scores.length} scores`);
  if (n === 0) throw new DataValidationError('no rows to compute metrics from');
  if (!(threshold >= 0 && threshold <= 1))
    throw new DataValidationError(`threshold must be in [0, 1], got ${threshold}`);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    const s = scores[i] as number;
    if (y !== 0 && y !== 1)
      throw new DataValidationError(`label at row ${i} is ${String(y)}; labels must be 0 or 1`);
    if (!Number.isFinite(s) || s < 0 || s > 1)
      throw new DataValidationError(
        `score at row ${i} is ${String(s)}; scores must be finite probabilities in [0, 1]`,
      );
    const predicted = s >= threshold;
    if (y === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return {
    auc_roc: aucRoc(labels, scores),
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    f1: 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    accuracy: (tp + tn) / n,
    positives: tp + fn,
    negatives: tn + fp,
    n,
  };
}
