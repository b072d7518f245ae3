import {
  chiSquare,
  DriftInputError,
  histogram,
  jensenShannonDistance,
  ksTwoSample,
  lInfinityDistance,
  numericBins,
  psi,
  wassersteinDistance,
} from '../../src/drift';

function expectInputError(fn: () => unknown, argument: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DriftInputError);
  expect((caught as DriftInputError).argument).toBe(argument);
  expect((caught as DriftInputError).message).toMatch(message);
}

describe('identical samples show no drift', () => {
  const sample = Float64Array.from([0.3, -1.2, 2.5, 0.3, 7.1, 4.4, -0.8, 1.9]);

  it('ks: statistic 0 and p-value 1', () => {
    expect(ksTwoSample(sample, sample)).toEqual({ statistic: 0, pValue: 1 });
  });
  it('wasserstein: 0', () => {
    expect(wassersteinDistance(sample, sample)).toBe(0);
  });
  it('psi and jensen-shannon: 0 on identical bins', () => {
    const counts = histogram(sample, numericBins(sample, sample));
    expect(psi(counts, counts)).toBe(0);
    expect(jensenShannonDistance(counts, counts)).toBe(0);
  });
  it('chi-square: statistic 0 and p-value 1; l-infinity 0', () => {
    const counts = new Map([
      ['a', 3],
      ['b', 5],
    ]);
    expect(chiSquare(counts, counts)).toEqual({ statistic: 0, pValue: 1 });
    expect(lInfinityDistance(counts, counts)).toBe(0);
  });
});

describe('all-equal values', () => {
  const fives = Float64Array.from([5, 5, 5, 5]);

  it('ks of two constant samples at the same value is 0 / 1', () => {
    expect(ksTwoSample(fives, Float64Array.from([5, 5]))).toEqual({ statistic: 0, pValue: 1 });
  });
  it('ks of two constant samples at different values is 1', () => {
    expect(ksTwoSample(fives, Float64Array.from([6, 6, 6])).statistic).toBe(1);
  });
  it('wasserstein of two constants is their gap', () => {
    expect(wassersteinDistance(fives, Float64Array.from([7.5]))).toBe(2.5);
  });
  it('bins widen a zero range by 0.5 on each side, like numpy', () => {
    const edges = numericBins(fives, fives, 2);
    expect(Array.from(edges)).toEqual([4.5, 5, 5.5]);
    expect(Array.from(histogram(fives, edges))).toEqual([0, 4]);
  });
});

describe('histogram follows numpy bin rules', () => {
  it('left-closed bins, last bin closed, outside values dropped', () => {
    expect(Array.from(histogram([0, 1, 1.5, 2, 3, -1, 3.5], [0, 1, 2, 3]))).toEqual([1, 2, 2]);
  });
});

describe('psi replaces zero proportions with 0.0001', () => {
  it('an empty bin in current uses 0.0001 instead of 0', () => {
    const expected = (0.0001 - 0.5) * Math.log(0.0001 / 0.5) + (1 - 0.5) * Math.log(1 / 0.5);
    expect(psi([1, 1], [0, 4])).toBeCloseTo(expected, 12);
  });
  it('eps is configurable', () => {
    const expected = (0.01 - 0.5) * Math.log(0.01 / 0.5) + (1 - 0.5) * Math.log(1 / 0.5);
    expect(psi([1, 1], [0, 4], 0.01)).toBeCloseTo(expected, 12);
  });
});

describe('categorical tables', () => {
  it('a category new in current makes chi-square infinite with p-value 0', () => {
    expect(chiSquare({ a: 5, b: 5 }, { a: 4, b: 4, c: 2 })).toEqual({ statistic: Infinity, pValue: 0 });
  });
  it('l-infinity counts a missing category as proportion 0', () => {
    expect(lInfinityDistance({ a: 1, b: 1 }, { a: 4 })).toBe(0.5);
  });
  it('a single category has nothing to drift: statistic 0, p-value 1', () => {
    expect(chiSquare({ a: 3 }, { a: 10 })).toEqual({ statistic: 0, pValue: 1 });
  });
});

describe('bad input is rejected naming the argument', () => {
  const some = Float64Array.from([1, 2, 3]);
  const empty = new Float64Array(0);

  it('empty reference / current samples', () => {
    expectInputError(() => ksTwoSample(empty, some), 'reference', /empty/);
    expectInputError(() => ksTwoSample(some, empty), 'current', /empty/);
    expectInputError(() => wassersteinDistance(empty, some), 'reference', /empty/);
    expectInputError(() => numericBins(some, empty), 'current', /empty/);
  });
  it('NaN in a sample', () => {
    expectInputError(() => ksTwoSample(some, [1, NaN]), 'current', /index 1 is not finite/);
  });
  it('bad nBins and edges', () => {
    expectInputError(() => numericBins(some, some, 0), 'nBins', /positive integer/);
    expectInputError(() => histogram(some, [1]), 'edges', /at least 2/);
    expectInputError(() => histogram(some, [2, 1]), 'edges', /ascending/);
  });
  it('empty, all-zero, negative or misaligned counts', () => {
    expectInputError(() => psi([], []), 'refCounts', /no bins/);
    expectInputError(() => psi([1, 2], [0, 0]), 'curCounts', /sum to 0/);
    expectInputError(() => psi([1, 2], [1]), 'curCounts', /length 1 differs/);
    expectInputError(() => jensenShannonDistance([1, -1], [1, 1]), 'p', /index 1/);
    expectInputError(() => chiSquare({}, { a: 1 }), 'refCounts', /sum to 0/);
    expectInputError(() => lInfinityDistance({ a: 1 }, { a: -2 }), 'curCounts', /"a"/);
  });
});
