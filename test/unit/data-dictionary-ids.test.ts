/**
 * Batches whose dictionaries carry the reader's stable value ids (`DictionaryIds`) give the same
 * profile and check results as the same strings without ids: the ids only save work.
 */
import { ColumnProfiler } from '../../src/data/column-profiler';
import { dictionaryStringBatch } from '../../src/data/readers/dictionary-strings';
import type { ColumnSchema, DataBatch, StringColumnBatch } from '../../src/data/readers/types';
import { Utf8Interner } from '../../src/data/readers/utf8-interner';
import { ExpectationRunner } from '../../src/expectations/runner';
import type { Expectation } from '../../src/expectations/types';
import { ExactAggregates } from '../fixtures/expectations/exact-aggregates';

const COLUMN: ColumnSchema = { name: 's', kind: 'string', sourceType: 'Utf8', integer: false };
const encoder = new TextEncoder();

/** Rows of strings (null = missing) as interned batches (with ids) or plain batches. */
function batches(
  rows: ReadonlyArray<string | null>,
  size: number,
  interned: Utf8Interner[] | undefined,
): StringColumnBatch[] {
  const out: StringColumnBatch[] = [];
  for (let start = 0, b = 0; start < rows.length; start += size, b++) {
    const part = rows.slice(start, start + size);
    const nulls = Uint8Array.from(part, (v) => (v === null ? 1 : 0));
    const nullCount = nulls.reduce((a, x) => a + x, 0);
    if (interned === undefined) {
      out.push({ kind: 'string', length: part.length, values: part, nulls, nullCount });
      continue;
    }
    // A new interner (a new id space) every few batches, as a new read would bring.
    const interner = interned[Math.floor(b / 3) % interned.length] as Utf8Interner;
    // As the readers do once many values are held, the entries themselves may be the codes.
    const asEntries = interner.prefersIdentity(part.length);
    if (!asEntries) interner.beginBatch();
    const codes = Int32Array.from(part, (v) => {
      if (v === null) return -1;
      const bytes = encoder.encode(v);
      return asEntries ? interner.intern(bytes, 0, bytes.length) : interner.code(bytes, 0, bytes.length);
    });
    const { dictionary, ids } = asEntries ? interner.identityBatch() : interner.finishBatch();
    out.push(dictionaryStringBatch(dictionary, codes, nulls, nullCount, ids));
  }
  return out;
}

function rowsOf(n: number, distinct: number): Array<string | null> {
  return Array.from({ length: n }, (_, i) =>
    i % 17 === 0 ? null : `v${(i * 7919) % distinct}${i % 5 === 0 ? 'x' : ''}`,
  );
}

/** A regex check and an exact distinct count over the batches of column `s`. */
function regexAndDistinct(columns: StringColumnBatch[]) {
  const expectations = [
    { type: 'expect_column_values_to_match_regex', kwargs: { column: 's', regex: '^v[0-9]+$' } },
    {
      type: 'expect_column_unique_value_count_to_be_between',
      kwargs: { column: 's', min_value: 0, max_value: 1e9 },
    },
  ] as unknown as Expectation[];
  const runner = new ExpectationRunner(expectations, { format: 'arrow-file', columns: [COLUMN] });
  const agg = new ExactAggregates();
  let offset = 0;
  for (const c of columns) {
    const batch: DataBatch = { rowOffset: offset, numRows: c.length, columns: new Map([['s', c]]) };
    runner.add(batch);
    agg.add(batch);
    offset += c.length;
  }
  return runner.finish(agg);
}

describe('stable dictionary ids', () => {
  it.each([
    ['few values', 200, 4096],
    ['many values, codes as ids in most batches', 12_000, 8192],
    ['more values than exact category counters', 140_000, 4096],
  ])('profile with ids equals the profile without (%s)', (_name, distinct, size) => {
    const rows = rowsOf(300_000, distinct);
    const plain = new ColumnProfiler(COLUMN);
    const withIds = new ColumnProfiler(COLUMN);
    for (const b of batches(rows, size, undefined)) plain.add(b);
    const interned = batches(rows, size, [new Utf8Interner(), new Utf8Interner()]);
    const identity = interned.filter((b) => b.dictionaryIds?.identity === true).length;
    // Each id space starts with batches of their own dictionaries, then hands out ids as codes
    // while the values held are many for a batch but at most 4 batches' worth (140k values:
    // only for a while, then batch dictionaries again).
    expect(identity > 0).toBe(distinct > 200);
    if (distinct === 12_000) expect(identity).toBeGreaterThan(interned.length / 2);
    if (distinct === 140_000) expect(identity).toBeLessThan(interned.length / 2);
    for (const b of interned) withIds.add(b);
    const a = plain.profile();
    const b = withIds.profile();
    if (distinct < 20_000) {
      expect(b).toEqual(a);
      expect(a).toMatchObject({ topValuesExact: true });
    } else {
      // Past the exact counters the batches reach Space-Saving in other groupings: the same
      // guarantees, not necessarily the same ties among values counted 3 times.
      const { topValues: topA, ...restA } = a as typeof a & { topValues: unknown };
      const { topValues: topB, ...restB } = b as typeof b & { topValues: unknown };
      expect(restB).toEqual(restA);
      expect(restA).toMatchObject({ topValuesExact: false });
      expect((topB as unknown[]).length).toBe((topA as unknown[]).length);
    }
  });

  it('expectations read the same through ids: regex verdicts and exact distinct counts', () => {
    const rows = rowsOf(50_000, 3000);
    const plain = regexAndDistinct(batches(rows, 1000, undefined));
    const withIds = regexAndDistinct(batches(rows, 1000, [new Utf8Interner(), new Utf8Interner()]));
    expect(withIds).toEqual(plain);
    expect(plain[1]).toMatchObject({ observed: new Set(rows.filter((r) => r !== null)).size });
  });

  it('expectations read the same when the codes are the ids', () => {
    const rows = rowsOf(120_000, 9000);
    const interned = batches(rows, 8192, [new Utf8Interner(), new Utf8Interner()]);
    expect(interned.filter((b) => b.dictionaryIds?.identity === true).length).toBeGreaterThan(5);
    const plain = regexAndDistinct(batches(rows, 8192, undefined));
    expect(regexAndDistinct(interned)).toEqual(plain);
    expect(plain[0]).toMatchObject({ success: false });
    expect(plain[1]).toMatchObject({ observed: new Set(rows.filter((r) => r !== null)).size });
  });
});
