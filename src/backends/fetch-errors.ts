/**
 * What a failed `fetch` says, for the HTTP backends (MLflow, Prometheus). Duck-typed, not
 * `instanceof Error`: fetch's errors come from Node's realm, which differs from the caller's
 * under jest's VM contexts.
 */

/** True for a fetch that timed out or was aborted (`AbortSignal.timeout` gives `TimeoutError`). */
export function isFetchTimeout(err: unknown): boolean {
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
  return name === 'TimeoutError' || name === 'AbortError';
}

/** The message of a fetch failure with its cause (`fetch failed` alone says nothing). */
export function fetchErrorText(err: unknown): string {
  if (typeof err !== 'object' || err === null || !('message' in err)) return String(err);
  const cause = 'cause' in err ? err.cause : undefined;
  const detail =
    typeof cause === 'object' && cause !== null && 'message' in cause ? `: ${String(cause.message)}` : '';
  return `${String(err.message)}${detail}`;
}
