/**
 * The MLflow registry backend against a REAL `mlflow server` (SQLite backend store, proxied
 * artifacts) started on 127.0.0.1 by this suite: the shared ModelRegistry contract, then what is
 * specific to MLflow (tag layout, artifact transfer, alias write order under failures, limits,
 * errors). Skips only when the binary is absent AND MLCD_MLFLOW_OPTIONAL=1.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';

import { createBackendProvider } from '../../src/backends/factory';
import {
  MLFLOW_TAG_VALUE_LIMIT,
  MlflowModelRegistry,
  MlflowRegistryError,
  orderAliasWrites,
} from '../../src/backends/registry/mlflow';
import type { RegisterRequest } from '../../src/backends/registry/types';
import { BackendError } from '../../src/core/errors';
import { freePort } from '../../src/serving/free-port';
import { mlflowSkipReason, startMlflowServer } from '../helpers/mlflow-server';
import type { MlflowServer } from '../helpers/mlflow-server';
import { registryContract } from '../helpers/registry-contract';

describe('orderAliasWrites (pure)', () => {
  test('sets before clears, production set after the others, production clear last', () => {
    expect(
      orderAliasWrites([
        ['production', null],
        ['candidate', null],
        ['production', '2'],
        ['previous', '1'],
        ['candidate', undefined],
      ]),
    ).toEqual([
      ['previous', '1'],
      ['production', '2'],
      ['candidate', null],
      ['production', null],
    ]);
    expect(
      orderAliasWrites([
        ['candidate', null],
        ['production', '2'],
        ['previous', '1'],
      ]),
    ).toEqual([
      ['previous', '1'],
      ['production', '2'],
      ['candidate', null],
    ]);
  });
});

const skipReason = mlflowSkipReason();
if (skipReason !== undefined) {
  test.skip(`MLflow registry suite — skipped: ${skipReason}`, () => undefined);
} else {
  let server: MlflowServer;
  const scratch = mkdtempSync(join(tmpdir(), 'mlcd-mlflow-test-'));
  let counter = 0;

  beforeAll(async () => {
    server = await startMlflowServer(90_000);
  }, 100_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const newRegistry = (): MlflowModelRegistry => new MlflowModelRegistry({ trackingUri: server.url });

  registryContract('MLflow server (SQLite store, proxied artifacts)', async () => {
    const registry = newRegistry();
    return {
      registry,
      model: `churn-c${++counter}`,
      readArtifact: async (v, rel) => {
        const dest = mkdtempSync(join(scratch, 'download-'));
        await registry.downloadArtifacts(v.model, v.version, dest);
        return readFileSync(join(dest, ...rel.split('/')), 'utf8');
      },
      another: newRegistry,
    };
  });

  describe('MlflowModelRegistry on a real server', () => {
    let artifact: string;
    let model: string;
    beforeEach(() => {
      model = `churn-s${++counter}`;
      artifact = mkdtempSync(join(scratch, 'artifact-'));
      mkdirSync(join(artifact, 'sub'), { recursive: true });
      writeFileSync(join(artifact, 'model.joblib'), 'weights');
      writeFileSync(join(artifact, 'sub', 'metadata.json'), '{"auc":0.9}');
    });

    const req = (key: string, extra: Partial<RegisterRequest> = {}): RegisterRequest => ({
      model,
      artifactDir: artifact,
      idempotencyKey: key,
      lineage: { releaseId: `release/${key}`, specHash: 'abc', dataFingerprints: { train: 'f00' } },
      metadata: { metrics: { auc_roc: 0.86 } },
      ...extra,
    });

    /** A raw REST GET against the server. */
    const rest = async (path: string, query: Record<string, string>): Promise<any> => {
      const res = await fetch(`${server.url}${path}?${new URLSearchParams(query).toString()}`);
      expect(res.status).toBe(200);
      return res.json();
    };

    test('check() passes against the server; the factory builds the mlflow kind', async () => {
      await expect(newRegistry().check()).resolves.toBeUndefined();
      const provider = createBackendProvider();
      const reg = provider.registry({ kind: 'mlflow', trackingUri: server.url });
      expect(reg).toBeInstanceOf(MlflowModelRegistry);
      expect(reg.kind).toBe('mlflow');
      expect(provider.registry({ kind: 'mlflow', trackingUri: server.url })).toBe(reg);
      await expect(reg.check()).resolves.toBeUndefined();
    });

    test('tag layout: lineage and metadata as mlcd.* version tags; source is the run artifact', async () => {
      const v = await newRegistry().register(
        req('layout', {
          lineage: {
            releaseId: 'mlPipeline/churn:run-1',
            specHash: 'h1',
            dataFingerprints: { train: 'aa', eval: 'bb' },
            codeCommit: 'c0ffee',
          },
          metadata: { metrics: { auc_roc: 0.86 }, status: 'candidate' },
        }),
      );
      const raw = (await rest('/api/2.0/mlflow/model-versions/get', { name: model, version: v.version }))
        .model_version as { tags: Array<{ key: string; value: string }>; source: string; run_id: string };
      const tags = Object.fromEntries(raw.tags.map((t) => [t.key, t.value]));
      expect(tags).toEqual({
        'mlcd.idempotencyKey': 'layout',
        'mlcd.idempotencyKeySha256': createHash('sha256').update('layout').digest('hex'),
        'mlcd.lineage.releaseId': 'mlPipeline/churn:run-1',
        'mlcd.lineage.specHash': 'h1',
        'mlcd.lineage.dataFingerprints': '{"train":"aa","eval":"bb"}',
        'mlcd.lineage.codeCommit': 'c0ffee',
        'mlcd.metadata.metrics': '{"auc_roc":0.86}',
        'mlcd.metadata.status': '"candidate"',
      });
      expect(raw.source).toBe(v.artifactUri);
      const m = /^mlflow-artifacts:\/(\d+)\/([0-9a-f]{32})\/artifacts\/model$/.exec(v.artifactUri);
      expect(m).not.toBeNull();
      expect(raw.run_id).toBe(m![2]);
      const run = (await rest('/api/2.0/mlflow/runs/get', { run_id: raw.run_id })).run;
      expect(run.info.status).toBe('FINISHED');
      const exp = (await rest('/api/2.0/mlflow/experiments/get', { experiment_id: m![1]! })).experiment;
      expect(exp.name).toBe(`mlcd/${model}`);
      // The bytes sit in the server's artifact store, not in our artifact directory.
      expect(
        readFileSync(join(server.artifactsDir, m![1]!, m![2]!, 'artifacts', 'model', 'model.joblib'), 'utf8'),
      ).toBe('weights');
    });

    test('downloadArtifacts reproduces the tree: binary, empty, nested, odd names', async () => {
      const bin = randomBytes(256 * 1024);
      writeFileSync(join(artifact, 'weights.bin'), bin);
      writeFileSync(join(artifact, 'empty'), '');
      mkdirSync(join(artifact, 'deep', 'er'), { recursive: true });
      writeFileSync(join(artifact, 'deep', 'er', 'naïve name (1).json'), '{"x":1}');
      const reg = newRegistry();
      const v = await reg.register(req('tree'));
      const dest = join(scratch, `dl-${counter}`);
      expect(await reg.downloadArtifacts(model, v.version, dest)).toBe(dest);
      expect(listTree(dest)).toEqual(listTree(artifact));
      expect(readFileSync(join(dest, 'weights.bin')).equals(bin)).toBe(true);
      expect(statSync(join(dest, 'empty')).size).toBe(0);
      expect(readFileSync(join(dest, 'deep', 'er', 'naïve name (1).json'), 'utf8')).toBe('{"x":1}');
      await expect(reg.downloadArtifacts(model, '99', dest)).rejects.toThrow(
        `registry ${model}: cannot download version "99": no such version`,
      );
    });

    test('localArtifacts: <cacheDir>/<model>/<version>-<sha256(source)[:16]>, downloaded once, then reused', async () => {
      const reg = newRegistry();
      const v = await reg.register(req('cache'));
      const cacheDir = join(scratch, `cache-${counter}`);
      const key = createHash('sha256').update(v.artifactUri).digest('hex').slice(0, 16);
      const proxy = await startProxy(server.url, () => false);
      let dir: string;
      try {
        // Three concurrent calls on one client share one download: each file is fetched once.
        const viaProxy = new MlflowModelRegistry({ trackingUri: proxy.url });
        const dirs = await Promise.all(
          [1, 2, 3].map(() => viaProxy.localArtifacts(model, v.version, { cacheDir })),
        );
        dir = dirs[0]!;
        expect(dirs).toEqual([dir, dir, dir]);
        expect(dir).toBe(join(cacheDir, model, `1-${key}`));
        const fileGets = proxy
          .requests()
          .filter((r) => /^GET \/api\/2\.0\/mlflow-artifacts\/artifacts\/.+/.test(r));
        expect(fileGets.map((r) => r.split('/').slice(-2).join('/')).sort()).toEqual([
          'model/model.joblib',
          'sub/metadata.json',
        ]);
      } finally {
        await proxy.close();
      }
      expect(listTree(dir)).toEqual(listTree(artifact));
      // Nothing but the complete copy in the cache: no temporary directory left.
      expect(readdirSync(join(cacheDir, model))).toEqual([basename(dir)]);

      // Reused: the artifact proxy may be broken, the copy is answered after reading the version.
      const noArtifacts = await startProxy(server.url, (r) =>
        r.path.startsWith('/api/2.0/mlflow-artifacts/'),
      );
      try {
        const reg2 = new MlflowModelRegistry({ trackingUri: noArtifacts.url });
        expect(await reg2.localArtifacts(model, v.version, { cacheDir })).toBe(dir);
        expect(noArtifacts.requests().some((r) => r.includes('mlflow-artifacts'))).toBe(false);
      } finally {
        await noArtifacts.close();
      }
      // With the URI the caller recorded, the copy is answered without any call: the server may be down.
      const down = await startProxy(server.url, () => true);
      try {
        const reg3 = new MlflowModelRegistry({ trackingUri: down.url });
        expect(await reg3.localArtifacts(model, v.version, { cacheDir, artifactUri: v.artifactUri })).toBe(
          dir,
        );
        expect(down.requests()).toEqual([]);
        // Not cached under this directory: the server is asked, and its failure surfaces (retryable).
        await expect(
          reg3.localArtifacts(model, v.version, {
            cacheDir: join(cacheDir, 'other'),
            artifactUri: v.artifactUri,
          }),
        ).rejects.toMatchObject({ status: 503, retryable: true, operation: `get version 1 of ${model}` });
      } finally {
        await down.close();
      }
    });

    test('localArtifacts: a failed download leaves nothing; leftovers of a dead process are removed; default cache under MLCD_HOME', async () => {
      const reg = newRegistry();
      const v = await reg.register(req('cache-fail'));
      const cacheDir = join(scratch, `cache-${counter}`);
      const proxy = await startProxy(
        server.url,
        (r) => r.method === 'GET' && r.path.endsWith('/metadata.json'),
      );
      try {
        const failing = new MlflowModelRegistry({ trackingUri: proxy.url, cacheDir });
        await expect(failing.localArtifacts(model, v.version)).rejects.toMatchObject({
          status: 503,
          retryable: true,
          operation: `download artifact sub/metadata.json of ${model} version 1`,
        });
      } finally {
        await proxy.close();
      }
      expect(readdirSync(join(cacheDir, model))).toEqual([]);

      // A temporary directory of a process that is gone is removed; one of a live process is not.
      const key = createHash('sha256').update(v.artifactUri).digest('hex').slice(0, 16);
      const deadPid = spawnSync('true').pid;
      const dead = join(cacheDir, model, `.1-${key}.${deadPid}.0a0b0c.tmp`);
      const live = join(cacheDir, model, `.1-${key}.${process.ppid}.0d0e0f.tmp`);
      for (const d of [dead, live]) {
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, 'model.joblib'), 'partial');
      }
      const dir = await new MlflowModelRegistry({ trackingUri: server.url, cacheDir }).localArtifacts(
        model,
        v.version,
      );
      expect(dir).toBe(join(cacheDir, model, `1-${key}`));
      expect(listTree(dir)).toEqual(listTree(artifact));
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);

      // No cacheDir at all: <MLCD_HOME>/registry-cache, read at call time.
      const home = join(scratch, `home-${counter}`);
      const before = process.env.MLCD_HOME;
      process.env.MLCD_HOME = home;
      try {
        expect(await newRegistry().localArtifacts(model, v.version)).toBe(
          join(home, 'registry-cache', model, `1-${key}`),
        );
      } finally {
        if (before === undefined) delete process.env.MLCD_HOME;
        else process.env.MLCD_HOME = before;
      }
      expect(readFileSync(join(home, 'registry-cache', model, `1-${key}`, 'model.joblib'), 'utf8')).toBe(
        'weights',
      );
    });

    test('a retry after a failure mid-upload reuses the run and makes exactly one version', async () => {
      writeFileSync(join(artifact, 'z-last.bin'), 'tail');
      const proxy = await startProxy(server.url, (r) => r.method === 'PUT' && r.path.endsWith('/z-last.bin'));
      try {
        const viaProxy = new MlflowModelRegistry({ trackingUri: proxy.url });
        const failed = viaProxy.register(req('crashy'));
        await expect(failed).rejects.toThrow(MlflowRegistryError);
        await expect(viaProxy.register(req('crashy'))).rejects.toThrow(
          /^mlflow registry: upload artifact z-last\.bin of model churn-s\d+ failed: PUT http:\/\/127\.0\.0\.1:\d+\/api\/2\.0\/mlflow-artifacts\/artifacts\/\d+\/[0-9a-f]{32}\/artifacts\/model\/z-last\.bin → HTTP 503: injected failure$/,
        );
      } finally {
        await proxy.close();
      }
      expect(await newRegistry().listVersions(model)).toEqual([]);
      const v = await newRegistry().register(req('crashy'));
      expect(v.version).toBe('1');
      const runs = await fetch(`${server.url}/api/2.0/mlflow/runs/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_ids: [v.artifactUri.split('/')[1]] }),
      }).then((r) => r.json() as Promise<{ runs: unknown[] }>);
      expect(runs.runs).toHaveLength(1);
      const dest = join(scratch, `retry-${counter}`);
      await newRegistry().downloadArtifacts(model, '1', dest);
      expect(listTree(dest)).toEqual(listTree(artifact));
    });

    test('setAliases write order: a failure midway never leaves production unset; a retry completes', async () => {
      const reg = newRegistry();
      for (const k of ['a', 'b', 'c']) await reg.register(req(k));
      await reg.setAliases(model, { production: '1', candidate: '2' });
      const at = async (): Promise<Record<string, string | undefined>> => ({
        production: (await reg.resolveAlias(model, 'production'))?.version,
        previous: (await reg.resolveAlias(model, 'previous'))?.version,
        candidate: (await reg.resolveAlias(model, 'candidate'))?.version,
      });
      const promote = { production: '2', previous: '1', candidate: null } as const;

      // The production write fails: previous is recorded, production still points at 1.
      let proxy = await startProxy(server.url, (r) => r.method === 'POST' && r.body.includes('"production"'));
      try {
        await expect(
          new MlflowModelRegistry({ trackingUri: proxy.url }).setAliases(model, promote),
        ).rejects.toThrow(
          `mlflow registry: set alias production of ${model} to version 2 failed: POST ${proxy.url}/api/2.0/mlflow/registered-models/alias → HTTP 503: injected failure`,
        );
        expect(proxy.writes()).toEqual(['POST previous=1', 'POST production=2']);
      } finally {
        await proxy.close();
      }
      expect(await at()).toEqual({ production: '1', previous: '1', candidate: '2' });

      // The clear fails: production has moved, candidate is left over (never missing).
      proxy = await startProxy(server.url, (r) => r.method === 'DELETE');
      try {
        await expect(
          new MlflowModelRegistry({ trackingUri: proxy.url }).setAliases(model, promote),
        ).rejects.toMatchObject({
          status: 503,
          retryable: true,
          operation: `clear alias candidate of ${model}`,
        });
        expect(proxy.writes()).toEqual(['POST previous=1', 'POST production=2', 'DELETE candidate']);
      } finally {
        await proxy.close();
      }
      expect(await at()).toEqual({ production: '2', previous: '1', candidate: '2' });

      await reg.setAliases(model, promote);
      expect(await at()).toEqual({ production: '2', previous: '1', candidate: undefined });

      // Clearing production comes after every other write.
      proxy = await startProxy(server.url, () => false);
      try {
        await new MlflowModelRegistry({ trackingUri: proxy.url }).setAliases(model, {
          production: null,
          previous: null,
          candidate: '3',
        });
        expect(proxy.writes()).toEqual(['POST candidate=3', 'DELETE previous', 'DELETE production']);
      } finally {
        await proxy.close();
      }
      expect(await at()).toEqual({ production: undefined, previous: undefined, candidate: '3' });
    });

    test('tag value limit: exactly the limit round-trips; one character more is refused before any write', async () => {
      const reg = newRegistry();
      // JSON of a string adds two quotes; é is one character (code point), two UTF-8 bytes.
      const atLimit = 'é'.repeat(MLFLOW_TAG_VALUE_LIMIT - 2);
      const v = await reg.register(req('big', { metadata: { report: atLimit } }));
      expect((await reg.getVersion(model, v.version))?.metadata.report).toBe(atLimit);

      const over = `${atLimit}x`;
      await expect(reg.register(req('bigger', { metadata: { report: over } }))).rejects.toThrow(
        `mlflow registry ${model}: tag mlcd.metadata.report holds 100001 characters, over MLflow's limit of 100000 per model-version tag value; ` +
          'store large reports as files and keep a summary or a URI in the metadata',
      );
      await expect(reg.updateMetadata(model, v.version, { report: over, status: 'x' })).rejects.toMatchObject(
        {
          retryable: false,
        },
      );
      expect((await reg.listVersions(model)).map((x) => x.version)).toEqual([v.version]);
      expect((await reg.getVersion(model, v.version))?.metadata).toEqual({ report: atLimit });
    });

    test('metadata keys outside the tag-key alphabet are refused; undefined removes a key', async () => {
      const reg = newRegistry();
      const v = await reg.register(req('keys', { metadata: { status: 'candidate', gate: { ok: true } } }));
      await expect(reg.updateMetadata(model, v.version, { 'gate report': 1 })).rejects.toThrow(
        'mlflow registry: metadata key "gate report" cannot be an MLflow tag key; expected [A-Za-z0-9_][A-Za-z0-9_.-]*',
      );
      await reg.updateMetadata(model, v.version, { gate: undefined, status: 'rejected' });
      expect((await reg.getVersion(model, v.version))?.metadata).toEqual({ status: 'rejected' });
    });

    test('a version registered outside mlcd is listed with empty lineage', async () => {
      const reg = newRegistry();
      const v = await reg.register(req('ours'));
      const res = await fetch(`${server.url}/api/2.0/mlflow/model-versions/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: model,
          source: v.artifactUri,
          run_id: /[0-9a-f]{32}/.exec(v.artifactUri)![0],
        }),
      });
      expect(res.status).toBe(200);
      const listed = await reg.listVersions(model);
      expect(listed.map((x) => x.version)).toEqual(['1', '2']);
      expect(listed[1]).toMatchObject({
        lineage: { releaseId: '', specHash: '', dataFingerprints: {} },
        metadata: {},
        artifactUri: v.artifactUri,
      });
    });

    test("an artifact file name MLflow refuses ('#') fails before anything is written", async () => {
      writeFileSync(join(artifact, 'sub', 'v#2.txt'), 'x');
      const reg = newRegistry();
      await expect(reg.register(req('hash'))).rejects.toThrow(
        `registry ${model}: artifact path sub/v#2.txt in ${artifact} contains '#' or '\\', which MLflow's artifact store refuses; rename it`,
      );
      await expect(reg.register(req('hash'))).rejects.toMatchObject({ retryable: false });
      expect(await reg.listVersions(model)).toEqual([]);
      expect(await reg.resolveAlias(model, 'production')).toBeUndefined();
    });

    test('errors name the operation, URL and status; network failures are retryable', async () => {
      const closed = await freePort();
      const down = new MlflowModelRegistry({ trackingUri: `http://127.0.0.1:${closed}/` });
      const err = await down.check().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MlflowRegistryError);
      expect(err).toBeInstanceOf(BackendError);
      expect(err).toMatchObject({
        type: 'BackendError',
        retryable: true,
        status: undefined,
        operation: 'check registry API',
        url: `GET http://127.0.0.1:${closed}/api/2.0/mlflow/registered-models/search?max_results=1`,
      });
      expect((err as Error).message).toMatch(
        new RegExp(
          `^mlflow registry: check registry API failed: GET http://127\\.0\\.0\\.1:${closed}/api/2\\.0/mlflow/registered-models/search\\?max_results=1 → no response: fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed} \\(is the MLflow server running at http://127\\.0\\.0\\.1:${closed}\\?\\)$`,
        ),
      );
      expect((err as Error).cause).toBeDefined();

      // A server that never answers: a timeout, retryable.
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const silentPort = (silent.address() as { port: number }).port;
      try {
        const slow = new MlflowModelRegistry({
          trackingUri: `http://127.0.0.1:${silentPort}`,
          timeoutMs: 300,
        });
        await expect(slow.listVersions('churn')).rejects.toMatchObject({
          retryable: true,
          status: undefined,
          message: expect.stringMatching(
            /^mlflow registry: list versions of churn failed: GET .* → no response: no answer within 300 ms$/,
          ),
        });
      } finally {
        silent.closeAllConnections();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }

      // A 404 that is not MLflow's RESOURCE_DOES_NOT_EXIST is an error, not "no such version".
      const wrongPath = new MlflowModelRegistry({ trackingUri: `${server.url}/not-mlflow` });
      const notFound = await wrongPath.getVersion('churn', '1').catch((e: unknown) => e);
      expect(notFound).toBeInstanceOf(MlflowRegistryError);
      expect(notFound).toMatchObject({ status: 404, retryable: false, errorCode: undefined });
      expect((notFound as Error).message).toContain(
        `get version 1 of churn failed: GET ${server.url}/not-mlflow/api/2.0/mlflow/model-versions/get?name=churn&version=1 → HTTP 404`,
      );

      expect(() => new MlflowModelRegistry({ trackingUri: 'http://user:secret@127.0.0.1:5000' })).toThrow(
        'mlflow registry: tracking URI must be an http(s) URL without credentials, got "http://***:***@127.0.0.1:5000/"',
      );
    });
  });
}

/** Relative paths and sizes of every file under `dir`, sorted. */
function listTree(dir: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push([relative(dir, p), statSync(p).size]);
    }
  };
  walk(dir);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

/**
 * A forwarding proxy on 127.0.0.1 in front of the MLflow server that answers 503 to the requests
 * `fail` picks, records alias writes as `POST <alias>=<version>` / `DELETE <alias>` and every
 * request as `METHOD path`.
 */
async function startProxy(
  target: string,
  fail: (r: ProxiedRequest) => boolean,
): Promise<{ url: string; writes(): string[]; requests(): string[]; close(): Promise<void> }> {
  const writes: string[] = [];
  const requests: string[] = [];
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const r: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        body: body.toString('utf8'),
      };
      requests.push(`${r.method} ${r.path}`);
      if (r.path.startsWith('/api/2.0/mlflow/registered-models/alias') && r.method !== 'GET') {
        const j = JSON.parse(r.body) as { alias: string; version?: string };
        writes.push(r.method === 'POST' ? `POST ${j.alias}=${j.version}` : `DELETE ${j.alias}`);
      }
      if (fail(r)) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('injected failure');
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
      }
      fetch(`${target}${r.path}`, {
        method: r.method,
        headers,
        ...(body.length > 0 || r.method === 'PUT' ? { body } : {}),
      })
        .then(async (up) => {
          const buf = Buffer.from(await up.arrayBuffer());
          res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
          res.end(buf);
        })
        .catch((e: unknown) => res.writeHead(502).end(String(e)));
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    writes: () => [...writes],
    requests: () => [...requests],
    close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
  };
}
