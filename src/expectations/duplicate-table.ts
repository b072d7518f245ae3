/**
 * Duplicate detection for `expect_column_values_to_be_unique` and
 * `expect_compound_columns_to_be_unique` in one streaming pass: an open-addressing hash table on
 * typed arrays, keyed by a 64-bit value key, holding per distinct value its count and first row.
 * 16 bytes per slot (24 past row 2^32 − 1) at a load factor of at most 4/5, so 20–40 bytes per
 * distinct value (about 30 on average over growth), and no JS object per value.
 *
 * Keys: a number is its own key (its IEEE-754 bits, −0 read as +0), so numeric columns are exact.
 * Strings and compound rows are keyed by a 64-bit hash (two MurmurHash3 x86_32 passes with
 * different seeds); two different values collide with probability about n² / 2^65 for n distinct
 * values (≈ 3·10^-6 at ten million), in which case both would be reported as duplicates.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
/** Seeds of the two halves of a 64-bit key. */
const SEED_HI = 0x9747b28c;
const SEED_LO = 0x2f1b3c5d;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function murmurString(s: string, seed: number): number {
  const n = s.length;
  let h = seed;
  const pairs = n & ~1;
  for (let i = 0; i < pairs; i += 2) h = mixH(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (n & 1) h ^= mixK(s.charCodeAt(n - 1));
  return fmix(h, n << 1);
}

/** A 64-bit key as two unsigned 32-bit halves. */
export interface Key64 {
  hi: number;
  lo: number;
}

/** Writes the 64-bit hash key of a string into `out`. */
export function stringKey(s: string, out: Key64): void {
  out.hi = murmurString(s, SEED_HI);
  out.lo = murmurString(s, SEED_LO);
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes the exact key of a number (its float64 bits; −0 as +0) into `out`. */
export function numberKey(v: number, out: Key64): void {
  F64[0] = v === 0 ? 0 : v;
  out.lo = (LITTLE_ENDIAN ? U32[0] : U32[1]) as number;
  out.hi = (LITTLE_ENDIAN ? U32[1] : U32[0]) as number;
}

/** Folds a sequence of 64-bit keys (the columns of a row) into one 64-bit key. */
export class KeyCombiner {
  private hi = SEED_HI;
  private lo = SEED_LO;
  private words = 0;

  reset(): void {
    this.hi = SEED_HI;
    this.lo = SEED_LO;
    this.words = 0;
  }

  push(key: Key64): void {
    this.hi = mixH(mixH(this.hi, key.hi), key.lo);
    this.lo = mixH(mixH(this.lo, key.lo), key.hi);
    this.words += 2;
  }

  result(out: Key64): void {
    out.hi = fmix(this.hi, this.words << 2);
    out.lo = fmix(this.lo, this.words << 2);
  }
}

const INITIAL_CAPACITY = 1024;

/**
 * value key → (count, first row). `add` returns the value's count including this occurrence;
 * after it, `lastFirstRow` holds the value's first row.
 */
export class DuplicateTable {
  private capacity = INITIAL_CAPACITY;
  private keyHi = new Uint32Array(INITIAL_CAPACITY);
  private keyLo = new Uint32Array(INITIAL_CAPACITY);
  /** 0 marks an empty slot. */
  private counts = new Uint32Array(INITIAL_CAPACITY);
  /** Uint32 until a row index needs more, then Float64. */
  private firstRows: Uint32Array | Float64Array = new Uint32Array(INITIAL_CAPACITY);
  /** Distinct keys stored. */
  size = 0;
  /** First row of the value of the last `add`. */
  lastFirstRow = 0;

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.capacity * (12 + this.firstRows.BYTES_PER_ELEMENT);
  }

  /** Records one occurrence of `key` at `row`; returns the count so far (1 for a new value). */
  add(key: Key64, row: number): number {
    if ((this.size + 1) * 5 > this.capacity * 4) this.grow();
    if (row > 0xffffffff && this.firstRows instanceof Uint32Array) this.firstRows = Float64Array.from(this.firstRows);
    const slot = this.find(key.hi, key.lo);
    const c = this.counts[slot] as number;
    if (c === 0) {
      this.keyHi[slot] = key.hi;
      this.keyLo[slot] = key.lo;
      this.firstRows[slot] = row;
      this.counts[slot] = 1;
      this.size++;
      this.lastFirstRow = row;
      return 1;
    }
    // Saturate rather than wrap beyond 2^32 - 1 occurrences; only 1, 2 and "more" matter.
    if (c < 0xffffffff) this.counts[slot] = c + 1;
    this.lastFirstRow = this.firstRows[slot] as number;
    return c + 1;
  }

  /** The slot holding the key, or the empty slot where it goes (linear probing). */
  private find(hi: number, lo: number): number {
    const mask = this.capacity - 1;
    // Murmur's finaliser spreads the high bits (where small floats differ) into the low ones.
    let h = hi ^ Math.imul(lo, 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & mask;
    for (;;) {
      if (this.counts[slot] === 0) return slot;
      if (this.keyHi[slot] === hi && this.keyLo[slot] === lo) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const { keyHi, keyLo, counts, firstRows } = this;
    const old = this.capacity;
    this.capacity = old * 2;
    this.keyHi = new Uint32Array(this.capacity);
    this.keyLo = new Uint32Array(this.capacity);
    this.counts = new Uint32Array(this.capacity);
    this.firstRows = firstRows instanceof Uint32Array ? new Uint32Array(this.capacity) : new Float64Array(this.capacity);
    for (let s = 0; s < old; s++) {
      const c = counts[s] as number;
      if (c === 0) continue;
      const hi = keyHi[s] as number;
      const lo = keyLo[s] as number;
      const slot = this.find(hi, lo);
      this.keyHi[slot] = hi;
      this.keyLo[slot] = lo;
      this.counts[slot] = c;
      this.firstRows[slot] = firstRows[s] as number;
    }
  }
}
