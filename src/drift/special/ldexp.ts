/**
 * `x * 2**exponent` computed in steps so the intermediate power of two never overflows or
 * underflows on its own (C `ldexp`).
 */
export function ldexp(x: number, exponent: number): number {
  let e = Math.trunc(exponent);
  let r = x;
  while (e > 1000) {
    r *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    r *= 2 ** -1000;
    e += 1000;
  }
  return r * 2 ** e;
}
