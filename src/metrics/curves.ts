/**
 * ROC and precision–recall curves of binary predictions, for reports: one point per distinct
 * score threshold (as scikit-learn's `roc_curve(drop_intermediate=False)` and
 * `precision_recall_curve`), and a thinned copy of at most a few hundred points for drawing.
 */
import { walkThresholds } from './binary';
import type { ScoresByClass } from './binary';

/** A curve as parallel arrays; `thresholds[i]` is the score at or above which rows count as positive. */
export interface Curve {
  x: number[];
  y: number[];
  thresholds: number[];
}

/**
 * The ROC curve: false positive rate (x) against true positive rate (y), from (0, 0) at threshold
 * +∞ to (1, 1). Empty arrays when a class is absent (the curve is undefined).
 */
export function rocCurve(sorted: ScoresByClass): Curve {
  const np = sorted.positive.length;
  const nn = sorted.negative.length;
  if (np === 0 || nn === 0) return { x: [], y: [], thresholds: [] };
  const curve: Curve = { x: [0], y: [0], thresholds: [Infinity] };
  walkThresholds(sorted, (t, tp, fp) => {
    curve.x.push(fp / nn);
    curve.y.push(tp / np);
    curve.thresholds.push(t);
  });
  return curve;
}

/**
 * The precision–recall curve: recall (x) against precision (y), thresholds from the highest score
 * down, ending at recall 0 / precision 1 as scikit-learn's does. Empty without positives.
 */
export function precisionRecallCurve(sorted: ScoresByClass): Curve {
  const np = sorted.positive.length;
  if (np === 0) return { x: [], y: [], thresholds: [] };
  const curve: Curve = { x: [0], y: [1], thresholds: [Infinity] };
  walkThresholds(sorted, (t, tp, fp) => {
    curve.x.push(tp / np);
    curve.y.push(tp / (tp + fp));
    curve.thresholds.push(t);
  });
  return curve;
}

/**
 * At most `maxPoints` points of a curve for drawing: the first and last, and the others spread
 * evenly along the curve's length, so steps stay visible. The input is returned when small enough.
 */
export function thinCurve(curve: Curve, maxPoints = 300): Curve {
  const n = curve.x.length;
  if (n <= maxPoints) return curve;
  const length = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const dx = (curve.x[i] as number) - (curve.x[i - 1] as number);
    const dy = (curve.y[i] as number) - (curve.y[i - 1] as number);
    length[i] = (length[i - 1] as number) + Math.hypot(dx, dy);
  }
  const total = length[n - 1] as number;
  const out: Curve = { x: [], y: [], thresholds: [] };
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (i === n - 1 || (length[i] as number) >= (next * total) / (maxPoints - 1)) {
      out.x.push(curve.x[i] as number);
      out.y.push(curve.y[i] as number);
      out.thresholds.push(curve.thresholds[i] as number);
      while ((next * total) / (maxPoints - 1) <= (length[i] as number) && next < maxPoints - 1) next++;
    }
  }
  return out;
}
