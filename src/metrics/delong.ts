/**
 * DeLong's nonparametric variance of the AUC and DeLong's test for the difference of two
 * correlated AUCs (two models scored on the same rows), after DeLong, DeLong & Clarke-Pearson,
 * "Comparing the areas under two or more correlated receiver operating characteristic curves:
 * a nonparametric approach", Biometrics 44 (1988) 837–845.
 *
 * The AUC is the Mann–Whitney statistic: the probability that a positive outscores a negative,
 * ties counting ½ (= sklearn `roc_auc_score`). Its structural components (placement values)
 * are, for positive i, V10ᵢ = (negatives scoring below sᵢ + ½ negatives tied with it) / N and,
 * for negative j, V01ⱼ = (positives scoring above sⱼ + ½ positives tied with it) / M; the AUC
 * is the mean of either set. With S10 and S01 the sample covariance matrices (divisor M − 1 and
 * N − 1) of the components of the models, the covariance matrix of the AUCs is S10/M + S01/N.
 *
 * Computation follows Sun & Xu, "Fast implementation of DeLong's algorithm for comparing the
 * areas under correlated receiver operating characteristic curves", IEEE Signal Processing
 * Letters 21 (2014): the components come from midranks, V10ᵢ = (T_Z,ᵢ − T_X,ᵢ)/N with T_Z the
 * midrank among all rows and T_X among the positives (and likewise for the negatives). Both
 * midranks come from one sort per model: for the positives of a tie group with gn negatives,
 * preceded by negBelow negatives, T_Z − T_X = negBelow + gn/2. So O(n log n) time and O(n)
 * memory, instead of the paper's O(M·N) kernel matrix (test/fixtures/metrics/
 * generate_uncertainty.py computes that one, as an independent reference).
 *
 * The p-value and intervals use the normal distribution functions below: Cody's rational
 * Chebyshev approximations for Φ and Wichura's AS241 for Φ⁻¹ (the algorithms of R's `pnorm` and
 * `qnorm`; within 1e-13 relative of scipy in the tests), hand-written rather than an npm
 * dependency: the maintained candidate, `@stdlib/stats-base-dists-normal-cdf` 0.3.1, computes
 * Φ through `erfc(−x/√2)` and brings a tree of @stdlib packages with a native-addon loader, for
 * two 40-line functions.
 */
import { DataValidationError } from '../core/errors';
import { sortFloat64 } from '../sketch/sort-float64';

// Bound once: `Math.x` and `Number.x` lookups are slow under Jest's global Proxy (see
// src/sketch/hash.ts).
const exp = Math.exp;
const log = Math.log;
const sqrt = Math.sqrt;
const abs = Math.abs;
const trunc = Math.trunc;
const isFinite = Number.isFinite;

/** Confidence level of the intervals unless told otherwise: 0.95 (two-sided 95%). */
export const DEFAULT_CONFIDENCE_LEVEL = 0.95;

// ---------------------------------------------------------------------------------------------
// Normal distribution

// The coefficients of both algorithms are the published ones written as the shortest decimals
// that denote the same doubles (the papers print more digits than a double holds).

/** Cody (1969) / ANORM (Cody 1993, ACM TOMS Algorithm 715): |x| ≤ 0.67448975. */
const CODY_A = [
  2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356, 0.06568233791820745,
] as const;
const CODY_B = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673] as const;
/** 0.67448975 < |x| ≤ √32. */
const CODY_C = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726,
  6848.190450536283, 11602.65143764735, 9842.714838383978, 1.0765576773720192e-8,
] as const;
const CODY_D = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097,
  34900.95272114598, 38912.00328609327, 19685.429676859992,
] as const;
/** √32 < |x| < 37.5193. */
const CODY_P = [
  0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934, 2.9112874951168793e-5,
  0.023073441764940174,
] as const;
const CODY_Q = [
  1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824, 7.297515550839662e-5,
] as const;
const ONE_OVER_SQRT_2PI = 0.3989422804014327;
const SQRT_32 = 5.656854249492381;
/** Below −37.5193 the lower tail underflows to 0 (Cody's bound). */
const TAIL_LIMIT = 37.5193;

/** exp(−y²/2)·factor, splitting y so that y² is formed without rounding error (Cody). */
function gaussTail(y: number, factor: number): number {
  const ysq = trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return exp(-ysq * ysq * 0.5) * exp(-del * 0.5) * factor;
}

/**
 * Φ(x), the standard normal CDF, by W. J. Cody's rational Chebyshev approximations (Math. Comp.
 * 23 (1969) 631–637; the ANORM routine of ACM TOMS Algorithm 715, as in R's `pnorm`): about
 * 1e-16 relative error, also far in the lower tail (Φ(−30) ≈ 4.9e-198 is accurate), so
 * two-sided p-values `2·Φ(−|z|)` keep their relative accuracy.
 * @param x any number; NaN gives NaN, ±∞ give 1 and 0
 * @returns P(Z ≤ x) for Z ~ N(0, 1)
 */
export function normalCdf(x: number): number {
  if (x !== x) return NaN;
  const y = abs(x);
  if (y <= 0.67448975) {
    let xnum = 0;
    let xden = 0;
    if (y > 1.1102230246251565e-16) {
      const xsq = x * x;
      xnum = CODY_A[4] * xsq;
      xden = xsq;
      for (let i = 0; i < 3; i++) {
        xnum = (xnum + (CODY_A[i] as number)) * xsq;
        xden = (xden + (CODY_B[i] as number)) * xsq;
      }
    }
    return 0.5 + (x * (xnum + CODY_A[3])) / (xden + CODY_B[3]);
  }
  let upper: number; // Q(y) = 1 − Φ(y)
  if (y <= SQRT_32) {
    let xnum = CODY_C[8] * y;
    let xden = y;
    for (let i = 0; i < 7; i++) {
      xnum = (xnum + (CODY_C[i] as number)) * y;
      xden = (xden + (CODY_D[i] as number)) * y;
    }
    upper = gaussTail(y, (xnum + CODY_C[7]) / (xden + CODY_D[7]));
  } else if (y < TAIL_LIMIT) {
    const xsq = 1 / (y * y);
    let xnum = CODY_P[5] * xsq;
    let xden = xsq;
    for (let i = 0; i < 4; i++) {
      xnum = (xnum + (CODY_P[i] as number)) * xsq;
      xden = (xden + (CODY_Q[i] as number)) * xsq;
    }
    const r = (xsq * (xnum + CODY_P[4])) / (xden + CODY_Q[4]);
    upper = gaussTail(y, (ONE_OVER_SQRT_2PI - r) / y);
  } else {
    upper = 0;
  }
  return x > 0 ? 1 - upper : upper;
}

/**
 * Φ⁻¹(p), the standard normal quantile, by Wichura's Algorithm AS 241 (PPND16, Applied
 * Statistics 37 (1988) 477–484; as in R's `qnorm` and Python's `statistics.NormalDist`):
 * about 1e-16 relative error.
 * @param p a probability
 * @returns z with Φ(z) = p; −∞ for 0, +∞ for 1, NaN outside [0, 1]
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    const num =
      (((((((2509.0809287301227 * r + 33430.57558358813) * r + 67265.7709270087) * r + 45921.95393154987) *
        r +
        13731.69376550946) *
        r +
        1971.5909503065513) *
        r +
        133.14166789178438) *
        r +
        3.3871328727963665) *
      q;
    const den =
      ((((((5226.495278852854 * r + 28729.085735721943) * r + 39307.89580009271) * r + 21213.794301586597) *
        r +
        5394.196021424751) *
        r +
        687.1870074920579) *
        r +
        42.31333070160091) *
        r +
      1;
    return num / den;
  }
  let r = sqrt(-log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x =
      (((((((0.0007745450142783414 * r + 0.022723844989269184) * r + 0.2417807251774506) * r +
        1.2704582524523684) *
        r +
        3.6478483247632045) *
        r +
        5.769497221460691) *
        r +
        4.630337846156546) *
        r +
        1.4234371107496835) /
      (((((((1.0507500716444169e-9 * r + 0.0005475938084995345) * r + 0.015198666563616457) * r +
        0.14810397642748008) *
        r +
        0.6897673349851) *
        r +
        1.6763848301838038) *
        r +
        2.053191626637759) *
        r +
        1);
  } else {
    r -= 5;
    x =
      (((((((2.0103343992922881e-7 * r + 2.7115555687434876e-5) * r + 0.0012426609473880784) * r +
        0.026532189526576124) *
        r +
        0.29656057182850487) *
        r +
        1.7848265399172913) *
        r +
        5.463784911164114) *
        r +
        6.657904643501103) /
      (((((((2.0442631033899397e-15 * r + 1.421511758316446e-7) * r + 1.8463183175100548e-5) * r +
        0.0007868691311456133) *
        r +
        0.014875361290850615) *
        r +
        0.1369298809227358) *
        r +
        0.599832206555888) *
        r +
        1);
  }
  return q < 0 ? -x : x;
}

/**
 * The two-sided critical value z with P(|Z| ≤ z) = level, i.e. Φ⁻¹(1 − (1 − level)/2),
 * computed from the small tail for accuracy.
 * @throws RangeError unless 0 < level < 1
 */
export function twoSidedCriticalValue(level: number): number {
  checkLevel(level);
  return -normalQuantile((1 - level) / 2);
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1))
    throw new RangeError(`confidence level must be in (0, 1), got ${String(level)}`);
}

// ---------------------------------------------------------------------------------------------
// Input validation and ranking, shared with ./bootstrap.ts

/** Labels checked and copied as 0/1 bytes, with the class counts. */
export interface CheckedLabels {
  /** 0 or 1 per row. */
  labels: Uint8Array;
  /** Rows labelled 1. */
  positives: number;
  /** Rows labelled 0. */
  negatives: number;
}

/**
 * Checks labels against one or more score columns for an AUC: equal lengths, at least one row,
 * labels 0 or 1, scores finite (any real number: probabilities, logits, ranks), both classes
 * present.
 * @param labels 0/1 per row
 * @param scores the score columns, each with the name used in messages (e.g. `scoresA`)
 * @throws DataValidationError naming the problem and the first offending row index; with one
 *   class only: "AUC undefined: the eval set has a single class (…)"
 */
export function checkLabelsAndScores(
  labels: ArrayLike<number>,
  scores: ReadonlyArray<readonly [name: string, values: ArrayLike<number>]>,
): CheckedLabels {
  const n = labels.length;
  for (const [name, values] of scores)
    if (values.length !== n)
      throw new DataValidationError(
        `labels and ${name} differ in length: ${n} labels, ${values.length} ${name}`,
      );
  if (n === 0) throw new DataValidationError('no rows to compute metrics from');
  const out = new Uint8Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (y !== 0 && y !== 1)
      throw new DataValidationError(`label at row ${i} is ${String(y)}; labels must be 0 or 1`);
    out[i] = y;
    positives += y;
  }
  for (const [name, values] of scores)
    for (let i = 0; i < n; i++) {
      const s = values[i] as number;
      if (!isFinite(s))
        throw new DataValidationError(`${name} at row ${i} is ${String(s)}; scores must be finite numbers`);
    }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0)
    throw new DataValidationError(
      `AUC undefined: the eval set has a single class (${n} rows, all labelled ${positives === 0 ? 0 : 1})`,
    );
  return { labels: out, positives, negatives };
}

/**
 * Row indices in ascending score order; rows with equal scores keep their row order (stable).
 * One typed-array radix sort of a copy of the scores, then each row's slot by binary search:
 * O(n log n), about 0.3 s for a million rows. Scores must not be NaN.
 * @param scores one score per row
 * @returns a permutation of 0..n−1: `order[k]` is the row at sorted position k
 */
export function argsortScores(scores: ArrayLike<number>): Uint32Array {
  const n = scores.length;
  const sorted = Float64Array.from(scores);
  sortFloat64(sorted);
  const order = new Uint32Array(n);
  const used = new Uint32Array(n); // rows already placed at each tie group's first slot
  placeRows(scores, sorted, order, used);
  return order;
}

function placeRows(
  scores: ArrayLike<number>,
  sorted: Float64Array,
  order: Uint32Array,
  used: Uint32Array,
): void {
  const n = sorted.length;
  for (let i = 0; i < n; i++) {
    const s = scores[i] as number;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) < s) lo = mid + 1;
      else hi = mid;
    }
    const slot = lo + (used[lo] as number);
    used[lo] = (used[lo] as number) + 1;
    order[slot] = i;
  }
}

// ---------------------------------------------------------------------------------------------
// DeLong

/** DeLong structural components of one model, indexed by positive and negative ordinal. */
interface Components {
  /** V10 per positive (in row order among the positives). */
  v10: Float64Array;
  /** V01 per negative (in row order among the negatives). */
  v01: Float64Array;
  /** The AUC, U / (M·N) with U accumulated exactly. */
  auc: number;
}

/** Rank of each row within its class, in row order (0-based). */
function classOrdinals(labels: Uint8Array): Uint32Array {
  const n = labels.length;
  const ord = new Uint32Array(n);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) ord[i] = labels[i] === 1 ? p++ : q++;
  return ord;
}

function components(
  labels: Uint8Array,
  ordinals: Uint32Array,
  scores: ArrayLike<number>,
  positives: number,
  negatives: number,
): Components {
  const n = labels.length;
  const order = argsortScores(scores);
  const v10 = new Float64Array(positives);
  const v01 = new Float64Array(negatives);
  let negBelow = 0;
  let posBelow = 0;
  let u2 = 0; // 2·U, an integer: exact below 2^53
  let i = 0;
  while (i < n) {
    const s = scores[order[i] as number] as number;
    let j = i;
    let gp = 0;
    while (j < n && scores[order[j] as number] === s) {
      gp += labels[order[j] as number] as number;
      j++;
    }
    const gn = j - i - gp;
    // Midrank differences: T_Z − T_X = negBelow + gn/2 for the positives of this group,
    // T_Z − T_Y = posBelow + gp/2 for its negatives.
    const forPositive = (negBelow + gn / 2) / negatives;
    const forNegative = 1 - (posBelow + gp / 2) / positives;
    for (let k = i; k < j; k++) {
      const row = order[k] as number;
      if (labels[row] === 1) v10[ordinals[row] as number] = forPositive;
      else v01[ordinals[row] as number] = forNegative;
    }
    u2 += gp * (2 * negBelow + gn);
    negBelow += gn;
    posBelow += gp;
    i = j;
  }
  return { v10, v01, auc: u2 / (2 * positives * negatives) };
}

/** Σ (a − ā)(b − b̄) / (len − 1), two-pass. */
function sampleCovariance(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += ((a[i] as number) - ma) * ((b[i] as number) - mb);
  return s / (n - 1);
}

/** Σ ((a − b) − mean(a − b))² / (len − 1): the variance of the paired differences, ≥ 0. */
function differenceVariance(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += (a[i] as number) - (b[i] as number);
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number) - m;
    s += d * d;
  }
  return s / (n - 1);
}

function checkVarianceDefined(positives: number, negatives: number): void {
  if (positives < 2 || negatives < 2) {
    const pos = `${positives} positive${positives === 1 ? '' : 's'}`;
    const neg = `${negatives} negative${negatives === 1 ? '' : 's'}`;
    throw new DataValidationError(
      `DeLong variance undefined: it needs at least 2 positives and 2 negatives, got ${pos} and ${neg}`,
    );
  }
}

/** A two-sided confidence interval. */
export interface ConfidenceInterval {
  lower: number;
  upper: number;
  /** Its confidence level, e.g. 0.95. */
  level: number;
}

/** DeLong's estimate for one model: the AUC, its variance and a normal confidence interval. */
export interface DelongAucResult {
  /** AUC-ROC, ties counted ½ (= sklearn `roc_auc_score`). */
  auc: number;
  /** DeLong variance of the AUC, S10/M + S01/N. */
  variance: number;
  /** √variance. */
  standardError: number;
  /** auc ± z·standardError, clipped to [0, 1] (as pROC's `ci.auc`); [auc, auc] with zero variance. */
  interval: ConfidenceInterval;
  /** Rows labelled 1 (M). */
  positives: number;
  /** Rows labelled 0 (N). */
  negatives: number;
}

/**
 * AUC of one model with DeLong's variance and a normal-approximation confidence interval
 * (equals pROC's `var(roc)` and `ci.auc(roc, method = "delong")`).
 * @param labels 0/1 per row
 * @param scores one finite score per row, higher meaning more likely positive
 * @param level confidence level in (0, 1), default {@link DEFAULT_CONFIDENCE_LEVEL} (0.95)
 * @throws DataValidationError on bad input (see {@link checkLabelsAndScores}), or with fewer than
 *   2 positives or 2 negatives ("DeLong variance undefined: …")
 * @throws RangeError for a level outside (0, 1)
 */
export function delongAuc(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  level: number = DEFAULT_CONFIDENCE_LEVEL,
): DelongAucResult {
  checkLevel(level);
  const { labels: y, positives, negatives } = checkLabelsAndScores(labels, [['scores', scores]]);
  checkVarianceDefined(positives, negatives);
  const c = components(y, classOrdinals(y), scores, positives, negatives);
  const variance = sampleCovariance(c.v10, c.v10) / positives + sampleCovariance(c.v01, c.v01) / negatives;
  const standardError = sqrt(variance);
  const half = twoSidedCriticalValue(level) * standardError;
  return {
    auc: c.auc,
    variance,
    standardError,
    interval: { lower: clip(c.auc - half, 0, 1), upper: clip(c.auc + half, 0, 1), level },
    positives,
    negatives,
  };
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** DeLong's test of two correlated AUCs (models A and B scored on the same rows). */
export interface DelongTestResult {
  /** AUC of model A. */
  aucA: number;
  /** AUC of model B. */
  aucB: number;
  /** DeLong variance of AUC A. */
  varianceA: number;
  /** DeLong variance of AUC B. */
  varianceB: number;
  /** DeLong covariance of AUC A and AUC B (positive when the models rank rows alike). */
  covariance: number;
  /** aucA − aucB. */
  difference: number;
  /**
   * Standard error of the difference, √(varA + varB − 2·cov), computed from the paired
   * differences of the structural components so that it is exactly 0 for identical models.
   */
  standardError: number;
  /**
   * difference / standardError. With a zero standard error: 0 when the difference is 0 too
   * (identical rankings: no evidence of a difference), ±∞ with the difference's sign otherwise.
   */
  z: number;
  /**
   * Two-sided p-value 2·Φ(−|z|) under the normal approximation: 1 when z = 0 (including the
   * zero-variance, zero-difference case), 0 when z is infinite (a nonzero difference that every
   * positive and negative shows identically, e.g. A separates perfectly and B is constant).
   */
  pValue: number;
  /** difference ± z_crit·standardError (not clipped, as pROC's `roc.test`); [d, d] with zero variance. */
  interval: ConfidenceInterval;
  /** Rows labelled 1 (M). */
  positives: number;
  /** Rows labelled 0 (N). */
  negatives: number;
}

/**
 * DeLong's test for the difference of two correlated AUCs: both models scored on the same rows
 * (paired). Equals pROC's `roc.test(roc1, roc2, method = "delong", paired = TRUE)` for the
 * statistic, p-value and interval.
 * @param labels 0/1 per row
 * @param scoresA model A's finite score per row (e.g. the candidate)
 * @param scoresB model B's finite score per row (e.g. the baseline)
 * @param level confidence level of the interval in (0, 1), default {@link DEFAULT_CONFIDENCE_LEVEL}
 * @throws DataValidationError on bad input (unequal lengths, no rows, a label other than 0/1, a
 *   non-finite score — naming the row —, a single class: "AUC undefined: the eval set has a
 *   single class"), or with fewer than 2 positives or 2 negatives ("DeLong variance undefined")
 * @throws RangeError for a level outside (0, 1)
 */
export function delongTest(
  labels: ArrayLike<number>,
  scoresA: ArrayLike<number>,
  scoresB: ArrayLike<number>,
  level: number = DEFAULT_CONFIDENCE_LEVEL,
): DelongTestResult {
  checkLevel(level);
  const {
    labels: y,
    positives: m,
    negatives: n,
  } = checkLabelsAndScores(labels, [
    ['scoresA', scoresA],
    ['scoresB', scoresB],
  ]);
  checkVarianceDefined(m, n);
  const ordinals = classOrdinals(y);
  const a = components(y, ordinals, scoresA, m, n);
  const b = components(y, ordinals, scoresB, m, n);
  const varianceA = sampleCovariance(a.v10, a.v10) / m + sampleCovariance(a.v01, a.v01) / n;
  const varianceB = sampleCovariance(b.v10, b.v10) / m + sampleCovariance(b.v01, b.v01) / n;
  const covariance = sampleCovariance(a.v10, b.v10) / m + sampleCovariance(a.v01, b.v01) / n;
  const varianceDiff = differenceVariance(a.v10, b.v10) / m + differenceVariance(a.v01, b.v01) / n;
  const difference = a.auc - b.auc;
  const standardError = sqrt(varianceDiff);
  let z: number;
  if (standardError > 0) z = difference / standardError;
  else z = difference === 0 ? 0 : difference > 0 ? Infinity : -Infinity;
  const pValue = z === 0 ? 1 : 2 * normalCdf(-abs(z));
  const half = twoSidedCriticalValue(level) * standardError;
  return {
    aucA: a.auc,
    aucB: b.auc,
    varianceA,
    varianceB,
    covariance,
    difference,
    standardError,
    z,
    pValue,
    interval: { lower: difference - half, upper: difference + half, level },
    positives: m,
    negatives: n,
  };
}
