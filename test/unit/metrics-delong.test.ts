import { DataValidationError } from '../../src/core/errors';
import { aucRoc } from '../../src/metrics/binary';
import {
  argsortScores,
  delongAuc,
  delongTest,
  normalCdf,
  normalQuantile,
  twoSidedCriticalValue,
} from '../../src/metrics/delong';
import { Xoshiro128 } from '../../src/metrics/rng';
import fixture from '../fixtures/metrics/delong.json';

/** The error `fn` throws (fails the test when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

function expectClose(actual: number, expected: number, tolerance = 1e-9): void {
  if (Math.abs(actual - expected) > tolerance)
    throw new Error(`expected ${expected} within ${tolerance}, got ${actual} (off by ${actual - expected})`);
}

describe('delongTest matches the independent O(M·N) implementation (generate_uncertainty.py)', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = delongTest(c.labels, c.scores_a, c.scores_b, c.level);
    const e = c.expected;
    expectClose(r.aucA, e.auc_a);
    expectClose(r.aucB, e.auc_b);
    expectClose(r.varianceA, e.variance_a);
    expectClose(r.varianceB, e.variance_b);
    expectClose(r.covariance, e.covariance);
    expectClose(r.difference, e.difference);
    expectClose(r.standardError, e.standard_error);
    expectClose(r.z, e.z);
    expectClose(r.pValue, e.p_value);
    expectClose(r.interval.lower, e.lower);
    expectClose(r.interval.upper, e.upper);
    expect(r.interval.level).toBe(c.level);
    expect(r.positives + r.negatives).toBe(c.labels.length);
    // AUCs are exact: identical to the rank-sum AUC of the binary metrics.
    expect(r.aucA).toBe(aucRoc(c.labels, c.scores_a));
    expect(r.aucB).toBe(aucRoc(c.labels, c.scores_b));

    for (const [scores, single] of [
      [c.scores_a, e.single_a],
      [c.scores_b, e.single_b],
    ] as const) {
      const s = delongAuc(c.labels, scores, c.level);
      expectClose(s.auc, single.auc);
      expectClose(s.variance, single.variance);
      expectClose(s.standardError, single.standard_error);
      expectClose(s.interval.lower, single.lower);
      expectClose(s.interval.upper, single.upper);
    }
  });

  it('covers random, tied, imbalanced, small and zero-variance cases', () => {
    expect(fixture.cases.map((c) => c.name)).toEqual([
      'random-correlated-300',
      'heavily-tied-500',
      'imbalanced-3pct-2000-level90',
      'small-8',
      'two-positives-12',
      'identical-models-200',
      'monotone-transform-200',
    ]);
  });
});

describe('delongTest properties and degenerate cases', () => {
  const rng = new Xoshiro128(3);
  const n = 400;
  const labels = Array.from({ length: n }, () => (rng.nextFloat64() < 0.4 ? 1 : 0));
  const a = labels.map((y) => y * 0.7 + rng.nextFloat64());
  const b = labels.map((y) => y * 0.4 + rng.nextFloat64());

  it('swapping the models negates z, the difference and the interval, and keeps p', () => {
    const ab = delongTest(labels, a, b);
    const ba = delongTest(labels, b, a);
    expect(ba.z).toBeCloseTo(-ab.z, 12);
    expect(ba.difference).toBe(-ab.difference);
    expect(ba.pValue).toBeCloseTo(ab.pValue, 14);
    expect(ba.interval.lower).toBeCloseTo(-ab.interval.upper, 14);
    expect(ba.covariance).toBeCloseTo(ab.covariance, 16);
    expect(ab.standardError ** 2).toBeCloseTo(ab.varianceA + ab.varianceB - 2 * ab.covariance, 14);
  });

  it('is invariant to strictly increasing transforms of either model', () => {
    const r = delongTest(labels, a, b);
    const t = delongTest(
      labels,
      a.map((s) => 10 * s - 3),
      b.map((s) => Math.exp(s)),
    );
    expect(t.aucA).toBe(r.aucA);
    expect(t.aucB).toBe(r.aucB);
    expect(t.z).toBeCloseTo(r.z, 12);
  });

  it('the interval widens with the level and is centred on the difference', () => {
    const r90 = delongTest(labels, a, b, 0.9);
    const r99 = delongTest(labels, a, b, 0.99);
    expect(r99.interval.upper - r99.interval.lower).toBeGreaterThan(r90.interval.upper - r90.interval.lower);
    expect((r90.interval.lower + r90.interval.upper) / 2).toBeCloseTo(r90.difference, 15);
    expect(r90.interval.upper - r90.difference).toBeCloseTo(1.6448536269514722 * r90.standardError, 15);
  });

  it('identical models: zero standard error, z = 0, p = 1, interval [0, 0]', () => {
    const r = delongTest(labels, a, a.slice());
    expect(r).toMatchObject({ difference: 0, standardError: 0, z: 0, pValue: 1 });
    expect(r.interval).toEqual({ lower: 0, upper: 0, level: 0.95 });
  });

  it('a perfect model against a constant one: zero variance, z = ±∞, p = 0', () => {
    const y = [0, 1, 0, 1, 1, 0];
    const perfect = [0.1, 0.9, 0.2, 0.8, 0.7, 0.3];
    const constant = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    const r = delongTest(y, perfect, constant);
    expect(r).toMatchObject({
      aucA: 1,
      aucB: 0.5,
      difference: 0.5,
      standardError: 0,
      z: Infinity,
      pValue: 0,
    });
    expect(r.interval).toEqual({ lower: 0.5, upper: 0.5, level: 0.95 });
    const reversed = delongTest(y, constant, perfect);
    expect(reversed).toMatchObject({ difference: -0.5, z: -Infinity, pValue: 0 });
  });

  it('single model with perfect separation: AUC 1, zero variance, interval [1, 1]', () => {
    const r = delongAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]);
    expect(r).toEqual({
      auc: 1,
      variance: 0,
      standardError: 0,
      interval: { lower: 1, upper: 1, level: 0.95 },
      positives: 2,
      negatives: 2,
    });
  });

  it('the AUC interval is clipped to [0, 1]', () => {
    const r = delongAuc([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.35, 0.8, 0.9]);
    expect(r.interval.upper).toBe(1);
    expect(r.auc + 1.96 * r.standardError).toBeGreaterThan(1);
  });

  it('accepts typed arrays and non-probability scores (logits, negatives)', () => {
    const r = delongTest(Float64Array.from(labels), Float32Array.from(a), b);
    expect(r.aucA).toBe(aucRoc(labels, Float32Array.from(a)));
    expect(delongAuc([0, 1, 0, 1], [-3, 2.5, -0.5, 100]).auc).toBe(1);
  });

  it('handles a million rows', () => {
    const big = new Xoshiro128(8);
    const m = 1_000_000;
    const y = new Uint8Array(m);
    const s1 = new Float64Array(m);
    const s2 = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      y[i] = big.nextFloat64() < 0.5 ? 1 : 0;
      s1[i] = big.nextFloat64() + 0.1 * (y[i] as number);
      s2[i] = Math.round((big.nextFloat64() + 0.1 * (y[i] as number)) * 100) / 100;
    }
    const r = delongTest(y, s1, s2);
    expect(r.aucA).toBe(aucRoc(y, s1));
    expect(r.aucB).toBe(aucRoc(y, s2));
    expect(r.standardError).toBeGreaterThan(0);
    expect(r.standardError).toBeLessThan(0.002);
  });
});

describe('normal distribution functions match scipy.stats.norm', () => {
  it.each(fixture.normal.cdf.map((c) => [c.x, c.cdf] as const))('Φ(%s)', (x, expected) => {
    const v = normalCdf(x);
    if (expected === 0) expect(v).toBe(0);
    else expect(Math.abs(v - expected) / expected).toBeLessThan(1e-13);
  });

  it.each(fixture.normal.quantile.map((c) => [c.p, c.quantile] as const))('Φ⁻¹(%s)', (p, expected) => {
    expect(Math.abs(normalQuantile(p) - expected)).toBeLessThanOrEqual(
      1e-13 * Math.max(1, Math.abs(expected)),
    );
  });

  it('edge values', () => {
    expect(normalCdf(NaN)).toBeNaN();
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(0.5)).toBe(0);
    for (const p of [-0.1, 1.1, NaN]) expect(normalQuantile(p)).toBeNaN();
    expect(twoSidedCriticalValue(0.95)).toBeCloseTo(1.959963984540054, 15);
    expect(() => twoSidedCriticalValue(1)).toThrow(RangeError);
  });

  it('Φ and Φ⁻¹ invert each other (lower half: Φ keeps its relative accuracy there)', () => {
    for (let x = -30; x <= 0; x += 0.37) expect(normalQuantile(normalCdf(x))).toBeCloseTo(x, 12);
    for (let p = 0.001; p < 1; p += 0.0137) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 15);
  });
});

describe('argsortScores', () => {
  it('orders rows by score, ties in row order', () => {
    expect(Array.from(argsortScores([0.5, 0.1, 0.5, -2, 0.1, 0]))).toEqual([3, 5, 1, 4, 0, 2]);
    expect(Array.from(argsortScores([0, -0, 0]))).toEqual([0, 1, 2]);
    expect(Array.from(argsortScores([]))).toEqual([]);
  });

  it('agrees with a comparator sort on random data with ties', () => {
    const rng = new Xoshiro128(5);
    const s = Array.from({ length: 5000 }, () => rng.nextBelow(700) / 7);
    const expected = s.map((_, i) => i).sort((i, j) => (s[i] as number) - (s[j] as number) || i - j);
    expect(Array.from(argsortScores(s))).toEqual(expected);
  });
});

describe('delong input validation', () => {
  const cases: Array<[string, () => unknown, string]> = [
    [
      'unequal lengths',
      () => delongTest([0, 1, 0], [0.1, 0.2, 0.3], [0.1, 0.2]),
      'labels and scoresB differ in length: 3 labels, 2 scoresB',
    ],
    ['no rows', () => delongTest([], [], []), 'no rows to compute metrics from'],
    [
      'label 2',
      () => delongTest([0, 1, 2], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3]),
      'label at row 2 is 2; labels must be 0 or 1',
    ],
    [
      'NaN label',
      () => delongAuc([0, NaN, 1], [0.1, 0.2, 0.3]),
      'label at row 1 is NaN; labels must be 0 or 1',
    ],
    [
      'NaN score',
      () => delongTest([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, NaN, 0.4]),
      'scoresB at row 2 is NaN; scores must be finite numbers',
    ],
    [
      'infinite score',
      () => delongAuc([0, 1, 0, 1], [0.1, -Infinity, 0.3, 0.4]),
      'scores at row 1 is -Infinity; scores must be finite numbers',
    ],
    [
      'single class',
      () => delongTest([1, 1, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1]),
      'AUC undefined: the eval set has a single class (3 rows, all labelled 1)',
    ],
    [
      'single class (negatives)',
      () => delongAuc([0, 0], [0.1, 0.2]),
      'AUC undefined: the eval set has a single class (2 rows, all labelled 0)',
    ],
    [
      'one positive',
      () => delongTest([0, 1, 0, 0], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]),
      'DeLong variance undefined: it needs at least 2 positives and 2 negatives, got 1 positive and 3 negatives',
    ],
  ];
  it.each(cases)('%s', (_name, fn, message) => {
    const e = thrown(fn);
    expect(e).toBeInstanceOf(DataValidationError);
    expect(e.message).toBe(message);
  });

  it('a level outside (0, 1) is a RangeError', () => {
    for (const level of [0, 1, 95, NaN]) {
      const e = thrown(() => delongTest([0, 1, 0, 1], [1, 2, 3, 4], [1, 2, 3, 4], level));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe(`confidence level must be in (0, 1), got ${level}`);
    }
    expect(() => delongAuc([0, 1, 0, 1], [1, 2, 3, 4], 0)).toThrow(RangeError);
  });
});
