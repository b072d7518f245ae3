/**
 * Retry and timeout policy per kind of activity, in one place. Data, spec, training and gate
 * failures are non-retryable (they are thrown that way by activities/failures.ts); backend and
 * infrastructure failures retry with backoff and surface after the last attempt.
 */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

const RETRY_BACKOFF = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' } as const;

/** Registry, traffic, metrics, notifier and hand-off calls: quick, retried often. */
export const quickActivity: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { ...RETRY_BACKOFF, maximumAttempts: 8 },
};

/** Jobs that run for minutes or hours: a missed heartbeat (a crashed worker) retries on another worker within seconds, and the retry re-attaches to the same job. */
export function jobActivity(timeoutMs: number): ActivityOptions {
  return {
    startToCloseTimeout: timeoutMs + 60_000,
    heartbeatTimeout: '10 seconds',
    // An aborted release reports "aborted" only once its job has really been killed.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...RETRY_BACKOFF, maximumAttempts: 5 },
  };
}

/** Starting a model server: bounded by its startup timeout. */
export function servingActivity(startupTimeoutMs: number): ActivityOptions {
  return {
    startToCloseTimeout: startupTimeoutMs + 30_000,
    retry: { ...RETRY_BACKOFF, maximumAttempts: 3 },
  };
}

/** A live input drift check: reads the reference and the served rows, so it may take a while; a few tries. */
export const driftActivity: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { ...RETRY_BACKOFF, maximumAttempts: 3 },
};

/** Preflight checks: a few quick tries, then the release fails with the backend's own message. */
export const preflightActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...RETRY_BACKOFF, maximumAttempts: 3 },
};
