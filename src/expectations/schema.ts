/**
 * The zod schemas of expectation kwargs, one per type, with GE's names and defaults. Objects are
 * strict: an unknown kwarg (a typo) is an error naming it and the allowed ones. Every message
 * says what was expected; `compileExpectation` prefixes the path, e.g.
 * `expectations[3].kwargs.min_value: expected a number, got string`.
 */
import { z } from 'zod';

import type { SpecIssue } from '../core/errors';
import { didYouMean, formatIssuePath, shortJson, specErrorMap, specIssuesFromZod } from '../core/spec/schema';
import type { IssueValue } from '../data/report';

import { PythonRegexError, translatePythonRegex } from './python-regex';
import { GE_TYPE_NAMES, resolveGeTypeName } from './type-names';
import {
  EXPECTATION_SEVERITIES,
  EXPECTATION_TYPES,
  MULTICOLUMN_IGNORE_ROW_IF,
  PAIR_IGNORE_ROW_IF,
  QUANTILE_INTERPOLATIONS,
} from './types';
import type { Expectation, ExpectationKwargsByType, ExpectationType } from './types';

/**
 * Prefix of the message of an unknown-key issue; `specIssuesFromZod` reads the allowed keys back
 * (the same convention as src/core/spec/schema.ts).
 */
const ALLOWED_FIELDS = 'allowed fields: ';

function strictObject<T extends z.ZodRawShape>(shape: T): z.ZodObject<T, 'strict'> {
  return z.object(shape).strict(ALLOWED_FIELDS + Object.keys(shape).join(', '));
}

const column = z
  .string({ invalid_type_error: 'expected a column name (a string)' })
  .min(1, 'expected a non-empty column name');
const columnList = (min: number) =>
  z
    .array(column, { invalid_type_error: 'expected a list of column names' })
    .min(min, min === 1 ? 'expected at least one column' : `expected at least ${min} columns`);

const mostly = z
  .number({ invalid_type_error: 'expected a fraction between 0 and 1' })
  .finite()
  .min(0, 'expected a fraction between 0 and 1')
  .max(1, 'expected a fraction between 0 and 1')
  .default(1);

const bound = z
  .number({ invalid_type_error: 'expected a number (or null for no bound)' })
  .finite('expected a finite number (or null for no bound)')
  .nullable()
  .default(null);

const strict = z.boolean().default(false);

const betweenShape = { min_value: bound, max_value: bound, strict_min: strict, strict_max: strict };

interface BetweenLike {
  min_value: number | null;
  max_value: number | null;
}

/** min ≤ max; with `needOne`, at least one bound (GE raises otherwise). */
function checkBounds(needOne: boolean) {
  return (v: BetweenLike, ctx: z.RefinementCtx): void => {
    if (needOne && v.min_value === null && v.max_value === null) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'min_value and max_value cannot both be null: give at least one bound',
        path: ['min_value'],
      });
    }
    if (v.min_value !== null && v.max_value !== null && v.min_value > v.max_value) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `min_value (${v.min_value}) must not be greater than max_value (${v.max_value})`,
        path: ['max_value'],
      });
    }
  };
}

const setValue = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  errorMap: () => ({ message: 'expected a string, a number, a boolean or null' }),
});
const valueSet = z
  .array(setValue, { invalid_type_error: 'expected a list of values' })
  // Missing values never reach a set check (they are skipped as missing), so null adds nothing.
  .transform((vs) => vs.filter((v): v is string | number | boolean => v !== null));

const regex = z
  .string({ invalid_type_error: 'expected a regular expression (a string)' })
  .superRefine((r, ctx) => {
    try {
      translatePythonRegex(r);
    } catch (e) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: e instanceof PythonRegexError ? e.reason : String(e),
      });
    }
  });

const typeName = z.string({ invalid_type_error: 'expected a type name (a string)' }).superRefine((t, ctx) => {
  if (resolveGeTypeName(t) === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `unknown type name "${t}"${didYouMean(t, GE_TYPE_NAMES)}; known: ${GE_TYPE_NAMES.join(', ')}`,
    });
  }
});

const quantileRanges = strictObject({
  quantiles: z.array(
    z
      .number({ invalid_type_error: 'expected a quantile between 0 and 1' })
      .min(0, 'expected a quantile between 0 and 1')
      .max(1, 'expected a quantile between 0 and 1'),
    { invalid_type_error: 'expected a list of quantiles' },
  ),
  value_ranges: z.array(
    z.tuple([bound, bound], { invalid_type_error: 'expected a [min, max] pair (null for no bound)' }),
    { invalid_type_error: 'expected a list of [min, max] pairs' },
  ),
}).superRefine((q, ctx) => {
  if (q.quantiles.length !== q.value_ranges.length) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `expected one value range per quantile: ${q.quantiles.length} quantiles, ${q.value_ranges.length} ranges`,
      path: ['value_ranges'],
    });
  }
  q.value_ranges.forEach(([lo, hi], i) => {
    if (lo !== null && hi !== null && lo > hi) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `min (${lo}) must not be greater than max (${hi})`,
        path: ['value_ranges', i],
      });
    }
  });
});

const columnMap = { column, mostly };
const aggregate = () => strictObject({ column, ...betweenShape }).superRefine(checkBounds(false));
const multicolumn = () =>
  strictObject({
    column_list: columnList(2),
    ignore_row_if: z.enum(MULTICOLUMN_IGNORE_ROW_IF).default('all_values_are_missing'),
    mostly,
  });

type KwargsSchemas = { [T in ExpectationType]: z.ZodType<ExpectationKwargsByType[T], z.ZodTypeDef, unknown> };

/** The kwargs schema of each expectation type. */
export const KWARGS_SCHEMAS: KwargsSchemas = {
  expect_column_to_exist: strictObject({
    column,
    column_index: z
      .number({ invalid_type_error: 'expected a 0-based column position (or null)' })
      .int('expected a whole number')
      .min(0, 'expected a 0-based column position')
      .nullable()
      .default(null),
  }),
  expect_column_values_to_not_be_null: strictObject(columnMap),
  expect_column_values_to_be_null: strictObject(columnMap),
  expect_column_values_to_be_between: strictObject({ ...columnMap, ...betweenShape }).superRefine(
    checkBounds(true),
  ),
  expect_column_values_to_be_in_set: strictObject({ ...columnMap, value_set: valueSet }),
  expect_column_values_to_not_be_in_set: strictObject({ ...columnMap, value_set: valueSet }),
  expect_column_values_to_be_unique: strictObject(columnMap),
  expect_column_values_to_match_regex: strictObject({ ...columnMap, regex }),
  expect_column_values_to_not_match_regex: strictObject({ ...columnMap, regex }),
  expect_column_value_lengths_to_be_between: strictObject({
    ...columnMap,
    ...betweenShape,
    min_value: bound.refine((v) => v === null || Number.isInteger(v), 'expected a whole number (or null)'),
    max_value: bound.refine((v) => v === null || Number.isInteger(v), 'expected a whole number (or null)'),
  }).superRefine(checkBounds(true)),
  expect_column_values_to_be_of_type: strictObject({ ...columnMap, type_: typeName }),
  expect_column_values_to_be_in_type_list: strictObject({
    ...columnMap,
    type_list: z
      .array(typeName, { invalid_type_error: 'expected a list of type names' })
      .min(1, 'expected at least one type name'),
  }),
  expect_column_mean_to_be_between: aggregate(),
  expect_column_median_to_be_between: aggregate(),
  expect_column_stdev_to_be_between: aggregate(),
  expect_column_min_to_be_between: aggregate(),
  expect_column_max_to_be_between: aggregate(),
  expect_column_proportion_of_unique_values_to_be_between: aggregate(),
  expect_column_proportion_of_non_null_values_to_be_between: aggregate(),
  expect_column_unique_value_count_to_be_between: aggregate(),
  expect_column_quantile_values_to_be_between: strictObject({
    column,
    quantile_ranges: quantileRanges,
    allow_relative_error: z
      .union([z.boolean(), z.enum(QUANTILE_INTERPOLATIONS)], {
        errorMap: () => ({ message: `expected true, false or one of ${QUANTILE_INTERPOLATIONS.join(', ')}` }),
      })
      .default(false),
  }),
  expect_table_row_count_to_be_between: strictObject(betweenShape).superRefine(checkBounds(false)),
  expect_table_row_count_to_equal: strictObject({
    value: z
      .number({ invalid_type_error: 'expected a row count' })
      .int('expected a whole number')
      .min(0, 'expected a row count >= 0'),
  }),
  expect_table_columns_to_match_ordered_list: strictObject({ column_list: columnList(0) }),
  expect_table_columns_to_match_set: strictObject({
    column_set: columnList(0),
    exact_match: z
      .boolean()
      .nullable()
      .default(true)
      .transform((v) => v ?? true),
  }),
  expect_column_pair_values_to_be_equal: strictObject({
    column_A: column,
    column_B: column,
    ignore_row_if: z.enum(PAIR_IGNORE_ROW_IF).default('both_values_are_missing'),
    mostly,
  }),
  expect_compound_columns_to_be_unique: multicolumn(),
  expect_select_column_values_to_be_unique_within_record: multicolumn(),
  expect_multicolumn_values_to_be_unique: multicolumn(),
};

/** True when `type` is a supported expectation type. */
export function isExpectationType(type: string): type is ExpectationType {
  return (EXPECTATION_TYPES as readonly string[]).includes(type);
}

/** An expectation before validation, in the normalized shape. */
export interface RawExpectation {
  type: string;
  kwargs: unknown;
  severity?: unknown;
  meta?: unknown;
}

/** Where the parts of a raw expectation sit in its file, for issue paths. */
export interface RawExpectationPaths {
  /** Path of the expectation, e.g. `['expectations', 3]`. */
  at: Array<string | number>;
  /** Path of the kwargs relative to `at`: `['kwargs']` (GE) or `[]` (our flat list form). */
  kwargs: Array<string | number>;
  /** Path of the type field relative to `at`, e.g. `['expectation_type']`. */
  type: Array<string | number>;
  /** Path of the severity relative to `at`. */
  severity: Array<string | number>;
}

/** The outcome of `compileExpectation`: an expectation, or issues naming the path. */
export type CompileResult = { ok: true; expectation: Expectation } | { ok: false; issues: SpecIssue[] };

const severitySchema = z.enum(EXPECTATION_SEVERITIES).default('error');

/**
 * `specErrorMap` for issues without a message of their own; a schema's own `invalid_type_error`
 * (which zod would otherwise let the contextual map override) wins.
 */
const errorMap: z.ZodErrorMap = (issue, ctx) => {
  const zodDefault = z.defaultErrorMap(issue, { defaultError: '', data: ctx.data as unknown }).message;
  return ctx.defaultError !== zodDefault ? { message: ctx.defaultError } : specErrorMap(issue, ctx);
};

/**
 * Validates one expectation: a known type, kwargs as its schema says (defaults filled), the
 * severity, and `meta` a JSON object. Suite parameters (`{"$PARAMETER": …}`) are rejected.
 */
export function compileExpectation(raw: RawExpectation, paths: RawExpectationPaths): CompileResult {
  const issues: SpecIssue[] = [];
  const at = (rel: Array<string | number>) => formatIssuePath([...paths.at, ...rel]);

  if (!isExpectationType(raw.type)) {
    issues.push({
      path: at(paths.type),
      message: `unsupported expectation type "${raw.type}"${didYouMean(raw.type, EXPECTATION_TYPES)}; supported: ${EXPECTATION_TYPES.join(', ')}`,
    });
    return { ok: false, issues };
  }
  const type = raw.type;

  if (raw.kwargs !== null && typeof raw.kwargs === 'object' && !Array.isArray(raw.kwargs)) {
    for (const [key, value] of Object.entries(raw.kwargs as Record<string, unknown>)) {
      if (value !== null && typeof value === 'object' && '$PARAMETER' in value) {
        issues.push({
          path: at([...paths.kwargs, key]),
          message: 'suite parameters ($PARAMETER) are not supported: write the value itself',
          ...(shortJson(value) !== undefined ? { value: shortJson(value) } : {}),
        });
      }
    }
    if (issues.length > 0) return { ok: false, issues };
  }

  const kwargs = KWARGS_SCHEMAS[type].safeParse(raw.kwargs ?? {}, { errorMap });
  if (!kwargs.success) {
    const prefix = [...paths.at, ...paths.kwargs];
    const prefixed = kwargs.error.issues.map((i) => ({ ...i, path: [...prefix, ...i.path] }));
    issues.push(...specIssuesFromZod(prefixed, nestAt(prefix, raw.kwargs)));
  }
  const severity = severitySchema.safeParse(raw.severity ?? undefined, { errorMap });
  if (!severity.success) {
    issues.push({
      path: at(paths.severity),
      message: `expected one of: ${EXPECTATION_SEVERITIES.join(', ')}`,
      ...(shortJson(raw.severity) !== undefined ? { value: shortJson(raw.severity) } : {}),
    });
  }
  let meta: { [key: string]: IssueValue } | undefined;
  if (raw.meta !== undefined && raw.meta !== null) {
    if (typeof raw.meta !== 'object' || Array.isArray(raw.meta)) {
      issues.push({ path: at(['meta']), message: 'expected an object' });
    } else {
      meta = raw.meta as { [key: string]: IssueValue };
    }
  }
  if (issues.length > 0 || !kwargs.success || !severity.success) return { ok: false, issues };
  const expectation = {
    type,
    kwargs: kwargs.data,
    severity: severity.data,
    ...(meta !== undefined ? { meta } : {}),
  } as Expectation;
  return { ok: true, expectation };
}

/** An object holding `value` at `path`, so that issue values can be read back by path. */
function nestAt(path: ReadonlyArray<string | number>, value: unknown): unknown {
  let out: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) out = { [path[i] as string | number]: out };
  return out;
}
