import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalMetricsSource } from '../../src/backends/metrics/local';
import { LocalTrafficRouter } from '../../src/backends/traffic/local';
import { BackendError } from '../../src/core/errors';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { runLoad } from '../../src/serving/load-generator';
import { freePort } from '../../src/serving/free-port';
import { fakeSpec, processesWithTag, tempDir } from '../fixtures/serving/fake-serving';

const TAG = `serving-clients-test-${process.pid}`;
const ROWS = [{ x: 1 }, { x: 2 }, { x: 3 }];

let daemon: ServingDaemon;
let state: ReturnType<typeof tempDir>;
let router: LocalTrafficRouter;
let metrics: LocalMetricsSource;

beforeAll(async () => {
  state = tempDir('mlcd-serving-clients-');
  daemon = await startServingDaemon({ port: 0, stateDir: state.dir, log: () => undefined });
  router = new LocalTrafficRouter({ url: daemon.url });
  metrics = new LocalMetricsSource({ url: daemon.url });
});

afterAll(async () => {
  await daemon.close();
  state.remove();
  expect(processesWithTag(TAG)).toEqual([]);
});

/** Runs `fn` and returns what it threw. */
async function thrown(fn: () => Promise<unknown>): Promise<BackendError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BackendError);
    return e as BackendError;
  }
  throw new Error('expected a BackendError, nothing was thrown');
}

describe('LocalTrafficRouter', () => {
  it('is kind local and passes check() against a running daemon', async () => {
    expect(router.kind).toBe('local');
    await expect(router.check()).resolves.toBeUndefined();
  });

  it('check() names the URL and how to start the daemon when nothing listens (retryable)', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const e = await thrown(() => new LocalTrafficRouter({ url }).check());
    expect(e.message).toMatch(new RegExp(`^local serving daemon not reachable at ${url}: start it with \`mlcd dev\` or \`mlcd serve\``));
    expect(e.retryable).toBe(true);
    const m = await thrown(() => new LocalMetricsSource({ url }).check());
    expect(m.message).toContain(`local serving daemon not reachable at ${url}`);
  });

  it('deploys idempotently, applies and verifies weights, and refuses undeploy while weighted', async () => {
    const req = (version: string) => ({ model: 'churn', version, artifactUri: `/a/${version}`, serving: fakeSpec(TAG) });
    const a = await router.deploy(req('v1'));
    expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await router.deploy(req('v1'))).toEqual(a);
    await router.deploy(req('v2'));
    expect(await router.getWeights('churn')).toEqual({});
    await router.setWeights('churn', { v1: 90, v2: 10 });
    expect(await router.getWeights('churn')).toEqual({ v1: 90, v2: 10 });

    const bad = await thrown(() => router.setWeights('churn', { v1: 90, v3: 10 }));
    expect(bad.retryable).toBe(false);
    expect(bad.message).toContain('version v3 of model churn is not deployed; deploy it before giving it weight (HTTP 409');
    expect(await router.getWeights('churn')).toEqual({ v1: 90, v2: 10 });

    const refused = await thrown(() => router.undeploy('churn', 'v2'));
    expect(refused.retryable).toBe(false);
    expect(refused.message).toContain('undeploy churn version v2: version v2 of model churn has weight 10%');
    await router.setWeights('churn', { v1: 100, v2: 0 });
    await router.undeploy('churn', 'v2');
    await router.undeploy('churn', 'v2'); // idempotent
  });

  it('maps a failed start (HTTP 502) to a retryable BackendError carrying the stderr tail', async () => {
    const e = await thrown(() => router.deploy({ model: 'churn', version: 'broken', artifactUri: '/a/broken', serving: fakeSpec(TAG, ['--exit-code', '4']) }));
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('exited with code 4 before it was healthy');
    expect(e.message).toContain('artifact is corrupt');
  });
});

describe('LocalTrafficRouter against a daemon that misbehaves', () => {
  let server: Server;
  let url: string;
  let reported: Record<string, number> = {};
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status === 200 ? { weights: reported } : { error: 'boom' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('setWeights throws when the weights read back differ from those applied', async () => {
    status = 200;
    reported = { v1: 100 };
    const e = await thrown(() => new LocalTrafficRouter({ url }).setWeights('m', { v1: 50, v2: 50 }));
    expect(e.message).toBe('set weights of m to {"v1":50,"v2":50}: verification failed, the daemon now reports {"v1":100}');
    reported = { v1: 50, v2: 50, v3: 0 };
    await expect(new LocalTrafficRouter({ url }).setWeights('m', { v1: 50, v2: 50 })).resolves.toBeUndefined();
  });

  it('maps a 5xx to a retryable BackendError with the daemon message', async () => {
    status = 500;
    const e = await thrown(() => new LocalTrafficRouter({ url }).getWeights('m'));
    expect(e.retryable).toBe(true);
    expect(e.message).toBe(`get weights of m: boom (HTTP 500 from ${url}/admin/models/m/weights)`);
  });
});

describe('LocalMetricsSource', () => {
  it('reads per-version stats; no data is 0 requests and NaN, not an error', async () => {
    expect(metrics.kind).toBe('local');
    const none = await metrics.versionStats('churn', 'never', 60_000);
    expect(none).toEqual({ version: 'never', windowMs: 60_000, requests: 0, errors: 0, errorRate: NaN, latencyP50Ms: NaN, latencyP99Ms: NaN });

    await router.deploy({ model: 'm2', version: 'v1', artifactUri: '/a', serving: fakeSpec(TAG, ['--error-rate', '0.5']) });
    await router.setWeights('m2', { v1: 100 });
    const load = await runLoad({ url: daemon.url, model: 'm2', rows: ROWS, ratePerSecond: 500, durationMs: 10_000, maxRequests: 10 });
    expect(load).toEqual({ sent: 10, ok: 5, errors: 5, byVersion: { v1: 10 } });
    const s = await metrics.versionStats('m2', 'v1', 60_000);
    expect(s).toMatchObject({ version: 'v1', windowMs: 60_000, requests: 10, errors: 5, errorRate: 0.5 });
    expect(s.latencyP50Ms).toBeGreaterThan(0);
    expect(s.latencyP99Ms).toBeGreaterThanOrEqual(s.latencyP50Ms);
  });
});

describe('runLoad', () => {
  beforeAll(async () => {
    await router.deploy({ model: 'load', version: 'v1', artifactUri: '/a', serving: fakeSpec(TAG) });
    await router.setWeights('load', { v1: 100 });
  });

  it('stops at maxRequests', async () => {
    const r = await runLoad({ url: daemon.url, model: 'load', rows: ROWS, ratePerSecond: 1000, durationMs: 10_000, maxRequests: 25, concurrency: 4 });
    expect(r).toEqual({ sent: 25, ok: 25, errors: 0, byVersion: { v1: 25 } });
  });

  it('bounds the rate by durationMs: 20/s for 300 ms starts at most 6 requests', async () => {
    const t0 = Date.now();
    const r = await runLoad({ url: daemon.url, model: 'load', rows: ROWS, ratePerSecond: 20, durationMs: 300, maxRequests: 1000 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(r.sent).toBeLessThanOrEqual(6);
    expect(r.sent).toBeGreaterThanOrEqual(4);
    expect(r.ok).toBe(r.sent);
  });

  it('stops promptly on abort', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const t0 = Date.now();
    const r = await runLoad({ url: daemon.url, model: 'load', rows: ROWS, ratePerSecond: 50, durationMs: 30_000, maxRequests: 1000, signal: ctl.signal });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(r.sent).toBeLessThanOrEqual(7);
  });

  it('counts errors for an unknown model and rejects bad options', async () => {
    expect(await runLoad({ url: daemon.url, model: 'nope', rows: ROWS, ratePerSecond: 1000, durationMs: 5_000, maxRequests: 3 })).toEqual({
      sent: 3,
      ok: 0,
      errors: 3,
      byVersion: {},
    });
    await expect(runLoad({ url: daemon.url, model: 'load', rows: [], ratePerSecond: 1, durationMs: 1, maxRequests: 1 })).rejects.toThrow('runLoad: rows must hold at least one row');
    await expect(runLoad({ url: daemon.url, model: 'load', rows: ROWS, ratePerSecond: 0, durationMs: 1, maxRequests: 1 })).rejects.toThrow('runLoad: ratePerSecond must be a positive number, got 0');
  });
});
