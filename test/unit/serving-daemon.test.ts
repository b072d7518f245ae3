import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { runLoad } from '../../src/serving/load-generator';
import type { ModelsResponse, VersionView } from '../../src/serving/types';
import { fakeSpec, http, processesWithTag, tempDir, waitFor } from '../fixtures/serving/fake-serving';

const TAG = `serving-daemon-test-${process.pid}`;
const ROW = { tenure_months: 3, plan: 'basic' };
const logs: string[] = [];

let daemon: ServingDaemon;
let state: ReturnType<typeof tempDir>;
const url = (path: string) => `${daemon.url}${path}`;
const deploy = (model: string, version: string, flags: string[] = [], timeoutMs?: number) =>
  http('PUT', url(`/admin/models/${model}/versions/${version}`), { artifactUri: `/artifacts/${model}/${version}`, serving: fakeSpec(TAG, flags, timeoutMs) });
const predict = (model: string, headers: Record<string, string> = {}) => http('POST', url(`/v1/models/${model}/predict`), { rows: [ROW] }, headers);
const listVersion = async (model: string, version: string): Promise<VersionView | undefined> => {
  const body = (await http('GET', url('/admin/models'))).body as ModelsResponse;
  return body.models.find((m) => m.model === model)?.versions.find((v) => v.version === version);
};
const mustList = async (model: string, version: string): Promise<VersionView> => {
  const v = await listVersion(model, version);
  if (!v) throw new Error(`${model} ${version} is not listed`);
  return v;
};

beforeAll(async () => {
  state = tempDir('mlcd-serving-');
  daemon = await startServingDaemon({ port: 0, stateDir: state.dir, upstreamTimeoutMs: 2_000, restartBackoffMs: 300, log: (l) => logs.push(l) });
});

afterAll(async () => {
  await daemon.close();
  state.remove();
  expect(processesWithTag(TAG)).toEqual([]);
});

describe('serving daemon', () => {
  it('answers /healthz on 127.0.0.1', async () => {
    expect(daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await http('GET', url('/healthz'))).status).toBe(200);
  });

  it('deploy is idempotent: a second deploy returns the same server (same pid), concurrent deploys start one', async () => {
    const [a, b] = await Promise.all([deploy('idem', 'v1'), deploy('idem', 'v1')]);
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
    const first = await mustList('idem', 'v1');
    expect(first).toMatchObject({ healthy: true, endpoint: a.body.endpoint, artifactUri: '/artifacts/idem/v1' });
    const again = await deploy('idem', 'v1');
    expect(again.body).toEqual(a.body);
    expect((await mustList('idem', 'v1')).pid).toBe(first.pid);
    expect(processesWithTag(TAG).filter((p) => p === first.pid)).toEqual([first.pid]);
  });

  it('refuses to redeploy a running version from another artifact (409)', async () => {
    await deploy('idem', 'v1');
    const res = await http('PUT', url('/admin/models/idem/versions/v1'), { artifactUri: '/other', serving: fakeSpec(TAG) });
    expect(res.status).toBe(409);
    expect(res.body.error).toContain('version v1 of model idem is already deployed from /artifacts/idem/v1');
  });

  it('rejects a malformed deploy body with 400 naming the field', async () => {
    const res = await http('PUT', url('/admin/models/bad/versions/v1'), { artifactUri: '/a', serving: { command: [], env: {}, cwd: '/', startupTimeoutMs: 1000 } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^deploy body invalid at serving\.command:/);
  });

  it('answers 404 for an unknown model and for a model without weights', async () => {
    const unknown = await predict('nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown model nope');
    await deploy('idem', 'v1');
    const noWeights = await predict('idem');
    expect(noWeights.status).toBe(404);
    expect(noWeights.body.error).toBe('model idem has no version with weight > 0');
  });

  it('routes everything to stable at 100/0 and splits 50/50 roughly in half', async () => {
    await deploy('split', 'stable');
    await deploy('split', 'canary');
    const put = await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 100, canary: 0 } });
    expect(put).toMatchObject({ status: 200, body: { weights: { stable: 100, canary: 0 } } });
    const all = await runLoad({ url: daemon.url, model: 'split', rows: [ROW], ratePerSecond: 2000, durationMs: 10_000, maxRequests: 100, concurrency: 16 });
    expect(all).toEqual({ sent: 100, ok: 100, errors: 0, byVersion: { stable: 100 } });

    await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 50, canary: 50 } });
    const half = await runLoad({ url: daemon.url, model: 'split', rows: [ROW], ratePerSecond: 2000, durationMs: 10_000, maxRequests: 400, concurrency: 16 });
    expect(half.ok).toBe(400);
    expect((half.byVersion.stable ?? 0) + (half.byVersion.canary ?? 0)).toBe(400);
    // Binomial(400, 0.5) has sd 10: 5 sd either side.
    expect(half.byVersion.canary).toBeGreaterThan(150);
    expect(half.byVersion.canary).toBeLessThan(250);
  });

  it('answers with the server JSON and the version header, and is sticky by route key', async () => {
    const res = await predict('split', { 'x-mlcd-route-key': 'customer-7' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ scores: [0.5] });
    const version = res.headers.get('x-mlcd-version');
    for (let i = 0; i < 10; i++) expect((await predict('split', { 'x-mlcd-route-key': 'customer-7' })).headers.get('x-mlcd-version')).toBe(version);
  });

  it('rejects a prediction body without rows (400) without counting it against a version', async () => {
    const res = await http('POST', url('/v1/models/split/predict'), { data: [] });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('prediction body must be { "rows"');
  });

  it('rejects invalid weights with 400/409 naming the problem and does not apply them', async () => {
    const before = (await http('GET', url('/admin/models/split/weights'))).body;
    expect(before).toEqual({ weights: { stable: 50, canary: 50 } });
    const sum = await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 50, canary: 40 } });
    expect(sum).toMatchObject({ status: 400, body: { error: 'weights of model split must sum to 100, got 90' } });
    const ghost = await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 50, ghost: 50 } });
    expect(ghost).toMatchObject({ status: 409, body: { error: 'version ghost of model split is not deployed; deploy it before giving it weight' } });
    const frac = await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 50.5, canary: 49.5 } });
    expect(frac).toMatchObject({ status: 400, body: { error: 'weight of version stable must be an integer 0..100, got 50.5' } });
    const shape = await http('PUT', url('/admin/models/split/weights'), { stable: 100 });
    expect(shape.status).toBe(400);
    expect((await http('GET', url('/admin/models/split/weights'))).body).toEqual(before);
  });

  it('GET weights is {} before any', async () => {
    expect((await http('GET', url('/admin/models/fresh/weights'))).body).toEqual({ weights: {} });
  });

  it('refuses to undeploy a version with weight (409), stops it once at 0, and is idempotent', async () => {
    const refused = await http('DELETE', url('/admin/models/split/versions/canary'));
    expect(refused).toMatchObject({ status: 409, body: { error: 'version canary of model split has weight 50%; set its weight to 0 before undeploying it' } });
    const pid = (await mustList('split', 'canary')).pid as number;
    await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 100, canary: 0 } });
    const done = await http('DELETE', url('/admin/models/split/versions/canary'));
    expect(done).toMatchObject({ status: 200, body: { stopped: true } });
    expect(processesWithTag(TAG)).not.toContain(pid);
    expect(await listVersion('split', 'canary')).toBeUndefined();
    expect((await http('DELETE', url('/admin/models/split/versions/canary'))).body).toEqual({ stopped: false });
  });

  it('stats count requests, errors and latency over the window; the slow version has the higher p99', async () => {
    await deploy('lat', 'fast');
    await deploy('lat', 'slow', ['--latency-ms', '300', '--error-rate', '0.25']);
    await http('PUT', url('/admin/models/lat/weights'), { weights: { fast: 50, slow: 50 } });
    const load = await runLoad({ url: daemon.url, model: 'lat', rows: [ROW], ratePerSecond: 1000, durationMs: 10_000, maxRequests: 80, concurrency: 16 });
    const nSlow = load.byVersion.slow ?? 0;
    const nFast = load.byVersion.fast ?? 0;
    expect(nSlow + nFast).toBe(80);
    expect(load.errors).toBe(Math.floor(nSlow / 4)); // the fake fails every 4th request exactly

    const slow = (await http('GET', url('/admin/models/lat/versions/slow/stats?windowMs=60000'))).body;
    const fast = (await http('GET', url('/admin/models/lat/versions/fast/stats?windowMs=60000'))).body;
    expect(slow).toMatchObject({ version: 'slow', windowMs: 60000, requests: nSlow, errors: Math.floor(nSlow / 4) });
    expect(fast).toMatchObject({ version: 'fast', windowMs: 60000, requests: nFast, errors: 0, errorRate: 0 });
    expect(slow.errorRate).toBeCloseTo(Math.floor(nSlow / 4) / nSlow, 10);
    expect(slow.latencyP50Ms).toBeGreaterThanOrEqual(300);
    expect(slow.latencyP99Ms).toBeGreaterThanOrEqual(300);
    // Loose on purpose: a loaded 2-CPU runner can slow the fast server, never by 300 ms for most requests.
    expect(fast.latencyP50Ms).toBeLessThan(300);
    expect(fast.latencyP99Ms).toBeLessThan(slow.latencyP99Ms);

    await new Promise((r) => setTimeout(r, 150));
    const empty = (await http('GET', url('/admin/models/lat/versions/slow/stats?windowMs=100'))).body;
    expect(empty).toEqual({ version: 'slow', windowMs: 100, requests: 0, errors: 0, errorRate: null, latencyP50Ms: null, latencyP99Ms: null });
    expect((await http('GET', url('/admin/models/lat/versions/slow/stats?windowMs=abc'))).status).toBe(400);
  });

  it('answers 502 naming the version when its server times out', async () => {
    await deploy('timeout', 'v1', ['--latency-ms', '4000']);
    await http('PUT', url('/admin/models/timeout/weights'), { weights: { v1: 100 } });
    const res = await predict('timeout');
    expect(res.status).toBe(502);
    expect(res.headers.get('x-mlcd-version')).toBe('v1');
    expect(res.body).toEqual({ error: 'version v1 of model timeout did not answer within 2000 ms', version: 'v1' });
    expect((await http('GET', url('/admin/models/timeout/versions/v1/stats'))).body).toMatchObject({ requests: 1, errors: 1, errorRate: 1 });
  });

  it('fails a deploy whose server never gets healthy with 502 and its stderr tail, and kills it', async () => {
    const res = await deploy('sick', 'v1', ['--fail-health'], 700);
    expect(res.status).toBe(502);
    expect(res.body.error).toContain('model server of sick version v1 did not answer GET /healthz within 700 ms (startupTimeout) and was stopped');
    expect(res.body.error).toContain('fake-model-server: health check failing on purpose (--fail-health)');
    expect(await listVersion('sick', 'v1')).toBeUndefined();
    const w = await http('PUT', url('/admin/models/sick/weights'), { weights: { v1: 100 } });
    expect(w.status).toBe(409);
  });

  it('fails a deploy whose server exits at once with 502, its exit code and stderr tail', async () => {
    const res = await deploy('sick', 'v2', ['--exit-code', '3']);
    expect(res.status).toBe(502);
    expect(res.body.error).toContain('model server of sick version v2 exited with code 3 before it was healthy');
    expect(res.body.error).toContain('fake-model-server: loading model failed: artifact is corrupt');
  });

  it('marks a server that dies unhealthy, answers 502 for it, then restarts it once', async () => {
    await deploy('crash', 'v1');
    await http('PUT', url('/admin/models/crash/weights'), { weights: { v1: 100 } });
    const before = await mustList('crash', 'v1');
    process.kill(before.pid as number, 'SIGKILL');
    await waitFor('crash v1 unhealthy', async () => (await mustList('crash', 'v1')).healthy === false, 5_000);
    const down = await mustList('crash', 'v1');
    expect(down.lastError).toContain('model server was killed by SIGKILL');
    const res = await predict('crash');
    expect(res).toMatchObject({ status: 502, body: { error: 'version v1 of model crash is not running', version: 'v1' } });
    await waitFor('crash v1 restarted', async () => (await mustList('crash', 'v1')).healthy === true, 10_000);
    const after = await mustList('crash', 'v1');
    expect(after.pid).not.toBe(before.pid);
    expect((await predict('crash')).status).toBe(200);
  });

  it('exposes Prometheus counters, histogram and weight gauges on /metrics', async () => {
    await deploy('prom', 'v1');
    await http('PUT', url('/admin/models/prom/weights'), { weights: { v1: 100 } });
    for (let i = 0; i < 3; i++) expect((await predict('prom')).status).toBe(200);
    const res = await http('GET', url('/metrics'));
    expect(res.status).toBe(200);
    const text = res.body as string;
    expect(text).toContain('mlcd_router_requests_total{model="prom",version="v1",outcome="ok"} 3');
    expect(text).toContain('mlcd_router_request_duration_seconds_count{model="prom",version="v1"} 3');
    expect(text).toContain('mlcd_router_weight_percent{model="prom",version="v1"} 100');
    expect(text).toContain('mlcd_router_requests_total{model="timeout",version="v1",outcome="error"} 1');
  });

  it('persists versions and weights; a restarted daemon re-spawns them and serves as before', async () => {
    const dir = tempDir('mlcd-serving-restart-');
    try {
      const first = await startServingDaemon({ port: 0, stateDir: dir.dir, log: () => undefined });
      const body = (v: string) => ({ artifactUri: `/artifacts/r/${v}`, serving: fakeSpec(TAG, ['--score', v === 'a' ? '0.1' : '0.9']) });
      await http('PUT', `${first.url}/admin/models/r/versions/a`, body('a'));
      await http('PUT', `${first.url}/admin/models/r/versions/b`, body('b'));
      await http('PUT', `${first.url}/admin/models/r/weights`, { weights: { a: 70, b: 30 } });
      const pidsBefore = ((await http('GET', `${first.url}/admin/models`)).body as ModelsResponse).models[0]?.versions.map((v) => v.pid);
      expect(pidsBefore).toHaveLength(2);
      await first.close();
      for (const pid of pidsBefore ?? []) expect(processesWithTag(TAG)).not.toContain(pid);

      const file = join(dir.dir, 'serving-state.json');
      expect(existsSync(file)).toBe(true);
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      expect(saved.models.r.weights).toEqual({ a: 70, b: 30 });
      expect(Object.keys(saved.models.r.versions)).toEqual(['a', 'b']);

      const second = await startServingDaemon({ port: 0, stateDir: dir.dir, log: () => undefined });
      try {
        const { models } = (await http('GET', `${second.url}/admin/models`)).body as ModelsResponse;
        expect(models).toHaveLength(1);
        expect(models[0]).toMatchObject({ model: 'r', weights: { a: 70, b: 30 } });
        expect(models[0]?.versions.map((v) => [v.version, v.healthy])).toEqual([
          ['a', true],
          ['b', true],
        ]);
        const res = await http('POST', `${second.url}/v1/models/r/predict`, { rows: [ROW] });
        expect(res.status).toBe(200);
        expect(res.body.scores[0]).toBe(res.headers.get('x-mlcd-version') === 'a' ? 0.1 : 0.9);
      } finally {
        await second.close();
      }
    } finally {
      dir.remove();
    }
  });

  it('refuses to start on a corrupt state file, naming it', async () => {
    const dir = tempDir('mlcd-serving-corrupt-');
    try {
      writeFileSync(join(dir.dir, 'serving-state.json'), '{"version":1,"models":{"m":{"versions":{},"weights":"x"}}}');
      await expect(startServingDaemon({ port: 0, stateDir: dir.dir, log: () => undefined })).rejects.toThrow(
        `serving state ${join(dir.dir, 'serving-state.json')} is invalid at models.m.weights`,
      );
    } finally {
      dir.remove();
    }
  });
});
