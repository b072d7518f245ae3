/**
 * Multiclass-classification metrics from a per-class score matrix, computed by mlcd itself so the
 * candidate and the baseline are scored alike. Pure functions; values match scikit-learn 1.9.1
 * (see test/fixtures/metrics/generate_multiclass_regression.py) with every sklearn call given
 * `labels=range(k)`: all k classes count, including ones that appear in neither the labels nor
 * the predictions.
 */
import { DataValidationError } from '../core/errors';

// Bound once: under Jest every `Math.x` / `Number.x` lookup goes through the test environment's
// global Proxy (see src/sketch/hash.ts), which would dominate the per-score loop.
const log = Math.log;
const abs = Math.abs;
const isFiniteNumber = Number.isFinite;

/** float64 machine epsilon, 2⁻⁵² (numpy `finfo(float64).eps`): sklearn's log-loss clip. */
const EPS = Number.EPSILON;

/**
 * How far a row's sum may be from 1 for the row to count as a probability vector:
 * `atol + rtol·1` with sklearn's `isclose(sum, 1, rtol=sqrt(eps))` (default `atol=1e-8`),
 * the check behind its "y_prob values do not sum to one" warning.
 */
export const PROBABILITY_SUM_TOLERANCE = 1e-8 + Math.sqrt(EPS);

/** Options of {@link multiclassMetrics}. */
export interface MulticlassOptions {
  /** One display name per class, in class-index order; default the index as a string. */
  classNames?: readonly string[];
  /**
   * The k′ values for top-k′ accuracy, reported in the order given; each an integer ≥ 1.
   * Default: those of [1, 3] below the number of classes (k = 2 or 3 → [1]; k ≥ 4 → [1, 3]),
   * since top-k′ accuracy is trivially 1 for k′ ≥ k. A k′ ≥ k may still be requested and
   * reports 1, as sklearn does.
   */
  topK?: readonly number[];
}

/** Per-class precision, recall, F1 and support (sklearn `average=None`, `zero_division=0`). */
export interface ClassMetrics {
  /** Class index, 0..k−1: the column of the score matrix. */
  class_index: number;
  /** `classNames[class_index]`, or the index as a string. */
  name: string;
  /** tp / predicted count; 0 when the class is never predicted. */
  precision: number;
  /** tp / support; 0 when the class has no support. */
  recall: number;
  /** 2·tp / (predicted count + support); 0 when that is 0/0. */
  f1: number;
  /** Rows labelled with this class. */
  support: number;
}

/** Top-k′ accuracy for one k′ (sklearn `top_k_accuracy_score`). */
export interface TopKAccuracy {
  /** The k′ as requested. */
  k: number;
  /** Fraction of rows whose true class is among the k′ highest-ranked classes of the row. */
  accuracy: number;
}

/** Metrics of one model on one labelled dataset with k classes. */
export interface MulticlassMetrics {
  /** Rows. */
  n: number;
  /** Classes. */
  k: number;
  /** Fraction of rows whose argmax class is the label (sklearn `accuracy_score`). */
  accuracy: number;
  /**
   * Mean recall over the classes with support > 0 (sklearn `balanced_accuracy_score`, which
   * drops classes absent from the labels).
   */
  balanced_accuracy: number;
  /** Unweighted mean of per-class precision over all k classes. */
  precision_macro: number;
  /** Unweighted mean of per-class recall over all k classes. */
  recall_macro: number;
  /** Unweighted mean of per-class F1 over all k classes. */
  f1_macro: number;
  /** Σtp / Σpredicted; equals accuracy, since every row predicts one of the k classes. */
  precision_micro: number;
  /** Σtp / Σsupport; equals accuracy. */
  recall_micro: number;
  /** 2·Σtp / (Σpredicted + Σsupport); equals accuracy. */
  f1_micro: number;
  /** Support-weighted mean of per-class precision. */
  precision_weighted: number;
  /** Support-weighted mean of per-class recall (equals accuracy). */
  recall_weighted: number;
  /** Support-weighted mean of per-class F1. */
  f1_weighted: number;
  /** Top-k′ accuracy for each requested k′, in the requested order. */
  top_k_accuracy: TopKAccuracy[];
  /**
   * Mean of −ln(clip(p_true, eps, 1 − eps)), eps = 2⁻⁵² (sklearn 1.9 `log_loss`). NaN unless
   * every row is a probability vector: all scores in [0, 1] and each row summing to 1 within
   * {@link PROBABILITY_SUM_TOLERANCE}. (sklearn raises on values outside [0, 1] and only warns
   * on rows that do not sum to 1; a loss over such rows is not a log loss, so mlcd reports NaN
   * and the other metrics stay usable for raw decision scores.)
   */
  log_loss: number;
  /** One entry per class, in class-index order. */
  per_class: ClassMetrics[];
}

/**
 * Computes the multiclass metrics from labels and a row-major n×k score matrix in one O(n·k)
 * pass (plus O(k) per requested top-k′), allocating nothing per row.
 *
 * Ties: the predicted class is the first (lowest-index) maximum of the row, as numpy `argmax`.
 * Top-k′ accuracy follows sklearn's `argsort(kind='mergesort')[:, ::-1]` ranking instead, in
 * which a class ties *ahead* of every lower-index class with the same score: the true class y
 * is a top-k′ hit when #{j : s_j > s_y} + #{j > y : s_j = s_y} < k′. So with tied scores
 * top-1 accuracy can differ from `accuracy`. For k = 2 sklearn's `top_k_accuracy_score` only
 * accepts a 1-D positive-class score and predicts class 1 when it exceeds 0.5; this ranking
 * gives the same result for probability rows except when p₁ is exactly 0.5 (ranked: class 1).
 *
 * @param labels true class index per row, an integer in [0, k).
 * @param scores n×k row-major per-class scores (probabilities or any finite decision scores);
 *   `scores[i * k + c]` is row i, class c.
 * @param k number of classes, an integer ≥ 2.
 * @param options class names and top-k′ values; see {@link MulticlassOptions}.
 * @throws DataValidationError naming the problem and the first offending row (and class): k not
 *   an integer ≥ 2, `scores.length` ≠ n·k, no rows, `classNames` not of length k, a top-k′ that
 *   is not an integer ≥ 1, a label that is not an integer in [0, k), a score that is not finite.
 */
export function multiclassMetrics(
  labels: ArrayLike<number>,
  scores: Float64Array,
  k: number,
  options: MulticlassOptions = {},
): MulticlassMetrics {
  if (!(Number.isInteger(k) && k >= 2)) throw new DataValidationError(`k must be an integer ≥ 2, got ${k}`);
  const n = labels.length;
  if (scores.length !== n * k)
    throw new DataValidationError(
      `labels and scores differ in length: ${n} labels × ${k} classes = ${n * k} scores expected, got ${scores.length}`,
    );
  if (n === 0) throw new DataValidationError('no rows to compute metrics from');
  const { classNames } = options;
  if (classNames !== undefined && classNames.length !== k)
    throw new DataValidationError(`classNames has ${classNames.length} names for ${k} classes`);
  const topK = options.topK ?? [1, 3].filter((t) => t < k);
  for (const t of topK)
    if (!(Number.isInteger(t) && t >= 1))
      throw new DataValidationError(`topK values must be integers ≥ 1, got ${t}`);

  const tp = new Float64Array(k);
  const predicted = new Float64Array(k);
  const support = new Float64Array(k);
  /** rankCounts[r]: rows whose true class has rank r (0 = top) in sklearn's top-k ordering. */
  const rankCounts = new Float64Array(k);
  let probabilities = true;
  // Neumaier-compensated sum of the per-row log losses.
  let lossSum = 0;
  let lossComp = 0;

  for (let i = 0, base = 0; i < n; i++, base += k) {
    const y = labels[i] as number;
    if (!(y >= 0 && y < k && y % 1 === 0))
      throw new DataValidationError(
        `label at row ${i} is ${String(y)}; labels must be integers in [0, ${k})`,
      );
    const sy = scores[base + y] as number;
    let best = -Infinity;
    let argmax = 0;
    let rank = 0;
    let rowSum = 0;
    for (let c = 0; c < k; c++) {
      const s = scores[base + c] as number;
      if (!isFiniteNumber(s)) {
        const name = classNames?.[c];
        throw new DataValidationError(
          `score at row ${i}, class ${c}${name === undefined ? '' : ` (${name})`} is ${String(s)}; scores must be finite`,
        );
      }
      if (s > best) {
        best = s;
        argmax = c;
      }
      if (s > sy || (s === sy && c > y)) rank++;
      rowSum += s;
      if (s < 0 || s > 1) probabilities = false;
    }
    // y, argmax and rank are all in [0, k): the indices exist.
    support[y] = (support[y] as number) + 1;
    predicted[argmax] = (predicted[argmax] as number) + 1;
    if (argmax === y) tp[y] = (tp[y] as number) + 1;
    rankCounts[rank] = (rankCounts[rank] as number) + 1;
    if (probabilities && abs(rowSum - 1) > PROBABILITY_SUM_TOLERANCE) probabilities = false;
    if (probabilities) {
      const p = sy < EPS ? EPS : sy > 1 - EPS ? 1 - EPS : sy;
      const x = -log(p);
      const t = lossSum + x;
      lossComp += abs(lossSum) >= abs(x) ? lossSum - t + x : x - t + lossSum;
      lossSum = t;
    }
  }

  let tpSum = 0;
  let macroP = 0;
  let macroR = 0;
  let macroF = 0;
  let weightedP = 0;
  let weightedR = 0;
  let weightedF = 0;
  let balancedSum = 0;
  let supported = 0;
  const perClass: ClassMetrics[] = [];
  for (let c = 0; c < k; c++) {
    const t = tp[c] as number;
    const pred = predicted[c] as number;
    const sup = support[c] as number;
    const precision = pred === 0 ? 0 : t / pred;
    const recall = sup === 0 ? 0 : t / sup;
    const f1 = pred + sup === 0 ? 0 : (2 * t) / (pred + sup);
    tpSum += t;
    macroP += precision;
    macroR += recall;
    macroF += f1;
    weightedP += sup * precision;
    weightedR += sup * recall;
    weightedF += sup * f1;
    if (sup > 0) {
      balancedSum += recall;
      supported++;
    }
    perClass.push({
      class_index: c,
      name: classNames?.[c] ?? String(c),
      precision,
      recall,
      f1,
      support: sup,
    });
  }

  const cumulative = new Float64Array(k);
  let running = 0;
  for (let r = 0; r < k; r++) {
    running += rankCounts[r] as number;
    cumulative[r] = running;
  }
  const top_k_accuracy = topK.map((t) => ({
    k: t,
    accuracy: (cumulative[(t < k ? t : k) - 1] as number) / n,
  }));

  // n rows are each predicted once and labelled once: Σpredicted = Σsupport = n.
  const accuracy = tpSum / n;
  return {
    n,
    k,
    accuracy,
    balanced_accuracy: balancedSum / supported,
    precision_macro: macroP / k,
    recall_macro: macroR / k,
    f1_macro: macroF / k,
    precision_micro: accuracy,
    recall_micro: accuracy,
    f1_micro: accuracy,
    precision_weighted: weightedP / n,
    recall_weighted: weightedR / n,
    f1_weighted: weightedF / n,
    top_k_accuracy,
    log_loss: probabilities ? (lossSum + lossComp) / n : NaN,
    per_class: perClass,
  };
}
