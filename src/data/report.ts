/**
 * The validation report: plain JSON (no NaN, no Infinity, no Map), so it travels as an activity
 * result and is written next to the release as `validation-<role>.json`.
 */

import type { ExpectationResult } from '../expectations/types';
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
  'unique',
  'all_null',
  'high_cardinality',
  'expectation',
  'drift',
  'dataset_drift',
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
  /** As the source names it: Arrow / Parquet type or CSV inferred type. */
  sourceType: string;
  /** Rows seen (the file's row count). */
  count: number;
  nulls: number;
  /** Distinct non-null values: exact up to 65 536, a HyperLogLog estimate (±1%) beyond. */
  distinct: { count: number; exact: boolean };
}

/** One quantile of a numeric profile. */
export interface QuantileValue {
  q: number;
  value: number;
}

/** Counts per bin: `counts[i]` holds edges[i] <= v < edges[i+1] (the last bin is closed). */
export interface HistogramProfile {
  edges: number[];
  counts: number[];
}

/** Profile of a numeric column. Statistics cover finite values only; null when there are none. */
export interface NumberColumnProfile extends ColumnProfileBase {
  kind: 'number';
  /** NaN values (not counted as nulls). */
  nan: number;
  posInf: number;
  negInf: number;
  zeros: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (ddof = 1, as pandas); null below two values. */
  std: number | null;
  /** At PROFILE_QUANTILES; numpy's linear interpolation while exact, KLL estimates beyond. */
  quantiles: QuantileValue[];
  quantilesExact: boolean;
  /** Equal-width bins over [min, max]. */
  histogram: HistogramProfile | null;
}

/** Profile of a string column. */
export interface StringColumnProfile extends ColumnProfileBase {
  kind: 'string';
  /** The most frequent values, most frequent first (Space-Saving counts when not exact). */
  topValues: Array<{ value: string; count: number }>;
  topValuesExact: boolean;
  minLength: number | null;
  maxLength: number | null;
  meanLength: number | null;
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

/** Distinct values a categorical domain check lists before it stops (memory bound). */
export const DISTINCT_CAP = 1000;

/** Drift of one column against the reference. */
export interface ColumnDrift {
  column: string;
  kind: 'numeric' | 'categorical';
  /** The statistic that decides, its threshold and whether it says drift. */
  method: string;
  threshold: number;
  score: number;
  drifted: boolean;
  /** Every statistic computed for the column (the deciding one included), by method name. */
  statistics: Record<string, number>;
  /** True when a sketch was compacted: statistics carry the sketch's rank error (< 1%). */
  approximate: boolean;
  /** Reference and current shares on common bins or categories, for the report's charts. */
  bins: { labels: string[]; reference: number[]; current: number[] };
}

/** Drift of the dataset against the reference. */
export interface DriftReport {
  reference: string;
  referenceRows: number;
  columns: ColumnDrift[];
  /** Columns the spec leaves out, or that cannot be compared (absent, all-null, other types). */
  skipped: Array<{ column: string; reason: string }>;
  driftedColumns: number;
  judgedColumns: number;
  driftedShare: number;
  maxDriftedShare: number;
  datasetDrift: boolean;
}

/** The outcome of validating one dataset. */
export interface ValidationReport {
  /** The dataset, as its resolved real path. */
  file: string;
  rows: number;
  /** One per column of the file, in file order. */
  columns: ColumnProfile[];
  /** Row count first, then column presence, then per column in file order, then expectations and drift. */
  issues: ValidationIssue[];
  /** The expectations' results, in file order, when an expectations file was given. */
  expectations?: ExpectationResult[];
  /** Drift against the reference, when one was given. */
  drift?: DriftReport;
  /** The rule files used, with their SHA-256 (lineage). */
  inputs: { schemaFile?: string; expectationsFile?: string; sha256: Record<string, string> };
  /** No issue of severity `error`. */
  passed: boolean;
  /** Wall time of open + read + checks. */
  durationMs: number;
}
