/**
 * Occurrence counts and first rows of integer values, addressed directly by value in chunks of
 * 65,536 consecutive integers. Identifier columns (0..n−1, auto-increment keys, Unix seconds)
 * fill their chunks densely, so a lookup is an index into a typed array the previous row's
 * lookup already brought into cache, where a hash table pays a cache miss per row (on ten
 * million ids that was most of the time `expect_column_values_to_be_unique` took). 5 bytes per
 * slot; a table gives up (the caller moves to a `DuplicateTable`) as soon as holding a value
 * would leave its chunks less than 1/8 full, when a value is not a safe integer, or when a row
 * index passes 2^32 − 1, so it never takes more than ~40 bytes per distinct value.
 */
import type { DuplicateTable } from './duplicate-table';
import { numberKey } from './duplicate-table';
import type { Key64 } from './duplicate-table';

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
/** Chunks are allowed to be this sparse on average (1 value in 8 slots) before giving up. */
const MIN_FILL = 8;
/** The first few chunks are always allowed, so small scattered sets stay cheap. */
const FREE_CHUNKS = 4;
/** `add`'s answer when the value cannot be held: move to a hash table. */
export const NOT_DENSE = -1;

const floor = Math.floor;
const isSafeInteger = Number.isSafeInteger;

interface Chunk {
  /** Occurrences, saturating at 255 (callers tell only 1, 2 and more apart). */
  counts: Uint8Array;
  firstRows: Uint32Array;
}

export class DenseIntegerTable {
  private readonly chunks = new Map<number, Chunk>();
  private lastId = NaN;
  private last: Chunk | undefined;
  /** Distinct values stored. */
  size = 0;
  /** First row of the value of the last `add` that returned a count. */
  lastFirstRow = 0;

  /** Bytes held by the chunks. */
  get bytes(): number {
    return this.chunks.size * CHUNK * 5;
  }

  /**
   * Records one occurrence of `v` at `row`; returns the count so far (1 for a new value, at most
   * 256), or NOT_DENSE (nothing recorded) when the value or row does not fit: call `moveTo`.
   */
  add(v: number, row: number): number {
    let id: number;
    let off: number;
    if ((v | 0) === v) {
      id = v >> CHUNK_BITS;
      off = v & (CHUNK - 1);
    } else {
      if (!isSafeInteger(v)) return NOT_DENSE;
      id = floor(v / CHUNK);
      off = v - id * CHUNK;
    }
    if (row > 0xffffffff) return NOT_DENSE;
    let chunk = id === this.lastId ? this.last : this.chunks.get(id);
    if (chunk === undefined) {
      const n = this.chunks.size;
      if (n >= FREE_CHUNKS && (n + 1) * CHUNK > MIN_FILL * (this.size + 1)) return NOT_DENSE;
      chunk = { counts: new Uint8Array(CHUNK), firstRows: new Uint32Array(CHUNK) };
      this.chunks.set(id, chunk);
    }
    this.lastId = id;
    this.last = chunk;
    const c = chunk.counts[off] as number;
    if (c === 0) {
      chunk.counts[off] = 1;
      chunk.firstRows[off] = row;
      this.size++;
      this.lastFirstRow = row;
      return 1;
    }
    if (c < 255) chunk.counts[off] = c + 1;
    this.lastFirstRow = chunk.firstRows[off] as number;
    return c + 1;
  }

  /** Moves every value with its count and first row into a hash table, keyed as `numberKey` does. */
  moveTo(table: DuplicateTable): void {
    const key: Key64 = { hi: 0, lo: 0 };
    for (const [id, chunk] of this.chunks) {
      const { counts, firstRows } = chunk;
      for (let off = 0; off < CHUNK; off++) {
        const c = counts[off] as number;
        if (c === 0) continue;
        numberKey(id * CHUNK + off, key);
        table.insert(key, c, firstRows[off] as number);
      }
    }
    this.chunks.clear();
    this.last = undefined;
    this.lastId = NaN;
  }
}
