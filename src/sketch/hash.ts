/**
 * Deterministic 32-bit hashes for the streaming sketches (distinct counting, sampling).
 *
 * Both functions are MurmurHash3 x86_32 (Austin Appleby's `MurmurHash3_x86_32`) with the
 * given seed, so any murmur3 implementation (e.g. Python's `mmh3.hash(data, seed, signed=False)`)
 * reproduces them from the bytes named below. They allocate nothing and are safe in hot loops.
 */

// Bound once: under Jest 30 every `Math.x` lookup goes through the test environment's global
// Proxy (~0.3 µs each), which would make the hashes 100x slower in tests. Same speed in Node.
const imul = Math.imul;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Scratch for reading float64 bits; module-level so {@link hashNumber} allocates nothing. */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** Index of the low 32 bits of the float64 in {@link U32} (0 on little-endian hosts). */
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;
/** Index of a float64's low word in an Int32Array / Uint32Array view (0 on little-endian hosts). */
export const FLOAT64_LOW_WORD = LO;

function mixK(k: number): number {
  k = imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, byteLength: number): number {
  h ^= byteLength;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * MurmurHash3 x86_32 of a string's **UTF-16LE** bytes (two code units per 32-bit block, no
 * UTF-8 encoding step, so lone surrogates hash fine). Equals
 * `mmh3.hash(s.encode('utf-16-le', 'surrogatepass'), seed, signed=False)`.
 * @param s the string to hash
 * @param seed murmur3 seed, default 0
 * @returns an unsigned 32-bit integer
 */
export function hashString(s: string, seed = 0): number {
  const n = s.length;
  let h = seed | 0;
  const pairs = n & ~1;
  for (let i = 0; i < pairs; i += 2) {
    h = mixH(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  }
  if (n & 1) h ^= mixK(s.charCodeAt(n - 1));
  return fmix(h, n << 1);
}

/**
 * MurmurHash3 x86_32 of the 8 little-endian bytes of `v` as an IEEE-754 float64, after
 * canonicalising `-0` to `+0` and every NaN to `0x7ff8000000000000`, so `hashNumber(-0) ===
 * hashNumber(0)` and all NaNs hash equal. Equals
 * `mmh3.hash(struct.pack('<d', v), seed, signed=False)` for those canonical values.
 * @param v the number to hash
 * @param seed murmur3 seed, default 0
 * @returns an unsigned 32-bit integer
 */
export function hashNumber(v: number, seed = 0): number {
  let lo = 0;
  let hi = 0x7ff80000;
  // `v !== v` only for NaN; `v === 0` is also true for -0, which is stored as +0.
  if (v === v) {
    F64[0] = v === 0 ? 0 : v;
    lo = U32[LO] as number;
    hi = U32[HI] as number;
  }
  let h = mixH(seed | 0, lo);
  h = mixH(h, hi);
  return fmix(h, 8);
}

/**
 * {@link hashNumber} with seed 0 of a float64 given as its low and high 32-bit words, as read
 * through an Int32Array view of a Float64Array (same canonical `-0` and NaN). Batch loops use it
 * to hash values in place, without the round trip through a scratch Float64Array.
 */
export function hashNumberWords(lo: number, hi: number): number {
  if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0) {
    // NaN, whatever its payload and sign.
    lo = 0;
    hi = 0x7ff80000;
  } else if (lo === 0 && (hi | 0) === (0x80000000 | 0)) hi = 0;
  let h = mixH(0, lo);
  h = mixH(h, hi);
  return fmix(h, 8);
}

/**
 * {@link hashNumberWords} of rows [from, length) of a Float64Array seen as `words` (its Int32Array
 * view), into `out` at the same rows; rows whose `nulls` byte is set are skipped (left as they
 * are). The batch loop of the distinct counter: a small function of its own, so the hash is
 * inlined into it however the caller is compiled (out of line, inside a larger caller whose
 * inlining budget was spent, it took 2.5× as long).
 */
export function hashNumberWordsBatch(
  words: Int32Array,
  nulls: Uint8Array | undefined,
  from: number,
  length: number,
  out: Uint32Array,
): void {
  for (let i = from; i < length; i++) {
    if (nulls !== undefined && nulls[i] !== 0) continue;
    out[i] = hashNumberWords(words[2 * i + LO] as number, words[2 * i + HI] as number);
  }
}
