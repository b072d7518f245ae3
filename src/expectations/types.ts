/**
 * The expectation model: data-quality checks equal in meaning to the Great Expectations (GE) ones
 * teams use most, keyed by GE's own snake_case names, with GE's kwargs (defaults filled). An
 * expectation is plain JSON; `compileExpectations` (schema.ts) builds it from a GE suite or our
 * own list form, and `ExpectationRunner` (runner.ts) evaluates a set of them in one streaming pass.
 *
 * Semantics are those of GE's pandas execution engine (GE 1.x), see runner.ts for the details
 * and the few documented differences.
 */
import type { IssueRows, IssueValue } from '../data/report';

/** Expectations evaluated row by row: they take `mostly` and report unexpected rows. */
export const COLUMN_MAP_EXPECTATION_TYPES = [
  'expect_column_values_to_not_be_null',
  'expect_column_values_to_be_null',
  'expect_column_values_to_be_between',
  'expect_column_values_to_be_in_set',
  'expect_column_values_to_not_be_in_set',
  'expect_column_values_to_be_unique',
  'expect_column_values_to_match_regex',
  'expect_column_values_to_not_match_regex',
  'expect_column_value_lengths_to_be_between',
] as const;

/** Expectations on a statistic of one column, compared with `[min_value, max_value]`. */
export const COLUMN_AGGREGATE_EXPECTATION_TYPES = [
  'expect_column_mean_to_be_between',
  'expect_column_median_to_be_between',
  'expect_column_stdev_to_be_between',
  'expect_column_min_to_be_between',
  'expect_column_max_to_be_between',
  'expect_column_proportion_of_unique_values_to_be_between',
  'expect_column_proportion_of_non_null_values_to_be_between',
  'expect_column_unique_value_count_to_be_between',
] as const;

/** Expectations over several columns of each row. */
export const MULTICOLUMN_EXPECTATION_TYPES = [
  'expect_column_pair_values_to_be_equal',
  'expect_compound_columns_to_be_unique',
  'expect_select_column_values_to_be_unique_within_record',
  'expect_multicolumn_values_to_be_unique',
] as const;

/** Every supported expectation type, by GE's name; a closed set. */
export const EXPECTATION_TYPES = [
  'expect_column_to_exist',
  ...COLUMN_MAP_EXPECTATION_TYPES,
  'expect_column_values_to_be_of_type',
  'expect_column_values_to_be_in_type_list',
  ...COLUMN_AGGREGATE_EXPECTATION_TYPES,
  'expect_column_quantile_values_to_be_between',
  'expect_table_row_count_to_be_between',
  'expect_table_row_count_to_equal',
  'expect_table_columns_to_match_ordered_list',
  'expect_table_columns_to_match_set',
  ...MULTICOLUMN_EXPECTATION_TYPES,
] as const;
/** See `EXPECTATION_TYPES`. */
export type ExpectationType = (typeof EXPECTATION_TYPES)[number];
/** See `COLUMN_AGGREGATE_EXPECTATION_TYPES`. */
export type ColumnAggregateExpectationType = (typeof COLUMN_AGGREGATE_EXPECTATION_TYPES)[number];

/**
 * `error`: a failure fails the run; `warning`: reported only. GE 1.x's `critical` reads as
 * `error`, its `warning` and `info` as `warning`.
 */
export const EXPECTATION_SEVERITIES = ['error', 'warning'] as const;
/** See `EXPECTATION_SEVERITIES`. */
export type ExpectationSeverity = (typeof EXPECTATION_SEVERITIES)[number];

/** Which rows a two-column expectation skips (GE's `ignore_row_if` for column pairs). */
export const PAIR_IGNORE_ROW_IF = ['both_values_are_missing', 'either_value_is_missing', 'neither'] as const;
/** See `PAIR_IGNORE_ROW_IF`. Default `both_values_are_missing`. */
export type PairIgnoreRowIf = (typeof PAIR_IGNORE_ROW_IF)[number];

/** Which rows a multicolumn expectation skips (GE's `ignore_row_if` for column lists). */
export const MULTICOLUMN_IGNORE_ROW_IF = ['all_values_are_missing', 'any_value_is_missing', 'never'] as const;
/** See `MULTICOLUMN_IGNORE_ROW_IF`. Default `all_values_are_missing`. */
export type MulticolumnIgnoreRowIf = (typeof MULTICOLUMN_IGNORE_ROW_IF)[number];

/**
 * How a quantile is read between two order statistics (numpy / pandas `interpolation`). GE's
 * pandas engine uses `nearest` unless `allow_relative_error` names another method.
 */
export const QUANTILE_INTERPOLATIONS = ['linear', 'lower', 'higher', 'midpoint', 'nearest'] as const;
/** See `QUANTILE_INTERPOLATIONS`. */
export type QuantileInterpolation = (typeof QUANTILE_INTERPOLATIONS)[number];

/** A value of `value_set`. */
export type SetValue = string | number | boolean;

/** Open or closed numeric bounds; `null` is open. */
export interface BetweenKwargs {
  min_value: number | null;
  max_value: number | null;
  /** `value > min_value` instead of `>=`. Default false. */
  strict_min: boolean;
  /** `value < max_value` instead of `<=`. Default false. */
  strict_max: boolean;
}

/** Fraction (0..1) of considered rows that must pass; default 1. */
export interface MostlyKwargs {
  mostly: number;
}

/** The column an expectation is about. */
export interface ColumnKwargs {
  column: string;
}

/** Quantiles and, per quantile, its `[min, max]` (null: open). */
export interface QuantileRanges {
  quantiles: number[];
  value_ranges: Array<[number | null, number | null]>;
}

/** The kwargs of each expectation type, as GE names them, defaults filled. */
export interface ExpectationKwargsByType {
  expect_column_to_exist: ColumnKwargs & {
    /** 0-based position the column must have; null: anywhere. */
    column_index: number | null;
  };
  expect_column_values_to_not_be_null: ColumnKwargs & MostlyKwargs;
  expect_column_values_to_be_null: ColumnKwargs & MostlyKwargs;
  expect_column_values_to_be_between: ColumnKwargs & BetweenKwargs & MostlyKwargs;
  expect_column_values_to_be_in_set: ColumnKwargs & MostlyKwargs & { value_set: SetValue[] };
  expect_column_values_to_not_be_in_set: ColumnKwargs & MostlyKwargs & { value_set: SetValue[] };
  expect_column_values_to_be_unique: ColumnKwargs & MostlyKwargs;
  /** `regex` in Python `re` syntax, as GE takes it; see python-regex.ts. */
  expect_column_values_to_match_regex: ColumnKwargs & MostlyKwargs & { regex: string };
  expect_column_values_to_not_match_regex: ColumnKwargs & MostlyKwargs & { regex: string };
  expect_column_value_lengths_to_be_between: ColumnKwargs & BetweenKwargs & MostlyKwargs;
  /** `type_`: a GE type name, see type-names.ts. `mostly` is accepted and has no effect. */
  expect_column_values_to_be_of_type: ColumnKwargs & MostlyKwargs & { type_: string };
  expect_column_values_to_be_in_type_list: ColumnKwargs & MostlyKwargs & { type_list: string[] };
  expect_column_mean_to_be_between: ColumnKwargs & BetweenKwargs;
  expect_column_median_to_be_between: ColumnKwargs & BetweenKwargs;
  expect_column_stdev_to_be_between: ColumnKwargs & BetweenKwargs;
  expect_column_min_to_be_between: ColumnKwargs & BetweenKwargs;
  expect_column_max_to_be_between: ColumnKwargs & BetweenKwargs;
  expect_column_proportion_of_unique_values_to_be_between: ColumnKwargs & BetweenKwargs;
  expect_column_proportion_of_non_null_values_to_be_between: ColumnKwargs & BetweenKwargs;
  expect_column_unique_value_count_to_be_between: ColumnKwargs & BetweenKwargs;
  expect_column_quantile_values_to_be_between: ColumnKwargs & {
    quantile_ranges: QuantileRanges;
    /**
     * GE's kwarg: a method name, or false / true → `nearest` (GE's pandas engine raises on true;
     * its SQL engines read it as "approximate allowed", which exact quantiles satisfy). Default false.
     */
    allow_relative_error: boolean | QuantileInterpolation;
  };
  expect_table_row_count_to_be_between: BetweenKwargs;
  expect_table_row_count_to_equal: { value: number };
  expect_table_columns_to_match_ordered_list: { column_list: string[] };
  expect_table_columns_to_match_set: {
    column_set: string[];
    /** False: extra columns are allowed, only missing ones fail. Default true. */
    exact_match: boolean;
  };
  expect_column_pair_values_to_be_equal: MostlyKwargs & {
    column_A: string;
    column_B: string;
    ignore_row_if: PairIgnoreRowIf;
  };
  expect_compound_columns_to_be_unique: MostlyKwargs & {
    column_list: string[];
    ignore_row_if: MulticolumnIgnoreRowIf;
  };
  expect_select_column_values_to_be_unique_within_record: MostlyKwargs & {
    column_list: string[];
    ignore_row_if: MulticolumnIgnoreRowIf;
  };
  /** GE's older name of `expect_select_column_values_to_be_unique_within_record`. */
  expect_multicolumn_values_to_be_unique: MostlyKwargs & {
    column_list: string[];
    ignore_row_if: MulticolumnIgnoreRowIf;
  };
}

/** One expectation of a given type (see `ExpectationOf` for unions of types). */
export interface ExpectationDef<T extends ExpectationType> {
  type: T;
  kwargs: ExpectationKwargsByType[T];
  /** Default `error`. */
  severity: ExpectationSeverity;
  /** Free-form, carried to nothing but the caller (GE's `meta`). */
  meta?: { [key: string]: IssueValue };
}

/** An expectation of type T; distributes over a union of types, so `type` narrows `kwargs`. */
export type ExpectationOf<T extends ExpectationType> = T extends ExpectationType ? ExpectationDef<T> : never;

/** An expectation; switch on `type`. */
export type Expectation = ExpectationOf<ExpectationType>;

/** A parsed expectation file: GE suite (0.x or 1.x JSON) or our own list form. */
export interface ExpectationSuite {
  /** The suite's name (GE `expectation_suite_name` / `name`), when it has one. */
  name?: string;
  /** The file it came from, for messages. */
  source: string;
  format: 'ge-0' | 'ge-1' | 'mlcd';
  expectations: Expectation[];
  /** Skipped expectations (option `unsupported: 'skip'`) and other non-fatal notes. */
  warnings: string[];
}

/**
 * Column statistics the runner reads at the end of the pass, computed elsewhere from the column
 * profile. "Missing" is null or NaN, as pandas `isnull`.
 */
export interface ColumnAggregateSource {
  /** Table row count. */
  rows: number;
  /** Values that are neither null nor NaN. */
  nonMissing(column: string): number;
  /** Mean over finite values; null when there are none. */
  mean(column: string): number | null;
  /** Sample standard deviation, ddof=1 (pandas `.std()`); null below two values. */
  stdev(column: string): number | null;
  /** numpy 'linear' quantile of the non-missing values when exact; q in [0, 1]. */
  quantile(column: string, q: number): number | null;
  min(column: string): number | null;
  max(column: string): number | null;
  /** Distinct non-missing values; `exact` false when estimated by a sketch. */
  distinct(column: string): { count: number; exact: boolean };
}

/** The outcome of one expectation; plain JSON, GE-like. */
export interface ExpectationResult {
  /** GE name, e.g. `expect_column_values_to_be_between`. */
  type: ExpectationType;
  kwargs: Record<string, IssueValue>;
  severity: ExpectationSeverity;
  success: boolean;
  column?: string;
  columns?: string[];
  /** GE's `observed_value` for aggregates; the unexpected fraction (0..1) for map ones. */
  observed: IssueValue;
  /** What passing needs, e.g. `{min: 0, max: 120, mostly: 0.99}`. */
  expected: IssueValue;
  /** Rows considered (the table row count). */
  elementCount?: number;
  /** Rows skipped as missing (null or NaN; for multicolumn ones, per `ignore_row_if`). */
  missingCount?: number;
  unexpectedCount?: number;
  /** GE's `unexpected_percent`: unexpected / (element − missing) × 100; null when nothing was considered. */
  unexpectedPercent?: number | null;
  /** Up to `MAX_EXAMPLE_ROWS` distinct unexpected values, in order of first unexpected row. */
  partialUnexpected?: IssueValue[];
  /** The unexpected rows: how many, and the first few 0-based indexes. */
  rows?: IssueRows;
  /** One line naming the column, the check, observed vs expected. */
  message: string;
}
