/**
 * `mlcd validate` and `mlcd schema infer`: the data validation engine from the command line,
 * without Temporal. Exit codes of `validate`: 0 every hard check passed, 1 a check failed,
 * 2 unusable input (missing, unreadable or corrupt data; a bad schema or expectations file).
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';

import { DataUnusableError, SpecError } from '../core/errors';
import { renderHtmlReport } from '../data/html-report';
import { profileDataset } from '../data/profile-dataset';
import { defaultValidationSpec, runValidation } from '../data/run-validation';
import { findUniqueColumns, inferSchema, schemaFileText, uniqueCandidates } from '../data/schema-file';
import { renderTerminalReport } from '../data/terminal-report';
import { loadReleaseSpecFile } from '../spec-file';

/** Exit codes of `mlcd validate`. */
export const VALIDATE_EXIT = { passed: 0, failed: 1, unusable: 2 } as const;

interface ValidateOptions {
  schema?: string;
  expectations?: string;
  reference?: string;
  spec?: string;
  json?: boolean;
  html?: string;
  out?: string;
  allowRoot: string[];
  drift: boolean;
  workers?: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
}

function collect(value: string, prev: string[]): string[] {
  return [...prev, value];
}

/** Runs `mlcd validate`; returns the exit code. */
export async function validateCommand(data: string, o: ValidateOptions): Promise<number> {
  try {
    let validation = defaultValidationSpec();
    let roots = o.allowRoot.map((r) => resolve(r));
    let reference = o.reference;
    if (o.spec !== undefined) {
      const spec = await loadReleaseSpecFile(o.spec);
      validation = spec.validation;
      roots = [...spec.data.allowedRoots, ...roots];
      reference ??= spec.data.reference;
    }
    if (roots.length === 0) roots = [process.cwd()];
    if (o.schema !== undefined) validation = { ...validation, schemaFile: resolve(o.schema) };
    if (o.expectations !== undefined)
      validation = { ...validation, expectationsFile: resolve(o.expectations) };
    if (!o.drift) validation = { ...validation, drift: { ...validation.drift, enabled: false } };

    const report = await runValidation(data, validation, {
      allowedRoots: roots,
      ...(reference !== undefined ? { reference } : {}),
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
    });
    if (o.out !== undefined) await writeFile(o.out, `${JSON.stringify(report, null, 2)}\n`);
    if (o.html !== undefined) await writeFile(o.html, renderHtmlReport(report));
    if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else console.log(renderTerminalReport(report, { color: process.stdout.isTTY === true }));
    return report.passed ? VALIDATE_EXIT.passed : VALIDATE_EXIT.failed;
  } catch (err) {
    if (err instanceof DataUnusableError || err instanceof SpecError) {
      console.error(`mlcd validate: ${err.message}`);
      return VALIDATE_EXIT.unusable;
    }
    throw err;
  }
}

interface SchemaInferOptions {
  output?: string;
  maxCategories: number;
  allowRoot: string[];
}

/** Runs `mlcd schema infer`; returns the exit code (2 when the data cannot be read). */
export async function schemaInferCommand(data: string, o: SchemaInferOptions): Promise<number> {
  try {
    const roots = o.allowRoot.length > 0 ? o.allowRoot.map((r) => resolve(r)) : [process.cwd()];
    const profile = await profileDataset(data, { allowedRoots: roots });
    // Past 65 536 values distinct counts are estimates: settle candidate identifiers exactly.
    const uniqueColumns = await findUniqueColumns(data, uniqueCandidates(profile.profilers), roots);
    const rules = inferSchema(profile.profilers, profile.rows, {
      maxCategories: o.maxCategories,
      uniqueColumns,
    });
    const text = schemaFileText(rules, profile.file);
    if (o.output !== undefined) {
      await writeFile(o.output, text);
      console.error(
        `wrote ${o.output}: ${Object.keys(rules.columns).length} columns from ${profile.rows} rows`,
      );
    } else process.stdout.write(text);
    return 0;
  } catch (err) {
    if (err instanceof DataUnusableError) {
      console.error(`mlcd schema infer: ${err.message}`);
      return VALIDATE_EXIT.unusable;
    }
    throw err;
  }
}

/** Adds `validate` and `schema infer` to the program. */
export function registerDataCommands(program: Command): void {
  program
    .command('validate')
    .description(
      'validate a dataset: schema, expectations, drift against a reference (exit 0 pass, 1 fail, 2 unusable)',
    )
    .argument('<data>', 'dataset: .arrow / .arrows / .feather / .parquet / .csv, path or file:// URI')
    .option('--schema <file>', 'schema file (see `mlcd schema infer`)')
    .option('--expectations <file>', 'Great Expectations suite JSON, or an mlcd expectations YAML')
    .option('--reference <data>', 'reference dataset for drift')
    .option(
      '--spec <file>',
      "take the rules, reference and allowed roots from a release spec's validation section",
    )
    .option('--json', 'print the full JSON report on stdout')
    .option('--out <file>', 'also write the JSON report to a file')
    .option('--html <file>', 'also write a self-contained HTML report')
    .option(
      '--allow-root <dir>',
      'a directory datasets may be read from (repeatable; default: the current directory)',
      collect,
      [],
    )
    .option('--no-drift', 'skip the drift checks')
    .option(
      '--workers <n>',
      'threads to split the columns over (default: available cores, at most 4)',
      positiveInt,
    )
    .action(async (data: string, o: ValidateOptions) => {
      process.exitCode = await validateCommand(data, o);
    });

  const schema = program.command('schema').description('schema files');
  schema
    .command('infer')
    .description('infer a schema file from a reference dataset (then edit it)')
    .argument('<data>', 'reference dataset')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option(
      '--max-categories <n>',
      'string columns with at most this many values get a categorical domain',
      (v) => Number(v),
      50,
    )
    .option(
      '--allow-root <dir>',
      'a directory datasets may be read from (repeatable; default: the current directory)',
      collect,
      [],
    )
    .action(async (data: string, o: SchemaInferOptions) => {
      process.exitCode = await schemaInferCommand(data, o);
    });
}
