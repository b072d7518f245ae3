import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, appendFile, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { BackendError } from '../../core/errors';
import type { JobRequest, JobRunner, JobStatus, SubmitResult } from './types';

/** Job ids become directory names: a closed, path-safe alphabet. */
const JOB_ID = /^[A-Za-z0-9._-]+$/;
const JOB_ID_MAX = 200;
/** Grace between SIGTERM and SIGKILL on cancel, ms. */
const CANCEL_GRACE_MS = 5000;
/** How long a claimed job may go without its wrapper writing `pid` before it counts as lost, ms. */
const START_GRACE_MS = 30_000;
/** Bytes read from the end of each log for logTail. */
const TAIL_BYTES = 256 * 1024;

/**
 * The detached wrapper, run as `/bin/sh -c WRAPPER mlcd-job <jobDir> <timeout> <argv...>`.
 * It records its own pid and start time (so a recycled pid is not mistaken for the job), runs
 * the command under coreutils `timeout` in the background (timeout puts itself and the command
 * in a new process group whose id it writes to `pgid`: cancel signals that group, so the wrapper
 * survives to record the exit code), then writes `exit_code` via a rename, so a reader never
 * sees a partial file. A `cancelled` marker written before the command starts skips it.
 */
const WRAPPER = [
  'd=$1; t=$2; shift 2',
  // Field 22 of /proc/<pid>/stat is the start time; `sed` drops "pid (comm) " first.
  'st=$(sed "s/.*) //" /proc/$$/stat | cut -d" " -f20)',
  'printf "%s %s\\n" "$$" "$st" > "$d/pid.tmp" && mv -f "$d/pid.tmp" "$d/pid"',
  'if [ -e "$d/cancelled" ]; then rc=143; else',
  '  timeout --kill-after=10s "$t" "$@" > "$d/stdout.log" 2> "$d/stderr.log" < /dev/null &',
  '  tp=$!',
  '  printf "%s\\n" "$tp" > "$d/pgid.tmp" && mv -f "$d/pgid.tmp" "$d/pgid"',
  '  wait "$tp"; rc=$?',
  'fi',
  'printf "%s\\n" "$rc" > "$d/exit_code.tmp" && mv -f "$d/exit_code.tmp" "$d/exit_code"',
].join('\n');

/** Options of {@link LocalJobRunner}. */
export interface LocalJobRunnerOptions {
  /** Directory holding one sub-directory per job (`<stateDir>/<jobId>/`); created on demand. */
  stateDir: string;
}

/** What the claiming submitter records in `spawned` (JSON). */
interface SpawnRecord {
  /** Epoch ms when the process was spawned. */
  startedAt: number;
  /** Job timeout, ms, to tell a kill-after timeout (137) from other kills. */
  timeoutMs: number;
}

/**
 * Runs jobs as local processes that outlive the worker which submitted them.
 *
 * Each job lives in `<stateDir>/<jobId>/`: `request.json`, `spawned` (the exclusive claim: the one
 * submitter that creates it starts the process), `starts.log` (one line per process started),
 * `pid` (wrapper pid and start time), `pgid` (process group of the command), `stdout.log`,
 * `stderr.log`, `exit_code`, and `cancelled` after {@link LocalJobRunner.cancel}.
 *
 * The process is spawned detached (own session and process group) and unref'd, so a SIGKILL of
 * the worker does not touch it; a later `submit` with the same id, from any process, attaches to
 * it instead of starting a second one. The job's environment is the runner's `process.env`
 * overlaid with `JobRequest.env`.
 */
export class LocalJobRunner implements JobRunner {
  /** Backend kind as named in the spec (`backends.jobs.kind`). */
  readonly kind = 'local';
  private readonly stateDir: string;

  /** @param options - where job state lives; see {@link LocalJobRunnerOptions}. */
  constructor(options: LocalJobRunnerOptions) {
    this.stateDir = resolve(options.stateDir);
  }

  /** Preflight: the state directory is writable and coreutils `timeout` and `/bin/sh` run. */
  async check(): Promise<void> {
    try {
      await mkdir(this.stateDir, { recursive: true });
      const probe = join(this.stateDir, `.probe-${process.pid}`);
      await writeFile(probe, 'ok');
      await unlink(probe);
    } catch (err) {
      throw new BackendError(`local job runner: state directory ${this.stateDir} is not writable`, false, {
        cause: err,
      });
    }
    try {
      await promisify(execFile)('timeout', ['--version'], { timeout: 10_000 });
    } catch (err) {
      throw new BackendError('local job runner: coreutils `timeout` is not available on PATH', false, {
        cause: err,
      });
    }
    try {
      await access('/bin/sh', fsConstants.X_OK);
    } catch (err) {
      throw new BackendError('local job runner: /bin/sh is not executable', false, { cause: err });
    }
  }

  /**
   * Starts the job unless a job with this id exists (running or finished): then attaches and
   * reports `reattached: true`. Exactly one process is ever started per id, also across runner
   * instances and processes racing on the same state directory.
   *
   * @throws BackendError (non-retryable) on an invalid job id, empty command, bad timeout or
   *   missing working directory.
   */
  async submit(job: JobRequest): Promise<SubmitResult> {
    const dir = this.jobDir(job.jobId);
    if (job.command.length === 0) throw new BackendError(`job ${job.jobId}: empty command`, false);
    if (!Number.isFinite(job.timeoutMs) || job.timeoutMs <= 0) {
      throw new BackendError(
        `job ${job.jobId}: timeoutMs must be a positive number of milliseconds (got ${job.timeoutMs})`,
        false,
      );
    }
    await mkdir(this.stateDir, { recursive: true });
    try {
      await mkdir(dir);
    } catch (err) {
      if (errCode(err) !== 'EEXIST')
        throw new BackendError(`job ${job.jobId}: cannot create ${dir}`, true, { cause: err });
    }
    // The exclusive create of `spawned` is the claim: whoever makes it starts the process.
    let claim;
    try {
      claim = await open(join(dir, 'spawned'), 'wx');
    } catch (err) {
      if (errCode(err) === 'EEXIST') return { jobId: job.jobId, reattached: true };
      throw new BackendError(`job ${job.jobId}: cannot claim ${dir}`, true, { cause: err });
    }
    try {
      try {
        const st = await stat(job.cwd);
        if (!st.isDirectory()) throw new Error('not a directory');
      } catch (err) {
        await this.recordSpawnFailure(
          dir,
          `working directory ${job.cwd} does not exist or is not a directory`,
        );
        throw new BackendError(
          `job ${job.jobId}: working directory ${job.cwd} does not exist or is not a directory`,
          false,
          { cause: err },
        );
      }
      await writeJson(join(dir, 'request.json'), job);
      const record: SpawnRecord = { startedAt: Date.now(), timeoutMs: job.timeoutMs };
      await claim.writeFile(JSON.stringify(record));
      await appendFile(
        join(dir, 'starts.log'),
        `${new Date(record.startedAt).toISOString()} submitter=${process.pid}\n`,
      );
      const timeout = `${(job.timeoutMs / 1000).toFixed(3)}s`;
      const child = spawn('/bin/sh', ['-c', WRAPPER, 'mlcd-job', dir, timeout, ...job.command], {
        cwd: job.cwd,
        env: { ...process.env, ...job.env },
        detached: true,
        stdio: 'ignore',
      });
      const error = await new Promise<Error | undefined>((res) => {
        child.once('spawn', () => res(undefined));
        child.once('error', (e) => res(e));
      });
      child.unref();
      if (error) {
        await this.recordSpawnFailure(dir, `cannot spawn /bin/sh: ${error.message}`);
        throw new BackendError(`job ${job.jobId}: cannot spawn /bin/sh`, true, { cause: error });
      }
      return { jobId: job.jobId, reattached: false };
    } finally {
      await claim.close();
    }
  }

  /**
   * Where the job stands. `unknown` when no job with this id was ever submitted; `failed` with
   * reason `timeout` (killed after `timeoutMs`), `cancelled` (after {@link cancel}) or `lost`
   * (the process vanished without an exit code, e.g. a machine reboot).
   */
  async status(jobId: string): Promise<JobStatus> {
    const dir = this.jobDir(jobId);
    const spawned = await readSpawnRecord(dir);
    if (spawned === undefined) {
      const since = (await mtimeMs(join(dir, 'spawned'))) ?? (await mtimeMs(dir));
      if (since === undefined) return { jobId, state: 'unknown' };
      // Claimed by a submitter that has not spawned yet, or that crashed right there.
      if (Date.now() - since < START_GRACE_MS) return { jobId, state: 'running' };
      return { jobId, state: 'failed', exitCode: null, reason: 'lost' };
    }
    const base: JobStatus = { jobId, state: 'running', startedAt: spawned.startedAt };
    const finished = await this.readExit(dir, spawned, base);
    if (finished) return finished;

    const pidLine = await readText(join(dir, 'pid'));
    if (pidLine === undefined) {
      if (Date.now() - spawned.startedAt < START_GRACE_MS) return base;
    } else {
      const [pidText, startText] = pidLine.trim().split(/\s+/);
      const pid = Number(pidText);
      if (
        Number.isInteger(pid) &&
        pid > 0 &&
        startText !== undefined &&
        (await procStartTime(pid)) === startText
      )
        return base;
    }
    // Not running: it may have finished between the two reads.
    return (
      (await this.readExit(dir, spawned, base)) ?? {
        ...base,
        state: 'failed',
        exitCode: null,
        reason: 'lost',
      }
    );
  }

  /**
   * The last `lines` lines of the job's output: stderr first (where tracebacks go), then as
   * much of the end of stdout as the budget leaves. Empty for an unknown job.
   */
  async logTail(jobId: string, lines: number): Promise<string> {
    const dir = this.jobDir(jobId);
    const n = Math.max(0, Math.floor(lines));
    if (n === 0) return '';
    const err = await tailLines(join(dir, 'stderr.log'), n);
    const out = await tailLines(join(dir, 'stdout.log'), n - err.length);
    return [...err, ...out].join('\n');
  }

  /**
   * Kills the job's whole process group: SIGTERM, then SIGKILL after 5 s if it is still running.
   * Writes a `cancelled` marker first, so a job that has not started its command yet never does,
   * and the final status reports reason `cancelled`. A no-op for a finished or unknown job.
   */
  async cancel(jobId: string): Promise<void> {
    const dir = this.jobDir(jobId);
    if (!(await exists(dir)) || (await exists(join(dir, 'exit_code')))) return;
    await writeFile(join(dir, 'cancelled'), `${new Date().toISOString()} by=${process.pid}\n`);
    const pgid = await this.waitForPgid(dir, 2000);
    if (pgid === undefined) return;
    signalGroup(pgid, 'SIGTERM');
    const deadline = Date.now() + CANCEL_GRACE_MS;
    while (Date.now() < deadline) {
      if (await exists(join(dir, 'exit_code'))) return;
      if (!groupAlive(pgid)) return;
      await sleep(100);
    }
    signalGroup(pgid, 'SIGKILL');
  }

  /** Number of lines in the job's `starts.log`: 1 after any number of re-attaches, 0 if unknown. */
  async startCount(jobId: string): Promise<number> {
    const text = await readText(join(this.jobDir(jobId), 'starts.log'));
    return text === undefined ? 0 : text.split('\n').filter((l) => l.trim() !== '').length;
  }

  private jobDir(jobId: string): string {
    if (
      typeof jobId !== 'string' ||
      jobId.length === 0 ||
      jobId.length > JOB_ID_MAX ||
      !JOB_ID.test(jobId) ||
      jobId === '.' ||
      jobId === '..'
    ) {
      throw new BackendError(
        `invalid job id ${JSON.stringify(jobId)}: expected 1-${JOB_ID_MAX} characters of [A-Za-z0-9._-]`,
        false,
      );
    }
    return join(this.stateDir, jobId);
  }

  private async readExit(dir: string, spawned: SpawnRecord, base: JobStatus): Promise<JobStatus | undefined> {
    const path = join(dir, 'exit_code');
    const text = await readText(path);
    if (text === undefined) return undefined;
    const code = Number(text.trim());
    const finishedAt = (await stat(path)).mtimeMs;
    if (code === 0) return { ...base, state: 'succeeded', exitCode: 0, finishedAt };
    const cancelled = await exists(join(dir, 'cancelled'));
    // Shell convention: 128+n is "killed by signal n", which the contract reports as null.
    const exitCode = Number.isInteger(code) && code > 128 && code < 160 ? null : code;
    let reason: string | undefined;
    if (cancelled) reason = 'cancelled';
    else if (code === 124 || (code === 137 && finishedAt - spawned.startedAt >= spawned.timeoutMs))
      reason = 'timeout';
    return { ...base, state: 'failed', exitCode, finishedAt, ...(reason ? { reason } : {}) };
  }

  private async waitForPgid(dir: string, ms: number): Promise<number | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const text = await readText(join(dir, 'pgid'));
      const pgid = text === undefined ? NaN : Number(text.trim());
      if (Number.isInteger(pgid) && pgid > 0) return pgid;
      if ((await exists(join(dir, 'exit_code'))) || Date.now() >= deadline) return undefined;
      await sleep(25);
    }
  }

  private async recordSpawnFailure(dir: string, message: string): Promise<void> {
    await writeFile(join(dir, 'stderr.log'), `mlcd: ${message}\n`);
    await writeJson(join(dir, 'spawned'), { startedAt: Date.now(), timeoutMs: 0 } satisfies SpawnRecord);
    await writeFile(join(dir, 'exit_code.tmp'), '127\n');
    await rename(join(dir, 'exit_code.tmp'), join(dir, 'exit_code'));
  }
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function mtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw new BackendError(`cannot read ${path}`, true, { cause: err });
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}

async function readSpawnRecord(dir: string): Promise<SpawnRecord | undefined> {
  const text = await readText(join(dir, 'spawned'));
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<SpawnRecord>;
    if (typeof v.startedAt === 'number' && typeof v.timeoutMs === 'number')
      return { startedAt: v.startedAt, timeoutMs: v.timeoutMs };
  } catch {
    // Written in one call right after the claim; an unparsable record means the writer crashed.
  }
  return undefined;
}

/** Field 22 (start time in clock ticks since boot) of /proc/<pid>/stat; undefined if gone or a zombie. */
async function procStartTime(pid: number): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // A zombie has exited; its parent just has not reaped it yet.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if (errCode(err) !== 'ESRCH')
      throw new BackendError(`cannot send ${signal} to process group ${pgid}`, true, { cause: err });
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

async function tailLines(path: string, n: number): Promise<string[]> {
  if (n <= 0) return [];
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return [];
    throw new BackendError(`cannot read ${path}`, true, { cause: err });
  }
  try {
    const { size } = await handle.stat();
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    await handle.read(buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (len < size) lines.shift(); // first line is probably cut
    return lines.slice(-n);
  } finally {
    await handle.close();
  }
}
