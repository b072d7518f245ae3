import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalMetricsSource } from '../../src/backends/metrics/local';
import { PREDICTION_BINS } from '../../src/backends/metrics/types';
import { BackendError } from '../../src/core/errors';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { predictionBin, StatsWindow } from '../../src/serving/stats-window';
import { echoSpec, promSample } from '../fixtures/serving/echo-serving';
import { http, processesWithTag, tempDir } from '../fixtures/serving/fake-serving';

const TAG = `serving-predictions-test-${process.pid}`;
/** One score per bin edge case: below 0, 0, inside bin 0, the 0.1 edge, the 0.3 edge, mid-range, 1 and above 1. */
const SCORES = [-0.5, 0, 0.05, 0.1, 0.3, 0.55, 0.95, 1, 1.7];

describe('predictionBin', () => {
  it('puts i/10 in bin i, 1 and above in the last bin, below 0 in the first', () => {
    for (let i = 0; i < PREDICTION_BINS; i++) expect(predictionBin(i / 10)).toBe(i);
    expect(predictionBin(1)).toBe(PREDICTION_BINS - 1);
    expect(predictionBin(42)).toBe(PREDICTION_BINS - 1);
    expect(predictionBin(-0.5)).toBe(0);
    expect(predictionBin(-Infinity)).toBe(0);
    expect(predictionBin(0.29999999999999993)).toBe(2); // the double just below 0.3
    expect(predictionBin(0.9999999999999999)).toBe(PREDICTION_BINS - 1);
  });
});

describe('StatsWindow predictions and feedback', () => {
  it('counts scores in the window into PREDICTION_BINS bins, out-of-range ones in the end bins', () => {
    const w = new StatsWindow(1000);
    w.record(100, 1, false);
    w.recordScores(100, [0.5, 0.5]); // before the window
    w.record(1_050, 1, false);
    w.recordScores(1_050, SCORES);
    w.recordScores(1_060, [0.42]);
    w.recordScores(3_000, [0.5]); // after `now`
    const s = w.stats('v1', 1_000, 2_000);
    expect(s.predictions).toEqual([3, 1, 0, 1, 1, 1, 0, 0, 0, 3]);
    expect(s.requests).toBe(1);
  });

  it('keeps the newest `capacity` scores', () => {
    const w = new StatsWindow(4);
    w.recordScores(1, [0.05, 0.05, 0.05]);
    w.recordScores(2, [0.95, 0.95, 0.95]);
    expect(w.stats('v', 100, 10).predictions).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
  });

  it('sums feedback that arrived in the window', () => {
    const w = new StatsWindow(100);
    w.recordFeedback(10, 5, 5); // before the window
    w.recordFeedback(150, 4, 3);
    w.recordFeedback(160, 2, 0);
    const s = w.stats('v', 100, 200);
    expect([s.labeled, s.correct]).toEqual([6, 3]);
    expect(w.stats('v', 100, 1_000)).not.toHaveProperty('labeled');
  });

  it('leaves labeled, correct and predictions out of a window that has none', () => {
    const w = new StatsWindow(10);
    w.record(5, 1, false);
    expect(w.stats('v', 100, 10)).toEqual({
      version: 'v',
      windowMs: 100,
      requests: 1,
      errors: 0,
      errorRate: 0,
      latencyP50Ms: 1,
      latencyP99Ms: 1,
    });
  });
});

describe('the daemon', () => {
  let daemon: ServingDaemon;
  let state: ReturnType<typeof tempDir>;
  let source: LocalMetricsSource;

  beforeAll(async () => {
    state = tempDir('mlcd-serving-predictions-');
    daemon = await startServingDaemon({ port: 0, stateDir: state.dir, log: () => undefined });
    source = new LocalMetricsSource({ url: daemon.url });
    for (const model of ['bins', 'round']) {
      expect(
        (
          await http('PUT', `${daemon.url}/admin/models/${model}/versions/v1`, {
            artifactUri: '/a',
            serving: echoSpec(TAG),
          })
        ).status,
      ).toBe(200);
      expect(
        (await http('PUT', `${daemon.url}/admin/models/${model}/weights`, { weights: { v1: 100 } })).status,
      ).toBe(200);
    }
  });

  afterAll(async () => {
    await daemon.close();
    state.remove();
    expect(processesWithTag(TAG)).toEqual([]);
  });

  const predict = (model: string, scores: number[]) =>
    http('POST', `${daemon.url}/v1/models/${model}/predict`, { rows: scores.map((score) => ({ score })) });

  it('bins every predicted row in the version stats, and the prediction score histogram on /metrics agrees', async () => {
    expect((await predict('bins', SCORES)).status).toBe(200);
    expect((await predict('bins', [0.45])).status).toBe(200);
    const stats = (await http('GET', `${daemon.url}/admin/models/bins/versions/v1/stats?windowMs=60000`))
      .body;
    expect(stats).toMatchObject({ requests: 2, predictions: [3, 1, 0, 1, 1, 1, 0, 0, 0, 3] });
    expect(stats).not.toHaveProperty('labeled');

    const text = (await http('GET', `${daemon.url}/metrics`)).body as string;
    const bucket = (le: string) =>
      promSample(text, 'mlcd_router_prediction_score_bucket', { le, model: 'bins', version: 'v1' });
    // Prometheus buckets are cumulative and include their upper edge (`le`): 0.1 counts in le="0.1", where the stats' bin 1 starts at 0.1.
    expect(['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9', '1', '+Inf'].map(bucket)).toEqual([
      4, 4, 5, 5, 6, 7, 7, 7, 7, 9, 10,
    ]);
    expect(promSample(text, 'mlcd_router_prediction_score_count', { model: 'bins', version: 'v1' })).toBe(10);
    expect(
      promSample(text, 'mlcd_router_prediction_score_sum', { model: 'bins', version: 'v1' }),
    ).toBeCloseTo(
      [...SCORES, 0.45].reduce((a, b) => a + b, 0),
      10,
    );
    expect(text).toContain('# TYPE mlcd_router_prediction_score histogram');
    expect(text).toContain('# TYPE mlcd_router_feedback_total counter');
  });

  it('LocalMetricsSource reads labeled, correct and predictions back', async () => {
    const res = await predict('round', [0.9, 0.2, 0.7]);
    const id = res.headers.get('x-mlcd-request-id') as string;
    expect(
      (await http('POST', `${daemon.url}/v1/models/round/feedback`, { requestId: id, labels: [1, 0, 0] }))
        .status,
    ).toBe(200);
    const s = await source.versionStats('round', 'v1', 60_000);
    expect(s).toMatchObject({
      version: 'v1',
      requests: 1,
      errors: 0,
      errorRate: 0,
      labeled: 3,
      correct: 2,
      predictions: [0, 0, 1, 0, 0, 0, 0, 1, 0, 1],
    });
    const none = await source.versionStats('round', 'never', 60_000);
    expect(none).toEqual({
      version: 'never',
      windowMs: 60_000,
      requests: 0,
      errors: 0,
      errorRate: NaN,
      latencyP50Ms: NaN,
      latencyP99Ms: NaN,
    });
  });
});

describe('LocalMetricsSource against other daemons', () => {
  let server: Server;
  let url: string;
  let answer: unknown;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const base = {
    version: 'v1',
    windowMs: 1000,
    requests: 10,
    errors: 1,
    errorRate: 0.1,
    latencyP50Ms: 2,
    latencyP99Ms: 9,
  };

  it('reads the answer of an older daemon, without feedback or bins', async () => {
    answer = base;
    expect(await new LocalMetricsSource({ url }).versionStats('m', 'v1', 1000)).toEqual(base);
  });

  it.each([
    [
      'bins of another count',
      { ...base, predictions: [1, 2, 3] },
      'at predictions: Array must contain exactly 10 element(s)',
    ],
    [
      'a negative bin',
      { ...base, predictions: [1, 2, 3, 4, 5, 6, 7, 8, 9, -1] },
      'at predictions.9: Number must be greater than or equal to 0',
    ],
    [
      'correct without labeled',
      { ...base, correct: 3 },
      'at (root): labeled and correct come together, with correct <= labeled',
    ],
    [
      'correct above labeled',
      { ...base, labeled: 2, correct: 3 },
      'at (root): labeled and correct come together, with correct <= labeled',
    ],
  ])('refuses an answer with %s, naming the field', async (_what, body, message) => {
    answer = body;
    let error: unknown;
    try {
      await new LocalMetricsSource({ url }).versionStats('m', 'v1', 1000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toContain(
      `read stats of m version v1: unexpected answer from the serving daemon ${message}`,
    );
    expect((error as BackendError).retryable).toBe(false);
  });
});
