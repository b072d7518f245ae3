import { MAX_EXAMPLE_ROWS } from './report';
import type { IssueRows } from './report';

/** Counts rows that match a condition and keeps the first few 0-based indexes, in bounded memory. */
export class RowSample {
  count = 0;
  readonly first: number[] = [];

  /** True once the first rows are all kept: a later row only adds to `count`. */
  get full(): boolean {
    return this.first.length >= MAX_EXAMPLE_ROWS;
  }

  /** Records one matching row; rows must arrive in ascending order. */
  add(row: number): void {
    this.count++;
    if (this.first.length < MAX_EXAMPLE_ROWS) this.first.push(row);
  }

  /** The JSON form carried by a validation issue. */
  toIssueRows(): IssueRows {
    return { count: this.count, first: [...this.first] };
  }
}
