/**
 * The router's prediction path, trimmed for latency (issue #5 item 9): the URL fast path, the body
 * reader, the upstream client and the order of answer and bookkeeping. Each keeps the behaviour
 * of the slower code it replaced.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { predictModelOf, startServingDaemon } from '../../src/serving/daemon';
import { HttpError, readBody, sendError } from '../../src/serving/http-io';
import { RouterMetrics } from '../../src/serving/router-metrics';
import { ServingRuntime, type RoutedAnswer } from '../../src/serving/serving-runtime';
import { StateStore } from '../../src/serving/state-store';
import { UpstreamClient } from '../../src/serving/upstream';
import { echoSpec, promSample } from '../fixtures/serving/echo-serving';
import { fakeSpec, http, processesWithTag, tempDir } from '../fixtures/serving/fake-serving';

const TAG = `serving-hot-path-test-${process.pid}`;

/** A server on 127.0.0.1 running `handler`; stopped by the returned `close`. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** POSTs `chunks` as separate writes (so the server sees several body chunks); resolves with the status and body. */
function postChunks(url: string, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-length': chunks.reduce((n, c) => n + c.length, 0) } },
      (res) => {
        const got: Buffer[] = [];
        res.on('data', (c: Buffer) => got.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(got).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    // Each chunk is flushed on its own turn of the event loop, so the server reads them apart.
    const next = (i: number): void => {
      const chunk = chunks[i];
      if (chunk === undefined) return void req.end();
      req.write(chunk, () => setTimeout(() => next(i + 1), 5));
    };
    next(0);
  });
}

describe('predictModelOf', () => {
  it('takes the model of a plain predict URL, decoded, with or without a query', () => {
    expect(predictModelOf('/v1/models/churn/predict')).toBe('churn');
    expect(predictModelOf('/v1/models/churn/predict?debug=1')).toBe('churn');
    expect(predictModelOf('/v1/models/my%20model/predict')).toBe('my model');
    expect(predictModelOf('/v1/models/a%2Fb/predict')).toBe('a/b'); // as `new URL` + decodeURIComponent gave
  });

  it('leaves every other URL to the general route matching', () => {
    for (const url of [
      undefined,
      '/healthz',
      '/v1/models/churn/feedback',
      '/v1/models//predict',
      '/v1/models/predict',
      '/v1/models/a/b/predict',
      '/v1/models/a\\b/predict', // `new URL` reads a backslash as a slash
      '/v1/models/%2e%2e/predict', // a dot segment `new URL` resolves
      '/v1/models/%E0%A4%A/predict', // malformed escape: the general path answers 400
      '/v1/models/churn/predict/',
      'http://daemon/v1/models/churn/predict', // absolute form
    ])
      expect(predictModelOf(url)).toBeUndefined();
  });
});

describe('readBody', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve((req, res) => {
      readBody(req, 16).then(
        (body) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`${body.length}:${body.toString('utf8')}`);
        },
        (e: unknown) => sendError(res, e instanceof HttpError ? e.status : 500, (e as Error).message),
      );
    });
  });
  afterAll(() => server.close());

  it('joins a body sent in several chunks, in order', async () => {
    const res = await postChunks(server.url, [Buffer.from('{"rows"'), Buffer.from(':[]'), Buffer.from('}')]);
    expect(res).toEqual({ status: 200, body: '11:{"rows":[]}' });
  });

  it('reads an empty body as an empty buffer', async () => {
    expect(await postChunks(server.url, [])).toEqual({ status: 200, body: '0:' });
  });

  it('answers 413 naming the bound once the body grows past it', async () => {
    const res = await postChunks(server.url, [Buffer.from('0123456789'), Buffer.from('0123456789')]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: 'request body larger than 16 bytes' });
  });
});

describe('UpstreamClient', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  const client = new UpstreamClient();
  const seen: Array<{ url: string | undefined; body: string; length: string | undefined }> = [];
  beforeAll(async () => {
    server = await serve((req, res) => {
      void readBody(req).then((body) => {
        seen.push({ url: req.url, body: body.toString('utf8'), length: req.headers['content-length'] });
        if (req.url?.startsWith('/slow')) return; // never answers
        // "é" is two bytes in UTF-8: split between two writes, it must still decode as one character.
        const answer = Buffer.from('{"scores":[0.5],"note":"é"}', 'utf8');
        const split = answer.indexOf(0xc3) + 1;
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': answer.length });
        res.write(answer.subarray(0, split), () => setTimeout(() => res.end(answer.subarray(split)), 5));
      });
    });
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('posts a string or bytes with their byte length, to the path and query of the URL, and decodes a split UTF-8 answer', async () => {
    const a = await client.post(`${server.url}/predict?x=1`, '{"rows":["ü"]}', 2_000);
    const b = await client.post(`${server.url}/predict?x=1`, Buffer.from('{"rows":[]}'), 2_000);
    expect(a).toEqual({ status: 201, text: '{"scores":[0.5],"note":"é"}' });
    expect(b).toEqual(a);
    expect(seen.slice(-2)).toEqual([
      { url: '/predict?x=1', body: '{"rows":["ü"]}', length: '15' },
      { url: '/predict?x=1', body: '{"rows":[]}', length: '11' },
    ]);
  });

  it('rejects with a TimeoutError when the server does not answer in time', async () => {
    await expect(client.post(`${server.url}/slow`, '{}', 100)).rejects.toMatchObject({
      name: 'TimeoutError',
      message: 'no answer within 100 ms',
    });
  });

  it('rejects when nothing listens at the URL', async () => {
    const gone = await serve(() => undefined);
    await gone.close();
    await expect(client.post(`${gone.url}/predict`, '{}', 2_000)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});

describe('ServingRuntime.predict onAnswer', () => {
  const state = tempDir('mlcd-serving-hot-path-');
  const runtime = new ServingRuntime({
    host: '127.0.0.1',
    store: new StateStore(state.dir),
    metrics: new RouterMetrics(),
    upstreamTimeoutMs: 5_000,
    statsCapacity: 100,
    feedbackRequests: 100,
    feedbackRows: 1_000,
    restartBackoffMs: 1_000,
    log: () => undefined,
  });
  beforeAll(async () => {
    await runtime.deploy({ model: 'm', version: 'v1', artifactUri: '/a', serving: echoSpec(TAG) });
    await runtime.setWeights('m', { v1: 100 });
  });
  afterAll(async () => {
    await runtime.close();
    state.remove();
    expect(processesWithTag(TAG)).toEqual([]);
  });

  it('hands over the answer before recording it, and has recorded it when predict resolves', async () => {
    const rows = [{ score: 0.9 }, { score: 0.2 }];
    const body = JSON.stringify({ rows });
    let atAnswer: { answer: RoutedAnswer; requests: number; rows: number; feedback: unknown } | undefined;
    const answer = await runtime.predict('m', body, {
      requestId: 'hot-1',
      rows: rows.length,
      inputRows: rows,
      onAnswer: (a) => {
        atAnswer = {
          answer: a,
          requests: runtime.versionStats('m', 'v1', 60_000).requests,
          rows: runtime.recentRows('m', 'v1', 10).seen,
          feedback: (() => {
            try {
              return runtime.feedback('m', [{ requestId: 'hot-1', labels: [1, 0] }], false);
            } catch (e) {
              return (e as HttpError).status;
            }
          })(),
        };
      },
    });
    expect(answer).toEqual({
      status: 200,
      body: '{"scores":[0.9,0.2]}',
      version: 'v1',
      upstreamMs: expect.any(Number),
    });
    expect(answer.upstreamMs).toBeGreaterThan(0);
    expect(atAnswer).toEqual({ answer, requests: 0, rows: 0, feedback: 404 }); // nothing recorded yet
    expect(runtime.versionStats('m', 'v1', 60_000)).toMatchObject({
      requests: 1,
      errors: 0,
      predictions: [0, 0, 1, 0, 0, 0, 0, 0, 0, 1],
    });
    expect(runtime.recentRows('m', 'v1', 10)).toEqual({ rows, seen: 2 });
    expect(runtime.feedback('m', [{ requestId: 'hot-1', labels: [1, 0] }], false)).toEqual([
      { requestId: 'hot-1', version: 'v1', labeled: 2, correct: 2, duplicate: false },
    ]);
  });
  it('still records the prediction when the caller cannot write the answer', async () => {
    const before = runtime.versionStats('m', 'v1', 60_000).requests;
    const written = new Error('socket gone');
    await expect(
      runtime.predict('m', JSON.stringify({ rows: [{ score: 0.4 }] }), {
        requestId: 'hot-2',
        rows: 1,
        onAnswer: () => {
          throw written;
        },
      }),
    ).rejects.toBe(written);
    expect(runtime.versionStats('m', 'v1', 60_000).requests).toBe(before + 1);
    expect(runtime.feedback('m', [{ requestId: 'hot-2', labels: [0] }], false)[0]).toMatchObject({
      labeled: 1,
      correct: 1,
    });
  });
});

describe("the router's own time", () => {
  const TAG_SLOW = `serving-own-time-test-${process.pid}`;
  it("is answered in x-mlcd-router-ms and observed per version, without the model server's 150 ms", async () => {
    const state = tempDir('mlcd-serving-own-time-');
    const daemon = await startServingDaemon({ port: 0, stateDir: state.dir, log: () => undefined });
    try {
      const put = await http('PUT', `${daemon.url}/admin/models/m/versions/v1`, {
        artifactUri: '/a',
        serving: fakeSpec(TAG_SLOW, ['--latency-ms', '150']),
      });
      expect(put.status).toBe(200);
      expect(
        (await http('PUT', `${daemon.url}/admin/models/m/weights`, { weights: { v1: 100 } })).status,
      ).toBe(200);
      const own: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const r = await http('POST', `${daemon.url}/v1/models/m/predict`, { rows: [{ x: 1 }] });
        const total = performance.now() - t0;
        expect(r.status).toBe(200);
        const header = r.headers.get('x-mlcd-router-ms');
        expect(header).toMatch(/^\d+\.\d{3}$/);
        const ms = Number(header);
        expect(total).toBeGreaterThanOrEqual(150);
        // The 150 ms wait of the model server is not the router's: what is left is far below it.
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThan(100);
        own.push(ms);
      }
      const metrics = (await http('GET', `${daemon.url}/metrics`)).body as string;
      expect(promSample(metrics, 'mlcd_router_own_time_seconds_count', { model: 'm', version: 'v1' })).toBe(
        3,
      );
      const sum = promSample(metrics, 'mlcd_router_own_time_seconds_sum', { model: 'm', version: 'v1' });
      expect(sum).toBeCloseTo(own.reduce((a, b) => a + b, 0) / 1000, 4);
      // A refused body is the client's mistake: no answer from a version, no observation.
      expect((await http('POST', `${daemon.url}/v1/models/m/predict`, { nope: 1 })).status).toBe(400);
      const after = (await http('GET', `${daemon.url}/metrics`)).body as string;
      expect(promSample(after, 'mlcd_router_own_time_seconds_count', { model: 'm', version: 'v1' })).toBe(3);
    } finally {
      await daemon.close();
      state.remove();
    }
    expect(processesWithTag(TAG_SLOW)).toEqual([]);
  });
});
