// Exact distinct counts come from test/fixtures/sketch/generate.py (numpy.unique).
import fixture from '../fixtures/sketch/sketch-reference.json';
import {
  DistinctCounter,
  hashNumber,
  hashString,
  HLL_RELATIVE_STANDARD_ERROR,
  SketchInputError,
} from '../../src/sketch';
import { uniform01 } from '../fixtures/sketch/samples';

const RSE = HLL_RELATIVE_STANDARD_ERROR;

function relErr(estimate: number, truth: number): number {
  return Math.abs(estimate - truth) / truth;
}

describe('DistinctCounter exact mode', () => {
  it.each(fixture.quantileCases.map((c) => [c.name, c.values, c.distinct] as const))(
    '%s: counts numpy.unique exactly',
    (_name, values, distinct) => {
      const c = new DistinctCounter();
      c.addNumberBatch(Float64Array.from(values), undefined);
      expect(c.isExact).toBe(true);
      expect(c.estimate()).toBe(distinct);
    },
  );

  it.each(fixture.categoricalCases.map((c) => [c.name, c] as const))(
    '%s: counts distinct strings exactly',
    (_n, c) => {
      const counter = new DistinctCounter();
      for (const i of c.stream) counter.addString(c.labels[i] as string);
      expect(counter.estimate()).toBe(c.distinct);
    },
  );

  it('treats -0 as +0, every NaN as one value, numbers and strings as different values', () => {
    const c = new DistinctCounter();
    c.addNumberBatch(Float64Array.from([0, -0, NaN, -NaN, Infinity, -Infinity, Infinity, 1]), undefined);
    c.addString('1');
    c.addString('1');
    expect(c.estimate()).toBe(6); // 0, NaN, +inf, -inf, 1, '1'
  });

  it('skips null rows in addNumberBatch', () => {
    const c = new DistinctCounter();
    c.addNumberBatch(Float64Array.from([1, 2, 3, 4]), Uint8Array.from([0, 1, 0, 1]));
    expect(c.estimate()).toBe(2);
  });

  it('is exact up to exactLimit distinct values, then estimates', () => {
    const c = new DistinctCounter({ exactLimit: 100 });
    for (let i = 0; i < 100; i++) c.addNumber(i);
    for (let i = 0; i < 100; i++) c.addNumber(i);
    expect(c.isExact).toBe(true);
    expect(c.estimate()).toBe(100);
    c.addNumber(100);
    expect(c.isExact).toBe(false);
    expect(relErr(c.estimate(), 101)).toBeLessThan(3 * RSE);
  });

  it('addHash counts distinct hashes', () => {
    const c = new DistinctCounter();
    c.addHash(5);
    c.addHash(5);
    c.addHash(0xffffffff);
    c.addHash(-1); // same uint32 as 0xffffffff
    expect(c.estimate()).toBe(2);
  });

  it('counts an empty stream as 0 and rejects bad options', () => {
    expect(new DistinctCounter().estimate()).toBe(0);
    expect(() => new DistinctCounter({ exactLimit: 1.5 })).toThrow(
      new SketchInputError('options.exactLimit', 'must be an integer in [0, 16777216] (got 1.5)'),
    );
  });
});

describe('DistinctCounter HyperLogLog mode', () => {
  it('documents its relative standard error (1.04 / sqrt(2^14) = 0.8125%)', () => {
    expect(RSE).toBeCloseTo(0.008125, 6);
  });

  it.each([
    ['numbers', 100_000],
    ['numbers', 1_000_000],
    ['strings', 100_000],
  ] as const)('%s: %d distinct values are estimated within 3 x RSE', (kind, n) => {
    const c = new DistinctCounter();
    if (kind === 'numbers') {
      const r = uniform01(n);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = i + r() * 0.5; // distinct, non-integer
      c.addNumberBatch(values, undefined);
      c.addNumberBatch(values.subarray(0, n >>> 1), undefined); // repeats change nothing
    } else {
      for (let i = 0; i < n; i++) c.addString(`user-${i}`);
      for (let i = 0; i < n; i += 3) c.addString(`user-${i}`);
    }
    expect(c.isExact).toBe(false);
    expect(relErr(c.estimate(), n)).toBeLessThan(3 * RSE);
  });

  it('small cardinalities in sketch mode are estimated well (linear-counting range)', () => {
    for (const n of [1, 10, 1_000, 20_000]) {
      const c = new DistinctCounter({ exactLimit: 0 });
      for (let i = 0; i < n; i++) c.addNumber(i);
      expect(c.isExact).toBe(false);
      expect(relErr(c.estimate(), n)).toBeLessThan(n < 100 ? 0.05 : 3 * RSE);
    }
  });

  it('addString / addNumber in sketch mode equal addHash of hashString / hashNumber', () => {
    const a = new DistinctCounter({ exactLimit: 0 });
    const b = new DistinctCounter({ exactLimit: 0 });
    for (let i = 0; i < 5000; i++) {
      a.addString(`s${i}`);
      b.addHash(hashString(`s${i}`));
      a.addNumber(i / 7);
      b.addHash(hashNumber(i / 7));
    }
    expect(a.toJSON()).toEqual(b.toJSON());
  });
});

describe('DistinctCounter merge and JSON', () => {
  function filled(from: number, to: number, exactLimit?: number): DistinctCounter {
    const c = new DistinctCounter(exactLimit === undefined ? {} : { exactLimit });
    for (let i = from; i < to; i++) c.addNumber(i);
    return c;
  }

  it('merging exact counters unions them exactly', () => {
    const a = filled(0, 1000);
    a.addString('x');
    const b = filled(500, 1500);
    b.addString('x');
    b.addNumber(NaN);
    a.merge(b);
    expect(a.isExact).toBe(true);
    expect(a.estimate()).toBe(1502);
    expect(b.estimate()).toBe(1002);
  });

  it('merge(a, b) in sketch mode equals feeding both (register max is exact)', () => {
    const a = filled(0, 300_000);
    const b = filled(200_000, 600_000);
    const both = filled(0, 600_000);
    a.merge(b);
    expect(a.toJSON()).toEqual(both.toJSON());
    expect(relErr(a.estimate(), 600_000)).toBeLessThan(3 * RSE);
  });

  it('merging an exact counter into a sketch and a sketch into an exact counter agree', () => {
    const big = filled(0, 100_000);
    const small = filled(99_000, 101_000);
    const x = DistinctCounter.fromJSON(big.toJSON());
    x.merge(small);
    const y = DistinctCounter.fromJSON(small.toJSON());
    y.merge(big);
    expect(x.toJSON()).toEqual(y.toJSON());
    expect(x.toJSON()).toEqual(filled(0, 101_000).toJSON());
    expect(small.isExact).toBe(true);
  });

  it('exact counters whose union passes exactLimit switch to sketch mode', () => {
    const a = filled(0, 60, 100);
    a.merge(filled(60, 120, 100));
    expect(a.isExact).toBe(false);
    expect(relErr(a.estimate(), 120)).toBeLessThan(0.05);
  });

  it.each([
    ['exact', 1000],
    ['sketch', 100_000],
  ] as const)('a JSON round trip in %s mode preserves the estimate and later updates', (_mode, n) => {
    const c = filled(0, n);
    c.addString('s');
    c.addNumber(-Infinity);
    c.addHash(77);
    const restored = DistinctCounter.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    expect(restored.isExact).toBe(c.isExact);
    expect(restored.estimate()).toBe(c.estimate());
    for (let i = n; i < n + 500; i++) {
      c.addNumber(i);
      restored.addNumber(i);
    }
    expect(restored.estimate()).toBe(c.estimate());
  });

  it('rejects malformed JSON forms, naming the field', () => {
    expect(() => DistinctCounter.fromJSON({ type: 'mlcd.distinct-counter', version: 2 })).toThrow(
      /json\.type/,
    );
    const base = { type: 'mlcd.distinct-counter', version: 1, exactLimit: 10 };
    expect(() => DistinctCounter.fromJSON({ ...base, registers: 'AAAA' })).toThrow(
      /json\.registers: must hold 16384/,
    );
    expect(() => DistinctCounter.fromJSON({ ...base, numbers: ['x'] })).toThrow(/json\.numbers/);
    expect(() => DistinctCounter.fromJSON({ ...base, nonFinite: ['nan'] })).toThrow(/json\.nonFinite/);
  });
});
