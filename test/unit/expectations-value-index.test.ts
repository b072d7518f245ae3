import type { ColumnBatch, ColumnSchema, DataBatch, DatasetSchema } from '../../src/data/readers/types';
import { DenseIntegerTable, NOT_DENSE } from '../../src/expectations/dense-integer-table';
import { DuplicateTable, numberKey } from '../../src/expectations/duplicate-table';
import type { Key64 } from '../../src/expectations/duplicate-table';
import { ExpectationRunner } from '../../src/expectations/runner';
import type { Expectation, ExpectationResult } from '../../src/expectations/types';
import { ColumnValueIndex } from '../../src/expectations/value-index';
import { numberBatch, stringBatch } from '../fixtures/data/column-batches';
import { ExactAggregates } from '../fixtures/expectations/exact-aggregates';
import { seededRandom as rng } from '../helpers/seeded-random';

/** Splits whole columns into batches of `size` rows. */
function batches(columns: Record<string, ReadonlyArray<number | string | null>>, size: number): DataBatch[] {
  const rows = Object.values(columns)[0]?.length ?? 0;
  const out: DataBatch[] = [];
  for (let start = 0; start < rows; start += size) {
    const map = new Map<string, ColumnBatch>();
    for (const [name, values] of Object.entries(columns)) {
      const part = values.slice(start, start + size);
      map.set(
        name,
        part.some((v) => typeof v === 'string')
          ? stringBatch(part as Array<string | null>)
          : numberBatch(part as Array<number | null>),
      );
    }
    out.push({ rowOffset: start, numRows: Math.min(size, rows - start), columns: map });
  }
  return out;
}

const NUM: ColumnSchema = { name: 'a', kind: 'number', sourceType: 'Int64', integer: true };

/** Occurrence count and first row per value, as a Map would keep them (the reference). */
function referenceEvents(values: ReadonlyArray<number | null>): Array<[number, number, number]> {
  const seen = new Map<number, { count: number; first: number }>();
  const out: Array<[number, number, number]> = [];
  values.forEach((v, row) => {
    if (v === null || Number.isNaN(v)) return;
    const key = v === 0 ? 0 : v;
    const s = seen.get(key);
    if (s === undefined) seen.set(key, { count: 1, first: row });
    else out.push([row, ++s.count, s.first]);
  });
  return out;
}

function indexEvents(
  values: ReadonlyArray<number | null>,
  batchRows: number,
): {
  events: Array<[number, number, number]>;
  index: ColumnValueIndex;
} {
  const index = new ColumnValueIndex(NUM);
  const events: Array<[number, number, number]> = [];
  for (const b of batches({ a: values }, batchRows)) {
    index.add(b);
    const e = index.events;
    for (let j = 0; j < e.length; j++) {
      events.push([
        b.rowOffset + (e.index[j] as number),
        Math.min(e.count[j] as number, 1e9),
        e.firstRow[j] as number,
      ]);
    }
  }
  return { events, index };
}

describe('DenseIntegerTable', () => {
  it('counts consecutive ids, negatives and large safe integers like a Map', () => {
    const table = new DenseIntegerTable();
    // Dense enough (300,000 consecutive ids) that a few far chunks are allowed.
    let wrong = 0;
    for (let v = 2; v < 300_000; v++) if (table.add(v, v) !== 1) wrong++;
    expect(wrong).toBe(0);
    const values = [0, 1, 65_535, 65_536, -1, -65_536, -65_537, 2 ** 40 + 3, 1, -1, 2 ** 40 + 3, 1];
    const counts = values.map((v, i) => table.add(v, 1_000_000 + i));
    expect(counts).toEqual([1, 1, 2, 2, 1, 1, 1, 1, 2, 2, 2, 3]);
    expect(table.size).toBe(300_000 + 4);
    table.add(2 ** 40 + 3, 99);
    expect(table.lastFirstRow).toBe(1_000_007);
    table.add(65_536, 99);
    expect(table.lastFirstRow).toBe(65_536);
  });

  it('gives up on fractions, unsafe integers, sparse values and rows past 2^32 - 1', () => {
    expect(new DenseIntegerTable().add(0.5, 0)).toBe(NOT_DENSE);
    expect(new DenseIntegerTable().add(2 ** 60, 0)).toBe(NOT_DENSE);
    expect(new DenseIntegerTable().add(1, 2 ** 32)).toBe(NOT_DENSE);
    const sparse = new DenseIntegerTable();
    const answers = [0, 1, 2, 3, 4, 5].map((k) => sparse.add(k * 1_000_000, k));
    expect(answers.slice(0, 4)).toEqual([1, 1, 1, 1]);
    expect(answers[4]).toBe(NOT_DENSE);
  });

  it('moves counts and first rows to a hash table intact', () => {
    const dense = new DenseIntegerTable();
    for (let row = 0; row < 1000; row++) dense.add(row % 300, row);
    const table = new DuplicateTable();
    dense.moveTo(table);
    expect(table.size).toBe(300);
    const key: Key64 = { hi: 0, lo: 0 };
    numberKey(299, key);
    expect(table.add(key, 5000)).toBe(4); // rows 299, 599, 899, then this one
    expect(table.lastFirstRow).toBe(299);
  });
});

describe('ColumnValueIndex', () => {
  it('reports every repeat with its count and first row, across batches, nulls and NaN', () => {
    const r = rng(7);
    const values = Array.from({ length: 5000 }, () => {
      const u = r();
      if (u < 0.05) return null;
      if (u < 0.07) return NaN;
      return Math.floor(r() * 3000);
    });
    const { events, index } = indexEvents(values, 777);
    expect(events).toEqual(referenceEvents(values));
    const present = values.filter((v) => v !== null && !Number.isNaN(v));
    expect(index.distinct).toBe(new Set(present).size);
    expect(index.missing).toBe(values.length - present.length);
    expect(index.repeats).toBe(present.length - index.distinct);
  });

  it('keeps counting exactly when integers give way to fractions and sparse values mid-stream', () => {
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) values.push(i % 1000);
    values.push(0.5, 0.5, -0);
    for (let i = 0; i < 200; i++) values.push(i * 1e9, i % 7);
    const { events, index } = indexEvents(values, 1024);
    expect(events).toEqual(referenceEvents(values));
    expect(index.distinct).toBe(new Set(values.map((v) => (v === 0 ? 0 : v))).size);
  });
});

describe('compound uniqueness through a member column index', () => {
  const schema: DatasetSchema = {
    format: 'arrow-file',
    columns: [
      { name: 'id', kind: 'number', sourceType: 'Int64', integer: true },
      { name: 'user', kind: 'string', sourceType: 'Utf8', integer: false },
    ],
  };
  const compound = (ignore: string): Expectation =>
    ({
      type: 'expect_compound_columns_to_be_unique',
      kwargs: { column_list: ['id', 'user'], ignore_row_if: ignore },
    }) as unknown as Expectation;
  const unique: Expectation = {
    type: 'expect_column_values_to_be_unique',
    kwargs: { column: 'id' },
  } as unknown as Expectation;

  function run(
    expectations: Expectation[],
    data: DataBatch[],
  ): { results: ExpectationResult[]; rescanned: boolean } {
    const runner = new ExpectationRunner(expectations, schema);
    const agg = new ExactAggregates();
    for (const b of data) {
      runner.add(b);
      agg.add(b);
    }
    const columns = runner.rescanColumns();
    if (columns !== undefined) for (const b of data) runner.rescan(b);
    return { results: runner.finish(agg), rescanned: columns !== undefined };
  }

  function dataset(seed: number, rows: number, idRange: number, nullShare: number): DataBatch[] {
    const r = rng(seed);
    const id: Array<number | null> = [];
    const user: Array<string | null> = [];
    for (let i = 0; i < rows; i++) {
      id.push(r() < nullShare ? null : idRange === 0 ? i : Math.floor(r() * idRange));
      user.push(r() < nullShare ? null : `u${Math.floor(r() * 5)}`);
    }
    return batches({ id, user }, 333);
  }

  it.each([
    ['unique ids, no nulls', 1, 0, 0],
    ['repeated ids', 2, 400, 0],
    ['unique ids with nulls', 3, 0, 0.05],
    ['repeated ids with nulls', 4, 300, 0.1],
  ])('%s: the same result as counting combinations in full', (_name, seed, idRange, nullShare) => {
    const data = dataset(seed, 2000, idRange, nullShare);
    for (const ignore of ['all_values_are_missing', 'any_value_is_missing', 'never']) {
      const alone = run([compound(ignore)], data);
      const withIndex = run([unique, compound(ignore)], data);
      expect(alone.rescanned).toBe(false);
      expect(withIndex.results[1]).toEqual(alone.results[0]);
      // The shortcut settles the check without a second pass only when ids are unique and present.
      expect(withIndex.rescanned).toBe(idRange !== 0 || nullShare > 0);
    }
  });

  it('does not lean on an index kept for distinct counts only', () => {
    const data = dataset(5, 1000, 200, 0);
    const distinct = {
      type: 'expect_column_unique_value_count_to_be_between',
      kwargs: { column: 'user', min_value: 1, max_value: 10 },
    } as unknown as Expectation;
    const alone = run([compound('never')], data);
    const withDistinct = run([distinct, compound('never')], data);
    expect(withDistinct.rescanned).toBe(false);
    expect(withDistinct.results[1]).toEqual(alone.results[0]);
    expect(withDistinct.results[0]).toMatchObject({ success: true, observed: 5 });
  });

  it('finish refuses to answer before the second pass it asked for', () => {
    const data = dataset(2, 500, 100, 0);
    const runner = new ExpectationRunner([unique, compound('never')], schema);
    for (const b of data) runner.add(b);
    expect(runner.rescanColumns()).toEqual(['id', 'user']);
    expect(() => runner.finish(new ExactAggregates())).toThrow('must be read again first');
  });
});
