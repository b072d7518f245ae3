import { BackendError } from '../core/errors';

/** One call of the serving daemon's admin API. */
export interface DaemonCall {
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  /** Path below the base URL, starting with `/`; segments already encoded. */
  path: string;
  /** JSON body, if any. */
  body?: unknown;
  /** Whole-call timeout, ms. */
  timeoutMs: number;
  /** The operation, for messages, e.g. `deploy churn version v2`. */
  what: string;
}

/**
 * Calls the local serving daemon and returns its parsed JSON answer. Failures become
 * `BackendError`s that name the operation and the daemon: a 4xx is the caller's mistake
 * (not retryable, with the daemon's own message), a 5xx, a timeout or a refused connection may
 * pass (retryable).
 */
export async function callDaemon(baseUrl: string, call: DaemonCall): Promise<unknown> {
  const url = `${baseUrl.replace(/\/+$/, '')}${call.path}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: call.method,
      headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    text = await res.text();
  } catch (e) {
    const err = e as Error;
    if (err.name === 'TimeoutError') {
      throw new BackendError(`${call.what}: local serving daemon at ${baseUrl} did not answer within ${call.timeoutMs} ms`, true, { cause: e });
    }
    throw notReachable(baseUrl, `${call.what}: ${(err.cause as Error | undefined)?.message ?? err.message}`, e);
  }
  let json: unknown;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch (e) {
    throw new BackendError(`${call.what}: local serving daemon at ${baseUrl} answered HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`, res.status >= 500, { cause: e });
  }
  if (!res.ok) {
    const message = typeof json === 'object' && json !== null && typeof (json as { error?: unknown }).error === 'string' ? (json as { error: string }).error : text.slice(0, 300);
    throw new BackendError(`${call.what}: ${message} (HTTP ${res.status} from ${url})`, res.status >= 500);
  }
  return json;
}

/** The error of a daemon that does not answer at all, with how to start one. */
export function notReachable(baseUrl: string, detail: string, cause?: unknown): BackendError {
  return new BackendError(`local serving daemon not reachable at ${baseUrl}: start it with \`mlcd dev\` or \`mlcd serve\` (${detail})`, true, { cause });
}

/** `encodeURIComponent` for a path segment (model and version names). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** Preflight: resolves when the daemon answers `GET /healthz`, else a retryable "not reachable" `BackendError`. */
export async function checkDaemon(baseUrl: string, timeoutMs = 5_000): Promise<void> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET /healthz answered HTTP ${res.status}`);
  } catch (e) {
    throw notReachable(baseUrl, (e as Error).message, e);
  }
}
