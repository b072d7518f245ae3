// Exact-mode references come from test/fixtures/sketch/generate.py (numpy.quantile, default
// 'linear' method). Sketch-mode answers are checked against an exact sort of the same data.
import fixture from '../fixtures/sketch/sketch-reference.json';
import { QuantileSketch, SketchInputError, type QuantileSketchJSON } from '../../src/sketch';
import { DISTRIBUTIONS, rankError, rankInterval, sample, uniform01 } from '../fixtures/sketch/samples';

const QS = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

function sorted(values: Float64Array): Float64Array {
  return values.slice().sort();
}

/** Largest rank error of the sketch's q-quantiles over QS, against the exact sorted data. */
function worstQuantileRankError(sketch: QuantileSketch, truth: Float64Array): number {
  let worst = 0;
  for (const q of QS) worst = Math.max(worst, rankError(truth, q, sketch.quantile(q)));
  return worst;
}

/** Largest error of sketch.rank(x) over x at the true quantiles, against the exact sorted data. */
function worstRankError(sketch: QuantileSketch, truth: Float64Array): number {
  let worst = 0;
  for (const q of QS) {
    const x = truth[Math.floor(q * (truth.length - 1))] as number;
    worst = Math.max(worst, Math.abs(sketch.rank(x) - rankInterval(truth, x)[1]));
  }
  return worst;
}

function expectRelClose(actual: number, expected: number): void {
  const tol = 1e-12 * Math.max(1, Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`expected ${expected}, got ${actual}`);
}

describe('QuantileSketch exact mode matches numpy', () => {
  describe.each(fixture.quantileCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const values = Float64Array.from(c.values);
    const sketch = new QuantileSketch();
    sketch.addBatch(values, undefined);

    it('is exact and counts every value', () => {
      expect(sketch.isExact).toBe(true);
      expect(sketch.count).toBe(values.length);
      expect(sketch.rankErrorBound).toBe(0);
      expect(sketch.min).toBe(c.min);
      expect(sketch.max).toBe(c.max);
    });

    it('quantile(q) equals numpy.quantile(x, q) within 1e-12 relative', () => {
      for (const { q, value } of c.quantiles) expectRelClose(sketch.quantile(q), value);
    });

    it('rank(x) equals the fraction of values <= x', () => {
      for (const { x, rank } of c.ranks) expect(sketch.rank(x)).toBe(rank);
    });

    it('sortedView() lists every value ascending with weight 1', () => {
      const view = sketch.sortedView();
      expect(Array.from(view.values)).toEqual(Array.from(sorted(values)));
      expect(view.weights.every((w) => w === 1)).toBe(true);
    });

    it('answers the same when fed one value at a time', () => {
      const one = new QuantileSketch();
      for (const v of values) one.add(v);
      for (const { q } of c.quantiles) expect(one.quantile(q)).toBe(sketch.quantile(q));
    });
  });
});

describe('QuantileSketch edge cases', () => {
  it('an empty sketch answers NaN and an empty view', () => {
    const s = new QuantileSketch();
    expect(s.count).toBe(0);
    expect(s.isExact).toBe(true);
    expect(s.quantile(0.5)).toBeNaN();
    expect(s.rank(1)).toBeNaN();
    expect(s.min).toBeNaN();
    expect(s.max).toBeNaN();
    expect(s.sortedView().values.length).toBe(0);
    expect(QuantileSketch.fromJSON(JSON.parse(JSON.stringify(s.toJSON()))).count).toBe(0);
  });

  it('skips nulls, NaN and infinities in addBatch and add', () => {
    const s = new QuantileSketch();
    s.addBatch(
      Float64Array.from([1, NaN, 2, Infinity, 3, -Infinity, 100]),
      Uint8Array.from([0, 0, 0, 0, 0, 0, 1]),
    );
    s.add(NaN);
    s.add(Infinity);
    expect(s.count).toBe(3);
    expect(s.quantile(0.5)).toBe(2);
    expect(s.max).toBe(3);
  });

  it('reads only the first `length` rows', () => {
    const s = new QuantileSketch();
    s.addBatch(Float64Array.from([5, 6, 7, 8]), undefined, 2);
    expect(s.count).toBe(2);
    expect(s.max).toBe(6);
  });

  it('stays exact at exactLimit values and compacts beyond', () => {
    const s = new QuantileSketch({ exactLimit: 1000 });
    s.addBatch(sample('uniform', 1000, 1), undefined);
    expect(s.isExact).toBe(true);
    s.add(0.5);
    expect(s.isExact).toBe(false);
    expect(s.count).toBe(1001);
    expect(s.rankErrorBound).toBeCloseTo(QuantileSketch.normalizedRankError(s.k), 12);
  });

  it('all-equal values in sketch mode answer that value everywhere', () => {
    const s = new QuantileSketch({ exactLimit: 0, k: 64 });
    s.addBatch(new Float64Array(200_000).fill(-2.5), undefined);
    expect(s.isExact).toBe(false);
    for (const q of [0, 0.01, 0.5, 0.99, 1]) expect(s.quantile(q)).toBe(-2.5);
    expect(s.rank(-2.5)).toBe(1);
    expect(s.rank(-2.6)).toBe(0);
    const view = s.sortedView();
    expect(view.weights.reduce((a, b) => a + b, 0)).toBe(200_000);
  });

  it('a single value in sketch mode', () => {
    const s = new QuantileSketch({ exactLimit: 0 });
    s.add(42);
    expect(s.isExact).toBe(false);
    expect(s.quantile(0)).toBe(42);
    expect(s.quantile(0.5)).toBe(42);
    expect(s.quantile(1)).toBe(42);
    expect(s.rank(41)).toBe(0);
    expect(s.rank(42)).toBe(1);
  });

  it('rejects q outside [0, 1] and bad options, naming them', () => {
    const s = new QuantileSketch();
    s.add(1);
    expect(() => s.quantile(1.5)).toThrow(new SketchInputError('q', 'must be in [0, 1] (got 1.5)'));
    expect(() => s.quantile(NaN)).toThrow(SketchInputError);
    expect(() => new QuantileSketch({ k: 4 })).toThrow(
      new SketchInputError('options.k', 'must be an integer in [8, 65535] (got 4)'),
    );
    expect(() => new QuantileSketch({ exactLimit: -1 })).toThrow(/options\.exactLimit/);
    expect(() => s.addBatch(new Float64Array(2), undefined, 3)).toThrow(/length/);
  });

  it('rejects malformed JSON forms, naming the field', () => {
    expect(() => QuantileSketch.fromJSON(null)).toThrow(/json: must be a JSON object/);
    expect(() => QuantileSketch.fromJSON({ type: 'x', version: 1 })).toThrow(/json\.type/);
    const good = new QuantileSketch({ exactLimit: 0 });
    good.addBatch(sample('normal', 10_000, 3), undefined);
    const json = JSON.parse(JSON.stringify(good.toJSON())) as QuantileSketchJSON;
    expect(() => QuantileSketch.fromJSON({ ...json, count: json.count + 1 })).toThrow(/json\.count/);
    const unsorted = (json.levels ?? []).map((l) => l.slice());
    const level = unsorted.findIndex((l, h) => h > 0 && l.length > 1);
    unsorted[level]?.reverse();
    expect(() => QuantileSketch.fromJSON({ ...json, levels: unsorted })).toThrow(/must be sorted ascending/);
  });

  it('refuses to merge sketch-mode sketches with different k', () => {
    const a = new QuantileSketch({ k: 200, exactLimit: 0 });
    const b = new QuantileSketch({ k: 400, exactLimit: 0 });
    a.add(1);
    b.add(2);
    expect(() => a.merge(b)).toThrow(/cannot merge a sketch with k=400 into one with k=200/);
  });
});

describe('QuantileSketch sketch mode accuracy', () => {
  const N = 200_000;
  const bound = QuantileSketch.normalizedRankError(1024);

  it('documents 0.27% at the default k = 1024', () => {
    expect(new QuantileSketch().k).toBe(1024);
    expect(bound).toBeGreaterThan(0.0026);
    expect(bound).toBeLessThan(0.0028);
  });

  describe.each(DISTRIBUTIONS.map((d, i) => [d, i] as const))('%s', (dist, i) => {
    const values = sample(dist, N, 1000 + i);
    const truth = sorted(values);
    const sketch = new QuantileSketch({ seed: i });
    sketch.addBatch(values, undefined);

    it('is in sketch mode with exact count, min and max', () => {
      expect(sketch.isExact).toBe(false);
      expect(sketch.count).toBe(N);
      expect(sketch.min).toBe(truth[0]);
      expect(sketch.max).toBe(truth[N - 1]);
      expect(sketch.quantile(0)).toBe(truth[0]);
      expect(sketch.quantile(1)).toBe(truth[N - 1]);
    });

    it('quantile(q) is within the documented rank error for q = 0.01 … 0.99', () => {
      expect(worstQuantileRankError(sketch, truth)).toBeLessThanOrEqual(bound);
    });

    it('rank(x) is within the documented rank error', () => {
      expect(worstRankError(sketch, truth)).toBeLessThanOrEqual(bound);
    });

    it('sortedView() is ascending with integer weights summing to count', () => {
      const { values: v, weights: w } = sketch.sortedView();
      let total = 0;
      for (let j = 0; j < v.length; j++) {
        if (j > 0 && (v[j] as number) < (v[j - 1] as number)) throw new Error(`not ascending at ${j}`);
        const wj = w[j] as number;
        if (!Number.isInteger(wj) || wj < 1) throw new Error(`bad weight ${wj}`);
        total += wj;
      }
      expect(total).toBe(N);
      expect(v.length).toBeLessThan(6 * 1024);
    });
  });

  it('k = 200 stays within its own bound (1.33%) on lognormal data, with nulls in the batch', () => {
    const values = sample('lognormal', N, 77);
    const nulls = new Uint8Array(N);
    for (let j = 0; j < N; j += 7) nulls[j] = 1;
    const kept = values.filter((_, j) => nulls[j] === 0);
    const sketch = new QuantileSketch({ k: 200, seed: 5 });
    sketch.addBatch(values, nulls);
    expect(sketch.count).toBe(kept.length);
    expect(worstQuantileRankError(sketch, sorted(kept))).toBeLessThanOrEqual(
      QuantileSketch.normalizedRankError(200),
    );
  });
});

describe('QuantileSketch merge', () => {
  it('in exact mode, merge(a, b) answers exactly as feeding both', () => {
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    const both = new QuantileSketch();
    const xa = sample('normal', 3000, 1);
    const xb = sample('ties', 2000, 2);
    a.addBatch(xa, undefined);
    b.addBatch(xb, undefined);
    both.addBatch(xa, undefined);
    both.addBatch(xb, undefined);
    a.merge(b);
    expect(a.isExact).toBe(true);
    expect(b.count).toBe(2000);
    for (const q of [0, ...QS, 1]) expect(a.quantile(q)).toBe(both.quantile(q));
    expect(a.sortedView()).toEqual(both.sortedView());
  });

  it('exact sketches whose union passes exactLimit switch to sketch mode', () => {
    const a = new QuantileSketch({ exactLimit: 5000 });
    const b = new QuantileSketch({ exactLimit: 5000 });
    a.addBatch(sample('uniform', 4000, 1), undefined);
    b.addBatch(sample('uniform', 4000, 2), undefined);
    a.merge(b);
    expect(a.isExact).toBe(false);
    expect(a.count).toBe(8000);
  });

  it('merging sketch-mode shards is as accurate as one sketch over all the data', () => {
    const shards = 8;
    const per = 60_000;
    const all = new Float64Array(shards * per);
    const merged = new QuantileSketch({ exactLimit: 10_000, seed: 1 });
    const whole = new QuantileSketch({ exactLimit: 10_000, seed: 1 });
    for (let s = 0; s < shards; s++) {
      // Shards from different distributions make the merged data multi-modal.
      const x = sample(DISTRIBUTIONS[s % DISTRIBUTIONS.length] ?? 'uniform', per, 500 + s);
      all.set(x, s * per);
      const shard = new QuantileSketch({ exactLimit: 10_000, seed: 100 + s });
      shard.addBatch(x, undefined);
      merged.merge(shard);
      whole.addBatch(x, undefined);
    }
    const truth = sorted(all);
    const bound = QuantileSketch.normalizedRankError(1024);
    expect(merged.count).toBe(all.length);
    expect(merged.min).toBe(truth[0]);
    expect(merged.max).toBe(truth[truth.length - 1]);
    expect(worstQuantileRankError(merged, truth)).toBeLessThanOrEqual(bound);
    expect(worstQuantileRankError(whole, truth)).toBeLessThanOrEqual(bound);
    const view = merged.sortedView();
    expect(view.weights.reduce((p, w) => p + w, 0)).toBe(all.length);
  });

  it('merging an exact sketch into a sketch-mode one, and the reverse, keeps every value', () => {
    const big = new QuantileSketch({ exactLimit: 1000 });
    big.addBatch(sample('normal', 50_000, 8), undefined);
    const small = new QuantileSketch();
    small.addBatch(Float64Array.from([1e9, -1e9]), undefined);
    const a = big.clone();
    a.merge(small);
    expect(a.count).toBe(50_002);
    expect(a.max).toBe(1e9);
    const b = small.clone();
    b.merge(big);
    expect(b.isExact).toBe(false);
    expect(b.count).toBe(50_002);
    expect(b.min).toBe(-1e9);
  });

  it('merge(self) doubles every weight', () => {
    const s = new QuantileSketch();
    s.addBatch(Float64Array.from([1, 2, 3]), undefined);
    s.merge(s);
    expect(s.count).toBe(6);
    expect(Array.from(s.sortedView().values)).toEqual([1, 1, 2, 2, 3, 3]);
  });
});

describe('QuantileSketch determinism and JSON', () => {
  const values = sample('lognormal', 200_000, 42);

  it('the same input and seed give an identical sketch; another seed a different one', () => {
    const a = new QuantileSketch({ seed: 3 });
    const b = new QuantileSketch({ seed: 3 });
    const c = new QuantileSketch({ seed: 4 });
    a.addBatch(values, undefined);
    for (let i = 0; i < values.length; i += 50_000) b.addBatch(values.subarray(i, i + 50_000), undefined);
    c.addBatch(values, undefined);
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    expect(JSON.stringify(a.toJSON())).not.toBe(JSON.stringify(c.toJSON()));
  });

  it('add() one at a time builds the same sketch as addBatch()', () => {
    const a = new QuantileSketch({ exactLimit: 5000 });
    const b = new QuantileSketch({ exactLimit: 5000 });
    const x = values.subarray(0, 40_000);
    a.addBatch(x, undefined);
    for (const v of x) b.add(v);
    expect(b.toJSON()).toEqual(a.toJSON());
  });

  it.each([
    ['exact', 1_000],
    ['sketch', 200_000],
  ] as const)('a JSON round trip in %s mode preserves answers and later updates', (_mode, n) => {
    const s = new QuantileSketch({ seed: 9 });
    s.addBatch(values.subarray(0, n), undefined);
    const restored = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(restored.isExact).toBe(s.isExact);
    expect(restored.count).toBe(s.count);
    expect(restored.min).toBe(s.min);
    expect(restored.max).toBe(s.max);
    for (const q of [0, ...QS, 1]) expect(restored.quantile(q)).toBe(s.quantile(q));
    expect(restored.rank(1)).toBe(s.rank(1));
    expect(restored.sortedView()).toEqual(s.sortedView());
    // Same state, PRNG included: continuing both gives identical sketches.
    const more = sample('uniform', 100_000, 43);
    s.addBatch(more, undefined);
    restored.addBatch(more, undefined);
    expect(JSON.stringify(restored.toJSON())).toBe(JSON.stringify(s.toJSON()));
  });

  it('queries do not change later results (exact values are sorted before compaction anyway)', () => {
    const a = new QuantileSketch({ exactLimit: 10_000 });
    const b = new QuantileSketch({ exactLimit: 10_000 });
    const x = values.subarray(0, 9_000);
    a.addBatch(x, undefined);
    b.addBatch(x, undefined);
    a.quantile(0.5);
    const y = values.subarray(9_000, 50_000);
    a.addBatch(y, undefined);
    b.addBatch(y, undefined);
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
  });
});

describe('QuantileSketch.addWeighted', () => {
  /** Distinct ascending values with skewed integer weights (a few huge, most small). */
  function weighted(n: number, seed: number): { values: Float64Array; weights: Float64Array } {
    const r = uniform01(seed);
    const values = Float64Array.from({ length: n }, (_, i) => i * 0.25 - 40);
    const weights = Float64Array.from({ length: n }, () => 1 + Math.floor(r() ** 6 * 40_000));
    return { values, weights };
  }

  /** Distance from q to the rank interval of v in the weighted truth. */
  function weightedRankError(values: Float64Array, weights: Float64Array, q: number, v: number): number {
    let total = 0;
    let lt = 0;
    let le = 0;
    for (let i = 0; i < values.length; i++) {
      const w = weights[i] as number;
      total += w;
      if ((values[i] as number) < v) lt += w;
      if ((values[i] as number) <= v) le += w;
    }
    return q < lt / total ? lt / total - q : q > le / total ? q - le / total : 0;
  }

  it('in exact mode equals adding every copy', () => {
    const values = Float64Array.from([-3, -0.5, 0, 2, 2.5, 7]);
    const weights = Float64Array.from([2, 1, 3, 5, 1, 4]);
    const a = new QuantileSketch();
    a.add(1);
    a.addWeighted(values, weights);
    const b = new QuantileSketch();
    b.add(1);
    values.forEach((v, i) => {
      for (let c = 0; c < (weights[i] as number); c++) b.add(v);
    });
    expect(a.isExact).toBe(true);
    expect(a.count).toBe(b.count);
    expect(Array.from(a.sortedView().values)).toEqual(Array.from(b.sortedView().values));
    for (const q of QS) expect(a.quantile(q)).toBe(b.quantile(q));
    expect([a.min, a.max]).toEqual([-3, 7]);
  });

  it('past the exact limit keeps the total weight, min and max, within the rank error', () => {
    const { values, weights } = weighted(1000, 5);
    const total = weights.reduce((s, w) => s + w, 0);
    expect(total).toBeGreaterThan(65_536);
    for (const k of [200, 8192]) {
      const sketch = new QuantileSketch({ k });
      sketch.addWeighted(values, weights);
      expect(sketch.isExact).toBe(false);
      expect(sketch.count).toBe(total);
      const view = sketch.sortedView();
      expect(view.weights.reduce((s, w) => s + w, 0)).toBe(total);
      expect(sketch.min).toBe(values[0]);
      expect(sketch.max).toBe(values[values.length - 1]);
      let worst = 0;
      for (const q of QS) worst = Math.max(worst, weightedRankError(values, weights, q, sketch.quantile(q)));
      expect(worst).toBeLessThanOrEqual(QuantileSketch.normalizedRankError(k));
    }
  });

  it('into a sketch already compacting, then more unit values, stays within the rank error', () => {
    const first = sample('normal', 200_000, 3);
    const { values, weights } = weighted(800, 9);
    const last = sample('uniform', 150_000, 4);
    const sketch = new QuantileSketch({ k: 1024 });
    sketch.addBatch(first, undefined);
    sketch.addWeighted(values, weights);
    sketch.addBatch(last, undefined);
    const expanded: number[] = [...first, ...last];
    values.forEach((v, i) => {
      for (let c = 0; c < (weights[i] as number); c++) expanded.push(v);
    });
    const truth = sorted(Float64Array.from(expanded));
    expect(sketch.count).toBe(truth.length);
    expect(sketch.min).toBe(truth[0]);
    expect(sketch.max).toBe(truth[truth.length - 1]);
    expect(worstQuantileRankError(sketch, truth)).toBeLessThanOrEqual(
      QuantileSketch.normalizedRankError(1024),
    );
  });

  it('rejects unsorted or non-finite values and non-integer weights', () => {
    const s = new QuantileSketch();
    expect(() => s.addWeighted(Float64Array.from([2, 1]), Float64Array.from([1, 1]))).toThrow(
      SketchInputError,
    );
    expect(() => s.addWeighted(Float64Array.from([NaN]), Float64Array.from([1]))).toThrow(SketchInputError);
    expect(() => s.addWeighted(Float64Array.from([1]), Float64Array.from([0.5]))).toThrow(SketchInputError);
    expect(() => s.addWeighted(Float64Array.from([1]), Float64Array.from([0]))).toThrow(SketchInputError);
    expect(s.count).toBe(0);
  });
});

describe('QuantileSketch.addBatch with allFinite', () => {
  it('builds the same sketch as the value-by-value fill, across exact mode and compactions', () => {
    const rng = uniform01(11);
    const values = Float64Array.from({ length: 300_000 }, () => (rng() - 0.3) * 1000);
    const byValue = new QuantileSketch({ k: 256, exactLimit: 5000, seed: 3 });
    const byBlock = new QuantileSketch({ k: 256, exactLimit: 5000, seed: 3 });
    for (let start = 0; start < values.length; start += 7000) {
      const batch = values.subarray(start, Math.min(values.length, start + 7000));
      byValue.addBatch(batch, undefined);
      byBlock.addBatch(batch, undefined, batch.length, true);
    }
    expect(byBlock.toJSON()).toEqual(byValue.toJSON());
    expect(byBlock.quantile(0.5)).toBe(byValue.quantile(0.5));
  });
});
