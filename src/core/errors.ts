/**
 * The one small error hierarchy of mlcd. Each class has a stable `type` that activities map to
 * `ApplicationFailure.type` (see activities/failures.ts) and the CLI maps to exit codes.
 * Messages name the thing (file, column, field path); `cause` keeps the origin.
 * Pure: importable from workflows.
 */

export const ERROR_TYPES = {
  spec: 'SpecInvalid',
  data: 'DataValidationFailed',
  dataUnusable: 'DataUnusable',
  training: 'TrainingFailed',
  gate: 'GateFailed',
  backend: 'BackendError',
} as const;
export type ErrorType = (typeof ERROR_TYPES)[keyof typeof ERROR_TYPES];

export abstract class MlcdError extends Error {
  abstract readonly type: ErrorType;
  /** Whether retrying the same operation can succeed. */
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem in a spec file: where, what was found, what was expected. */
export interface SpecIssue {
  /** Dotted field path, e.g. `canary.steps[2].bake`. */
  path: string;
  message: string;
  /** The offending value, JSON-encoded and shortened. */
  value?: string;
}

export class SpecError extends MlcdError {
  readonly type = ERROR_TYPES.spec;
  readonly retryable = false;
  constructor(
    readonly source: string,
    readonly issues: SpecIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `invalid spec ${source}:\n` +
        issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}${i.value !== undefined ? ` (got ${i.value})` : ''}`).join('\n'),
      options,
    );
  }
}

/** The data failed a hard check; `summary` is the report's human summary. */
export class DataValidationError extends MlcdError {
  readonly type = ERROR_TYPES.data;
  readonly retryable = false;
  constructor(
    message: string,
    /** Carried as the failure's details: the summary and where the full reports are. */
    readonly report?: { summary: string; reportPath: string; htmlReportPath: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The data could not be read at all: missing, corrupt, outside the allowed roots. */
export class DataUnusableError extends MlcdError {
  readonly type = ERROR_TYPES.dataUnusable;
  readonly retryable = false;
}

/** A training or scoring job exited non-zero; `logTail` holds its last lines. */
export class JobFailedError extends MlcdError {
  readonly type = ERROR_TYPES.training;
  readonly retryable = false;
  constructor(
    readonly jobId: string,
    readonly exitCode: number | null,
    readonly logTail: string,
    message?: string,
  ) {
    super(message ?? `job ${jobId} failed with exit code ${String(exitCode)}\n--- last log lines ---\n${logTail}`);
  }
}

/** An external system (registry, router, job runner) failed; retried with backoff. */
export class BackendError extends MlcdError {
  readonly type = ERROR_TYPES.backend;
  constructor(
    message: string,
    readonly retryable: boolean = true,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
