import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataUnusableError, DataValidationError } from '../../src/core/errors';
import { aucRoc, binaryMetrics } from '../../src/metrics/binary';
import { readPredictions } from '../../src/metrics/predictions';
import reference from '../fixtures/metrics/binary-metrics.json';
import predictionsExpected from '../fixtures/metrics/predictions-expected.json';

/** The error `fn` throws (fails the test when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/** The error `p` rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, the promise resolved');
}

const FIXTURES = resolve(__dirname, '../fixtures/metrics');
const PREDICTIONS = join(FIXTURES, 'predictions.arrow');

describe('binaryMetrics matches scikit-learn (fixtures from generate.py)', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const m = binaryMetrics(Float64Array.from(c.labels), Float64Array.from(c.scores), c.threshold);
    const e = c.expected;
    expect(Math.abs(m.auc_roc - e.auc_roc)).toBeLessThan(1e-9);
    expect(Math.abs(m.precision - e.precision)).toBeLessThan(1e-9);
    expect(Math.abs(m.recall - e.recall)).toBeLessThan(1e-9);
    expect(Math.abs(m.f1 - e.f1)).toBeLessThan(1e-9);
    expect(Math.abs(m.accuracy - e.accuracy)).toBeLessThan(1e-9);
    expect(Math.abs(m.balanced_accuracy - e.balanced_accuracy)).toBeLessThan(1e-9);
    expect(Math.abs(m.log_loss - e.log_loss)).toBeLessThan(1e-9);
    expect(Math.abs(m.brier - e.brier)).toBeLessThan(1e-9);
    expect(Math.abs(m.ece - e.ece)).toBeLessThan(1e-9);
    if (e.average_precision === null) expect(m.average_precision).toBeNaN();
    else expect(Math.abs(m.average_precision - e.average_precision)).toBeLessThan(1e-9);
    for (const c of ['0', '1'] as const) {
      const got = m.per_class[c];
      const want = e.per_class[c];
      expect(Math.abs(got.precision - want.precision)).toBeLessThan(1e-9);
      expect(Math.abs(got.recall - want.recall)).toBeLessThan(1e-9);
      expect(Math.abs(got.f1 - want.f1)).toBeLessThan(1e-9);
      expect(got.support).toBe(want.support);
    }
    expect({
      positives: m.positives,
      negatives: m.negatives,
      n: m.n,
      tp: m.tp,
      fp: m.fp,
      tn: m.tn,
      fn: m.fn,
    }).toEqual({
      positives: e.positives,
      negatives: e.negatives,
      n: e.n,
      tp: e.tp,
      fp: e.fp,
      tn: e.tn,
      fn: e.fn,
    });
  });

  it('covers the tie-heavy, imbalanced, perfect and constant-score cases', () => {
    expect(reference.cases.map((c) => c.name)).toEqual([
      'random-1000',
      'heavily-tied-800',
      'imbalanced-4pct-2000',
      'perfect-separation-300',
      'all-scores-equal-200',
      'inverted-500',
      'threshold-boundary-6',
      'calibration-edges-222',
      'three-positives-150',
    ]);
  });
});

describe('binaryMetrics edge cases', () => {
  it('AUC of a single-class dataset is NaN (the gate fails closed on it)', () => {
    const m = binaryMetrics([1, 1, 1], [0.2, 0.7, 0.9], 0.5);
    expect(m.auc_roc).toBeNaN();
    expect(m.precision).toBe(1);
    expect(m.recall).toBeCloseTo(2 / 3, 15);
    expect(aucRoc([0, 0], [0.1, 0.2])).toBeNaN();
  });

  it('precision is 0 when nothing is predicted positive (sklearn zero_division default)', () => {
    const m = binaryMetrics([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], 0.9);
    expect(m).toMatchObject({
      auc_roc: 0.75,
      precision: 0,
      recall: 0,
      f1: 0,
      accuracy: 0.5,
      balanced_accuracy: 0.5,
      positives: 2,
      negatives: 2,
      n: 4,
      tp: 0,
      fp: 0,
    });
  });

  it('a score equal to the threshold predicts positive', () => {
    expect(binaryMetrics([1, 0], [0.5, 0.4], 0.5).accuracy).toBe(1);
  });

  it('accepts plain arrays and typed arrays alike', () => {
    expect(binaryMetrics([0, 1], [0.2, 0.8], 0.5)).toEqual(
      binaryMetrics(new Float32Array([0, 1]), new Float64Array([0.2, 0.8]), 0.5),
    );
  });
});

describe('binaryMetrics input validation', () => {
  const cases: Array<[string, number[], number[], number, string]> = [
    ['unequal lengths', [0, 1], [0.1], 0.5, 'labels and scores differ in length: 2 labels, 1 scores'],
    ['no rows', [], [], 0.5, 'no rows to compute metrics from'],
    ['label 2', [0, 1, 2, 2], [0.1, 0.2, 0.3, 0.4], 0.5, 'label at row 2 is 2; labels must be 0 or 1'],
    ['NaN label', [0, NaN], [0.1, 0.2], 0.5, 'label at row 1 is NaN; labels must be 0 or 1'],
    [
      'score above 1',
      [0, 1, 1],
      [0.1, 1.5, 0.3],
      0.5,
      'score at row 1 is 1.5; scores must be finite probabilities in [0, 1]',
    ],
    [
      'negative score',
      [0, 1],
      [-0.1, 0.5],
      0.5,
      'score at row 0 is -0.1; scores must be finite probabilities in [0, 1]',
    ],
    [
      'NaN score',
      [0, 1, 0],
      [0.1, 0.5, NaN],
      0.5,
      'score at row 2 is NaN; scores must be finite probabilities in [0, 1]',
    ],
    [
      'infinite score',
      [0],
      [Infinity],
      0.5,
      'score at row 0 is Infinity; scores must be finite probabilities in [0, 1]',
    ],
    ['bad threshold', [0], [0.1], 1.2, 'threshold must be in [0, 1], got 1.2'],
  ];
  it.each(cases)('%s', (_name, labels, scores, threshold, message) => {
    const e = thrown(() => binaryMetrics(labels, scores, threshold));
    expect(e).toBeInstanceOf(DataValidationError);
    expect(e.message).toBe(message);
  });
});

describe('readPredictions (Arrow IPC file written by pyarrow)', () => {
  it('reads an int64 label column and a float64 score column across record batches', async () => {
    const p = await readPredictions(PREDICTIONS, 'churned', 'score');
    expect(p.rows).toBe(predictionsExpected.rows);
    expect(Array.from(p.labels)).toEqual(predictionsExpected.labels);
    expect(Array.from(p.scores)).toEqual(predictionsExpected.scores);
    expect(p.labels).toBeInstanceOf(Float64Array);
  });

  it.each(['churned_bool', 'churned_float', 'churned_int8'])('accepts label column %s', async (label) => {
    const p = await readPredictions(PREDICTIONS, label, 'score');
    expect(Array.from(p.labels)).toEqual(predictionsExpected.labels);
  });

  it('reads float32 scores', async () => {
    const p = await readPredictions(PREDICTIONS, 'churned', 'score_f32');
    expect(Array.from(p.scores)).toEqual(predictionsExpected.scores_f32);
  });

  it('metrics over the file match scikit-learn', async () => {
    const p = await readPredictions(PREDICTIONS, 'churned', 'score');
    const m = binaryMetrics(p.labels, p.scores, 0.5);
    const e = predictionsExpected.metrics;
    for (const k of ['auc_roc', 'precision', 'recall', 'f1', 'accuracy'] as const)
      expect(Math.abs(m[k] - e[k])).toBeLessThan(1e-9);
  });

  it('reads slice columns as strings (string, integer and boolean columns alike)', async () => {
    const p = await readPredictions(PREDICTIONS, 'churned', 'score', [
      'plan',
      'churned_int8',
      'churned_bool',
    ]);
    expect(p.slices).toEqual([
      {
        name: 'plan',
        values: ['basic', 'standard', 'premium', 'basic', 'basic', 'standard', 'premium', 'basic'],
      },
      { name: 'churned_int8', values: ['1', '0', '1', '1', '0', '0', '1', '0'] },
      { name: 'churned_bool', values: ['true', 'false', 'true', 'true', 'false', 'false', 'true', 'false'] },
    ]);
    const missing = await rejection(readPredictions(PREDICTIONS, 'churned', 'score', ['region']));
    expect(missing).toBeInstanceOf(DataUnusableError);
    expect(missing.message).toContain('has no slice column "region"');
    const float = await rejection(readPredictions(PREDICTIONS, 'churned', 'score', ['score']));
    expect(float.message).toContain(
      'slice column "score" has type Float; expected a string, dictionary, integer or boolean column',
    );
  });

  it('a missing column is DataUnusableError naming the file and the column', async () => {
    const e = await rejection(readPredictions(PREDICTIONS, 'label', 'score'));
    expect(e).toBeInstanceOf(DataUnusableError);
    expect(e.message).toBe(
      `predictions file ${PREDICTIONS} has no label column "label" (columns: churned, churned_bool, churned_float, churned_int8, score, score_f32, score_with_null, plan)`,
    );
    await expect(readPredictions(PREDICTIONS, 'churned', 'proba')).rejects.toThrow(DataUnusableError);
    await expect(readPredictions(PREDICTIONS, 'churned', 'proba')).rejects.toThrow(/no score column "proba"/);
  });

  it('a string column is DataUnusableError naming its type', async () => {
    const e = await rejection(readPredictions(PREDICTIONS, 'churned', 'plan'));
    expect(e).toBeInstanceOf(DataUnusableError);
    expect(e.message).toBe(
      `predictions file ${PREDICTIONS}: score column "plan" has type Utf8; expected a float or integer column`,
    );
  });

  it('a null score is DataValidationError naming column and row', async () => {
    const e = await rejection(readPredictions(PREDICTIONS, 'churned', 'score_with_null'));
    expect(e).toBeInstanceOf(DataValidationError);
    expect(e.message).toBe(
      `predictions file ${PREDICTIONS}: score column "score_with_null" is null at row 3`,
    );
  });

  it('a missing file is DataUnusableError', async () => {
    const missing = join(FIXTURES, 'nope.arrow');
    const e = await rejection(readPredictions(missing, 'churned', 'score'));
    expect(e).toBeInstanceOf(DataUnusableError);
    expect(e.message).toBe(`predictions file not found: ${missing}`);
  });

  it('a file that is not Arrow is DataUnusableError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlcd-pred-'));
    const bad = join(dir, 'bad.arrow');
    writeFileSync(bad, 'label,score\n1,0.5\n');
    await expect(readPredictions(bad, 'label', 'score')).rejects.toThrow(DataUnusableError);
    await expect(readPredictions(bad, 'label', 'score')).rejects.toThrow(
      `predictions file ${bad} is not a readable Arrow IPC file`,
    );
  });
});
