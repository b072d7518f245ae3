import { DataValidationError } from '../../src/core/errors';
import type { MulticlassOptions } from '../../src/metrics/multiclass';
import { multiclassMetrics, PROBABILITY_SUM_TOLERANCE } from '../../src/metrics/multiclass';
import reference from '../fixtures/metrics/multiclass-metrics.json';

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
 * values. A null expectation (NaN in the generator) requires NaN.
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

/** Row-major Float64Array from rows. */
function matrix(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

const SCALARS = [
  'accuracy',
  'balanced_accuracy',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'precision_micro',
  'recall_micro',
  'f1_micro',
  'precision_weighted',
  'recall_weighted',
  'f1_weighted',
] as const;

describe('multiclassMetrics matches scikit-learn (fixtures from generate_multiclass_regression.py)', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const options: MulticlassOptions = { topK: c.top_k };
    if ('class_names' in c && c.class_names !== undefined) options.classNames = c.class_names;
    const m = multiclassMetrics(Int32Array.from(c.labels), Float64Array.from(c.scores), c.k, options);
    const e = c.expected;
    expect({ n: m.n, k: m.k }).toEqual({ n: e.n, k: e.k });
    for (const key of SCALARS) expectClose(m[key], e[key], key);
    expectClose(m.log_loss, e.log_loss, 'log_loss');
    expect(m.top_k_accuracy.map((t) => t.k)).toEqual(e.top_k_accuracy.map((t) => t.k));
    m.top_k_accuracy.forEach((t, i) =>
      expectClose(t.accuracy, e.top_k_accuracy[i]?.accuracy ?? null, `top_${t.k}_accuracy`),
    );
    expect(m.per_class.map((p) => [p.class_index, p.name, p.support])).toEqual(
      e.per_class.map((p) => [p.class_index, p.name, p.support]),
    );
    m.per_class.forEach((p, i) => {
      const ep = e.per_class[i];
      expectClose(p.precision, ep?.precision ?? null, `precision[${i}]`);
      expectClose(p.recall, ep?.recall ?? null, `recall[${i}]`);
      expectClose(p.f1, ep?.f1 ?? null, `f1[${i}]`);
    });
  });

  it('covers ties, imbalance, never-predicted and zero-support classes, non-probability scores', () => {
    expect(reference.cases.map((c) => c.name)).toEqual([
      'random-5class-600',
      'tied-votes-4class-600',
      'argmax-ties-3class-8',
      'imbalanced-never-predicted-6class-800',
      'zero-support-5class-400',
      'logits-3class-500',
      'unnormalised-rows-4class-200',
      'two-class-700',
      'many-classes-20-300',
      'single-row',
    ]);
    // the fixtures exercise what their names claim
    const byName = new Map(reference.cases.map((c) => [c.name, c.expected]));
    expect(byName.get('zero-support-5class-400')?.per_class.map((p) => p.support)).toEqual([
      150, 115, 135, 0, 0,
    ]);
    expect(byName.get('imbalanced-never-predicted-6class-800')?.per_class[5]?.precision).toBe(0);
    expect(byName.get('logits-3class-500')?.log_loss).toBeNull();
    expect(byName.get('unnormalised-rows-4class-200')?.log_loss).toBeNull();
    expect(reference.sklearn).toBe('1.9.1');
  });
});

describe('multiclassMetrics behaviour', () => {
  it('argmax takes the lowest tied index; top-k ranks the highest tied index first (sklearn)', () => {
    const scores = matrix([
      [0.4, 0.4, 0.2],
      [0.4, 0.4, 0.2],
    ]);
    const m = multiclassMetrics([0, 0], scores, 3, { topK: [1, 2] });
    expect(m.accuracy).toBe(1); // both rows predict class 0
    expect(m.top_k_accuracy).toEqual([
      { k: 1, accuracy: 0 }, // class 1 ranks ahead of the tied class 0
      { k: 2, accuracy: 1 },
    ]);
    expect(m.per_class.map((p) => p.support)).toEqual([2, 0, 0]);
  });

  it('defaults topK to those of [1, 3] below k', () => {
    const ks = (k: number): number[] => {
      const scores = new Float64Array(k).fill(1 / k);
      return multiclassMetrics([0], scores, k).top_k_accuracy.map((t) => t.k);
    };
    expect(ks(2)).toEqual([1]);
    expect(ks(3)).toEqual([1]);
    expect(ks(4)).toEqual([1, 3]);
    expect(ks(10)).toEqual([1, 3]);
  });

  it('keeps requested top-k in order, reports 1 for k′ ≥ k, allows none', () => {
    const scores = matrix([
      [0.1, 0.2, 0.7],
      [0.6, 0.3, 0.1],
    ]);
    const m = multiclassMetrics([0, 1], scores, 3, { topK: [3, 1, 5, 2] });
    expect(m.top_k_accuracy).toEqual([
      { k: 3, accuracy: 1 },
      { k: 1, accuracy: 0 },
      { k: 5, accuracy: 1 },
      { k: 2, accuracy: 0.5 },
    ]);
    expect(multiclassMetrics([0, 1], scores, 3, { topK: [] }).top_k_accuracy).toEqual([]);
  });

  it('balanced accuracy drops zero-support classes, macro averages keep them', () => {
    // predictions 0, 2, 1: class 2 is predicted but never a label
    const scores = matrix([
      [0.8, 0.1, 0.1],
      [0.1, 0.1, 0.8],
      [0.1, 0.8, 0.1],
    ]);
    const m = multiclassMetrics([0, 0, 1], scores, 3);
    expect(m.balanced_accuracy).toBe(0.75); // (1/2 + 1) / 2
    expect(m.recall_macro).toBe(0.5); // (1/2 + 1 + 0) / 3
    expect(m.per_class[2]).toEqual({ class_index: 2, name: '2', precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('log loss clips a zero probability of the true class to eps and a one to 1 − eps', () => {
    const m = multiclassMetrics(
      [0, 1],
      matrix([
        [0, 1],
        [0, 1],
      ]),
      2,
    );
    // row 0: −ln(2⁻⁵²); row 1: −ln(1 − 2⁻⁵²)
    expect(m.log_loss).toBeCloseTo((52 * Math.LN2 + Number.EPSILON) / 2, 12);
    expect(multiclassMetrics([1], matrix([[0, 1]]), 2).log_loss).toBeCloseTo(Number.EPSILON, 20);
  });

  it('log loss is NaN unless every row is a probability vector (sum within sklearn tolerance)', () => {
    const within = 0.5 + PROBABILITY_SUM_TOLERANCE / 2;
    const ok = multiclassMetrics(
      [1, 0],
      matrix([
        [0.5, within],
        [0.25, 0.75],
      ]),
      2,
    );
    expect(ok.log_loss).toBeCloseTo((-Math.log(within) - Math.log(0.25)) / 2, 14);
    const over = 0.5 + 2 * PROBABILITY_SUM_TOLERANCE;
    expect(
      multiclassMetrics(
        [1, 0],
        matrix([
          [0.5, over],
          [0.25, 0.75],
        ]),
        2,
      ).log_loss,
    ).toBeNaN();
    // sums to 1 but a value is outside [0, 1]
    expect(
      multiclassMetrics(
        [0, 0],
        matrix([
          [0.5, 0.5],
          [1.2, -0.2],
        ]),
        2,
      ).log_loss,
    ).toBeNaN();
    // logits: the other metrics still count
    const logits = multiclassMetrics(
      [0, 1],
      matrix([
        [3, -1],
        [0.5, 2],
      ]),
      2,
    );
    expect(logits.log_loss).toBeNaN();
    expect(logits.accuracy).toBe(1);
  });

  it('names classes from classNames', () => {
    const m = multiclassMetrics(
      [0, 1],
      matrix([
        [0.9, 0.1],
        [0.2, 0.8],
      ]),
      2,
      { classNames: ['ham', 'spam'] },
    );
    expect(m.per_class.map((p) => p.name)).toEqual(['ham', 'spam']);
  });

  it('accepts any array-like of labels', () => {
    const scores = matrix([
      [0.2, 0.5, 0.3],
      [0.6, 0.3, 0.1],
      [0.1, 0.1, 0.8],
    ]);
    const a = multiclassMetrics([1, 0, 1], scores, 3);
    expect(multiclassMetrics(new Float64Array([1, 0, 1]), scores, 3)).toEqual(a);
    expect(multiclassMetrics(new Uint8Array([1, 0, 1]), scores, 3)).toEqual(a);
    expect(a.accuracy).toBeCloseTo(2 / 3, 15);
  });
});

describe('multiclassMetrics input validation', () => {
  const cases: Array<[string, number[], number[], number, MulticlassOptions, string]> = [
    ['k of 1', [0], [1], 1, {}, 'k must be an integer ≥ 2, got 1'],
    ['fractional k', [0], [0.5, 0.5], 2.5, {}, 'k must be an integer ≥ 2, got 2.5'],
    [
      'unequal lengths',
      [0, 1],
      [0.5, 0.5, 0.5],
      2,
      {},
      'labels and scores differ in length: 2 labels × 2 classes = 4 scores expected, got 3',
    ],
    ['no rows', [], [], 3, {}, 'no rows to compute metrics from'],
    [
      'too few class names',
      [0],
      [0.5, 0.5],
      2,
      { classNames: ['a'] },
      'classNames has 1 names for 2 classes',
    ],
    ['top-k of 0', [0], [0.5, 0.5], 2, { topK: [1, 0] }, 'topK values must be integers ≥ 1, got 0'],
    ['fractional top-k', [0], [0.5, 0.5], 2, { topK: [1.5] }, 'topK values must be integers ≥ 1, got 1.5'],
    [
      'label equal to k',
      [0, 1, 2],
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
      2,
      {},
      'label at row 2 is 2; labels must be integers in [0, 2)',
    ],
    [
      'negative label',
      [-1, 0],
      [0.5, 0.5, 0.5, 0.5],
      2,
      {},
      'label at row 0 is -1; labels must be integers in [0, 2)',
    ],
    [
      'fractional label',
      [0, 0.5],
      [0.5, 0.5, 0.5, 0.5],
      2,
      {},
      'label at row 1 is 0.5; labels must be integers in [0, 2)',
    ],
    [
      'NaN label',
      [0, NaN],
      [0.5, 0.5, 0.5, 0.5],
      2,
      {},
      'label at row 1 is NaN; labels must be integers in [0, 2)',
    ],
    [
      'NaN score',
      [0, 1, 2],
      [0.2, 0.3, 0.5, 0.2, 0.3, NaN, 0.1, 0.1, 0.8],
      3,
      {},
      'score at row 1, class 2 is NaN; scores must be finite',
    ],
    [
      'infinite score, named class',
      [0, 1],
      [0.5, 0.5, -Infinity, 1],
      2,
      { classNames: ['ham', 'spam'] },
      'score at row 1, class 0 (ham) is -Infinity; scores must be finite',
    ],
    [
      'first bad row wins: label before a later bad score',
      [0, 5, 0],
      [0.5, 0.5, 0.5, 0.5, Infinity, 0.5],
      2,
      {},
      'label at row 1 is 5; labels must be integers in [0, 2)',
    ],
  ];
  it.each(cases)('%s', (_name, labels, scores, k, options, message) => {
    const e = thrown(() => multiclassMetrics(labels, Float64Array.from(scores), k, options));
    expect(e).toBeInstanceOf(DataValidationError);
    expect(e.message).toBe(message);
  });
});
