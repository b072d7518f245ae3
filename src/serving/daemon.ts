/**
 * The local serving daemon: one long-running process that runs a model server per
 * (model, version) and routes predictions between them by weight. `mlcd serve` runs it.
 *
 * Plain `node:http` rather than a framework: the API is a dozen routes of JSON, none is
 * installed, and the daemon then has no dependency beyond prom-client and zod.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isValidRequestId, parseFeedbackBody, requestIdProblem } from './feedback';
import { HttpError, readBody, readJson, sendError, sendJson } from './http-io';
import { freePort } from './free-port';
import { startAccessLogReceiver, type AccessLogReceiver } from './nginx/access-log';
import { findNginx, findNjsModule, NGINX_MODULE_DIRS } from './nginx/binary';
import { NginxDataPlane } from './nginx/data-plane';
import { predictRows } from './predict-body';
import { DEFAULT_FEEDBACK_REQUESTS, DEFAULT_FEEDBACK_ROWS } from './prediction-log';
import { RouterMetrics } from './router-metrics';
import { ServingRuntime } from './serving-runtime';
import { deployBodySchema, StateStore } from './state-store';
import { DEFAULT_STATS_CAPACITY } from './stats-window';
import { REQUEST_ID_HEADER, ROUTE_KEY_HEADER, ROUTER_TIME_HEADER, VERSION_HEADER } from './types';

/** Options of {@link startServingDaemon}. */
export interface ServingDaemonOptions {
  /** Interface to listen on; default 127.0.0.1. Model servers are always probed on the same host. */
  host?: string;
  /** Port to listen on; 0 lets the OS pick (see the returned `url`). */
  port: number;
  /** Directory of `serving-state.json`; created when missing. Usually `statePaths.serving()`. */
  stateDir: string;
  /** Timeout of one prediction forwarded to a model server, ms. Default 10 000. */
  upstreamTimeoutMs?: number;
  /** Samples kept per version for the stats endpoint (in each of its request, score and feedback rings). Default 65 536. */
  statsCapacity?: number;
  /** Recent successful predictions remembered for feedback, oldest evicted first. Default 100 000 (about 38 MB with one-row predictions, docs/serving.md). */
  feedbackRequests?: number;
  /** Predicted rows (scores) remembered for feedback across those predictions, 8 bytes each. Default 1 000 000. */
  feedbackRows?: number;
  /** Delay before the single automatic restart of a model server that died, ms. Default 1 000. */
  restartBackoffMs?: number;
  /** Where log lines go. Default: stderr, prefixed `[mlcd serve]`. */
  log?: (line: string) => void;
  /**
   * What answers predictions: `node` (default) this process's router; `nginx` an nginx in front
   * of it (docs/serving.md, "Data planes"), for the latency of a native proxy: this process then
   * keeps the books from nginx's prediction log and answers everything else behind it.
   */
  dataPlane?: DataPlaneKind;
  /** The nginx binary for the nginx data plane: a path, or `auto` (PATH, /usr/sbin). Default `auto`. */
  nginx?: string;
  /** `ngx_http_js_module.so` for the nginx data plane: a path, or `auto`. Default `auto`. */
  njsModule?: string;
}

/** The data planes the daemon can run. */
export const DATA_PLANES = ['node', 'nginx'] as const;
export type DataPlaneKind = (typeof DATA_PLANES)[number];

/** A running daemon. */
export interface ServingDaemon {
  /** Base URL, e.g. `http://127.0.0.1:8710`: predictions, feedback, metrics and the admin API. */
  url: string;
  /** The data plane answering predictions at `url`. */
  dataPlane: DataPlaneKind;
  /** This process's own server: `url` itself with the node data plane, the server behind nginx with the nginx one. */
  controlUrl: string;
  /** The nginx master's pid with the nginx data plane; null with the node one. */
  dataPlanePid: number | null;
  /** Stops listening and stops every model server (SIGTERM, SIGKILL after 5 s). Keeps the state file. */
  close(): Promise<void>;
  /** SIGKILLs every model server synchronously; for `process.on('exit')`. */
  killChildrenNow(): void;
}

/** Default timeout of a forwarded prediction, ms. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 10_000;

/** Default window of the stats endpoint when `windowMs` is absent, ms. */
const DEFAULT_STATS_WINDOW_MS = 60_000;

/**
 * Starts the daemon: restores the versions and weights persisted in `<stateDir>/serving-state.json`
 * (re-spawning every version), then listens. Resolves once it serves as it did before a restart.
 */
export async function startServingDaemon(opts: ServingDaemonOptions): Promise<ServingDaemon> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? ((line: string) => void process.stderr.write(`[mlcd serve] ${line}\n`));
  for (const [name, value] of Object.entries({ feedbackRequests: opts.feedbackRequests, feedbackRows: opts.feedbackRows })) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new RangeError(`serving daemon option ${name} must be a positive integer, got ${value}`);
  }
  const metrics = new RouterMetrics();
  const runtime = new ServingRuntime({
    host,
    store: new StateStore(opts.stateDir),
    metrics,
    upstreamTimeoutMs: opts.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    statsCapacity: opts.statsCapacity ?? DEFAULT_STATS_CAPACITY,
    feedbackRequests: opts.feedbackRequests ?? DEFAULT_FEEDBACK_REQUESTS,
    feedbackRows: opts.feedbackRows ?? DEFAULT_FEEDBACK_ROWS,
    restartBackoffMs: opts.restartBackoffMs ?? 1_000,
    log,
  });
  try {
    await runtime.restore();
  } catch (e) {
    await runtime.close();
    throw e;
  }
  const server = createServer((req, res) => {
    handle(runtime, metrics, req, res).catch((e: unknown) => {
      if (e instanceof HttpError) {
        if (!res.headersSent) sendError(res, e.status, e.message, e.version);
        return;
      }
      log(`internal error on ${req.method ?? '?'} ${req.url ?? '?'}: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) sendError(res, 500, `internal error: ${(e as Error).message}`);
      else res.destroy();
    });
  });
  const dataPlane = opts.dataPlane ?? 'node';
  const behindNginx = dataPlane === 'nginx';
  // Behind nginx this server is private: loopback, a free port.
  const ownHost = behindNginx ? '127.0.0.1' : host;
  try {
    await listen(server, behindNginx ? 0 : opts.port, ownHost);
  } catch (e) {
    await runtime.close();
    throw new Error(`serving daemon cannot listen on ${host}:${opts.port}: ${(e as Error).message}`, { cause: e });
  }
  const addr = server.address();
  const ownPort = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  const controlUrl = `http://${ownHost.includes(':') ? `[${ownHost}]` : ownHost}:${ownPort}`;
  let nginx: { plane: NginxDataPlane; receiver: AccessLogReceiver } | undefined;
  if (behindNginx) {
    try {
      nginx = await startNginxPlane(opts, host, controlUrl, runtime, log);
    } catch (e) {
      server.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), runtime.close()]);
      throw e;
    }
  }
  const url = nginx ? nginx.plane.url : controlUrl;
  log(`listening on ${url}${nginx ? ` (nginx data plane; this process on ${controlUrl})` : ''}, state in ${opts.stateDir}`);
  let closed: Promise<void> | null = null;
  return {
    url,
    dataPlane,
    controlUrl,
    dataPlanePid: nginx?.plane.pid ?? null,
    close: () => {
      closed ??= (async () => {
        await nginx?.plane.close();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await Promise.all([stopped, runtime.close(), nginx?.receiver.close()]);
      })();
      return closed;
    },
    killChildrenNow: () => {
      nginx?.plane.killNow();
      runtime.killNow();
    },
  };
}

/** Finds nginx and njs, binds the prediction log receiver and starts nginx with the restored split. */
async function startNginxPlane(
  opts: ServingDaemonOptions,
  host: string,
  controlUrl: string,
  runtime: ServingRuntime,
  log: (line: string) => void,
): Promise<{ plane: NginxDataPlane; receiver: AccessLogReceiver }> {
  const binary = findNginx(opts.nginx ?? 'auto');
  const njsModule = findNjsModule(opts.njsModule ?? 'auto');
  if (binary === null || njsModule === null) {
    throw new Error(
      `the nginx data plane needs nginx and its njs module; not found: ${[binary === null ? 'nginx (PATH, /usr/sbin)' : '', njsModule === null ? `ngx_http_js_module.so (${NGINX_MODULE_DIRS.join(', ')})` : ''].filter((x) => x !== '').join(' and ')}. ` +
        'On Debian: apt-get install nginx-light libnginx-mod-http-js; or run the node data plane (the default)',
    );
  }
  mkdirSync(opts.stateDir, { recursive: true }); // for the pid file, before any state is saved
  const receiver = await startAccessLogReceiver({ onPrediction: (p) => runtime.recordLogged(p), log });
  try {
    const plane = await NginxDataPlane.start({
      nginx: binary,
      njsModule,
      host,
      port: opts.port === 0 ? await freePort(host) : opts.port,
      controlPlane: controlUrl,
      logPort: receiver.port,
      upstreamTimeoutMs: opts.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
      routes: runtime.dataPlaneRoutes(),
      pidFile: join(opts.stateDir, 'nginx-data-plane.pid'),
      log,
    });
    runtime.attachDataPlane(plane);
    return { plane, receiver };
  } catch (e) {
    await receiver.close();
    throw e;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function handle(runtime: ServingRuntime, metrics: RouterMetrics, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const start = performance.now();
  // The hot route first, matched without building a URL and an array of segments.
  const predictModel = predictModelOf(req.url);
  if (predictModel !== undefined) return predict(runtime, metrics, start, predictModel, req, res);
  const url = new URL(req.url ?? '/', 'http://daemon');
  let seg: string[];
  try {
    seg = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, `malformed path ${url.pathname}`);
  }
  const method = req.method ?? 'GET';
  const route = seg.join('/');

  if (route === 'healthz') {
    allow(method, ['GET']);
    return sendJson(res, 200, { ok: true });
  }
  if (route === 'metrics') {
    allow(method, ['GET']);
    const text = await metrics.render();
    res.writeHead(200, { 'content-type': metrics.contentType });
    res.end(text);
    return;
  }
  // POST /v1/models/:model/predict, when predictModelOf left it to the general matching (an unusual spelling).
  if (seg.length === 4 && seg[0] === 'v1' && seg[1] === 'models' && seg[3] === 'predict') return predict(runtime, metrics, start, seg[2] as string, req, res);
  // POST /v1/models/:model/feedback
  if (seg.length === 4 && seg[0] === 'v1' && seg[1] === 'models' && seg[3] === 'feedback') {
    allow(method, ['POST']);
    const { items, batch } = parseFeedbackBody(await readJson(req));
    const results = runtime.feedback(seg[2] as string, items, batch);
    return sendJson(res, 200, batch ? { results } : results[0]);
  }
  if (seg[0] === 'admin' && seg[1] === 'models') {
    const model = seg[2];
    if (seg.length === 2) {
      allow(method, ['GET']);
      return sendJson(res, 200, runtime.list());
    }
    if (model !== undefined && seg.length === 4 && seg[3] === 'weights') {
      allow(method, ['GET', 'PUT']);
      if (method === 'GET') return sendJson(res, 200, { weights: runtime.getWeights(model) });
      const body = await readJson(req);
      if (typeof body !== 'object' || body === null || !('weights' in body)) throw new HttpError(400, 'body must be { "weights": { "<version>": <percent> } }');
      return sendJson(res, 200, { weights: await runtime.setWeights(model, body.weights) });
    }
    const version = seg[4];
    if (model !== undefined && version !== undefined && seg[3] === 'versions') {
      if (seg.length === 5) {
        allow(method, ['PUT', 'DELETE']);
        if (method === 'DELETE') return sendJson(res, 200, await runtime.undeploy(model, version));
        const parsed = deployBodySchema.safeParse(await readJson(req));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new HttpError(400, `deploy body invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`);
        }
        return sendJson(res, 200, await runtime.deploy({ model, version, ...parsed.data }));
      }
      if (seg.length === 6 && seg[5] === 'rows') {
        allow(method, ['GET']);
        const raw = url.searchParams.get('limit');
        const limit = raw === null ? DEFAULT_ROWS_LIMIT : Number(raw);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROWS_LIMIT)
          throw new HttpError(400, `limit must be an integer from 1 to ${MAX_ROWS_LIMIT}, got ${JSON.stringify(raw)}`);
        return sendJson(res, 200, runtime.recentRows(model, version, limit));
      }
      if (seg.length === 6 && seg[5] === 'stats') {
        allow(method, ['GET']);
        const raw = url.searchParams.get('windowMs');
        const windowMs = raw === null ? DEFAULT_STATS_WINDOW_MS : Number(raw);
        if (!Number.isFinite(windowMs) || windowMs <= 0) throw new HttpError(400, `windowMs must be a positive number of milliseconds, got ${JSON.stringify(raw)}`);
        return sendJson(res, 200, runtime.versionStats(model, version, windowMs));
      }
    }
  }
  throw new HttpError(404, `no route ${method} ${url.pathname}`);
}

/**
 * The model of a plain `/v1/models/<model>/predict` URL (query ignored), decoded; undefined for
 * anything else, which then takes the general route matching. Only the spelling every client
 * uses is taken here: a backslash, a dot segment or a malformed escape is left to `new URL`, so
 * both paths agree on what such a URL means.
 */
export function predictModelOf(rawUrl: string | undefined): string | undefined {
  if (rawUrl === undefined || !rawUrl.startsWith(PREDICT_PREFIX)) return undefined;
  const end = rawUrl.search(/[?#]/);
  const path = end < 0 ? rawUrl : rawUrl.slice(0, end);
  if (!path.endsWith(PREDICT_SUFFIX)) return undefined;
  const raw = path.slice(PREDICT_PREFIX.length, path.length - PREDICT_SUFFIX.length);
  if (raw === '' || /[/\\]/.test(raw)) return undefined;
  let model: string;
  try {
    model = raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    return undefined;
  }
  return model === '.' || model === '..' ? undefined : model;
}

const PREDICT_PREFIX = '/v1/models/';
const PREDICT_SUFFIX = '/predict';

/**
 * POST /v1/models/:model/predict: the answer is written as soon as it is known, and the router's
 * bookkeeping (stats, metrics, feedback memory, row sample) runs right after, in the same tick.
 * The answer carries the router's own time since `start` ({@link ROUTER_TIME_HEADER}), also
 * observed in `mlcd_router_own_time_seconds`.
 */
async function predict(runtime: ServingRuntime, metrics: RouterMetrics, start: number, model: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  allow(req.method ?? 'GET', ['POST']);
  const requestId = requestIdOf(req);
  const raw = await readBody(req);
  const rows = checkPredictBody(raw.toString('utf8'));
  const key = req.headers[ROUTE_KEY_HEADER];
  await runtime.predict(model, raw, {
    routeKey: typeof key === 'string' ? key : undefined,
    requestId,
    rows: rows.length,
    inputRows: rows,
    onAnswer: (answer) => {
      const ownMs = Math.max(0, performance.now() - start - answer.upstreamMs);
      res.writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(answer.body),
        [VERSION_HEADER]: answer.version,
        [REQUEST_ID_HEADER]: requestId,
        [ROUTER_TIME_HEADER]: ownMs.toFixed(3),
      });
      res.end(answer.body);
      metrics.observeOwnTime(model, answer.version, ownMs / 1000);
    },
  });
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) throw new HttpError(405, `method ${method} not allowed here; use ${methods.join(' or ')}`);
}

/** The client's request id when it sent one (400 when it is not a valid one), else a new UUID. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  // randomUUID's string is a tree of concatenated pieces, about 480 bytes of heap; the flat copy
  // is 56 bytes, which matters for the 200 000 ids the prediction log keeps. Copying costs ~0.4 µs.
  if (given === undefined) return Buffer.from(randomUUID(), 'latin1').toString('latin1');
  // Node joins a repeated header with ", ", which the check then refuses (a space is not allowed).
  const id = Array.isArray(given) ? given.join(', ') : given;
  // Refused rather than replaced: a client that keeps its own id for the labels would otherwise get a 404 for them later.
  if (!isValidRequestId(id)) throw new HttpError(400, `${REQUEST_ID_HEADER} header: ${requestIdProblem(id)}`);
  return id;
}

/** Rows `GET .../rows` answers by default, and at most. */
const DEFAULT_ROWS_LIMIT = 1_000;
const MAX_ROWS_LIMIT = 100_000;

/**
 * 400 unless the body is `{ "rows": [ {...}, ... ] }`: a client mistake must not count against a
 * version. Returns the rows, parsed once here and reused by the router.
 */
function checkPredictBody(body: string): Array<Record<string, unknown>> {
  const read = predictRows(body);
  if ('problem' in read) throw new HttpError(400, read.problem);
  return read.rows;
}
