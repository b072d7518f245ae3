/**
 * One part of a validation: a subset of the columns (or all of them), with the expectations that
 * read them. `runValidation` runs a single part covering everything, or several parts on worker
 * threads (parallel-validation.ts) and merges them. Inputs are plain data, so a part can be
 * posted to a worker as is.
 */
import type { DriftSpec, SchemaRules } from '../core/spec/types';
import type { Expectation } from '../expectations/types';

import { fillReferenceGrids, gridAnswersQuantiles, gridRanges, profileDataset } from './profile-dataset';
import type { DatasetProfile, GridRange } from './profile-dataset';
import type { ValidationReport } from './report';
import { validateDataset } from './validate';

/** What a part validates; plain data. */
export interface ValidationPartInput {
  dataPath: string;
  rules: SchemaRules;
  /** The part's expectations, in the order of the full list. */
  expectations: Expectation[];
  reference?: string;
  drift: DriftSpec;
  allowedRoots: string[];
  batchRows?: number;
  /** The part's columns; undefined for every column. */
  columns?: string[];
  /** Whether this part emits the table-level issues (exactly one part does). */
  tableChecks: boolean;
  inputs: ValidationReport['inputs'];
}

/** Progress of a part: which file it reads and the rows read so far. */
export type PartProgress = (phase: 'reference' | 'data', rows: number) => void;

/** The reference as drift needs it: its profile and the fine grids of its large continuous columns. */
export interface PreparedReference {
  profile: DatasetProfile;
  grids: ReadonlyMap<string, GridRange> | undefined;
}

/** Options of {@link prepareReference} beyond the part's input. */
interface PrepareOptions {
  onProgress?: (rows: number) => void;
  signal?: AbortSignal;
}

/**
 * Profiles the reference (the part's columns) and fills the grids of its large continuous
 * columns; undefined when the part has no reference or drift is off. The result depends only on
 * the reference file and the part's columns and string columns, so a caller judging many samples
 * against one reference (the monitor) may keep it.
 */
export async function prepareReference(
  input: ValidationPartInput,
  opts: PrepareOptions = {},
): Promise<PreparedReference | undefined> {
  if (input.reference === undefined || !input.drift.enabled) return undefined;
  const common = commonOptions(input);
  const profile = await profileDataset(input.reference, {
    ...common,
    stringColumns: stringColumnsOf(input),
    lean: true,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  // Large continuous columns: drift from fine grids over the reference's range, not the sketch.
  let grids = gridRanges(profile);
  if (grids.size > 0) {
    await fillReferenceGrids(profile, grids, { ...common, ...(opts.signal ? { signal: opts.signal } : {}) });
    grids = gridAnswersQuantiles(profile, grids);
  }
  return { profile, grids: grids.size > 0 ? grids : undefined };
}

function stringColumnsOf(input: ValidationPartInput): string[] {
  return Object.entries(input.rules.columns)
    .filter(([, rule]) => rule.type === 'string')
    .map(([name]) => name);
}

function commonOptions(input: ValidationPartInput): {
  allowedRoots: string[];
  batchRows?: number;
  columns?: string[];
} {
  return {
    allowedRoots: input.allowedRoots,
    ...(input.batchRows !== undefined ? { batchRows: input.batchRows } : {}),
    ...(input.columns !== undefined ? { columns: input.columns } : {}),
  };
}

/**
 * Profiles the reference (the part's columns) when drift applies, unless `prepared` is given,
 * then validates the data.
 * @throws DataUnusableError for a dataset that cannot be read
 */
export async function runValidationPart(
  input: ValidationPartInput,
  onProgress?: PartProgress,
  signal?: AbortSignal,
  prepared?: PreparedReference,
): Promise<ValidationReport> {
  // Called after every batch: a cancelled validation stops there (its reader is closed).
  const progress =
    (phase: 'reference' | 'data') =>
    (rows: number): void => {
      signal?.throwIfAborted();
      onProgress?.(phase, rows);
    };
  const reference =
    prepared ??
    (await prepareReference(input, { onProgress: progress('reference'), ...(signal ? { signal } : {}) }));
  return validateDataset(input.dataPath, input.rules, {
    ...(reference?.grids !== undefined ? { grids: reference.grids } : {}),
    ...commonOptions(input),
    onProgress: progress('data'),
    ...(input.expectations.length > 0 ? { expectations: input.expectations } : {}),
    ...(reference !== undefined && input.drift.enabled
      ? { reference: { profile: reference.profile, drift: input.drift } }
      : {}),
    tableChecks: input.tableChecks,
    inputs: input.inputs,
  });
}
