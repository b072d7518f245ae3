import { z } from 'zod';
import { DEFAULT_SERVING_URL } from '../../config';
import { BackendError } from '../../core/errors';
import { callDaemon, checkDaemon, seg } from '../../serving/daemon-client';
import type { MetricsSource, VersionStats } from './types';

/** Options of {@link LocalMetricsSource}. */
export interface LocalMetricsSourceOptions {
  /** Base URL of the serving daemon; default `DEFAULT_SERVING_URL` (http://127.0.0.1:8710). */
  url?: string;
  /** Timeout of one stats call, ms. Default 5 000. */
  timeoutMs?: number;
}

/** NaN travels as JSON null; turn it back. */
const num = z.number().nullable().transform((v) => (v === null ? NaN : v));
const statsAnswer = z.object({
  version: z.string(),
  windowMs: z.number(),
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  errorRate: num,
  latencyP50Ms: num,
  latencyP99Ms: num,
});

/** `MetricsSource` over the local serving daemon's own per-version counters (its stats endpoint). */
export class LocalMetricsSource implements MetricsSource {
  /** Backend kind as named in the spec. */
  readonly kind = 'local';
  /** Base URL of the daemon. */
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(opts: LocalMetricsSourceOptions = {}) {
    this.url = (opts.url ?? DEFAULT_SERVING_URL).replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 5_000;
  }

  /** Throws a retryable `BackendError` telling how to start the daemon when it does not answer `/healthz`. */
  async check(): Promise<void> {
    await checkDaemon(this.url);
  }

  /** Requests, errors and latency percentiles of one version over the trailing `windowMs`; 0 requests and NaN rates when there is no data yet. */
  async versionStats(model: string, version: string, windowMs: number): Promise<VersionStats> {
    const what = `read stats of ${model} version ${version}`;
    const json = await callDaemon(this.url, {
      method: 'GET',
      path: `/admin/models/${seg(model)}/versions/${seg(version)}/stats?windowMs=${encodeURIComponent(String(windowMs))}`,
      timeoutMs: this.timeoutMs,
      what,
    });
    const r = statsAnswer.safeParse(json);
    if (!r.success) throw new BackendError(`${what}: unexpected answer from the serving daemon: ${JSON.stringify(json)?.slice(0, 200)}`, false);
    return r.data;
  }
}
