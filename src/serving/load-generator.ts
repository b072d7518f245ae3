import { VERSION_HEADER } from './types';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Base URL of the serving daemon. */
  url: string;
  model: string;
  /** Rows replayed round-robin, one per request; at least one. */
  rows: Array<Record<string, unknown>>;
  /** Upper bound on requests started per second; > 0. */
  ratePerSecond: number;
  /** No request starts after this long, ms. */
  durationMs: number;
  /** No more than this many requests in total. */
  maxRequests: number;
  /** Stops issuing at once and cancels requests in flight. */
  signal?: AbortSignal;
  /** Requests in flight at most; default 8. */
  concurrency?: number;
  /** Timeout of one request, ms; default 10 000. */
  requestTimeoutMs?: number;
}

/** What a load run did. */
export interface LoadResult {
  /** Requests started. Requests cancelled by the abort signal count here only. */
  sent: number;
  /** Answered 2xx. */
  ok: number;
  /** Answered non-2xx, timed out or failed to connect. */
  errors: number;
  /** Answers per version that served them (from the `x-mlcd-version` header), ok or not. */
  byVersion: Record<string, number>;
}

/**
 * Replays `rows` against `POST /v1/models/:model/predict`, one row per request, at most
 * `ratePerSecond`, until `durationMs`, `maxRequests` or the abort signal, whichever comes first.
 * Request i is due at start + i / rate, so a slow server lowers the rate but never raises it.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  if (opts.rows.length === 0) throw new RangeError('runLoad: rows must hold at least one row');
  if (!(opts.ratePerSecond > 0) || !Number.isFinite(opts.ratePerSecond)) throw new RangeError(`runLoad: ratePerSecond must be a positive number, got ${opts.ratePerSecond}`);
  if (!(opts.durationMs >= 0)) throw new RangeError(`runLoad: durationMs must be >= 0, got ${opts.durationMs}`);
  if (!Number.isInteger(opts.maxRequests) || opts.maxRequests < 0) throw new RangeError(`runLoad: maxRequests must be an integer >= 0, got ${opts.maxRequests}`);
  const concurrency = opts.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`runLoad: concurrency must be an integer >= 1, got ${concurrency}`);
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const target = `${opts.url.replace(/\/+$/, '')}/v1/models/${encodeURIComponent(opts.model)}/predict`;
  const result: LoadResult = { sent: 0, ok: 0, errors: 0, byVersion: {} };
  const start = Date.now();
  const end = start + opts.durationMs;
  const intervalMs = 1000 / opts.ratePerSecond;
  let next = 0;

  const worker = async (): Promise<void> => {
    for (;;) {
      if (opts.signal?.aborted || next >= opts.maxRequests) return;
      const i = next++;
      const due = start + i * intervalMs;
      if (due >= end) return;
      await waitUntil(due, opts.signal);
      if (opts.signal?.aborted || Date.now() >= end) return;
      result.sent++;
      const row = opts.rows[i % opts.rows.length];
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), timeoutMs);
      const onAbort = (): void => ctl.abort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const res = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ rows: [row] }),
          signal: ctl.signal,
        });
        await res.arrayBuffer();
        const version = res.headers.get(VERSION_HEADER);
        if (version !== null) result.byVersion[version] = (result.byVersion[version] ?? 0) + 1;
        if (res.ok) result.ok++;
        else result.errors++;
      } catch {
        if (!opts.signal?.aborted) result.errors++;
      } finally {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return result;
}

/** Sleeps until epoch ms `at`, or until the signal aborts. */
function waitUntil(at: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = at - Date.now();
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
