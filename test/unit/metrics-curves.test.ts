import { aucRoc, averagePrecision, scoresByClass } from '../../src/metrics/binary';
import { precisionRecallCurve, rocCurve, thinCurve } from '../../src/metrics/curves';
import reference from '../fixtures/metrics/binary-metrics.json';

/** Trapezoidal area under a curve given as x / y arrays. */
function trapezoid(x: number[], y: number[]): number {
  let a = 0;
  for (let i = 1; i < x.length; i++)
    a += ((x[i] as number) - (x[i - 1] as number)) * (((y[i] as number) + (y[i - 1] as number)) / 2);
  return a;
}

describe('ROC and precision-recall curves', () => {
  it.each(
    reference.cases
      .filter((c) => c.expected.positives > 0 && c.expected.negatives > 0)
      .map((c) => [c.name, c] as const),
  )('the ROC area equals the AUC, the PR step sum the average precision: %s', (_n, c) => {
    const sorted = scoresByClass(c.labels, c.scores);
    const roc = rocCurve(sorted);
    expect(roc.x[0]).toBe(0);
    expect(roc.x[roc.x.length - 1]).toBe(1);
    expect(roc.y[roc.y.length - 1]).toBe(1);
    expect(Math.abs(trapezoid(roc.x, roc.y) - aucRoc(c.labels, c.scores))).toBeLessThan(1e-12);
    const pr = precisionRecallCurve(sorted);
    let ap = 0;
    for (let i = 1; i < pr.x.length; i++)
      ap += ((pr.x[i] as number) - (pr.x[i - 1] as number)) * (pr.y[i] as number);
    expect(Math.abs(ap - averagePrecision(c.labels, c.scores))).toBeLessThan(1e-12);
    for (let i = 1; i < roc.x.length; i++)
      expect(roc.thresholds[i] as number).toBeLessThan(roc.thresholds[i - 1] as number);
  });

  it('thinning keeps the ends, the order and at most the asked number of points', () => {
    const c = reference.cases[0];
    if (c === undefined) throw new Error('fixture missing');
    const roc = rocCurve(scoresByClass(c.labels, c.scores));
    expect(roc.x.length).toBeGreaterThan(500);
    const thin = thinCurve(roc, 100);
    expect(thin.x.length).toBeLessThanOrEqual(100);
    expect(thin.x.length).toBeGreaterThan(50);
    expect([thin.x[0], thin.y[0]]).toEqual([0, 0]);
    expect([thin.x[thin.x.length - 1], thin.y[thin.y.length - 1]]).toEqual([1, 1]);
    for (let i = 1; i < thin.x.length; i++)
      expect(thin.x[i] as number).toBeGreaterThanOrEqual(thin.x[i - 1] as number);
  });

  it('undefined curves are empty', () => {
    expect(rocCurve(scoresByClass([1, 1], [0.2, 0.3]))).toEqual({ x: [], y: [], thresholds: [] });
    expect(precisionRecallCurve(scoresByClass([0, 0], [0.2, 0.3]))).toEqual({ x: [], y: [], thresholds: [] });
  });
});
