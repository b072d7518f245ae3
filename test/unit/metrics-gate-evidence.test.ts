import { DataValidationError } from '../../src/core/errors';
import { parseGateRule } from '../../src/core/gate-rules';
import { evaluateGates } from '../../src/core/gates';
import { evaluateBinary } from '../../src/metrics/evaluation';
import { gateEvidence } from '../../src/metrics/gate-evidence';
import type { EvaluatedModel } from '../../src/metrics/gate-evidence';
import { uniform01 } from '../fixtures/sketch/samples';

/** Labels, a plan per row, and two models' scores: `strong` separates the classes better than `weak`. */
function dataset(n: number) {
  const next = uniform01(42);
  const labels = new Float64Array(n);
  const plan: string[] = [];
  const strong = new Float64Array(n);
  const weak = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = next() < 0.3 ? 1 : 0;
    labels[i] = y;
    plan.push(next() < 0.6 ? 'basic' : 'premium');
    strong[i] = Math.min(1, Math.max(0, 0.3 * y + 0.7 * next()));
    weak[i] = Math.min(1, Math.max(0, 0.12 * y + 0.88 * next()));
  }
  return { labels, plan, strong, weak };
}

function model(labels: Float64Array, scores: Float64Array, plan: string[]): EvaluatedModel {
  const slices = [{ name: 'plan', values: plan }];
  return { labels, scores, slices, evaluation: evaluateBinary(labels, scores, 0.5, slices) };
}

const SETTINGS = { rounds: 200, seed: 7, level: 0.95 };

describe('gateEvidence', () => {
  const { labels, plan, strong, weak } = dataset(3000);
  const candidate = model(labels, strong, plan);
  const baseline = model(labels, weak, plan);

  it('bootstrap intervals make a clear win pass, an impossible margin fail and a close call inconclusive', () => {
    const rules = [
      'auc_roc >= baseline + 0.02 with confidence',
      'auc_roc >= baseline + 0.5 with confidence',
      'recall[plan=premium] >= baseline with confidence',
      'precision[class=1] >= 0.3 with confidence',
      'demographic_parity_difference[plan] <= 0.3 with confidence',
      'brier rise <= 50% with confidence',
    ].map(parseGateRule);
    const evidence = gateEvidence(rules, candidate, baseline, SETTINGS);
    const aucGain = evidence.difference?.auc_roc;
    expect(aucGain?.value).toBeCloseTo(
      candidate.evaluation.metrics.auc_roc - baseline.evaluation.metrics.auc_roc,
      12,
    );
    expect(
      (aucGain?.lower ?? NaN) < (aucGain?.value ?? NaN) && (aucGain?.value ?? NaN) < (aucGain?.upper ?? NaN),
    ).toBe(true);
    const report = evaluateGates(rules, evidence);
    expect(report.results.map((r) => r.verdict)).toEqual(['pass', 'fail', 'pass', 'pass', 'pass', 'pass']);
    expect(report.results[4]?.interval?.of).toBe('metric');
    expect(report.results[5]?.interval?.of).toBe('ratio');
    // The same seed gives the same evidence.
    expect(gateEvidence(rules, candidate, baseline, SETTINGS)).toEqual(evidence);
  });

  it('a model against itself has a zero difference: a margin above zero is never met', () => {
    const rules = [
      parseGateRule('f1 >= baseline + 0.001 with confidence'),
      parseGateRule('f1 >= baseline with confidence'),
    ];
    const report = evaluateGates(rules, gateEvidence(rules, candidate, candidate, SETTINGS));
    expect(report.results.map((r) => r.verdict)).toEqual(['fail', 'pass']);
    expect(report.results[1]?.interval).toMatchObject({ of: 'difference', lower: 0, upper: 0 });
  });

  it('a small eval set leaves a real but small gain inconclusive', () => {
    const small = dataset(150);
    const rules = [parseGateRule('auc_roc >= baseline + 0.01 with confidence')];
    // Another model of about the same strength, its errors independent of the baseline's.
    const next = uniform01(9);
    const other = small.labels.map((y) => Math.min(1, Math.max(0, 0.14 * y + 0.86 * next())));
    const c = model(small.labels, other, small.plan);
    const b = model(small.labels, small.weak, small.plan);
    const report = evaluateGates(rules, gateEvidence(rules, c, b, SETTINGS));
    const interval = report.results[0]?.interval;
    expect((interval?.upper ?? 0) - (interval?.lower ?? 0)).toBeGreaterThan(0.1);
    expect(report.verdict).toBe('inconclusive');
  });

  it('refuses a baseline scored on other rows; a slice value the eval set lacks fails its rule closed', () => {
    const short = model(labels.subarray(0, 100), weak.subarray(0, 100), plan.slice(0, 100));
    expect(() => gateEvidence([], candidate, short, SETTINGS)).toThrow(
      new DataValidationError(
        'candidate and baseline predictions differ in rows: 3000 candidate rows, 100 baseline rows; both must score the same eval set',
      ),
    );
    // A slice value the eval set does not have: no value, so the rule fails closed, saying so.
    const gold = [parseGateRule('recall[plan=gold] >= 0.5 with confidence')];
    const report = evaluateGates(gold, gateEvidence(gold, candidate, undefined, SETTINGS));
    expect(report.results[0]?.reason).toBe('candidate has no recall[plan=gold] value; the rule fails closed');
  });

  it('point rules show the interval of what they compare, judged on the point value', () => {
    const rules = [parseGateRule('auc_roc >= baseline + 0.02'), parseGateRule('precision[class=1] >= 0.3')];
    const report = evaluateGates(rules, gateEvidence(rules, candidate, baseline, SETTINGS));
    expect(report.results.map((r) => [r.on, r.verdict, r.interval?.of])).toEqual([
      ['point', 'pass', 'difference'],
      ['point', 'pass', 'metric'],
    ]);
  });
});
