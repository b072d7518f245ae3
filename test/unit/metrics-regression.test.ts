import { DataValidationError } from '../../src/core/errors';
import { regressionMetrics } from '../../src/metrics/regression';
import reference from '../fixtures/metrics/regression-metrics.json';

/** The error `fn` throws (fails the test when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/**
 * Asserts |actual − expected| ≤ 1e-9 · max(1, |expected|): absolute near 0..1, relative for large
 * values (MSE on 1e6-scale data, MAPE with zero targets). A null expectation (NaN in the
 * generator) requires NaN.
 */
function expectClose(actual: number, expected: number | null, what: string): void {
  if (expected === null) {
    expect({ what, actual }).toEqual({ what, actual: NaN });
    return;
  }
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  expect({ what, actual, within: Math.abs(actual - expected) <= tolerance }).toEqual({
    what,
    actual: expect.any(Number),
    within: true,
  });
}

const METRICS = ['mse', 'rmse', 'mae', 'r2', 'mape', 'max_error'] as const;

describe('regressionMetrics matches scikit-learn (fixtures from generate_multiclass_regression.py)', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const m = regressionMetrics(Float64Array.from(c.targets), Float64Array.from(c.predictions));
    expect(m.n).toBe(c.expected.n);
    for (const key of METRICS) expectClose(m[key], c.expected[key], key);
  });

  it('covers large magnitudes, constant and zero targets, a single row', () => {
    expect(reference.cases.map((c) => c.name)).toEqual([
      'random-600',
      'large-magnitude-1e6-1500',
      'wide-range-1e6-1000',
      'constant-targets-perfect-50',
      'constant-targets-imperfect-50',
      'zero-targets-mape-300',
      'perfect-200',
      'worse-than-mean-400',
      'integers-6',
      'single-row',
    ]);
    const byName = new Map(reference.cases.map((c) => [c.name, c.expected]));
    expect(byName.get('constant-targets-perfect-50')?.r2).toBe(1);
    expect(byName.get('constant-targets-imperfect-50')?.r2).toBe(0);
    expect(byName.get('zero-targets-mape-300')?.mape).toBeGreaterThan(1e12);
    expect(byName.get('single-row')?.r2).toBeNull();
    expect(reference.sklearn).toBe('1.9.1');
  });
});

describe('regressionMetrics behaviour', () => {
  it('R² of 1e12-scale targets with a spread of 1 is exact (no one-pass Σy² cancellation)', () => {
    const base = 1e12;
    const m = regressionMetrics([base + 1, base + 2, base + 3], [base + 1, base + 2, base + 4]);
    // Σ(y − ȳ)² = 2, Σ(y − ŷ)² = 1
    expect(m.r2).toBe(0.5);
    expect(m.mse).toBeCloseTo(1 / 3, 15);
    expect(m.max_error).toBe(1);
  });

  it('constant targets give R² 1 when perfect, 0 otherwise, also where numpy’s mean is inexact', () => {
    // For fifty 0.1s numpy's mean is one ulp off and sklearn's r2_score returns ≈ −5e29;
    // mlcd treats the targets as constant (the documented sklearn result).
    const y = new Float64Array(50).fill(0.1);
    expect(
      regressionMetrics(
        y,
        y.map((v) => v + 0.01),
      ).r2,
    ).toBe(0);
    expect(regressionMetrics(y, y).r2).toBe(1);
    const big = new Float64Array(7).fill(1e6 + 0.1);
    expect(
      regressionMetrics(
        big,
        big.map((v, i) => v + i),
      ).r2,
    ).toBe(0);
  });

  it('perfect predictions of varying targets have R² 1 and zero errors', () => {
    expect(regressionMetrics([1, 2, 4], [1, 2, 4])).toEqual({
      n: 3,
      mse: 0,
      rmse: 0,
      mae: 0,
      r2: 1,
      mape: 0,
      max_error: 0,
    });
  });

  it('MAPE divides by eps for a zero target, as a fraction', () => {
    expect(regressionMetrics([0, 2], [1, 1]).mape).toBe((1 / Number.EPSILON + 0.5) / 2);
    expect(regressionMetrics([4, -2], [5, -1]).mape).toBe(0.375); // (1/4 + 1/2) / 2
  });

  it('R² is NaN for a single row (sklearn), the other metrics are defined', () => {
    const m = regressionMetrics([2], [3.5]);
    expect(m.r2).toBeNaN();
    expect({ mse: m.mse, rmse: m.rmse, mae: m.mae, mape: m.mape, max_error: m.max_error }).toEqual({
      mse: 2.25,
      rmse: 1.5,
      mae: 1.5,
      mape: 0.75,
      max_error: 1.5,
    });
  });

  it('accepts plain arrays and typed arrays alike', () => {
    const a = regressionMetrics([1, 2, 3, 5], [1.5, 2, 2, 6]);
    expect(regressionMetrics(new Float64Array([1, 2, 3, 5]), new Float32Array([1.5, 2, 2, 6]))).toEqual(a);
    expect(a.mae).toBe(0.625);
  });
});

describe('regressionMetrics input validation', () => {
  const cases: Array<[string, number[], number[], string]> = [
    ['unequal lengths', [1, 2], [1], 'targets and predictions differ in length: 2 targets, 1 predictions'],
    ['no rows', [], [], 'no rows to compute metrics from'],
    ['NaN target', [1, 2, NaN], [1, 2, 3], 'target at row 2 is NaN; targets must be finite numbers'],
    ['infinite target', [Infinity], [1], 'target at row 0 is Infinity; targets must be finite numbers'],
    [
      'NaN prediction',
      [1, 2, 3],
      [1, NaN, 3],
      'prediction at row 1 is NaN; predictions must be finite numbers',
    ],
    [
      'negative infinite prediction',
      [1, 2],
      [1, -Infinity],
      'prediction at row 1 is -Infinity; predictions must be finite numbers',
    ],
    [
      'first bad row wins',
      [1, 2, NaN],
      [1, NaN, 3],
      'prediction at row 1 is NaN; predictions must be finite numbers',
    ],
  ];
  it.each(cases)('%s', (_name, targets, predictions, message) => {
    const e = thrown(() => regressionMetrics(targets, predictions));
    expect(e).toBeInstanceOf(DataValidationError);
    expect(e.message).toBe(message);
  });
});
