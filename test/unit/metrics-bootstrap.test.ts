import { DataValidationError } from '../../src/core/errors';
import { aucRoc } from '../../src/metrics/binary';
import {
  bootstrap,
  bootstrapAuc,
  bootstrapAucDifference,
  bootstrapDifference,
  prepareWeightedAuc,
  weightedAucRoc,
  type BootstrapOptions,
} from '../../src/metrics/bootstrap';
import { argsortScores, delongAuc, normalCdf } from '../../src/metrics/delong';
import { Xoshiro128 } from '../../src/metrics/rng';
import rngFixture from '../fixtures/metrics/rng.json';

/** The error `fn` throws (fails the test when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/** A standard normal draw (Box–Muller) from the seeded generator. */
function gaussian(rng: Xoshiro128): number {
  const u = 1 - rng.nextFloat64(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat64());
}

/** Binormal data: negatives N(0, 1), positives N(d, 1); true AUC Φ(d/√2). */
function binormal(
  seed: number,
  n: number,
  d: number,
  prevalence = 0.5,
): { labels: number[]; scores: number[] } {
  const rng = new Xoshiro128(seed);
  const labels: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = rng.nextFloat64() < prevalence ? 1 : 0;
    labels.push(y);
    scores.push(gaussian(rng) + d * y);
  }
  return { labels, scores };
}

/** The q-quantile of ascending values by linear interpolation (numpy's default method). */
function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const i = Math.floor(h);
  const lo = sorted[i] as number;
  const hi = sorted[Math.min(i + 1, sorted.length - 1)] as number;
  return lo === hi ? lo : lo + (h - i) * (hi - lo);
}

describe('Xoshiro128 (seeded xoshiro128** + Lemire) matches the Python reference (rng.json)', () => {
  it.each(rngFixture.streams.map((s) => [s.seed, s] as const))('seed %s', (seed, s) => {
    const rng = new Xoshiro128(seed);
    expect(Array.from({ length: s.uint32.length }, () => rng.nextUint32())).toEqual(s.uint32);
    expect(s.below.map((b) => rng.nextBelow(b.n))).toEqual(s.below.map((b) => b.value));
  });

  it('fillCounts draws the same multinomial counts', () => {
    const { seed, first, second } = rngFixture.counts;
    const rng = new Xoshiro128(seed);
    const c1 = new Uint32Array(first.length);
    rng.fillCounts(c1, first.draws);
    expect(Array.from(c1)).toEqual(first.counts);
    const c2 = new Uint32Array(second.length).fill(99); // fillCounts zeroes first
    rng.fillCounts(c2, second.draws);
    expect(Array.from(c2)).toEqual(second.counts);
  });

  it.each([
    ['small n', 1000, 5000],
    ['n beyond 2^21 (split product path)', 3_000_001, 2000],
  ])('fillCounts and fillCountsUint8 equal repeated nextBelow: %s', (_name, n, draws) => {
    const a = new Xoshiro128(77);
    const b = new Xoshiro128(77);
    const c = new Xoshiro128(77);
    const expected = new Map<number, number>();
    for (let d = 0; d < draws; d++) {
      const i = a.nextBelow(n);
      expected.set(i, (expected.get(i) ?? 0) + 1);
    }
    const counts = new Uint32Array(n);
    b.fillCounts(counts, draws);
    const bytes = new Uint8Array(n);
    expect(c.fillCountsUint8(bytes, new Uint32Array(n), draws)).toBe(true);
    for (const arr of [counts, bytes]) {
      const got = new Map<number, number>();
      arr.forEach((v, i) => {
        if (v !== 0) got.set(i, v);
      });
      expect(got).toEqual(expected);
    }
    // All three generators are at the same point of the stream afterwards.
    const next = a.nextUint32();
    expect(b.nextUint32()).toBe(next);
    expect(c.nextUint32()).toBe(next);
  });

  it('fillCountsUint8 replays into the wide counts when a count exceeds 255', () => {
    const bytes = new Uint8Array(3);
    const wide = new Uint32Array(3);
    const rng = new Xoshiro128(9);
    const twin = new Xoshiro128(9);
    expect(rng.fillCountsUint8(bytes, wide, 900)).toBe(false);
    const expected = new Uint32Array(3);
    twin.fillCounts(expected, 900);
    expect(Array.from(wide)).toEqual(Array.from(expected));
    expect(wide.reduce((a, b) => a + b, 0)).toBe(900);
    expect(rng.nextUint32()).toBe(twin.nextUint32());
    // exactly 255 fits
    const one = new Uint8Array(1);
    expect(new Xoshiro128(1).fillCountsUint8(one, new Uint32Array(1), 255)).toBe(true);
    expect(one[0]).toBe(255);
  });

  it('nextFloat64 is in [0, 1) and roughly uniform', () => {
    const rng = new Xoshiro128(4);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 10000; i++) {
      const u = rng.nextFloat64();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
    }
    expect(outside).toBe(0);
    expect(sum / 10000).toBeCloseTo(0.5, 1);
  });

  it('rejects bad seeds, bounds and draws', () => {
    for (const seed of [-1, 1.5, 2 ** 53, NaN])
      expect(thrown(() => new Xoshiro128(seed)).message).toBe(
        `seed must be a non-negative safe integer, got ${seed}`,
      );
    const rng = new Xoshiro128();
    for (const n of [0, 2.5, 2 ** 32 + 1])
      expect(thrown(() => rng.nextBelow(n)).message).toBe(`bound must be an integer in [1, 2^32], got ${n}`);
    expect(rng.nextBelow(1)).toBe(0);
    expect(thrown(() => rng.fillCounts(new Uint32Array(0), 1))).toBeInstanceOf(RangeError);
    expect(thrown(() => rng.fillCounts(new Uint32Array(2), -1)).message).toBe(
      'draws must be a non-negative safe integer, got -1',
    );
    expect(thrown(() => rng.fillCountsUint8(new Uint8Array(2), new Uint32Array(3))).message).toBe(
      'wide counts have length 3, expected 2 like the byte counts',
    );
  });
});

describe('weighted AUC', () => {
  const tied = binormal(21, 600, 0.8);
  const tiedScores = tied.scores.map((s) => Math.round(s * 4) / 4); // ~20 distinct values
  const data = [
    ['continuous', binormal(20, 700, 1).labels, binormal(20, 700, 1).scores],
    ['tied', tied.labels, tiedScores],
  ] as const;

  it.each(data)('all-ones counts give aucRoc exactly (%s)', (_name, labels, scores) => {
    const ones = new Uint32Array(labels.length).fill(1);
    expect(weightedAucRoc(labels, scores, ones)).toBe(aucRoc(labels, scores));
    expect(bootstrapAuc(labels, scores, { rounds: 1 }).estimate).toBe(aucRoc(labels, scores));
    const d = bootstrapAucDifference(
      labels,
      scores,
      scores.map((s) => -s),
      { rounds: 1 },
    );
    expect(d.candidate).toBe(aucRoc(labels, scores));
    expect(d.baseline).toBe(
      aucRoc(
        labels,
        scores.map((s) => -s),
      ),
    );
  });

  it.each(data)(
    'random integer counts give the AUC of the expanded dataset (%s)',
    (_name, labels, scores) => {
      const rng = new Xoshiro128(22);
      const prepared = prepareWeightedAuc(labels, scores);
      for (let trial = 0; trial < 5; trial++) {
        const counts = new Uint32Array(labels.length);
        for (let i = 0; i < counts.length; i++) counts[i] = rng.nextBelow(4); // 0..3, zeros included
        const expandedLabels: number[] = [];
        const expandedScores: number[] = [];
        counts.forEach((c, i) => {
          for (let k = 0; k < c; k++) {
            expandedLabels.push(labels[i] as number);
            expandedScores.push(scores[i] as number);
          }
        });
        expect(prepared.auc(counts)).toBe(aucRoc(expandedLabels, expandedScores));
      }
    },
  );

  it('is NaN when the counts leave a class empty', () => {
    const prepared = prepareWeightedAuc([0, 1, 0, 1], [0.1, 0.9, 0.3, 0.4]);
    expect(prepared.rows).toBe(4);
    expect(prepared.auc(Uint32Array.from([1, 0, 2, 0]))).toBeNaN();
    expect(prepared.auc(Uint32Array.from([0, 1, 1, 1]))).toBe(1);
    expect(thrown(() => prepared.auc(new Uint32Array(3))).message).toBe(
      'counts have length 3, expected one per row (4)',
    );
  });
});

describe('bootstrapAuc and bootstrapAucDifference', () => {
  const { labels, scores } = binormal(1, 2000, 1);
  const trueAuc = normalCdf(1 / Math.SQRT2);

  it('is reproducible: same seed, same result; another seed, another interval', () => {
    const a = bootstrapAuc(labels, scores, { rounds: 300, seed: 7 });
    const b = bootstrapAuc(Float64Array.from(labels), Float64Array.from(scores), { rounds: 300, seed: 7 });
    expect(b).toEqual(a);
    const c = bootstrapAuc(labels, scores, { rounds: 300, seed: 8 });
    expect(c.interval.lower).not.toBe(a.interval.lower);
    expect(c.estimate).toBe(a.estimate);
    expect(a.interval).toMatchObject({
      level: 0.95,
      rounds: 300,
      seed: 7,
      method: 'percentile',
      validRounds: 300,
      invalidRounds: 0,
    });
    expect(a.interval.reason).toBeUndefined();
  });

  it('defaults: 1000 rounds, seed 0, level 0.95', () => {
    const small = binormal(2, 200, 1);
    const r = bootstrapAuc(small.labels, small.scores);
    expect(r.interval).toMatchObject({ rounds: 1000, seed: 0, level: 0.95, validRounds: 1000 });
    expect(r).toEqual(bootstrapAuc(small.labels, small.scores, { rounds: 1000, seed: 0, level: 0.95 }));
  });

  it('covers the true AUC of a binormal problem, with a standard error close to DeLong', () => {
    const r = bootstrapAuc(labels, scores, { rounds: 1000, seed: 3 });
    expect(r.interval.lower).toBeLessThan(trueAuc);
    expect(r.interval.upper).toBeGreaterThan(trueAuc);
    expect(r.interval.lower).toBeLessThan(r.estimate);
    expect(r.interval.upper).toBeGreaterThan(r.estimate);
    const delong = delongAuc(labels, scores);
    expect(Math.abs(r.standardError / delong.standardError - 1)).toBeLessThan(0.1);
    // A narrower level gives a narrower interval from the same resamples.
    const r80 = bootstrapAuc(labels, scores, { rounds: 1000, seed: 3, level: 0.8 });
    expect(r80.interval.lower).toBeGreaterThan(r.interval.lower);
    expect(r80.interval.upper).toBeLessThan(r.interval.upper);
    expect(r80.standardError).toBe(r.standardError);
  });

  it('the 90% interval covers the true AUC about as often as DeLong over 100 datasets', () => {
    let bootstrapCovered = 0;
    let delongCovered = 0;
    for (let k = 0; k < 100; k++) {
      const d = binormal(100 + k, 300, 1);
      const r = bootstrapAuc(d.labels, d.scores, { rounds: 200, seed: k, level: 0.9 });
      if (r.interval.lower <= trueAuc && trueAuc <= r.interval.upper) bootstrapCovered++;
      const dl = delongAuc(d.labels, d.scores, 0.9).interval;
      if (dl.lower <= trueAuc && trueAuc <= dl.upper) delongCovered++;
    }
    // Nominal 90 of 100, binomial sd 3; deterministic (fixed seeds): 83 and 84 today.
    expect(bootstrapCovered).toBeGreaterThanOrEqual(78);
    expect(bootstrapCovered).toBeLessThanOrEqual(97);
    expect(Math.abs(bootstrapCovered - delongCovered)).toBeLessThanOrEqual(5);
  });

  it('equals the explicit resampling it stands for (counts over sorted positions)', () => {
    // The fast path draws counts over the rows in (score, label) order; redo it by hand.
    for (const [name, s] of [
      ['continuous', scores],
      ['tied', scores.map((v) => Math.round(v * 3) / 3)],
    ] as const) {
      const order = labels
        .map((_, i) => i)
        .sort((i, j) => (s[i] as number) - (s[j] as number) || (labels[i] as number) - (labels[j] as number));
      const rng = new Xoshiro128(11);
      const counts = new Uint32Array(labels.length);
      const byRow = new Uint32Array(labels.length);
      const prepared = prepareWeightedAuc(labels, s);
      const values: number[] = [];
      for (let r = 0; r < 50; r++) {
        rng.fillCounts(counts);
        order.forEach((row, k) => (byRow[row] = counts[k] as number));
        values.push(prepared.auc(byRow));
      }
      values.sort((x, y) => x - y);
      const fast = bootstrapAuc(labels, s, { rounds: 50, seed: 11 });
      expect([name, fast.interval.lower, fast.interval.upper]).toEqual([
        name,
        quantile(values, 0.025),
        quantile(values, 0.975),
      ]);
    }
  });

  it('the paired difference equals the explicit paired resampling', () => {
    const rng0 = new Xoshiro128(12);
    const baseline = scores.map((s) => Math.round((0.6 * s + gaussian(rng0)) * 5) / 5); // with ties
    const candidateOrder = argsortScores(scores);
    const rng = new Xoshiro128(13);
    const counts = new Uint32Array(labels.length);
    const byRow = new Uint32Array(labels.length);
    const cand = prepareWeightedAuc(labels, scores);
    const base = prepareWeightedAuc(labels, baseline);
    const values: number[] = [];
    for (let r = 0; r < 60; r++) {
      rng.fillCounts(counts);
      candidateOrder.forEach((row, k) => (byRow[row] = counts[k] as number));
      values.push(cand.auc(byRow) - base.auc(byRow));
    }
    const mean = values.reduce((x, y) => x + y, 0) / values.length;
    const sd = Math.sqrt(values.reduce((x, y) => x + (y - mean) ** 2, 0) / (values.length - 1));
    values.sort((x, y) => x - y);
    const fast = bootstrapAucDifference(labels, scores, baseline, { rounds: 60, seed: 13, level: 0.9 });
    expect(fast.interval.lower).toBe(quantile(values, 0.05));
    expect(fast.interval.upper).toBe(quantile(values, 0.95));
    expect(fast.standardError).toBeCloseTo(sd, 15);
    expect(fast.candidate).toBe(aucRoc(labels, scores));
    expect(fast.baseline).toBe(aucRoc(labels, baseline));
    expect(fast.estimate).toBe(fast.candidate - fast.baseline);
  });

  it('a model against itself: difference interval [0, 0]', () => {
    for (const s of [scores, scores.map((v) => Math.round(v))]) {
      const r = bootstrapAucDifference(labels, s, s.slice(), { rounds: 200, seed: 5 });
      expect(r.estimate).toBe(0);
      expect(r.interval.lower).toBe(0);
      expect(r.interval.upper).toBe(0);
      expect(r.standardError).toBe(0);
      // and against a strictly increasing transform of itself
      const t = bootstrapAucDifference(
        labels,
        s,
        s.map((v) => 3 * v + 1),
        { rounds: 100, seed: 5 },
      );
      expect([t.interval.lower, t.interval.upper]).toEqual([0, 0]);
    }
  });

  it('a better candidate: the difference interval lies above 0', () => {
    const rng = new Xoshiro128(30);
    const worse = scores.map((s) => s + 1.5 * gaussian(rng));
    const r = bootstrapAucDifference(labels, scores, worse, { rounds: 300, seed: 1 });
    expect(r.interval.lower).toBeGreaterThan(0);
    expect(r.interval.upper).toBeGreaterThan(r.estimate);
  });

  it('resamples with a single class are invalid rounds; too many make the interval NaN', () => {
    // 1 positive in 20 rows: about (19/20)^20 ≈ 36% of the resamples miss it.
    const y = Array.from({ length: 20 }, (_, i) => (i === 7 ? 1 : 0));
    const s = Array.from({ length: 20 }, (_, i) => i / 20);
    const r = bootstrapAuc(y, s, { rounds: 1000, seed: 2 });
    expect(r.interval.invalidRounds).toBeGreaterThan(300);
    expect(r.interval.invalidRounds).toBeLessThan(420);
    expect(r.interval.validRounds + r.interval.invalidRounds).toBe(1000);
    expect(r.interval.lower).toBeNaN();
    expect(r.interval.upper).toBeNaN();
    expect(r.standardError).toBeNaN();
    expect(r.interval.reason).toBe(
      `${r.interval.invalidRounds} of 1000 bootstrap rounds were invalid (metric NaN, e.g. a resample with a single class), more than the 1% allowed`,
    );
    expect(r.estimate).toBe(aucRoc(y, s));

    const tolerant = bootstrapAuc(y, s, { rounds: 1000, seed: 2, maxInvalidFraction: 0.5 });
    expect(tolerant.interval.invalidRounds).toBe(r.interval.invalidRounds);
    expect(tolerant.interval.reason).toBeUndefined();
    expect(tolerant.interval.lower).toBeGreaterThanOrEqual(0);
    expect(tolerant.interval.upper).toBeLessThanOrEqual(1);
    expect(Number.isFinite(tolerant.standardError)).toBe(true);

    const paired = bootstrapAucDifference(
      y,
      s,
      s.map((v) => -v),
      { rounds: 200, seed: 2 },
    );
    expect(paired.interval.invalidRounds).toBeGreaterThan(40);
    expect(paired.interval.lower).toBeNaN();
  });
});

describe('generic bootstrap and bootstrapDifference', () => {
  const rng = new Xoshiro128(40);
  const values = Array.from({ length: 500 }, () => gaussian(rng) * 2 + 10);
  const weightedMean =
    (v: number[]) =>
    (counts: Uint32Array): number => {
      let s = 0;
      let w = 0;
      counts.forEach((c, i) => {
        s += c * (v[i] as number);
        w += c;
      });
      return s / w;
    };

  it('estimates the mean with a standard error close to sd/√n', () => {
    const r = bootstrap(values.length, weightedMean(values), { rounds: 500, seed: 1 });
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    expect(r.estimate).toBeCloseTo(mean, 12);
    expect(Math.abs(r.standardError / (sd / Math.sqrt(values.length)) - 1)).toBeLessThan(0.12);
    expect(r.interval.lower).toBeLessThan(mean);
    expect(r.interval.upper).toBeGreaterThan(mean);
    expect(bootstrap(values.length, weightedMean(values), { rounds: 500, seed: 1 })).toEqual(r);
  });

  it('hands the metric one reused counts array holding n draws', () => {
    const seen = new Set<Uint32Array>();
    const totals: number[] = [];
    bootstrap(
      50,
      (counts) => {
        seen.add(counts);
        totals.push(counts.reduce((a, b) => a + b, 0));
        return 1;
      },
      { rounds: 20 },
    );
    expect(seen.size).toBe(1);
    expect(totals).toEqual(new Array(21).fill(50)); // the estimate, then 20 rounds
  });

  it('a constant metric gives the interval [c, c] and standard error 0', () => {
    const r = bootstrap(10, () => 0.25, { rounds: 50 });
    expect(r).toEqual({
      estimate: 0.25,
      interval: {
        lower: 0.25,
        upper: 0.25,
        level: 0.95,
        rounds: 50,
        seed: 0,
        method: 'percentile',
        validRounds: 50,
        invalidRounds: 0,
      },
      standardError: 0,
    });
  });

  it('interpolates percentiles linearly between order statistics', () => {
    // The round values are 0, 1, ..., 9 in some order: quantiles 0.225 and 8.775 at level 0.95.
    let next = 0;
    const r = bootstrap(3, () => (next++ === 0 ? 4.5 : next - 2), { rounds: 10 });
    expect(r.interval.lower).toBeCloseTo(0.225, 14);
    expect(r.interval.upper).toBeCloseTo(8.775, 14);
    expect(r.standardError).toBeCloseTo(Math.sqrt(82.5 / 9), 14);
  });

  it('NaN rounds are counted; a NaN estimate gives a NaN interval with a reason', () => {
    // NaN whenever row 0 is not drawn: (1 − 1/10)^10 ≈ 35% of the rounds.
    const r = bootstrap(10, (c) => (c[0] === 0 ? NaN : (c[0] as number)), {
      rounds: 400,
      seed: 3,
      maxInvalidFraction: 0.6,
    });
    expect(r.interval.invalidRounds).toBeGreaterThan(100);
    expect(r.interval.validRounds + r.interval.invalidRounds).toBe(400);
    expect(r.interval.lower).toBeGreaterThanOrEqual(1);
    let calls = 0;
    const neverAfterTheEstimate = bootstrap(10, () => (calls++ === 0 ? 1 : NaN), {
      rounds: 5,
      maxInvalidFraction: 1,
    });
    expect(neverAfterTheEstimate.interval.reason).toBe(
      'all 5 bootstrap rounds were invalid (metric NaN, e.g. a resample with a single class)',
    );
    expect(neverAfterTheEstimate.interval.invalidRounds).toBe(5);
    const sevenPercent = bootstrap(10, (c) => (c[0] === 0 ? NaN : 1), {
      rounds: 100,
      maxInvalidFraction: 0.07,
    });
    expect(sevenPercent.interval.reason).toMatch(/more than the 7% allowed$/);
    const undefinedMetric = bootstrap(10, () => NaN, { rounds: 5 });
    expect(undefinedMetric.estimate).toBeNaN();
    expect(undefinedMetric.interval).toMatchObject({ validRounds: 0, invalidRounds: 0 });
    expect(undefinedMetric.interval.lower).toBeNaN();
    expect(undefinedMetric.interval.reason).toBe(
      'the metric is undefined (NaN) on the full data; no rounds were run',
    );
  });

  it('paired: the same counts feed both metrics', () => {
    const other = values.map((v) => v + 1);
    const r = bootstrapDifference(values.length, weightedMean(other), weightedMean(values), { rounds: 100 });
    expect(r.candidate - r.baseline).toBe(r.estimate);
    expect(r.estimate).toBeCloseTo(1, 12);
    // The shift is the same on every resample: the interval collapses to it.
    expect(r.interval.lower).toBeCloseTo(1, 12);
    expect(r.interval.upper).toBeCloseTo(1, 12);
    expect(r.standardError).toBeLessThan(1e-12);
  });
});

describe('bootstrap input validation', () => {
  const y = [0, 1, 0, 1];
  const s = [0.1, 0.8, 0.3, 0.6];
  const data: Array<[string, () => unknown, string]> = [
    [
      'unequal lengths',
      () => bootstrapAuc(y, [0.1, 0.2]),
      'labels and scores differ in length: 4 labels, 2 scores',
    ],
    ['no rows', () => bootstrapAuc([], []), 'no rows to compute metrics from'],
    ['label 3', () => bootstrapAuc([0, 1, 3, 1], s), 'label at row 2 is 3; labels must be 0 or 1'],
    [
      'NaN score',
      () => bootstrapAuc(y, [0.1, NaN, 0.3, 0.6]),
      'scores at row 1 is NaN; scores must be finite numbers',
    ],
    [
      'baseline infinite score',
      () => bootstrapAucDifference(y, s, [0.1, 0.2, 0.3, Infinity]),
      'baseline scores at row 3 is Infinity; scores must be finite numbers',
    ],
    [
      'candidate length',
      () => bootstrapAucDifference(y, [0.1], s),
      'labels and candidate scores differ in length: 4 labels, 1 candidate scores',
    ],
    [
      'single class',
      () => bootstrapAuc([1, 1, 1], [0.1, 0.2, 0.3]),
      'AUC undefined: the eval set has a single class (3 rows, all labelled 1)',
    ],
    [
      'single class, paired',
      () => bootstrapAucDifference([0, 0], [0.1, 0.2], [0.2, 0.1]),
      'AUC undefined: the eval set has a single class (2 rows, all labelled 0)',
    ],
    [
      'weighted AUC bad label',
      () => weightedAucRoc([0, -1], [0.1, 0.2], new Uint32Array(2)),
      'label at row 1 is -1; labels must be 0 or 1',
    ],
  ];
  it.each(data)('%s: DataValidationError', (_name, fn, message) => {
    const e = thrown(fn);
    expect(e).toBeInstanceOf(DataValidationError);
    expect(e.message).toBe(message);
  });

  const options: Array<[BootstrapOptions, string]> = [
    [{ rounds: 0 }, 'bootstrap rounds must be a positive integer, got 0'],
    [{ rounds: 2.5 }, 'bootstrap rounds must be a positive integer, got 2.5'],
    [{ seed: -3 }, 'bootstrap seed must be a non-negative safe integer, got -3'],
    [{ level: 1 }, 'confidence level must be in (0, 1), got 1'],
    [{ level: 95 }, 'confidence level must be in (0, 1), got 95'],
    [{ maxInvalidFraction: 1.5 }, 'maxInvalidFraction must be in [0, 1], got 1.5'],
  ];
  it.each(options)('options %j: RangeError', (opts, message) => {
    for (const fn of [
      () => bootstrapAuc(y, s, opts),
      () => bootstrapAucDifference(y, s, s, opts),
      () => bootstrap(4, () => 1, opts),
      () =>
        bootstrapDifference(
          4,
          () => 1,
          () => 1,
          opts,
        ),
    ]) {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe(message);
    }
  });

  it('row count of the generic bootstrap', () => {
    for (const n of [0, -1, 1.5, 2 ** 31])
      expect(thrown(() => bootstrap(n, () => 1)).message).toBe(
        `row count must be an integer in [1, 2^31 − 1], got ${n}`,
      );
  });
});
