import type { JobRunner, JobStatus } from './types';

/** Options of {@link waitForJob}. */
export interface WaitForJobOptions {
  /** Longest time between two status polls, ms. Default 1000. */
  pollMs?: number;
  /**
   * The first wait, ms, growing by half after each poll up to `pollMs`. Default 50. A job of a
   * few hundred ms is seen ending within about a third of its run, not up to a whole `pollMs`
   * late; a job of an hour costs a handful of extra polls.
   */
  firstPollMs?: number;
  /** Called with every polled status, the final one included (e.g. to heartbeat an activity). */
  onPoll?: (status: JobStatus) => void;
  /** Aborting cancels the job (`runner.cancel`) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Polls `runner.status(jobId)` until the job is no longer `running` and returns that status
 * (`succeeded`, `failed` or `unknown`). It does not throw on a failed job: the caller decides.
 *
 * @throws the abort signal's reason (an `AbortError` by default) after cancelling the job.
 */
export async function waitForJob(
  runner: JobRunner,
  jobId: string,
  opts: WaitForJobOptions = {},
): Promise<JobStatus> {
  const pollMs = opts.pollMs ?? 1000;
  let waitMs = Math.min(opts.firstPollMs ?? 50, pollMs);
  const { signal } = opts;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const status = await runner.status(jobId);
      opts.onPoll?.(status);
      if (status.state !== 'running') return status;
      await abortableSleep(waitMs, signal);
      waitMs = Math.min(waitMs * 1.5, pollMs);
    }
  } catch (err) {
    if (signal?.aborted) {
      await runner.cancel(jobId);
      throw signal.reason;
    }
    throw err;
  }
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
