import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { runLoad } from '../../src/serving/load-generator';
import { PredictionLog } from '../../src/serving/prediction-log';
import { echoSpec, promSample } from '../fixtures/serving/echo-serving';
import { fakeSpec, http, processesWithTag, tempDir } from '../fixtures/serving/fake-serving';

const TAG = `serving-feedback-test-${process.pid}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const logs: string[] = [];

let daemon: ServingDaemon;
let state: ReturnType<typeof tempDir>;

/** Deploys `version` of `model` from `serving` on `d` and gives it all the traffic. */
async function serveOnly(
  d: ServingDaemon,
  model: string,
  version: string,
  serving = echoSpec(TAG),
): Promise<void> {
  const dep = await http('PUT', `${d.url}/admin/models/${model}/versions/${version}`, {
    artifactUri: `/a/${model}/${version}`,
    serving,
  });
  expect(dep.status).toBe(200);
  expect(
    (await http('PUT', `${d.url}/admin/models/${model}/weights`, { weights: { [version]: 100 } })).status,
  ).toBe(200);
}
const predict = (d: ServingDaemon, model: string, rows: unknown[], headers: Record<string, string> = {}) =>
  http('POST', `${d.url}/v1/models/${model}/predict`, { rows }, headers);
const feedback = (d: ServingDaemon, model: string, body: unknown) =>
  http('POST', `${d.url}/v1/models/${model}/feedback`, body);
const stats = async (
  d: ServingDaemon,
  model: string,
  version: string,
): Promise<Record<string, unknown> & { requests: number }> =>
  (await http('GET', `${d.url}/admin/models/${model}/versions/${version}/stats?windowMs=60000`))
    .body as Record<string, unknown> & { requests: number };
const metricsText = async (d: ServingDaemon): Promise<string> =>
  (await http('GET', `${d.url}/metrics`)).body as string;

beforeAll(async () => {
  state = tempDir('mlcd-serving-feedback-');
  daemon = await startServingDaemon({
    port: 0,
    stateDir: state.dir,
    upstreamTimeoutMs: 5_000,
    log: (l) => logs.push(l),
  });
});

afterAll(async () => {
  await daemon.close();
  state.remove();
  expect(processesWithTag(TAG)).toEqual([]);
});

describe('request ids', () => {
  beforeAll(() => serveOnly(daemon, 'ids', 'v1'));

  it('answers a new UUID per prediction in x-mlcd-request-id', async () => {
    const a = await predict(daemon, 'ids', [{ score: 0.7 }]);
    const b = await predict(daemon, 'ids', [{ score: 0.7 }]);
    expect(a.status).toBe(200);
    expect(a.headers.get('x-mlcd-request-id')).toMatch(UUID);
    expect(b.headers.get('x-mlcd-request-id')).toMatch(UUID);
    expect(b.headers.get('x-mlcd-request-id')).not.toBe(a.headers.get('x-mlcd-request-id'));
  });

  it("keeps the client's id, and feedback finds the prediction by it", async () => {
    const res = await predict(daemon, 'ids', [{ score: 0.7 }], { 'x-mlcd-request-id': 'order-42:item/7' });
    expect(res.headers.get('x-mlcd-request-id')).toBe('order-42:item/7');
    const fb = await feedback(daemon, 'ids', { requestId: 'order-42:item/7', labels: [1] });
    expect(fb).toMatchObject({
      status: 200,
      body: { requestId: 'order-42:item/7', version: 'v1', labeled: 1, correct: 1, duplicate: false },
    });
  });

  it('refuses an invalid client id with 400 naming the header and the value, without counting the request against a version', async () => {
    const before = (await stats(daemon, 'ids', 'v1')).requests;
    const spaced = await predict(daemon, 'ids', [{ score: 0.7 }], { 'x-mlcd-request-id': 'has space' });
    expect(spaced).toMatchObject({
      status: 400,
      body: {
        error:
          'x-mlcd-request-id header: request id must be 1 to 128 visible ASCII characters (no spaces), got "has space"',
      },
    });
    const long = await predict(daemon, 'ids', [{ score: 0.7 }], { 'x-mlcd-request-id': 'x'.repeat(129) });
    expect(long.status).toBe(400);
    expect(long.body.error).toContain(`got "${'x'.repeat(60)}"… (129 characters)`);
    expect((await stats(daemon, 'ids', 'v1')).requests).toBe(before);
  });

  it('gives a failed prediction an id too, but does not remember it for feedback', async () => {
    await serveOnly(daemon, 'failing', 'v1', fakeSpec(TAG, ['--error-rate', '1']));
    const res = await predict(daemon, 'failing', [{ x: 1 }], { 'x-mlcd-request-id': 'failed-1' });
    expect(res.status).toBe(502);
    expect(res.headers.get('x-mlcd-request-id')).toBe('failed-1');
    const fb = await feedback(daemon, 'failing', { requestId: 'failed-1', labels: [1] });
    expect(fb.status).toBe(404);
    expect(fb.body.error).toMatch(
      /^unknown request id "failed-1" for model failing: no successful prediction with this id is remembered/,
    );
  });
});

describe('feedback under a 50/50 split', () => {
  it('is counted for the version that made each prediction, in its stats and its Prometheus counter', async () => {
    const deploy = (version: string, score: string) =>
      http('PUT', `${daemon.url}/admin/models/ab/versions/${version}`, {
        artifactUri: `/a/ab/${version}`,
        serving: fakeSpec(TAG, ['--score', score]),
      });
    await deploy('stable', '0.8'); // predicts 1 for every row
    await deploy('canary', '0.2'); // predicts 0 for every row
    await http('PUT', `${daemon.url}/admin/models/ab/weights`, { weights: { stable: 50, canary: 50 } });

    // Every row's label is 1: stable is always right, canary always wrong.
    const load = await runLoad({
      url: daemon.url,
      model: 'ab',
      rows: [{ tenure: 3, churned: 1 }],
      ratePerSecond: 2000,
      durationMs: 20_000,
      maxRequests: 200,
      concurrency: 16,
      feedback: { labelColumn: 'churned' },
    });
    const nStable = load.byVersion.stable ?? 0;
    const nCanary = load.byVersion.canary ?? 0;
    expect(load).toMatchObject({
      sent: 200,
      ok: 200,
      errors: 0,
      feedback: { sent: 200, ok: 200, failed: 0 },
    });
    expect(nStable + nCanary).toBe(200);
    // Binomial(200, 0.5) has sd 7.1: 5 sd either side.
    expect(nCanary).toBeGreaterThan(64);
    expect(nCanary).toBeLessThan(136);

    expect(await stats(daemon, 'ab', 'stable')).toMatchObject({
      requests: nStable,
      labeled: nStable,
      correct: nStable,
    });
    expect(await stats(daemon, 'ab', 'canary')).toMatchObject({
      requests: nCanary,
      labeled: nCanary,
      correct: 0,
    });

    const text = await metricsText(daemon);
    expect(
      promSample(text, 'mlcd_router_feedback_total', { model: 'ab', version: 'stable', outcome: 'correct' }),
    ).toBe(nStable);
    expect(
      promSample(text, 'mlcd_router_feedback_total', {
        model: 'ab',
        version: 'stable',
        outcome: 'incorrect',
      }),
    ).toBe(0);
    expect(
      promSample(text, 'mlcd_router_feedback_total', { model: 'ab', version: 'canary', outcome: 'correct' }),
    ).toBe(0);
    expect(
      promSample(text, 'mlcd_router_feedback_total', {
        model: 'ab',
        version: 'canary',
        outcome: 'incorrect',
      }),
    ).toBe(nCanary);
  });
});

describe('feedback answers', () => {
  let id: string;
  beforeAll(async () => {
    await serveOnly(daemon, 'acc', 'v1');
    await serveOnly(daemon, 'other', 'v1');
    // Scores at and around the 0.5 threshold.
    const res = await predict(daemon, 'acc', [
      { score: 0.9 },
      { score: 0.2 },
      { score: 0.5 },
      { score: 0.49 },
    ]);
    expect(res.status).toBe(200);
    id = res.headers.get('x-mlcd-request-id') as string;
  });

  it('counts a row right when score >= 0.5 meets label 1 or score < 0.5 meets label 0, and counts a repeat once', async () => {
    // 0.9/1 right, 0.2/1 wrong, 0.5/0 wrong (0.5 predicts 1), 0.49/0 right.
    const first = await feedback(daemon, 'acc', { requestId: id, labels: [1, 1, 0, 0] });
    expect(first).toMatchObject({
      status: 200,
      body: { requestId: id, version: 'v1', labeled: 4, correct: 2, duplicate: false },
    });
    expect(await stats(daemon, 'acc', 'v1')).toMatchObject({ requests: 1, labeled: 4, correct: 2 });

    const again = await feedback(daemon, 'acc', { requestId: id, labels: [1, 1, 1, 1] });
    expect(again).toMatchObject({
      status: 200,
      body: { requestId: id, version: 'v1', labeled: 0, correct: 0, duplicate: true },
    });
    expect(await stats(daemon, 'acc', 'v1')).toMatchObject({ labeled: 4, correct: 2 });
    const text = await metricsText(daemon);
    expect(
      promSample(text, 'mlcd_router_feedback_total', { model: 'acc', version: 'v1', outcome: 'correct' }),
    ).toBe(2);
    expect(
      promSample(text, 'mlcd_router_feedback_total', { model: 'acc', version: 'v1', outcome: 'incorrect' }),
    ).toBe(2);
  });

  it('answers 404 for an unknown request id, naming it', async () => {
    const res = await feedback(daemon, 'acc', { requestId: 'never-seen', labels: [1] });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe(
      'unknown request id "never-seen" for model acc: no successful prediction with this id is remembered ' +
        '(ids come from the x-mlcd-request-id header of a prediction this daemon answered with 200 since it last started)',
    );
  });

  it('answers 400 for feedback sent to another model than the prediction', async () => {
    const res = await feedback(daemon, 'other', { requestId: id, labels: [1, 1, 0, 0] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(
      `request id "${id}" is a prediction of model acc, not of model other; post its feedback to /v1/models/acc/feedback`,
    );
  });

  // Bodies are thunks: `id` is only known once beforeAll ran.
  it.each<[string, () => unknown, () => string]>([
    [
      'a label count other than the rows',
      () => ({ requestId: id, labels: [1, 0] }),
      () =>
        `request id "${id}" predicted 4 row(s) but the feedback has 2 label(s); send one 0/1 label per predicted row`,
    ],
    [
      'a label that is not 0 or 1',
      () => ({ requestId: id, labels: [1, 2, 0, 0] }),
      () => 'feedback body invalid at labels.1: label must be 0 or 1, got 2',
    ],
    [
      'a boolean label',
      () => ({ requestId: id, labels: [true, 1, 0, 0] }),
      () => 'feedback body invalid at labels.0: Expected number, received boolean',
    ],
    [
      'no labels',
      () => ({ requestId: id, labels: [] }),
      () => 'feedback body invalid at labels: labels must hold one 0/1 label per predicted row',
    ],
    ['no request id', () => ({ labels: [1] }), () => 'feedback body invalid at requestId: Required'],
    [
      'an empty batch',
      () => ({ feedback: [] }),
      () => 'feedback body invalid at feedback: feedback must hold at least one item',
    ],
    [
      'a body that is an array',
      () => [{ requestId: id, labels: [1] }],
      () =>
        'feedback body must be { "requestId": "<id>", "labels": [0|1, ...] } or { "feedback": [ { "requestId": ..., "labels": ... }, ... ] }',
    ],
  ])('answers 400 naming the problem for %s, and counts nothing', async (_what, body, message) => {
    const res = await feedback(daemon, 'acc', body());
    expect(res).toMatchObject({ status: 400, body: { error: message() } });
    expect(await stats(daemon, 'acc', 'v1')).toMatchObject({ labeled: 4, correct: 2 });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await feedback(daemon, 'acc', '{"requestId":');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^request body is not valid JSON: /);
  });

  it('applies a batch all or nothing: one bad item refuses it whole, naming the item', async () => {
    const ids: string[] = [];
    for (const score of [0.9, 0.1])
      ids.push((await predict(daemon, 'other', [{ score }])).headers.get('x-mlcd-request-id') as string);
    const bad = await feedback(daemon, 'other', {
      feedback: [
        { requestId: ids[0], labels: [1] },
        { requestId: 'ghost', labels: [1] },
      ],
    });
    expect(bad.status).toBe(404);
    expect(bad.body.error).toMatch(/^feedback\[1\]: unknown request id "ghost" for model other/);
    expect(await stats(daemon, 'other', 'v1')).not.toHaveProperty('labeled');

    const malformed = await feedback(daemon, 'other', {
      feedback: [
        { requestId: ids[0], labels: [1] },
        { requestId: ids[1], labels: [0.5] },
      ],
    });
    expect(malformed).toMatchObject({
      status: 400,
      body: { error: 'feedback body invalid at feedback.1.labels.0: label must be 0 or 1, got 0.5' },
    });

    // Then the good batch: the second item repeats the first, which counts once.
    const good = await feedback(daemon, 'other', {
      feedback: [
        { requestId: ids[0], labels: [1] },
        { requestId: ids[0], labels: [1] },
        { requestId: ids[1], labels: [1] },
      ],
    });
    expect(good).toMatchObject({
      status: 200,
      body: {
        results: [
          { requestId: ids[0], version: 'v1', labeled: 1, correct: 1, duplicate: false },
          { requestId: ids[0], version: 'v1', labeled: 0, correct: 0, duplicate: true },
          { requestId: ids[1], version: 'v1', labeled: 1, correct: 0, duplicate: false },
        ],
      },
    });
    expect(await stats(daemon, 'other', 'v1')).toMatchObject({ labeled: 2, correct: 1 });
  });

  it('answers 405 for a GET', async () => {
    expect((await http('GET', `${daemon.url}/v1/models/acc/feedback`)).status).toBe(405);
  });
});

describe('predictions without usable scores', () => {
  it.each([
    ['odd-1', 'no scores array', [{ answer: 'no-scores' }], 'no "scores" array'],
    ['odd-2', 'fewer scores than rows', [{ answer: 'short' }], '0 score(s) for 1 row(s)'],
    [
      'odd-3',
      'a score that is not a number',
      [{ score: 'high' }],
      'scores[0] is "high", not a finite number',
    ],
  ])(
    '%s: relays an answer with %s and counts the request, but neither bins it nor takes feedback for it; logs it once',
    async (model, _what, rows, reason) => {
      await serveOnly(daemon, model, 'v1');
      for (let i = 0; i < 2; i++) {
        const res = await predict(daemon, model, rows);
        expect(res.status).toBe(200);
        const fb = await feedback(daemon, model, {
          requestId: res.headers.get('x-mlcd-request-id'),
          labels: [1],
        });
        expect(fb.status).toBe(404);
      }
      const s = await stats(daemon, model, 'v1');
      expect(s.requests).toBe(2);
      expect(s).not.toHaveProperty('predictions');
      expect(
        logs.filter((l) => l.includes(`version v1 of model ${model} answered without usable scores`)),
      ).toEqual([
        `version v1 of model ${model} answered without usable scores (${reason}); its answers are relayed but not counted in prediction bins and get no feedback`,
      ]);
    },
  );
});

describe('a router that remembers 3 predictions and 10 rows', () => {
  let small: ServingDaemon;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    dir = tempDir('mlcd-serving-feedback-small-');
    small = await startServingDaemon({
      port: 0,
      stateDir: dir.dir,
      feedbackRequests: 3,
      feedbackRows: 10,
      log: () => undefined,
    });
    await serveOnly(small, 'm', 'v1');
  });
  afterAll(async () => {
    await small.close();
    dir.remove();
  });
  const predictAs = async (id: string, rows: number) => {
    const res = await predict(
      small,
      'm',
      Array.from({ length: rows }, () => ({ score: 0.9 })),
      { 'x-mlcd-request-id': id },
    );
    expect(res.status).toBe(200);
  };
  const label = (id: string, rows: number) =>
    feedback(small, 'm', { requestId: id, labels: new Array(rows).fill(1) });
  const expired = (id: string) =>
    `request id "${id}" has expired: the router remembers the last 3 predictions (at most 10 predicted rows) and this one was evicted`;

  it('answers 404 "expired" for a prediction evicted by newer ones, and still takes feedback for the newest', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await predictAs(id, 1);
    expect(await label('a', 1)).toMatchObject({ status: 404, body: { error: expired('a') } });
    for (const id of ['b', 'c', 'd'])
      expect(await label(id, 1)).toMatchObject({ status: 200, body: { labeled: 1, duplicate: false } });
  });

  it('evicts by rows too, frees the rows of a labelled prediction, and expires at once a prediction larger than the bound', async () => {
    await predictAs('six-1', 6);
    expect(await label('six-1', 6)).toMatchObject({ status: 200, body: { labeled: 6 } }); // frees its 6 rows
    await predictAs('six-2', 6);
    expect(await label('six-1', 6)).toMatchObject({ status: 200, body: { duplicate: true } }); // still remembered
    await predictAs('six-3', 6); // 6 + 6 > 10: six-2, unlabelled, is evicted
    expect(await label('six-2', 6)).toMatchObject({ status: 404, body: { error: expired('six-2') } });
    expect(await label('six-3', 6)).toMatchObject({ status: 200, body: { labeled: 6 } });
    await predictAs('huge', 11);
    expect(await label('huge', 11)).toMatchObject({ status: 404, body: { error: expired('huge') } });
  });

  it('refuses bounds that are not positive integers', async () => {
    await expect(
      startServingDaemon({ port: 0, stateDir: dir.dir, feedbackRequests: 0, log: () => undefined }),
    ).rejects.toThrow('serving daemon option feedbackRequests must be a positive integer, got 0');
  });
});

describe('PredictionLog', () => {
  const scoresOf = (log: PredictionLog, id: string) => {
    const found = log.lookup(id);
    return found.kind === 'found' ? found.prediction.scores : found.kind;
  };

  it('names the latest prediction of a reused id; the replaced one only holds its slot until the ring passes it', () => {
    const log = new PredictionLog(3, 100);
    log.remember('a', 'm', 'v1', [0.9]);
    log.remember('b', 'm', 'v1', [0.8]);
    log.remember('a', 'm', 'v2', [0.1]);
    expect(log.lookup('a')).toEqual({
      kind: 'found',
      prediction: { id: 'a', model: 'm', version: 'v2', rows: 1, scores: [0.1] },
    });
    log.remember('c', 'm', 'v1', [0.5]); // passes the replaced slot of `a`: nothing expires
    expect([scoresOf(log, 'a'), scoresOf(log, 'b'), scoresOf(log, 'c')]).toEqual([[0.1], [0.8], [0.5]]);
    log.remember('d', 'm', 'v1', [0.5]); // evicts `b`
    expect([scoresOf(log, 'a'), scoresOf(log, 'b'), log.size]).toEqual([[0.1], 'expired', 3]);
    for (let i = 0; i < 1_000; i++) log.remember('same', 'm', 'v1', [i / 1_000]);
    expect([scoresOf(log, 'same'), log.size]).toEqual([[0.999], 1]);
    expect(scoresOf(log, 'never')).toBe('unknown');
  });

  it('evicts in O(1): 300 000 predictions through a log of 100 000 take well under a second each 100 000', () => {
    const log = new PredictionLog(100_000, 1_000_000);
    const scores = [0.5];
    const t0 = performance.now();
    for (let i = 0; i < 300_000; i++) log.remember(`id-${i}`, 'm', 'v1', scores);
    // About 0.3 s on a loaded 2-core machine; a Map used as a queue (V8 walks its deleted entries) took 0.14 ms per insert at this size.
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect([
      log.size,
      scoresOf(log, 'id-199999'),
      scoresOf(log, 'id-200000'),
      scoresOf(log, 'id-299999'),
    ]).toEqual([100_000, 'expired', scores, scores]);
  });

  it('refuses bounds that are not positive integers', () => {
    expect(() => new PredictionLog(1.5)).toThrow(
      'PredictionLog maxRequests must be a positive integer, got 1.5',
    );
    expect(() => new PredictionLog(1, 0)).toThrow('PredictionLog maxRows must be a positive integer, got 0');
  });
});

describe('runLoad feedback', () => {
  beforeAll(() => serveOnly(daemon, 'lg', 'v1'));
  // The echo server answers 400 to a row that still carries `label`, so every ok below also proves the column was removed.
  const rows = [
    { score: 0.9, label: 1 },
    { score: 0.2, label: true },
    { score: 0.6, label: 0 },
  ];

  it('removes the label column, posts one label per successful prediction and counts it', async () => {
    const r = await runLoad({
      url: daemon.url,
      model: 'lg',
      rows,
      ratePerSecond: 1000,
      durationMs: 10_000,
      maxRequests: 6,
      concurrency: 2,
      feedback: { labelColumn: 'label' },
    });
    expect(r).toEqual({
      sent: 6,
      ok: 6,
      errors: 0,
      byVersion: { v1: 6 },
      feedback: { sent: 6, ok: 6, failed: 0 },
    });
    // Rows cycle twice: right, wrong (0.2 vs true), wrong (0.6 vs 0).
    expect(await stats(daemon, 'lg', 'v1')).toMatchObject({ labeled: 6, correct: 2 });
  });

  it('waits delayMs before each feedback, and sends none for a failed prediction', async () => {
    await serveOnly(daemon, 'lg-half', 'v1', fakeSpec(TAG, ['--error-rate', '0.5']));
    const t0 = Date.now();
    const r = await runLoad({
      url: daemon.url,
      model: 'lg-half',
      rows: [{ x: 1, y: 1 }],
      ratePerSecond: 1000,
      durationMs: 10_000,
      maxRequests: 4,
      concurrency: 1,
      feedback: { labelColumn: 'y', delayMs: 400 },
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(r).toMatchObject({ sent: 4, ok: 2, errors: 2, feedback: { sent: 2, ok: 2, failed: 0 } });
  });

  it('cancels feedback still waiting when the run is aborted', async () => {
    const ctl = new AbortController();
    const t0 = Date.now();
    const done = runLoad({
      url: daemon.url,
      model: 'lg',
      rows,
      ratePerSecond: 1000,
      durationMs: 10_000,
      maxRequests: 2,
      signal: ctl.signal,
      feedback: { labelColumn: 'label', delayMs: 30_000 },
    });
    setTimeout(() => ctl.abort(), 300);
    const r = await done;
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r).toMatchObject({ sent: 2, ok: 2, feedback: { sent: 0, ok: 0, failed: 0 } });
  });

  it('counts as failed feedback that is refused and feedback for an answer without a request id', async () => {
    // A stand-in daemon: predictions succeed, every other one without the id header; feedback answers 503.
    let n = 0;
    const posted: string[] = [];
    const stub = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url?.endsWith('/feedback')) {
          posted.push(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(503, { 'content-type': 'application/json' });
          return res.end('{"error":"down"}');
        }
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-mlcd-version': 'v1',
        };
        if (n++ % 2 === 0) headers['x-mlcd-request-id'] = `r${n}`;
        res.writeHead(200, headers);
        res.end('{"scores":[0.5]}');
      });
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      const r = await runLoad({
        url,
        model: 'm',
        rows: [{ label: 1 }],
        ratePerSecond: 1000,
        durationMs: 10_000,
        maxRequests: 4,
        concurrency: 1,
        feedback: { labelColumn: 'label' },
      });
      expect(r).toEqual({
        sent: 4,
        ok: 4,
        errors: 0,
        byVersion: { v1: 4 },
        feedback: { sent: 4, ok: 0, failed: 4 },
      });
      const items = posted.map((b) => JSON.parse(b) as { requestId: string; labels: number[] });
      expect(items.sort((x, y) => x.requestId.localeCompare(y.requestId))).toEqual([
        { requestId: 'r1', labels: [1] },
        { requestId: 'r3', labels: [1] },
      ]);
    } finally {
      stub.closeAllConnections();
      await new Promise((r) => stub.close(r));
    }
  });

  it('rejects a row without a 0/1 label and a negative delay, naming them', async () => {
    await expect(
      runLoad({
        url: daemon.url,
        model: 'lg',
        rows: [{ label: 1 }, { label: 'yes' }],
        ratePerSecond: 1,
        durationMs: 1,
        maxRequests: 1,
        feedback: { labelColumn: 'label' },
      }),
    ).rejects.toThrow('runLoad: rows[1].label must be a label 0 or 1 (or false / true), got "yes"');
    await expect(
      runLoad({
        url: daemon.url,
        model: 'lg',
        rows: [{ x: 1 }],
        ratePerSecond: 1,
        durationMs: 1,
        maxRequests: 1,
        feedback: { labelColumn: 'label' },
      }),
    ).rejects.toThrow('runLoad: rows[0].label must be a label 0 or 1 (or false / true), got undefined');
    await expect(
      runLoad({
        url: daemon.url,
        model: 'lg',
        rows: [{ label: 1 }],
        ratePerSecond: 1,
        durationMs: 1,
        maxRequests: 1,
        feedback: { labelColumn: 'label', delayMs: -1 },
      }),
    ).rejects.toThrow('runLoad: feedback.delayMs must be a number >= 0, got -1');
  });
});
