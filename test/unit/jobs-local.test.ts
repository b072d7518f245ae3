import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { LocalJobRunner } from '../../src/backends/jobs/local';
import type { JobRequest, JobStatus } from '../../src/backends/jobs/types';
import { waitForJob } from '../../src/backends/jobs/wait';
import { BackendError } from '../../src/core/errors';

let root: string;
let stateDir: string;
const started: string[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mlcd-jobs-'));
  stateDir = join(root, 'jobs');
});

afterEach(async () => {
  // Never leave a job behind: cancel whatever a test started.
  const runner = new LocalJobRunner({ stateDir });
  await Promise.all(started.splice(0).map((id) => runner.cancel(id).catch(() => undefined)));
  rmSync(root, { recursive: true, force: true });
});

function job(jobId: string, script: string, extra: Partial<JobRequest> = {}): JobRequest {
  started.push(jobId);
  return { jobId, command: ['/bin/sh', '-c', script], env: {}, cwd: root, timeoutMs: 60_000, ...extra };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function wrapperPid(id: string): number {
  return Number(
    readFileSync(join(stateDir, id, 'pid'), 'utf8')
      .trim()
      .split(' ')[0],
  );
}

async function eventually<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('LocalJobRunner', () => {
  test('a job runs, succeeds and its output is in the log tail (stderr first)', async () => {
    const runner = new LocalJobRunner({ stateDir });
    const res = await runner.submit(
      job('ok-1', 'echo "hello $GREETING"; echo warn >&2', { env: { GREETING: 'world' } }),
    );
    expect(res).toEqual({ jobId: 'ok-1', reattached: false });
    const polled: JobStatus[] = [];
    const st = await waitForJob(runner, 'ok-1', { pollMs: 20, onPoll: (s) => polled.push(s) });
    expect(st).toMatchObject({ jobId: 'ok-1', state: 'succeeded', exitCode: 0 });
    expect(st.finishedAt).toBeGreaterThanOrEqual(st.startedAt ?? Infinity);
    expect(polled[polled.length - 1]).toEqual(st);
    expect(await runner.logTail('ok-1', 10)).toBe('warn\nhello world');
    expect(await runner.logTail('ok-1', 1)).toBe('warn');
    expect(await runner.startCount('ok-1')).toBe(1);
  });

  test('a failing job is failed with its exit code and log tail', async () => {
    const runner = new LocalJobRunner({ stateDir });
    await runner.submit(
      job('fail-1', 'for i in 1 2 3 4 5; do echo line$i; done; echo "Traceback: boom" >&2; exit 3'),
    );
    const st = await waitForJob(runner, 'fail-1', { pollMs: 20 });
    expect(st).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(st.reason).toBeUndefined();
    expect(await runner.logTail('fail-1', 3)).toBe('Traceback: boom\nline4\nline5');
  });

  test('a command that does not exist fails with exit code 127 and says so', async () => {
    const runner = new LocalJobRunner({ stateDir });
    started.push('nocmd');
    await runner.submit({
      jobId: 'nocmd',
      command: ['/no/such/binary'],
      env: {},
      cwd: root,
      timeoutMs: 10_000,
    });
    const st = await waitForJob(runner, 'nocmd', { pollMs: 20 });
    expect(st).toMatchObject({ state: 'failed', exitCode: 127 });
    expect(await runner.logTail('nocmd', 5)).toContain('/no/such/binary');
  });

  test('submitting the same id twice attaches: reattached=true, one process started', async () => {
    const runner = new LocalJobRunner({ stateDir });
    const req = job('twice', 'sleep 1; echo done');
    expect((await runner.submit(req)).reattached).toBe(false);
    expect((await runner.submit(req)).reattached).toBe(true);
    // A fresh runner over the same state directory (the restarted worker) attaches as well.
    const other = new LocalJobRunner({ stateDir });
    expect((await other.submit(req)).reattached).toBe(true);
    expect((await other.status('twice')).state).toBe('running');
    const st = await waitForJob(other, 'twice', { pollMs: 50 });
    expect(st.state).toBe('succeeded');
    expect((await runner.submit(req)).reattached).toBe(true);
    expect(await other.startCount('twice')).toBe(1);
    expect(await other.logTail('twice', 5)).toBe('done');
  });

  test('the job runs in its own session and process group, not tied to the submitter', async () => {
    const runner = new LocalJobRunner({ stateDir });
    await runner.submit(job('detached', 'sleep 3'));
    const pid = await eventually(
      () => (existsSync(join(stateDir, 'detached', 'pid')) ? wrapperPid('detached') : 0),
      (p) => p > 0,
    );
    const [pgid, sid] = execFileSync('ps', ['-o', 'pgid=,sid=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number);
    const [myPgid, mySid] = execFileSync('ps', ['-o', 'pgid=,sid=', '-p', String(process.pid)], {
      encoding: 'utf8',
    })
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(pgid).toBe(pid);
    expect(sid).toBe(pid);
    expect(pgid).not.toBe(myPgid);
    expect(sid).not.toBe(mySid);
  });

  test('a job survives SIGKILL of the worker that submitted it, and the restarted worker attaches', async () => {
    // The "worker" is a separate Node process running test/fixtures/jobs/submit-and-hang.ts,
    // loaded through @swc/core (no build step).
    const loader = [
      "const Module = require('module'); const swc = require('@swc/core');",
      "const opts = { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } };",
      "Module._extensions['.ts'] = (m, f) => m._compile(swc.transformFileSync(f, opts).code, f);",
      'require(process.argv[1]);',
    ].join('\n');
    const fixture = resolve(__dirname, '../fixtures/jobs/submit-and-hang.ts');
    started.push('crash-1');
    const worker = spawn(
      process.execPath,
      ['-e', loader, fixture, stateDir, 'crash-1', root, '60000', '/bin/sh', '-c', 'sleep 2; echo survived'],
      {
        cwd: resolve(__dirname, '../..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    worker.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await new Promise<string>((res, rej) => {
      let out = '';
      worker.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) res(out.split('\n')[0] ?? '');
      });
      worker.once('exit', (code) => rej(new Error(`worker exited early (${String(code)}): ${stderr}`)));
    });
    expect(JSON.parse(line).submitted).toEqual({ jobId: 'crash-1', reattached: false });

    const exited = new Promise((res) => worker.once('exit', res));
    worker.kill('SIGKILL');
    await exited;

    const restarted = new LocalJobRunner({ stateDir });
    expect((await restarted.status('crash-1')).state).toBe('running');
    expect(await restarted.submit(job('crash-1', 'sleep 2; echo survived'))).toEqual({
      jobId: 'crash-1',
      reattached: true,
    });
    const st = await waitForJob(restarted, 'crash-1', { pollMs: 50 });
    expect(st).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(await restarted.logTail('crash-1', 5)).toBe('survived');
    expect(await restarted.startCount('crash-1')).toBe(1);
  });

  test('concurrent submits of one id from two runner instances start exactly one process', async () => {
    for (let i = 0; i < 5; i++) {
      const id = `race-${i}`;
      const a = new LocalJobRunner({ stateDir });
      const b = new LocalJobRunner({ stateDir });
      const req = job(id, 'echo "ran $$" >> ../runs.txt');
      const results = await Promise.all([a.submit(req), b.submit(req)]);
      expect(results.map((r) => r.reattached).sort()).toEqual([false, true]);
      expect((await waitForJob(a, id, { pollMs: 20 })).state).toBe('succeeded');
      expect(await b.startCount(id)).toBe(1);
    }
  });

  test('a job that outlives its timeout is killed and reported as timeout', async () => {
    const runner = new LocalJobRunner({ stateDir });
    await runner.submit(job('slow', 'echo starting; sleep 30', { timeoutMs: 500 }));
    const st = await waitForJob(runner, 'slow', { pollMs: 50 });
    expect(st).toMatchObject({ state: 'failed', exitCode: 124, reason: 'timeout' });
    expect((st.finishedAt ?? 0) - (st.startedAt ?? 0)).toBeLessThan(10_000);
  });

  test('cancel kills the whole process group, grandchildren included, and reports cancelled', async () => {
    const runner = new LocalJobRunner({ stateDir });
    const marker = join(root, 'grandchild.pid');
    await runner.submit(job('cancel-me', `sleep 60 & echo $! > ${marker}; wait`));
    const grandchild = await eventually(
      () => (existsSync(marker) ? Number(readFileSync(marker, 'utf8').trim()) : 0),
      (p) => p > 0,
    );
    expect(alive(grandchild)).toBe(true);
    await runner.cancel('cancel-me');
    const st = await waitForJob(runner, 'cancel-me', { pollMs: 20 });
    expect(st).toMatchObject({ state: 'failed', reason: 'cancelled', exitCode: null });
    expect(
      await eventually(
        () => alive(grandchild),
        (a) => !a,
      ),
    ).toBe(false);
    // Cancelling a finished job is a no-op.
    await runner.cancel('cancel-me');
    expect((await runner.status('cancel-me')).reason).toBe('cancelled');
  });

  test('waitForJob cancels the job when its signal aborts', async () => {
    const runner = new LocalJobRunner({ stateDir });
    await runner.submit(job('abort-me', 'sleep 60'));
    const ac = new AbortController();
    const waiting = waitForJob(runner, 'abort-me', { pollMs: 20, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('activity cancelled')), 200);
    await expect(waiting).rejects.toThrow('activity cancelled');
    const st = await eventually(
      () => runner.status('abort-me'),
      (s) => s.state !== 'running',
    );
    expect(st).toMatchObject({ state: 'failed', reason: 'cancelled' });
  });

  test('a job whose process vanished without an exit code is failed with reason lost', async () => {
    const runner = new LocalJobRunner({ stateDir });
    await runner.submit(job('lost-1', 'sleep 60'));
    const pid = await eventually(
      () => (existsSync(join(stateDir, 'lost-1', 'pgid')) ? wrapperPid('lost-1') : 0),
      (p) => p > 0,
    );
    const pgid = Number(readFileSync(join(stateDir, 'lost-1', 'pgid'), 'utf8').trim());
    // What a reboot does: every process gone, no chance to write exit_code.
    process.kill(-pid, 'SIGKILL');
    process.kill(-pgid, 'SIGKILL');
    const st = await eventually(
      () => runner.status('lost-1'),
      (s) => s.state !== 'running',
    );
    expect(st).toMatchObject({ state: 'failed', reason: 'lost', exitCode: null });
  });

  test('a recycled pid (same pid, other start time) is not mistaken for the job', async () => {
    const runner = new LocalJobRunner({ stateDir });
    await runner.submit(job('recycled', 'sleep 60'));
    await eventually(() => existsSync(join(stateDir, 'recycled', 'pgid')), Boolean);
    const pgid = Number(readFileSync(join(stateDir, 'recycled', 'pgid'), 'utf8').trim());
    const pid = wrapperPid('recycled');
    process.kill(-pid, 'SIGKILL');
    process.kill(-pgid, 'SIGKILL');
    // Pretend the pid now belongs to this (live) test process, started at another time.
    writeFileSync(join(stateDir, 'recycled', 'pid'), `${process.pid} 1\n`);
    expect(await runner.status('recycled')).toMatchObject({ state: 'failed', reason: 'lost' });
  });

  test('an id never submitted is unknown, with no starts and an empty log', async () => {
    const runner = new LocalJobRunner({ stateDir });
    expect(await runner.status('never')).toEqual({ jobId: 'never', state: 'unknown' });
    expect(await runner.startCount('never')).toBe(0);
    expect(await runner.logTail('never', 10)).toBe('');
    await expect(runner.cancel('never')).resolves.toBeUndefined();
  });

  test.each(['', '../escape', 'a/b', 'has space', 'semi;colon', '..', 'x'.repeat(201)])(
    'invalid job id %j is rejected as non-retryable',
    async (id) => {
      const runner = new LocalJobRunner({ stateDir });
      const err = await runner
        .submit({ jobId: id, command: ['true'], env: {}, cwd: root, timeoutMs: 1000 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).retryable).toBe(false);
      expect((err as BackendError).message).toMatch(/^invalid job id/);
      await expect(runner.status(id)).rejects.toThrow(BackendError);
    },
  );

  test('a missing working directory and a bad timeout are rejected as non-retryable', async () => {
    const runner = new LocalJobRunner({ stateDir });
    await expect(
      runner.submit({ jobId: 'bad-t', command: ['true'], env: {}, cwd: root, timeoutMs: 0 }),
    ).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('timeoutMs') });
    await expect(
      runner.submit({
        jobId: 'bad-cwd',
        command: ['true'],
        env: {},
        cwd: join(root, 'nope'),
        timeoutMs: 1000,
      }),
    ).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('working directory') });
    expect(await runner.status('bad-cwd')).toMatchObject({ state: 'failed', exitCode: 127 });
  });

  test('check passes on a writable state directory and names an unwritable one', async () => {
    await expect(new LocalJobRunner({ stateDir }).check()).resolves.toBeUndefined();
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    await expect(new LocalJobRunner({ stateDir: join(file, 'jobs') }).check()).rejects.toThrow(
      `${join(file, 'jobs')} is not writable`,
    );
  });
});

describe('waitForJob polling', () => {
  /** A runner whose job ends after `runningPolls` polls; records when each poll came. */
  function scripted(runningPolls: number): { runner: LocalJobRunner; at: number[] } {
    const at: number[] = [];
    const runner = {
      status: async (jobId: string): Promise<JobStatus> => {
        at.push(Date.now());
        return { jobId, state: at.length > runningPolls ? 'succeeded' : 'running', exitCode: 0 };
      },
    } as unknown as LocalJobRunner;
    return { runner, at };
  }

  test('the waits start at firstPollMs and grow by half up to pollMs', async () => {
    const { runner, at } = scripted(7);
    const st = await waitForJob(runner, 'j', { firstPollMs: 40, pollMs: 150 });
    expect(st.state).toBe('succeeded');
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    // 40, 60, 90, 135, 150, 150, 150 (timers fire a little late, never early)
    [40, 60, 90, 135, 150, 150, 150].forEach((want, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(want - 2);
      expect(gaps[i]).toBeLessThan(want + 60);
    });
  });

  test('a short job is seen ending well before one pollMs', async () => {
    const { runner, at } = scripted(1);
    const t0 = Date.now();
    await waitForJob(runner, 'j', { pollMs: 1_000 });
    expect(at).toHaveLength(2);
    expect(Date.now() - t0).toBeLessThan(500); // the default first wait is 50 ms
  });
});
