/**
 * A real `mlflow server` for the MLflow registry suite: SQLite backend store and a proxied artifact
 * store (`--serve-artifacts --artifacts-destination`) in a fresh temporary directory, on a free
 * port of 127.0.0.1, from the project venv (`pip install -r requirements-services.txt`, done by
 * scripts/setup.sh). Stopped by killing its process group (the CLI and its uvicorn worker).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { mlcdHome, projectRoot } from '../../src/config';
import { freePort } from '../../src/serving/free-port';

/** Set to `1` where the MLflow server may be missing (a dev machine without setup.sh): the suite skips. */
export const MLFLOW_OPTIONAL_ENV = 'MLCD_MLFLOW_OPTIONAL';

/** A running server. */
export interface MlflowServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Temporary directory holding mlflow.db, artifacts/ and server.log. */
  dir: string;
  /** Where the server stores proxied artifacts. */
  artifactsDir: string;
  /** The server's combined stdout/stderr so far. */
  log(): string;
  /** Kills the process group (SIGTERM, then SIGKILL after 5 s) and removes `dir`. */
  stop(): Promise<void>;
}

/** `$MLCD_HOME/venv/bin/mlflow`, else the project's `.mlcd/venv/bin/mlflow` (where setup.sh puts it). */
export function mlflowBinary(): string {
  const candidates = [
    join(mlcdHome(), 'venv', 'bin', 'mlflow'),
    join(projectRoot(), '.mlcd', 'venv', 'bin', 'mlflow'),
  ];
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

/**
 * Why the suite must skip, or undefined when it must run: only a missing binary AND
 * `MLCD_MLFLOW_OPTIONAL=1` skip. Without the variable (CI) a missing binary fails the suite.
 */
export function mlflowSkipReason(): string | undefined {
  if (existsSync(mlflowBinary())) return undefined;
  if (process.env[MLFLOW_OPTIONAL_ENV] !== '1') return undefined;
  return `${mlflowBinary()} is absent and ${MLFLOW_OPTIONAL_ENV}=1: run scripts/setup.sh (requirements-services.txt) to test the MLflow registry`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a server and waits until `GET /health` answers 200.
 *
 * @param timeoutMs - how long the server may take to become ready. Default 60 000.
 * @throws Error with the server's log when the binary is missing, the process exits, or it is not
 *   ready in time (one retry on another port when the port was taken meanwhile).
 */
export async function startMlflowServer(timeoutMs = 60_000): Promise<MlflowServer> {
  const bin = mlflowBinary();
  if (!existsSync(bin)) {
    throw new Error(
      `mlflow server binary ${bin} is absent: run scripts/setup.sh (pip install -r requirements-services.txt into the venv), ` +
        `or set ${MLFLOW_OPTIONAL_ENV}=1 to skip the MLflow suite`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, timeoutMs);
    } catch (err) {
      if (attempt >= 2 || !(err instanceof PortTakenError)) throw err;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(bin: string, timeoutMs: number): Promise<MlflowServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mlcd-mlflow-'));
  const artifactsDir = join(dir, 'artifacts');
  const logPath = join(dir, 'server.log');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      bin,
      [
        'server',
        '--backend-store-uri',
        `sqlite:///${join(dir, 'mlflow.db')}`,
        '--serve-artifacts',
        '--artifacts-destination',
        artifactsDir,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--workers',
        '1',
      ],
      {
        cwd: dir,
        // Own process group: stop() kills the CLI and the uvicorn worker it spawns together.
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: {
          ...process.env,
          // No huey job runner (an extra process, and huey is not installed), no telemetry.
          MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
          MLFLOW_DISABLE_TELEMETRY: 'true',
          DO_NOT_TRACK: 'true',
        },
      },
    );
  } finally {
    closeSync(logFd);
  }
  const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  let exited: number | null | undefined;
  child.once('exit', (code, signal) => {
    exited = code ?? (signal ? -1 : null);
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // Already gone.
    }
  };
  // Last resort if the test process dies without running afterAll.
  const onExit = (): void => killGroup('SIGKILL');
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (exited === undefined) {
      killGroup('SIGTERM');
      for (let waited = 0; exited === undefined && waited < 5000; waited += 100) await sleep(100);
      killGroup('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      const text = log();
      await stop();
      if (/address already in use/i.test(text)) throw new PortTakenError(`port ${port} taken`);
      throw new Error(
        `mlflow server exited (code ${String(exited)}) before it was ready; its log:\n${text.slice(-4000)}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(
        `mlflow server at ${url} not ready within ${timeoutMs} ms; its log:\n${text.slice(-4000)}`,
      );
    }
    await sleep(200);
  }
  return { url, dir, artifactsDir, log, stop };
}
