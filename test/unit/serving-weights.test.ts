import { percentile, percentilesInPlace, StatsWindow } from '../../src/serving/stats-window';
import { compileRoute, pickRoute, pickVersion, routeKeyFraction, validateWeights } from '../../src/serving/weights';

const healthy = () => ({ deployed: true, healthy: true });

describe('validateWeights', () => {
  it('accepts integers 0..100 summing to 100 with every weighted version deployed and healthy', () => {
    expect(validateWeights('m', { a: 90, b: 10, c: 0 }, healthy)).toBeNull();
  });
  it('rejects a sum other than 100, naming the sum', () => {
    expect(validateWeights('m', {}, healthy)).toBeNull(); // no traffic at all: a rolled-back first release
    expect(validateWeights('m', { a: 50, b: 40 }, healthy)).toEqual({ kind: 'invalid', message: 'weights of model m must sum to 100, got 90' });
  });
  it('rejects a non-integer weight, naming the version and value', () => {
    expect(validateWeights('m', { a: 49.5, b: 50.5 }, healthy)).toEqual({ kind: 'invalid', message: 'weight of version a must be an integer 0..100, got 49.5' });
  });
  it('rejects negative and >100 weights and non-objects', () => {
    expect(validateWeights('m', { a: 110, b: -10 }, healthy)?.message).toBe('weight of version a must be an integer 0..100, got 110');
    expect(validateWeights('m', [100], healthy)?.kind).toBe('invalid');
    expect(validateWeights('m', { a: '100' }, healthy)?.message).toBe('weight of version a must be an integer 0..100, got "100"');
  });
  it('rejects weight on a version that is not deployed or not healthy (conflict), but not zero weight', () => {
    const health = (v: string) => ({ deployed: v !== 'ghost', healthy: v !== 'sick' });
    expect(validateWeights('m', { a: 100, ghost: 0, sick: 0 }, health)).toBeNull();
    expect(validateWeights('m', { a: 50, ghost: 50 }, health)).toEqual({
      kind: 'conflict',
      message: 'version ghost of model m is not deployed; deploy it before giving it weight',
    });
    expect(validateWeights('m', { a: 50, sick: 50 }, health)?.message).toBe('version sick of model m is not healthy; it cannot take weight');
  });
});

describe('pickVersion', () => {
  it('maps fractions onto cumulative shares in version-name order', () => {
    const w = { stable: 80, canary: 20 };
    expect(pickVersion(w, 0)).toBe('canary');
    expect(pickVersion(w, 0.1999)).toBe('canary');
    expect(pickVersion(w, 0.2)).toBe('stable');
    expect(pickVersion(w, 0.9999)).toBe('stable');
  });
  it('never picks a zero-weight version and is undefined without weight', () => {
    expect(pickVersion({ a: 0, b: 100 }, 0)).toBe('b');
    expect(pickVersion({}, 0.5)).toBeUndefined();
    expect(pickVersion({ a: 0 }, 0.5)).toBeUndefined();
  });
  it('compiles the weights once into versions with weight in name order and cumulative shares, and picks as pickVersion does', () => {
    const w = { stable: 70, canary: 20, old: 0, shadow: 10 };
    const route = compileRoute(w);
    expect(route).toEqual({ versions: ['canary', 'shadow', 'stable'], cumulative: [20, 30, 100] });
    for (let i = 0; i < 1000; i++) expect(pickRoute(route, i / 1000)).toBe(pickVersion(w, i / 1000));
    expect(pickRoute(route, 0.2999)).toBe('shadow');
    expect(pickRoute(route, 0.3)).toBe('stable');
    expect(pickRoute(compileRoute({}), 0.5)).toBeUndefined();
    expect(pickRoute(compileRoute({ a: 0 }), 0.5)).toBeUndefined();
  });
  it('gives a route key the same fraction every time, inside [0, 1)', () => {
    const f = routeKeyFraction('customer-42');
    expect(routeKeyFraction('customer-42')).toBe(f);
    expect(f).toBeGreaterThanOrEqual(0);
    expect(f).toBeLessThan(1);
    expect(routeKeyFraction('customer-43')).not.toBe(f);
  });
});

describe('StatsWindow', () => {
  it('counts requests, errors and exact nearest-rank percentiles inside the window only', () => {
    const w = new StatsWindow(1000);
    for (let i = 1; i <= 100; i++) w.record(1_000 + i, i, i % 10 === 0);
    w.record(1_300, 9999, true); // after `now`: not counted
    w.record(1_400, 9999, true);
    const s = w.stats('v1', 200, 1_200);
    expect(s).toEqual({ version: 'v1', windowMs: 200, requests: 100, errors: 10, errorRate: 0.1, latencyP50Ms: 50, latencyP99Ms: 99 });
    const last10 = w.stats('v1', 10, 1_100);
    expect([last10.requests, last10.latencyP50Ms, last10.latencyP99Ms]).toEqual([10, 95, 100]);
  });
  it('reports NaN rates with no data', () => {
    const s = new StatsWindow(4).stats('v', 1000, 5000);
    expect(s.requests).toBe(0);
    expect(s.errorRate).toBeNaN();
    expect(s.latencyP50Ms).toBeNaN();
    expect(s.latencyP99Ms).toBeNaN();
  });
  it('keeps at most `capacity` samples, the newest', () => {
    const w = new StatsWindow(3);
    for (let i = 1; i <= 5; i++) w.record(i, i * 10, false);
    const s = w.stats('v', 100, 10);
    expect(s.requests).toBe(3);
    expect(s.latencyP50Ms).toBe(40);
    expect(s.latencyP99Ms).toBe(50);
  });
  it('percentilesInPlace selects the same nearest ranks as a sort, duplicates and edges included', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const qs = [0.01, 0.5, 0.9, 0.99, 1];
    for (const n of [0, 1, 2, 3, 10, 99, 100, 101, 1000, 4096]) {
      for (const distinct of [2, 50, 1e9]) {
        const values = Float64Array.from({ length: n }, () => Math.floor(random() * distinct) / 7);
        const sorted = Array.from(values).sort((a, b) => a - b);
        expect(percentilesInPlace(values, qs)).toEqual(qs.map((q) => percentile(sorted, q)));
      }
    }
    expect(percentilesInPlace(Float64Array.from([5, 4, 3, 2, 1]), [0.5, 0.99])).toEqual([3, 5]);
  });
  it('percentile uses nearest rank', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(percentile([7], 0.01)).toBe(7);
  });
});
