/**
 * The seam between the runner and the per-expectation logic: each expectation becomes one
 * evaluator, fed every batch in order, then asked for its result once.
 */
import type { DataBatch } from '../data/readers/types';
import type { IssueValue } from '../data/report';
import { MAX_EXAMPLE_ROWS } from '../data/report';

import type { ColumnAggregateSource, ExpectationResult } from './types';

/** One expectation's streaming state. */
export interface Evaluator {
  add(batch: DataBatch): void;
  finish(aggregates: ColumnAggregateSource): ExpectationResult;
}

/**
 * An expectation that cannot be evaluated on this dataset (a missing column, a column whose
 * type the check cannot read): it fails with a fixed message, as GE reports an exception.
 */
export class FixedResultEvaluator implements Evaluator {
  constructor(private readonly result: ExpectationResult) {}

  add(): void {}

  finish(): ExpectationResult {
    return this.result;
  }
}

/**
 * The unexpected rows of a map expectation: how many, the smallest `MAX_EXAMPLE_ROWS` row
 * indexes, and up to `MAX_EXAMPLE_ROWS` distinct values in order of their first unexpected row.
 * Rows may arrive out of order (a duplicate's first occurrence is found late); memory is bounded.
 */
export class UnexpectedTally {
  count = 0;
  /** Ascending. */
  readonly rows: number[] = [];
  private readonly examples: Array<{ row: number; key: string; value: IssueValue }> = [];

  /**
   * True once the row list holds `MAX_EXAMPLE_ROWS` rows: rows arrive in ascending order, so a
   * later unexpected row can no longer enter it (only `count`, and a value not yet an example).
   */
  get rowsFull(): boolean {
    return this.rows.length === MAX_EXAMPLE_ROWS;
  }

  /** Whether `value` is one of the examples (then a later row of it changes nothing but `count`). */
  hasExample(value: IssueValue): boolean {
    const key = JSON.stringify(value);
    return this.examples.some((e) => e.key === key);
  }

  /** Counts one unexpected row and offers its value as an example. */
  flag(row: number, value: IssueValue | (() => IssueValue)): void {
    this.count++;
    this.addRow(row);
    this.offerExample(row, value);
  }

  /** Adds a row index to the smallest-rows list (without counting it). */
  addRow(row: number): void {
    const rows = this.rows;
    if (rows.length === MAX_EXAMPLE_ROWS && row >= (rows[rows.length - 1] as number)) return;
    let at = rows.length;
    while (at > 0 && (rows[at - 1] as number) > row) at--;
    rows.splice(at, 0, row);
    if (rows.length > MAX_EXAMPLE_ROWS) rows.pop();
  }

  /** Offers a value first seen as unexpected at `row`; kept when among the first distinct ones. */
  offerExample(row: number, value: IssueValue | (() => IssueValue)): void {
    const ex = this.examples;
    if (ex.length === MAX_EXAMPLE_ROWS && row >= (ex[ex.length - 1] as { row: number }).row) return;
    const v = typeof value === 'function' ? value() : value;
    const key = JSON.stringify(v);
    const existing = ex.findIndex((e) => e.key === key);
    if (existing >= 0) {
      if ((ex[existing] as { row: number }).row <= row) return;
      ex.splice(existing, 1);
    }
    let at = ex.length;
    while (at > 0 && (ex[at - 1] as { row: number }).row > row) at--;
    ex.splice(at, 0, { row, key, value: v });
    if (ex.length > MAX_EXAMPLE_ROWS) ex.pop();
  }

  /** The example values, in order of first unexpected row. */
  values(): IssueValue[] {
    return this.examples.map((e) => e.value);
  }
}
