/** The router keeps the latest input rows each version answered, for live input drift. */
import { LocalTrafficRouter } from '../../src/backends/traffic/local';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { RowSample } from '../../src/serving/row-sample';
import { echoSpec } from '../fixtures/serving/echo-serving';
import { http, processesWithTag, tempDir } from '../fixtures/serving/fake-serving';

const TAG = `serving-row-sample-test-${process.pid}`;

describe('RowSample', () => {
  it('keeps the newest rows up to its capacity, oldest first, and counts every row seen', () => {
    const s = new RowSample(3);
    s.record([{ i: 1 }, { i: 2 }]);
    expect(s.latest(10)).toEqual([{ i: 1 }, { i: 2 }]);
    s.record([{ i: 3 }, { i: 4 }, { i: 5 }]);
    expect(s.latest(10)).toEqual([{ i: 3 }, { i: 4 }, { i: 5 }]);
    expect(s.latest(2)).toEqual([{ i: 4 }, { i: 5 }]);
    expect(s.seen).toBe(5);
    expect(() => new RowSample(0)).toThrow('positive integer');
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
