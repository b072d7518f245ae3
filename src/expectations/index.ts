/** Great Expectations–compatible expectations, evaluated in one streaming pass. */
export { ExpectationRunner } from './runner';
export {
  ExpectationSuiteError,
  expectationsFromValue,
  parseExpectationSuite,
  parseExpectationsDocument,
  parseExpectationsFile,
} from './ge-suite';
export type { ParseSuiteOptions } from './ge-suite';
export { compileExpectation, KWARGS_SCHEMAS } from './schema';
export { compilePythonRegex, PythonRegexError, translatePythonRegex } from './python-regex';
export { GE_TYPE_NAMES, resolveGeTypeName } from './type-names';
export { EXPECTATION_SEVERITIES, EXPECTATION_TYPES } from './types';
export type {
  ColumnAggregateSource,
  Expectation,
  ExpectationKwargsByType,
  ExpectationOf,
  ExpectationResult,
  ExpectationSeverity,
  ExpectationSuite,
  ExpectationType,
} from './types';
