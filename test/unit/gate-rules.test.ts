import { metricKey, parseGateRule } from '../../src/core/gate-rules';

/** The message `fn` throws (fails the test when it returns). */
function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

describe('parseGateRule: selectors', () => {
  it.each([
    ['precision[class=0] >= 0.8', 'precision[class=0]', { kind: 'class', class: '0' }],
    [
      'recall[plan=premium] >= baseline',
      'recall[plan=premium]',
      { kind: 'slice', column: 'plan', value: 'premium' },
    ],
    ['auc_roc[worst plan] >= 0.7', 'auc_roc[worst plan]', { kind: 'worst', column: 'plan' }],
    ['auc_roc[ gap  plan ] <= 0.05', 'auc_roc[gap plan]', { kind: 'gap', column: 'plan' }],
    [
      'demographic_parity_difference[gender] <= 0.1',
      'demographic_parity_difference[gender]',
      { kind: 'column', column: 'gender' },
    ],
    ['f1 >= 0.5', 'f1', { kind: 'overall' }],
  ])('%s', (text, key, selector) => {
    const r = parseGateRule(text);
    expect(r.metric).toBe(key);
    expect(r.selector).toEqual(selector);
    expect(metricKey(r.name, r.selector)).toBe(key);
  });

  it('rejects a per-class selector on a metric without classes, and a fairness metric without a column', () => {
    expect(message(() => parseGateRule('auc_roc[class=1] >= 0.7'))).toContain(
      'auc_roc has no per-class value',
    );
    expect(message(() => parseGateRule('equal_opportunity_difference <= 0.1'))).toContain(
      'equal_opportunity_difference needs the slice column it compares',
    );
    expect(message(() => parseGateRule('auc_roc[plan basic] >= 0.7'))).toContain(
      'cannot read the selector [plan basic]',
    );
  });
});

describe('parseGateRule: comparisons', () => {
  it('drop and rise follow the direction of the metric', () => {
    expect(parseGateRule('precision[class=1] drop <= 5%')).toMatchObject({
      kind: 'ratio',
      op: '>=',
      ratio: 0.95,
    });
    expect(parseGateRule('log_loss rise <= 10%')).toMatchObject({ kind: 'ratio', op: '<=', ratio: 1.1 });
    expect(parseGateRule('latency_p99_ms rise <= 20')).toMatchObject({ kind: 'delta', op: '<=', delta: 20 });
    expect(parseGateRule('auc_roc drop <= 0.01')).toMatchObject({ kind: 'delta', op: '>=', delta: -0.01 });
    expect(message(() => parseGateRule('log_loss drop <= 5%'))).toContain(
      'log_loss is better when lower; write "log_loss rise <= ..."',
    );
    expect(message(() => parseGateRule('recall rise <= 5%'))).toContain('write "recall drop <= ..."');
  });

  it('checks an absolute bound against the range of the metric', () => {
    expect(parseGateRule('latency_p99_ms <= 250')).toMatchObject({ kind: 'absolute', threshold: 250 });
    expect(parseGateRule('r2 >= -0.5')).toMatchObject({ kind: 'absolute', threshold: -0.5 });
    expect(parseGateRule('log_loss <= 1.7')).toMatchObject({ kind: 'absolute', threshold: 1.7 });
    expect(message(() => parseGateRule('auc_roc >= 70'))).toContain('threshold 70 is outside [0, 1]');
    expect(message(() => parseGateRule('model_size_mb <= -1'))).toContain('threshold -1 is negative');
  });

  it('"with confidence" judges on the interval and stays in the text', () => {
    const r = parseGateRule('auc_roc  >=  baseline + 0.01   with   confidence');
    expect(r).toMatchObject({
      kind: 'delta',
      delta: 0.01,
      on: 'interval',
      text: 'auc_roc >= baseline + 0.01 with confidence',
    });
    expect(parseGateRule('auc_roc >= baseline + 0.01').on).toBe('point');
  });

  it('names an unknown metric and lists the forms for anything else', () => {
    expect(message(() => parseGateRule('aucroc >= 0.7'))).toContain('unknown metric "aucroc"');
    expect(message(() => parseGateRule('auc_roc => 0.7'))).toContain(
      'expected one of "<metric> <op> <number>"',
    );
  });
});
