/**
 * Normal quantile, Wilson and Newcombe intervals against scipy 1.17.1 / statsmodels 0.14.5
 * (test/fixtures/metrics/generate_proportion_intervals.py).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newcombeDifference, normalQuantile, wilsonInterval } from '../../src/metrics/proportion-intervals';

interface Fixture {
  normal_quantile: Array<{ p: number; z: number }>;
  wilson: Array<{ successes: number; n: number; level: number; lower: number; upper: number }>;
  newcombe: Array<{
    successes1: number;
    n1: number;
    successes2: number;
    n2: number;
    level: number;
    lower: number;
    upper: number;
  }>;
}
const fixture = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'metrics', 'proportion-intervals.json'), 'utf8'),
) as Fixture;

it.each(fixture.normal_quantile)('normalQuantile($p) equals scipy norm.ppf', ({ p, z }) => {
  expect(Math.abs(normalQuantile(p) - z)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(z)));
});

it('normalQuantile is infinite at 0 and 1 and NaN outside', () => {
  expect(normalQuantile(0)).toBe(-Infinity);
  expect(normalQuantile(1)).toBe(Infinity);
  expect(normalQuantile(1.5)).toBeNaN();
  expect(normalQuantile(NaN)).toBeNaN();
});

it.each(fixture.wilson)(
  'wilsonInterval($successes of $n, $level) equals statsmodels',
  ({ successes, n, level, lower, upper }) => {
    const w = wilsonInterval(successes, n, level);
    expect(w.value).toBe(successes / n);
    expect(Math.abs(w.lower - lower)).toBeLessThan(1e-12);
    expect(Math.abs(w.upper - upper)).toBeLessThan(1e-12);
  },
);

it.each(fixture.newcombe)(
  'newcombeDifference($successes1/$n1 − $successes2/$n2, $level) equals statsmodels',
  ({ successes1, n1, successes2, n2, level, lower, upper }) => {
    const d = newcombeDifference(successes1, n1, successes2, n2, level);
    expect(d.value).toBeCloseTo(successes1 / n1 - successes2 / n2, 15);
    expect(Math.abs(d.lower - lower)).toBeLessThan(1e-12);
    expect(Math.abs(d.upper - upper)).toBeLessThan(1e-12);
  },
);

it('rejects impossible counts and levels, and is NaN without trials', () => {
  expect(() => wilsonInterval(3, 2)).toThrow('need integers 0 <= successes <= n');
  expect(() => wilsonInterval(1.5, 2)).toThrow('need integers');
  expect(() => wilsonInterval(1, 2, 1)).toThrow('confidence level must be in (0, 1)');
  expect(wilsonInterval(0, 0).lower).toBeNaN();
  expect(newcombeDifference(1, 2, 0, 0).upper).toBeNaN();
});
