/**
 * Duplicate detection for `expect_column_values_to_be_unique` and
 * `expect_compound_columns_to_be_unique` in one streaming pass: an open-addressing hash table on
 * typed arrays, keyed by a 64-bit value key, holding per distinct value its count and first row.
 * 16 bytes per slot (18 past row 2^32 − 1) at a load factor of at most 4/5, so 20–40 bytes per
 * distinct value (about 30 on average over growth), and no JS object per value.
 *
 * Keys: a number is its own key (its IEEE-754 bits, −0 read as +0), so numeric columns are exact.
 * Strings and compound rows are keyed by a 64-bit hash (two MurmurHash3 x86_32 passes with
 * different seeds); two different values collide with probability about n² / 2^65 for n distinct
 * values (≈ 3·10^-6 at ten million), in which case both would be reported as duplicates.
 */

// Bound once: `Math.x` lookups are slow under Jest's global Proxy (see src/sketch/hash.ts).
const imul = Math.imul;
const floor = Math.floor;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
/** Seeds of the two halves of a 64-bit key. */
const SEED_HI = 0x9747b28c;
const SEED_LO = 0x2f1b3c5d;

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

function fmix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}


/** A 64-bit key as two unsigned 32-bit halves. */
export interface Key64 {
  hi: number;
  lo: number;
}

/**
 * Writes the 64-bit hash key of a string into `out`: MurmurHash3 x86_32 of its UTF-16 code units
 * under two seeds, both lanes in one loop (the block mix is the same for both).
 */
export function stringKey(s: string, out: Key64): void {
  const n = s.length;
  let hi = SEED_HI;
  let lo = SEED_LO;
  const pairs = n & ~1;
  for (let i = 0; i < pairs; i += 2) {
    const k = mixK(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    hi ^= k;
    hi = (hi << 13) | (hi >>> 19);
    hi = (imul(hi, 5) + 0xe6546b64) | 0;
    lo ^= k;
    lo = (lo << 13) | (lo >>> 19);
    lo = (imul(lo, 5) + 0xe6546b64) | 0;
  }
  if (n & 1) {
    const k = mixK(s.charCodeAt(n - 1));
    hi ^= k;
    lo ^= k;
  }
  out.hi = fmix(hi, n << 1);
  out.lo = fmix(lo, n << 1);
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

  /** Starts a new row. */
  reset(): void {
    this.hi = SEED_HI;
    this.lo = SEED_LO;
    this.words = 0;
  }

  /** Adds the next column's key. */
  push(key: Key64): void {
    this.hi = mixH(mixH(this.hi, key.hi), key.lo);
    this.lo = mixH(mixH(this.lo, key.lo), key.hi);
    this.words += 2;
  }

  /** Writes the row's key into `out`. */
  result(out: Key64): void {
    out.hi = fmix(this.hi, this.words << 2);
    out.lo = fmix(this.lo, this.words << 2);
  }
}

const INITIAL_CAPACITY = 1024;
/** Uint32 words per slot: key hi, key lo, count, first row (low 32 bits). */
const STRIDE = 4;

/**
 * value key → (count, first row). `add` returns the value's count including this occurrence;
 * after it, `lastFirstRow` holds the value's first row. The four words of a slot are interleaved
 * in one array, so a probe touches one cache line.
 */
export class DuplicateTable {
  private capacity: number;
  /** A count of 0 marks an empty slot. */
  private slots: Uint32Array;
  /** High bits of first rows, allocated once a row index passes 2^32 − 1. */
  private rowHigh: Uint16Array | undefined;
  /** Distinct keys stored. */
  size = 0;
  /** First row of the value of the last `add`. */
  lastFirstRow = 0;

  /** @param expected distinct keys to make room for up front (saves rehashing while growing) */
  constructor(expected = 0) {
    let capacity = INITIAL_CAPACITY;
    while (expected * 5 > capacity * 4) capacity *= 2;
    this.capacity = capacity;
    this.slots = new Uint32Array(capacity * STRIDE);
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.slots.byteLength + (this.rowHigh?.byteLength ?? 0);
  }

  /** Records one occurrence of `key` at `row`; returns the count so far (1 for a new value). */
  add(key: Key64, row: number): number {
    if ((this.size + 1) * 5 > this.capacity * 4) this.grow();
    if (row > 0xffffffff && this.rowHigh === undefined) this.rowHigh = new Uint16Array(this.capacity);
    const slots = this.slots;
    const slot = this.find(key.hi >>> 0, key.lo >>> 0);
    const at = slot * STRIDE;
    const c = slots[at + 2] as number;
    if (c === 0) {
      slots[at] = key.hi;
      slots[at + 1] = key.lo;
      slots[at + 2] = 1;
      slots[at + 3] = row % 0x100000000;
      if (this.rowHigh !== undefined) this.rowHigh[slot] = floor(row / 0x100000000);
      this.size++;
      this.lastFirstRow = row;
      return 1;
    }
    // Saturate rather than wrap beyond 2^32 - 1 occurrences; only 1, 2 and "more" matter.
    if (c < 0xffffffff) slots[at + 2] = c + 1;
    this.lastFirstRow =
      (slots[at + 3] as number) +
      (this.rowHigh !== undefined ? (this.rowHigh[slot] as number) * 0x100000000 : 0);
    return c + 1;
  }

  /**
   * Stores a key not in the table with its count so far and first row (moving a value over from
   * another table); the caller guarantees the key is new.
   */
  insert(key: Key64, count: number, firstRow: number): void {
    if ((this.size + 1) * 5 > this.capacity * 4) this.grow();
    if (firstRow > 0xffffffff && this.rowHigh === undefined) this.rowHigh = new Uint16Array(this.capacity);
    const slot = this.find(key.hi >>> 0, key.lo >>> 0);
    const at = slot * STRIDE;
    this.slots[at] = key.hi;
    this.slots[at + 1] = key.lo;
    this.slots[at + 2] = count;
    this.slots[at + 3] = firstRow % 0x100000000;
    if (this.rowHigh !== undefined) this.rowHigh[slot] = floor(firstRow / 0x100000000);
    this.size++;
  }

  /** The slot holding the key, or the empty slot where it goes (linear probing). */
  private find(hi: number, lo: number): number {
    const mask = this.capacity - 1;
    const slots = this.slots;
    // Murmur's finaliser spreads the high bits (where small floats differ) into the low ones.
    let h = hi ^ imul(lo, 0x9e3779b1);
    h ^= h >>> 16;
    h = imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & mask;
    for (;;) {
      const at = slot * STRIDE;
      if (slots[at + 2] === 0) return slot;
      if (slots[at] === hi && slots[at + 1] === lo) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const oldHigh = this.rowHigh;
    const oldCapacity = this.capacity;
    this.capacity = oldCapacity * 2;
    this.slots = new Uint32Array(this.capacity * STRIDE);
    this.rowHigh = oldHigh === undefined ? undefined : new Uint16Array(this.capacity);
    for (let s = 0; s < oldCapacity; s++) {
      const from = s * STRIDE;
      if (old[from + 2] === 0) continue;
      const slot = this.find(old[from] as number, old[from + 1] as number);
      const to = slot * STRIDE;
      const slots = this.slots;
      slots[to] = old[from] as number;
      slots[to + 1] = old[from + 1] as number;
      slots[to + 2] = old[from + 2] as number;
      slots[to + 3] = old[from + 3] as number;
      if (oldHigh !== undefined && this.rowHigh !== undefined) this.rowHigh[slot] = oldHigh[s] as number;
    }
  }
}
