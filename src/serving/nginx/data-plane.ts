/**
 * nginx as the serving daemon's data plane: the process (a master and its workers in their own
 * process group, never a system service), its configuration, and weight changes applied by a
 * checked reload. The daemon stays the single writer: it renders the whole configuration from its
 * state, `nginx -t` checks it, a SIGHUP loads it, and `apply` resolves only once nginx answers
 * with the new generation, so "weights set" means "in force for every new request".
 *
 * Why nginx and not Node for this hop: on a 2-core machine at 1,000 requests/s a Node process
 * that only forwards adds about 1.5 ms at p99 (Node's HTTP server, client and parser at ~280 µs of
 * CPU per request), nginx 0.3–0.7 ms at ~75 µs (bench/delivery, docs/serving.md).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GENERATION_PATH, NJS_FILE, renderNginxConfig, renderNjsScript, renderPredictInclude, type NginxConfigInput, type NginxRoute } from './config';

const execFileAsync = promisify(execFile);

/** Options of {@link NginxDataPlane.start}. */
export interface NginxDataPlaneOptions {
  nginx: string;
  njsModule: string;
  host: string;
  port: number;
  controlPlane: string;
  logPort: number;
  upstreamTimeoutMs: number;
  /** Request / answer bodies logged up to this size, bytes. Default 32 KiB. */
  captureLimitBytes?: number;
  /** nginx worker processes. Default 1. */
  workerProcesses?: number;
  routes: NginxRoute[];
  /**
   * Where the master's pid is kept while it runs. An nginx left there by a daemon that was killed
   * (SIGKILL leaves its children running) is stopped before this one starts, so it cannot hold
   * the port.
   */
  pidFile?: string;
  log: (line: string) => void;
}

/** How long nginx may take to answer with a configuration's generation, ms. */
const LOAD_TIMEOUT_MS = 10_000;
/** Default bodies logged up to: a log line must fit one UDP datagram (64 KiB) with escapes. */
export const DEFAULT_CAPTURE_LIMIT_BYTES = 24 * 1024;

export class NginxDataPlane {
  private generation = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private stderr = '';
  private closed: Promise<void> | null = null;

  private constructor(
    private readonly o: NginxDataPlaneOptions,
    private readonly prefix: string,
    private readonly instance: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<string>,
    readonly url: string,
  ) {
    child.stderr?.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString('utf8')).slice(-4000)));
  }

  /** The nginx master's pid. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Renders the first configuration, starts nginx and waits until it serves it. */
  static async start(o: NginxDataPlaneOptions): Promise<NginxDataPlane> {
    if (o.pidFile !== undefined) await stopStale(o.pidFile, o.log);
    const prefix = mkdtempSync(join(tmpdir(), 'mlcd-nginx-'));
    // Started as root, nginx runs its workers as nobody: they must reach the temp paths in here
    // (nginx makes those their own). The config holds nothing secret.
    chmodSync(prefix, 0o755);
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, d));
    const capture = o.captureLimitBytes ?? DEFAULT_CAPTURE_LIMIT_BYTES;
    writeFileSync(join(prefix, NJS_FILE), renderNjsScript(capture));
    writeFileSync(join(prefix, 'mlcd-predict.conf'), renderPredictInclude(o.logPort));
    const conf = join(prefix, 'nginx.conf');
    const instance = randomBytes(8).toString('hex');
    writeFileSync(conf, renderNginxConfig(configInput(o, prefix, instance, 1, o.routes)));
    try {
      await testConfig(o.nginx, prefix, conf);
    } catch (e) {
      rmSync(prefix, { recursive: true, force: true });
      throw e;
    }
    // Its own process group: killNow() can then take the workers with the master.
    const child = spawn(o.nginx, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit code ${String(code)}`)));
    const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
    const host = o.host.includes(':') ? `[${o.host}]` : o.host;
    const plane = new NginxDataPlane(o, prefix, instance, child, exited, `http://${host}:${o.port}`);
    plane.generation = 1;
    try {
      // Recorded at once, so even a daemon that dies while nginx starts leaves it findable.
      if (o.pidFile !== undefined && child.pid !== undefined) writeFileSync(o.pidFile, `${child.pid}\n`);
      await Promise.race([
        plane.waitForGeneration(1),
        exited.then((how) => Promise.reject(plane.failure(`ended (${how}) before serving`))),
        spawnFailed.then((e) => Promise.reject(plane.failure(`could not start: ${e.message}`))),
      ]);
    } catch (e) {
      plane.killNow();
      await Promise.race([exited, spawnFailed]);
      rmSync(prefix, { recursive: true, force: true });
      if (o.pidFile !== undefined) rmSync(o.pidFile, { force: true });
      throw e;
    }
    o.log(`nginx data plane ${plane.url} (pid ${plane.pid}, ${o.nginx}), config in ${prefix}`);
    return plane;
  }

  /**
   * Puts `routes` in force: render, `nginx -t`, reload, and wait for the new generation. One at a
   * time. On any failure the previous configuration stays (or is put back) in force and this
   * throws; nothing is half-applied.
   */
  apply(routes: NginxRoute[]): Promise<void> {
    const run = this.chain.then(() => this.applyNow(routes));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async applyNow(routes: NginxRoute[]): Promise<void> {
    if (this.closed) throw new Error('nginx data plane is stopped');
    const conf = join(this.prefix, 'nginx.conf');
    const next = join(this.prefix, 'nginx.next.conf');
    const generation = this.generation + 1;
    writeFileSync(next, renderNginxConfig(configInput(this.o, this.prefix, this.instance, generation, routes)));
    await testConfig(this.o.nginx, this.prefix, next);
    const previous = readFileSync(conf, 'utf8');
    const oldWorkers = workerPids(this.pid);
    renameSync(next, conf);
    this.child.kill('SIGHUP');
    try {
      await this.waitForGeneration(generation);
      // A new worker answering is not enough: until an old one has taken its shutdown signal it
      // still accepts connections and keeps idle keep-alive ones, where a request would meet the
      // old split. Once it shows "shutting down" it only finishes the requests it already has.
      await this.waitForRetired(oldWorkers, generation);
      this.generation = generation;
    } catch (e) {
      writeFileSync(conf, previous);
      this.child.kill('SIGHUP');
      throw e;
    }
  }

  /** Polls the generation endpoint on fresh connections until it says `generation`. */
  private async waitForGeneration(generation: number): Promise<void> {
    const deadline = Date.now() + LOAD_TIMEOUT_MS;
    let last = 'no answer yet';
    for (let wait = 2; ; wait = Math.min(50, wait * 2)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw this.failure('ended while loading its configuration');
      try {
        const text = await getOnce(`${this.url}${GENERATION_PATH}`);
        const got = JSON.parse(text) as { generation?: unknown; instance?: unknown };
        if (got.generation === generation && got.instance === this.instance) return;
        last = got.instance === this.instance ? `generation ${String(got.generation)}` : `another nginx answers on ${this.url} (instance ${String(got.instance)})`;
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() > deadline) throw this.failure(`did not put configuration generation ${generation} in force within ${LOAD_TIMEOUT_MS} ms (last: ${last})`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Waits until every pid in `workers` has exited or calls itself "shutting down". */
  private async waitForRetired(workers: number[], generation: number): Promise<void> {
    const deadline = Date.now() + LOAD_TIMEOUT_MS;
    for (let wait = 1; ; wait = Math.min(20, wait * 2)) {
      const serving = workers.filter((pid) => {
        const title = processTitle(pid);
        return title !== null && !title.includes('shutting down');
      });
      if (serving.length === 0) return;
      if (Date.now() > deadline) throw this.failure(`old worker(s) ${serving.join(', ')} still serve ${LOAD_TIMEOUT_MS} ms after generation ${generation} was loaded`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private failure(what: string): Error {
    let log = '';
    try {
      log = readFileSync(join(this.prefix, 'error.log'), 'utf8');
    } catch {
      // no log yet
    }
    return new Error(`nginx (${this.o.nginx}) ${what}: ${(this.stderr + log).trim().slice(-800) || 'no output'}`);
  }

  /** Stops nginx (SIGTERM: its fast shutdown; SIGKILL to the group after 5 s) and removes its prefix. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.chain;
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGTERM');
        const killer = setTimeout(() => this.killNow(), 5_000);
        await this.exited;
        clearTimeout(killer);
      }
      rmSync(this.prefix, { recursive: true, force: true });
      if (this.o.pidFile !== undefined) rmSync(this.o.pidFile, { force: true });
    })();
    return this.closed;
  }

  /** SIGKILLs the master and its workers at once; for `process.on('exit')`. */
  killNow(): void {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function configInput(o: NginxDataPlaneOptions, prefix: string, instance: string, generation: number, routes: NginxRoute[]): NginxConfigInput {
  return {
    prefix,
    listenHost: o.host,
    listenPort: o.port,
    controlPlane: o.controlPlane,
    logPort: o.logPort,
    generation,
    instance,
    njsModule: o.njsModule,
    upstreamTimeoutMs: o.upstreamTimeoutMs,
    captureLimitBytes: o.captureLimitBytes ?? DEFAULT_CAPTURE_LIMIT_BYTES,
    workerProcesses: o.workerProcesses ?? 1,
    routes,
  };
}

/** `nginx -t` on `conf`; throws with nginx's own words when the configuration is refused. */
async function testConfig(nginx: string, prefix: string, conf: string): Promise<void> {
  try {
    await execFileAsync(nginx, ['-t', '-q', '-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], { timeout: 10_000 });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`nginx refused the data plane configuration ${conf}: ${(err.stderr ?? err.message).trim().slice(-800)}`, { cause: e });
  }
}

/** SIGKILLs the process group of the nginx master named in `pidFile`, when one still runs there. */
async function stopStale(pidFile: string, log: (line: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return; // none recorded
  }
  const title = Number.isInteger(pid) && pid > 0 ? processTitle(pid) : null;
  if (title !== null && title.includes('nginx')) {
    log(`stopping nginx ${pid}, left running by a serving daemon that did not shut down`);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    // Gone (or a zombie of a parent that no longer exists, reaped by init) before the port is reused.
    for (let i = 0; i < 100 && (processTitle(pid) ?? '').includes('nginx'); i++) await new Promise((r) => setTimeout(r, 20));
  }
  rmSync(pidFile, { force: true });
}

/**
 * The worker processes of an nginx master now (Linux /proc; elsewhere none, and a reload then
 * relies on the generation check alone).
 */
export function workerPids(master: number): number[] {
  try {
    const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim();
    if (children !== '') return children.split(/\s+/).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    // no /proc, or a kernel without the children file: scan below
  }
  const pids: number[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // The command (field 2) may hold spaces: fields after its closing parenthesis; ppid is the 2nd of them.
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === master) pids.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return pids;
}

/** A process's title (nginx rewrites its workers' to "nginx: worker process is shutting down"), null when it is gone. */
function processTitle(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return null;
  }
}

/** One GET on a connection of its own (no pool: a pooled connection may still be an old worker's). */
function getOnce(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' }, timeout: 1_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${String(res.statusCode)}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
