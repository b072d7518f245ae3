/**
 * The local Temporal dev server: the pinned `temporal` CLI from the project venv, with a SQLite
 * file under MLCD_HOME so releases survive restarts, the Web UI on 8233, and mlcd's search
 * attributes registered at start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { statePaths, venvBin } from '../config';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../core/search-attributes';

/** The `temporal` binary: `MLCD_TEMPORAL_CLI`, else the project venv's (scripts/setup.sh), else one on PATH. */
export function temporalCliPath(): string {
  if (process.env.MLCD_TEMPORAL_CLI) return process.env.MLCD_TEMPORAL_CLI;
  const bin = venvBin();
  return bin && existsSync(join(bin, 'temporal')) ? join(bin, 'temporal') : 'temporal';
}

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  dbFile?: string;
  /** Run without keeping state (tests). */
  ephemeral?: boolean;
  logFile?: string;
  /** Start in its own process group, outliving the caller. */
  detached?: boolean;
}

/** Arguments of `temporal server start-dev` for these options. */
export function devServerArgs(o: DevServerOptions = {}): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port ?? 7233), '--ui-port', String(o.uiPort ?? 8233), '--log-level', 'warn'];
  if (!o.ephemeral) args.push('--db-filename', o.dbFile ?? statePaths.temporalDb());
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES)) args.push('--search-attribute', `${name}=${type}`);
  return args;
}

/** Starts the dev server and resolves once its frontend answers. */
export async function startDevServer(o: DevServerOptions = {}): Promise<ChildProcess> {
  mkdirSync(statePaths.run(), { recursive: true });
  const log = openSync(o.logFile ?? join(statePaths.run(), 'temporal.log'), 'a');
  const child = spawn(temporalCliPath(), devServerArgs(o), { stdio: ['ignore', log, log], detached: o.detached ?? false });
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `exited with ${code ?? sig}`));
  child.once('error', (err) => (exited = err.message));
  const address = `127.0.0.1:${o.port ?? 7233}`;
  await waitForTemporal(address, 60_000, () => exited);
  return child;
}

/** Resolves when a Temporal frontend answers at `address`; rejects after `timeoutMs`. */
export async function waitForTemporal(address: string, timeoutMs: number, failed?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = failed?.();
    if (why) throw new Error(`temporal dev server ${why}; see ${join(statePaths.run(), 'temporal.log')}`);
    if (await isTemporalUp(address)) return;
    if (Date.now() > deadline) throw new Error(`no Temporal server answered at ${address} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** True when a Temporal frontend answers at `address` now. */
export async function isTemporalUp(address: string): Promise<boolean> {
  try {
    const c = await Connection.connect({ address, connectTimeout: '1s' });
    await c.workflowService.getSystemInfo({});
    await c.close();
    return true;
  } catch {
    return false;
  }
}
