/**
 * One exact index of a column's values per pass, shared by every check that needs to know which
 * values repeat or how many distinct values there are: the schema's `unique` rule,
 * `expect_column_values_to_be_unique`, the distinct-count expectations, and (as a shortcut) the
 * compound-uniqueness expectations naming the column. Each keeping a table of its own would hold
 * every value several times (four tables of ten million ids on the benchmark's `id` column).
 *
 * Values are as pandas' `duplicated` / `nunique` see them: null and NaN are missing (left out),
 * `-0` equals `0`, numbers compare by value, strings by content (64-bit hash keys, see
 * duplicate-table.ts), booleans as 0 / 1. Integers go to a `DenseIntegerTable` while they fit it,
 * everything else to a `DuplicateTable`.
 */
import { BytesById } from '../data/readers/dictionary-ids';
import type { ColumnSchema, DataBatch } from '../data/readers/types';

import { dictionaryOf } from './column-values';
import { DenseIntegerTable, NOT_DENSE } from './dense-integer-table';
import { DuplicateTable, numberKey, stringKey } from './duplicate-table';
import type { Key64 } from './duplicate-table';

/**
 * The repeat occurrences found in the last batch, in row order: `index[j]` is the position in the
 * batch, `count[j]` the occurrences of that value so far including this one (2 for the first
 * repeat), `firstRow[j]` the file row of the value's first occurrence.
 */
export interface RepeatEvents {
  length: number;
  index: number[];
  count: number[];
  firstRow: number[];
}

export class ColumnValueIndex {
  /** Rows seen, missing ones included. */
  rows = 0;
  /** Null or NaN rows (and every row of a column whose values cannot be read). */
  missing = 0;
  /** Rows whose value occurred before (the 2nd, 3rd, … occurrences). */
  repeats = 0;
  /**
   * Whether a reader of `events` or `repeats` uses this index (a uniqueness check); without one,
   * only `distinct` is kept exact and repeats within a batch are not reported.
   */
  wantsEvents = false;
  /** Repeat occurrences of the last batch `add` was given. */
  readonly events: RepeatEvents = { length: 0, index: [], count: [], firstRow: [] };

  private dense: DenseIntegerTable | undefined;
  private hashed: DuplicateTable | undefined;
  private readonly key: Key64 = { hi: 0, lo: 0 };
  /** Values (by the reader's stable ids) already in the table: distinct-only mode. */
  private readonly seenIds = new BytesById();
  private dictKeys:
    | { dictionary: ReadonlyArray<string | null>; hi: Uint32Array; lo: Uint32Array; done: Uint8Array }
    | undefined;

  constructor(readonly column: ColumnSchema) {
    if (column.kind === 'number' || column.kind === 'boolean') this.dense = new DenseIntegerTable();
    else this.hashed = new DuplicateTable();
  }

  /** Distinct non-missing values. */
  get distinct(): number {
    return (this.dense?.size ?? 0) + (this.hashed?.size ?? 0);
  }

  /** Folds one batch; afterwards `events` lists its repeat occurrences. */
  add(batch: DataBatch): void {
    const events = this.events;
    events.length = 0;
    this.rows += batch.numRows;
    const b = batch.columns.get(this.column.name);
    if (b === undefined) return;
    const base = batch.rowOffset;
    switch (b.kind) {
      case 'number':
      case 'boolean': {
        const { values, nulls } = b;
        const n = b.length;
        for (let i = 0; i < n; i++) {
          const v = values[i] as number;
          if (nulls[i] === 1 || v !== v) {
            this.missing++;
            continue;
          }
          this.noteCount(this.addNumber(v, base + i), i);
        }
        break;
      }
      case 'string': {
        const table = this.hashTable();
        const key = this.key;
        const dict = dictionaryOf(b);
        if (dict !== undefined && !this.wantsEvents) {
          // Distinct counts only: each dictionary entry once per batch (a later row of the
          // same value could only raise its count, which nobody reads), and with the reader's
          // stable ids each value once per read.
          const ids = b.dictionaryIds;
          const seenIds = ids !== undefined ? this.seenIds.for(ids) : undefined;
          if (ids?.identity === true && seenIds !== undefined) {
            // Codes are the ids: one look per row at the by-id flags, nothing per entry.
            for (let i = 0; i < b.length; i++) {
              const id = dict.codes[i] as number;
              if (id < 0) {
                this.missing++;
                continue;
              }
              if (seenIds[id] === 1) continue;
              seenIds[id] = 1;
              stringKey(dict.dictionary[id] ?? '', key);
              table.add(key, base + i);
            }
            break;
          }
          const seen = new Uint8Array(dict.dictionary.length);
          for (let i = 0; i < b.length; i++) {
            if (b.nulls[i] === 1) {
              this.missing++;
              continue;
            }
            const code = dict.codes[i] as number;
            if (seen[code] === 1) continue;
            seen[code] = 1;
            const id = ids !== undefined ? (ids.ids[code] as number) : -1;
            if (id >= 0) {
              if ((seenIds as Uint8Array)[id] === 1) continue;
              (seenIds as Uint8Array)[id] = 1;
            }
            stringKey(dict.dictionary[code] ?? '', key);
            table.add(key, base + i);
          }
        } else if (dict !== undefined) {
          const keys = this.keysFor(dict.dictionary);
          for (let i = 0; i < b.length; i++) {
            if (b.nulls[i] === 1) {
              this.missing++;
              continue;
            }
            const code = dict.codes[i] as number;
            if (keys.done[code] === 0) {
              stringKey(dict.dictionary[code] ?? '', key);
              keys.hi[code] = key.hi;
              keys.lo[code] = key.lo;
              keys.done[code] = 1;
            }
            key.hi = keys.hi[code] as number;
            key.lo = keys.lo[code] as number;
            this.noteCount(table.add(key, base + i), i);
          }
        } else {
          for (let i = 0; i < b.length; i++) {
            const s = b.values[i];
            if (b.nulls[i] === 1 || s === null || s === undefined) {
              this.missing++;
              continue;
            }
            stringKey(s, key);
            this.noteCount(table.add(key, base + i), i);
          }
        }
        break;
      }
      default:
        this.missing += b.length;
    }
  }

  /** First row of the value of the last repeat noted (valid right after `add` for events). */
  private lastFirstRow(): number {
    return this.dense !== undefined ? this.dense.lastFirstRow : (this.hashed as DuplicateTable).lastFirstRow;
  }

  private noteCount(count: number, i: number): void {
    if (count < 2) return;
    this.repeats++;
    const e = this.events;
    e.index[e.length] = i;
    e.count[e.length] = count;
    e.firstRow[e.length] = this.lastFirstRow();
    e.length++;
  }

  private addNumber(v: number, row: number): number {
    const dense = this.dense;
    if (dense !== undefined) {
      const count = dense.add(v, row);
      if (count !== NOT_DENSE) return count;
      // Not an integer, or too sparse: move everything to a hash table for good.
      const table = new DuplicateTable(dense.size * 2);
      dense.moveTo(table);
      this.dense = undefined;
      this.hashed = table;
    }
    numberKey(v, this.key);
    return (this.hashed as DuplicateTable).add(this.key, row);
  }

  private hashTable(): DuplicateTable {
    if (this.hashed === undefined) this.hashed = new DuplicateTable();
    return this.hashed;
  }

  /** 64-bit keys of a dictionary's entries, each hashed when first used. */
  private keysFor(dictionary: ReadonlyArray<string | null>): NonNullable<ColumnValueIndex['dictKeys']> {
    if (this.dictKeys?.dictionary !== dictionary) {
      const n = dictionary.length;
      this.dictKeys = { dictionary, hi: new Uint32Array(n), lo: new Uint32Array(n), done: new Uint8Array(n) };
    }
    return this.dictKeys;
  }
}

/** The shared indexes of one pass, one per column asked for. */
export class ValueIndexes {
  private readonly byColumn = new Map<string, ColumnValueIndex>();

  /** The index of a column, made on first request. */
  for(column: ColumnSchema): ColumnValueIndex {
    let index = this.byColumn.get(column.name);
    if (index === undefined) {
      index = new ColumnValueIndex(column);
      this.byColumn.set(column.name, index);
    }
    return index;
  }

  /** The index of a column whose repeats are read (`events`, `repeats`). */
  forRepeats(column: ColumnSchema): ColumnValueIndex {
    const index = this.for(column);
    index.wantsEvents = true;
    return index;
  }

  /** The index of a column if one was asked for. */
  get(name: string): ColumnValueIndex | undefined {
    return this.byColumn.get(name);
  }

  /** Feeds a batch to every index (before the evaluators read their events). */
  add(batch: DataBatch): void {
    for (const index of this.byColumn.values()) index.add(batch);
  }
}
