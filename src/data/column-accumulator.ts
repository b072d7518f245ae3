import type { ColumnRule } from '../core/spec/types';

import { numberBatchStats } from './readers/batch-stats';
import type { ColumnBatch, ColumnSchema, NumberColumnBatch } from './readers/types';
import { MAX_EXAMPLE_ROWS } from './report';
import { RowSample } from './row-sample';
import { typeCompatibility } from './type-compatibility';
import type { TypeCompatibility } from './type-compatibility';

/** A value of a categorical domain, as written in the spec. */
export type DomainValue = string | number | boolean;

/** The rule violations one pass over a column has gathered; read by `columnIssues`. */
export interface ColumnStats {
  rows: number;
  nulls: RowSample;
  /** Numeric columns: non-finite values, by kind and by row. */
  nan: number;
  posInf: number;
  negInf: number;
  nonFinite: RowSample;
  /** `integer` rule on a float column: finite values that are not whole. */
  nonWhole: RowSample;
  /** Finite values outside the rule's [min, max]. */
  outOfRange: RowSample;
  /** Non-null values outside the rule's `values`, and the first few distinct ones. */
  unknown: RowSample;
  unknownExamples: DomainValue[];
}

/**
 * Folds the batches of one column into statistics and rule-violation samples in a single
 * streaming pass with bounded memory. Feed it every batch in order with `add`, then read
 * `stats` and `compatibility`. Value checks (whole numbers, range, domain) run only with a rule
 * and a compatible type; nulls are always gathered. (Statistics: see `ColumnProfiler`.)
 */
const trunc = Math.trunc;

export class ColumnAccumulator {
  /** The rule's type against the column's; `ok` when there is no rule. */
  readonly compatibility: TypeCompatibility;
  readonly stats: ColumnStats = {
    rows: 0,
    nulls: new RowSample(),
    nan: 0,
    posInf: 0,
    negInf: 0,
    nonFinite: new RowSample(),
    nonWhole: new RowSample(),
    outOfRange: new RowSample(),
    unknown: new RowSample(),
    unknownExamples: [],
  };
  private readonly checkWhole: boolean;
  private readonly low: number;
  private readonly high: number;
  private readonly checkRange: boolean;
  private readonly domain: Set<DomainValue> | undefined;
  private readonly exampleSet = new Set<DomainValue>();

  /**
   * @param column - the column as the reader describes it
   * @param rule - the spec's rule for it; undefined for a column the spec does not name
   */
  constructor(
    readonly column: ColumnSchema,
    readonly rule: ColumnRule | undefined,
  ) {
    this.compatibility = rule ? typeCompatibility(rule.type, column) : 'ok';
    const checks = rule !== undefined && this.compatibility !== 'mismatch';
    this.checkWhole = checks && this.compatibility === 'whole';
    this.low = checks && rule.min !== undefined ? rule.min : -Infinity;
    this.high = checks && rule.max !== undefined ? rule.max : Infinity;
    this.checkRange = checks && (rule.min !== undefined || rule.max !== undefined);
    this.domain = checks && rule.values !== undefined ? domainSet(rule.values, column) : undefined;
  }

  /**
   * Folds one batch of this column.
   *
   * @param rowOffset - 0-based index in the file of the batch's first row
   */
  add(batch: ColumnBatch, rowOffset: number): void {
    const s = this.stats;
    s.rows += batch.length;
    const { nulls } = batch;
    if (batch.nullCount > 0) {
      // Once the sample holds its first rows, later nulls only add to the count.
      if (s.nulls.full) s.nulls.count += batch.nullCount;
      else for (let i = 0; i < batch.length; i++) if (nulls[i] === 1) s.nulls.add(rowOffset + i);
    }
    switch (batch.kind) {
      case 'number':
        if (!this.passesWhole(batch)) this.addNumbers(batch.values, nulls, rowOffset);
        break;
      case 'string':
        if (this.domain === undefined) break;
        if (batch.codes !== undefined && batch.dictionary !== undefined)
          this.addCodes(batch.codes, batch.dictionary, rowOffset);
        else this.addStrings(batch.values, rowOffset);
        break;
      case 'boolean':
        if (this.domain === undefined) break;
        for (let i = 0; i < batch.length; i++) {
          if (nulls[i] === 1) continue;
          this.checkDomain(batch.values[i] === 1, rowOffset + i);
        }
        break;
      case 'null':
      case 'other':
        break;
    }
  }

  /**
   * True when no value of the batch can be reported: no NaN or ±Infinity, the batch's min and
   * max inside the rule's range, and no per-value rule (whole numbers, a domain) to check.
   */
  private passesWhole(batch: NumberColumnBatch): boolean {
    if (this.checkWhole || this.domain !== undefined) return false;
    const stats = numberBatchStats(batch);
    if (stats.nan + stats.infinite > 0) return false;
    return !this.checkRange || (stats.min >= this.low && stats.max <= this.high);
  }

  private addNumbers(values: Float64Array, nulls: Uint8Array, rowOffset: number): void {
    const s = this.stats;
    // Fields read once: this loop runs for every value of every numeric column.
    const { checkWhole, checkRange, low, high } = this;
    const checkDomain = this.domain !== undefined;
    for (let i = 0; i < values.length; i++) {
      if (nulls[i] === 1) continue;
      const v = values[i] as number;
      if (v - v !== 0) {
        // NaN or ±Infinity: v − v is NaN for both.
        const row = rowOffset + i;
        if (v !== v) s.nan++;
        else if (v > 0) s.posInf++;
        else s.negInf++;
        s.nonFinite.add(row);
        continue;
      }
      if (checkWhole && v !== trunc(v)) s.nonWhole.add(rowOffset + i);
      if (checkRange && (v < low || v > high)) s.outOfRange.add(rowOffset + i);
      if (checkDomain) this.checkDomain(v, rowOffset + i);
    }
  }

  private addStrings(values: ReadonlyArray<string | null>, rowOffset: number): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      this.checkDomain(v, rowOffset + i);
    }
  }

  /** Dictionary-encoded strings: look each dictionary entry up once, then scan the codes. */
  private addCodes(codes: Int32Array, dictionary: ReadonlyArray<string>, rowOffset: number): void {
    const domain = this.domain;
    if (domain === undefined) return;
    const allowed = new Uint8Array(dictionary.length);
    let allAllowed = true;
    for (let c = 0; c < dictionary.length; c++) {
      allowed[c] = domain.has(dictionary[c] as string) ? 1 : 0;
      if (allowed[c] === 0) allAllowed = false;
    }
    // Every entry in the domain: no row can be reported.
    if (allAllowed) return;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i] as number;
      if (c >= 0 && allowed[c] === 0) this.checkDomain(dictionary[c] as string, rowOffset + i);
    }
  }

  private checkDomain(v: DomainValue, row: number): void {
    if (this.domain === undefined || this.domain.has(v)) return;
    this.stats.unknown.add(row);
    if (this.exampleSet.size < MAX_EXAMPLE_ROWS && !this.exampleSet.has(v)) {
      this.exampleSet.add(v);
      this.stats.unknownExamples.push(v);
    }
  }
}

/**
 * The spec's categorical values in the column's value space: numbers for numeric columns
 * (numeric strings such as a quoted "1" count as numbers), `String(v)` for string columns,
 * booleans (or "true"/"false") for boolean columns.
 */
function domainSet(values: ReadonlyArray<DomainValue>, column: ColumnSchema): Set<DomainValue> {
  const out = new Set<DomainValue>();
  for (const v of values) {
    switch (column.kind) {
      case 'number': {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isFinite(n)) out.add(n);
        break;
      }
      case 'string':
        out.add(String(v));
        break;
      case 'boolean':
        if (typeof v === 'boolean') out.add(v);
        else if (v === 'true' || v === 'false') out.add(v === 'true');
        break;
      case 'null':
      case 'other':
        break;
    }
  }
  return out;
}
