/**
 * Whole-batch shortcuts (a range check on a batch inside the range, a not-null check on a batch
 * without nulls or NaN) give the results of checking every row.
 */
import { ColumnAccumulator } from '../../src/data/column-accumulator';
import { ColumnProfiler } from '../../src/data/column-profiler';
import { numberBatchStats } from '../../src/data/readers/batch-stats';
import { dictionaryStringBatch } from '../../src/data/readers/dictionary-strings';
import type { ColumnSchema, DataBatch, StringColumnBatch } from '../../src/data/readers/types';
import { ExpectationRunner } from '../../src/expectations/runner';
import type { Expectation } from '../../src/expectations/types';
import { numberBatch } from '../fixtures/data/column-batches';
import { ExactAggregates } from '../fixtures/expectations/exact-aggregates';

const COLUMN: ColumnSchema = { name: 'x', kind: 'number', sourceType: 'Float64', integer: false };

/** Batches that pass whole, fail in one row, hold NaN, ±Infinity, nulls only. */
const BATCHES: Array<Array<number | null>> = [
  [1, 2, 3, 4],
  [5, null, 6, 7],
  [0, 2, 11, 3],
  [4, NaN, 5, 6],
  [null, null, null, null],
  [Infinity, 2, 3, 4],
  [3, 4, -Infinity, 5],
  [10, 10, 0, 0],
];

describe('numeric batch stats and the shortcuts that use them', () => {
  it('min, max, NaN and infinities of the non-null rows', () => {
    expect(numberBatchStats(numberBatch([3, null, -1, NaN, Infinity, 2]))).toEqual({
      min: -1,
      max: 3,
      nan: 1,
      infinite: 1,
    });
    expect(numberBatchStats(numberBatch([null, null]))).toEqual({
      min: Infinity,
      max: -Infinity,
      nan: 0,
      infinite: 0,
    });
  });

  it.each([true, false])('between and not-null give every row’s answer (profiled first: %s)', (profiled) => {
    const expectations = [
      { type: 'expect_column_values_to_be_between', kwargs: { column: 'x', min_value: 0, max_value: 10 } },
      {
        type: 'expect_column_values_to_be_between',
        kwargs: { column: 'x', min_value: 0, max_value: 10, strict_max: true },
      },
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'x' } },
    ] as unknown as Expectation[];
    const runner = new ExpectationRunner(expectations, { format: 'arrow-file', columns: [COLUMN] });
    const profiler = new ColumnProfiler(COLUMN);
    const agg = new ExactAggregates();
    let offset = 0;
    for (const values of BATCHES) {
      const b = numberBatch(values);
      if (profiled) profiler.add(b);
      const batch: DataBatch = { rowOffset: offset, numRows: b.length, columns: new Map([['x', b]]) };
      runner.add(batch);
      agg.add(batch);
      offset += b.length;
    }
    const [between, strict, notNull] = runner.finish(agg);
    // Row by row: 11 is out, ±Infinity are out; NaN and nulls are missing; strict max drops the 10s too.
    expect(between).toMatchObject({
      unexpectedCount: 3,
      missingCount: 6,
      rows: { count: 3, first: [10, 20, 26] },
    });
    expect(strict).toMatchObject({ unexpectedCount: 5, rows: { first: [10, 20, 26, 28, 29] } });
    // The first MAX_EXAMPLE_ROWS (5) rows are kept.
    expect(notNull).toMatchObject({ unexpectedCount: 6, rows: { first: [5, 13, 16, 17, 18] } });
  });

  it('not-null counts every missing row once its examples are settled, NaN and nulls alike', () => {
    const expectations = [
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'x', mostly: 0.5 } },
    ] as unknown as Expectation[];
    const runner = new ExpectationRunner(expectations, { format: 'arrow-file', columns: [COLUMN] });
    const agg = new ExactAggregates();
    let offset = 0;
    let missing = 0;
    const first: number[] = [];
    for (let k = 0; k < 40; k++) {
      // Batches of 10: a null every 3rd row, NaN in every 4th batch's row 5.
      const values = Array.from({ length: 10 }, (_, i) =>
        i % 3 === 0 ? null : k % 4 === 0 && i === 5 ? NaN : i,
      );
      values.forEach((v, i) => {
        if (v === null || Number.isNaN(v)) {
          missing++;
          if (first.length < 5) first.push(offset + i);
        }
      });
      const b = numberBatch(values);
      const batch: DataBatch = { rowOffset: offset, numRows: b.length, columns: new Map([['x', b]]) };
      runner.add(batch);
      agg.add(batch);
      offset += b.length;
    }
    const [notNull] = runner.finish(agg);
    expect(notNull).toMatchObject({ unexpectedCount: missing, rows: { count: missing, first } });
    expect(missing).toBe(170);
  });

  it('in-set, a schema domain and null counts on dictionary batches equal the row-by-row answer', () => {
    const S: ColumnSchema = { name: 's', kind: 'string', sourceType: 'Utf8', integer: false };
    // Batches whose dictionary is all in the set, or holds an outsider, with and without nulls.
    const rows: Array<Array<string | null>> = [];
    for (let k = 0; k < 30; k++) {
      rows.push(
        Array.from({ length: 12 }, (_, i) =>
          i % 4 === 1 && k % 3 !== 0
            ? null
            : k % 5 === 2 && i === 7
              ? 'z'
              : (['a', 'b', 'c'][(i + k) % 3] ?? 'a'),
        ),
      );
    }
    const expectations = [
      { type: 'expect_column_values_to_be_in_set', kwargs: { column: 's', value_set: ['a', 'b', 'c'] } },
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 's', mostly: 0.1 } },
    ] as unknown as Expectation[];
    const run = (asDictionary: boolean) => {
      const runner = new ExpectationRunner(expectations, { format: 'arrow-file', columns: [S] });
      const acc = new ColumnAccumulator(S, {
        type: 'string',
        values: ['a', 'b', 'c'],
        required: true,
        nullable: true,
      } as never);
      const agg = new ExactAggregates();
      let offset = 0;
      for (const part of rows) {
        const nulls = Uint8Array.from(part, (v) => (v === null ? 1 : 0));
        const nullCount = nulls.reduce((a, x) => a + x, 0);
        const dictionary = [...new Set(part.filter((v): v is string => v !== null))];
        const b: StringColumnBatch = asDictionary
          ? dictionaryStringBatch(
              dictionary,
              Int32Array.from(part, (v) => (v === null ? -1 : dictionary.indexOf(v))),
              nulls,
              nullCount,
            )
          : { kind: 'string', length: part.length, values: part, nulls, nullCount };
        const batch: DataBatch = { rowOffset: offset, numRows: b.length, columns: new Map([['s', b]]) };
        runner.add(batch);
        agg.add(batch);
        acc.add(b, offset);
        offset += b.length;
      }
      return {
        results: runner.finish(agg),
        unknown: acc.stats.unknown.toIssueRows(),
        nulls: acc.stats.nulls.toIssueRows(),
      };
    };
    const plain = run(false);
    expect(run(true)).toEqual(plain);
    expect(plain.unknown.count).toBe(6);
    expect(plain.nulls.count).toBe(60);
    expect(plain.results[0]).toMatchObject({ unexpectedCount: 6, missingCount: 60 });
  });

  it('a schema range rule flags the same rows with and without the shortcut', () => {
    const acc = new ColumnAccumulator(COLUMN, {
      type: 'number',
      min: 0,
      max: 10,
      required: true,
      nullable: true,
    } as never);
    let offset = 0;
    for (const values of BATCHES) {
      const b = numberBatch(values);
      acc.add(b, offset);
      offset += b.length;
    }
    expect(acc.stats.outOfRange.toIssueRows()).toEqual({ count: 1, first: [10] });
    expect(acc.stats.nonFinite.toIssueRows()).toEqual({ count: 3, first: [13, 20, 26] });
    expect(acc.stats.nulls.count).toBe(5);
  });
});
