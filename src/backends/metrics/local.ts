import { z } from 'zod';
import { DEFAULT_SERVING_URL } from '../../config';
import { BackendError } from '../../core/errors';
import { callDaemon, checkDaemon, seg } from '../../serving/daemon-client';
import { PREDICTION_BINS, type MetricsSource, type VersionStats } from './types';

/** Options of {@link LocalMetricsSource}. */
export interface LocalMetricsSourceOptions {
  /** Base URL of the serving daemon; default `DEFAULT_SERVING_URL` (http://127.0.0.1:8710). */
  url?: string;
  /** Timeout of one stats call, ms. Default 5 000. */
  timeoutMs?: number;
}

/** NaN travels as JSON null; turn it back. */
const num = z.number().nullable().transform((v) => (v === null ? NaN : v));
const count = z.number().int().nonnegative();
// labeled, correct and predictions are optional: a daemon older than feedback does not send them,
// and this one leaves them out of a window that has none (the canary analysis reads absent as 0).
const statsAnswer = z
  .object({
    version: z.string(),
    windowMs: z.number(),
    requests: count,
    errors: count,
    errorRate: num,
    latencyP50Ms: num,
    latencyP99Ms: num,
    labeled: count.optional(),
    correct: count.optional(),
    predictions: z.array(count).length(PREDICTION_BINS).optional(),
  })
  .refine((s) => (s.labeled === undefined) === (s.correct === undefined) && (s.correct ?? 0) <= (s.labeled ?? 0), {
    message: 'labeled and correct come together, with correct <= labeled',
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

  /**
   * Requests, errors and latency percentiles of one version over the trailing `windowMs`; 0
   * requests and NaN rates when there is no data yet. Also the feedback counts (`labeled`,
   * `correct`) and prediction bins (`predictions`) when the window has any.
   */
  async versionStats(model: string, version: string, windowMs: number): Promise<VersionStats> {
    const what = `read stats of ${model} version ${version}`;
    const json = await callDaemon(this.url, {
      method: 'GET',
      path: `/admin/models/${seg(model)}/versions/${seg(version)}/stats?windowMs=${encodeURIComponent(String(windowMs))}`,
      timeoutMs: this.timeoutMs,
      what,
    });
    const r = statsAnswer.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new BackendError(
        `${what}: unexpected answer from the serving daemon at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'} (got ${JSON.stringify(json)?.slice(0, 200)})`,
        false,
      );
    }
    return r.data;
  }
}
