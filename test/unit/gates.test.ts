import { parseGateRule } from '../../src/core/gate-rules';
import type { GateRule } from '../../src/core/gate-rules';
import { evaluateGates as judge, formatGateReport, pointEvidence } from '../../src/core/gates';

/** The engine on plain point values, as the pipeline judged before intervals. */
const evaluateGates = (
  rules: readonly GateRule[],
  candidate: Record<string, number>,
  baseline?: Record<string, number>,
) => judge(rules, pointEvidence(candidate, baseline));

describe('parseGateRule', () => {
  it.each<[string, Partial<GateRule>]>([
    [
      'auc_roc >= 0.70',
      { kind: 'absolute', text: 'auc_roc >= 0.70', metric: 'auc_roc', op: '>=', threshold: 0.7 },
    ],
    ['recall>0.5', { kind: 'absolute', text: 'recall>0.5', metric: 'recall', op: '>', threshold: 0.5 }],
    [
      '  accuracy   <   1  ',
      { kind: 'absolute', text: 'accuracy < 1', metric: 'accuracy', op: '<', threshold: 1 },
    ],
    ['f1 <= 5e-1', { kind: 'absolute', text: 'f1 <= 5e-1', metric: 'f1', op: '<=', threshold: 0.5 }],
    [
      'auc_roc >= baseline',
      { kind: 'delta', text: 'auc_roc >= baseline', metric: 'auc_roc', op: '>=', delta: 0 },
    ],
    [
      'auc_roc >= baseline - 0.005',
      { kind: 'delta', text: 'auc_roc >= baseline - 0.005', metric: 'auc_roc', op: '>=', delta: -0.005 },
    ],
    [
      'f1 > baseline + 0.01',
      { kind: 'delta', text: 'f1 > baseline + 0.01', metric: 'f1', op: '>', delta: 0.01 },
    ],
    [
      'recall >= baseline * 0.98',
      { kind: 'ratio', text: 'recall >= baseline * 0.98', metric: 'recall', op: '>=', ratio: 0.98 },
    ],
    [
      'precision drop <= 5%',
      { kind: 'ratio', text: 'precision drop <= 5%', metric: 'precision', op: '>=', ratio: 0.95 },
    ],
    [
      'precision drop <= 0.02',
      { kind: 'delta', text: 'precision drop <= 0.02', metric: 'precision', op: '>=', delta: -0.02 },
    ],
    [
      'precision drop <= 0',
      { kind: 'delta', text: 'precision drop <= 0', metric: 'precision', op: '>=', delta: 0 },
    ],
  ])('%s', (text, rule) => {
    expect(parseGateRule(text)).toMatchObject(rule);
  });

  const forms =
    'expected one of "<metric> <op> <number>", "<metric> <op> baseline", "<metric> <op> baseline + <n>", ';

  it.each<[string, string]>([
    ['auc_roc => 0.7', `invalid gate rule "auc_roc => 0.7": ${forms}`],
    ['auc_roc == 0.7', `invalid gate rule "auc_roc == 0.7": ${forms}`],
    ['auc_roc >= baseline / 2', `invalid gate rule "auc_roc >= baseline / 2": ${forms}`],
    ['', `invalid gate rule "": ${forms}`],
    [
      'auc >= 0.7',
      'invalid gate rule "auc >= 0.7": unknown metric "auc"; expected one of auc_roc, average_precision,',
    ],
    [
      'logloss drop <= 5%',
      'invalid gate rule "logloss drop <= 5%": unknown metric "logloss"; expected one of auc_roc,',
    ],
    [
      'auc_roc >= 70',
      'invalid gate rule "auc_roc >= 70": threshold 70 is outside [0, 1] (this metric is a fraction, e.g. 0.7 not 70)',
    ],
    [
      'auc_roc >= -0.1',
      'invalid gate rule "auc_roc >= -0.1": threshold -0.1 is outside [0, 1] (this metric is a fraction, e.g. 0.7 not 70)',
    ],
    [
      'precision drop <= 150%',
      'invalid gate rule "precision drop <= 150%": a relative drop must be between 0% and 100%, got 150%',
    ],
    [
      'precision drop <= 5',
      'invalid gate rule "precision drop <= 5": an absolute drop must be between 0 and 1 (metrics are fractions; write "5%" for a relative drop), got 5',
    ],
    [
      'recall >= baseline * 0',
      'invalid gate rule "recall >= baseline * 0": the baseline ratio must be greater than 0, got 0',
    ],
  ])('rejects %j', (text, message) => {
    expect(() => parseGateRule(text)).toThrow(message);
    try {
      parseGateRule(text);
    } catch (e) {
      expect((e as Error).message.startsWith(message)).toBe(true);
    }
  });
});

describe('evaluateGates', () => {
  const rules = ['auc_roc >= 0.70', 'auc_roc >= baseline - 0.005', 'precision drop <= 5%'].map(parseGateRule);

  it('passes when every rule holds, with observed / required / baseline / delta', () => {
    const report = evaluateGates(
      rules,
      { auc_roc: 0.84, precision: 0.76 },
      { auc_roc: 0.8371, precision: 0.8 },
    );
    expect(report.passed).toBe(true);
    expect(report.results.map((r) => r.verdict)).toEqual(['pass', 'pass', 'pass']);
    expect(report.results[1]).toEqual({
      rule: 'auc_roc >= baseline - 0.005',
      metric: 'auc_roc',
      op: '>=',
      on: 'point',
      verdict: 'pass',
      observed: 0.84,
      required: 0.8371 - 0.005,
      baseline: 0.8371,
      delta: 0.84 - 0.8371,
      interval: null,
      reason: 'auc_roc 0.8400 meets >= 0.8321',
    });
  });

  it('a candidate exactly on a relative bound passes despite float rounding (0.8 × 0.95)', () => {
    const report = evaluateGates(
      [parseGateRule('precision drop <= 5%')],
      { precision: 0.76 },
      { precision: 0.8 },
    );
    expect(report.results[0]?.required).toBe(0.8 * 0.95);
    expect(report.results[0]?.verdict).toBe('pass');
  });

  it('strict operators are strict at the bound', () => {
    expect(evaluateGates([parseGateRule('f1 > 0.5')], { f1: 0.5 }).passed).toBe(false);
    expect(evaluateGates([parseGateRule('f1 < 0.5')], { f1: 0.5 }).passed).toBe(false);
    expect(evaluateGates([parseGateRule('f1 <= 0.5')], { f1: 0.5 }).passed).toBe(true);
    expect(evaluateGates([parseGateRule('f1 > baseline + 0.01')], { f1: 0.62 }, { f1: 0.6 }).passed).toBe(
      true,
    );
    expect(
      evaluateGates([parseGateRule('recall >= baseline * 0.98')], { recall: 0.97 }, { recall: 1 }).passed,
    ).toBe(false);
  });

  it('fails a rule that does not hold and reports every rule', () => {
    const report = evaluateGates(
      rules,
      { auc_roc: 0.6412, precision: 0.8 },
      { auc_roc: 0.8371, precision: 0.8 },
    );
    expect(report.passed).toBe(false);
    expect(report.results.map((r) => r.verdict)).toEqual(['fail', 'fail', 'pass']);
    expect(report.results[0]?.reason).toBe('auc_roc 0.6412 does not meet >= 0.7000');
    expect(formatGateReport(report)).toBe(
      [
        'FAIL auc_roc >= 0.70: observed 0.6412, required >= 0.7000 (baseline 0.8371, delta -0.1959)',
        'FAIL auc_roc >= baseline - 0.005: observed 0.6412, required >= 0.8321 (baseline 0.8371, delta -0.1959)',
        'PASS precision drop <= 5%: observed 0.8000, required >= 0.7600 (baseline 0.8000, delta +0.0000)',
      ].join('\n'),
    );
  });

  it('fails closed on a missing candidate metric', () => {
    const report = evaluateGates(rules, { precision: 0.8 }, { auc_roc: 0.8, precision: 0.8 });
    expect(report.passed).toBe(false);
    expect(report.results[0]).toEqual({
      rule: 'auc_roc >= 0.70',
      metric: 'auc_roc',
      op: '>=',
      on: 'point',
      verdict: 'fail',
      observed: null,
      required: 0.7,
      baseline: 0.8,
      delta: null,
      interval: null,
      reason: 'candidate has no auc_roc value; the rule fails closed',
    });
  });

  it('fails closed on a NaN candidate metric (single-class eval set)', () => {
    const report = evaluateGates([parseGateRule('auc_roc >= 0.70')], { auc_roc: NaN });
    expect(report.passed).toBe(false);
    expect(report.results[0]?.reason).toBe(
      'candidate auc_roc is NaN (e.g. an evaluation set with a single class); the rule fails closed',
    );
    expect(formatGateReport(report)).toBe(
      'FAIL auc_roc >= 0.70: candidate auc_roc is NaN (e.g. an evaluation set with a single class); the rule fails closed',
    );
  });

  it('fails closed on a baseline-relative rule without a baseline; absolute rules still judge', () => {
    const report = evaluateGates(rules, { auc_roc: 0.9, precision: 0.9 });
    expect(report.passed).toBe(false);
    expect(report.results.map((r) => r.verdict)).toEqual(['pass', 'fail', 'fail']);
    expect(report.results[1]).toEqual({
      rule: 'auc_roc >= baseline - 0.005',
      metric: 'auc_roc',
      op: '>=',
      on: 'point',
      verdict: 'fail',
      observed: 0.9,
      required: null,
      baseline: null,
      delta: null,
      interval: null,
      reason:
        'no baseline to compare auc_roc with (no production model yet?); a baseline-relative rule fails closed',
    });
    expect(formatGateReport(report)).toBe(
      [
        'PASS auc_roc >= 0.70: observed 0.9000, required >= 0.7000',
        'FAIL auc_roc >= baseline - 0.005: no baseline to compare auc_roc with (no production model yet?); a baseline-relative rule fails closed',
        'FAIL precision drop <= 5%: no baseline to compare precision with (no production model yet?); a baseline-relative rule fails closed',
      ].join('\n'),
    );
  });

  it('fails closed on a NaN or missing baseline metric', () => {
    const nan = evaluateGates([parseGateRule('auc_roc >= baseline')], { auc_roc: 0.9 }, { auc_roc: NaN });
    expect(nan.results[0]?.reason).toBe(
      'baseline auc_roc is NaN (e.g. an evaluation set with a single class); a baseline-relative rule fails closed',
    );
    const missing = evaluateGates([parseGateRule('f1 >= baseline')], { f1: 0.9 }, { auc_roc: 0.8 });
    expect(missing.passed).toBe(false);
    expect(missing.results[0]?.reason).toBe(
      'baseline has no f1 value; a baseline-relative rule fails closed',
    );
  });

  it('no rules pass', () => {
    const report = evaluateGates([], {});
    expect(report).toEqual({ verdict: 'pass', passed: true, results: [] });
    expect(formatGateReport(report)).toBe('(no gates)');
  });
});
