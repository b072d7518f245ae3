/**
 * The validation report: plain JSON (no NaN, no Infinity, no Map), so it travels as an activity
 * result and is written next to the release as `validation-<role>.json`.
 */

import type { ColumnKind } from './readers/types';

/** The checks the validator runs; a closed set, one per kind of issue. */
export const VALIDATION_CHECKS = [
  'row_count',
  'column_present',
  'unexpected_column',
  'type',
  'nulls',
  'non_finite',
  'range',
  'domain',
] as const;
/** See `VALIDATION_CHECKS`. */
export type ValidationCheck = (typeof VALIDATION_CHECKS)[number];

/** `error` fails the validation; `warning` is reported only. */
export const ISSUE_SEVERITIES = ['error', 'warning'] as const;
/** See `ISSUE_SEVERITIES`. */
export type IssueSeverity = (typeof ISSUE_SEVERITIES)[number];

/** A JSON value, as carried by `observed` / `expected`. */
export type IssueValue = string | number | boolean | null | IssueValue[] | { [key: string]: IssueValue };

/** Which rows an issue concerns: how many, and the first few 0-based row indexes in file order. */
export interface IssueRows {
  count: number;
  /** Up to `MAX_EXAMPLE_ROWS` 0-based row indexes, ascending. */
  first: number[];
}

/** How many row indexes (and example values) an issue carries. */
export const MAX_EXAMPLE_ROWS = 5;

/** One finding of the validator. */
export interface ValidationIssue {
  severity: IssueSeverity;
  check: ValidationCheck;
  /** The dataset, as its resolved real path. */
  file: string;
  column?: string;
  /** One line a human reads, e.g. `column tenure_months: 37 values outside [0, 120] (…)`. */
  message: string;
  observed?: IssueValue;
  expected?: IssueValue;
  rows?: IssueRows;
}

interface ColumnProfileBase {
  name: string;
  /** As the source names it: Arrow type or CSV inferred type. */
  sourceType: string;
  /** Rows seen (the file's row count). */
  count: number;
  nulls: number;
}

/** Profile of a numeric column. Statistics cover finite values only; null when there are none. */
export interface NumberColumnProfile extends ColumnProfileBase {
  kind: 'number';
  min: number | null;
  max: number | null;
  mean: number | null;
  /** NaN values (not counted as nulls). */
  nan: number;
  /** +Infinity and -Infinity values. */
  infinite: number;
}

/** Profile of a string column. */
export interface StringColumnProfile extends ColumnProfileBase {
  kind: 'string';
  /** Distinct non-null values, counted up to `DISTINCT_CAP`. */
  distinct: number;
  /** True when there are more distinct values than `DISTINCT_CAP`; `distinct` is then the cap. */
  distinctCapped: boolean;
}

/** Profile of a boolean column. */
export interface BooleanColumnProfile extends ColumnProfileBase {
  kind: 'boolean';
  trueCount: number;
  falseCount: number;
}

/** Profile of an all-null column or one of a type not read yet. */
export interface OpaqueColumnProfile extends ColumnProfileBase {
  kind: Extract<ColumnKind, 'null' | 'other'>;
}

/** Per-column profile; switch on `kind`. */
export type ColumnProfile =
  NumberColumnProfile | StringColumnProfile | BooleanColumnProfile | OpaqueColumnProfile;

/** Distinct values a string profile counts before it stops (memory bound). */
export const DISTINCT_CAP = 1000;

/** The outcome of validating one dataset. */
export interface ValidationReport {
  /** The dataset, as its resolved real path. */
  file: string;
  rows: number;
  /** One per column of the file, in file order. */
  columns: ColumnProfile[];
  /** Row count first, then column presence, then per column in file order. */
  issues: ValidationIssue[];
  /** No issue of severity `error`. */
  passed: boolean;
  /** Wall time of open + read + checks. */
  durationMs: number;
}
