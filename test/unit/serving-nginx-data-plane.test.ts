/**
 * The serving daemon with the nginx data plane (`dataPlane: 'nginx'`), against a real nginx and
 * its njs module (Debian nginx-light + libnginx-mod-http-js, installed by scripts/setup.sh):
 * predictions are split by nginx, and the daemon keeps the same books from nginx's prediction
 * log as its own router does (stats, metrics, feedback, row sample). Weight changes are in force
 * when the admin API answers, and a refused one changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { findNginx, findNjsModule } from '../../src/serving/nginx/binary';
import { NginxDataPlane } from '../../src/serving/nginx/data-plane';
import { freePort } from '../../src/serving/free-port';
import { runLoad } from '../../src/serving/load-generator';
import type { ModelsResponse } from '../../src/serving/types';
import { fakeSpec, http, processesWithTag, tempDir, waitFor } from '../fixtures/serving/fake-serving';

const TAG = `serving-nginx-test-${process.pid}`;
const ROW = { tenure_months: 3, plan: 'basic' };
const logs: string[] = [];

let daemon: ServingDaemon;
let state: ReturnType<typeof tempDir>;
const url = (path: string) => `${daemon.url}${path}`;
const deploy = (model: string, version: string, flags: string[] = []) =>
  http('PUT', url(`/admin/models/${model}/versions/${version}`), { artifactUri: `/artifacts/${model}/${version}`, serving: fakeSpec(TAG, flags) });
const predict = (model: string, headers: Record<string, string> = {}, rows: unknown[] = [ROW]) => http('POST', url(`/v1/models/${model}/predict`), { rows }, headers);
/** A version's stats over the last minute (loosely typed, as `http` bodies are, so assertions read plainly). */
const stats = async (model: string, version: string): Promise<Record<string, unknown>> =>
  (await http('GET', url(`/admin/models/${model}/versions/${version}/stats?windowMs=60000`))).body as Record<string, unknown>;
/** The log lines reach the daemon over UDP just after each answer: wait until it counted `n`. */
const counted = (model: string, version: string, n: number) =>
  waitFor(`${n} logged predictions of ${model} ${version}`, async () => ((await stats(model, version)).requests as number) >= n, 5_000);
/** Whether a process is alive (and not a zombie). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

beforeAll(async () => {
  if (findNginx('auto') === null || findNjsModule() === null)
    throw new Error('nginx or its njs module is not installed: run `bash scripts/setup.sh` (apt-get install nginx-light libnginx-mod-http-js)');
  state = tempDir('mlcd-serving-nginx-');
  daemon = await startServingDaemon({ port: 0, stateDir: state.dir, upstreamTimeoutMs: 1_500, restartBackoffMs: 300, dataPlane: 'nginx', log: (l) => logs.push(l) });
});

afterAll(async () => {
  await daemon?.close();
  state?.remove();
  expect(processesWithTag(TAG)).toEqual([]);
});

describe('serving daemon with the nginx data plane', () => {
  it('answers on its own port in front of the daemon, which listens apart on loopback', async () => {
    expect(daemon.dataPlane).toBe('nginx');
    expect(daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(daemon.controlUrl).not.toBe(daemon.url);
    expect((await http('GET', url('/healthz'))).body).toEqual({ ok: true });
    expect((await http('GET', url('/_mlcd/data-plane'))).body).toEqual({ generation: 1, instance: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('splits by weight in nginx (no x-mlcd-router-ms: the Node router is not on the path) and moves all traffic in one change', async () => {
    await deploy('split', 'stable');
    await deploy('split', 'canary', ['--score', '0.9']);
    expect((await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 100, canary: 0 } })).status).toBe(200);
    const first = await predict('split');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ scores: [0.5] });
    expect(first.headers.get('x-mlcd-version')).toBe('stable');
    expect(first.headers.get('x-mlcd-router-ms')).toBeNull();
    expect(first.headers.get('x-mlcd-request-id')).toMatch(/^[0-9a-f]{32}$/);

    await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 50, canary: 50 } });
    const half = await runLoad({ url: daemon.url, model: 'split', rows: [ROW], ratePerSecond: 2000, durationMs: 10_000, maxRequests: 400, concurrency: 16 });
    expect(half.ok).toBe(400);
    // Binomial(400, 0.5) has sd 10: 5 sd either side.
    expect(half.byVersion.canary).toBeGreaterThan(150);
    expect(half.byVersion.canary).toBeLessThan(250);

    // In force when the PUT answers, on connections opened before it too (the load generator keeps its own).
    await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 0, canary: 100 } });
    const after = await runLoad({ url: daemon.url, model: 'split', rows: [ROW], ratePerSecond: 2000, durationMs: 10_000, maxRequests: 100, concurrency: 16 });
    expect(after).toEqual({ sent: 100, ok: 100, errors: 0, byVersion: { canary: 100 } });
  });

  it('is sticky by route key and keeps a client-chosen request id; refuses a bad one (400) and a GET (405)', async () => {
    const res = await predict('split', { 'x-mlcd-route-key': 'customer-7', 'x-mlcd-request-id': 'client-id-1' });
    expect(res.headers.get('x-mlcd-request-id')).toBe('client-id-1');
    await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 50, canary: 50 } });
    const version = (await predict('split', { 'x-mlcd-route-key': 'customer-7' })).headers.get('x-mlcd-version');
    for (let i = 0; i < 10; i++) expect((await predict('split', { 'x-mlcd-route-key': 'customer-7' })).headers.get('x-mlcd-version')).toBe(version);
    const bad = await predict('split', { 'x-mlcd-request-id': 'has space' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('x-mlcd-request-id header: request id must be 1 to 128 visible ASCII characters');
    const get = await http('GET', url('/v1/models/split/predict'));
    expect(get).toMatchObject({ status: 405, body: { error: 'method GET not allowed here; use POST' } });
  });

  it('keeps stats, metrics, the row sample and feedback memory from the prediction log', async () => {
    await deploy('books', 'v1', ['--score', '0.8']);
    await http('PUT', url('/admin/models/books/weights'), { weights: { v1: 100 } });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await predict('books', {}, [{ ...ROW, tenure_months: i }, { ...ROW, tenure_months: 100 + i }]);
      expect(res.status).toBe(200);
      ids.push(res.headers.get('x-mlcd-request-id') as string);
    }
    await counted('books', 'v1', 6);
    const s = await stats('books', 'v1');
    expect(s).toMatchObject({ version: 'v1', requests: 6, errors: 0, errorRate: 0 });
    // 12 scores of 0.8 fall in the [0.8, 0.9) bin of ten.
    expect(s.predictions).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 12, 0]);
    const rows = (await http('GET', url('/admin/models/books/versions/v1/rows?limit=3'))).body;
    expect(rows).toEqual({ rows: [{ ...ROW, tenure_months: 104 }, { ...ROW, tenure_months: 5 }, { ...ROW, tenure_months: 105 }], seen: 12 });
    const fb = await http('POST', url('/v1/models/books/feedback'), { requestId: ids[0], labels: [1, 0] });
    expect(fb).toMatchObject({ status: 200, body: { requestId: ids[0], version: 'v1', labeled: 2, correct: 1, duplicate: false } });
    const metrics = (await http('GET', url('/metrics'))).body as string;
    expect(metrics).toContain('mlcd_router_requests_total{model="books",version="v1",outcome="ok"} 6');
    expect(metrics).toContain('mlcd_router_request_duration_seconds_count{model="books",version="v1"} 6');
    expect(metrics).toContain('mlcd_router_weight_percent{model="books",version="v1"} 100');
  });

  it('counts requests too long to log (over 24 KiB, and over the in-memory buffer) without keeping their rows or scores', async () => {
    const before = await stats('books', 'v1');
    const seen = ((await http('GET', url('/admin/models/books/versions/v1/rows?limit=1'))).body as { seen: number }).seen;
    for (const size of [30_000, 300_000]) {
      const big = await predict('books', {}, [{ ...ROW, note: 'x'.repeat(size) }]);
      expect(big).toMatchObject({ status: 200, body: { scores: [0.8] } });
    }
    await counted('books', 'v1', (before.requests as number) + 2);
    expect((await stats('books', 'v1')).predictions).toEqual(before.predictions);
    expect(((await http('GET', url('/admin/models/books/versions/v1/rows?limit=1'))).body as { seen: number }).seen).toBe(seen);
  });

  it('does not count a body without rows against the version, as the Node router refuses it before routing', async () => {
    const before = (await stats('books', 'v1')).requests as number;
    const res = await http('POST', url('/v1/models/books/predict'), { data: [] });
    expect(res.status).toBe(502); // the model server refused it (400), relayed as the router's failure
    const ok = await predict('books');
    expect(ok.status).toBe(200);
    await counted('books', 'v1', before + 1);
    await new Promise((r) => setTimeout(r, 200));
    expect((await stats('books', 'v1')).requests).toBe(before + 1);
  });

  it('answers a failing or slow model server with a 502 naming the version, counted as an error', async () => {
    await deploy('faulty', 'v1', ['--error-rate', '1']);
    await http('PUT', url('/admin/models/faulty/weights'), { weights: { v1: 100 } });
    const failed = await predict('faulty');
    expect(failed).toMatchObject({ status: 502, body: { error: 'version v1 of model faulty answered HTTP 500', version: 'v1' } });
    expect(failed.headers.get('x-mlcd-version')).toBe('v1');
    await deploy('slow', 'v1', ['--latency-ms', '4000']);
    await http('PUT', url('/admin/models/slow/weights'), { weights: { v1: 100 } });
    const slow = await predict('slow');
    expect(slow).toMatchObject({ status: 502, body: { error: 'version v1 of model slow did not answer within 1500 ms', version: 'v1' } });
    await counted('faulty', 'v1', 1);
    await counted('slow', 'v1', 1);
    expect(await stats('faulty', 'v1')).toMatchObject({ requests: 1, errors: 1, errorRate: 1 });
    expect(await stats('slow', 'v1')).toMatchObject({ requests: 1, errors: 1, errorRate: 1 });
  });

  it('refuses invalid weights and names nginx cannot carry without changing the split (generation unchanged)', async () => {
    const generation = (await http('GET', url('/_mlcd/data-plane'))).body as { generation: number; instance: string };
    const before = (await http('GET', url('/admin/models/split/weights'))).body;
    const sum = await http('PUT', url('/admin/models/split/weights'), { weights: { stable: 50, canary: 40 } });
    expect(sum).toMatchObject({ status: 400, body: { error: 'weights of model split must sum to 100, got 90' } });
    await deploy('bad name', 'v1');
    const name = await http('PUT', url('/admin/models/bad%20name/weights'), { weights: { v1: 100 } });
    expect(name.status).toBe(400);
    expect(name.body.error).toContain('model name "bad name" cannot be routed by the nginx data plane');
    expect((await http('GET', url('/admin/models/bad%20name/weights'))).body).toEqual({ weights: {} });
    expect((await http('GET', url('/admin/models/split/weights'))).body).toEqual(before);
    expect((await http('GET', url('/_mlcd/data-plane'))).body).toEqual(generation);
  });

  it('routes to a restarted model server on its new port', async () => {
    await deploy('crash', 'v1');
    await http('PUT', url('/admin/models/crash/weights'), { weights: { v1: 100 } });
    const list = async () => ((await http('GET', url('/admin/models'))).body as ModelsResponse).models.find((m) => m.model === 'crash')?.versions[0];
    const before = await list();
    process.kill(before?.pid as number, 'SIGKILL');
    await waitFor('crash v1 restarted', async () => {
      const v = await list();
      return v?.healthy === true && v.pid !== before?.pid;
    });
    await waitFor('nginx routing to the restarted server', async () => (await predict('crash')).status === 200, 5_000);
    expect((await list())?.endpoint).not.toBe(before?.endpoint);
  });

  it('a restarted daemon puts the persisted split back in nginx; close stops nginx and the model servers', async () => {
    const dir = tempDir('mlcd-serving-nginx-restart-');
    try {
      const first = await startServingDaemon({ port: 0, stateDir: dir.dir, dataPlane: 'nginx', log: () => undefined });
      await http('PUT', `${first.url}/admin/models/r/versions/a`, { artifactUri: '/a', serving: fakeSpec(TAG, ['--score', '0.1']) });
      await http('PUT', `${first.url}/admin/models/r/weights`, { weights: { a: 100 } });
      await first.close();
      const secondLog: string[] = [];
      const second = await startServingDaemon({ port: 0, stateDir: dir.dir, dataPlane: 'nginx', log: (l) => secondLog.push(l) });
      const master = Number(/nginx data plane \S+ \(pid (\d+)/.exec(secondLog.join('\n'))?.[1]);
      expect(alive(master)).toBe(true);
      try {
        const res = await http('POST', `${second.url}/v1/models/r/predict`, { rows: [ROW] });
        expect(res).toMatchObject({ status: 200, body: { scores: [0.1] } });
        expect(res.headers.get('x-mlcd-router-ms')).toBeNull();
      } finally {
        await second.close();
      }
      expect(alive(master)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('stops an nginx left running by a daemon that was killed (its pid file) before starting another', async () => {
    const dir = tempDir('mlcd-serving-nginx-stale-');
    const start = async () =>
      NginxDataPlane.start({
        nginx: findNginx('auto') as string,
        njsModule: findNjsModule() as string,
        host: '127.0.0.1',
        port: await freePort(),
        controlPlane: daemon.controlUrl,
        logPort: 9,
        upstreamTimeoutMs: 1_000,
        routes: [],
        pidFile: join(dir.dir, 'nginx.pid'),
        log: () => undefined,
      });
    try {
      const orphan = await start(); // never closed: as if its daemon had been SIGKILLed
      expect(readFileSync(join(dir.dir, 'nginx.pid'), 'utf8').trim()).toBe(String(orphan.pid));
      const next = await start();
      try {
        expect(alive(orphan.pid)).toBe(false);
        expect(readFileSync(join(dir.dir, 'nginx.pid'), 'utf8').trim()).toBe(String(next.pid));
      } finally {
        await next.close();
        orphan.killNow();
      }
      expect(existsSync(join(dir.dir, 'nginx.pid'))).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('does not take another nginx on its port for its own: the start fails naming the port in use', async () => {
    const port = await freePort();
    const options = {
      nginx: findNginx('auto') as string,
      njsModule: findNjsModule() as string,
      host: '127.0.0.1',
      port,
      controlPlane: daemon.controlUrl,
      logPort: 9,
      upstreamTimeoutMs: 1_000,
      routes: [],
      log: () => undefined,
    };
    const first = await NginxDataPlane.start(options);
    try {
      await expect(NginxDataPlane.start(options)).rejects.toThrow(/Address already in use/);
      expect(alive(first.pid)).toBe(true);
    } finally {
      await first.close();
    }
  });

  it('fails to start with a clear message when nginx is missing, leaving nothing running', async () => {
    const dir = tempDir('mlcd-serving-nginx-missing-');
    try {
      await expect(startServingDaemon({ port: 0, stateDir: dir.dir, dataPlane: 'nginx', nginx: '/nonexistent/nginx', log: () => undefined })).rejects.toThrow('/nonexistent/nginx');
      await expect(startServingDaemon({ port: 0, stateDir: dir.dir, dataPlane: 'nginx', njsModule: '/nonexistent/ngx_http_js_module.so', log: () => undefined })).rejects.toThrow(
        'ngx_http_js_module.so',
      );
    } finally {
      dir.remove();
    }
  });
});
