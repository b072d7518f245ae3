import { SpecError } from '../../src/core/errors';
import {
  ExpectationSuiteError,
  parseExpectationSuite,
  parseExpectationsDocument,
  parseExpectationsFile,
} from '../../src/expectations/ge-suite';
import { EXPECTATION_TYPES } from '../../src/expectations/types';

/** A GE 1.x suite with the given expectations. */
function v1(...expectations: unknown[]): string {
  return JSON.stringify({ name: 's', id: 'x', expectations, meta: {}, notes: null });
}

/** A GE 0.x suite with the given expectations. */
function v0(...expectations: unknown[]): string {
  return JSON.stringify({
    expectation_suite_name: 's',
    data_asset_type: null,
    ge_cloud_id: null,
    expectations,
    meta: {},
  });
}

function errorOf(fn: () => unknown): ExpectationSuiteError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ExpectationSuiteError) return e;
    throw e;
  }
  throw new Error('expected an ExpectationSuiteError');
}

describe('GE suite JSON, both forms', () => {
  it('reads the 0.x form (expectation_type, kwargs, meta) and fills defaults', () => {
    const doc = parseExpectationsDocument(
      v0({
        expectation_type: 'expect_column_values_to_be_between',
        kwargs: { column: 'age', min_value: 0, max_value: 120, mostly: 0.99 },
        meta: { a: 1 },
      }),
      'suite.json',
    );
    expect(doc).toMatchObject({ name: 's', format: 'ge-0', source: 'suite.json', warnings: [] });
    expect(doc.expectations).toEqual([
      {
        type: 'expect_column_values_to_be_between',
        kwargs: {
          column: 'age',
          min_value: 0,
          max_value: 120,
          strict_min: false,
          strict_max: false,
          mostly: 0.99,
        },
        severity: 'error',
        meta: { a: 1 },
      },
    ]);
  });

  it('reads the 1.x form (type, id, severity) and maps GE severities', () => {
    const doc = parseExpectationsDocument(
      v1(
        {
          type: 'expect_column_values_to_not_be_null',
          kwargs: { column: 'a' },
          meta: {},
          id: '1',
          severity: 'critical',
        },
        {
          type: 'expect_column_values_to_not_be_null',
          kwargs: { column: 'b' },
          meta: {},
          id: '2',
          severity: 'warning',
        },
        {
          type: 'expect_column_values_to_not_be_null',
          kwargs: { column: 'c' },
          meta: {},
          id: '3',
          severity: 'info',
        },
        {
          type: 'expect_column_values_to_not_be_null',
          kwargs: { column: 'd' },
          id: '4',
          description: 'x',
          rendered_content: [],
        },
      ),
      'suite.json',
    );
    expect(doc.format).toBe('ge-1');
    expect(doc.expectations.map((e) => e.severity)).toEqual(['error', 'warning', 'warning', 'error']);
  });

  it('ignores GE output / execution kwargs and an empty row_condition', () => {
    const [e] = parseExpectationSuite(
      v0({
        expectation_type: 'expect_column_values_to_be_unique',
        kwargs: {
          column: 'id',
          result_format: 'COMPLETE',
          catch_exceptions: true,
          include_config: true,
          batch_id: 'b',
          row_condition: null,
          condition_parser: 'pandas',
        },
      }),
      'suite.json',
    );
    expect(e?.kwargs).toEqual({ column: 'id', mostly: 1 });
  });

  it('rejects a row_condition that is set, naming the path, rather than ignoring it', () => {
    const err = errorOf(() =>
      parseExpectationSuite(
        v1({
          type: 'expect_column_values_to_not_be_null',
          kwargs: { column: 'a', row_condition: 'b > 1', condition_parser: 'pandas' },
        }),
        'suite.json',
      ),
    );
    expect(err.issues).toEqual([
      expect.objectContaining({
        path: 'expectations[0].kwargs.row_condition',
        message: expect.stringMatching(/^row_condition is not supported/),
      }),
      expect.objectContaining({ path: 'expectations[0].kwargs.condition_parser' }),
    ]);
    expect(err.message).toContain('suite.json');
  });

  it('rejects settings that would change the meaning (parse_strings_as_datetimes, auto, suite parameters)', () => {
    const err = errorOf(() =>
      parseExpectationSuite(
        v0(
          {
            expectation_type: 'expect_column_values_to_be_between',
            kwargs: { column: 'd', min_value: 0, parse_strings_as_datetimes: true },
          },
          {
            expectation_type: 'expect_column_mean_to_be_between',
            kwargs: { column: 'x', min_value: { $PARAMETER: 'lo' } },
          },
          {
            expectation_type: 'expect_column_values_to_be_between',
            kwargs: { column: 'd', min_value: 0, parse_strings_as_datetimes: false },
          },
        ),
        'suite.json',
      ),
    );
    expect(err.issues.map((i) => [i.path, i.message.split(':')[0]])).toEqual([
      ['expectations[0].kwargs.parse_strings_as_datetimes', 'parse_strings_as_datetimes is not supported'],
      ['expectations[1].kwargs.min_value', 'suite parameters ($PARAMETER) are not supported'],
    ]);
  });
});

describe('errors name the file, the expectation index and the field', () => {
  it('bad JSON: the parser message with line and column', () => {
    const err = errorOf(() =>
      parseExpectationSuite('{\n  "expectations": [\n    {"type": "x",}\n  ]\n}', 'bad.json'),
    );
    expect(err).toBeInstanceOf(SpecError);
    expect(err.type).toBe('SpecInvalid');
    expect(err.message).toMatch(
      /^invalid expectation suite bad\.json:\n {2}- \(root\): not valid JSON: .*line 3 column \d+/,
    );
  });

  it('not a suite at all', () => {
    expect(errorOf(() => parseExpectationSuite('[1, 2]', 'list.json')).message).toContain(
      'expected a GE expectation suite',
    );
    expect(errorOf(() => parseExpectationSuite('{"name": "s"}', 's.json')).issues[0]?.path).toBe(
      'expectations',
    );
  });

  it('unknown type: a did-you-mean and the supported list', () => {
    const err = errorOf(() =>
      parseExpectationSuite(
        v1({ type: 'expect_column_values_to_be_betwen', kwargs: { column: 'a' } }),
        's.json',
      ),
    );
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.path).toBe('expectations[0].type');
    expect(err.issues[0]?.message).toContain(
      'unsupported expectation type "expect_column_values_to_be_betwen" (did you mean "expect_column_values_to_be_between"?)',
    );
    for (const t of EXPECTATION_TYPES) expect(err.issues[0]?.message).toContain(t);
  });

  it("unsupported: 'skip' drops the expectation and records a warning", () => {
    const warnings: string[] = [];
    const list = parseExpectationSuite(
      v0(
        { expectation_type: 'expect_column_kl_divergence_to_be_less_than', kwargs: { column: 'a' } },
        { expectation_type: 'expect_column_to_exist', kwargs: { column: 'a' } },
      ),
      's.json',
      { unsupported: 'skip', warnings },
    );
    expect(list.map((e) => e.type)).toEqual(['expect_column_to_exist']);
    expect(warnings).toEqual([
      'expectations[0]: expect_column_kl_divergence_to_be_less_than is not supported; skipped',
    ]);
  });

  it('bad kwargs: every problem of every expectation, each at its path', () => {
    const err = errorOf(() =>
      parseExpectationSuite(
        v1(
          { type: 'expect_column_to_exist', kwargs: { column: 'a' } },
          { type: 'expect_column_values_to_be_between', kwargs: { column: 'a' } },
          { type: 'expect_column_values_to_be_between', kwargs: { column: 'a', min_value: 5, max_value: 1 } },
          { type: 'expect_column_mean_to_be_between', kwargs: { column: 'a', min_value: 'zero' } },
          { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'a', valueset: [1] } },
          { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'a', mostly: 1.5 } },
          {
            type: 'expect_column_quantile_values_to_be_between',
            kwargs: { column: 'a', quantile_ranges: { quantiles: [0.5, 0.9], value_ranges: [[0, 1]] } },
          },
          { type: 'expect_column_values_to_be_of_type', kwargs: { column: 'a', type_: 'integr' } },
          { type: 'expect_column_values_to_match_regex', kwargs: { column: 'a', regex: '(?x) a b' } },
          { type: 'expect_compound_columns_to_be_unique', kwargs: { column_list: ['a'] } },
          { type: 'expect_column_values_to_not_be_null', kwargs: {}, severity: 'fatal' },
        ),
        'suite.json',
      ),
    );
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i.message]));
    expect(byPath).toEqual({
      'expectations[1].kwargs.min_value':
        'min_value and max_value cannot both be null: give at least one bound',
      'expectations[2].kwargs.max_value': 'min_value (5) must not be greater than max_value (1)',
      'expectations[3].kwargs.min_value': 'expected a number (or null for no bound)',
      'expectations[4].kwargs.valueset': expect.stringMatching(
        /^unknown field "valueset" \(did you mean "value_set"\?\); allowed fields: column, mostly, value_set$/,
      ),
      'expectations[4].kwargs.value_set': 'required field is missing (expected an array)',
      'expectations[5].kwargs.mostly': 'expected a fraction between 0 and 1',
      'expectations[6].kwargs.quantile_ranges.value_ranges':
        'expected one value range per quantile: 2 quantiles, 1 ranges',
      'expectations[7].kwargs.type_': expect.stringContaining(
        'unknown type name "integr" (did you mean "INTEGER"?); known: int8, int16,',
      ),
      'expectations[8].kwargs.regex':
        'verbose mode (?x) is not supported; remove the whitespace and comments',
      'expectations[9].kwargs.column_list': 'expected at least 2 columns',
      'expectations[10].severity': 'expected one of: critical, warning, info (GE) or error, warning',
    });
    expect(err.message).toContain(
      '  - expectations[3].kwargs.min_value: expected a number (or null for no bound) (got "zero")',
    );
  });

  it('a missing column kwarg is named', () => {
    const err = errorOf(() =>
      parseExpectationSuite(
        v0({ expectation_type: 'expect_column_values_to_be_unique', kwargs: {} }),
        's.json',
      ),
    );
    expect(err.issues).toEqual([
      { path: 'expectations[0].kwargs.column', message: 'required field is missing (expected a string)' },
    ]);
  });
});

describe('our list form (YAML or JSON)', () => {
  const yaml = `
name: churn
expectations:
  - expect: column_values_to_be_between
    column: age
    min_value: 0
    max_value: 120
    mostly: 0.99
    severity: warning
  - expect: expect_column_values_to_be_in_set
    column: plan
    value_set: [basic, pro]
  - expect: table_row_count_to_be_between
    min_value: 1000
    meta: {owner: data}
`;

  it('reads entries with or without the expect_ prefix; kwargs are the other keys', () => {
    const doc = parseExpectationsDocument(yaml, 'expectations.yaml');
    expect(doc).toMatchObject({ name: 'churn', format: 'mlcd' });
    expect(doc.expectations).toEqual([
      {
        type: 'expect_column_values_to_be_between',
        kwargs: {
          column: 'age',
          min_value: 0,
          max_value: 120,
          strict_min: false,
          strict_max: false,
          mostly: 0.99,
        },
        severity: 'warning',
      },
      {
        type: 'expect_column_values_to_be_in_set',
        kwargs: { column: 'plan', value_set: ['basic', 'pro'], mostly: 1 },
        severity: 'error',
      },
      {
        type: 'expect_table_row_count_to_be_between',
        kwargs: { min_value: 1000, max_value: null, strict_min: false, strict_max: false },
        severity: 'error',
        meta: { owner: 'data' },
      },
    ]);
  });

  it('the same list as JSON, and a bare list', () => {
    const list = [{ expect: 'column_values_to_be_unique', column: 'id' }];
    expect(parseExpectationsFile(JSON.stringify({ expectations: list }), 'e.json')).toEqual(
      parseExpectationsFile(JSON.stringify(list), 'e.json'),
    );
  });

  it('errors name the flat field path', () => {
    const err = errorOf(() =>
      parseExpectationsFile(
        'expectations:\n  - expect: column_values_to_be_between\n    column: x\n    min_value: abc\n  - column: y\n  - expect: nope\n',
        'e.yaml',
      ),
    );
    expect(err.issues.map((i) => i.path)).toEqual([
      'expectations[0].min_value',
      'expectations[1].expect',
      'expectations[2].expect',
    ]);
    expect(err.message).toMatch(/^invalid expectation suite e\.yaml:/);
  });

  it('YAML syntax errors keep their line and column', () => {
    const err = errorOf(() => parseExpectationsFile('expectations:\n  - expect: x\n   bad: [', 'e.yaml'));
    expect(err.issues[0]?.message).toMatch(/^line \d+, column \d+: /);
  });

  it('unknown top-level keys are errors', () => {
    const err = errorOf(() => parseExpectationsFile('expectation: []\nexpectations: []\n', 'e.yaml'));
    expect(err.issues[0]).toMatchObject({ path: 'expectation' });
  });
});
