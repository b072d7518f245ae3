/**
 * Expectations on a statistic of a column or of the table, evaluated at the end of the pass from
 * the `ColumnAggregateSource` and the schema, as GE's pandas engine does:
 *
 * - `[min_value, max_value]` with `strict_min` / `strict_max`; a null bound is open; an undefined
 *   statistic (no values, a single value for stdev) fails with observed null;
 * - proportion of unique values = distinct / non-missing, 0 when nothing is non-missing;
 * - quantiles are read with GE's pandas interpolation: `nearest` unless `allow_relative_error`
 *   names another method (GE's pandas engine raises on `true`; here it reads as `nearest`, the
 *   exact answer being within any allowed error); a quantile passes when within its range or within
 *   `np.isclose(rtol=1e-4)` of a bound, as GE's `_quantile_is_in_range`;
 * - column types compare the storage type and pandas' view of it (type-names.ts).
 */
import type { ColumnSchema, DataBatch, DatasetSchema } from '../data/readers/types';
import type { IssueValue } from '../data/report';

import { describeColumnType } from './column-values';
import type { Evaluator } from './evaluator';
import { expectedBounds, fmt, interval, resultBase, withinBounds } from './result-format';
import { resolveGeTypeName, storageDtype, pandasDtype } from './type-names';
import type { TypeNameMatcher } from './type-names';
import type {
  ColumnAggregateExpectationType,
  ColumnAggregateSource,
  ExpectationOf,
  ExpectationResult,
  QuantileInterpolation,
} from './types';
import type { ColumnValueIndex } from './value-index';

/** What each aggregate is called in messages. */
const STATISTIC: Record<ColumnAggregateExpectationType, string> = {
  expect_column_mean_to_be_between: 'mean',
  expect_column_median_to_be_between: 'median',
  expect_column_stdev_to_be_between: 'standard deviation',
  expect_column_min_to_be_between: 'minimum',
  expect_column_max_to_be_between: 'maximum',
  expect_column_proportion_of_unique_values_to_be_between: 'proportion of unique values',
  expect_column_proportion_of_non_null_values_to_be_between: 'proportion of non-null values',
  expect_column_unique_value_count_to_be_between: 'unique value count',
};

/** Aggregates read from the numeric profile only. */
const NUMERIC_ONLY = new Set<ColumnAggregateExpectationType>([
  'expect_column_mean_to_be_between',
  'expect_column_median_to_be_between',
  'expect_column_stdev_to_be_between',
  'expect_column_min_to_be_between',
  'expect_column_max_to_be_between',
]);

/** Why an aggregate expectation cannot be evaluated on this column, or undefined. */
export function aggregateUnsupported(
  type: ColumnAggregateExpectationType | 'expect_column_quantile_values_to_be_between',
  column: ColumnSchema,
): string | undefined {
  const numeric = type === 'expect_column_quantile_values_to_be_between' || NUMERIC_ONLY.has(type);
  if (numeric && column.kind !== 'number' && column.kind !== 'null') {
    return `column ${JSON.stringify(column.name)} is ${describeColumnType(column)}; ${type} needs a numeric column`;
  }
  if (column.kind === 'other') {
    return `column ${JSON.stringify(column.name)} is ${describeColumnType(column)}; ${type} cannot read its values`;
  }
  return undefined;
}

const DISTINCT_TYPES: ReadonlySet<string> = new Set([
  'expect_column_unique_value_count_to_be_between',
  'expect_column_proportion_of_unique_values_to_be_between',
]);

/** `expect_column_{mean,median,stdev,min,max,…}_to_be_between`. */
export class ColumnAggregateEvaluator implements Evaluator {
  /**
   * @param index the column's shared value index (`ValueIndexes`): the distinct-count
   *   expectations count exactly (pandas `nunique`), as the profile's HyperLogLog estimate is off
   *   by ~1%, enough to fail `proportion_of_unique_values >= 0.999` on an id column
   */
  constructor(
    private readonly e: ExpectationOf<ColumnAggregateExpectationType>,
    private readonly column: ColumnSchema,
    private readonly index?: ColumnValueIndex,
  ) {}

  /** Whether this expectation reads a column's value index. */
  static needsIndex(type: ColumnAggregateExpectationType): boolean {
    return DISTINCT_TYPES.has(type);
  }

  add(): void {}

  finish(agg: ColumnAggregateSource): ExpectationResult {
    const name = this.column.name;
    const numeric = this.column.kind === 'number';
    let observed: number | null;
    switch (this.e.type) {
      case 'expect_column_mean_to_be_between':
        observed = numeric ? agg.mean(name) : null;
        break;
      case 'expect_column_median_to_be_between':
        observed = numeric ? agg.quantile(name, 0.5) : null;
        break;
      case 'expect_column_stdev_to_be_between':
        observed = numeric ? agg.stdev(name) : null;
        break;
      case 'expect_column_min_to_be_between':
        observed = numeric ? agg.min(name) : null;
        break;
      case 'expect_column_max_to_be_between':
        observed = numeric ? agg.max(name) : null;
        break;
      case 'expect_column_unique_value_count_to_be_between':
        observed = this.index?.distinct ?? 0;
        break;
      case 'expect_column_proportion_of_non_null_values_to_be_between':
        // GE: non-null (pandas: NaN is null too) values over all rows; 0 rows gives no value.
        observed = agg.rows > 0 ? (this.column.kind === 'null' ? 0 : agg.nonMissing(name)) / agg.rows : null;
        break;
      case 'expect_column_proportion_of_unique_values_to_be_between': {
        const nonMissing = this.column.kind === 'null' ? 0 : agg.nonMissing(name);
        observed = nonMissing > 0 ? (this.index?.distinct ?? 0) / nonMissing : 0;
        break;
      }
    }
    if (observed !== null && Number.isNaN(observed)) observed = null;
    const k = this.e.kwargs;
    const success = observed !== null && withinBounds(observed, k);
    const stat = STATISTIC[this.e.type];
    const message =
      observed === null
        ? `column ${JSON.stringify(name)}: no ${stat} (no values to compute it from), expected ${interval(k)}`
        : `column ${JSON.stringify(name)}: ${stat} is ${fmt(observed)}, expected ${interval(k)}`;
    return {
      ...resultBase(this.e),
      success,
      column: name,
      observed: observed === null ? null : jsonNumberOrString(observed),
      expected: expectedBounds(k),
      message,
    };
  }
}

function jsonNumberOrString(v: number): IssueValue {
  return Number.isFinite(v) ? v : String(v);
}

/** The next float64 above `x` (x finite, >= 0). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0] = (u[0] as bigint) + 1n;
  return f[0] as number;
}

/**
 * The k-th smallest (0-based) of n values through a linear-quantile source: the q with
 * `q * (n - 1) >= k` exactly, so a numpy-style linear interpolation lands on the order statistic.
 */
function orderStatistic(agg: ColumnAggregateSource, column: string, k: number, n: number): number | null {
  if (n <= 1) return agg.quantile(column, 0);
  if (k >= n - 1) return agg.quantile(column, 1);
  let q = k / (n - 1);
  while (q * (n - 1) < k) q = nextUp(q);
  return agg.quantile(column, q);
}

/** Rounds half to even (numpy `around`). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A quantile with numpy's interpolation `method`, through the source's linear quantile. */
function quantileWith(
  agg: ColumnAggregateSource,
  column: string,
  q: number,
  method: QuantileInterpolation,
): number | null {
  if (method === 'linear') return agg.quantile(column, q);
  const n = agg.nonMissing(column);
  if (n === 0) return null;
  const pos = (n - 1) * q;
  switch (method) {
    case 'lower':
      return orderStatistic(agg, column, Math.floor(pos), n);
    case 'higher':
      return orderStatistic(agg, column, Math.ceil(pos), n);
    case 'nearest':
      return orderStatistic(agg, column, roundHalfEven(pos), n);
    case 'midpoint': {
      const lo = Math.floor(pos);
      const a = orderStatistic(agg, column, lo, n);
      if (pos === lo || a === null) return a;
      const b = orderStatistic(agg, column, lo + 1, n);
      // numpy's _lerp at t = 0.5: b - (b - a) * 0.5
      return b === null ? null : b - (b - a) * 0.5;
    }
  }
}

/** numpy `isclose(a, b, rtol, atol=1e-8)`. */
function isClose(a: number, b: number, rtol: number): boolean {
  if (!Number.isFinite(b) || !Number.isFinite(a)) return a === b;
  return Math.abs(a - b) <= 1e-8 + rtol * Math.abs(b);
}

/** `expect_column_quantile_values_to_be_between`. */
export class QuantileEvaluator implements Evaluator {
  constructor(
    private readonly e: ExpectationOf<'expect_column_quantile_values_to_be_between'>,
    private readonly column: ColumnSchema,
  ) {}

  add(): void {}

  finish(agg: ColumnAggregateSource): ExpectationResult {
    const k = this.e.kwargs;
    const are = k.allow_relative_error;
    // GE's pandas engine raises on `true`; its SQL engines read it as "approximate is fine",
    // which exact order statistics satisfy, so `true` reads as GE's pandas default.
    const method: QuantileInterpolation = typeof are === 'boolean' ? 'nearest' : are;
    const name = this.column.name;
    const { quantiles, value_ranges: ranges } = k.quantile_ranges;
    const values = quantiles.map((q) => {
      if (this.column.kind !== 'number') return null;
      const v = quantileWith(agg, name, q, method);
      return v === null || Number.isNaN(v) ? null : v;
    });
    const failing: string[] = [];
    const details = values.map((v, i) => {
      const [lo, hi] = ranges[i] ?? [null, null];
      const low = lo ?? -Infinity;
      const high = hi ?? Infinity;
      const ok = v !== null && (isClose(v, low, 1e-4) || isClose(v, high, 1e-4) || (low <= v && v <= high));
      if (!ok) {
        const range = interval({ min_value: lo, max_value: hi, strict_min: false, strict_max: false });
        failing.push(
          v === null
            ? `no q${fmt(quantiles[i] ?? 0)} (no values to compute it from)`
            : `q${fmt(quantiles[i] ?? 0)} = ${fmt(v)}, expected ${range}`,
        );
      }
      return ok;
    });
    const success = details.every((d) => d);
    const message = success
      ? `column ${JSON.stringify(name)}: all ${quantiles.length} quantiles (${method}) within their ranges`
      : `column ${JSON.stringify(name)}: ${failing.join('; ')} (quantiles by ${method} interpolation)`;
    return {
      ...resultBase(this.e),
      success,
      column: name,
      observed: { quantiles, values: values.map((v) => (v === null ? null : jsonNumberOrString(v))) },
      expected: { quantiles, valueRanges: ranges, interpolation: method },
      message,
    };
  }
}

/** `expect_column_values_to_be_of_type` / `expect_column_values_to_be_in_type_list`. */
export class ColumnTypeEvaluator implements Evaluator {
  private missing = 0;
  private readonly matchers: TypeNameMatcher[];

  constructor(
    private readonly e: ExpectationOf<
      'expect_column_values_to_be_of_type' | 'expect_column_values_to_be_in_type_list'
    >,
    private readonly column: ColumnSchema,
  ) {
    const names = e.type === 'expect_column_values_to_be_of_type' ? [e.kwargs.type_] : e.kwargs.type_list;
    // Names were checked by the schema; an unknown one matches nothing.
    this.matchers = names.map((n) => resolveGeTypeName(n) ?? { name: n, matches: () => false });
  }

  add(batch: DataBatch): void {
    const b = batch.columns.get(this.column.name);
    if (b === undefined) return;
    // Only whether there is any null matters (pandas widens the dtype then); NaN never widens.
    if (this.missing === 0) this.missing += b.nullCount;
  }

  finish(): ExpectationResult {
    const view = { column: this.column, hasMissing: this.missing > 0 };
    const success = this.matchers.some((m) => m.matches(view));
    const storage = storageDtype(this.column);
    const pandas = pandasDtype(view);
    const names = this.matchers.map((m) => m.name);
    const observedText = `${storage}${pandas !== storage ? ` (${pandas} in pandas)` : ''}, from ${this.column.sourceType}`;
    return {
      ...resultBase(this.e),
      success,
      column: this.column.name,
      observed: storage,
      expected:
        this.e.type === 'expect_column_values_to_be_of_type' ? { type: names[0] ?? '' } : { types: names },
      message: `column ${JSON.stringify(this.column.name)}: type is ${observedText}, expected ${names.length === 1 ? (names[0] ?? '') : `one of ${names.join(', ')}`}`,
    };
  }
}

/** Table-level and schema-level expectations. */
export type TableExpectation = ExpectationOf<
  | 'expect_column_to_exist'
  | 'expect_table_row_count_to_be_between'
  | 'expect_table_row_count_to_equal'
  | 'expect_table_columns_to_match_ordered_list'
  | 'expect_table_columns_to_match_set'
>;

/** Row count and column-list expectations. */
export class TableEvaluator implements Evaluator {
  private rows = 0;

  constructor(
    private readonly e: TableExpectation,
    private readonly schema: DatasetSchema,
  ) {}

  add(batch: DataBatch): void {
    this.rows += batch.numRows;
  }

  finish(): ExpectationResult {
    const e = this.e;
    const names = this.schema.columns.map((c) => c.name);
    const base = resultBase(e);
    switch (e.type) {
      case 'expect_column_to_exist': {
        const { column, column_index: index } = e.kwargs;
        const at = names.indexOf(column);
        const success = index === null ? at >= 0 : names[index] === column;
        const where = index === null ? '' : ` at position ${index}`;
        return {
          ...base,
          success,
          column,
          observed: at >= 0 ? at : null,
          expected: index === null ? { column } : { column, index },
          message: success
            ? `column ${JSON.stringify(column)} exists${where}`
            : at < 0
              ? `column ${JSON.stringify(column)} is not in the dataset (columns: ${names.join(', ')})`
              : `column ${JSON.stringify(column)} is at position ${at}, expected ${index ?? ''}`,
        };
      }
      case 'expect_table_row_count_to_be_between': {
        const k = e.kwargs;
        const success = withinBounds(this.rows, k);
        return {
          ...base,
          success,
          observed: this.rows,
          expected: expectedBounds(k),
          message: `table has ${this.rows} rows, expected ${interval(k)}`,
        };
      }
      case 'expect_table_row_count_to_equal': {
        const success = this.rows === e.kwargs.value;
        return {
          ...base,
          success,
          observed: this.rows,
          expected: { value: e.kwargs.value },
          message: `table has ${this.rows} rows, expected ${e.kwargs.value}`,
        };
      }
      case 'expect_table_columns_to_match_ordered_list': {
        const want = e.kwargs.column_list;
        const success = want.length === names.length && want.every((c, i) => names[i] === c);
        const first = success
          ? -1
          : (Array.from({ length: Math.max(want.length, names.length) }, (_, i) => i).find(
              (i) => want[i] !== names[i],
            ) ?? -1);
        return {
          ...base,
          success,
          observed: names,
          expected: { columns: want },
          message: success
            ? `table columns are ${names.join(', ')}`
            : `table columns differ at position ${first}: found ${names[first] ?? '(none)'}, expected ${want[first] ?? '(none)'}`,
        };
      }
      case 'expect_table_columns_to_match_set': {
        const want = new Set(e.kwargs.column_set);
        const have = new Set(names);
        const missing = [...want].filter((c) => !have.has(c)).sort();
        const extra = [...have].filter((c) => !want.has(c)).sort();
        const success = missing.length === 0 && (!e.kwargs.exact_match || extra.length === 0);
        const parts = [
          ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
          ...(extra.length > 0 ? [`unexpected ${extra.join(', ')}`] : []),
        ];
        return {
          ...base,
          success,
          observed: [...names].sort(),
          expected: { columns: e.kwargs.column_set, exactMatch: e.kwargs.exact_match },
          message:
            parts.length === 0
              ? 'table columns match the set'
              : `table columns: ${parts.join('; ')}${success ? ' (allowed: exact_match is false)' : ''}`,
        };
      }
    }
  }
}
