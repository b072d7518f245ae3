/**
 * The local dev stack: Temporal dev server, serving daemon, worker. `ensureDevStack` starts
 * whatever is not running yet as detached processes (pid files under MLCD_HOME/run), so the demo
 * can leave the stack up for the Web UI; `stopDevStack` ends them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { DEFAULT_SERVING_URL, statePaths } from './config';
import { TASK_QUEUE } from './core/release';
import { devServerArgs, isTemporalUp, temporalCliPath, waitForTemporal } from './temporal/dev-server';
import type { TemporalTarget } from './temporal/connection';

const CLI_ENTRY = join(__dirname, 'cli', 'main.js');

function pidFile(name: string): string {
  return join(statePaths.run(), `${name}.pid`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function spawnDetached(name: string, command: string, args: string[]): number {
  mkdirSync(statePaths.run(), { recursive: true });
  const log = openSync(join(statePaths.run(), `${name}.log`), 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env: process.env });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${command}`);
  writeFileSync(pidFile(name), String(child.pid));
  return child.pid;
}

/** True when something answers /healthz at the serving daemon's URL. */
export async function isServingUp(url = DEFAULT_SERVING_URL): Promise<boolean> {
  try {
    const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    return r.ok;
  } catch {
    return false;
  }
}

/** True when a worker polled task queue `mlcd` in the last 30 s. */
export async function hasWorker(client: Client, namespace: string): Promise<boolean> {
  const r = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: TASK_QUEUE },
    taskQueueType: 1, // workflow
  });
  const now = Date.now();
  return (r.pollers ?? []).some((p) => {
    const s = Number(p.lastAccessTime?.seconds ?? 0);
    return now - s * 1000 < 30_000;
  });
}

/** Polls `check` until it holds; throws naming `what` and the log to read after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, log: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s; see ${log}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Starts the parts of the stack that are not running; returns the names of those it started. */
export async function ensureDevStack(target: TemporalTarget, client: () => Promise<Client>, servingUrl = DEFAULT_SERVING_URL): Promise<string[]> {
  const started: string[] = [];
  const address = target.connection.address ?? '127.0.0.1:7233';
  if (target.local && !(await isTemporalUp(address))) {
    spawnDetached('temporal', temporalCliPath(), devServerArgs());
    await waitForTemporal(address, 60_000);
    started.push('temporal dev server');
  }
  if (!(await isServingUp(servingUrl))) {
    spawnDetached('serving', process.execPath, [CLI_ENTRY, 'serve']);
    await waitFor('serving daemon', () => isServingUp(servingUrl), 20_000, join(statePaths.run(), 'serving.log'));
    started.push('serving daemon');
  }
  const c = await client();
  if (!(await hasWorker(c, target.namespace))) {
    spawnDetached('worker', process.execPath, [CLI_ENTRY, 'worker']);
    await waitFor('worker', () => hasWorker(c, target.namespace), 30_000, join(statePaths.run(), 'worker.log'));
    started.push('worker');
  }
  return started;
}

/** Stops the detached processes `ensureDevStack` started; returns what it stopped. */
export function stopDevStack(): string[] {
  const stopped: string[] = [];
  for (const name of ['worker', 'serving', 'temporal']) {
    const file = pidFile(name);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid > 0 && alive(pid)) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        process.kill(pid, 'SIGTERM');
      }
      stopped.push(name);
    }
    rmSync(file, { force: true });
  }
  return stopped;
}
