/**
 * Binary-classification metrics computed by mlcd itself from a predictions file, for the
 * candidate and the baseline alike, so the gates compare like with like. Pure functions over
 * array-likes; values match scikit-learn (see test/fixtures/metrics/generate.py).
 *
 * The ranking metrics (AUC-ROC, average precision) split the scores by class and sort each with
 * the sketches' radix sort, then walk the two sorted arrays together: O(n) after two typed-array
 * sorts, instead of a comparator sort of row indices, which on a million rows cost ten times as
 * much as scikit-learn's whole `roc_auc_score`.
 */
import { DataValidationError } from '../core/errors';
import { sortFloat64 } from '../sketch/sort-float64';

/** Bound once: `Math.x` lookups are slow under Jest's global Proxy (see src/sketch/hash.ts). */
const log = Math.log;
const abs = Math.abs;

/** Bins of the expected calibration error unless told otherwise: 10, the usual choice for ECE. */
export const DEFAULT_CALIBRATION_BINS = 10;

/** Precision, recall, F1 and support of one class, the class taken as positive. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Rows labelled with this class. */
  support: number;
}

/** Metrics of one model on one labelled dataset, plus the class counts. */
export interface BinaryMetrics {
  /** Area under the ROC curve, ties counted as ½ (= sklearn `roc_auc_score`); NaN with a single class. */
  auc_roc: number;
  /**
   * Area under the precision–recall curve as scikit-learn's `average_precision_score` defines it:
   * Σ (Rₙ − Rₙ₋₁)·Pₙ over the distinct score thresholds, no interpolation. NaN without positives
   * (scikit-learn warns and returns 0; an undefined metric must fail a gate, not pass it).
   */
  average_precision: number;
  /**
   * Mean cross-entropy −[y·ln p + (1 − y)·ln(1 − p)], p clipped to [ε, 1 − ε] with ε the float64
   * machine epsilon (sklearn `log_loss`).
   */
  log_loss: number;
  /** Mean (p − y)² (sklearn `brier_score_loss`). */
  brier: number;
  /** tp / (tp + fp); 0 when nothing is predicted positive (sklearn's `zero_division` default). */
  precision: number;
  /** tp / (tp + fn); 0 when there are no positives. */
  recall: number;
  /** 2·tp / (2·tp + fp + fn); 0 when that is 0/0. */
  f1: number;
  /** (tp + tn) / n. */
  accuracy: number;
  /**
   * Mean of the recalls of the classes present in the labels (sklearn `balanced_accuracy_score`):
   * (TPR + TNR) / 2, or the one present class's recall.
   */
  balanced_accuracy: number;
  /**
   * Expected calibration error: Σ_b (n_b / n)·|mean label − mean score| over equal-width score
   * bins on [0, 1] (the bins of sklearn's `calibration_curve(strategy="uniform")`: a score on an
   * inner edge belongs to the bin below it).
   */
  ece: number;
  /** Each class taken as the positive one, as sklearn's `precision_recall_fscore_support(average=None)`. */
  per_class: { '0': ClassMetrics; '1': ClassMetrics };
  /** Confusion counts at the threshold. */
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** Rows labelled 1. */
  positives: number;
  /** Rows labelled 0. */
  negatives: number;
  n: number;
  /** The decision threshold used (score ≥ threshold predicts 1). */
  threshold: number;
}

/** Scores split by label, each ascending. */
export interface ScoresByClass {
  positive: Float64Array;
  negative: Float64Array;
}

/**
 * Checks labels and scores row by row: equal lengths, at least one row, labels 0 or 1, scores
 * finite probabilities in [0, 1].
 * @throws DataValidationError naming the problem and the first offending row index
 */
export function validateBinaryInputs(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  const n = labels.length;
  if (n !== scores.length)
    throw new DataValidationError(`labels and scores differ in length: ${n} labels, ${scores.length} scores`);
  if (n === 0) throw new DataValidationError('no rows to compute metrics from');
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (y !== 0 && y !== 1)
      throw new DataValidationError(`label at row ${i} is ${String(y)}; labels must be 0 or 1`);
    const s = scores[i] as number;
    if (!(s >= 0 && s <= 1))
      throw new DataValidationError(
        `score at row ${i} is ${String(s)}; scores must be finite probabilities in [0, 1]`,
      );
  }
}

/** The scores of the rows labelled 1 and of those labelled 0, each sorted ascending. Inputs valid. */
export function scoresByClass(labels: ArrayLike<number>, scores: ArrayLike<number>): ScoresByClass {
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++;
  const positive = new Float64Array(positives);
  const negative = new Float64Array(n - positives);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === 1) positive[p++] = scores[i] as number;
    else negative[q++] = scores[i] as number;
  }
  sortFloat64(positive);
  sortFloat64(negative);
  return { positive, negative };
}

/**
 * AUC-ROC from the two sorted score arrays: the probability that a positive outscores a negative,
 * ties counting ½ (the Mann–Whitney U statistic over n⁺·n⁻; equals the trapezoidal area).
 */
export function aucFromSorted({ positive, negative }: ScoresByClass): number {
  const np = positive.length;
  const nn = negative.length;
  if (np === 0 || nn === 0) return NaN;
  let below = 0; // negatives with a lower score than the current positive
  let j = 0;
  let u = 0;
  let i = 0;
  while (i < np) {
    const s = positive[i] as number;
    while (j < nn && (negative[j] as number) < s) j++;
    below = j;
    let tied = 0;
    while (j + tied < nn && negative[j + tied] === s) tied++;
    // Every positive with this score shares `below` and `tied`.
    let k = i;
    while (k < np && positive[k] === s) k++;
    u += (k - i) * (below + tied / 2);
    i = k;
  }
  return u / (np * nn);
}

/**
 * Average precision from the two sorted score arrays, walking thresholds from the highest score
 * down: at each distinct score t, tp and fp count the rows scoring ≥ t. NaN without positives.
 */
export function averagePrecisionFromSorted({ positive, negative }: ScoresByClass): number {
  const np = positive.length;
  if (np === 0) return NaN;
  let ap = 0;
  let tpBefore = 0;
  walkThresholds({ positive, negative }, (_t, tp, fp) => {
    if (tp > tpBefore) ap += ((tp - tpBefore) / np) * (tp / (tp + fp));
    tpBefore = tp;
  });
  return ap;
}

/**
 * Visits the distinct score thresholds from the highest down, with the cumulative true and false
 * positives at each (rows scoring ≥ the threshold): the walk behind average precision and the
 * ROC and precision–recall curves.
 */
export function walkThresholds(
  { positive, negative }: ScoresByClass,
  visit: (threshold: number, tp: number, fp: number) => void,
): void {
  let i = positive.length - 1;
  let j = negative.length - 1;
  let tp = 0;
  let fp = 0;
  while (i >= 0 || j >= 0) {
    const sp = i >= 0 ? (positive[i] as number) : -Infinity;
    const sn = j >= 0 ? (negative[j] as number) : -Infinity;
    const t = sp > sn ? sp : sn;
    while (i >= 0 && positive[i] === t) {
      tp++;
      i--;
    }
    while (j >= 0 && negative[j] === t) {
      fp++;
      j--;
    }
    visit(t, tp, fp);
  }
}

/**
 * Exact AUC-ROC with ties counted as ½, O(n) after sorting. Equals sklearn's `roc_auc_score`.
 * NaN when one class is absent. Inputs are assumed valid (see `validateBinaryInputs`).
 */
export function aucRoc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  return aucFromSorted(scoresByClass(labels, scores));
}

/**
 * Average precision (sklearn `average_precision_score`); NaN without positives. Inputs are
 * assumed valid (see `validateBinaryInputs`).
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  return averagePrecisionFromSorted(scoresByClass(labels, scores));
}

/** The edges of `bins` equal-width bins on [0, 1], computed as numpy's `linspace(0, 1, bins + 1)`. */
export function calibrationEdges(bins: number): Float64Array {
  const edges = new Float64Array(bins + 1);
  const step = 1 / bins;
  for (let b = 0; b <= bins; b++) edges[b] = b * step;
  edges[bins] = 1;
  return edges;
}

/** Bin of score `s` among `bins` equal-width bins on [0, 1], as numpy `searchsorted(edges[1:-1], s)`. */
export function calibrationBin(s: number, bins: number, edges: Float64Array): number {
  let b = Math.ceil(s * bins) - 1;
  if (b < 0) b = 0;
  if (b > bins - 1) b = bins - 1;
  // Edges as numpy's linspace computes them (i · 1/bins); the product above may round either way.
  while (b > 0 && s <= (edges[b] as number)) b--;
  while (b < bins - 1 && s > (edges[b + 1] as number)) b++;
  return b;
}

/**
 * Expected calibration error over `bins` equal-width bins (see `BinaryMetrics.ece`). Inputs are
 * assumed valid.
 */
export function expectedCalibrationError(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  bins = DEFAULT_CALIBRATION_BINS,
): number {
  if (!(Number.isInteger(bins) && bins >= 1))
    throw new DataValidationError(`calibration bins must be a positive integer, got ${bins}`);
  const n = labels.length;
  const edges = calibrationEdges(bins);
  const count = new Float64Array(bins);
  const sumScore = new Float64Array(bins);
  const sumLabel = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const s = scores[i] as number;
    const b = calibrationBin(s, bins, edges);
    count[b] = (count[b] as number) + 1;
    sumScore[b] = (sumScore[b] as number) + s;
    sumLabel[b] = (sumLabel[b] as number) + (labels[i] as number);
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = count[b] as number;
    if (c === 0) continue;
    ece += (c / n) * abs((sumLabel[b] as number) / c - (sumScore[b] as number) / c);
  }
  return ece;
}

const EPS = Number.EPSILON;

/** Mean log loss and Brier score in one pass. Inputs are assumed valid. */
function probabilityLosses(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
): { logLoss: number; brier: number } {
  const n = labels.length;
  let ll = 0;
  let br = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    const s = scores[i] as number;
    const p = s < EPS ? EPS : s > 1 - EPS ? 1 - EPS : s;
    ll -= y === 1 ? log(p) : log(1 - p);
    const d = s - y;
    br += d * d;
  }
  return { logLoss: ll / n, brier: br / n };
}

function classMetrics(tp: number, fp: number, fn: number): ClassMetrics {
  return {
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    f1: 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    support: tp + fn,
  };
}

/** Options of {@link binaryMetrics}. */
export interface BinaryMetricsOptions {
  /** Equal-width score bins of the expected calibration error; default {@link DEFAULT_CALIBRATION_BINS}. */
  calibrationBins?: number;
}

/**
 * Computes every binary metric: the ranking ones (AUC-ROC, average precision), the probability
 * ones (log loss, Brier, calibration error) and the thresholded ones (score ≥ threshold predicts 1).
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
  options: BinaryMetricsOptions = {},
): BinaryMetrics {
  if (!(threshold >= 0 && threshold <= 1))
    throw new DataValidationError(`threshold must be in [0, 1], got ${threshold}`);
  validateBinaryInputs(labels, scores);
  const n = labels.length;
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    const predicted = (scores[i] as number) >= threshold;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  const sorted = scoresByClass(labels, scores);
  const { logLoss, brier } = probabilityLosses(labels, scores);
  const one = classMetrics(tp, fp, fn);
  const zero = classMetrics(tn, fn, fp);
  const positives = tp + fn;
  const negatives = tn + fp;
  const recalls = [positives > 0 ? one.recall : NaN, negatives > 0 ? zero.recall : NaN].filter(
    (r) => !Number.isNaN(r),
  );
  return {
    auc_roc: aucFromSorted(sorted),
    average_precision: averagePrecisionFromSorted(sorted),
    log_loss: logLoss,
    brier,
    precision: one.precision,
    recall: one.recall,
    f1: one.f1,
    accuracy: (tp + tn) / n,
    balanced_accuracy: recalls.reduce((a, b) => a + b, 0) / recalls.length,
    ece: expectedCalibrationError(labels, scores, options.calibrationBins),
    per_class: { '0': zero, '1': one },
    tp,
    fp,
    tn,
    fn,
    positives,
    negatives,
    n,
    threshold,
  };
}
