/**
 * End to end on the real Temporal dev server with real activities: the example churn model is
 * validated, trained (Python, scikit-learn), scored, gated, canaried behind the local router
 * under live load, promoted, and rolled back by the canary analysis or the monitor. Also: a
 * worker SIGKILLed in the middle of training, restarted, finishes with exactly one training job.
 */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import type { Client } from '@temporalio/client';
import { ROOT } from '../helpers/temporal';
import { freePort } from '../../src/serving/free-port';
import { startDevServer } from '../../src/temporal/dev-server';
import { connectClient, resolveTemporalTarget, type TemporalTarget } from '../../src/temporal/connection';
import { startWorker, type RunningWorker } from '../../src/worker';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { runLoad } from '../../src/serving/load-generator';
import { startRelease, waitForRelease } from '../../src/release-client';
import { LocalTrafficRouter } from '../../src/backends/traffic/local';
import { LocalJobRunner } from '../../src/backends/jobs/local';
import { LocalModelRegistry } from '../../src/backends/registry/local';
import { abortSignal, deploymentStatusQuery, workflowIds } from '../../workflows/definitions';
import { safeSegment } from '../../src/release-paths';
import { EXIT_CODES } from '../../src/core/release';

// Everything mlcd keeps goes to a fresh MLCD_HOME (read at call time, so setting it here is in
// time); the venv stays the project's.
const home = mkdtempSync(join(tmpdir(), 'mlcd-it-'));
process.env.MLCD_HOME = home;
process.env.MLCD_TEMPORAL_CLI ??= join(ROOT, '.mlcd', 'venv', 'bin', 'temporal');


const MODEL = 'churn-it';
const exampleDir = join(ROOT, 'examples', 'churn');
const dataDir = join(home, 'data');
const python = join(ROOT, '.mlcd', 'venv', 'bin', 'python');

let temporal: ChildProcess;
let target: TemporalTarget;
let client: Client;
let closeClient: () => Promise<void>;
let daemon: ServingDaemon;
let worker: RunningWorker | undefined;
let servingUrl: string;
const load = new AbortController();
let loadDone: Promise<unknown>;

/** The example spec with absolute paths into the test's data and a faster canary. */
function writeSpec(extra: (raw: Record<string, any>) => void = () => undefined): string {
  const yaml = readFileSync(join(exampleDir, 'mlcd.yaml'), 'utf8');
  const raw = parseYaml(yaml) as Record<string, any>;
  raw.model = MODEL;
  raw.params.data_dir = join(dataDir, 'clean');
  raw.data.reference = join(dataDir, 'clean', 'reference.arrow');
  raw.data.allowedRoots = [dataDir];
  raw.validation.expectations = join(exampleDir, 'expectations.json');
  for (const job of ['training', 'scoring', 'serving']) raw[job].cwd = exampleDir;
  raw.canary.steps = [{ setWeight: 50 }, { bake: '4s' }, { setWeight: 100 }];
  raw.canary.analysis = { ...raw.canary.analysis, interval: '1s', window: '2s', minRequests: 10 };
  raw.monitor = { ...raw.monitor, interval: '1s', window: '2s', minRequests: 10 };
  raw.backends.traffic = { kind: 'local', url: servingUrl };
  raw.backends.metrics = { kind: 'local', url: servingUrl };
  extra(raw);
  const path = join(home, `spec-${Math.random().toString(36).slice(2, 8)}.yaml`);
  writeFileSync(path, JSON.stringify(raw, null, 2));
  return path;
}

function spawnWorker(): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'worker'], {
    env: { ...process.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function weights(): Promise<Record<string, number>> {
  return new LocalTrafficRouter({ url: servingUrl }).getWeights(MODEL);
}

beforeAll(async () => {
  const port = await freePort();
  const uiPort = await freePort();
  temporal = await startDevServer({ port, uiPort, ephemeral: true, logFile: join(home, 'temporal.log') });
  process.env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
  target = resolveTemporalTarget();
  const c = await connectClient(target);
  client = c.client;
  closeClient = () => c.connection.close();

  daemon = await startServingDaemon({ port: 0, stateDir: join(home, 'serving') });
  servingUrl = daemon.url;

  for (const [dir, fault] of [
    ['clean', 'none'],
    ['corrupt', 'corrupt'],
  ] as const) {
    execFileSync(python, ['generate_data.py', '--out', join(dataDir, dir), '--rows', '3000', '--seed', '1', '--fault', fault], { cwd: exampleDir });
  }
  const rows: Array<Record<string, unknown>> = parseCsv(readFileSync(join(dataDir, 'clean', 'eval.csv')), { columns: true, cast: true });
  loadDone = runLoad({
    url: servingUrl,
    model: MODEL,
    rows: rows.map(({ churned: _l, ...f }) => f),
    ratePerSecond: 40,
    durationMs: 20 * 60_000,
    maxRequests: 40 * 20 * 60,
    signal: load.signal,
  });
  worker = await startWorker(target);
}, 180_000);

afterAll(async () => {
  load.abort();
  await loadDone?.catch(() => undefined);
  await worker?.shutdown();
  await closeClient?.();
  await daemon?.close();
  temporal?.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
}, 60_000);

/** The id of a release's training job, once the runner has created it. */
async function waitForTrainJob(releaseId: string): Promise<string> {
  const segment = safeSegment(releaseId);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = existsSync(join(home, 'jobs')) ? readdirSync(join(home, 'jobs')).find((d) => d.endsWith('.train') && d.includes(segment)) : undefined;
    if (found && existsSync(join(home, 'jobs', found, 'pid'))) return found;
    if (Date.now() > deadline) throw new Error(`no training job for ${releaseId} within 60 s`);
    await new Promise((x) => setTimeout(x, 200));
  }
}

async function release(params: Record<string, string> = {}, specPath = writeSpec()) {
  const r = await startRelease(client, specPath, { params });
  return { ...r, outcome: await waitForRelease(client, r.releaseId) };
}

describe('a release on the dev server with real activities', () => {
  test('happy path: promoted, serving 100%, visible by search attributes', async () => {
    const r = await release();
    expect(r.outcome).toMatchObject({ exitCode: EXIT_CODES.promoted, outcome: 'promoted' });
    expect(r.outcome.status?.evaluation?.baselineSource).toBe('job-baseline');
    expect(r.outcome.status?.evaluation?.candidate.auc_roc).toBeGreaterThan(0.8);
    expect(await weights()).toEqual({ '1': 100 });
    const production = await new LocalModelRegistry({ root: join(home, 'registry') }).resolveAlias(MODEL, 'production');
    expect(production?.version).toBe('1');
    expect(production?.lineage.dataFingerprints.train).toMatch(/^[0-9a-f]{64}$/);
    // Visibility is eventually consistent: poll the query the Web UI's filter runs.
    let found: string[] = [];
    for (let i = 0; i < 40 && found.length === 0; i++) {
      found = [];
      for await (const w of client.workflow.list({ query: `MlcdModel = '${MODEL}' AND MlcdStage = 'promoted' AND MlcdCandidateVersion = '1'` })) found.push(w.workflowId);
      if (found.length === 0) await new Promise((x) => setTimeout(x, 250));
    }
    expect(found).toEqual([r.releaseId]);
  });

  test('bad data stops at validation naming file, column and rows; v1 keeps serving', async () => {
    const r = await release({ data_dir: join(dataDir, 'corrupt') });
    expect(r.outcome.exitCode).toBe(EXIT_CODES.dataValidation);
    expect(r.outcome.message).toContain('corrupt/train.arrow');
    expect(r.outcome.message).toMatch(/column tenure_months: \d+ values outside \[0, 120\]/);
    expect(r.outcome.message).toMatch(/column plan: \d+ values not in \[basic, standard, premium\]/);
    expect(r.outcome.status?.stage).toBe('failed');
    expect(await weights()).toEqual({ '1': 100 });
  });

  test('a bad model fails the gates with every rule named; v1 keeps serving', async () => {
    const r = await release({ train_fault: 'bad-model' });
    expect(r.outcome.exitCode).toBe(EXIT_CODES.gate);
    expect(r.outcome.message).toMatch(/FAIL auc_roc >= 0\.70: observed 0\.[45]\d+/);
    expect(r.outcome.message).toContain('baseline');
    // Interval rules name the interval they judged; the evaluation report is written and linked.
    expect(r.outcome.message).toMatch(
      /FAIL auc_roc >= baseline - 0\.005 with confidence: observed 0\.[45]\d+, required >= 0\.\d+ \(baseline 0\.\d+, delta -0\.\d+\); 95% interval of the difference \[-0\.\d+, -0\.\d+\] vs >= -0\.0050/,
    );
    expect(r.outcome.message).toMatch(/FAIL auc_roc\[worst plan\] >= 0\.65 with confidence: .*95% interval of the metric/);
    expect(r.outcome.status?.gate?.verdict).toBe('fail');
    expect(r.outcome.status?.artifacts.evaluation_html).toMatch(/evaluation\.html$/);
    expect(r.outcome.status?.evaluation?.baselineSource).toBe('production@1');
    expect(await weights()).toEqual({ '1': 100 });
  });

  test('a failing training job fails the release with its log tail; v1 keeps serving', async () => {
    const spec = writeSpec((raw) => {
      raw.training.command = ['sh', '-c', 'echo "loading {train}"; echo "ValueError: could not convert string to float: \'n/a\'" >&2; exit 3'];
    });
    const r = await release({}, spec);
    expect(r.outcome.exitCode).toBe(EXIT_CODES.training);
    expect(r.outcome.outcome).toBe('TrainingFailed');
    expect(r.outcome.message).toContain('exit code 3');
    expect(r.outcome.message).toContain("ValueError: could not convert string to float: 'n/a'");
    expect(await weights()).toEqual({ '1': 100 });
  });

  test('a slow canary is rolled back during the canary; v1 serves 100%', async () => {
    const r = await release({ serve_fault: 'slow' });
    expect(r.outcome.exitCode).toBe(EXIT_CODES.rolledBack);
    expect(r.outcome.message).toMatch(/latency_p99_ms <= 250: latency_p99_ms \d+\.\d+ does not meet <= 250\.0000/);
    expect(await weights()).toEqual({ '1': 100, '2': 0 });
    const dep = await client.workflow.getHandle(workflowIds.deployment(MODEL)).query(deploymentStatusQuery);
    expect(dep.stable?.version).toBe('1');
    expect(dep.decisions.at(-1)?.reason).toMatch(/traffic restored \d+ ms after the breach/);
  });

  test('degradation after promotion is rolled back by the monitor', async () => {
    const r = await release({ serve_fault: 'degrade' });
    expect(r.outcome.exitCode).toBe(EXIT_CODES.promoted);
    expect(await weights()).toMatchObject({ '3': 100 });
    const dep = client.workflow.getHandle(workflowIds.deployment(MODEL));
    const deadline = Date.now() + 120_000;
    let rolledBack = false;
    while (!rolledBack && Date.now() < deadline) {
      const s = await dep.query(deploymentStatusQuery);
      rolledBack = s.stable?.version === '1' && s.decisions.at(-1)?.kind === 'rollback';
      if (!rolledBack) await new Promise((x) => setTimeout(x, 500));
    }
    const s = await dep.query(deploymentStatusQuery);
    expect(s.decisions.at(-1)).toMatchObject({ kind: 'rollback', by: 'monitor' });
    expect(await weights()).toEqual({ '1': 100, '3': 0 });
    const registry = new LocalModelRegistry({ root: join(home, 'registry') });
    expect((await registry.resolveAlias(MODEL, 'production'))?.version).toBe('1');
    expect((await registry.getVersion(MODEL, '3'))?.metadata.status).toBe('rolled_back');
  });

  test('abort during training kills the training job and ends the release as aborted', async () => {
    const spec = writeSpec((raw) => {
      raw.training.command = ['sh', '-c', 'sleep 60 && exec "$@"', 'sh', ...raw.training.command];
    });
    const r = await startRelease(client, spec);
    const runner = new LocalJobRunner({ stateDir: join(home, 'jobs') });
    const jobId = await waitForTrainJob(r.releaseId);
    await r.handle.signal(abortSignal, { by: 'it', reason: 'wrong data window' });
    const outcome = await waitForRelease(client, r.releaseId);
    expect(outcome.exitCode).toBe(EXIT_CODES.aborted);
    expect(outcome.message).toContain('wrong data window');
    const job = await runner.status(jobId);
    expect(job).toMatchObject({ state: 'failed', reason: 'cancelled' });
    expect(await weights()).toEqual({ '1': 100, '3': 0 });
  });

  test('a worker SIGKILLed during training: the restarted worker finishes with exactly one training job', async () => {
    await worker?.shutdown();
    worker = undefined;
    // Training waits 6 s before it starts, so the kill lands while the job runs.
    const spec = writeSpec((raw) => {
      raw.training.command = ['sh', '-c', 'sleep 6 && exec "$@"', 'sh', ...raw.training.command];
    });
    let first = spawnWorker();
    const r = await startRelease(client, spec);
    const jobs = join(home, 'jobs');
    const jobId = await waitForTrainJob(r.releaseId);
    first.kill('SIGKILL');
    await new Promise((x) => first.once('exit', x));
    const runner = new LocalJobRunner({ stateDir: jobs });
    expect((await runner.status(jobId)).state).toBe('running'); // the job outlived its worker
    first = spawnWorker();
    try {
      const outcome = await waitForRelease(client, r.releaseId);
      expect(outcome.exitCode).toBe(EXIT_CODES.promoted);
      expect(await runner.startCount(jobId)).toBe(1);
      expect((await runner.status(jobId)).state).toBe('succeeded');
    } finally {
      first.kill('SIGTERM');
      await new Promise((x) => first.once('exit', x));
    }
  });
});
