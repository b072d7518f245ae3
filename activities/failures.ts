/**
 * The one place that maps mlcd errors to Temporal failures: data, spec, training and gate
 * failures are non-retryable with a stable `type`; backend errors keep their own retryability.
 */
import { ApplicationFailure } from '@temporalio/common';
import { DataValidationError, MlcdError, JobFailedError } from '../src/core/errors';

/** Runs `fn`, turning an MlcdError into an ApplicationFailure of its type. */
export async function withFailureMapping<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFailure(err);
  }
}

/** ApplicationFailure for an MlcdError; anything else is returned as is (retried by policy). */
export function toFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof MlcdError) {
    const details: unknown[] =
      err instanceof JobFailedError
        ? [{ jobId: err.jobId, exitCode: err.exitCode, logTail: err.logTail }]
        : err instanceof DataValidationError && err.report
          ? [err.report]
          : [];
    return ApplicationFailure.create({
      message: err.message,
      type: err.type,
      nonRetryable: !err.retryable,
      details,
      cause: err,
    });
  }
  return err;
}
