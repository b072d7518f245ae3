/**
 * One part of a validation: a subset of the columns (or all of them), with the expectations that
 * read them. `runValidation` runs a single part covering everything, or several parts on worker
 * threads (parallel-validation.ts) and merges them. Inputs are plain data, so a part can be
 * posted to a worker as is.
 */
import type { DriftSpec, SchemaRules } from '../core/spec/types';
import type { Expectation } from '../expectations/types';

import { fillReferenceGrids, gridAnswersQuantiles, gridRanges, profileDataset } from './profile-dataset';
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

/**
 * Profiles the reference (the part's columns) when drift applies, then validates the data.
 * @throws DataUnusableError for a dataset that cannot be read
 */
export async function runValidationPart(
  input: ValidationPartInput,
  onProgress?: PartProgress,
  signal?: AbortSignal,
): Promise<ValidationReport> {
  const stringColumns = Object.entries(input.rules.columns)
    .filter(([, rule]) => rule.type === 'string')
    .map(([name]) => name);
  const common = {
    allowedRoots: input.allowedRoots,
    ...(input.batchRows !== undefined ? { batchRows: input.batchRows } : {}),
    ...(input.columns !== undefined ? { columns: input.columns } : {}),
  };
  // Called after every batch: a cancelled validation stops there (its reader is closed).
  const progress =
    (phase: 'reference' | 'data') =>
    (rows: number): void => {
      signal?.throwIfAborted();
      onProgress?.(phase, rows);
    };
  const referenceProfile =
    input.reference !== undefined && input.drift.enabled
      ? await profileDataset(input.reference, {
          ...common,
          stringColumns,
          lean: true,
          onProgress: progress('reference'),
        })
      : undefined;
  // Large continuous columns: drift from fine grids over the reference's range, not the sketch.
  let grids = referenceProfile !== undefined ? gridRanges(referenceProfile) : undefined;
  if (referenceProfile !== undefined && grids !== undefined && grids.size > 0) {
    await fillReferenceGrids(referenceProfile, grids, { ...common, ...(signal ? { signal } : {}) });
    grids = gridAnswersQuantiles(referenceProfile, grids);
  }
  return validateDataset(input.dataPath, input.rules, {
    ...(grids !== undefined && grids.size > 0 ? { grids } : {}),
    ...common,
    onProgress: progress('data'),
    ...(input.expectations.length > 0 ? { expectations: input.expectations } : {}),
    ...(referenceProfile !== undefined
      ? { reference: { profile: referenceProfile, drift: input.drift } }
      : {}),
    tableChecks: input.tableChecks,
    inputs: input.inputs,
  });
}
