/**
 * What a finished release means for a caller: a line for people and an exit code for CI.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, TerminatedFailure, CancelledFailure, TimeoutFailure } from '@temporalio/common';
import { EXIT_CODES, RELEASE_FAILURES, type PipelineStatus } from '../core/release';

export interface ReleaseOutcome {
  exitCode: number;
  /** `promoted`, or the failure type (e.g. GateFailed). */
  outcome: string;
  message: string;
  status?: PipelineStatus;
}

const EXIT_BY_TYPE: Record<string, number> = {
  [RELEASE_FAILURES.specInvalid]: EXIT_CODES.usage,
  [RELEASE_FAILURES.dataValidationFailed]: EXIT_CODES.dataValidation,
  [RELEASE_FAILURES.dataUnusable]: EXIT_CODES.dataValidation,
  [RELEASE_FAILURES.trainingFailed]: EXIT_CODES.training,
  [RELEASE_FAILURES.gateFailed]: EXIT_CODES.gate,
  [RELEASE_FAILURES.approvalTimedOut]: EXIT_CODES.approval,
  [RELEASE_FAILURES.rolledBack]: EXIT_CODES.rolledBack,
  [RELEASE_FAILURES.aborted]: EXIT_CODES.aborted,
};

/** Maps the error of `handle.result()` to an outcome; anything unrecognised is infrastructure. */
export function outcomeOfFailure(err: unknown): ReleaseOutcome {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const type = cause.type ?? 'Error';
      const status = cause.details?.[0] as PipelineStatus | undefined;
      return { exitCode: EXIT_BY_TYPE[type] ?? EXIT_CODES.infrastructure, outcome: type, message: cause.message, status };
    }
    if (cause instanceof TerminatedFailure) return { exitCode: EXIT_CODES.aborted, outcome: 'Terminated', message: 'the release workflow was terminated' };
    if (cause instanceof CancelledFailure) return { exitCode: EXIT_CODES.aborted, outcome: 'Cancelled', message: 'the release workflow was cancelled' };
    if (cause instanceof TimeoutFailure) return { exitCode: EXIT_CODES.infrastructure, outcome: 'TimedOut', message: 'the release workflow timed out' };
  }
  return { exitCode: EXIT_CODES.infrastructure, outcome: 'InfrastructureError', message: err instanceof Error ? err.message : String(err) };
}
