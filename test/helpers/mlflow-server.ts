/**
 * A real `mlflow server` for the MLflow registry suite: SQLite backend store and a proxied artifact
 * store (`--serve-artifacts --artifacts-destination`) in a fresh temporary directory, on a free
 * port of 127.0.0.1, from the project venv (`pip install -r requirements-services.txt`, done by
 * scripts/setup.sh). Stopped by killing its process group (the CLI and its uvicorn worker).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { mlcdHome, projectRoot } from '../../src/config';
import { PortTakenError, startServerProcess } from './server-process';

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

async function startOnce(bin: string, timeoutMs: number): Promise<MlflowServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mlcd-mlflow-'));
  const artifactsDir = join(dir, 'artifacts');
  const server = await startServerProcess({
    name: 'mlflow server',
    bin,
    dir,
    args: (port) => [
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
    env: {
      ...process.env,
      // No huey job runner (an extra process, and huey is not installed), no telemetry.
      MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
      MLFLOW_DISABLE_TELEMETRY: 'true',
      DO_NOT_TRACK: 'true',
    },
    readyPath: '/health',
    timeoutMs,
  });
  return { ...server, dir, artifactsDir };
}
