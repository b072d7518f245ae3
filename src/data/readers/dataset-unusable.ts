import { DataUnusableError } from '../../core/errors';

/**
 * Builds the `DataUnusableError` of a dataset that cannot be read, with one message shape:
 * `cannot read dataset <file>: <reason>`. The original error, if any, is kept in `cause` and its
 * message appended, so the reader never surfaces a bare stack trace.
 *
 * @param file - the path as resolved (or as given when it could not be resolved)
 * @param reason - what is wrong, naming row / column where known
 * @param cause - the underlying error
 */
export function datasetUnusable(file: string, reason: string, cause?: unknown): DataUnusableError {
  const detail = cause === undefined ? '' : `: ${errorMessage(cause)}`;
  return new DataUnusableError(
    `cannot read dataset ${file}: ${reason}${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

/** The message of an unknown thrown value. */
export function errorMessage(err: unknown): string {
  // Duck-typed: errors of Node's core modules fail `instanceof Error` across VM contexts (jest).
  const message =
    typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(err);
}
