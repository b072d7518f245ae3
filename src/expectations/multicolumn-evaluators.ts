/**
 * Expectations over several columns of each row, as GE's pandas engine evaluates them:
 *
 * - rows are first dropped per `ignore_row_if` (pandas `dropna(how='all' | 'any', subset=…)`);
 *   dropped rows count as missing, and `mostly` compares over the rows kept;
 * - `expect_column_pair_values_to_be_equal`: `A == B` element-wise, so a missing value on either
 *   side is unequal, numbers compare numerically (a boolean as 0 / 1), strings by content, and a
 *   number never equals a string;
 * - `expect_compound_columns_to_be_unique`: pandas `DataFrame.duplicated(keep=False)` on the
 *   columns, missing values equal to each other;
 * - `expect_select_column_values_to_be_unique_within_record` (and GE's older name
 *   `expect_multicolumn_values_to_be_unique`): a row passes when its values are pairwise distinct
 *   (pandas `nunique(dropna=False, axis=1) >= len(column_list)`): numbers and booleans compare
 *   numerically (`1 == 1.0 == True`), and missing values count as one value per pandas flavour —
 *   NaN for numeric and string columns, None for boolean and all-null ones — so two NaNs are
 *   equal, but a NaN and a None are not.
 */
import { numberBatchStats } from '../data/readers/batch-stats';
import type { ColumnBatch, ColumnSchema, DataBatch } from '../data/readers/types';
import type { IssueValue } from '../data/report';

import { describeColumnType, dictionaryOf, isMissing, jsonValueAt, stringAt } from './column-values';
import type { DictionaryStrings } from './column-values';
import { DuplicateTable, KeyCombiner, numberKey, stringKey } from './duplicate-table';
import type { Key64 } from './duplicate-table';
import { UnexpectedTally } from './evaluator';
import type { Evaluator } from './evaluator';
import { mapResult } from './map-evaluators';
import type { ExpectationOf, ExpectationResult } from './types';
import type { ColumnValueIndex, ValueIndexes } from './value-index';

/** One column of one batch, ready for row access. */
interface Cells {
  batch: ColumnBatch;
  dict: DictionaryStrings | undefined;
}

function cellsOf(batch: DataBatch, columns: readonly ColumnSchema[]): Cells[] | undefined {
  const out: Cells[] = [];
  for (const c of columns) {
    const b = batch.columns.get(c.name);
    if (b === undefined) return undefined;
    out.push({ batch: b, dict: b.kind === 'string' ? dictionaryOf(b) : undefined });
  }
  return out;
}

/** The reason these columns cannot be compared value by value, or undefined. */
export function unreadableColumns(columns: readonly ColumnSchema[], type: string): string | undefined {
  const bad = columns.filter((c) => c.kind === 'other');
  if (bad.length === 0) return undefined;
  return `${bad.map((c) => `column ${JSON.stringify(c.name)} is ${describeColumnType(c)}`).join('; ')}; ${type} cannot compare its values`;
}

/** Whether a row is dropped by `ignore_row_if`, given how many of its `n` values are missing. */
function ignored(rule: string, missing: number, n: number): boolean {
  switch (rule) {
    case 'both_values_are_missing':
    case 'all_values_are_missing':
      return missing === n;
    case 'either_value_is_missing':
    case 'any_value_is_missing':
      return missing > 0;
    default:
      return false;
  }
}

function rowObject(columns: readonly ColumnSchema[], cells: readonly Cells[], i: number): IssueValue {
  const out: { [key: string]: IssueValue } = {};
  columns.forEach((c, j) => {
    const cell = cells[j] as Cells;
    out[c.name] = jsonValueAt(cell.batch, i, cell.dict);
  });
  return out;
}

/** `expect_column_pair_values_to_be_equal`. */
export class PairEqualEvaluator implements Evaluator {
  private rows = 0;
  private missing = 0;
  private readonly tally = new UnexpectedTally();

  constructor(
    private readonly e: ExpectationOf<'expect_column_pair_values_to_be_equal'>,
    private readonly columns: readonly [ColumnSchema, ColumnSchema],
  ) {}

  add(batch: DataBatch): void {
    this.rows += batch.numRows;
    const cells = cellsOf(batch, this.columns);
    if (cells === undefined) return;
    const [a, b] = cells as [Cells, Cells];
    const rule = this.e.kwargs.ignore_row_if;
    for (let i = 0; i < batch.numRows; i++) {
      const ma = isMissing(a.batch, i);
      const mb = isMissing(b.batch, i);
      if (ignored(rule, (ma ? 1 : 0) + (mb ? 1 : 0), 2)) {
        this.missing++;
        continue;
      }
      if (ma || mb || !equalCells(a, b, i)) {
        this.tally.flag(batch.rowOffset + i, () => [
          jsonValueAt(a.batch, i, a.dict),
          jsonValueAt(b.batch, i, b.dict),
        ]);
      }
    }
  }

  finish(): ExpectationResult {
    const [a, b] = this.columns;
    const k = this.e.kwargs;
    return mapResult(this.e, this.rows, this.missing, this.tally, k.mostly, {
      column: a.name,
      columns: [a.name, b.name],
      phrase: 'equal',
      failPhrase: 'unequal',
      allRows: false,
      noun: 'rows',
      expected: { ignoreRowIf: k.ignore_row_if, mostly: k.mostly },
    });
  }
}

/** A non-missing cell as a number (numbers, booleans) or a string; undefined otherwise. */
function cellValue(c: Cells, i: number): number | string | undefined {
  const b = c.batch;
  switch (b.kind) {
    case 'number':
      return b.values[i];
    case 'boolean':
      return b.values[i];
    case 'string':
      return stringAt(b, i, c.dict);
    default:
      return undefined;
  }
}

function equalCells(a: Cells, b: Cells, i: number): boolean {
  const x = cellValue(a, i);
  const y = cellValue(b, i);
  return x !== undefined && x === y;
}

/** Key of a missing cell in a compound key (never the key of a number: NaN is never keyed). */
const MISSING_KEY: Key64 = { hi: 0x7ff80000, lo: 0x4d495353 };

/**
 * `expect_compound_columns_to_be_unique`. When another check of the same pass indexes one of the
 * columns (`useIndexes`), the combinations are not hashed at all: a row can only repeat a
 * combination if it repeats that column's value, so a column found free of repeats and of
 * missing values proves every combination unique. Otherwise `needsRescan` asks for a second
 * pass, in which the combinations are counted in full.
 */
export class CompoundUniqueEvaluator implements Evaluator {
  private rows = 0;
  private missing = 0;
  private tally = new UnexpectedTally();
  private readonly table = new DuplicateTable();
  private readonly combiner = new KeyCombiner();
  private readonly part: Key64 = { hi: 0, lo: 0 };
  private readonly key: Key64 = { hi: 0, lo: 0 };
  /** A member column's shared index, while the shortcut is in use. */
  private member: ColumnValueIndex | undefined;

  constructor(
    private readonly e: ExpectationOf<'expect_compound_columns_to_be_unique'>,
    private readonly columns: readonly ColumnSchema[],
  ) {}

  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  /** Takes the shortcut through the first member column a uniqueness check already indexes. */
  useIndexes(indexes: ValueIndexes): void {
    for (const c of this.columns) {
      const index = indexes.get(c.name);
      if (index?.wantsEvents === true) {
        this.member = index;
        return;
      }
    }
  }

  /** After the first pass: whether the shortcut failed and the rows must be read again. */
  needsRescan(): boolean {
    return this.member !== undefined && (this.member.repeats > 0 || this.member.missing > 0);
  }

  /** Starts over for the second pass, counting combinations in full. */
  startRescan(): void {
    this.member = undefined;
    this.rows = 0;
    this.missing = 0;
    this.tally = new UnexpectedTally();
  }

  add(batch: DataBatch): void {
    this.rows += batch.numRows;
    const cells = cellsOf(batch, this.columns);
    if (cells === undefined) return;
    if (this.member !== undefined) this.countIgnored(batch.numRows, cells);
    else this.countCombinations(batch, cells);
  }

  /** Shortcut mode: only the rows `ignore_row_if` drops are counted. */
  private countIgnored(numRows: number, cells: readonly Cells[]): void {
    const rule = this.e.kwargs.ignore_row_if;
    if (rule === 'never') return;
    // Every rule ignores only rows with a missing value: none in this batch, nothing to count.
    if (cells.every((c) => !mayHaveMissing(c.batch))) return;
    const n = cells.length;
    for (let i = 0; i < numRows; i++) {
      let missing = 0;
      for (let j = 0; j < n; j++) if (isMissing((cells[j] as Cells).batch, i)) missing++;
      if (ignored(rule, missing, n)) this.missing++;
    }
  }

  private countCombinations(batch: DataBatch, cells: readonly Cells[]): void {
    const n = cells.length;
    const rule = this.e.kwargs.ignore_row_if;
    for (let i = 0; i < batch.numRows; i++) {
      let missing = 0;
      this.combiner.reset();
      for (let j = 0; j < n; j++) {
        const c = cells[j] as Cells;
        if (isMissing(c.batch, i)) {
          missing++;
          this.combiner.push(MISSING_KEY);
          continue;
        }
        const v = cellValue(c, i);
        if (typeof v === 'string') stringKey(v, this.part);
        else numberKey(v ?? 0, this.part);
        this.combiner.push(this.part);
      }
      if (ignored(rule, missing, n)) {
        this.missing++;
        continue;
      }
      this.combiner.result(this.key);
      const row = batch.rowOffset + i;
      const count = this.table.add(this.key, row);
      if (count === 2) {
        const v = rowObject(this.columns, cells, i);
        this.tally.flag(this.table.lastFirstRow, v);
        this.tally.flag(row, v);
      } else if (count > 2) {
        this.tally.count++;
        this.tally.addRow(row);
      }
    }
  }

  finish(): ExpectationResult {
    const k = this.e.kwargs;
    return mapResult(this.e, this.rows, this.missing, this.tally, k.mostly, {
      column: this.columns[0]?.name ?? '',
      columns: k.column_list,
      phrase: 'unique as a combination',
      failPhrase: 'duplicated as a combination',
      allRows: false,
      noun: 'rows',
      expected: { ignoreRowIf: k.ignore_row_if, mostly: k.mostly },
    });
  }
}

/** Cell flavours for within-record comparison: a value, or pandas' NaN or None for a missing one. */
const NAN = 1;
const NONE = 2;

/** `expect_select_column_values_to_be_unique_within_record` and `expect_multicolumn_values_to_be_unique`. */
export class WithinRecordUniqueEvaluator implements Evaluator {
  private rows = 0;
  private missing = 0;
  private readonly tally = new UnexpectedTally();
  private readonly values: Array<number | string> = [];
  private readonly flavours: number[] = [];

  constructor(
    private readonly e: ExpectationOf<
      'expect_select_column_values_to_be_unique_within_record' | 'expect_multicolumn_values_to_be_unique'
    >,
    private readonly columns: readonly ColumnSchema[],
  ) {}

  add(batch: DataBatch): void {
    this.rows += batch.numRows;
    const cells = cellsOf(batch, this.columns);
    if (cells === undefined) return;
    const n = cells.length;
    const rule = this.e.kwargs.ignore_row_if;
    const { values, flavours } = this;
    for (let i = 0; i < batch.numRows; i++) {
      let missing = 0;
      for (let j = 0; j < n; j++) {
        const c = cells[j] as Cells;
        if (isMissing(c.batch, i)) {
          missing++;
          flavours[j] = c.batch.kind === 'number' || c.batch.kind === 'string' ? NAN : NONE;
          values[j] = 0;
        } else {
          flavours[j] = 0;
          values[j] = cellValue(c, i) ?? 0;
        }
      }
      if (ignored(rule, missing, n)) {
        this.missing++;
        continue;
      }
      let distinct = true;
      for (let j = 0; j < n && distinct; j++) {
        for (let k = j + 1; k < n; k++) {
          if (flavours[j] === flavours[k] && (flavours[j] !== 0 || values[j] === values[k])) {
            distinct = false;
            break;
          }
        }
      }
      if (!distinct) this.tally.flag(batch.rowOffset + i, () => rowObject(this.columns, cells, i));
    }
  }

  finish(): ExpectationResult {
    const k = this.e.kwargs;
    return mapResult(this.e, this.rows, this.missing, this.tally, k.mostly, {
      column: this.columns[0]?.name ?? '',
      columns: k.column_list,
      phrase: 'with distinct values',
      failPhrase: 'with a value repeated within the row',
      allRows: false,
      noun: 'rows',
      expected: { ignoreRowIf: k.ignore_row_if, mostly: k.mostly },
    });
  }
}

/** Whether a batch may hold a missing value (a null, or NaN in a numeric column). */
function mayHaveMissing(batch: ColumnBatch): boolean {
  if (batch.nullCount > 0) return true;
  return batch.kind === 'number' && numberBatchStats(batch).nan > 0;
}
