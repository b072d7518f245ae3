/** The router keeps the latest input rows each version answered, for live input drift. */
import { LocalTrafficRouter } from '../../src/backends/traffic/local';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { RowSample } from '../../src/serving/row-sample';
import { echoSpec } from '../fixtures/serving/echo-serving';
import { http, processesWithTag, tempDir } from '../fixtures/serving/fake-serving';
import { seededRandom as seeded } from '../helpers/seeded-random';

const TAG = `serving-row-sample-test-${process.pid}`;

describe('RowSample', () => {
  it('below the per-second quota keeps every row, the newest up to its capacity, oldest first', () => {
    let t = 0;
    const s = new RowSample(3, { now: () => t });
    s.record([{ i: 1 }, { i: 2 }]);
    expect(s.latest(10)).toEqual([{ i: 1 }, { i: 2 }]);
    t = 1_000;
    s.record([{ i: 3 }, { i: 4 }, { i: 5 }]);
    expect(s.latest(10)).toEqual([{ i: 3 }, { i: 4 }, { i: 5 }]);
    expect(s.latest(2)).toEqual([{ i: 4 }, { i: 5 }]);
    t = 2_500;
    s.record([{ i: 6 }]);
    expect(s.latest(10)).toEqual([{ i: 4 }, { i: 5 }, { i: 6 }]);
    expect(s.seen).toBe(6);
  });

  it('keeps at most the quota of one second, each row of it with the same chance', () => {
    // 4 000 seconds of 100 rows each, a quota of 10: every row should be kept in 10 % of them.
    const random = seeded(7);
    const kept = new Array<number>(100).fill(0);
    for (let trial = 0; trial < 4_000; trial++) {
      const s = new RowSample(1_000, { perSecond: 10, now: () => 0, random });
      for (let i = 0; i < 100; i++) s.record([{ i }]);
      const rows = s.latest(1_000);
      expect(rows).toHaveLength(10);
      expect(s.seen).toBe(100);
      for (const r of rows) kept[r.i as number] = (kept[r.i as number] ?? 0) + 1;
    }
    // Pearson's chi-square against 400 each: 148.2 is the 0.1 % critical value for 99 degrees
    // of freedom (scipy.stats.chi2.ppf(0.999, 99) = 148.23).
    const chi2 = kept.reduce((sum, k) => sum + (k - 400) ** 2 / 400, 0);
    expect(chi2).toBeLessThan(148.23);
    // Late rows are as likely as early ones (a reservoir, not the first ten).
    expect(kept.slice(90).reduce((a, b) => a + b, 0)).toBeGreaterThan(3_400);
  });

  it('spans capacity ÷ quota seconds of a busy version instead of its last moments', () => {
    let t = 0;
    const s = new RowSample(300, { perSecond: 5, now: () => t, random: seeded(1) });
    for (let second = 0; second < 100; second++) {
      t = second * 1_000;
      for (let i = 0; i < 100; i++) s.record([{ second, i }]);
    }
    const rows = s.latest(300);
    expect(rows).toHaveLength(300);
    expect(s.seen).toBe(10_000);
    const seconds = rows.map((r) => r.second as number);
    // Seconds 40 to 99, five rows each, oldest first; every row kept is distinct.
    expect(seconds).toEqual(Array.from({ length: 300 }, (_, k) => 40 + Math.floor(k / 5)));
    expect(new Set(rows.map((r) => `${String(r.second)}/${String(r.i)}`)).size).toBe(300);
  });

  it('refuses a capacity or quota that is not a positive integer', () => {
    expect(() => new RowSample(0)).toThrow('capacity must be a positive integer');
    expect(() => new RowSample(10, { perSecond: 0.5 })).toThrow('perSecond must be a positive integer');
  });
});

describe('the daemon', () => {
  let daemon: ServingDaemon;
  let state: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    state = tempDir('mlcd-serving-rows-');
    daemon = await startServingDaemon({ port: 0, stateDir: state.dir, log: () => undefined });
    expect(
      (
        await http('PUT', `${daemon.url}/admin/models/m/versions/v1`, {
          artifactUri: '/a',
          serving: echoSpec(TAG),
        })
      ).status,
    ).toBe(200);
    expect((await http('PUT', `${daemon.url}/admin/models/m/weights`, { weights: { v1: 100 } })).status).toBe(
      200,
    );
  });

  afterAll(async () => {
    await daemon.close();
    state.remove();
    expect(processesWithTag(TAG)).toEqual([]);
  });

  it('answers the rows of successful predictions only, newest last, through LocalTrafficRouter', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await http('POST', `${daemon.url}/v1/models/m/predict`, {
        rows: [{ score: 0.1 * i, tenure: i }],
      });
      expect(r.status).toBe(200);
    }
    // The echo server refuses a row that carries a label: a failed answer is not sampled.
    expect((await http('POST', `${daemon.url}/v1/models/m/predict`, { rows: [{ label: 1 }] })).status).toBe(
      502,
    );
    const router = new LocalTrafficRouter({ url: daemon.url });
    const recent = await router.recentRows('m', 'v1', 3);
    expect(recent).toEqual({
      seen: 5,
      rows: [
        { score: 0.2, tenure: 2 },
        { score: 0.30000000000000004, tenure: 3 },
        { score: 0.4, tenure: 4 },
      ],
    });
    expect(await router.recentRows('m', 'nope', 3)).toEqual({ rows: [], seen: 0 });
  });

  it('refuses a limit out of range, naming it', async () => {
    const r = await http('GET', `${daemon.url}/admin/models/m/versions/v1/rows?limit=0`);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('limit must be an integer from 1 to 100000');
  });
});
