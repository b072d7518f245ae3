/**
 * The data stage: streaming dataset readers, the validator and file fingerprints.
 * Import from here (or from the concept's own file).
 */
export { openDataset, ARROW_EXTENSIONS, CSV_EXTENSIONS } from './readers/open-dataset';
export { resolveDataPath, toLocalPath } from './readers/resolve-data-path';
export type { ResolvedDataPath } from './readers/resolve-data-path';
export { COLUMN_KINDS, DATASET_FORMATS, DEFAULT_BATCH_ROWS } from './readers/types';
export type {
  BooleanColumnBatch,
  ColumnBatch,
  ColumnKind,
  ColumnSchema,
  DataBatch,
  DatasetFormat,
  DatasetReader,
  DatasetSchema,
  NumberColumnBatch,
  OpaqueColumnBatch,
  OpenDatasetOptions,
  StringColumnBatch,
} from './readers/types';
export { CSV_INFERRED_TYPES } from './readers/csv-values';
export type { CsvInferredType } from './readers/csv-values';
export { ColumnAccumulator } from './column-accumulator';
export type { ColumnStats, DomainValue } from './column-accumulator';
export { columnIssues } from './column-issues';
export { DISTINCT_CAP, ISSUE_SEVERITIES, MAX_EXAMPLE_ROWS, VALIDATION_CHECKS } from './report';
export type {
  BooleanColumnProfile,
  ColumnProfile,
  IssueRows,
  IssueSeverity,
  IssueValue,
  NumberColumnProfile,
  OpaqueColumnProfile,
  StringColumnProfile,
  ValidationCheck,
  ValidationIssue,
  ValidationReport,
} from './report';
export { RowSample } from './row-sample';
export { typeCompatibility } from './type-compatibility';
export type { TypeCompatibility } from './type-compatibility';
export { validateDataset } from './validate';
export type { ValidateDatasetOptions } from './validate';
export { summarizeReport } from './summarize-report';
export { fingerprintFile } from './fingerprint';
