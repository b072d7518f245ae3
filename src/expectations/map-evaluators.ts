/**
 * Column map expectations: a yes/no question per row, `mostly` over the rows considered.
 *
 * As GE's pandas engine: missing values (null or NaN) are skipped, and `mostly` compares
 * `(considered − unexpected) / considered` with considered = element_count − missing_count; with
 * nothing considered the expectation passes (vacuously). The null checks consider every row.
 */
import type {
  BooleanColumnBatch,
  ColumnSchema,
  DataBatch,
  NumberColumnBatch,
  StringColumnBatch,
} from '../data/readers/types';
import { numberBatchStats } from '../data/readers/batch-stats';
import { BytesById } from '../data/readers/dictionary-ids';
import type { IssueValue } from '../data/report';

import { codePointLength, describeColumnType, dictionaryOf, jsonNumber, jsonValueAt } from './column-values';
import type { DictionaryStrings } from './column-values';
import { UnexpectedTally } from './evaluator';
import type { Evaluator } from './evaluator';
import { compilePythonRegex } from './python-regex';
import { numberStyleOf, pythonBoolStr, pythonNumberStr } from './python-str';
import {
  expectedBounds,
  fmt,
  interval,
  outside,
  pct,
  resultBase,
  setText,
  withinBounds,
} from './result-format';
import type { ColumnAggregateSource, Expectation, ExpectationOf, ExpectationResult } from './types';
import type { ColumnValueIndex } from './value-index';

/** Dictionaries up to this size are tested whole, so a batch none of whose entries fails is skipped. */
const SMALL_DICTIONARY = 256;

/** Per-kind tests of a non-missing value; true when the value is as expected. */
export interface ValueTests {
  /**
   * The number test is an interval (`between`): a value passes when it lies between two that
   * pass, so a batch whose min and max pass passes whole.
   */
  interval?: boolean;
  number?: (v: number) => boolean;
  string?: (s: string) => boolean;
  boolean?: (b: boolean) => boolean;
}

/** How a map result is worded: the predicate (e.g. `in [0, 120]`) and the considered rows. */
interface MapWording {
  column: string;
  /** What an expected value is, e.g. `in [0, 120]`, `not null`. */
  phrase: string;
  /** What an unexpected one is, e.g. `outside [0, 120]`, `null`. */
  failPhrase: string;
  /** Considered rows are all rows (null checks) or the non-missing ones. */
  allRows: boolean;
  /** What the considered items are called; default `non-missing values` (`rows` with `allRows`). */
  noun?: string;
  expected: IssueValue;
}

/** Builds the result of a column map expectation from its tally (GE `_format_map_output`). */
export function mapResult(
  e: Expectation,
  rows: number,
  missing: number,
  tally: UnexpectedTally,
  mostly: number,
  w: MapWording & { columns?: string[] },
): ExpectationResult {
  const considered = w.allRows ? rows : rows - missing;
  const u = tally.count;
  const success = rows === 0 || considered === 0 ? true : (considered - u) / considered >= mostly;
  const fraction = considered > 0 ? u / considered : null;
  const noun = w.noun ?? (w.allRows ? 'rows' : 'non-missing values');
  const subject = w.columns
    ? `columns ${w.columns.map((c) => JSON.stringify(c)).join(', ')}`
    : `column ${JSON.stringify(w.column)}`;
  let message: string;
  if (considered === 0) {
    message = `${subject}: no ${noun} to check for "${w.phrase}" (passes)`;
  } else if (u === 0) {
    message = `${subject}: all ${considered} ${noun} ${w.phrase}`;
  } else {
    const verdict = success
      ? `within mostly ${fmt(mostly)}`
      : mostly === 1
        ? 'expected none'
        : `mostly ${fmt(mostly)} allows at most ${pct(1 - mostly)}`;
    message = `${subject}: ${u} of ${considered} ${noun} (${pct(u / considered)}) ${w.failPhrase}; ${verdict}`;
  }
  return {
    ...resultBase(e),
    success,
    ...(w.columns ? { columns: w.columns } : { column: w.column }),
    observed: fraction,
    expected: w.expected,
    elementCount: rows,
    ...(w.allRows ? {} : { missingCount: missing }),
    unexpectedCount: u,
    unexpectedPercent: considered > 0 ? (u / considered) * 100 : null,
    partialUnexpected: tally.values(),
    rows: { count: u, first: [...tally.rows] },
    message,
  };
}

/**
 * A row-wise predicate over one column (between, in set, regex, lengths, …): missing rows are
 * skipped, each other row is tested by the test of the column's kind.
 */
export class PredicateEvaluator implements Evaluator {
  private rows = 0;
  private missing = 0;
  private readonly tally = new UnexpectedTally();
  /** Per-dictionary verdict cache for dictionary-encoded strings: 0 unknown, 1 pass, 2 fail. */
  private dictCache: { dictionary: ReadonlyArray<string | null>; verdicts: Uint8Array } | undefined;
  /** Verdicts by the reader's stable value ids, across batches. */
  private readonly verdictsById = new BytesById();

  constructor(
    private readonly e: Expectation,
    private readonly column: ColumnSchema,
    private readonly tests: ValueTests,
    private readonly mostly: number,
    private readonly wording: MapWording,
  ) {}

  add(batch: DataBatch): void {
    const b = batch.columns.get(this.column.name);
    const n = batch.numRows;
    this.rows += n;
    if (b === undefined) return;
    const base = batch.rowOffset;
    switch (b.kind) {
      case 'number':
        this.addNumbers(b, base);
        break;
      case 'string':
        this.addStrings(b, base);
        break;
      case 'boolean':
        this.addBooleans(b, base);
        break;
      default:
        // An all-null column: every row is missing (`other` columns never get here).
        this.missing += b.length;
    }
  }

  private addNumbers(b: NumberColumnBatch, base: number): void {
    const test = this.tests.number as (v: number) => boolean;
    if (this.tests.interval === true) {
      // A range test passes every value of a batch whose finite min and max pass it.
      const stats = numberBatchStats(b);
      if (
        stats.nan === 0 &&
        stats.infinite === 0 &&
        (stats.min > stats.max || (test(stats.min) && test(stats.max)))
      ) {
        this.missing += b.nullCount;
        return;
      }
    }
    const { nulls, values } = b;
    for (let i = 0; i < b.length; i++) {
      const v = values[i] as number;
      if (nulls[i] === 1 || v !== v) {
        this.missing++;
        continue;
      }
      if (!test(v)) this.tally.flag(base + i, jsonNumber(v));
    }
  }

  private addBooleans(b: BooleanColumnBatch, base: number): void {
    const test = this.tests.boolean as (v: boolean) => boolean;
    const pass0 = test(false);
    const pass1 = test(true);
    const { nulls, values } = b;
    for (let i = 0; i < b.length; i++) {
      if (nulls[i] === 1) {
        this.missing++;
        continue;
      }
      const v = values[i] === 1;
      if (!(v ? pass1 : pass0)) this.tally.flag(base + i, v);
    }
  }

  private addStrings(b: StringColumnBatch, base: number): void {
    const test = this.tests.string as (s: string) => boolean;
    const { nulls } = b;
    const dict = dictionaryOf(b);
    if (dict !== undefined && b.dictionaryIds?.identity === true) {
      // Codes are the ids: verdicts by id only, nothing per dictionary entry.
      const byId = this.verdictsById.for(b.dictionaryIds);
      for (let i = 0; i < b.length; i++) {
        const id = dict.codes[i] as number;
        if (id < 0) {
          this.missing++;
          continue;
        }
        let v = byId[id] as number;
        if (v === 0) byId[id] = v = test(dict.dictionary[id] ?? '') ? 1 : 2;
        if (v === 2) this.tally.flag(base + i, dict.dictionary[id] ?? '');
      }
      return;
    }
    if (dict !== undefined) {
      const verdicts = this.verdictsFor(dict);
      if (dict.dictionary.length <= SMALL_DICTIONARY && this.allPass(dict.dictionary, verdicts, test)) {
        // No entry of a small dictionary fails: only the batch's nulls are left to count.
        this.missing += b.nullCount;
        return;
      }
      // With stable ids (the reader's interner), a value is tested once per read, not per batch.
      const ids = b.dictionaryIds;
      const byId = ids !== undefined ? this.verdictsById.for(ids) : undefined;
      for (let i = 0; i < b.length; i++) {
        if (nulls[i] === 1) {
          this.missing++;
          continue;
        }
        const code = dict.codes[i] as number;
        let v = verdicts[code] as number;
        if (v === 0) {
          const id = ids !== undefined ? (ids.ids[code] as number) : -1;
          v = id >= 0 ? ((byId as Uint8Array)[id] as number) : 0;
          if (v === 0) v = test(dict.dictionary[code] ?? '') ? 1 : 2;
          if (id >= 0) (byId as Uint8Array)[id] = v;
          verdicts[code] = v;
        }
        if (v === 2) this.tally.flag(base + i, dict.dictionary[code] ?? '');
      }
      return;
    }
    const { values } = b;
    for (let i = 0; i < b.length; i++) {
      const s = values[i];
      if (nulls[i] === 1 || s === null || s === undefined) {
        this.missing++;
        continue;
      }
      if (!test(s)) this.tally.flag(base + i, s);
    }
  }

  /** Tests every entry of a (small) dictionary, caching verdicts; true when none fails. */
  private allPass(
    dictionary: ReadonlyArray<string | null>,
    verdicts: Uint8Array,
    test: (s: string) => boolean,
  ): boolean {
    let pass = true;
    for (let c = 0; c < dictionary.length; c++) {
      if (verdicts[c] === 0) verdicts[c] = test(dictionary[c] ?? '') ? 1 : 2;
      if (verdicts[c] === 2) pass = false;
    }
    return pass;
  }

  private verdictsFor(dict: DictionaryStrings): Uint8Array {
    if (this.dictCache?.dictionary !== dict.dictionary) {
      this.dictCache = { dictionary: dict.dictionary, verdicts: new Uint8Array(dict.dictionary.length) };
    }
    return this.dictCache.verdicts;
  }

  finish(): ExpectationResult {
    return mapResult(this.e, this.rows, this.missing, this.tally, this.mostly, this.wording);
  }
}

/** `expect_column_values_to_not_be_null` / `_to_be_null`: every row is considered. */
export class NullEvaluator implements Evaluator {
  private rows = 0;
  private readonly tally = new UnexpectedTally();

  constructor(
    private readonly e: ExpectationOf<
      'expect_column_values_to_not_be_null' | 'expect_column_values_to_be_null'
    >,
    private readonly column: ColumnSchema,
  ) {}

  add(batch: DataBatch): void {
    const b = batch.columns.get(this.column.name);
    this.rows += batch.numRows;
    if (b === undefined) return;
    const wantNull = this.e.type === 'expect_column_values_to_be_null';
    const base = batch.rowOffset;
    const { nulls } = b;
    const n = b.length;
    if (b.kind === 'number') {
      // "Not null" on a batch without nulls or NaN has nothing to flag; once the tally can take
      // no new row or example from it, only the count of its missing values is left to add.
      const nan = numberBatchStats(b).nan;
      if (!wantNull && b.nullCount === 0 && nan === 0) return;
      if (!wantNull && this.settled()) {
        this.tally.count += b.nullCount + nan;
        return;
      }
      const { values } = b;
      for (let i = 0; i < n; i++) {
        const v = values[i] as number;
        const missing = nulls[i] === 1 || v !== v;
        if (missing !== wantNull) this.tally.flag(base + i, () => jsonValueAt(b, i));
      }
      return;
    }
    // Only nulls are missing here: a batch without any needs no row-by-row look when the
    // expectation is "not null", and once the tally is full only their count is left to add.
    if (b.nullCount === 0 && !wantNull) return;
    if (!wantNull && this.settled()) {
      this.tally.count += b.nullCount;
      return;
    }
    const dict = b.kind === 'string' ? dictionaryOf(b) : undefined;
    for (let i = 0; i < n; i++) {
      if ((nulls[i] === 1) !== wantNull) this.tally.flag(base + i, () => jsonValueAt(b, i, dict));
    }
  }

  /**
   * "Not null": whether flagging a batch's missing rows one by one would change nothing but the
   * count, as the row list is full and null (the example of a null or NaN row) is an example.
   */
  private settled(): boolean {
    return this.tally.rowsFull && this.tally.hasExample(null);
  }

  finish(): ExpectationResult {
    const wantNull = this.e.type === 'expect_column_values_to_be_null';
    return mapResult(this.e, this.rows, 0, this.tally, this.e.kwargs.mostly, {
      column: this.column.name,
      phrase: wantNull ? 'null' : 'not null',
      failPhrase: wantNull ? 'not null' : 'null',
      allRows: true,
      expected: { mostly: this.e.kwargs.mostly },
    });
  }
}

/**
 * `expect_column_values_to_be_unique`: every row whose value occurs more than once is unexpected
 * (pandas `duplicated(keep=False)`), read from the column's shared `ColumnValueIndex`.
 */
export class UniqueEvaluator implements Evaluator {
  private readonly tally = new UnexpectedTally();

  /** @param index the column's shared value index, fed each batch before this evaluator */
  constructor(
    private readonly e: ExpectationOf<'expect_column_values_to_be_unique'>,
    private readonly column: ColumnSchema,
    private readonly index: ColumnValueIndex,
  ) {}

  add(batch: DataBatch): void {
    const events = this.index.events;
    if (events.length === 0) return;
    const b = batch.columns.get(this.column.name);
    if (b === undefined) return;
    const base = batch.rowOffset;
    for (let j = 0; j < events.length; j++) {
      const i = events.index[j] as number;
      if (events.count[j] === 2) {
        // The value's second occurrence: its first row is unexpected too.
        const value = jsonValueAt(b, i);
        this.tally.flag(events.firstRow[j] as number, value);
        this.tally.flag(base + i, value);
      } else {
        this.tally.count++;
        this.tally.addRow(base + i);
      }
    }
  }

  finish(_agg: ColumnAggregateSource): ExpectationResult {
    return mapResult(this.e, this.index.rows, this.index.missing, this.tally, this.e.kwargs.mostly, {
      column: this.column.name,
      phrase: 'unique',
      failPhrase: 'duplicated',
      allRows: false,
      expected: { mostly: this.e.kwargs.mostly },
    });
  }
}

/** Map expectations that test each value on its own. */
export type PredicateExpectation = ExpectationOf<
  | 'expect_column_values_to_be_between'
  | 'expect_column_values_to_be_in_set'
  | 'expect_column_values_to_not_be_in_set'
  | 'expect_column_values_to_match_regex'
  | 'expect_column_values_to_not_match_regex'
  | 'expect_column_value_lengths_to_be_between'
>;

/** The tests and wording of a predicate expectation, or a reason it cannot read this column. */
export function predicateFor(
  e: PredicateExpectation,
  column: ColumnSchema,
): { tests: ValueTests; wording: MapWording } | { unsupported: string } {
  const style = numberStyleOf(column);
  const strNumber = (v: number) => pythonNumberStr(v, style);
  const base = { column: column.name, allRows: false };
  const mostly = e.kwargs.mostly;
  let tests: ValueTests;
  let wording: MapWording;
  switch (e.type) {
    case 'expect_column_values_to_be_between': {
      const k = e.kwargs;
      tests = {
        interval: true,
        number: (v) => withinBounds(v, k),
        boolean: (v) => withinBounds(v ? 1 : 0, k),
      };
      const twoSided = k.min_value !== null && k.max_value !== null;
      wording = {
        ...base,
        phrase: twoSided ? `in ${interval(k)}` : interval(k),
        failPhrase: outside(k),
        expected: expectedBounds(k, { mostly }),
      };
      break;
    }
    case 'expect_column_values_to_be_in_set':
    case 'expect_column_values_to_not_be_in_set': {
      const set = e.kwargs.value_set;
      const numbers = new Set<number>();
      const strings = new Set<string>();
      for (const v of set) {
        if (typeof v === 'string') strings.add(v);
        else numbers.add(typeof v === 'boolean' ? (v ? 1 : 0) : v);
      }
      const want = e.type === 'expect_column_values_to_be_in_set';
      tests = {
        number: (v) => numbers.has(v) === want,
        boolean: (v) => numbers.has(v ? 1 : 0) === want,
        string: (s) => strings.has(s) === want,
      };
      const inSet = `in ${setText(set)}`;
      wording = {
        ...base,
        phrase: want ? inSet : `not ${inSet}`,
        failPhrase: want ? `not ${inSet}` : inSet,
        expected: { valueSet: set, mostly },
      };
      break;
    }
    case 'expect_column_values_to_match_regex':
    case 'expect_column_values_to_not_match_regex': {
      const re = compilePythonRegex(e.kwargs.regex);
      const want = e.type === 'expect_column_values_to_match_regex';
      tests = {
        number: (v) => re.test(strNumber(v)) === want,
        boolean: (v) => re.test(pythonBoolStr(v)) === want,
        string: (s) => re.test(s) === want,
      };
      const matching = `matching /${e.kwargs.regex}/`;
      wording = {
        ...base,
        phrase: want ? matching : `not ${matching}`,
        failPhrase: want ? `not ${matching}` : matching,
        expected: { regex: e.kwargs.regex, mostly },
      };
      break;
    }
    case 'expect_column_value_lengths_to_be_between': {
      const k = e.kwargs;
      tests = {
        number: (v) => withinBounds(strNumber(v).length, k),
        boolean: (v) => withinBounds(v ? 4 : 5, k),
        string: (s) => withinBounds(codePointLength(s), k),
      };
      const twoSided = k.min_value !== null && k.max_value !== null;
      wording = {
        ...base,
        phrase: `of length ${twoSided ? 'in ' : ''}${interval(k)}`,
        failPhrase: `of length ${outside(k)}`,
        expected: expectedBounds(k, { mostly }),
      };
      break;
    }
  }
  const readable = column.kind === 'null' || (column.kind !== 'other' && tests[column.kind] !== undefined);
  if (!readable) {
    return {
      unsupported: `column ${JSON.stringify(column.name)} is ${describeColumnType(column)}; ${e.type} cannot check its values`,
    };
  }
  return { tests, wording };
}
