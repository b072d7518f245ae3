import { spawn, type ChildProcess } from 'node:child_process';
import type { DeployRequest } from '../backends/traffic/types';
import { pythonPath } from '../config';
import { assertFilled, fillCommand } from '../core/placeholders';
import { freePort } from './free-port';
import { OutputTail } from './output-tail';

/** Grace between SIGTERM and SIGKILL when a model server is stopped, ms. */
export const STOP_GRACE_MS = 5_000;

/** Interval between `/healthz` probes while a server starts, ms. */
const HEALTH_POLL_MS = 100;

/** Why a model server did not come up: its command, its exit, its silence or its spawn failed. */
export type StartFailure = 'command' | 'spawn' | 'exited' | 'timeout';

/** A model server that did not become healthy; `stderrTail` holds its last stderr lines. */
export class ModelServerStartError extends Error {
  constructor(
    message: string,
    readonly reason: StartFailure,
    readonly stderrTail: string,
  ) {
    super(message);
    this.name = 'ModelServerStartError';
  }
}

/** How a model server process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

/** Options of {@link ModelServerProcess.start}. */
export interface StartOptions {
  /** Interface the server is probed on; default 127.0.0.1. */
  host?: string;
  /** Called once if the process exits without {@link ModelServerProcess.stop} having been called. */
  onUnexpectedExit?: (info: ExitInfo) => void;
  /** Called as soon as the process exists, before it is healthy, so an owner can kill it on shutdown. */
  onSpawn?: (proc: ModelServerProcess) => void;
}

/**
 * One running model server for a (model, version): started from `ServingSpec.command` with
 * `{model}`, `{port}` and `{python}` filled, in its own process group so that stopping it also
 * stops anything it spawned (a shell, a uvicorn worker).
 */
export class ModelServerProcess {
  private exitInfo: ExitInfo | null = null;
  private stopping = false;
  private readonly exited: Promise<ExitInfo>;
  /** Epoch ms at which the server answered its first `/healthz`. */
  startedAt = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly endpoint: string,
    /** The argv the server was started with, placeholders filled. */
    readonly argv: readonly string[],
    private readonly stderr: OutputTail,
    onUnexpectedExit: ((info: ExitInfo) => void) | undefined,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal, stderrTail: stderr.text() };
        if (!this.stopping) onUnexpectedExit?.(this.exitInfo);
        resolve(this.exitInfo);
      });
    });
  }

  /**
   * Starts a server for `req` on a free port and waits until `GET /healthz` answers 2xx, at most
   * `req.serving.startupTimeoutMs`. On a timeout or an early exit the process is killed and a
   * {@link ModelServerStartError} carrying its stderr tail is thrown.
   */
  static async start(req: DeployRequest, opts: StartOptions = {}): Promise<ModelServerProcess> {
    const host = opts.host ?? '127.0.0.1';
    const what = `model server of ${req.model} version ${req.version}`;
    const port = await freePort(host);
    const argv = fillCommand(req.serving.command, { model: req.artifactUri, port: String(port), python: pythonPath() });
    try {
      if (argv.length === 0) throw new Error(`${what}: serving.command is empty`);
      assertFilled(argv, `${what}: serving.command`);
    } catch (e) {
      throw new ModelServerStartError((e as Error).message, 'command', '');
    }
    const stderr = new OutputTail();
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: req.serving.cwd,
      env: { ...process.env, ...req.serving.env },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true, // own process group: stop() signals the whole group
    });
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (e) => resolve(e));
    });
    if (spawned !== null || child.pid === undefined) {
      throw new ModelServerStartError(`${what}: cannot start ${JSON.stringify(argv[0])}: ${spawned?.message ?? 'no pid'}`, 'spawn', stderr.text());
    }
    let started = false;
    const proc = new ModelServerProcess(child, child.pid, `http://${host}:${port}`, argv, stderr, (info) => {
      if (started) opts.onUnexpectedExit?.(info);
    });
    opts.onSpawn?.(proc);
    const timeoutMs = req.serving.startupTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    while (proc.exitInfo === null) {
      if (await probeHealth(proc.endpoint, 1_000)) {
        proc.startedAt = Date.now();
        started = true;
        return proc;
      }
      if (Date.now() >= deadline) break;
      const pause = delay(Math.min(HEALTH_POLL_MS, Math.max(0, deadline - Date.now())));
      await Promise.race([pause.promise, proc.exited]);
      pause.cancel();
    }
    const exit = proc.exitInfo;
    if (exit !== null) {
      const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
      throw new ModelServerStartError(`${what} ${how} before it was healthy\n--- last stderr lines ---\n${exit.stderrTail}`, 'exited', exit.stderrTail);
    }
    await proc.stop(1_000);
    const tail = stderr.text();
    throw new ModelServerStartError(
      `${what} did not answer GET /healthz within ${timeoutMs} ms (startupTimeout) and was stopped\n--- last stderr lines ---\n${tail}`,
      'timeout',
      tail,
    );
  }

  /** True until the process exits. */
  get running(): boolean {
    return this.exitInfo === null;
  }

  /** How the process ended; null while it runs. */
  get exit(): ExitInfo | null {
    return this.exitInfo;
  }

  /** Resolves when the process has exited (at once if it has). */
  whenExited(): Promise<ExitInfo> {
    return this.exited;
  }

  /** The last lines the server wrote to stderr. */
  stderrTail(): string {
    return this.stderr.text();
  }

  /** Stops the server: SIGTERM to its process group, SIGKILL after `graceMs` (default 5 s). Idempotent. */
  async stop(graceMs: number = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    if (this.exitInfo !== null) return;
    this.signal('SIGTERM');
    const timer = delay(graceMs);
    const gone = await Promise.race([this.exited.then(() => true), timer.promise.then(() => false)]);
    timer.cancel();
    if (gone) return;
    this.signal('SIGKILL');
    const t2 = delay(2_000);
    await Promise.race([this.exited, t2.promise]);
    t2.cancel();
  }

  /** Synchronous SIGKILL of the process group, for `process.on('exit')` where nothing can be awaited. */
  killNow(): void {
    this.stopping = true;
    if (this.exitInfo === null) this.signal('SIGKILL');
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      try {
        this.child.kill(sig);
      } catch {
        // already gone
      }
    }
  }
}

/** True when `GET <endpoint>/healthz` answers 2xx within `timeoutMs`. */
export async function probeHealth(endpoint: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok;
  } catch {
    return false;
  }
}

/** A timer as a promise that can be cancelled, so a race does not leave it pending. */
function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
