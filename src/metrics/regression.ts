/**
 * Regression metrics computed by mlcd itself, for the candidate and the baseline alike. Pure
 * functions; values match scikit-learn 1.9.1 (see
 * test/fixtures/metrics/generate_multiclass_regression.py). Sums are compensated (Neumaier) and
 * R² uses a shifted two-pass variance, so results stay accurate for large-magnitude targets
 * with a small spread: for 1e6 ± 50 a one-pass Σy² − n·ȳ² is already off by ~1e-7 relative,
 * and for 1e9 ± 1 it has no correct digit left.
 */
import { DataValidationError } from '../core/errors';

// Bound once: under Jest every `Math.x` / `Number.x` lookup goes through the test environment's
// global Proxy (see src/sketch/hash.ts), which would dominate the per-row loops.
const abs = Math.abs;
const sqrt = Math.sqrt;
const isFiniteNumber = Number.isFinite;

/** float64 machine epsilon (numpy `finfo(float64).eps`): the MAPE denominator's floor. */
const EPS = Number.EPSILON;

/** Metrics of one regression model on one dataset. */
export interface RegressionMetrics {
  /** Rows. */
  n: number;
  /** Mean of (y − ŷ)² (sklearn `mean_squared_error`). */
  mse: number;
  /** √mse (sklearn `root_mean_squared_error`). */
  rmse: number;
  /** Mean of |y − ŷ| (sklearn `mean_absolute_error`). */
  mae: number;
  /**
   * 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (sklearn `r2_score`, `force_finite=True`). For constant targets
   * (zero denominator): 1 when the predictions are perfect, else 0. NaN with fewer than two
   * rows, as sklearn (which also warns).
   */
  r2: number;
  /**
   * Mean of |y − ŷ| / max(|y|, eps), eps = 2⁻⁵² (sklearn `mean_absolute_percentage_error`), as a
   * fraction, not a percentage. A target of 0 makes it huge (≈ |ŷ| · 4.5e15), as in sklearn.
   */
  mape: number;
  /** max |y − ŷ| (sklearn `max_error`). */
  max_error: number;
}

/** Neumaier's compensated sum: error O(eps) independent of n, no per-add allocation. */
class CompensatedSum {
  private sum = 0;
  private comp = 0;

  add(x: number): void {
    const t = this.sum + x;
    this.comp += abs(this.sum) >= abs(x) ? this.sum - t + x : x - t + this.sum;
    this.sum = t;
  }

  value(): number {
    return this.sum + this.comp;
  }
}

/**
 * Computes MSE, RMSE, MAE, R², MAPE and max error in two O(n) passes.
 *
 * Constant targets: R²'s denominator is computed around a shift by the first target, so it is
 * exactly 0 whenever all targets are equal, giving sklearn's documented 1 (perfect) / 0 (not).
 * sklearn itself only gets there when numpy's mean of the targets happens to be exact; for
 * e.g. fifty targets of 0.1 its mean is off by one ulp and `r2_score` returns ≈ −5e29, which
 * mlcd deliberately does not reproduce.
 *
 * @param targets true value per row, finite.
 * @param predictions predicted value per row, finite.
 * @throws DataValidationError naming the problem and the first offending row index: unequal
 *   lengths, no rows, a target or prediction that is not finite.
 */
export function regressionMetrics(
  targets: ArrayLike<number>,
  predictions: ArrayLike<number>,
): RegressionMetrics {
  const n = targets.length;
  if (n !== predictions.length)
    throw new DataValidationError(
      `targets and predictions differ in length: ${n} targets, ${predictions.length} predictions`,
    );
  if (n === 0) throw new DataValidationError('no rows to compute metrics from');

  const y0 = targets[0] as number;
  const squared = new CompensatedSum();
  const absolute = new CompensatedSum();
  const percentage = new CompensatedSum();
  const shifted = new CompensatedSum();
  let maxError = 0;
  for (let i = 0; i < n; i++) {
    const y = targets[i] as number;
    const p = predictions[i] as number;
    if (!isFiniteNumber(y))
      throw new DataValidationError(`target at row ${i} is ${String(y)}; targets must be finite numbers`);
    if (!isFiniteNumber(p))
      throw new DataValidationError(
        `prediction at row ${i} is ${String(p)}; predictions must be finite numbers`,
      );
    const e = y - p;
    const ae = abs(e);
    squared.add(e * e);
    absolute.add(ae);
    const ay = abs(y);
    percentage.add(ae / (ay > EPS ? ay : EPS));
    if (ae > maxError) maxError = ae;
    shifted.add(y - y0);
  }
  const sse = squared.value();
  const mse = sse / n;

  let r2 = NaN;
  if (n >= 2) {
    // Second pass around the (accurate) mean; the Σd term is the corrected two-pass correction.
    const mean = y0 + shifted.value() / n;
    const ss = new CompensatedSum();
    const d1 = new CompensatedSum();
    for (let i = 0; i < n; i++) {
      const d = (targets[i] as number) - mean;
      ss.add(d * d);
      d1.add(d);
    }
    const dSum = d1.value();
    const sst = ss.value() - (dSum * dSum) / n;
    if (sst > 0) r2 = 1 - sse / sst;
    else r2 = sse === 0 ? 1 : 0;
  }

  return {
    n,
    mse,
    rmse: sqrt(mse),
    mae: absolute.value() / n,
    r2,
    mape: percentage.value() / n,
    max_error: maxError,
  };
}
