/**
 * A small seeded pseudo-random number generator for the resampling code (the bootstrap in
 * ./bootstrap.ts): xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", 2018), its 128-bit state seeded through SplitMix64, and Lemire's nearly
 * divisionless method for unbiased integers below a bound (Lemire, "Fast random integer
 * generation in an interval", ACM TOMACS 2019).
 *
 * Why hand-written rather than `Math.random` or an npm package:
 * - `Math.random` cannot be seeded, and a release decision must be reproducible: the same
 *   predictions and the same seed give the same interval on any machine, Node version or
 *   engine. This generator uses only 32-bit integer operations (`Math.imul`, shifts, `>>> 0`)
 *   and double arithmetic on integers below 2^53, all exactly specified by ECMAScript, so its
 *   stream is bit-identical everywhere. Its first outputs are pinned by a test against an
 *   independent Python implementation (test/fixtures/metrics/generate_uncertainty.py).
 * - It sits in the hottest loop of the bootstrap (a billion draws for 1000 rounds over a
 *   million rows). {@link Xoshiro128.fillCounts} keeps the state in locals for a whole round
 *   (the generator itself costs about 1.5 ns per draw on the 2-core CI machine); a library
 *   behind a closure or a float API costs several times that, and would tie the interval's
 *   exact values to a dependency's version.
 * xoshiro128** has period 2^128 − 1 and, in its authors' words, passes all tests they are aware
 * of: ample for resampling (not for cryptography).
 */

// Bound once: under Jest every `Math.x` or `Number.x` lookup goes through the test environment's
// global Proxy, which would make the hot loops many times slower (see src/sketch/hash.ts).
const imul = Math.imul;
const floor = Math.floor;
const isInteger = Number.isInteger;

/** 2^32, the range of {@link Xoshiro128.nextUint32}. */
const TWO_32 = 4294967296;
/** 2^-32, exact: multiplying by it divides by 2^32 without rounding. */
const TWO_NEG_32 = 1 / TWO_32;
/** Largest bound for which `x · bound` (x < 2^32) stays below 2^53, i.e. exact in a double. */
const EXACT_PRODUCT_BOUND = 0x200000; // 2^21

const MASK_64 = (1n << 64n) - 1n;

/** One SplitMix64 step (Steele, Lea & Flood 2014, as in Vigna's splitmix64.c): new state and output. */
function splitMix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK_64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return [next, z ^ (z >> 31n)];
}

/**
 * xoshiro128** with SplitMix64 seeding. The seed `s` (a non-negative safe integer) sets the
 * SplitMix64 state to `s`; its first output gives state words 0 (low 32 bits) and 1 (high
 * 32 bits), its second output words 2 and 3. Every method advances the one stream, so a
 * sequence of calls is reproducible from the seed alone.
 */
export class Xoshiro128 {
  /** State words, kept as signed 32-bit integers (V8 stores those unboxed). */
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * @param seed a non-negative safe integer (0 ≤ seed ≤ 2^53 − 1), default 0
   * @throws RangeError for any other seed
   */
  constructor(seed = 0) {
    if (!(Number.isSafeInteger(seed) && seed >= 0))
      throw new RangeError(`seed must be a non-negative safe integer, got ${String(seed)}`);
    const [state, a] = splitMix64(BigInt(seed));
    const [, b] = splitMix64(state);
    // SplitMix64 outputs are a bijection of distinct states, so the two are never both 0 and
    // the xoshiro state is never all zero.
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
  }

  /** The next output: a uniformly distributed integer in [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const m = imul(s1, 5);
    const result = imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /**
   * A uniformly distributed integer in [0, n), without modulo bias: Lemire's method, which
   * takes the high 32 bits of `x · n` for the next output x and redraws only when the low
   * 32 bits fall below `2^32 mod n` (probability below n / 2^32).
   * @param n the bound, an integer in [1, 2^32]
   * @throws RangeError for any other bound
   */
  nextBelow(n: number): number {
    if (!(isInteger(n) && n >= 1 && n <= TWO_32))
      throw new RangeError(`bound must be an integer in [1, 2^32], got ${String(n)}`);
    let x = this.nextUint32();
    let hi = mulHigh(x, n);
    let lo = mulLow(x, n);
    if (lo < n) {
      const threshold = TWO_32 % n;
      while (lo < threshold) {
        x = this.nextUint32();
        hi = mulHigh(x, n);
        lo = mulLow(x, n);
      }
    }
    return hi;
  }

  /**
   * A uniformly distributed double in [0, 1) with 53 random bits: `(a · 2^26 + b) / 2^53`, with
   * `a` the high 27 bits of the next output and `b` the high 26 bits of the one after.
   */
  nextFloat64(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * One multinomial resample: sets `counts` to zero, then draws `draws` indices uniformly in
   * [0, counts.length) and counts each. Exactly the same stream and result as
   * `counts.fill(0)` followed by `draws` calls of `counts[this.nextBelow(counts.length)]++`,
   * but with the state kept in locals (a few ns per draw, most of it the cache miss of the
   * increment). Allocates nothing.
   * @param counts the per-index counts to fill; its length (at most 2^32) is the number of indices
   * @param draws how many indices to draw, a non-negative safe integer; default `counts.length`
   *   (the bootstrap's n draws over n rows)
   * @throws RangeError when `draws` is not a non-negative safe integer, or is positive while
   *   `counts` is empty
   */
  fillCounts(counts: Uint32Array, draws: number = counts.length): void {
    const n = checkDraws(counts.length, draws);
    counts.fill(0);
    if (draws === 0) return;
    this.saveTo();
    if (n <= EXACT_PRODUCT_BOUND) drawExact32(counts, n, draws);
    else drawWide32(counts, n, draws);
    this.loadFrom();
  }

  /**
   * {@link fillCounts} into bytes, a quarter of the memory, so that a million counts stay in a
   * core's L2 cache and the random increments cost about half as much. A count above 255 would
   * wrap, so the draws are watched: if some index is drawn more than 255 times (impossible when
   * `draws` < 256, and for n draws over n ≥ 256 indices less likely than 10^-400), the
   * generator rewinds and replays the very same draws into `wide`, and this returns false.
   * Either way the generator ends in the same state as after {@link fillCounts}.
   * @param counts the per-index byte counts to fill
   * @param wide a Uint32Array of the same length, filled (instead of trusted `counts`) only on overflow
   * @param draws as for {@link fillCounts}, default `counts.length`
   * @returns true when `counts` holds the counts; false when they are in `wide`
   * @throws RangeError as {@link fillCounts}, or when `wide` differs in length from `counts`
   */
  fillCountsUint8(counts: Uint8Array, wide: Uint32Array, draws: number = counts.length): boolean {
    const n = checkDraws(counts.length, draws);
    if (wide.length !== n)
      throw new RangeError(`wide counts have length ${wide.length}, expected ${n} like the byte counts`);
    counts.fill(0);
    if (draws === 0) return true;
    this.saveTo();
    const overflow = n <= EXACT_PRODUCT_BOUND ? drawExact8(counts, n, draws) : drawWide8(counts, n, draws);
    if (overflow <= 255) {
      this.loadFrom();
      return true;
    }
    this.fillCounts(wide, draws); // `this` still holds the state the byte draws started from
    return false;
  }

  /** Copies the state into the module-level registers the draw loops read. */
  private saveTo(): void {
    r0 = this.s0;
    r1 = this.s1;
    r2 = this.s2;
    r3 = this.s3;
  }

  /** Takes the state back from the registers the draw loops wrote. */
  private loadFrom(): void {
    this.s0 = r0;
    this.s1 = r1;
    this.s2 = r2;
    this.s3 = r3;
  }
}

function checkDraws(n: number, draws: number): number {
  if (!(Number.isSafeInteger(draws) && draws >= 0))
    throw new RangeError(`draws must be a non-negative safe integer, got ${String(draws)}`);
  if (n === 0 && draws > 0) throw new RangeError('cannot draw indices into an empty counts array');
  return n;
}

// The draw loops below are module-level functions, not methods, and follow two rules found by
// measurement (Node 20): (1) the generator state comes in and goes out through the module-level
// registers r0..r3, because a property or typed-array store after a hot loop has no type
// feedback when V8 compiles the loop on-stack, and the resulting deoptimization repeats on every
// call (3-5x slower); (2) a rejected draw just does not advance the draw counter, instead of an
// inner retry loop, which V8 compiles much worse.

/** State registers exchanged with the draw loops (see above). */
let r0 = 0;
let r1 = 0;
let r2 = 0;
let r3 = 0;

/** Draws for n ≤ 2^21, where `x · n` is exact in a double, into 32-bit counts. */
function drawExact32(counts: Uint32Array, n: number, draws: number): void {
  let s0 = r0;
  let s1 = r1;
  let s2 = r2;
  let s3 = r3;
  const threshold = TWO_32 % n;
  for (let d = 0; d < draws;) {
    const m = imul(s1, 5);
    const x = imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const product = x * n;
    const idx = (product * TWO_NEG_32) | 0;
    // Lemire: reject when the low word is below 2^32 mod n (probability < n / 2^32).
    if (product - idx * TWO_32 >= threshold) {
      counts[idx] = (counts[idx] as number) + 1;
      d++;
    }
  }
  r0 = s0;
  r1 = s1;
  r2 = s2;
  r3 = s3;
}

/** {@link drawExact32} into byte counts; returns the OR of every incremented value (> 255: overflow). */
function drawExact8(counts: Uint8Array, n: number, draws: number): number {
  let s0 = r0;
  let s1 = r1;
  let s2 = r2;
  let s3 = r3;
  const threshold = TWO_32 % n;
  let seen = 0;
  for (let d = 0; d < draws;) {
    const m = imul(s1, 5);
    const x = imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const product = x * n;
    const idx = (product * TWO_NEG_32) | 0;
    if (product - idx * TWO_32 >= threshold) {
      const v = (counts[idx] as number) + 1;
      counts[idx] = v;
      seen |= v;
      d++;
    }
  }
  r0 = s0;
  r1 = s1;
  r2 = s2;
  r3 = s3;
  return seen;
}

/** Draws for 2^21 < n ≤ 2^32, with the exact split product of {@link mulHigh}, into 32-bit counts. */
function drawWide32(counts: Uint32Array, n: number, draws: number): void {
  let s0 = r0;
  let s1 = r1;
  let s2 = r2;
  let s3 = r3;
  const threshold = TWO_32 % n;
  for (let d = 0; d < draws;) {
    const m = imul(s1, 5);
    const x = imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    if (mulLow(x, n) >= threshold) {
      const idx = mulHigh(x, n);
      counts[idx] = (counts[idx] as number) + 1;
      d++;
    }
  }
  r0 = s0;
  r1 = s1;
  r2 = s2;
  r3 = s3;
}

/** {@link drawWide32} into byte counts; returns the OR of every incremented value. */
function drawWide8(counts: Uint8Array, n: number, draws: number): number {
  let s0 = r0;
  let s1 = r1;
  let s2 = r2;
  let s3 = r3;
  const threshold = TWO_32 % n;
  let seen = 0;
  for (let d = 0; d < draws;) {
    const m = imul(s1, 5);
    const x = imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    if (mulLow(x, n) >= threshold) {
      const idx = mulHigh(x, n);
      const v = (counts[idx] as number) + 1;
      counts[idx] = v;
      seen |= v;
      d++;
    }
  }
  r0 = s0;
  r1 = s1;
  r2 = s2;
  r3 = s3;
  return seen;
}

/** High 32 bits of the 64-bit product x · n (x < 2^32, n ≤ 2^32), exact via 16-bit halves. */
function mulHigh(x: number, n: number): number {
  const p1 = (x & 0xffff) * n; // < 2^48
  const p2 = (x >>> 16) * n; // < 2^48
  return floor((p2 + floor(p1 / 65536)) / 65536);
}

/** Low 32 bits of the 64-bit product x · n (x < 2^32, n ≤ 2^32). */
function mulLow(x: number, n: number): number {
  // ToInt32(n) keeps n's low 32 bits (0 for n = 2^32), which is all the low word depends on.
  return imul(x, n) >>> 0;
}
