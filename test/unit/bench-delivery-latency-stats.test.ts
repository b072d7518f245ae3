import { highestSustained, median, spread, summarizeLatencies, sustains } from '../../bench/delivery/latency-stats';

const criteria = { minAchievedFraction: 0.95, maxP99Ms: 50, maxErrorFraction: 0.001 };

describe('summarizeLatencies', () => {
  it('takes nearest-rank percentiles: rank ceil(q × n) of the sorted samples', () => {
    const s = summarizeLatencies(Float64Array.from({ length: 1000 }, (_, i) => 1000 - i)); // 1000 … 1, unsorted
    expect(s).toEqual({ count: 1000, p50: 500, p90: 900, p99: 990, p999: 999, max: 1000, mean: 500.5 });
  });
  it('reports no sample as count 0 and NaN percentiles, not 0', () => {
    const s = summarizeLatencies(new Float64Array(0));
    expect(s.count).toBe(0);
    expect(s.p99).toBeNaN();
  });
  it('does not reorder the caller’s samples', () => {
    const a = Float64Array.from([3, 1, 2]);
    expect(summarizeLatencies(a).p50).toBe(2);
    expect([...a]).toEqual([3, 1, 2]);
  });
});

describe('median and spread', () => {
  it('averages the two middle values of an even count and skips NaN', () => {
    expect(median([4, 1, NaN, 3, 2])).toBe(2.5);
    expect(spread([0.2, -0.1, 0.5])).toEqual({ median: 0.2, min: -0.1, max: 0.5 });
    expect(median([])).toBeNaN();
  });
});

describe('sustains', () => {
  const held = { offeredPerSecond: 1000, achievedPerSecond: 960, offered: 20000, failed: 0, p99Ms: 3 };
  it('holds at 96 % of the offered rate with p99 and failures in bounds', () => {
    expect(sustains(held, criteria)).toEqual([]);
  });
  it('fails below 95 % of the offered rate, naming both rates', () => {
    expect(sustains({ ...held, achievedPerSecond: 940 }, criteria)).toEqual([
      'achieved 940/s is 94.0 % of the offered 1000/s (< 95 %)',
    ]);
  });
  it('fails when p99 passes the bound or more than 0.1 % of requests failed, and on a NaN p99 (no answer)', () => {
    expect(sustains({ ...held, p99Ms: 50.5 }, criteria)).toEqual(['p99 50.50 ms > 50 ms']);
    expect(sustains({ ...held, failed: 21 }, criteria)).toEqual(['21 of 20000 requests failed (> 0.1 %)']);
    expect(sustains({ ...held, p99Ms: NaN }, criteria)).toHaveLength(1);
  });
});

describe('highestSustained', () => {
  it('is the last rate before the first failed step; a later pass does not count', () => {
    expect(
      highestSustained([
        { rate: 500, sustained: true },
        { rate: 1000, sustained: true },
        { rate: 2000, sustained: false },
        { rate: 4000, sustained: true },
      ]),
    ).toBe(1000);
  });
  it('is null when the first step already failed', () => {
    expect(highestSustained([{ rate: 100, sustained: false }])).toBeNull();
  });
});
