import type { VersionStats } from '../../src/backends/metrics/types';
import { formatStats, judgeHealth } from '../../src/core/health';
import type { HealthThresholds } from '../../src/core/spec/types';

const t: HealthThresholds = { minRequests: 10, maxErrorRate: 0.05, maxLatencyP99Ms: 150 };

function stats(over: Partial<VersionStats>): VersionStats {
  const requests = over.requests ?? 100;
  const errors = over.errors ?? 0;
  return {
    version: 'v3',
    windowMs: 4000,
    requests,
    errors,
    errorRate: requests > 0 ? errors / requests : NaN,
    latencyP50Ms: 12,
    latencyP99Ms: 42,
    ...over,
  };
}

describe('judgeHealth', () => {
  it('passes within both limits', () => {
    expect(judgeHealth(stats({ errors: 1 }), t)).toEqual({
      verdict: 'pass',
      checks: [
        { name: 'error_rate', observed: 0.01, threshold: 0.05, passed: true },
        { name: 'latency_p99_ms', observed: 42, threshold: 150, passed: true },
      ],
      reason:
        'healthy: error rate 1.0% <= 5.0%, p99 latency 42 ms <= 150 ms (over 100 requests in the last 4s)',
    });
  });

  it('limits are inclusive', () => {
    expect(judgeHealth(stats({ errors: 5, latencyP99Ms: 150 }), t).verdict).toBe('pass');
  });

  it('fewer than minRequests is no-data, not a failure', () => {
    expect(judgeHealth(stats({ requests: 9, errors: 9 }), t)).toEqual({
      verdict: 'no-data',
      checks: [],
      reason: 'v3: 9 request(s) in the last 4s, 10 needed for a verdict',
    });
    expect(judgeHealth(stats({ requests: 0, latencyP99Ms: NaN }), t).verdict).toBe('no-data');
  });

  it('fails on the error rate, naming observed vs threshold', () => {
    const v = judgeHealth(stats({ errors: 12 }), t);
    expect(v.verdict).toBe('fail');
    expect(v.checks.map((c) => c.passed)).toEqual([false, true]);
    expect(v.reason).toBe(
      'error rate 12.0% exceeds the 5.0% limit (over 100 requests in the last 4s)',
    );
  });

  it('fails on p99 latency', () => {
    const v = judgeHealth(stats({ latencyP99Ms: 230.46 }), t);
    expect(v.verdict).toBe('fail');
    expect(v.reason).toBe(
      'p99 latency 230.5 ms exceeds the 150 ms limit (over 100 requests in the last 4s)',
    );
  });

  it('names every breached metric', () => {
    const v = judgeHealth(stats({ errors: 50, latencyP99Ms: 900 }), t);
    expect(v.verdict).toBe('fail');
    expect(v.reason).toBe(
      'error rate 50.0% exceeds the 5.0% limit; p99 latency 900 ms exceeds the 150 ms limit (over 100 requests in the last 4s)',
    );
  });

  it('fails closed on a NaN latency with enough requests', () => {
    const v = judgeHealth(stats({ latencyP99Ms: NaN }), t);
    expect(v.verdict).toBe('fail');
    expect(v.checks[1]).toEqual({ name: 'latency_p99_ms', observed: NaN, threshold: 150, passed: false });
  });

  it('recomputes a NaN error rate from the counts', () => {
    const v = judgeHealth(stats({ errors: 20, errorRate: NaN }), t);
    expect(v.checks[0]).toEqual({ name: 'error_rate', observed: 0.2, threshold: 0.05, passed: false });
  });
});

describe('formatStats', () => {
  it('summarizes one window', () => {
    expect(formatStats(stats({ requests: 120, errors: 2, errorRate: 2 / 120 }))).toBe(
      'v3: 120 requests, 2 errors (1.7%), p50 12 ms, p99 42 ms over 4s',
    );
  });
});
