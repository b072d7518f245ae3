import { DataValidationError } from '../../src/core/errors';
import { sliceMetricValues, sliceMetrics } from '../../src/metrics/slices';
import reference from '../fixtures/metrics/slices.json';

const close = (got: number, want: number | null) => {
  if (want === null) expect(got).toBeNaN();
  else expect(Math.abs(got - want)).toBeLessThan(1e-9);
};

describe('sliceMetrics matches scikit-learn and fairlearn (fixtures from generate_slices.py)', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const [result] = sliceMetrics(c.labels, c.scores, c.threshold, [{ name: 'group', values: c.groups }]);
    if (result === undefined) throw new Error('no result');
    const want = c.expected.slices as unknown as Record<string, Record<string, number | null>>;
    expect(result.slices.map((s) => s.value).sort()).toEqual(Object.keys(want).sort());
    for (const s of result.slices) {
      const w = want[s.value] as Record<string, number | null>;
      expect(s.rows).toBe(w.rows);
      for (const k of ['auc_roc', 'precision', 'recall', 'f1', 'accuracy'] as const)
        close(s.metrics[k], w[k] ?? null);
      close(s.selection_rate, w.selection_rate ?? null);
    }
    close(result.gap.recall, c.expected.recall_gap);
    close(result.worst.accuracy, c.expected.accuracy_worst);
    close(result.demographic_parity_difference, c.expected.demographic_parity_difference);
    close(result.equal_opportunity_difference, c.expected.equal_opportunity_difference);
  });

  it('a slice without positives makes the worst AUC and the AUC gap NaN, so gates on them fail closed', () => {
    const c = reference.cases[1];
    if (c === undefined) throw new Error('fixture missing');
    const [result] = sliceMetrics(c.labels, c.scores, c.threshold, [{ name: 'group', values: c.groups }]);
    expect(result?.worst.auc_roc).toBeNaN();
    expect(result?.gap.auc_roc).toBeNaN();
    const values = sliceMetricValues(result ? [result] : []);
    expect(values['auc_roc[group=d]']).toBeNaN();
    expect(values['recall[group=a]']).toBeCloseTo(0.8518518518518519, 12);
    expect(values['equal_opportunity_difference[group]']).toBe(result?.equal_opportunity_difference);
  });
});

describe('sliceMetrics input checks', () => {
  it('rows without a value belong to no slice; a column of the wrong length or all null is an error', () => {
    const [r] = sliceMetrics([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4], 0.5, [
      { name: 'g', values: ['x', null, 'x', 'y'] },
    ]);
    expect(r?.slices.map((s) => [s.value, s.rows])).toEqual([
      ['x', 2],
      ['y', 1],
    ]);
    expect(() => sliceMetrics([0, 1], [0.1, 0.9], 0.5, [{ name: 'g', values: ['x'] }])).toThrow(
      new DataValidationError('slice column "g" has 1 values for 2 rows'),
    );
    expect(() => sliceMetrics([0, 1], [0.1, 0.9], 0.5, [{ name: 'g', values: [null, null] }])).toThrow(
      'slice column "g" has no values (every row is null)',
    );
  });
});
