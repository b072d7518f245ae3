import { z } from 'zod';
import { DEFAULT_SERVING_URL } from '../../config';
import { BackendError } from '../../core/errors';
import { callDaemon, checkDaemon, seg } from '../../serving/daemon-client';
import type { DeployRequest, TrafficRouter, Weights } from './types';

/** Options of {@link LocalTrafficRouter}. */
export interface LocalTrafficRouterOptions {
  /** Base URL of the serving daemon; default `DEFAULT_SERVING_URL` (http://127.0.0.1:8710). */
  url?: string;
  /** Timeout of admin calls other than deploy, ms. Default 15 000 (an undeploy may wait 5 s for SIGKILL). */
  timeoutMs?: number;
}

const weightsAnswer = z.object({ weights: z.record(z.number()) });
const deployAnswer = z.object({ endpoint: z.string() });

/**
 * `TrafficRouter` over the local serving daemon (`mlcd serve` / `mlcd dev`) and its admin API.
 * `setWeights` applies, then reads back and compares: a weight step is done only once verified.
 */
export class LocalTrafficRouter implements TrafficRouter {
  /** Backend kind as named in the spec. */
  readonly kind = 'local';
  /** Base URL of the daemon. */
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(opts: LocalTrafficRouterOptions = {}) {
    this.url = (opts.url ?? DEFAULT_SERVING_URL).replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** Throws a retryable `BackendError` telling how to start the daemon when it does not answer `/healthz`. */
  async check(): Promise<void> {
    await checkDaemon(this.url);
  }

  /** Starts (or finds running) the version's model server; waits up to its startupTimeoutMs (+15 s). */
  async deploy(req: DeployRequest): Promise<{ endpoint: string }> {
    const json = await callDaemon(this.url, {
      method: 'PUT',
      path: `/admin/models/${seg(req.model)}/versions/${seg(req.version)}`,
      body: { artifactUri: req.artifactUri, serving: req.serving },
      timeoutMs: req.serving.startupTimeoutMs + 15_000,
      what: `deploy ${req.model} version ${req.version}`,
    });
    return { endpoint: parse(deployAnswer, json, `deploy ${req.model} version ${req.version}`).endpoint };
  }

  /** Stops the version's model server; the daemon refuses (non-retryable) while it has weight. */
  async undeploy(model: string, version: string): Promise<void> {
    await callDaemon(this.url, {
      method: 'DELETE',
      path: `/admin/models/${seg(model)}/versions/${seg(version)}`,
      timeoutMs: this.timeoutMs,
      what: `undeploy ${model} version ${version}`,
    });
  }

  /** Applies `weights` atomically, then verifies them with `getWeights`; throws when they differ. */
  async setWeights(model: string, weights: Weights): Promise<void> {
    const what = `set weights of ${model} to ${JSON.stringify(weights)}`;
    await callDaemon(this.url, { method: 'PUT', path: `/admin/models/${seg(model)}/weights`, body: { weights }, timeoutMs: this.timeoutMs, what });
    const now = await this.getWeights(model);
    if (!sameWeights(weights, now)) {
      throw new BackendError(`${what}: verification failed, the daemon now reports ${JSON.stringify(now)}`, true);
    }
  }

  /** The weights in force; {} before any. */
  async getWeights(model: string): Promise<Weights> {
    const what = `get weights of ${model}`;
    const json = await callDaemon(this.url, { method: 'GET', path: `/admin/models/${seg(model)}/weights`, timeoutMs: this.timeoutMs, what });
    return parse(weightsAnswer, json, what).weights;
  }

  /** The newest `limit` input rows `version` answered successfully (oldest first), and how many it answered in all. */
  async recentRows(model: string, version: string, limit: number): Promise<{ rows: Array<Record<string, unknown>>; seen: number }> {
    const what = `read the recent rows of ${model} version ${version}`;
    const json = await callDaemon(this.url, {
      method: 'GET',
      path: `/admin/models/${seg(model)}/versions/${seg(version)}/rows?limit=${encodeURIComponent(String(limit))}`,
      timeoutMs: this.timeoutMs,
      what,
    });
    return parse(rowsAnswer, json, what);
  }
}

const rowsAnswer = z.object({ rows: z.array(z.record(z.unknown())), seen: z.number().int().nonnegative() });

/** Equal as traffic splits: the same positive weight for every version (absent = 0). */
function sameWeights(a: Weights, b: Weights): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

function parse<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const r = schema.safeParse(json);
  if (!r.success) throw new BackendError(`${what}: unexpected answer from the serving daemon: ${JSON.stringify(json)?.slice(0, 200)}`, false);
  return r.data;
}
