/** A job to run: training or scoring. Commands are fully resolved (no placeholders left). */
export interface JobRequest {
  /** Idempotency key: submitting the same id twice attaches to the first job. [A-Za-z0-9._-]+ */
  jobId: string;
  command: string[];
  env: Record<string, string>;
  cwd: string;
  /** The runner kills the job after this long. */
  timeoutMs: number;
}

export type JobState = 'running' | 'succeeded' | 'failed' | 'unknown';

export interface JobStatus {
  jobId: string;
  state: JobState;
  /** Exit code once finished; null when killed by a signal. */
  exitCode?: number | null;
  /** Epoch ms. */
  startedAt?: number;
  finishedAt?: number;
  /** Why a job failed without an exit code of its own: timeout, cancelled, lost. */
  reason?: string;
}

export interface SubmitResult {
  jobId: string;
  /** True when a job with this id already existed (running or finished) and no new process started. */
  reattached: boolean;
}

/** Runs jobs: local processes, or Kubernetes Jobs later. */
export interface JobRunner {
  readonly kind: string;
  /** Preflight: throws BackendError naming what is missing. */
  check(): Promise<void>;
  /** Starts the job unless one with the same id exists; never starts two. */
  submit(job: JobRequest): Promise<SubmitResult>;
  status(jobId: string): Promise<JobStatus>;
  /** Last `lines` lines of stdout+stderr. */
  logTail(jobId: string, lines: number): Promise<string>;
  /** Kills the job (whole process group); a no-op when it has finished. */
  cancel(jobId: string): Promise<void>;
  /** How many processes were ever started for this id (1 after any number of re-attaches). */
  startCount(jobId: string): Promise<number>;
}
