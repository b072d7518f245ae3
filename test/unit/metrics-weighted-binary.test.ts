import { METRIC_NAMES } from '../../src/core/spec/types';
import { binaryMetrics } from '../../src/metrics/binary';
import { WeightedBinaryEvaluator } from '../../src/metrics/weighted-binary';
import type { WeightedMetricName } from '../../src/metrics/weighted-binary';
import reference from '../fixtures/metrics/binary-metrics.json';

const NAMES: WeightedMetricName[] = [...METRIC_NAMES, 'precision_0', 'recall_0', 'f1_0', 'selection_rate'];

/** The metric as `binaryMetrics` reports it. */
function unweighted(m: ReturnType<typeof binaryMetrics>, name: WeightedMetricName): number {
  if (name === 'precision_0') return m.per_class['0'].precision;
  if (name === 'recall_0') return m.per_class['0'].recall;
  if (name === 'f1_0') return m.per_class['0'].f1;
  if (name === 'selection_rate') return (m.tp + m.fp) / m.n;
  return m[name];
}

function same(got: number, want: number): void {
  if (Number.isNaN(want)) expect(got).toBeNaN();
  else expect(Math.abs(got - want)).toBeLessThan(1e-12);
}

describe('WeightedBinaryEvaluator', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))(
    'all counts 1 equals binaryMetrics: %s',
    (_n, c) => {
      const m = binaryMetrics(c.labels, c.scores, c.threshold);
      const ev = new WeightedBinaryEvaluator(c.labels, c.scores, c.threshold);
      const ones = new Uint32Array(c.labels.length).fill(1);
      for (const name of NAMES) same(ev.metric(name, ones), unweighted(m, name));
    },
  );

  it('integer counts equal the metrics of the expanded rows; a subset equals its own rows', () => {
    const c = reference.cases[1];
    if (c === undefined) throw new Error('fixture missing');
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const counts = Uint32Array.from(c.labels, () => Math.floor(next() * 4));
    const labels: number[] = [];
    const scores: number[] = [];
    counts.forEach((k, i) => {
      for (let j = 0; j < k; j++) {
        labels.push(c.labels[i] as number);
        scores.push(c.scores[i] as number);
      }
    });
    const expanded = binaryMetrics(labels, scores, c.threshold);
    const ev = new WeightedBinaryEvaluator(c.labels, c.scores, c.threshold);
    for (const name of NAMES) same(ev.metric(name, counts), unweighted(expanded, name));

    const subset = c.labels.map((_, i) => i).filter((i) => i % 3 === 0);
    const own = binaryMetrics(
      subset.map((i) => c.labels[i] as number),
      subset.map((i) => c.scores[i] as number),
      c.threshold,
    );
    const sliced = new WeightedBinaryEvaluator(c.labels, c.scores, c.threshold, subset);
    const ones = new Uint32Array(c.labels.length).fill(1);
    for (const name of NAMES) same(sliced.metric(name, ones), unweighted(own, name));
  });
});
