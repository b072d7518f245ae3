/**
 * Canary checks: live metrics of the canary against stable on the same window, judged by the gate
 * engine with three verdicts, and never failed for want of data.
 */
import type { VersionStats } from '../../src/backends/metrics/types';
import {
  analyseCanary,
  canarySettings,
  monitorSettings,
  liveEvidence,
  parseCanaryCheck,
  type CanaryAnalysisSettings,
} from '../../src/core/canary-analysis';

function stats(version: string, over: Partial<VersionStats> = {}): VersionStats {
  return {
    version,
    windowMs: 30_000,
    requests: 500,
    errors: 5,
    errorRate: 0.01,
    latencyP50Ms: 10,
    latencyP99Ms: 40,
    ...over,
  };
}

function settings(checks: string[], over: Partial<CanaryAnalysisSettings> = {}): CanaryAnalysisSettings {
  return { rules: checks.map(parseCanaryCheck), minRequests: 20, minLabels: 20, level: 0.95, ...over };
}

/** PSI written out: Σ (c − r) ln(c / r) over proportions, empty bins at 0.0001 (Evidently). */
function psiByHand(ref: number[], cur: number[]): number {
  const r = ref.map((x) => x / ref.reduce((a, b) => a + b, 0));
  const c = cur.map((x) => x / cur.reduce((a, b) => a + b, 0));
  return r.reduce((acc, ri, i) => {
    const a = ri === 0 ? 1e-4 : ri;
    const b = c[i] === 0 ? 1e-4 : (c[i] as number);
    return acc + (b - a) * Math.log(b / a);
  }, 0);
}

describe('parseCanaryCheck', () => {
  it('reads rules against stable and keeps them as written', () => {
    const r = parseCanaryCheck('latency_p99_ms  <= stable * 1.2');
    expect(r).toMatchObject({
      text: 'latency_p99_ms <= stable * 1.2',
      name: 'latency_p99_ms',
      kind: 'ratio',
      ratio: 1.2,
      op: '<=',
    });
    expect(parseCanaryCheck('error_rate <= stable + 0.01 with confidence')).toMatchObject({
      kind: 'delta',
      delta: 0.01,
      on: 'interval',
    });
    expect(parseCanaryCheck('accuracy drop <= 2%')).toMatchObject({ kind: 'ratio', ratio: 0.98, op: '>=' });
    expect(parseCanaryCheck('prediction_psi <= 0.1')).toMatchObject({ kind: 'absolute', threshold: 0.1 });
  });

  it.each([
    ['auc_roc >= 0.8', 'auc_roc is not a live metric'],
    ['accuracy[plan=basic] >= 0.8', 'no class or slice selector'],
    ['prediction_psi <= stable * 2', 'give it an absolute bound'],
    ['latency_p99_ms <= 100 with confidence', 'latency_p99_ms has no confidence interval'],
    ['error_rate <= stable * 2 with confidence', 'a ratio to stable has no confidence interval'],
    ['error_rate <= 5', 'outside [0, 1]'],
  ])('rejects %s', (text, message) => {
    expect(() => parseCanaryCheck(text)).toThrow(message);
  });
});

describe('analyseCanary', () => {
  it('passes a canary as good as stable, with every rule and its numbers', () => {
    const v = analyseCanary(
      stats('2'),
      stats('1'),
      settings(['latency_p99_ms <= stable * 1.2', 'error_rate <= stable + 0.01']),
    );
    expect(v.verdict).toBe('pass');
    expect(v.results.map((r) => [r.rule, r.verdict, r.observed, r.required])).toEqual([
      ['latency_p99_ms <= stable * 1.2', 'pass', 40, 48],
      ['error_rate <= stable + 0.01', 'pass', 0.01, 0.02],
    ]);
  });

  it('fails a canary slower than stable on the same window, naming observed and required', () => {
    const v = analyseCanary(
      stats('2', { latencyP99Ms: 60 }),
      stats('1'),
      settings(['latency_p99_ms <= stable * 1.2']),
    );
    expect(v.verdict).toBe('fail');
    expect(v.reason).toContain(
      'latency_p99_ms <= stable * 1.2: latency_p99_ms 60.0000 does not meet <= 48.0000',
    );
    expect(v.reason).toContain('over 500 requests in the last 30s');
  });

  it('judges an error-rate difference on its Newcombe interval: fail, or inconclusive on little data', () => {
    const rule = ['error_rate <= stable + 0.02 with confidence'];
    const many = analyseCanary(stats('2', { errors: 50, errorRate: 0.1 }), stats('1'), settings(rule));
    expect(many.verdict).toBe('fail');
    expect(many.results[0]?.interval).toMatchObject({ of: 'difference', bound: 0.02, level: 0.95 });
    const few = analyseCanary(
      stats('2', { requests: 30, errors: 2, errorRate: 2 / 30 }),
      stats('1', { requests: 30, errors: 0, errorRate: 0 }),
      settings(rule),
    );
    expect(few.verdict).toBe('inconclusive');
    expect(few.reason).toContain('straddles');
  });

  it('is inconclusive, never failed, without enough canary requests, stable requests or labels', () => {
    const s = settings(['error_rate <= 0.01', 'latency_p99_ms <= stable', 'accuracy drop <= 2%']);
    const quiet = analyseCanary(stats('2', { requests: 3, errors: 3, errorRate: 1 }), stats('1'), s);
    expect(quiet.verdict).toBe('inconclusive');
    expect(quiet.reason).toBe('v2: 3 request(s) in the last 30s, 20 needed for a verdict');
    const v = analyseCanary(stats('2'), stats('1', { requests: 5 }), s);
    expect(v.results.map((r) => r.verdict)).toEqual(['pass', 'inconclusive', 'inconclusive']);
    expect(v.results[1]?.reason).toBe('not judged: stable v1 has 5 request(s) in the window, 20 needed');
    expect(v.results[2]?.reason).toBe('not judged: stable v1 has 5 request(s) in the window, 20 needed');
    const unlabeled = analyseCanary(stats('2'), stats('1'), s);
    expect(unlabeled.results[2]?.reason).toBe(
      'not judged: v2 has 0 feedback label(s) in the window, 20 needed',
    );
    const first = analyseCanary(stats('2'), undefined, s);
    expect(first.results[1]?.reason).toBe('not judged: there is no stable version to compare with');
  });

  it('reads live accuracy from feedback labels', () => {
    const s = settings(['accuracy drop <= 2%']);
    const worse = analyseCanary(
      stats('2', { labeled: 200, correct: 150 }),
      stats('1', { labeled: 200, correct: 180 }),
      s,
    );
    expect(worse.verdict).toBe('fail');
    expect(worse.results[0]).toMatchObject({ observed: 0.75, baseline: 0.9 });
    const same = analyseCanary(
      stats('2', { labeled: 200, correct: 180 }),
      stats('1', { labeled: 200, correct: 181 }),
      s,
    );
    expect(same.verdict).toBe('pass');
  });

  it('compares the prediction distributions with PSI', () => {
    const stable = [5, 10, 20, 40, 60, 60, 40, 20, 10, 5];
    const shifted = [1, 2, 5, 10, 20, 40, 60, 60, 40, 32];
    const s = settings(['prediction_psi <= 0.1']);
    const moved = analyseCanary(stats('2', { predictions: shifted }), stats('1', { predictions: stable }), s);
    expect(moved.verdict).toBe('fail');
    expect(moved.results[0]?.observed).toBeCloseTo(psiByHand(stable, shifted), 12);
    const same = analyseCanary(stats('2', { predictions: stable }), stats('1', { predictions: stable }), s);
    expect(same.results[0]).toMatchObject({ verdict: 'pass', observed: 0 });
    const none = analyseCanary(stats('2'), stats('1'), s);
    expect(none.results[0]?.reason).toBe('not judged: the metrics source reports no prediction scores');
  });
});

describe('liveEvidence', () => {
  it('gives Wilson intervals of the proportions and Newcombe intervals of their differences', () => {
    const e = liveEvidence(
      stats('2', { errors: 10, labeled: 100, correct: 90 }),
      stats('1', { labeled: 100, correct: 95 }),
      0.95,
    );
    expect(e.candidate.error_rate?.value).toBe(0.02);
    expect(e.candidate.error_rate?.lower).toBeLessThan(0.02);
    expect(e.baseline?.accuracy?.value).toBe(0.95);
    expect(e.difference?.accuracy?.value).toBeCloseTo(-0.05, 12);
    expect(e.difference?.accuracy?.lower).toBeLessThan(-0.05);
  });
});

describe('canarySettings', () => {
  it('puts the static thresholds first, then the checks; rollouts recorded before checks get the defaults', () => {
    const analysis = {
      intervalMs: 1000,
      windowMs: 1000,
      minRequests: 10,
      maxErrorRate: 0.05,
      maxLatencyP99Ms: 500,
      failureLimit: 1,
    };
    const old = canarySettings(analysis);
    expect(old.rules.map((r) => r.text)).toEqual(['error_rate <= 0.05', 'latency_p99_ms <= 500']);
    expect([old.minLabels, old.level]).toEqual([20, 0.95]);
    const withChecks = canarySettings({
      ...analysis,
      checks: [parseCanaryCheck('accuracy >= stable')],
      minLabels: 5,
      confidenceLevel: 0.9,
    });
    expect(withChecks.rules.map((r) => r.text)).toEqual([
      'error_rate <= 0.05',
      'latency_p99_ms <= 500',
      'accuracy >= stable',
    ]);
    expect([withChecks.minLabels, withChecks.level]).toEqual([5, 0.9]);
  });
});

describe('monitorSettings', () => {
  it('judges the promoted version alone on its thresholds and absolute checks, such as live accuracy', () => {
    const monitor = {
      enabled: true,
      intervalMs: 1000,
      windowMs: 1000,
      durationMs: 60_000,
      minRequests: 10,
      maxErrorRate: 0.05,
      maxLatencyP99Ms: 250,
      failureLimit: 1,
      checks: [parseCanaryCheck('accuracy >= 0.8')],
      minLabels: 50,
    };
    const s = monitorSettings(monitor);
    expect(s.rules.map((r) => r.text)).toEqual([
      'error_rate <= 0.05',
      'latency_p99_ms <= 250',
      'accuracy >= 0.8',
    ]);
    const worse = analyseCanary(stats('7', { labeled: 100, correct: 60 }), undefined, s);
    expect(worse.verdict).toBe('fail');
    expect(worse.reason).toContain('accuracy >= 0.8: accuracy 0.6000 does not meet >= 0.8000');
    const fewLabels = analyseCanary(stats('7', { labeled: 10, correct: 2 }), undefined, s);
    expect(fewLabels.verdict).toBe('inconclusive');
    const old = monitorSettings({ ...monitor, checks: undefined, minLabels: undefined });
    expect(old.rules).toHaveLength(2);
    expect(old.minLabels).toBe(20);
  });
});
