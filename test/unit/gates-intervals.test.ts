import { parseGateRule } from '../../src/core/gate-rules';
import { evaluateGates, formatGateReport, judgeInterval, pointEvidence } from '../../src/core/gates';
import type { GateEvidence } from '../../src/core/gates';

const rules = (...texts: string[]) => texts.map(parseGateRule);

describe('judgeInterval', () => {
  it.each([
    [0.02, 0.05, '>=', 0.01, 'pass'],
    [0.0, 0.05, '>=', 0.01, 'inconclusive'],
    [-0.03, 0.005, '>=', 0.01, 'fail'],
    [0.01, 0.02, '>=', 0.01, 'pass'],
    [0.01, 0.02, '>', 0.01, 'inconclusive'],
    [0.0, 0.01, '>', 0.01, 'fail'],
    [0.1, 0.2, '<=', 0.25, 'pass'],
    [0.2, 0.3, '<=', 0.25, 'inconclusive'],
    [0.26, 0.3, '<=', 0.25, 'fail'],
    [0.2, 0.25, '<', 0.25, 'inconclusive'],
  ] as const)('[%d, %d] %s %d is %s', (lower, upper, op, bound, verdict) => {
    expect(judgeInterval(lower, upper, op, bound)).toBe(verdict);
  });
});

describe('evaluateGates with intervals', () => {
  const evidence: GateEvidence = {
    candidate: {
      auc_roc: { value: 0.85, lower: 0.83, upper: 0.87 },
      'precision[class=1]': { value: 0.7, lower: 0.66, upper: 0.74 },
      latency_p99_ms: { value: 40 },
    },
    baseline: {
      auc_roc: { value: 0.83 },
      'precision[class=1]': { value: 0.72 },
      latency_p99_ms: { value: 35 },
    },
    difference: {
      auc_roc: { value: 0.02, lower: 0.004, upper: 0.036 },
      'precision[class=1]': { value: -0.02, lower: -0.05, upper: 0.01 },
    },
    ratio: { 'precision[class=1]': { value: 0.972, lower: 0.93, upper: 1.014 } },
    level: 0.95,
  };

  it('the delta rule passes on the point estimate but is inconclusive on the interval', () => {
    const report = evaluateGates(
      rules('auc_roc >= baseline + 0.01', 'auc_roc >= baseline + 0.01 with confidence'),
      evidence,
    );
    expect(report.results.map((r) => r.verdict)).toEqual(['pass', 'inconclusive']);
    expect(report.verdict).toBe('inconclusive');
    expect(report.passed).toBe(false);
    expect(report.results[1]).toMatchObject({
      observed: 0.85,
      required: 0.84,
      baseline: 0.83,
      interval: { of: 'difference', lower: 0.004, upper: 0.036, bound: 0.01, level: 0.95 },
    });
    expect(report.results[1]?.reason).toContain('straddles >= 0.0100');
  });

  it('a ratio rule reads the ratio interval; an absolute one the metric interval; any fail fails the gate', () => {
    const report = evaluateGates(
      rules(
        'precision[class=1] drop <= 10% with confidence',
        'auc_roc >= 0.84 with confidence',
        'latency_p99_ms <= 30',
      ),
      evidence,
    );
    expect(report.results.map((r) => [r.verdict, r.interval?.of ?? null])).toEqual([
      ['pass', 'ratio'],
      ['inconclusive', 'metric'],
      ['fail', null],
    ]);
    expect(report.verdict).toBe('fail');
    expect(formatGateReport(report).split('\n')).toEqual([
      'PASS precision[class=1] drop <= 10% with confidence: observed 0.7000, required >= 0.6480 (baseline 0.7200, delta -0.0200); 95% interval of the ratio [0.9300, 1.0140] vs >= 0.9000',
      'INCONCLUSIVE auc_roc >= 0.84 with confidence: observed 0.8500, required >= 0.8400 (baseline 0.8300, delta +0.0200); 95% interval of the metric [0.8300, 0.8700] vs >= 0.8400',
      'FAIL latency_p99_ms <= 30: observed 40.0000, required <= 30.0000 (baseline 35.0000, delta +5.0000)',
    ]);
  });

  it('fails closed without an interval, without a baseline, and on NaN', () => {
    const report = evaluateGates(rules('latency_p99_ms <= 50 with confidence', 'f1 >= baseline'), {
      candidate: { latency_p99_ms: { value: 40 }, f1: { value: 0.5 } },
    });
    expect(report.results.map((r) => r.verdict)).toEqual(['fail', 'fail']);
    expect(report.results[0]?.reason).toBe(
      'no confidence interval for latency_p99_ms; an interval rule fails closed',
    );
    expect(report.results[1]?.reason).toBe(
      'no baseline to compare f1 with (no production model yet?); a baseline-relative rule fails closed',
    );
    const nan = evaluateGates(rules('auc_roc >= 0.5'), pointEvidence({ auc_roc: NaN }));
    expect(nan.results[0]?.reason).toBe(
      'candidate auc_roc is NaN (e.g. an evaluation set with a single class); the rule fails closed',
    );
  });

  it('no rules pass; every passing rule passes the gate', () => {
    expect(evaluateGates([], pointEvidence({}))).toEqual({ verdict: 'pass', passed: true, results: [] });
    const ok = evaluateGates(rules('auc_roc >= baseline', 'auc_roc >= baseline with confidence'), {
      ...evidence,
      difference: { auc_roc: { value: 0.02, lower: 0.001, upper: 0.04 } },
    });
    expect(ok.verdict).toBe('pass');
  });
});
