/**
 * Live input drift: a sample of the rows a promoted version served, judged against the training
 * reference with the validation engine's drift (the same profiles, statistics and dataset rule as
 * `mlcd validate --reference`). The rows are written to a temporary Arrow IPC file, typed by the
 * reference's schema, so that the engine reads them exactly as it reads any dataset.
 */
import { mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Bool, Float64, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';
import { z } from 'zod';

import { DataUnusableError, SpecError } from '../core/errors';
import { P_VALUE_DRIFT_METHODS } from '../core/spec/types';
import type { DriftMethod, DriftSpec, SchemaRules } from '../core/spec/types';

import { driftSummary } from './dataset-drift';
import { profileDataset } from './profile-dataset';
import { datasetUnusable, errorMessage } from './readers/dataset-unusable';
import { openDataset } from './readers/open-dataset';
import { resolveDataPath } from './readers/resolve-data-path';
import type { ColumnSchema } from './readers/types';
import { MAX_EXAMPLE_ROWS } from './report';
import type { ColumnDrift, DriftReport, IssueRows } from './report';
import { prepareReference, runValidationPart } from './validation-part';
import type { PreparedReference, ValidationPartInput } from './validation-part';

/** Default of `LiveDriftOptions.minRows`: fewer served rows are not judged. */
export const LIVE_DRIFT_MIN_ROWS = 200;

/** Reason a reference column absent from every served row carries in `DriftReport.skipped`. */
export const MISSING_FROM_ROWS = 'missing from every served row';

/** Names of the row-only columns a result lists (`ignoredColumns`); the rest are counted only. */
export const MAX_IGNORED_COLUMN_NAMES = 20;

/** Options of `liveInputDrift`. */
export interface LiveDriftOptions {
  /** The training reference dataset (path or `file://` URI; Arrow IPC, Parquet or CSV). */
  reference: string;
  /**
   * How to judge drift: the spec's compiled `validation.drift`. `enabled` is not consulted: the
   * caller (the monitor) decides whether to judge at all.
   */
  drift: DriftSpec;
  /** Absolute directories the reference must lie within (symlinks resolved). */
  allowedRoots: string[];
  /** Judge only these reference columns (e.g. the model's features). Default: every column. */
  columns?: string[];
  /** Where the temporary Arrow file is written (in a fresh sub-directory). Default: the OS's. */
  tmpDir?: string;
  /** Fewer rows than this are not judged (`status: 'too-few-rows'`). Default 200. */
  minRows?: number;
  /** Aborting stops the comparison after the batch being read; the promise rejects. */
  signal?: AbortSignal;
}

/** The kinds a served value is converted to: the reference column's kind. */
export type LiveValueKind = 'number' | 'string' | 'boolean';

/** Served values of a column that did not have the reference's type, written as null. */
export interface WrongTypedValues {
  column: string;
  expected: LiveValueKind;
  /** How many, and the first 0-based indexes in the rows given. */
  rows: IssueRows;
}

/** Fewer rows than `minRows`: nothing is judged; not drift. */
export interface LiveDriftTooFewRows {
  status: 'too-few-rows';
  rows: number;
  minRows: number;
  /** The reference's resolved real path. */
  reference: string;
  drifted: false;
  /** One line a human reads. */
  summary: string;
}

/** The rows were judged against the reference. */
export interface LiveDriftJudged {
  status: 'judged';
  /** Rows judged (every row given). */
  rows: number;
  minRows: number;
  /** The reference's resolved real path. */
  reference: string;
  /** The engine's drift report; reference columns absent from every row are in `skipped`. */
  report: DriftReport;
  /** The dataset rule's verdict (`report.datasetDrift`): more than `maxDriftedShare` drifted. */
  drifted: boolean;
  /** Reference columns no row carried (reported, never judged as drifted). */
  missingColumns: string[];
  /** Per column, the values of the wrong type that were judged as null. */
  wrongTyped: WrongTypedValues[];
  /** Columns only the rows carry, ignored: the first `MAX_IGNORED_COLUMN_NAMES` names, sorted. */
  ignoredColumns: string[];
  /** How many row-only columns there were in all. */
  ignoredColumnCount: number;
  /** One line a human reads: the verdict, and each drifted column with statistic and threshold. */
  summary: string;
}

/** Outcome of `liveInputDrift`; switch on `status`. */
export type LiveDriftResult = LiveDriftTooFewRows | LiveDriftJudged;

const optionsSchema = z.object({
  reference: z.string().min(1, 'expected a dataset path'),
  allowedRoots: z.array(z.string().min(1)).min(1, 'expected at least one allowed root'),
  columns: z
    .array(z.string().min(1))
    .min(1, 'expected at least one column (omit it for every column)')
    .refine((c) => new Set(c).size === c.length, 'expected distinct column names')
    .optional(),
  tmpDir: z.string().min(1).optional(),
  minRows: z.number().int('expected an integer').min(1, 'expected at least 1').optional(),
});

/**
 * Judges a sample of served rows against the training reference with the validation engine's
 * drift (`runValidationPart`: reference profile, fine grids, `datasetDrift`), and removes its
 * temporary file whatever happens.
 *
 * Rows are JSON objects as the router received them. Each reference column (of the `columns`
 * given) is written with the reference's kind: numbers as Float64, strings as Utf8, booleans as
 * Bool; a value of another type (a string in a numeric column, say) is written as null and
 * counted in `wrongTyped`, null and absent values are nulls. Columns only in the rows are
 * ignored; a reference column no row carries is reported as missing, not drifted.
 *
 * @throws SpecError naming the option, its value and what was expected;
 *   DataUnusableError naming the reference (unreadable, outside the allowed roots, lacking a
 *   column of `columns`), or a row that is not a JSON object
 */
export async function liveInputDrift(
  rows: ReadonlyArray<Record<string, unknown>>,
  opts: LiveDriftOptions,
): Promise<LiveDriftResult> {
  const options = checkOptions(opts);
  checkRows(rows);
  const minRows = options.minRows ?? LIVE_DRIFT_MIN_ROWS;
  // Before the row count: a bad reference is a configuration error the monitor must hear at once.
  const { realPath: reference } = await resolveDataPath(options.reference, options.allowedRoots);
  if (rows.length < minRows) {
    return {
      status: 'too-few-rows',
      rows: rows.length,
      minRows,
      reference,
      drifted: false,
      summary: `live input drift not judged: ${plural(rows.length, 'served row')}, at least ${minRows} needed (reference ${reference})`,
    };
  }

  const referenceColumns = await readReferenceColumns(reference, options.allowedRoots, options.columns);
  const plan = planColumns(rows, referenceColumns, opts.drift);
  const report =
    plan.written.length > 0
      ? await judgeRows(rows, plan.written, reference, opts, options.tmpDir)
      : // No reference column in any row: nothing to write, nothing judged; only the reference's size.
        driftSummary(
          reference,
          (await profileDataset(reference, { allowedRoots: options.allowedRoots, columns: [] })).rows,
          [],
          [],
          opts.drift.maxDriftedShare,
        );
  const full: DriftReport = { ...report, skipped: [...report.skipped, ...plan.skipped] };
  const wrongTyped = plan.written.flatMap((w) =>
    w.wrongTyped.count > 0 ? [{ column: w.column.name, expected: w.kind, rows: w.wrongTyped }] : [],
  );
  return {
    status: 'judged',
    rows: rows.length,
    minRows,
    reference,
    report: full,
    drifted: full.datasetDrift,
    missingColumns: plan.missing,
    wrongTyped,
    ignoredColumns: plan.ignored.slice(0, MAX_IGNORED_COLUMN_NAMES),
    ignoredColumnCount: plan.ignored.length,
    summary: summarize(rows.length, full, plan.missing, wrongTyped),
  };
}

/** The options liveInputDrift checks itself (`drift` is a compiled spec section, trusted). */
type CheckedOptions = z.infer<typeof optionsSchema>;

function checkOptions(opts: LiveDriftOptions): CheckedOptions {
  const parsed = optionsSchema.safeParse(opts);
  if (parsed.success) return parsed.data;
  throw new SpecError(
    'liveInputDrift options',
    parsed.error.issues.map((issue) => {
      const value = valueAt(opts, issue.path);
      return {
        path: issue.path.join('.'),
        message: issue.message,
        // JSON.stringify gives undefined for a function or symbol: name its type instead.
        ...(value !== undefined ? { value: (JSON.stringify(value) ?? typeof value).slice(0, 200) } : {}),
      };
    }),
  );
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/**
 * Every row must be a JSON object. Checked by hand rather than with zod: a zod record would copy
 * every row only to say what `typeof` says.
 */
function checkRows(rows: ReadonlyArray<Record<string, unknown>>): void {
  if (!Array.isArray(rows))
    throw new DataUnusableError(
      `cannot judge live input drift: the served rows are ${jsonType(rows)}, expected an array of JSON objects`,
    );
  rows.forEach((row: unknown, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw new DataUnusableError(
        `cannot judge live input drift: served row ${i} is ${jsonType(row)}, expected a JSON object of column values`,
      );
  });
}

/** The reference's columns, restricted to `columns` (each of which it must have). */
async function readReferenceColumns(
  reference: string,
  allowedRoots: readonly string[],
  columns: readonly string[] | undefined,
): Promise<ColumnSchema[]> {
  const reader = await openDataset(reference, { allowedRoots, columns: [] });
  let all: ColumnSchema[];
  try {
    all = reader.schema().columns;
  } finally {
    await reader.close();
  }
  if (columns === undefined) return all;
  const byName = new Map(all.map((c) => [c.name, c]));
  const absent = columns.filter((c) => !byName.has(c));
  if (absent.length > 0)
    throw datasetUnusable(
      reference,
      `the reference has no column ${absent.map((c) => JSON.stringify(c)).join(', ')} (named in columns); ` +
        `it has ${all.map((c) => c.name).join(', ')}`,
    );
  return columns.map((c) => byName.get(c) as ColumnSchema);
}

/** A reference column some row carries: written to the temporary file. */
interface WrittenColumn {
  column: ColumnSchema;
  kind: LiveValueKind;
  /** Filled while the column is converted (`rowsTable`). */
  wrongTyped: IssueRows;
}

interface ColumnPlan {
  written: WrittenColumn[];
  missing: string[];
  ignored: string[];
  /** Reference columns not written, with the reason, for `DriftReport.skipped`. */
  skipped: DriftReport['skipped'];
}

function planColumns(
  rows: ReadonlyArray<Record<string, unknown>>,
  referenceColumns: readonly ColumnSchema[],
  drift: DriftSpec,
): ColumnPlan {
  const referenceNames = new Set(referenceColumns.map((c) => c.name));
  const carried = new Set<string>();
  const ignored = new Set<string>();
  for (const row of rows)
    for (const key of Object.keys(row)) (referenceNames.has(key) ? carried : ignored).add(key);

  const plan: ColumnPlan = { written: [], missing: [], ignored: [...ignored].sort(), skipped: [] };
  for (const column of referenceColumns) {
    const leftOut = Object.hasOwn(drift.columns, column.name) && drift.columns[column.name] === false;
    if (!carried.has(column.name)) {
      if (leftOut) plan.skipped.push({ column: column.name, reason: 'left out by drift.columns' });
      else {
        plan.missing.push(column.name);
        plan.skipped.push({ column: column.name, reason: MISSING_FROM_ROWS });
      }
      continue;
    }
    const kind = column.kind;
    if (kind === 'null' || kind === 'other') {
      // The engine does not compare these either (dates, timestamps, all-null columns).
      plan.skipped.push({ column: column.name, reason: `a ${column.sourceType} column is not compared` });
      continue;
    }
    plan.written.push({ column, kind, wrongTyped: { count: 0, first: [] } });
  }
  return plan;
}

/** References prepared for drift lately, newest last (a Map keeps insertion order). */
const preparedReferences = new Map<string, PreparedReference>();
/**
 * How many prepared references a process keeps. A monitor judges the same reference every few
 * minutes for days; profiling it again each time costs a pass (two for large continuous columns)
 * over a file of maybe millions of rows. A prepared reference is its sketches and grids: about a
 * megabyte per column at most.
 */
export const PREPARED_REFERENCE_CACHE_SIZE = 4;

/**
 * The reference prepared for `part`'s columns, from the cache while the file's size and
 * modification time are unchanged; prepared and kept otherwise.
 */
async function preparedReference(
  part: ValidationPartInput,
  reference: string,
  signal: AbortSignal | undefined,
): Promise<PreparedReference | undefined> {
  const st = await stat(reference).catch((err: unknown) => {
    throw new DataUnusableError(`cannot read the reference ${reference}: ${errorMessage(err)}`, {
      cause: err,
    });
  });
  const key = JSON.stringify([reference, st.size, st.mtimeMs, part.columns ?? null]);
  const kept = preparedReferences.get(key);
  if (kept !== undefined) {
    preparedReferences.delete(key); // most recently used: to the end
    preparedReferences.set(key, kept);
    return kept;
  }
  const prepared = await prepareReference(part, signal ? { signal } : {});
  if (prepared === undefined) return undefined;
  preparedReferences.set(key, prepared);
  for (const old of preparedReferences.keys()) {
    if (preparedReferences.size <= PREPARED_REFERENCE_CACHE_SIZE) break;
    preparedReferences.delete(old);
  }
  return prepared;
}

/** Forgets every prepared reference (tests). */
export function clearPreparedReferences(): void {
  preparedReferences.clear();
}

/** How many prepared references are kept now (tests). */
export function preparedReferenceCount(): number {
  return preparedReferences.size;
}

/** Writes the rows to a temporary Arrow file, runs the engine's drift on it, removes the file. */
async function judgeRows(
  rows: ReadonlyArray<Record<string, unknown>>,
  written: WrittenColumn[],
  reference: string,
  opts: LiveDriftOptions,
  tmpDir: string | undefined,
): Promise<DriftReport> {
  const parent = tmpDir ?? tmpdir();
  let dir: string;
  try {
    // Real path: the engine checks the file against its allowed roots after resolving symlinks.
    dir = await realpath(await mkdtemp(join(parent, 'mlcd-live-drift-')));
  } catch (err) {
    throw new DataUnusableError(
      `cannot write the served rows to a temporary file in ${parent}: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  try {
    const file = join(dir, 'served-rows.arrow');
    await writeFile(file, tableToIPC(rowsTable(rows, written), 'file'));
    const rules: SchemaRules = { minRows: 1, allowExtraColumns: true, columns: {} };
    const part: ValidationPartInput = {
      dataPath: file,
      rules,
      expectations: [],
      reference,
      drift: { ...opts.drift, enabled: true },
      // The reference was checked against the caller's roots; the temporary directory is ours.
      allowedRoots: [...opts.allowedRoots, dir],
      columns: written.map((w) => w.column.name),
      tableChecks: false,
      inputs: { sha256: {} },
    };
    const prepared = await preparedReference(part, reference, opts.signal);
    const validation = await runValidationPart(part, undefined, opts.signal, prepared);
    if (validation.drift === undefined) throw new Error('the validation engine returned no drift report');
    return validation.drift;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * One Arrow vector per written column. Numbers are Float64 whatever the reference's integer
 * width: the engine compares numeric columns as float64 (an Int64 column would need BigInts, and a
 * served 2.5 would not fit an integer type), and drift compares kinds, not storage types.
 */
function rowsTable(rows: ReadonlyArray<Record<string, unknown>>, written: WrittenColumn[]): Table {
  const vectors: Record<string, Vector> = {};
  for (const w of written) {
    const name = w.column.name;
    const values: Array<number | string | boolean | null> = new Array<null>(rows.length).fill(null);
    rows.forEach((row, i) => {
      const v = Object.hasOwn(row, name) ? row[name] : undefined;
      if (v === undefined || v === null) return;
      if (typeof v === w.kind) values[i] = v as number | string | boolean;
      else {
        w.wrongTyped.count++;
        if (w.wrongTyped.first.length < MAX_EXAMPLE_ROWS) w.wrongTyped.first.push(i);
      }
    });
    vectors[name] = vectorFromArray(values, arrowType(w.kind));
  }
  return new Table(vectors);
}

function arrowType(kind: LiveValueKind): DataType {
  switch (kind) {
    case 'number':
      return new Float64();
    case 'string':
      return new Utf8();
    case 'boolean':
      return new Bool();
  }
}

/**
 * @example
 * live input drift: 2 of 3 columns drifted (66.7% > 50%) in 500 served rows against /data/ref.arrow:
 *   tenure wasserstein 0.84 >= 0.1, plan jensenshannon 0.31 >= 0.1
 */
function summarize(
  rows: number,
  report: DriftReport,
  missing: readonly string[],
  wrongTyped: readonly WrongTypedValues[],
): string {
  const share = `${pct(report.driftedShare)} ${report.datasetDrift ? '>' : '<='} ${pct(report.maxDriftedShare)}`;
  const head = report.datasetDrift
    ? 'live input drift'
    : report.driftedColumns > 0
      ? 'no live input drift (dataset rule)'
      : 'no live input drift';
  const drifted = report.columns.filter((c) => c.drifted);
  const parts = [
    `${head}: ${report.driftedColumns} of ${plural(report.judgedColumns, 'column')} drifted (${share}) ` +
      `in ${plural(rows, 'served row')} against ${report.reference}` +
      (drifted.length > 0 ? `: ${drifted.map(columnVerdict).join(', ')}` : ''),
  ];
  if (missing.length > 0) parts.push(`missing from every row: ${missing.join(', ')}`);
  if (wrongTyped.length > 0)
    parts.push(
      `wrong-typed values judged as null: ${wrongTyped.map((w) => `${w.column} ${w.rows.count} (not ${w.expected})`).join(', ')}`,
    );
  return parts.join('; ');
}

/** `x wasserstein 0.84 >= 0.1`, `x ks p-value 0.001 < 0.05` (as the validation issues say it). */
function columnVerdict(c: ColumnDrift): string {
  const test = P_VALUE_DRIFT_METHODS.includes(c.method as DriftMethod);
  return `${c.column} ${c.method} ${test ? 'p-value ' : ''}${num(c.score)} ${test ? '<' : '>='} ${c.threshold}`;
}

function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

function pct(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
