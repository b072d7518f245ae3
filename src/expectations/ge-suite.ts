/**
 * Reads expectation files: a Great Expectations suite JSON as GE writes it (0.x and 1.x forms),
 * or our own YAML / JSON list form, into validated `Expectation`s.
 *
 * GE 0.x: `{"expectation_suite_name": …, "expectations": [{"expectation_type": …, "kwargs": {…},
 * "meta": {…}}], "meta": …, "data_asset_type": …, "ge_cloud_id": …}`.
 * GE 1.x: `{"name": …, "id": …, "expectations": [{"type": …, "kwargs": {…}, "meta": …, "id": …,
 * "severity": "critical" | "warning" | "info"}], "meta": …, "notes": …}`.
 * Ours: `expectations: [{expect: column_values_to_be_between, column: x, min_value: 0,
 * mostly: 0.99, severity: warning}]` (the `expect_` prefix optional), or the bare list.
 *
 * GE-only keys that do not change the outcome are ignored: at suite and expectation level
 * everything but the expectations themselves; in kwargs `result_format`, `catch_exceptions`,
 * `include_config`, `batch_id`, and `condition_parser` / `row_condition` / `parse_strings_as_datetimes`
 * / `allow_cross_type_comparisons` / `output_strftime_format` / `auto` / `profiler_config` while
 * empty or off. When one of those is set (a row condition, datetime parsing, …) the expectation
 * is rejected as not supported rather than silently evaluated differently.
 */
import { SpecError } from '../core/errors';
import type { SpecIssue } from '../core/errors';
import { parseSpecText } from '../core/spec/parse-text';
import { shortJson } from '../core/spec/schema';

import { compileExpectation, isExpectationType } from './schema';
import type { RawExpectationPaths } from './schema';
import type { Expectation, ExpectationSuite } from './types';

/** An expectation file is unreadable or invalid; `issues` name each problem's path. */
export class ExpectationSuiteError extends SpecError {
  constructor(file: string, issues: SpecIssue[], options?: { cause?: unknown }) {
    super(file, issues, options);
    this.message = this.message.replace(/^invalid spec /, 'invalid expectation suite ');
  }
}

/** Options of the parsers. */
export interface ParseSuiteOptions {
  /**
   * What to do with an expectation type that is not supported: `error` (default) fails the file
   * listing the supported types; `skip` drops it and records a warning in `warnings`.
   */
  unsupported?: 'error' | 'skip';
  /** Receives the warnings (skipped expectations) when given. */
  warnings?: string[];
}

/** kwargs GE uses for output or execution only; ignored whatever their value. */
const IGNORED_KWARGS = new Set(['result_format', 'catch_exceptions', 'include_config', 'batch_id']);

/**
 * kwargs ignored only while off (absent, null, false, "" or `{}`); when set they would change
 * what is checked, which this engine does not do, so the expectation is rejected.
 */
const OFF_ONLY_KWARGS: ReadonlyMap<string, string> = new Map([
  [
    'row_condition',
    'row_condition is not supported: the expectation would be checked on all rows, not the filtered ones; remove it or split the dataset',
  ],
  ['condition_parser', 'condition_parser is not supported (it only applies with a row_condition)'],
  ['parse_strings_as_datetimes', 'parse_strings_as_datetimes is not supported: compare numbers'],
  ['allow_cross_type_comparisons', 'allow_cross_type_comparisons is not supported'],
  ['output_strftime_format', 'output_strftime_format is not supported'],
  ['auto', 'auto (profiler-estimated bounds) is not supported: write the bounds'],
  ['profiler_config', 'profiler_config is not supported: write the bounds'],
]);

function isOff(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === false ||
    v === '' ||
    (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Parses a GE expectation suite JSON (0.x or 1.x form, see the module comment).
 * @param file the file name, for messages
 * @returns the expectations, in file order (skipped ones left out, see `options.unsupported`)
 * @throws ExpectationSuiteError naming the file and, per problem, its path
 */
export function parseExpectationSuite(
  text: string,
  file: string,
  options: ParseSuiteOptions = {},
): Expectation[] {
  const value = parseJson(text, file);
  if (!isRecord(value) || !Array.isArray(value.expectations)) {
    throw new ExpectationSuiteError(file, [
      {
        path: isRecord(value) ? 'expectations' : '',
        message:
          'expected a GE expectation suite: {"expectation_suite_name" or "name": …, "expectations": [{"expectation_type" or "type": …, "kwargs": {…}}]}',
        ...(isRecord(value) ? {} : { value: describe(value) }),
      },
    ]);
  }
  return withWarnings(compileGeSuite(value, file, options), options).expectations;
}

/**
 * Parses an expectation file of either kind: a GE suite (0.x / 1.x JSON) or our list form
 * (YAML or JSON), told apart by their keys.
 * @returns the expectations, in file order (skipped ones left out, see `options.unsupported`)
 * @throws ExpectationSuiteError naming the file and, per problem, its path
 */
export function parseExpectationsFile(
  text: string,
  file: string,
  options: ParseSuiteOptions = {},
): Expectation[] {
  return parseExpectationsDocument(text, file, options).expectations;
}

/** Like `parseExpectationsFile`, also telling the suite's name, its format and the warnings. */
export function parseExpectationsDocument(
  text: string,
  file: string,
  options: ParseSuiteOptions = {},
): ExpectationSuite {
  const trimmed = text.trimStart();
  const value =
    trimmed.startsWith('{') || trimmed.startsWith('[') ? parseJson(text, file) : parseYaml(text, file);
  return withWarnings(expectationsFromValue(value, file, options), options);
}

function withWarnings(suite: ExpectationSuite, options: ParseSuiteOptions): ExpectationSuite {
  options.warnings?.push(...suite.warnings);
  return suite;
}

/** Like `parseExpectationsDocument`, for an already parsed value (warnings are not copied to `options.warnings`). */
export function expectationsFromValue(
  value: unknown,
  file: string,
  options: ParseSuiteOptions = {},
): ExpectationSuite {
  const list = Array.isArray(value) ? value : isRecord(value) ? value.expectations : undefined;
  if (!Array.isArray(list)) {
    throw new ExpectationSuiteError(file, [
      {
        path: isRecord(value) ? 'expectations' : '',
        message:
          'expected a list of expectations: a GE suite {"expectations": [{"expectation_type" or "type": …, "kwargs": {…}}]} or ours {expectations: [{expect: column_values_to_be_between, column: …}]}',
        ...(isRecord(value) ? {} : { value: describe(value) }),
      },
    ]);
  }
  const ge =
    (isRecord(value) &&
      ('expectation_suite_name' in value || 'data_asset_type' in value || 'ge_cloud_id' in value)) ||
    list.some((e) => isRecord(e) && ('expectation_type' in e || 'type' in e || 'kwargs' in e));
  if (ge && isRecord(value)) return compileGeSuite(value, file, options);
  if (ge) return compileGeSuite({ expectations: list }, file, options);
  return compileListForm(
    isRecord(value) ? value : {},
    list,
    Array.isArray(value) ? [] : ['expectations'],
    file,
    options,
  );
}

function compileGeSuite(
  suite: Record<string, unknown>,
  file: string,
  options: ParseSuiteOptions,
): ExpectationSuite {
  const list = suite.expectations as unknown[];
  const issues: SpecIssue[] = [];
  const warnings: string[] = [];
  const expectations: Expectation[] = [];
  let sawOld = 'expectation_suite_name' in suite;
  let sawNew = 'name' in suite && !sawOld;

  list.forEach((entry, index) => {
    const at = ['expectations', index];
    const where = `expectations[${index}]`;
    if (!isRecord(entry)) {
      issues.push({
        path: where,
        message: 'expected an object {"expectation_type" or "type": …, "kwargs": {…}}',
        value: describe(entry),
      });
      return;
    }
    const typeKey = 'expectation_type' in entry ? 'expectation_type' : 'type';
    if (typeKey === 'expectation_type') sawOld = true;
    else sawNew = true;
    const type = entry[typeKey];
    if (typeof type !== 'string' || type === '') {
      issues.push({
        path: `${where}.${typeKey}`,
        message:
          'required field is missing: the expectation type, e.g. "expect_column_values_to_not_be_null"',
        ...(type !== undefined ? { value: shortJson(type) ?? '' } : {}),
      });
      return;
    }
    if (!isExpectationType(type) && options.unsupported === 'skip') {
      warnings.push(`${where}: ${type} is not supported; skipped`);
      return;
    }
    const kwargs = entry.kwargs ?? {};
    if (!isRecord(kwargs)) {
      issues.push({ path: `${where}.kwargs`, message: 'expected an object', value: describe(kwargs) });
      return;
    }
    const cleaned = cleanKwargs(kwargs, `${where}.kwargs`, issues);
    if (cleaned === undefined) return;
    const severity = geSeverity(entry.severity);
    const paths: RawExpectationPaths = { at, kwargs: ['kwargs'], type: [typeKey], severity: ['severity'] };
    if (severity === undefined) {
      issues.push({
        path: `${where}.severity`,
        message: 'expected one of: critical, warning, info (GE) or error, warning',
        value: shortJson(entry.severity) ?? '',
      });
      return;
    }
    const result = compileExpectation({ type, kwargs: cleaned, severity, meta: entry.meta }, paths);
    if (result.ok) expectations.push(result.expectation);
    else issues.push(...result.issues);
  });

  if (issues.length > 0) throw new ExpectationSuiteError(file, issues);
  const name =
    typeof suite.expectation_suite_name === 'string'
      ? suite.expectation_suite_name
      : typeof suite.name === 'string'
        ? suite.name
        : undefined;
  return {
    ...(name !== undefined ? { name } : {}),
    source: file,
    format: sawOld && !sawNew ? 'ge-0' : sawNew ? 'ge-1' : 'ge-0',
    expectations,
    warnings,
  };
}

/** GE 1.x severity → ours; absent → error. Undefined for an unknown value. */
function geSeverity(v: unknown): 'error' | 'warning' | undefined {
  if (v === undefined || v === null || v === 'critical' || v === 'error') return 'error';
  if (v === 'warning' || v === 'info') return 'warning';
  return undefined;
}

/** kwargs without GE-only keys; undefined (with issues) when a set one changes the meaning. */
function cleanKwargs(
  kwargs: Record<string, unknown>,
  where: string,
  issues: SpecIssue[],
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let ok = true;
  for (const [key, value] of Object.entries(kwargs)) {
    if (IGNORED_KWARGS.has(key)) continue;
    const reason = OFF_ONLY_KWARGS.get(key);
    if (reason !== undefined) {
      if (key === 'condition_parser' && isOff(kwargs.row_condition)) continue;
      if (isOff(value)) continue;
      issues.push({ path: `${where}.${key}`, message: reason, value: shortJson(value) ?? '' });
      ok = false;
      continue;
    }
    out[key] = value;
  }
  return ok ? out : undefined;
}

/** Keys of an entry of our list form that are not kwargs. */
const LIST_FORM_KEYS = new Set(['expect', 'severity', 'meta']);

function compileListForm(
  doc: Record<string, unknown>,
  list: unknown[],
  prefix: Array<string | number>,
  file: string,
  options: ParseSuiteOptions,
): ExpectationSuite {
  const issues: SpecIssue[] = [];
  const warnings: string[] = [];
  const expectations: Expectation[] = [];
  for (const key of Object.keys(doc)) {
    if (key !== 'expectations' && key !== 'name') {
      issues.push({ path: key, message: `unknown field "${key}"; allowed fields: name, expectations` });
    }
  }
  list.forEach((entry, index) => {
    const at = [...prefix, index];
    const where = prefix.length > 0 ? `expectations[${index}]` : `[${index}]`;
    if (!isRecord(entry)) {
      issues.push({
        path: where,
        message: 'expected an object {expect: <type>, column: …, …}',
        value: describe(entry),
      });
      return;
    }
    const expect = entry.expect;
    if (typeof expect !== 'string' || expect === '') {
      issues.push({
        path: `${where}.expect`,
        message: `required field is missing: the expectation, e.g. expect: column_values_to_not_be_null`,
        ...(expect !== undefined ? { value: shortJson(expect) ?? '' } : {}),
      });
      return;
    }
    const type = expect.startsWith('expect_') ? expect : `expect_${expect}`;
    if (!isExpectationType(type) && options.unsupported === 'skip') {
      warnings.push(`${where}: ${type} is not supported; skipped`);
      return;
    }
    const kwargs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) if (!LIST_FORM_KEYS.has(k)) kwargs[k] = v;
    const cleaned = cleanKwargs(kwargs, where, issues);
    if (cleaned === undefined) return;
    const result = compileExpectation(
      { type, kwargs: cleaned, severity: entry.severity, meta: entry.meta },
      { at, kwargs: [], type: ['expect'], severity: ['severity'] },
    );
    if (result.ok) expectations.push(result.expectation);
    else issues.push(...result.issues);
  });
  if (issues.length > 0) throw new ExpectationSuiteError(file, issues);
  return {
    ...(typeof doc.name === 'string' ? { name: doc.name } : {}),
    source: file,
    format: 'mlcd',
    expectations,
    warnings,
  };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    const pos = /at position (\d+)/.exec(raw);
    let where = '';
    if (pos && !/\(line \d+ column \d+\)/.test(raw)) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const col = before.length - before.lastIndexOf('\n');
      where = ` (line ${line} column ${col})`;
    }
    throw new ExpectationSuiteError(file, [{ path: '', message: `not valid JSON: ${raw}${where}` }], {
      cause: err,
    });
  }
}

function parseYaml(text: string, file: string): unknown {
  try {
    return parseSpecText(text, file);
  } catch (err) {
    if (err instanceof SpecError) throw new ExpectationSuiteError(file, err.issues, { cause: err });
    throw err;
  }
}
