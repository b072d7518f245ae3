import { sortFloat64 } from '../../src/sketch';
import { uniform01 } from '../fixtures/sketch/samples';

const r = uniform01(99);
const generators: Array<[string, () => number]> = [
  ['uniform', () => r()],
  ['integers with ties', () => Math.floor(r() * 50) - 25],
  ['signed wide range', () => (r() - 0.5) * 1e6],
  ['signed zeros among values', () => (r() < 0.3 ? -0 : r() < 0.5 ? 0 : r() - 0.5)],
  ['nanosecond timestamps (long shared prefix)', () => 1.7e18 + r() * 1e9],
  ['rare huge outliers', () => (r() < 0.001 ? 1e300 : r())],
  ['subnormals', () => (r() - 0.5) * 1e-310],
  ['lognormal', () => Math.exp(20 * (r() - 0.5))],
  ['tiny relative range', () => 1 + r() * 1e-12],
  ['infinities', () => (r() < 0.05 ? -Infinity : r() < 0.05 ? Infinity : r())],
  ['all equal', () => 4.5],
  // Near-equal values share their radix key, so the insertion pass gives up and sorts per run.
  ['cluster of near-equal values and one huge outlier', () => (r() < 0.0005 ? 1e300 : 1 + r() * 1e-9)],
  // 512 clusters spread over both upper digits, differing within only in the lowest: the digit
  // counts look uncrowded, so the lowest pass is skipped, and the insertion pass gives up again.
  [
    'clusters sharing their top 22 key bits',
    () => {
      const j = Math.floor(r() * 512);
      return 1 + j / 512 + ((j * 7) % 2048) * 2 ** -22 + Math.floor(r() * 32) * 2 ** -32;
    },
  ],
];

describe('sortFloat64 sorts like the native typed-array sort', () => {
  it.each(generators)('%s', (_name, g) => {
    for (const n of [0, 1, 2, 47, 48, 49, 100, 2048, 20_001]) {
      const a = new Float64Array(n + 3);
      for (let i = 0; i < a.length; i++) a[i] = g();
      const tail = Array.from(a.subarray(n));
      const expected = a.slice(0, n).sort();
      sortFloat64(a, n);
      // -0 and +0 compare equal, so either order of them is sorted.
      let firstMismatch = -1;
      for (let i = 0; i < n && firstMismatch < 0; i++) if (a[i] !== expected[i]) firstMismatch = i;
      expect(firstMismatch).toBe(-1);
      // Entries past n are untouched.
      expect(Array.from(a.subarray(n))).toEqual(tail);
    }
  });

  it('sorts a reversed run and a sorted run', () => {
    const n = 10_000;
    const up = Float64Array.from({ length: n }, (_, i) => i * 0.5);
    const down = up.slice().reverse();
    sortFloat64(down);
    expect(down.every((v, i) => v === up[i])).toBe(true);
    sortFloat64(up);
    expect(up.every((v, i) => v === i * 0.5)).toBe(true);
  });
});
