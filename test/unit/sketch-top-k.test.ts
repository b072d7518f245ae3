// Exact category counts come from test/fixtures/sketch/generate.py (collections.Counter,
// sorted by count desc then value asc). Space-Saving answers are checked against a Map.
import fixture from '../fixtures/sketch/sketch-reference.json';
import { SketchInputError, TopK } from '../../src/sketch';
import { uniform01 } from '../fixtures/sketch/samples';

const { floor, min } = Math;

/** A Zipf-like stream of `n` labels over `categories` values, as [label, count] runs. */
function zipfStream(n: number, categories: number, seed: number): Array<[string, number]> {
  const r = uniform01(seed);
  const out: Array<[string, number]> = [];
  for (let i = 0; i < n; i++) {
    // Inverse-CDF draw of a power law: small indices are frequent.
    const idx = min(categories - 1, floor(categories ** r()) - 1);
    out.push([`v${idx}`, 1 + floor(r() * 3)]);
  }
  return out;
}

function truthOf(stream: ReadonlyArray<[string, number]>): Map<string, number> {
  const m = new Map<string, number>();
  for (const [v, c] of stream) m.set(v, (m.get(v) ?? 0) + c);
  return m;
}

/** Checks Space-Saving's guarantees of every tracked value against the true counts. */
function expectBoundsHold(topK: TopK, truth: Map<string, number>, total: number): void {
  const entries = topK.top();
  const smallest = Math.min(...entries.map((e) => e.count));
  for (const e of entries) {
    const t = truth.get(e.value) ?? 0;
    if (e.count < t) throw new Error(`${e.value} under-counted: ${e.count} < ${t}`);
    if (e.count - e.errorBound > t)
      throw new Error(`${e.value}: count - errorBound ${e.count - e.errorBound} > ${t}`);
  }
  const tracked = new Set(entries.map((e) => e.value));
  for (const [v, t] of truth) {
    // Untracked values never had more than the smallest counter; heavy ones are tracked.
    if (!tracked.has(v) && t > smallest)
      throw new Error(`untracked ${v} has ${t} > smallest counter ${smallest}`);
    if (t > total / topK.capacity && !tracked.has(v)) throw new Error(`heavy value ${v} not tracked`);
  }
}

describe('TopK exact mode matches collections.Counter', () => {
  it.each(fixture.categoricalCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const topK = new TopK();
    for (const i of c.stream) topK.add(c.labels[i] as string);
    expect(topK.isExact).toBe(true);
    expect(topK.totalCount).toBe(c.stream.length);
    const top = topK.top(20);
    expect(top.map((e) => [e.value, e.count])).toEqual(c.top.slice(0, 20));
    expect(top.every((e) => e.errorBound === 0)).toBe(true);
    expect(topK.top().length).toBe(c.distinct);
  });

  it('adds per-code counts and orders ties by value', () => {
    const topK = new TopK();
    topK.add('b', 5);
    topK.add('a', 5);
    topK.add('c', 7);
    topK.add('a', 0);
    expect(topK.top(3)).toEqual([
      { value: 'c', count: 7, errorBound: 0 },
      { value: 'a', count: 5, errorBound: 0 },
      { value: 'b', count: 5, errorBound: 0 },
    ]);
    expect(topK.top(0)).toEqual([]);
  });

  it('rejects negative or non-finite counts and bad options, naming them', () => {
    const topK = new TopK();
    expect(() => topK.add('a', -1)).toThrow(
      new SketchInputError('count', 'must be finite and >= 0 (got -1)'),
    );
    expect(() => topK.add('a', NaN)).toThrow(SketchInputError);
    expect(() => topK.add('a', Infinity)).toThrow(SketchInputError);
    expect(() => new TopK({ capacity: 0 })).toThrow(/options\.capacity/);
  });

  it('stays exact with exactly `capacity` distinct values, switches on the next', () => {
    const topK = new TopK({ capacity: 3 });
    topK.add('a', 3);
    topK.add('b', 2);
    topK.add('c', 1);
    expect(topK.isExact).toBe(true);
    topK.add('d');
    expect(topK.isExact).toBe(false);
    // 'c' (count 1) is evicted; 'd' takes over its counter with error 1.
    expect(topK.top()).toEqual([
      { value: 'a', count: 3, errorBound: 0 },
      { value: 'b', count: 2, errorBound: 0 },
      { value: 'd', count: 2, errorBound: 1 },
    ]);
  });
});

/** A full Space-Saving summary of `stream`: its total, its guarantees, and the right leaders. */
function expectSpaceSaving(topK: TopK, stream: ReadonlyArray<[string, number]>, capacity: number): void {
  const truth = truthOf(stream);
  const total = stream.reduce((s, [, c]) => s + c, 0);
  expect(topK.isExact).toBe(false);
  expect(topK.totalCount).toBe(total);
  expect(topK.top().length).toBe(capacity);
  expectBoundsHold(topK, truth, total);
  for (const e of topK.top()) expect(e.errorBound).toBeLessThanOrEqual(total / capacity);
  // The leaders are right: the top 5 true values are the top 5 reported.
  const trueTop = [...truth.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
  expect(topK.top(5).map((e) => e.value)).toEqual(trueTop.map(([v]) => v));
}

describe('TopK Space-Saving mode', () => {
  it.each([
    [50, 1],
    [200, 2],
    [1000, 3],
  ])('with %d counters: never under-counts, errorBound holds, heavy values are tracked', (capacity, seed) => {
    const stream = zipfStream(40_000, 20_000, seed);
    const topK = new TopK({ capacity });
    for (const [v, c] of stream) topK.add(v, c);
    expectSpaceSaving(topK, stream, capacity);
  });

  it.each([
    [50, 4, 500],
    [200, 5, 4096],
    [1000, 6, 10_000],
  ])(
    'addCounts with %d counters (batches of a stream, seed %d, %d rows a batch) keeps the same guarantees',
    (capacity, seed, batchRows) => {
      const stream = zipfStream(60_000, 20_000, seed);
      const topK = new TopK({ capacity });
      for (let start = 0; start < stream.length; start += batchRows) {
        // One batch's counts per value, as the profile hands them over.
        const batch = truthOf(stream.slice(start, start + batchRows));
        topK.addCounts([...batch.keys()], [...batch.values()]);
      }
      expectSpaceSaving(topK, stream, capacity);
      expect(TopK.fromJSON(JSON.parse(JSON.stringify(topK.toJSON()))).top()).toEqual(topK.top());
    },
  );

  it('addCounts equals add value by value while exact', () => {
    const a = new TopK({ capacity: 100 });
    const b = new TopK({ capacity: 100 });
    const values = ['x', 'y', 'z', 'x'];
    const counts = [3, 1, 0, 2];
    a.addCounts(values, counts);
    values.forEach((v, i) => b.add(v, counts[i]));
    expect(a.toJSON()).toEqual(b.toJSON());
    expect(() => a.addCounts(['w'], [-1])).toThrow(SketchInputError);
  });

  it('is deterministic: the same stream gives the same summary', () => {
    const stream = zipfStream(30_000, 5_000, 9);
    const a = new TopK({ capacity: 100 });
    const b = new TopK({ capacity: 100 });
    for (const [v, c] of stream) {
      a.add(v, c);
      b.add(v, c);
    }
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
  });
});

describe('TopK merge and JSON', () => {
  it('merging exact summaries sums counts exactly', () => {
    const a = new TopK();
    const b = new TopK();
    a.add('x', 2);
    a.add('y', 1);
    b.add('x', 3);
    b.add('z', 4);
    a.merge(b);
    expect(a.isExact).toBe(true);
    expect(a.top()).toEqual([
      { value: 'x', count: 5, errorBound: 0 },
      { value: 'z', count: 4, errorBound: 0 },
      { value: 'y', count: 1, errorBound: 0 },
    ]);
    expect(a.totalCount).toBe(10);
  });

  it('merging Space-Saving shards keeps the guarantees over the union', () => {
    const shards = [1, 2, 3, 4].map((s) => zipfStream(15_000, 10_000, 100 + s));
    const merged = new TopK({ capacity: 300 });
    for (const shard of shards) {
      const t = new TopK({ capacity: 300 });
      for (const [v, c] of shard) t.add(v, c);
      merged.merge(t);
    }
    const all = shards.flat();
    const truth = truthOf(all);
    const total = all.reduce((s, [, c]) => s + c, 0);
    expect(merged.totalCount).toBe(total);
    expectBoundsHold(merged, truth, total);
    // Keep adding after the merge: the guarantees still hold.
    const more = zipfStream(10_000, 10_000, 200);
    for (const [v, c] of more) merged.add(v, c);
    expectBoundsHold(merged, truthOf([...all, ...more]), total + more.reduce((s, [, c]) => s + c, 0));
  });

  it('merge(a, b) on exact summaries whose union exceeds capacity switches to Space-Saving', () => {
    const a = new TopK({ capacity: 3 });
    const b = new TopK({ capacity: 3 });
    a.add('a', 10);
    a.add('b', 1);
    b.add('c', 5);
    b.add('d', 2);
    a.merge(b);
    expect(a.isExact).toBe(false);
    expectBoundsHold(
      a,
      new Map([
        ['a', 10],
        ['b', 1],
        ['c', 5],
        ['d', 2],
      ]),
      18,
    );
    expect(a.top(2).map((e) => e.value)).toEqual(['a', 'c']);
  });

  it.each([
    ['exact', 10_000],
    ['space-saving', 50],
  ] as const)('a JSON round trip in %s mode preserves answers and later updates', (_mode, capacity) => {
    const stream = zipfStream(20_000, 2_000, 5);
    const topK = new TopK({ capacity });
    for (const [v, c] of stream.slice(0, 10_000)) topK.add(v, c);
    const restored = TopK.fromJSON(JSON.parse(JSON.stringify(topK.toJSON())));
    expect(restored.isExact).toBe(topK.isExact);
    expect(restored.top()).toEqual(topK.top());
    for (const [v, c] of stream.slice(10_000)) {
      topK.add(v, c);
      restored.add(v, c);
    }
    expect(JSON.stringify(restored.toJSON())).toBe(JSON.stringify(topK.toJSON()));
  });

  it('rejects malformed JSON forms, naming the field', () => {
    const base = { type: 'mlcd.top-k', version: 1, capacity: 2, total: 3, exact: false, unlistedBound: 0 };
    expect(() => TopK.fromJSON({ ...base, entries: [['a', -1, 0]] })).toThrow(/json\.entries\[0\]/);
    expect(() =>
      TopK.fromJSON({
        ...base,
        entries: [
          ['a', 1, 0],
          ['b', 1, 0],
          ['c', 1, 0],
        ],
      }),
    ).toThrow(/more entries than capacity/);
    expect(() => TopK.fromJSON({ ...base, type: 'nope' })).toThrow(/json\.type/);
  });
});
