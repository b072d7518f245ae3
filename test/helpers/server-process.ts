/**
 * A real server a test starts on 127.0.0.1 (MLflow, Prometheus): spawned in its own process
 * group on a free port with its output in `<dir>/server.log`, polled until its ready path
 * answers, and stopped with SIGTERM then SIGKILL, removing `dir`. One attempt: a port taken
 * between choosing and binding it throws PortTakenError, so the caller can retry on another.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from '../../src/serving/free-port';

/** The chosen port was taken before the server bound it. */
export class PortTakenError extends Error {}

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The server's combined stdout/stderr so far. */
  log(): string;
  /** SIGTERM to the process group, then SIGKILL after 5 s; removes `dir`. */
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `bin` with `args(port)` in `dir` and waits until `GET <url><readyPath>` answers 2xx.
 * @throws PortTakenError, or an Error with the server's log when it exits or is not ready in time
 */
export async function startServerProcess(o: {
  /** For messages, e.g. `mlflow server`. */
  name: string;
  bin: string;
  args: (port: number) => string[];
  /** A fresh temporary directory: the server's cwd, removed by `stop`. */
  dir: string;
  env?: NodeJS.ProcessEnv;
  readyPath: string;
  timeoutMs: number;
}): Promise<ServerProcess> {
  const logPath = join(o.dir, 'server.log');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    // Own process group: stop() signals the server and anything it spawns together.
    child = spawn(o.bin, o.args(port), {
      cwd: o.dir,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      ...(o.env ? { env: o.env } : {}),
    });
  } finally {
    closeSync(logFd);
  }
  const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  let exited: number | null | undefined;
  child.once('exit', (code, signal) => {
    exited = code ?? (signal ? -1 : null);
  });
  // A spawn failure (ENOENT, EACCES) arrives as 'error', not 'exit'.
  child.once('error', () => {
    exited ??= -1;
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // Already gone.
    }
  };
  // Last resort if the test process dies without running afterAll.
  const onExit = (): void => signalGroup('SIGKILL');
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (exited === undefined && child.pid !== undefined) {
      signalGroup('SIGTERM');
      for (let waited = 0; exited === undefined && waited < 5000; waited += 100) await sleep(100);
      if (exited === undefined) signalGroup('SIGKILL');
      for (let waited = 0; exited === undefined && waited < 2000; waited += 100) await sleep(100);
    }
    rmSync(o.dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      const text = log();
      await stop();
      if (/address already in use/i.test(text)) throw new PortTakenError(`port ${port} taken`);
      throw new Error(
        `${o.name} exited (code ${String(exited)}) before it was ready; its log:\n${text.slice(-4000)}`,
      );
    }
    try {
      const res = await fetch(`${url}${o.readyPath}`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(
        `${o.name} at ${url} not ready within ${o.timeoutMs} ms; its log:\n${text.slice(-4000)}`,
      );
    }
    await sleep(200);
  }
  return { url, log, stop };
}
