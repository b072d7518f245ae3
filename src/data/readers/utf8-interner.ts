/**
 * Plain (not dictionary-encoded) UTF-8 columns turned into dictionary codes while reading: each
 * row's bytes are hashed and looked up in a table of the byte strings this column has already
 * decoded, so a value is decoded to a JS string once per column instead of once per row, and
 * every batch comes out as codes into a small per-batch dictionary, which the profile and the
 * checks already handle value by value rather than row by row. On the benchmark's id-like column
 * (10M rows, 100k distinct values) decoding was ~160 ns a row through Arrow's `Vector.get`.
 *
 * Entry ids (`intern`) stay valid for the interner's life, so a reader may hold them across
 * pages and batches. Memory stays bounded: past MAX_ENTRIES strings or MAX_ARENA_BYTES of bytes
 * no new value is added (values already held are still found); a new value is then decoded on
 * its own row, as before, and gets its own code in the batch (a batch dictionary may then hold
 * a string twice, which every consumer handles).
 */

import type { DictionaryIds } from './types';

const MAX_ENTRIES = 1 << 20;
const MAX_ARENA_BYTES = 64 * 1024 * 1024;
/** Longer ASCII values are decoded by TextDecoder rather than char by char. */
const SHORT_ASCII = 48;
/**
 * Int32 words per slot (16 bytes: four slots share a cache line, and the table of the benchmark's
 * 100k ids stays near L2 size; with 32-byte slots finding an id cost a cache miss to L3).
 * Word S_META holds entry + 1 (0 = empty) in its low 21 bits and the value's length above them
 * (LONG for a value longer than INLINE_BYTES). A short value's bytes follow packed in three words;
 * a long value's slot holds its hash, its start in the arena and its length instead.
 */
const SLOT = 4;
const S_META = 0;
const S_W0 = 1;
const S_W1 = 2;
const S_W2 = 3;
const S_HASH = 1;
const S_START = 2;
const S_LENGTH = 3;
const ENTRY_BITS = 21;
const ENTRY_MASK = (1 << ENTRY_BITS) - 1;
/** Values up to this many bytes are compared inside their slot, not in the arena. */
const INLINE_BYTES = 12;
const LONG = INLINE_BYTES + 1;
/** Int32 words per entry: the batch generation its code belongs to, its code in that batch. */
const ENTRY = 2;
const GENERATION = 0;
const CODE = 1;

const imul = Math.imul;
/** The table grows past this load: linear probing stays short (and within a line or two). */
const MAX_LOAD_NUMERATOR = 4;
const MAX_LOAD_DENOMINATOR = 5;
const fromCharCode = String.fromCharCode;
/** Fewest values held before batches may use entries as codes (see `prefersIdentity`). */
const IDENTITY_MIN_ENTRIES = 4096;
/** `intern`'s answer for a new value once the interner is full. */
export const NOT_INTERNED = -1;

/** Hash of a short value from its packed words (the table's slot index is its low bits). */
function inlineHash(w0: number, w1: number, w2: number, length: number): number {
  let h = imul(w0 ^ length, 0x9e3779b1);
  h = imul(h ^ (h >>> 16) ^ w1, 0x85ebca6b);
  h = imul(h ^ (h >>> 13) ^ w2, 0xc2b2ae35);
  return h ^ (h >>> 15);
}

export class Utf8Interner {
  private capacity = 0;
  /** Open addressing, linear probing, at most half full (see SLOT). */
  private slots = new Int32Array(0);
  private entries = new Int32Array(0);
  private strings: string[] = [];
  private arena = new Uint8Array(0);
  private arenaUsed = 0;
  private generation = 0;
  /** The current batch's codes: per code, its entry, or −(k + 1) for `literals[k]`. */
  private batchEntries = new Int32Array(1024);
  private batchSize = 0;
  private literals: string[] = [];
  /** 0, 1, 2, …: the ids of `identityBatch`, shared by its batches (read only). */
  private identity = new Int32Array(0);

  private readonly limits: { entries: number; bytes: number };
  private readonly decoder: { decode(bytes: Uint8Array): string };

  /**
   * @param options `fatal`: invalid UTF-8 throws (Parquet) instead of decoding to U+FFFD (as
   *   Arrow JS does); `limits`: when to stop adding values (tests lower them)
   */
  constructor(options: { fatal?: boolean; limits?: { entries: number; bytes: number } } = {}) {
    const limits = options.limits ?? { entries: MAX_ENTRIES, bytes: MAX_ARENA_BYTES };
    // An entry must fit the slot's ENTRY_BITS.
    this.limits = { entries: Math.min(limits.entries, MAX_ENTRIES), bytes: limits.bytes };
    this.decoder = new TextDecoder('utf-8', { fatal: options.fatal === true });
    this.reset();
  }

  /** Starts a batch: the codes handed out from here on index the dictionary `finishBatch` returns. */
  beginBatch(): void {
    this.generation++;
    this.batchSize = 0;
    this.literals = [];
  }

  /**
   * The batch's dictionary (distinct values, in code order) and their entries as stable ids (−1
   * for literals), built once at the end: pushing onto the arrays per new value cost more than
   * the lookup itself.
   */
  finishBatch(): { dictionary: string[]; ids: DictionaryIds } {
    const n = this.batchSize;
    const dictionary = new Array<string>(n);
    const ids = new Int32Array(n);
    for (let code = 0; code < n; code++) {
      const e = this.batchEntries[code] as number;
      dictionary[code] = e >= 0 ? (this.strings[e] as string) : (this.literals[-e - 1] as string);
      ids[code] = e >= 0 ? e : -1;
    }
    return { dictionary, ids: { ids, space: this } };
  }

  /**
   * Whether a batch of `rows` rows had better use the entries themselves as codes (see
   * `identityBatch`): when the values held are many for a batch (a per-batch dictionary then
   * costs a remapped code for most rows) but not so many that listing them all per batch costs
   * more than that.
   */
  prefersIdentity(rows: number): boolean {
    const n = this.strings.length;
    return n >= IDENTITY_MIN_ENTRIES && 8 * n >= rows && n <= 4 * rows;
  }

  /**
   * The dictionary of a batch whose codes are entries (`intern`'s answers, none NOT_INTERNED):
   * every value held so far, in entry order, with identity ids.
   */
  identityBatch(): { dictionary: string[]; ids: DictionaryIds } {
    const n = this.strings.length;
    if (this.identity.length < n) {
      let size = Math.max(1024, this.identity.length);
      while (size < n) size *= 2;
      this.identity = new Int32Array(size);
      for (let i = 0; i < size; i++) this.identity[i] = i;
    }
    // A copy: the batch's dictionary must not grow under consumers that cache by dictionary.
    return {
      dictionary: this.strings.slice(),
      ids: { ids: this.identity.subarray(0, n), space: this, identity: true },
    };
  }

  /** The batch code of the UTF-8 value `bytes[start, end)`. */
  code(bytes: Uint8Array, start: number, end: number): number {
    const entry = this.intern(bytes, start, end);
    return entry === NOT_INTERNED ? this.literalCode(this.decode(bytes, start, end)) : this.batchCode(entry);
  }

  /** The batch code of an entry `intern` returned. */
  batchCode(entry: number): number {
    const at = entry * ENTRY;
    const entries = this.entries;
    if (entries[at + GENERATION] === this.generation) return entries[at + CODE] as number;
    const code = this.nextCode(entry);
    entries[at + GENERATION] = this.generation;
    entries[at + CODE] = code;
    return code;
  }

  /** A batch code for a string decoded apart (a value `intern` did not take). */
  literalCode(s: string): number {
    this.literals.push(s);
    return this.nextCode(-this.literals.length);
  }

  private nextCode(entryOrLiteral: number): number {
    const code = this.batchSize++;
    if (code === this.batchEntries.length) {
      const bigger = new Int32Array(this.batchEntries.length * 2);
      bigger.set(this.batchEntries);
      this.batchEntries = bigger;
    }
    this.batchEntries[code] = entryOrLiteral;
    return code;
  }

  /** The string of an entry `intern` returned. */
  entryString(entry: number): string {
    return this.strings[entry] as string;
  }

  /**
   * The entry of the UTF-8 value `bytes[start, end)`, added (and decoded) when new; NOT_INTERNED
   * when new and the interner is full.
   * @throws TypeError on invalid UTF-8 in `fatal` mode
   */
  intern(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const slots = this.slots;
    const mask = this.capacity - 1;
    if (length > INLINE_BYTES) return this.internLong(bytes, start, length);
    // Short values (ids and categories, the common case): their bytes packed into three words,
    // which are compared in the slot and hashed as words, three multiplies instead of one per
    // byte in a chain.
    let w0 = 0;
    let w1 = 0;
    let w2 = 0;
    const n0 = length < 4 ? length : 4;
    for (let j = 0; j < n0; j++) w0 |= (bytes[start + j] as number) << (j << 3);
    for (let j = 4; j < length && j < 8; j++) w1 |= (bytes[start + j] as number) << ((j - 4) << 3);
    for (let j = 8; j < length; j++) w2 |= (bytes[start + j] as number) << ((j - 8) << 3);
    const kind = length << ENTRY_BITS;
    let slot = inlineHash(w0, w1, w2, length) & mask;
    for (;;) {
      const at = slot * SLOT;
      const meta = slots[at + S_META] as number;
      if (meta === 0) break;
      if (
        (meta & ~ENTRY_MASK) === kind &&
        slots[at + S_W0] === w0 &&
        slots[at + S_W1] === w1 &&
        slots[at + S_W2] === w2
      )
        return (meta & ENTRY_MASK) - 1;
      slot = (slot + 1) & mask;
    }
    if (this.strings.length >= this.limits.entries) return NOT_INTERNED;
    const entry = this.add(bytes, start, length);
    const at = slot * SLOT;
    slots[at + S_META] = kind | (entry + 1);
    slots[at + S_W0] = w0;
    slots[at + S_W1] = w1;
    slots[at + S_W2] = w2;
    this.growIfFull();
    return entry;
  }

  /** `intern` for a value longer than INLINE_BYTES: hashed byte by byte, compared in the arena. */
  private internLong(bytes: Uint8Array, start: number, length: number): number {
    // FNV-1a over the bytes.
    let h = 0x811c9dc5 ^ length;
    for (let i = start; i < start + length; i++) h = imul(h ^ (bytes[i] as number), 0x01000193);
    h ^= h >>> 15;
    const slots = this.slots;
    const mask = this.capacity - 1;
    const kind = LONG << ENTRY_BITS;
    let slot = h & mask;
    for (;;) {
      const at = slot * SLOT;
      const meta = slots[at + S_META] as number;
      if (meta === 0) break;
      if (
        (meta & ~ENTRY_MASK) === kind &&
        slots[at + S_HASH] === h &&
        slots[at + S_LENGTH] === length &&
        this.sameBytes(slots[at + S_START] as number, bytes, start, length)
      )
        return (meta & ENTRY_MASK) - 1;
      slot = (slot + 1) & mask;
    }
    if (this.strings.length >= this.limits.entries || this.arenaUsed + length > this.limits.bytes)
      return NOT_INTERNED;
    const entry = this.add(bytes, start, length);
    const at = slot * SLOT;
    slots[at + S_META] = kind | (entry + 1);
    slots[at + S_HASH] = h;
    slots[at + S_START] = this.arenaUsed - length;
    slots[at + S_LENGTH] = length;
    this.growIfFull();
    return entry;
  }

  /** UTF-8 bytes to a string: short ASCII char by char (no native call), the rest by TextDecoder. */
  decode(bytes: Uint8Array, start: number, end: number): string {
    if (end - start <= SHORT_ASCII) {
      let s = '';
      for (let i = start; i < end; i++) {
        const b = bytes[i] as number;
        if (b >= 0x80) return this.decoder.decode(bytes.subarray(start, end));
        s += fromCharCode(b);
      }
      return s;
    }
    return this.decoder.decode(bytes.subarray(start, end));
  }

  private sameBytes(from: number, bytes: Uint8Array, start: number, length: number): boolean {
    const arena = this.arena;
    for (let i = 0; i < length; i++) if (arena[from + i] !== bytes[start + i]) return false;
    return true;
  }

  private add(bytes: Uint8Array, start: number, length: number): number {
    // Decoded first: invalid UTF-8 in fatal mode throws before anything changes.
    const decoded = this.decode(bytes, start, start + length);
    const entry = this.strings.length;
    if ((entry + 1) * ENTRY > this.entries.length) {
      const bigger = new Int32Array(this.entries.length * 2);
      bigger.set(this.entries);
      this.entries = bigger;
    }
    if (length > INLINE_BYTES) {
      if (this.arenaUsed + length > this.arena.length) {
        const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
        bigger.set(this.arena.subarray(0, this.arenaUsed));
        this.arena = bigger;
      }
      this.arena.set(bytes.subarray(start, start + length), this.arenaUsed);
      this.arenaUsed += length;
    }
    this.entries[entry * ENTRY + GENERATION] = 0;
    this.strings.push(decoded);
    return entry;
  }

  private growIfFull(): void {
    if (this.strings.length * MAX_LOAD_DENOMINATOR > this.capacity * MAX_LOAD_NUMERATOR) this.rehash();
  }

  private rehash(): void {
    const old = this.slots;
    this.capacity *= 2;
    const mask = this.capacity - 1;
    const slots = new Int32Array(this.capacity * SLOT);
    for (let from = 0; from < old.length; from += SLOT) {
      const meta = old[from + S_META] as number;
      if (meta === 0) continue;
      const length = meta >>> ENTRY_BITS;
      const h =
        length === LONG
          ? (old[from + S_HASH] as number)
          : inlineHash(
              old[from + S_W0] as number,
              old[from + S_W1] as number,
              old[from + S_W2] as number,
              length,
            );
      let slot = h & mask;
      while (slots[slot * SLOT + S_META] !== 0) slot = (slot + 1) & mask;
      // Word by word: a `set(subarray)` per slot allocated a view per entry.
      const to = slot * SLOT;
      for (let w = 0; w < SLOT; w++) slots[to + w] = old[from + w] as number;
    }
    this.slots = slots;
  }

  /** Allocates the empty table. */
  private reset(): void {
    this.capacity = 1024;
    this.slots = new Int32Array(this.capacity * SLOT);
    this.entries = new Int32Array(512 * ENTRY);
    this.strings = [];
    this.arena = new Uint8Array(16 * 1024);
    this.arenaUsed = 0;
  }
}
