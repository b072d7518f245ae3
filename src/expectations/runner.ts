/**
 * Evaluates a set of expectations in ONE streaming pass over a dataset: feed every batch in file
 * order to `add`, then call `finish` with the column aggregates (computed elsewhere from the
 * column profile of the same pass). Memory is bounded by the batch size, except for the
 * uniqueness checks, which keep ~32 bytes per distinct value (duplicate-table.ts).
 *
 * Semantics are those of Great Expectations' pandas execution engine (GE 1.x on pandas 3), with
 * the data seen as `pyarrow.Table.to_pandas()` would present it:
 * - null and NaN are both missing (pandas `isnull`); map expectations skip them and compare
 *   `mostly` with the passing fraction of the non-missing values; with no non-missing value they
 *   pass; the null checks count every row;
 * - `unique` marks every row whose value occurs more than once (`duplicated(keep=False)`);
 * - `in_set` compares numbers numerically (`1 == 1.0`, and `True == 1`), never a number with a
 *   string;
 * - regex is Python `re.search` (translated, see python-regex.ts) on `str(value)`, so numbers are
 *   matched in their Python spelling (`1.0`); value lengths count code points of that spelling;
 * - a column an expectation names but the dataset lacks fails that expectation with a message
 *   (GE reports an exception); so does a column of a type the check cannot read.
 *
 * Documented differences from GE on pandas:
 * - an integer column with nulls is still written as an integer (`1`, not pandas' float `1.0`)
 *   by the regex and length checks;
 * - `expect_column_to_exist` with `column_index: 0` checks position 0 (GE skips a zero index);
 * - type names match the storage type as well as pandas' widened dtype (type-names.ts);
 * - mean, stdev, quantiles come from the `ColumnAggregateSource`: mean over finite values only
 *   (pandas would give ±inf or NaN with infinities), quantiles exact only when the source is.
 */
import type { ColumnSchema, DataBatch, DatasetSchema } from '../data/readers/types';

import {
  aggregateUnsupported,
  ColumnAggregateEvaluator,
  ColumnTypeEvaluator,
  QuantileEvaluator,
  TableEvaluator,
} from './aggregate-evaluators';
import { FixedResultEvaluator } from './evaluator';
import type { Evaluator } from './evaluator';
import { NullEvaluator, PredicateEvaluator, UniqueEvaluator, predicateFor } from './map-evaluators';
import {
  CompoundUniqueEvaluator,
  PairEqualEvaluator,
  WithinRecordUniqueEvaluator,
  unreadableColumns,
} from './multicolumn-evaluators';
import { resultBase } from './result-format';
import type { ColumnAggregateSource, Expectation, ExpectationResult } from './types';
import { ValueIndexes } from './value-index';

/** Streams batches through a set of expectations; one instance per dataset pass. */
export class ExpectationRunner {
  private readonly evaluators: Evaluator[];
  /** Exact value indexes shared by the uniqueness and distinct-count checks. */
  readonly indexes = new ValueIndexes();
  private readonly compound: CompoundUniqueEvaluator[];
  private finished = false;
  private nextRow = 0;
  /** Evaluators reading a second pass (see `rescanColumns`), once it was asked for. */
  private rescanning: CompoundUniqueEvaluator[] | undefined;
  private rescanRow = 0;

  /**
   * @param expectations validated expectations (see `compileExpectation` / `parseExpectationsFile`)
   * @param schema the dataset's schema, known before the first batch
   */
  constructor(
    readonly expectations: readonly Expectation[],
    readonly schema: DatasetSchema,
  ) {
    const columns = new Map(schema.columns.map((c) => [c.name, c] as const));
    this.evaluators = expectations.map((e) => evaluatorFor(e, columns, schema, this.indexes));
    this.compound = this.evaluators.filter((ev) => ev instanceof CompoundUniqueEvaluator);
    for (const ev of this.compound) ev.useIndexes(this.indexes);
  }

  /**
   * Feeds one batch; batches must arrive in file order, each starting where the last ended.
   * @throws Error after `finish`, or for a batch out of order
   */
  add(batch: DataBatch): void {
    if (this.finished) throw new Error('ExpectationRunner.add called after finish');
    if (batch.rowOffset !== this.nextRow) {
      throw new Error(`batch out of order: starts at row ${batch.rowOffset}, expected row ${this.nextRow}`);
    }
    this.nextRow += batch.numRows;
    this.indexes.add(batch);
    for (const ev of this.evaluators) ev.add(batch);
  }

  /**
   * After the last batch: the columns to read a second time, from the first row, through
   * `rescan` (only when a compound-uniqueness shortcut did not settle its check), or undefined.
   */
  rescanColumns(): string[] | undefined {
    if (this.rescanning === undefined) {
      this.rescanning = this.compound.filter((ev) => ev.needsRescan());
      for (const ev of this.rescanning) ev.startRescan();
    }
    if (this.rescanning.length === 0) return undefined;
    const names = new Set<string>();
    for (const ev of this.rescanning) for (const c of ev.columnNames) names.add(c);
    return [...names];
  }

  /** Feeds one batch of the second pass (in file order, from row 0). */
  rescan(batch: DataBatch): void {
    if (this.rescanning === undefined || this.finished) throw new Error('ExpectationRunner.rescan not expected now');
    if (batch.rowOffset !== this.rescanRow) {
      throw new Error(`rescan batch out of order: starts at row ${batch.rowOffset}, expected row ${this.rescanRow}`);
    }
    this.rescanRow += batch.numRows;
    for (const ev of this.rescanning) ev.add(batch);
  }

  /**
   * The results, one per expectation, in the order given.
   * @param aggregates column statistics of the same rows (read only by aggregate expectations)
   */
  finish(aggregates: ColumnAggregateSource): ExpectationResult[] {
    const pending = this.rescanColumns();
    if (pending !== undefined && this.rescanRow !== this.nextRow) {
      throw new Error(`ExpectationRunner.finish: columns ${pending.join(', ')} must be read again first (rescan)`);
    }
    this.finished = true;
    return this.evaluators.map((ev) => ev.finish(aggregates));
  }
}

function fixed(e: Expectation, message: string, target: { column?: string; columns?: string[] }): Evaluator {
  return new FixedResultEvaluator({
    ...resultBase(e),
    success: false,
    ...target,
    observed: null,
    expected: null,
    message,
  });
}

function missingMessage(names: readonly string[], schema: DatasetSchema): string {
  const list = names.map((n) => JSON.stringify(n)).join(', ');
  const have = schema.columns.map((c) => c.name).join(', ');
  return `${names.length === 1 ? 'column' : 'columns'} ${list} ${names.length === 1 ? 'is' : 'are'} not in the dataset (columns: ${have})`;
}

function evaluatorFor(
  e: Expectation,
  columns: ReadonlyMap<string, ColumnSchema>,
  schema: DatasetSchema,
  indexes: ValueIndexes,
): Evaluator {
  const lookup = (names: readonly string[]): ColumnSchema[] | string => {
    const missing = names.filter((n) => !columns.has(n));
    if (missing.length > 0) return missingMessage(missing, schema);
    return names.map((n) => columns.get(n) as ColumnSchema);
  };
  switch (e.type) {
    case 'expect_column_to_exist':
    case 'expect_table_row_count_to_be_between':
    case 'expect_table_row_count_to_equal':
    case 'expect_table_columns_to_match_ordered_list':
    case 'expect_table_columns_to_match_set':
      return new TableEvaluator(e, schema);

    case 'expect_column_pair_values_to_be_equal': {
      const names = [e.kwargs.column_A, e.kwargs.column_B];
      const cols = lookup(names);
      if (typeof cols === 'string') return fixed(e, cols, { columns: names });
      const bad = unreadableColumns(cols, e.type);
      if (bad !== undefined) return fixed(e, bad, { columns: names });
      return new PairEqualEvaluator(e, [cols[0] as ColumnSchema, cols[1] as ColumnSchema]);
    }
    case 'expect_compound_columns_to_be_unique':
    case 'expect_select_column_values_to_be_unique_within_record':
    case 'expect_multicolumn_values_to_be_unique': {
      const names = e.kwargs.column_list;
      const cols = lookup(names);
      if (typeof cols === 'string') return fixed(e, cols, { columns: names });
      const bad = unreadableColumns(cols, e.type);
      if (bad !== undefined) return fixed(e, bad, { columns: names });
      return e.type === 'expect_compound_columns_to_be_unique'
        ? new CompoundUniqueEvaluator(e, cols)
        : new WithinRecordUniqueEvaluator(e, cols);
    }
    default:
      break;
  }

  // Single-column expectations.
  const name = e.kwargs.column;
  const column = columns.get(name);
  if (column === undefined) return fixed(e, missingMessage([name], schema), { column: name });
  switch (e.type) {
    case 'expect_column_values_to_not_be_null':
    case 'expect_column_values_to_be_null':
      return new NullEvaluator(e, column);
    case 'expect_column_values_to_be_unique':
      if (column.kind === 'other') {
        return fixed(
          e,
          `column ${JSON.stringify(name)} is ${column.sourceType}; ${e.type} cannot read its values`,
          { column: name },
        );
      }
      return new UniqueEvaluator(e, column, indexes.forRepeats(column));
    case 'expect_column_values_to_be_between':
    case 'expect_column_values_to_be_in_set':
    case 'expect_column_values_to_not_be_in_set':
    case 'expect_column_values_to_match_regex':
    case 'expect_column_values_to_not_match_regex':
    case 'expect_column_value_lengths_to_be_between': {
      const p = predicateFor(e, column);
      if ('unsupported' in p) return fixed(e, p.unsupported, { column: name });
      return new PredicateEvaluator(e, column, p.tests, e.kwargs.mostly, p.wording);
    }
    case 'expect_column_values_to_be_of_type':
    case 'expect_column_values_to_be_in_type_list':
      return new ColumnTypeEvaluator(e, column);
    case 'expect_column_quantile_values_to_be_between': {
      const bad = aggregateUnsupported(e.type, column);
      if (bad !== undefined) return fixed(e, bad, { column: name });
      return new QuantileEvaluator(e, column);
    }
    case 'expect_column_mean_to_be_between':
    case 'expect_column_median_to_be_between':
    case 'expect_column_stdev_to_be_between':
    case 'expect_column_min_to_be_between':
    case 'expect_column_max_to_be_between':
    case 'expect_column_proportion_of_unique_values_to_be_between':
    case 'expect_column_proportion_of_non_null_values_to_be_between':
    case 'expect_column_unique_value_count_to_be_between': {
      const bad = aggregateUnsupported(e.type, column);
      if (bad !== undefined) return fixed(e, bad, { column: name });
      return new ColumnAggregateEvaluator(
        e,
        column,
        ColumnAggregateEvaluator.needsIndex(e.type) ? indexes.for(column) : undefined,
      );
    }
  }
}
