/**
 * Fast in-place ascending sort of a Float64Array prefix, for the sketches' buffers.
 *
 * `Float64Array.prototype.sort` costs about 90 ns per value on Node 20 for buffers of a few
 * thousand values; this radix sort takes about a fifth of that. It maps each double to its
 * order-preserving 64-bit key, keeps the 32 key bits just below the prefix that every value in
 * the buffer shares (so the bits adapt to the data's range), and sorts by them with LSD passes
 * of 10, 11 and 11 bits, all counted in one read pass. A pass whose digit is the same for every
 * value is skipped, and so is the lowest one when the top 22 bits already leave few values
 * sharing a key. One insertion pass then orders the values sharing their key (falling back to
 * quicksort per run if that would cost more than 4 moves per value). Scratch buffers are
 * module-level and reused: no allocation per call once they have grown.
 *
 * Values must not be NaN. `-0` and `+0` compare equal and may come out in either order.
 */

/** Window key bits: three LSD digits of 10, 11 and 11 bits, lowest first. */
const LOW_BITS = 10;
const DIGIT_BITS = 11;
const RADIX = 1 << DIGIT_BITS;
const DIGIT_MASK = RADIX - 1;
const LOW_MASK = (1 << LOW_BITS) - 1;
/** Below this many values, insertion sort wins. */
const SMALL = 48;
/**
 * The lowest digit's pass (about 4 ns per value) runs when the pairs of values sharing their
 * top-22-bit key would otherwise exceed this fraction of the values: the insertion pass pays a
 * branch misprediction (about 9 ns) for each value it moves. Tuned with bench/sort-float64.
 */
const CROWDED = 0.25;

/** Index of the high 32-bit word of a float64 in a Uint32Array view (1 on little-endian hosts). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;
/** Bound once: `Math.x` lookups are slow under Jest's global Proxy (see hash.ts). */
const clz32 = Math.clz32;

let keysA = new Uint32Array(0);
let keysB = new Uint32Array(0);
let tmp = new Float64Array(0);
/** Digit counts: digit 0 at [0, RADIX), digit 1 at [RADIX, 2·RADIX), digit 2 at [2·RADIX, 3·RADIX). */
const hist = new Uint32Array(3 * RADIX);
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Sorts `a[lo..hi)` by insertion. */
function insertionSort(a: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const x = a[i] as number;
    let j = i - 1;
    while (j >= lo && (a[j] as number) > x) {
      a[j + 1] = a[j] as number;
      j--;
    }
    a[j + 1] = x;
  }
}

/** Sorts `a[lo..hi]` (inclusive) by median-of-three quicksort. */
function quickSort(a: Float64Array, lo: number, hi: number): void {
  while (hi - lo > SMALL) {
    const x = a[lo] as number;
    const y = a[(lo + hi) >>> 1] as number;
    const z = a[hi] as number;
    const p = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < p) i++;
      while ((a[j] as number) > p) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i++] = a[j] as number;
        a[j--] = t;
      }
    }
    if (j - lo < hi - i) {
      quickSort(a, lo, j);
      lo = i;
    } else {
      quickSort(a, i, hi);
      hi = j;
    }
  }
  insertionSort(a, lo, hi + 1);
}

/**
 * The order-preserving 64-bit key of a double, as its high and low words: flip every bit of a
 * negative number, only the sign bit of a positive one. −0 gets the key just below +0's.
 * `keyHi` / `keyLo` compute it for one value; the sort's main loop inlines it branch-free.
 */
function keyHi(v: number): number {
  f64[0] = v;
  const hi = u32[HI] as number;
  return (hi ^ ((hi >> 31) | 0x80000000)) >>> 0;
}

function keyLo(v: number): number {
  f64[0] = v;
  return ((u32[LO] as number) ^ ((u32[HI] as number) >> 31)) >>> 0;
}

/** Counts the three digits of window key `w`. */
function count(w: number): void {
  const d0 = w & LOW_MASK;
  const d1 = RADIX + ((w >>> LOW_BITS) & DIGIT_MASK);
  const d2 = 2 * RADIX + (w >>> (LOW_BITS + DIGIT_BITS));
  hist[d0] = (hist[d0] as number) + 1;
  hist[d1] = (hist[d1] as number) + 1;
  hist[d2] = (hist[d2] as number) + 1;
}

/** Stable counting-sort pass on the digit at `shift` from (src, srcKeys) to (dst, dstKeys). */
function scatter(
  src: Float64Array,
  srcKeys: Uint32Array,
  dst: Float64Array,
  dstKeys: Uint32Array,
  n: number,
  base: number,
  shift: number,
  mask: number,
): void {
  for (let i = 0; i < n; i++) {
    const k = srcKeys[i] as number;
    const d = base + ((k >>> shift) & mask);
    const pos = hist[d] as number;
    hist[d] = pos + 1;
    dst[pos] = src[i] as number;
    dstKeys[pos] = k;
  }
}

/** The last pass: values only (no later pass reads the keys; `fixRuns` recomputes them). */
function scatterLast(
  src: Float64Array,
  srcKeys: Uint32Array,
  dst: Float64Array,
  n: number,
  base: number,
  shift: number,
): void {
  for (let i = 0; i < n; i++) {
    const d = base + ((srcKeys[i] as number) >>> shift);
    const pos = hist[d] as number;
    hist[d] = pos + 1;
    dst[pos] = src[i] as number;
  }
}

/**
 * Turns digit counts `hist[base..base+size)` into start offsets; -1 when one bucket holds all
 * n (the pass can be skipped), else the sum of the squared counts.
 */
function prefixSums(base: number, size: number, n: number): number {
  let sum = 0;
  let squares = 0;
  for (let b = base; b < base + size; b++) {
    const c = hist[b] as number;
    if (c === n) return -1;
    hist[b] = sum;
    sum += c;
    squares += c * c;
  }
  return squares;
}

/** The 32-bit window key of `v` (see `sortFloat64`): the key bits after the `common` shared ones. */
function windowKey(v: number, common: number): number {
  f64[0] = v;
  const raw = u32[HI] as number;
  const flip = raw >> 31;
  const hi = raw ^ (flip | 0x80000000);
  const lo = (u32[LO] as number) ^ flip;
  if (common >= 32) return (lo << (common - 32)) >>> 0;
  return ((hi << common) | ((lo >>> 1) >>> (31 - common))) >>> 0;
}

/**
 * Sorts `a[0..n)` ascending in place. NaN must not occur.
 * @param a the buffer
 * @param n number of leading entries to sort, default `a.length`
 */
export function sortFloat64(a: Float64Array, n: number = a.length): void {
  if (n <= SMALL) {
    insertionSort(a, 0, n);
    return;
  }
  // Already ascending (ids, timestamps): nothing to do. On other data the first descent ends
  // this scan within a few values.
  let ascending = 1;
  while (ascending < n && (a[ascending - 1] as number) <= (a[ascending] as number)) ascending++;
  if (ascending === n) return;
  let mn = a[0] as number;
  let mx = mn;
  for (let i = 1; i < n; i++) {
    const v = a[i] as number;
    if (v < mn) mn = v;
    else if (v > mx) mx = v;
  }
  if (mn === mx) return;
  if (tmp.length < n) {
    const cap = n > 2 * tmp.length ? n : 2 * tmp.length;
    keysA = new Uint32Array(cap);
    keysB = new Uint32Array(cap);
    tmp = new Float64Array(cap);
  }
  // Every key lies between the keys of min and max, so they share the prefix those two share.
  // Zeros compare equal, so take the extreme key of the pair: −0 at the bottom, +0 at the top.
  if (mn === 0) mn = -0;
  if (mx === 0) mx = 0;
  const diffHi = (keyHi(mn) ^ keyHi(mx)) >>> 0;
  const diffLo = (keyLo(mn) ^ keyLo(mx)) >>> 0;
  const common = diffHi !== 0 ? clz32(diffHi) : 32 + clz32(diffLo);

  const u = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const keys = keysA;
  hist.fill(0);
  if (common < 32) {
    const c = common;
    const cLo = 31 - c;
    for (let i = 0; i < n; i++) {
      const raw = u[2 * i + HI] as number;
      const flip = raw >> 31;
      const hi = raw ^ (flip | 0x80000000);
      const lo = (u[2 * i + LO] as number) ^ flip;
      const w = ((hi << c) | ((lo >>> 1) >>> cLo)) >>> 0;
      keys[i] = w;
      count(w);
    }
  } else {
    const c = common - 32;
    for (let i = 0; i < n; i++) {
      const lo = (u[2 * i + LO] as number) ^ ((u[2 * i + HI] as number) >> 31);
      const w = (lo << c) >>> 0;
      keys[i] = w;
      count(w);
    }
  }

  // The top two digits always get their pass (unless constant); the lowest one only when the
  // top 22 bits leave many values sharing a key. Taking the two digits as independent, the
  // pairs sharing one are about S1·S2 / 2n² (S: sums of squared digit counts).
  const s0 = prefixSums(0, 1 << LOW_BITS, n);
  const s1 = prefixSums(RADIX, RADIX, n);
  const s2 = prefixSums(2 * RADIX, RADIX, n);
  const shared = ((s1 < 0 ? n * n : s1) * s2) / (2 * n * n);
  const low = s0 >= 0 && shared > CROWDED * n;
  let src: Float64Array = a;
  let srcKeys: Uint32Array = keys;
  let dst: Float64Array = tmp;
  let dstKeys: Uint32Array = keysB;
  if (low) {
    scatter(src, srcKeys, dst, dstKeys, n, 0, 0, LOW_MASK);
    src = dst;
    dst = a;
    srcKeys = dstKeys;
    dstKeys = keys;
  }
  if (s1 >= 0) {
    scatter(src, srcKeys, dst, dstKeys, n, RADIX, LOW_BITS, DIGIT_MASK);
    const t = src;
    src = dst;
    dst = t;
    const tk = srcKeys;
    srcKeys = dstKeys;
    dstKeys = tk;
  }
  scatterLast(src, srcKeys, dst, n, 2 * RADIX, LOW_BITS + DIGIT_BITS);
  if (dst !== a) a.set(dst.subarray(0, n));

  // Values sharing a window key (all 32 bits, or the top 22 when the low pass was skipped) are
  // not ordered among themselves yet; one insertion pass fixes that (a value only moves past
  // larger values, which share its key). A budget on the moves guards against long runs of
  // distinct values: then sort each run instead.
  let moves = 0;
  const budget = 4 * n;
  for (let i = 1; i < n; i++) {
    const x = a[i] as number;
    if ((a[i - 1] as number) <= x) continue;
    let j = i - 1;
    do {
      a[j + 1] = a[j] as number;
      j--;
    } while (j >= 0 && (a[j] as number) > x);
    a[j + 1] = x;
    moves += i - j;
    if (moves > budget) {
      fixRuns(a, n, common, low ? 0 : LOW_BITS);
      return;
    }
  }
}

/**
 * Sorts every run of values sharing their sorted-by key (the window key of `common`, without
 * its `ignored` low bits). The runs are contiguous: the radix passes ordered by that key.
 */
function fixRuns(a: Float64Array, n: number, common: number, ignored: number): void {
  let start = 0;
  let key = windowKey(a[0] as number, common) >>> ignored;
  for (let i = 1; i <= n; i++) {
    const k = i < n ? windowKey(a[i] as number, common) >>> ignored : -1;
    if (k !== key) {
      if (i - start > 1) fixRun(a, start, i);
      start = i;
      key = k;
    }
  }
}

/** Sorts a run whose values share their window key (mostly ties, cheap for insertion sort). */
function fixRun(a: Float64Array, lo: number, hi: number): void {
  if (hi - lo <= SMALL) {
    insertionSort(a, lo, hi);
    return;
  }
  const first = a[lo] as number;
  let allEqual = true;
  for (let i = lo + 1; i < hi; i++) {
    if ((a[i] as number) !== first) {
      allEqual = false;
      break;
    }
  }
  if (!allEqual) quickSort(a, lo, hi - 1);
}
