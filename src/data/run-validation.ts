/**
 * The validation job as the CLI and the validate activity run it: resolve the rule files (schema,
 * expectations), profile the reference, then validate the data in one pass.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';

import { SPEC_DEFAULTS } from '../core/spec/schema';
import type { SchemaRules, ValidationSpec } from '../core/spec/types';
import { parseExpectationsFile } from '../expectations/ge-suite';
import type { Expectation } from '../expectations/types';

import {
  DEFAULT_WORKER_SCRIPT,
  partitionColumns,
  runPartsInParallel,
  workerScriptAvailable,
} from './parallel-validation';
import { CSV_EXTENSIONS, openDataset } from './readers/open-dataset';
import type { DatasetSchema } from './readers/types';
import type { ValidationReport } from './report';
import { mergeSchemaRules, parseSchemaFile, readRuleFile } from './schema-file';
import { runValidationPart } from './validation-part';
import type { ValidationPartInput } from './validation-part';

/** A `validation` section with no rules and the default drift settings (the CLI without a spec). */
export function defaultValidationSpec(): ValidationSpec {
  return {
    columns: {},
    drift: {
      enabled: SPEC_DEFAULTS.driftEnabled,
      numeric: SPEC_DEFAULTS.driftNumeric,
      categorical: SPEC_DEFAULTS.driftCategorical,
      columns: {},
      columnSeverity: SPEC_DEFAULTS.driftColumnSeverity,
      maxDriftedShare: SPEC_DEFAULTS.maxDriftedShare,
    },
  };
}

/** Options of `runValidation`. */
export interface RunValidationOptions {
  /** Directories every dataset must lie within. */
  allowedRoots: readonly string[];
  /** Reference dataset for drift (`data.reference` / `--reference`). */
  reference?: string;
  /** Called with the phase and the rows read so far. */
  onProgress?: (phase: 'reference' | 'data', rows: number) => void;
  batchRows?: number;
  /**
   * Worker threads to split the columns over (Arrow and Parquet files); 1 validates in this
   * thread. Default: the machine's available parallelism, at most 4.
   */
  workers?: number;
  /** The compiled worker entry (tests point at dist/); default next to this module. */
  workerScript?: string;
  /**
   * Aborting stops the validation: worker threads are terminated, a single-thread pass stops
   * after its current batch, and the promise rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/** Default of `RunValidationOptions.workers`. */
export function defaultValidationWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Validates `dataPath` under a `validation` section (inline rules, schema file, expectations file,
 * drift settings). Returns the report; throws only when something cannot be used at all.
 *
 * @throws SpecError for a schema or expectations file that is missing or does not parse;
 *   DataUnusableError for a dataset (data or reference) that cannot be read
 */
export async function runValidation(
  dataPath: string,
  validation: ValidationSpec,
  opts: RunValidationOptions,
): Promise<ValidationReport> {
  const sha256: Record<string, string> = {};
  let schemaFileRules: SchemaRules | undefined;
  if (validation.schemaFile !== undefined) {
    const text = await readRuleFile(validation.schemaFile, 'schema');
    sha256[validation.schemaFile] = sha256Hex(text);
    schemaFileRules = parseSchemaFile(text, validation.schemaFile);
  }
  const rules = mergeSchemaRules(validation, schemaFileRules);
  let expectations: Expectation[] = [];
  if (validation.expectationsFile !== undefined) {
    const text = await readRuleFile(validation.expectationsFile, 'expectations');
    sha256[validation.expectationsFile] = sha256Hex(text);
    expectations = parseExpectationsFile(text, validation.expectationsFile);
  }
  const base: ValidationPartInput = {
    dataPath,
    rules,
    expectations,
    ...(opts.reference !== undefined ? { reference: opts.reference } : {}),
    drift: validation.drift,
    allowedRoots: [...opts.allowedRoots],
    ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}),
    tableChecks: true,
    inputs: {
      ...(validation.schemaFile !== undefined ? { schemaFile: validation.schemaFile } : {}),
      ...(validation.expectationsFile !== undefined ? { expectationsFile: validation.expectationsFile } : {}),
      sha256,
    },
  };

  const workers = opts.workers ?? defaultValidationWorkers();
  const script = opts.workerScript ?? DEFAULT_WORKER_SCRIPT;
  // CSV is parsed whole by every reader, so splitting its columns would only repeat the parsing.
  const csv = (CSV_EXTENSIONS as readonly string[]).includes(extname(dataPath).toLowerCase());
  if (workers > 1 && !csv && workerScriptAvailable(script)) {
    const schema = await readSchema(dataPath, opts.allowedRoots);
    if (schema && schema.format !== 'csv' && schema.columns.length > 1) {
      const { groups, expectationGroup } = partitionColumns(schema, expectations, workers);
      if (groups.length > 1) {
        return runPartsInParallel(base, schema, groups, expectationGroup, {
          script,
          ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      }
    }
  }
  return runValidationPart(base, opts.onProgress, opts.signal);
}

/** The dataset's schema, or undefined when it cannot be opened (the single-thread run reports why). */
async function readSchema(path: string, allowedRoots: readonly string[]): Promise<DatasetSchema | undefined> {
  let reader;
  try {
    reader = await openDataset(path, { allowedRoots });
  } catch {
    return undefined;
  }
  try {
    return reader.schema();
  } finally {
    await reader.close();
  }
}

function sha256Hex(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}
