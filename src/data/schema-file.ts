/**
 * Schema files: reading one (`validation.schema` in the spec, `--schema` on the CLI), merging it
 * with the spec's inline rules, and inferring one from a reference dataset's profile
 * (`mlcd schema infer`), which people then edit.
 */
import { readFile } from 'node:fs/promises';

import { stringify } from 'yaml';

import { SpecError } from '../core/errors';
import { parseSpecText } from '../core/spec/parse-text';
import { SPEC_DEFAULTS, schemaFileSchema, specErrorMap, specIssuesFromZod } from '../core/spec/schema';
import type { ColumnRule, SchemaRules, ValidationSpec } from '../core/spec/types';

import { DuplicateTable, numberKey, stringKey } from '../expectations/duplicate-table';
import type { Key64 } from '../expectations/duplicate-table';

import type { ColumnProfiler } from './column-profiler';
import { openDataset } from './readers/open-dataset';

/**
 * Reads a rule file (schema, expectations) as text.
 * @throws SpecError naming the file when it is missing or unreadable
 */
export async function readRuleFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpecError(
      path,
      [
        {
          path: '',
          message:
            code === 'ENOENT'
              ? `${what} file not found: ${path}`
              : `cannot read ${what} file ${path}: ${String(e)}`,
        },
      ],
      { cause: e },
    );
  }
}

/**
 * Checks a schema file's text.
 * @throws SpecError naming the file and the field when it is not YAML/JSON or invalid
 */
export function parseSchemaFile(text: string, path: string): SchemaRules {
  const raw = parseSpecText(text, path);
  const parsed = schemaFileSchema.safeParse(raw, { errorMap: specErrorMap });
  if (!parsed.success) throw new SpecError(path, specIssuesFromZod(parsed.error.issues, raw));
  const { schemaVersion: _version, ...rules } = parsed.data;
  return rules;
}

/**
 * The rules a validation runs with: the schema file's (when the spec names one) under the
 * spec's own — inline columns replace the file's column of the same name, inline table rules
 * replace the file's — and SPEC_DEFAULTS for whatever neither sets.
 */
export function mergeSchemaRules(validation: ValidationSpec, file: SchemaRules | undefined): SchemaRules {
  const maxRows = validation.maxRows ?? file?.maxRows;
  return {
    minRows: validation.minRows ?? file?.minRows ?? SPEC_DEFAULTS.minRows,
    ...(maxRows !== undefined ? { maxRows } : {}),
    allowExtraColumns:
      validation.allowExtraColumns ?? file?.allowExtraColumns ?? SPEC_DEFAULTS.allowExtraColumns,
    columns: { ...(file?.columns ?? {}), ...validation.columns },
  };
}

/** Options of `inferSchema`. */
export interface InferSchemaOptions {
  /** A string column becomes categorical (a `values` domain) with at most this many values. */
  maxCategories?: number;
  /**
   * Columns an exact pass found unique (`findUniqueColumns`), for those whose distinct count is
   * only an estimate (more than 65 536 values).
   */
  uniqueColumns?: ReadonlySet<string>;
}

/** Default of `InferSchemaOptions.maxCategories`. */
export const DEFAULT_MAX_CATEGORIES = 50;

/**
 * A schema from a reference dataset's profile: each column's type; required; nullable when it
 * held nulls, with maxNullFraction set a little above what was seen; the observed numeric
 * domain with some slack; the categorical domain of low-cardinality string columns; `unique` when every value
 * was distinct. A starting point to edit, like TFDV's `infer_schema`.
 */
export function inferSchema(
  profilers: readonly ColumnProfiler[],
  rows: number,
  opts: InferSchemaOptions = {},
): SchemaRules {
  const maxCategories = opts.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  const columns: Record<string, ColumnRule> = {};
  for (const p of profilers) {
    const rule = inferColumn(p, maxCategories, opts.uniqueColumns);
    if (rule) columns[p.column.name] = rule;
  }
  return { minRows: rows > 0 ? 1 : 0, allowExtraColumns: false, columns };
}

function inferColumn(
  p: ColumnProfiler,
  maxCategories: number,
  uniqueColumns: ReadonlySet<string> | undefined,
): ColumnRule | undefined {
  const nullable = p.nulls > 0;
  const distinctExact = p.distinctCount().exact;
  const distinct = p.distinctEstimate();
  const base = {
    required: true,
    nullable,
    // Headroom over the reference's share: 1.5×, rounded up to a whole percent.
    maxNullFraction: nullable ? Math.min(1, Math.ceil((p.nulls / Math.max(1, p.rows)) * 150) / 100) : 1,
    // Identifiers are integers or strings; a float column whose values all differ is just continuous.
    unique:
      isUniqueCandidate(p) &&
      (distinctExact ? distinct === p.rows : uniqueColumns?.has(p.column.name) === true),
  };
  switch (p.column.kind) {
    case 'number':
      return {
        ...base,
        type: p.column.integer ? 'integer' : 'number',
        // An identifier's range says nothing about the next file's (ids keep growing).
        ...(p.finite > 0 && !base.unique ? numericDomain(p.min, p.max, p.column.integer) : {}),
      };
    case 'string': {
      const categorical =
        !base.unique && distinctExact && p.categories.isExact && distinct > 0 && distinct <= maxCategories;
      return {
        ...base,
        type: 'string',
        ...(categorical ? { values: [...p.categoryCounts().keys()].sort() } : {}),
      };
    }
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'null':
    case 'other':
      return undefined;
  }
}

/**
 * Whether a column may be an identifier: integers or strings (a float column whose values all
 * differ is just continuous), no nulls, and every value distinct as far as the profile can tell
 * (exactly, or within the HyperLogLog estimate's error).
 */
function isUniqueCandidate(p: ColumnProfiler): boolean {
  if (!(p.column.integer || p.column.kind === 'string') || p.rows < 2 || p.nulls > 0) return false;
  return p.distinctCount().exact ? p.distinctEstimate() === p.rows : p.distinctEstimate() >= p.rows * 0.97;
}

/** Columns whose uniqueness only an exact pass can settle (see `findUniqueColumns`). */
export function uniqueCandidates(profilers: readonly ColumnProfiler[]): string[] {
  return profilers.filter((p) => !p.distinctCount().exact && isUniqueCandidate(p)).map((p) => p.column.name);
}

/**
 * Reads the candidate columns once more and returns those in which no value repeats (64-bit
 * keys in a hash table: about 30 bytes per row per candidate).
 */
export async function findUniqueColumns(
  path: string,
  candidates: readonly string[],
  allowedRoots: readonly string[],
): Promise<Set<string>> {
  const unique = new Set(candidates);
  if (unique.size === 0) return unique;
  const tables = new Map(candidates.map((c) => [c, new DuplicateTable()]));
  const key: Key64 = { hi: 0, lo: 0 };
  const reader = await openDataset(path, { allowedRoots, columns: candidates, stringColumns: candidates });
  try {
    for await (const batch of reader.batches()) {
      for (const name of unique) {
        const b = batch.columns.get(name);
        const table = tables.get(name);
        if (!b || !table) continue;
        let repeated = false;
        for (let i = 0; i < b.length && !repeated; i++) {
          if (b.kind === 'number') numberKey(b.values[i] as number, key);
          else if (b.kind === 'string') stringKey(b.values[i] ?? '', key);
          else break;
          repeated = table.add(key, batch.rowOffset + i) > 1;
        }
        if (repeated) {
          unique.delete(name);
          tables.delete(name);
        }
      }
      if (unique.size === 0) break;
    }
  } finally {
    await reader.close();
  }
  return unique;
}

/**
 * The observed range widened by 10% of its span on each side (a new sample of the same
 * distribution falls a little outside the old extremes), not crossing zero when every value was
 * non-negative; whole numbers for integer columns.
 */
function numericDomain(min: number, max: number, integer: boolean): { min: number; max: number } {
  const slack = (max - min) * DOMAIN_SLACK;
  let lo = min - slack;
  let hi = max + slack;
  if (min >= 0 && lo < 0) lo = 0;
  if (integer) {
    lo = Math.floor(lo);
    hi = Math.ceil(hi);
  }
  return { min: lo, max: hi };
}

/** Share of the observed span added on each side of an inferred numeric domain. */
export const DOMAIN_SLACK = 0.1;

/** A schema file's text: YAML with a header saying where it came from. */
export function schemaFileText(rules: SchemaRules, source: string): string {
  const header = [
    `# mlcd schema inferred from ${source}`,
    `# Numeric ranges are the observed ones widened by ${DOMAIN_SLACK * 100}% of their span on each side.`,
    '# Edit freely: adjust ranges, add or drop categorical values, relax nullability.',
    '',
  ].join('\n');
  const body = stringify({ schemaVersion: 1, ...rules }, { lineWidth: 0 });
  return `${header}${body}`;
}
