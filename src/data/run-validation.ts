/**
 * The validation job as the CLI and the validate activity run it: resolve the rule files (schema,
 * expectations), profile the reference, then validate the data in one pass.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { SpecError } from '../core/errors';
import type { ValidationSpec } from '../core/spec/types';
import { parseExpectationsFile } from '../expectations/ge-suite';
import type { Expectation } from '../expectations/types';

import { profileDataset } from './profile-dataset';
import { resolveSchemaRules } from './schema-file';
import type { ValidationReport } from './report';
import { validateDataset } from './validate';

/** Options of `runValidation`. */
export interface RunValidationOptions {
  /** Directories every dataset must lie within. */
  allowedRoots: readonly string[];
  /** Reference dataset for drift (`data.reference` / `--reference`). */
  reference?: string;
  /** Called with the phase and the rows read so far. */
  onProgress?: (phase: 'reference' | 'data', rows: number) => void;
  batchRows?: number;
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
  const rules = await resolveSchemaRules(validation);
  if (validation.schemaFile !== undefined) sha256[validation.schemaFile] = sha256Hex(await readFile(validation.schemaFile));
  let expectations: Expectation[] | undefined;
  if (validation.expectationsFile !== undefined) {
    const text = await readRuleFile(validation.expectationsFile, 'expectations');
    sha256[validation.expectationsFile] = sha256Hex(text);
    expectations = parseExpectationsFile(text, validation.expectationsFile);
  }
  const stringColumns = Object.entries(rules.columns)
    .filter(([, rule]) => rule.type === 'string')
    .map(([name]) => name);
  const referenceProfile =
    opts.reference !== undefined && validation.drift.enabled
      ? await profileDataset(opts.reference, {
          allowedRoots: opts.allowedRoots,
          stringColumns,
          ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}),
          ...(opts.onProgress ? { onProgress: (rows: number) => opts.onProgress?.('reference', rows) } : {}),
        })
      : undefined;
  return validateDataset(dataPath, rules, {
    allowedRoots: opts.allowedRoots,
    ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}),
    ...(opts.onProgress ? { onProgress: (rows: number) => opts.onProgress?.('data', rows) } : {}),
    ...(expectations !== undefined ? { expectations } : {}),
    ...(referenceProfile !== undefined ? { reference: { profile: referenceProfile, drift: validation.drift } } : {}),
    inputs: {
      ...(validation.schemaFile !== undefined ? { schemaFile: validation.schemaFile } : {}),
      ...(validation.expectationsFile !== undefined ? { expectationsFile: validation.expectationsFile } : {}),
      sha256,
    },
  });
}

async function readRuleFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpecError(
      path,
      [{ path: '', message: code === 'ENOENT' ? `${what} file not found: ${path}` : `cannot read ${what} file ${path}: ${String(e)}` }],
      { cause: e },
    );
  }
}

function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
