import { parseCpuTimes, readCpuTimes, stealPercent } from '../../bench/delivery/cpu-steal';

// A /proc/stat as Linux 6 prints it: user nice system idle iowait irq softirq steal guest guest_nice.
const STAT = [
  'cpu  1000 10 300 8000 50 0 40 600 0 0',
  'cpu0 500 5 150 4000 25 0 20 300 0 0',
  'cpu1 500 5 150 4000 25 0 20 300 0 0',
  'intr 12345 0 0',
  'ctxt 99',
].join('\n');

describe('parseCpuTimes', () => {
  it('sums the eight time columns of the aggregate cpu line and takes steal from the eighth', () => {
    expect(parseCpuTimes(STAT)).toEqual({ total: 1000 + 10 + 300 + 8000 + 50 + 0 + 40 + 600, steal: 600 });
  });
  it('gives null for a text without the aggregate line or with too few or bad columns', () => {
    expect(parseCpuTimes('cpu0 1 2 3 4 5 6 7 8\n')).toBeNull();
    expect(parseCpuTimes('cpu  1 2 3 4 5 6 7\n')).toBeNull();
    expect(parseCpuTimes('cpu  1 2 3 x 5 6 7 8\n')).toBeNull();
  });
  it('reads this machine’s counters where /proc/stat exists', () => {
    const t = readCpuTimes();
    if (process.platform === 'linux') {
      expect(t).not.toBeNull();
      expect(t?.steal).toBeGreaterThanOrEqual(0);
      expect(t?.total).toBeGreaterThan(t?.steal ?? Infinity);
    } else {
      expect(t).toBeNull();
    }
  });
});

describe('stealPercent', () => {
  it('is the stolen share of the time between two readings', () => {
    expect(stealPercent({ total: 1000, steal: 10 }, { total: 3000, steal: 150 })).toBeCloseTo(7, 10);
    expect(stealPercent({ total: 1000, steal: 10 }, { total: 2000, steal: 10 })).toBe(0);
  });
  it('is null without both readings or without time between them', () => {
    expect(stealPercent(null, { total: 1, steal: 0 })).toBeNull();
    expect(stealPercent({ total: 1, steal: 0 }, null)).toBeNull();
    expect(stealPercent({ total: 5, steal: 1 }, { total: 5, steal: 1 })).toBeNull();
  });
});
