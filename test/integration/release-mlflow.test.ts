/**
 * A release end to end with `backends.registry: mlflow`: the real Temporal dev server, real
 * activities, the example churn model and a real `mlflow server` on 127.0.0.1
 * (test/helpers/mlflow-server.ts). The first release registers version 1 in MLflow and serves it
 * from the local artifact cache; the second scores the production version downloaded from MLflow
 * as its baseline, is promoted, and leaves MLflow's aliases at production = 2, previous = 1.
 * Skips only when the mlflow binary is absent AND MLCD_MLFLOW_OPTIONAL=1.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';

import { MlflowModelRegistry } from '../../src/backends/registry/mlflow';
import { LocalTrafficRouter } from '../../src/backends/traffic/local';
import { EXIT_CODES } from '../../src/core/release';
import { queryReleaseStatus, startRelease, waitForRelease } from '../../src/release-client';
import { safeSegment } from '../../src/release-paths';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { freePort } from '../../src/serving/free-port';
import { connectClient, resolveTemporalTarget } from '../../src/temporal/connection';
import { startDevServer } from '../../src/temporal/dev-server';
import { startWorker, type RunningWorker } from '../../src/worker';
import { mlflowSkipReason, startMlflowServer, type MlflowServer } from '../helpers/mlflow-server';
import { ROOT } from '../helpers/temporal';

// Everything mlcd keeps (jobs, release artifacts, the registry cache) goes to a fresh MLCD_HOME,
// read at call time, so setting it here is in time; the venv stays the project's.
const home = mkdtempSync(join(tmpdir(), 'mlcd-it-mlflow-'));
process.env.MLCD_HOME = home;
process.env.MLCD_TEMPORAL_CLI ??= join(ROOT, '.mlcd', 'venv', 'bin', 'temporal');

const MODEL = 'churn-mlflow';
const exampleDir = join(ROOT, 'examples', 'churn');
const dataDir = join(home, 'data');
const python = join(ROOT, '.mlcd', 'venv', 'bin', 'python');
/** Upper bound of one release, ms: both together stay well inside the file's 3-minute budget. */
const RELEASE_TIMEOUT_MS = 75_000;

const skipReason = mlflowSkipReason();

/** Rejects when `promise` takes longer than `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

if (skipReason !== undefined) {
  rmSync(home, { recursive: true, force: true });
  test.skip(`release with the MLflow registry — skipped: ${skipReason}`, () => undefined);
} else {
  let mlflow: MlflowServer | undefined;
  let temporal: ChildProcess | undefined;
  let client: Client;
  let closeClient: (() => Promise<void>) | undefined;
  let daemon: ServingDaemon | undefined;
  let worker: RunningWorker | undefined;
  let servingUrl: string;
  let row: Record<string, unknown>;

  /** The example spec, written to MLCD_HOME, with the registry on the test's MLflow server. */
  const writeSpec = (): string => {
    const raw = parseYaml(readFileSync(join(exampleDir, 'mlcd.yaml'), 'utf8')) as Record<string, any>;
    raw.model = MODEL;
    raw.params.data_dir = join(dataDir, 'clean');
    raw.data.reference = join(dataDir, 'clean', 'reference.arrow');
    raw.data.allowedRoots = [dataDir];
    raw.validation.expectations = join(exampleDir, 'expectations.json');
    // One OpenMP thread per job: the candidate and the production baseline (both gradient-boosted
    // trees) are scored at once, and two processes spinning a thread per core each on 2 cores take
    // seconds per single-row prediction.
    for (const job of ['training', 'scoring', 'serving']) {
      raw[job].cwd = exampleDir;
      raw[job].env = { ...raw[job].env, OMP_NUM_THREADS: '1' };
    }
    raw.canary.steps = [{ setWeight: 50 }, { bake: '1s' }, { setWeight: 100 }];
    raw.canary.analysis = { ...raw.canary.analysis, interval: '1s', window: '2s' };
    // The scoring job's p99 latency is timed while the candidate and the baseline are scored at
    // once: on a busy 2-core machine it says more about the machine than the model, and the latency
    // gate is not what this file tests.
    raw.gates = (raw.gates as string[]).filter((g) => !g.startsWith('latency_'));
    // The monitor is release.test.ts's subject; here it would only poll in the background.
    raw.monitor = { ...raw.monitor, enabled: false };
    raw.backends.registry = { kind: 'mlflow', trackingUri: mlflow!.url };
    raw.backends.traffic = { kind: 'local', url: servingUrl };
    raw.backends.metrics = { kind: 'local', url: servingUrl };
    const path = join(home, `spec-${Math.random().toString(36).slice(2, 8)}.yaml`);
    writeFileSync(path, JSON.stringify(raw, null, 2));
    return path;
  };

  /** Runs a release to its end, or fails naming the stage it was stuck in (and terminates it). */
  const release = async () => {
    const r = await startRelease(client, writeSpec());
    try {
      return {
        ...r,
        outcome: await within(
          RELEASE_TIMEOUT_MS,
          `release ${r.releaseId}`,
          waitForRelease(client, r.releaseId),
        ),
      };
    } catch (err) {
      const s = await queryReleaseStatus(client, r.releaseId).catch(() => undefined);
      await r.handle.terminate('release-mlflow.test.ts: timed out').catch(() => undefined);
      throw new Error(
        `${(err as Error).message}; stage ${s?.stage ?? 'unknown'}, last decision: ${s?.decisions.at(-1)?.reason ?? 'none'}`,
      );
    }
  };

  /** The registered model's aliases, read straight from MLflow's REST API. */
  const aliases = async (): Promise<Record<string, string>> => {
    const url = `${mlflow!.url}/api/2.0/mlflow/registered-models/get?name=${MODEL}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      registered_model: { aliases?: Array<{ alias: string; version: string }> };
    };
    return Object.fromEntries((body.registered_model.aliases ?? []).map((a) => [a.alias, a.version]));
  };

  /** Where MLCD_HOME's registry cache keeps a version downloaded from MLflow. */
  const cacheDirOf = async (version: string): Promise<string> => {
    const v = await new MlflowModelRegistry({ trackingUri: mlflow!.url }).getVersion(MODEL, version);
    const key = createHash('sha256').update(v!.artifactUri).digest('hex').slice(0, 16);
    return join(home, 'registry-cache', MODEL, `${version}-${key}`);
  };

  /** The artifact directory the serving daemon started a version's model server from. */
  const servedFrom = async (version: string): Promise<string | undefined> => {
    const res = await fetch(`${servingUrl}/admin/models`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as {
      models: Array<{
        model: string;
        versions: Array<{ version: string; artifactUri: string; healthy: boolean }>;
      }>;
    };
    const v = body.models.find((m) => m.model === MODEL)?.versions.find((x) => x.version === version);
    return v?.healthy ? v.artifactUri : undefined;
  };

  /** One prediction through the router: the status and the version that answered. */
  const predict = async (): Promise<{ status: number; version: string | null }> => {
    const res = await fetch(`${servingUrl}/v1/models/${MODEL}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rows: [row] }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.text();
    return { status: res.status, version: res.headers.get('x-mlcd-version') };
  };

  beforeAll(async () => {
    const port = await freePort();
    const uiPort = await freePort();
    // The servers start concurrently, each bounded by its own timeout; the ones that started are
    // kept for afterAll to stop even when another failed.
    const started = await Promise.allSettled([
      startMlflowServer(60_000).then((x) => (mlflow = x)),
      startDevServer({ port, uiPort, ephemeral: true, logFile: join(home, 'temporal.log') }).then(
        (x) => (temporal = x),
      ),
      startServingDaemon({ port: 0, stateDir: join(home, 'serving') }).then((x) => (daemon = x)),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    servingUrl = daemon!.url;
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
    const target = resolveTemporalTarget();
    const c = await connectClient(target);
    client = c.client;
    closeClient = () => c.connection.close();

    execFileSync(
      python,
      [
        'generate_data.py',
        '--out',
        join(dataDir, 'clean'),
        '--rows',
        '3000',
        '--seed',
        '1',
        '--fault',
        'none',
      ],
      {
        cwd: exampleDir,
        timeout: 60_000,
      },
    );
    const rows: Array<Record<string, unknown>> = parseCsv(readFileSync(join(dataDir, 'clean', 'eval.csv')), {
      columns: true,
      cast: true,
    });
    const { churned: _label, ...features } = rows[0]!;
    row = features;
    worker = await startWorker(target);
  }, 120_000);

  afterAll(async () => {
    await worker?.shutdown();
    await closeClient?.();
    await daemon?.close();
    temporal?.kill('SIGTERM');
    await mlflow?.stop();
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  describe('a release with backends.registry: mlflow', () => {
    test(
      'first release: registered in MLflow, served from the local artifact cache, promoted',
      async () => {
        const r = await release();
        expect(r.outcome).toMatchObject({ exitCode: EXIT_CODES.promoted, outcome: 'promoted' });
        expect(r.outcome.status?.evaluation?.baselineSource).toBe('job-baseline');
        expect(r.outcome.status?.candidate?.version).toBe('1');
        expect(r.outcome.status?.candidate?.artifactUri).toMatch(
          /^mlflow-artifacts:\/\d+\/[0-9a-f]{32}\/artifacts\/model$/,
        );
        expect(await aliases()).toEqual({ production: '1' });

        // The model server runs from the copy downloaded into MLCD_HOME, not from the mlflow-artifacts: URI.
        const cached = await cacheDirOf('1');
        expect(await servedFrom('1')).toBe(cached);
        expect(readdirSync(cached).length).toBeGreaterThan(0);
        expect(await new LocalTrafficRouter({ url: servingUrl }).getWeights(MODEL)).toEqual({ '1': 100 });
        expect(await predict()).toEqual({ status: 200, version: '1' });
      },
      RELEASE_TIMEOUT_MS + 15_000,
    );

    test(
      'second release: scored against production@1 fetched from MLflow, promoted; aliases production = 2, previous = 1',
      async () => {
        const r = await release();
        expect(r.outcome).toMatchObject({ exitCode: EXIT_CODES.promoted, outcome: 'promoted' });
        expect(r.outcome.status?.evaluation?.baselineSource).toBe('production@1');
        expect(r.outcome.status?.evaluation?.baseline?.auc_roc).toBeGreaterThan(0.8);
        expect(r.outcome.status?.candidate?.version).toBe('2');

        // The baseline scoring job was given the local copy of version 1 as its {model}.
        const jobs = join(home, 'jobs');
        const scoreJob = readdirSync(jobs).find(
          (d) => d.includes(safeSegment(r.releaseId)) && d.endsWith('.score-baseline'),
        );
        expect(scoreJob).toBeDefined();
        const request = JSON.parse(readFileSync(join(jobs, scoreJob!, 'request.json'), 'utf8')) as {
          command: string[];
        };
        const baselineDir = request.command[request.command.indexOf('--model') + 1];
        expect(baselineDir).toBe(await cacheDirOf('1'));
        expect(existsSync(baselineDir!)).toBe(true);

        expect(await aliases()).toEqual({ production: '2', previous: '1' });
        const registry = new MlflowModelRegistry({ trackingUri: mlflow!.url });
        const production = await registry.resolveAlias(MODEL, 'production');
        expect(production?.metadata).toMatchObject({ status: 'production', promotedBy: r.releaseId });
        expect(production?.lineage.releaseId).toBe(r.releaseId);

        expect(await servedFrom('2')).toBe(await cacheDirOf('2'));
        expect(await new LocalTrafficRouter({ url: servingUrl }).getWeights(MODEL)).toEqual({
          '2': 100,
          '1': 0,
        });
        expect(await predict()).toEqual({ status: 200, version: '2' });
      },
      RELEASE_TIMEOUT_MS + 15_000,
    );
  });
}
