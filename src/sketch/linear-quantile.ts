/** Bound once: `Math.x` lookups are slow under Jest's global Proxy (see hash.ts). */
const floor = Math.floor;

/**
 * numpy's default `'linear'` quantile (`numpy.quantile(values, q)`) of `n` ascending values
 * read through `at(i)`, with numpy's own interpolation (from the nearer end), so every exact
 * quantile in mlcd, from a sketch's kept values or from value counts, gives the same bits.
 * @param n number of values, > 0
 * @param q probability in [0, 1]
 */
export function linearQuantile(n: number, q: number, at: (i: number) => number): number {
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return at(n - 1);
  const prev = floor(virtual);
  const a = at(prev);
  const b = at(prev + 1);
  const t = virtual - prev;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
