import type { VersionStats } from '../backends/metrics/types';
import type { DeployRequest, Weights } from '../backends/traffic/types';
import { judgeFeedback } from './feedback';
import { HttpError } from './http-io';
import { ModelServerProcess, ModelServerStartError } from './model-server-process';
import { PredictionLog } from './prediction-log';
import { predictRows } from './predict-body';
import type { RouterMetrics, VersionMetrics } from './router-metrics';
import type { ServingState, StateStore } from './state-store';
import { DEFAULT_ROW_SAMPLE, RowSample } from './row-sample';
import { UpstreamClient } from './upstream';
import { StatsWindow } from './stats-window';
import type { FeedbackItem, FeedbackResult, ModelsResponse, VersionView } from './types';
import { compileRoute, pickRoute, routeKeyFraction, validateWeights, type WeightedRoute } from './weights';
import { NginxNameError, type NginxRoute } from './nginx/config';
import type { LoggedPrediction } from './nginx/access-log';

/** Options of {@link ServingRuntime}. */
export interface ServingRuntimeOptions {
  /** Interface model servers are probed and called on. */
  host: string;
  store: StateStore;
  metrics: RouterMetrics;
  /** Timeout of one forwarded prediction, ms. */
  upstreamTimeoutMs: number;
  /** Samples kept per version for stats. */
  statsCapacity: number;
  /** Recent successful predictions remembered for feedback. */
  feedbackRequests: number;
  /** Predicted rows remembered for feedback, across those predictions. */
  feedbackRows: number;
  /** Input rows kept per version for live drift; default DEFAULT_ROW_SAMPLE (5 000). */
  rowSample?: number;
  /** Delay before the one automatic restart of a server that died, ms. */
  restartBackoffMs: number;
  log: (line: string) => void;
}

/**
 * A data plane outside this process (nginx) that routes predictions by the weights: every change
 * of weights or of a weighted version's endpoint is applied there, and must be in force before
 * the change counts here. Throws when it could not apply; the old split then stays in force.
 */
export interface ExternalDataPlane {
  apply(routes: NginxRoute[]): Promise<void>;
}

/** Outcome of routing one prediction: the bytes to answer with and the version that took it. */
export interface RoutedAnswer {
  status: number;
  /** JSON text: the model server's answer, or an `ErrorBody`. */
  body: string;
  version: string;
  /** Time spent on the model server's call (forwarding included), ms; ~0 when it was not called. */
  upstreamMs: number;
}

/** How to route one prediction. */
export interface PredictOptions {
  /** Hashed for sticky routing; random routing without it. */
  routeKey?: string;
  /** The prediction's id, remembered with its scores for feedback when it succeeds. */
  requestId: string;
  /** Rows in the request body: a successful answer must hold one score per row to be counted. */
  rows: number;
  /** The request's rows as parsed, kept in the version's row sample when the answer succeeds. */
  inputRows?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /**
   * Called with the answer as soon as it is known, before the outcome is recorded (stats,
   * metrics, prediction bins, feedback memory, row sample), so the caller can write it first and
   * keep that bookkeeping off the client's latency. The recording follows synchronously in the
   * same tick, so no other request (a feedback for this id included) is handled in between.
   */
  onAnswer?: (answer: RoutedAnswer) => void;
}

/** A forwarded answer, with its scores when it is a success that holds one finite score per row. */
interface ForwardedAnswer {
  status: number;
  body: string;
  version: string;
  scores?: number[];
}

interface VersionEntry {
  request: DeployRequest;
  proc: ModelServerProcess | null;
  /** The start in flight, shared by concurrent deploys of the same version. */
  starting: Promise<ModelServerProcess> | null;
  /** In the state file: it was healthy once, or it was restored from the file. */
  committed: boolean;
  lastError?: string;
  /** Automatic restarts since the last deploy (at most one). */
  restarts: number;
  restartTimer?: NodeJS.Timeout;
  /** `<endpoint>/predict` of `proc`, built once per start rather than once per request. */
  predictUrl?: string;
}

/** What the router records per version: built on first use, one Map lookup per request. */
interface VersionTelemetry {
  window: StatsWindow;
  sample: RowSample;
  metrics: VersionMetrics;
}

interface ModelEntry {
  /** The model's name, one string shared by every remembered prediction. */
  name: string;
  versions: Map<string, VersionEntry>;
  /** Replaced as a whole on every change, never mutated: a request sees the old or the new split. */
  weights: Readonly<Weights>;
  /** `weights` compiled for routing; replaced together with it. */
  route: WeightedRoute;
  /** Stats, row sample and metrics per version that ever took a request or feedback; kept after an undeploy, as the stats are. */
  telemetry: Map<string, VersionTelemetry>;
}

/**
 * The state and operations of the local serving daemon, without HTTP: the model servers per
 * (model, version), the weights per model, the per-version stats, persistence and restore.
 * Errors meant for the client are thrown as {@link HttpError}.
 */
export class ServingRuntime {
  private readonly models = new Map<string, ModelEntry>();
  /** Pooled keep-alive connections to the model servers. */
  private readonly upstream = new UpstreamClient();
  private readonly predictions: PredictionLog;
  /** Versions already logged for answers without usable scores (once each: the log stays readable). */
  private readonly warnedScores = new Set<string>();
  /** Every model server process alive or starting, so shutdown can reach them all. */
  private readonly live = new Set<ModelServerProcess>();
  private closing = false;
  /** Set by {@link attachDataPlane}: nginx routes the predictions, this process keeps the books. */
  private dataPlane: ExternalDataPlane | undefined;
  /** Weight changes and data plane updates, one at a time in arrival order. */
  private weightChanges: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ServingRuntimeOptions) {
    this.predictions = new PredictionLog(o.feedbackRequests, o.feedbackRows);
  }

  /** Re-spawns the persisted versions and re-applies the persisted weights. Failed versions stay listed, unhealthy. */
  async restore(): Promise<void> {
    const state = this.o.store.load();
    const starts: Array<Promise<void>> = [];
    for (const [model, m] of Object.entries(state.models)) {
      const entry = this.model(model);
      for (const [version, request] of Object.entries(m.versions)) {
        const v: VersionEntry = { request: { ...request, model, version }, proc: null, starting: null, committed: true, restarts: 0 };
        entry.versions.set(version, v);
        starts.push(
          this.start(v).then(
            () => this.o.log(`restored ${model} version ${version}`),
            (e: Error) => this.o.log(`could not restore ${model} version ${version}: ${e.message}`),
          ),
        );
      }
      this.applyWeights(model, entry, m.weights);
    }
    await Promise.all(starts);
  }

  /** Starts (or finds running) the server of `req.version`; idempotent. */
  async deploy(req: DeployRequest): Promise<{ endpoint: string }> {
    if (this.closing) throw new HttpError(503, 'serving daemon is shutting down');
    const entry = this.model(req.model);
    let v = entry.versions.get(req.version);
    if (v?.starting) {
      if (!sameRequest(v.request, req)) throw this.conflict(req, v);
      return { endpoint: (await this.awaitStart(v.starting)).endpoint };
    }
    if (v && v.proc?.running) {
      if (!sameRequest(v.request, req)) throw this.conflict(req, v);
      return { endpoint: v.proc.endpoint };
    }
    if (v) {
      v.request = req; // dead or never started: the new request replaces the old one
      v.restarts = 0;
    } else {
      v = { request: req, proc: null, starting: null, committed: false, restarts: 0 };
      entry.versions.set(req.version, v);
    }
    const entryV = v;
    try {
      const proc = await this.awaitStart(this.start(entryV));
      return { endpoint: proc.endpoint };
    } catch (e) {
      if (!entryV.committed && entry.versions.get(req.version) === entryV) entry.versions.delete(req.version);
      throw e;
    }
  }

  /** Stops a version's server and forgets it; refuses (409) while it has weight. Idempotent. */
  async undeploy(model: string, version: string): Promise<{ stopped: boolean }> {
    const entry = this.models.get(model);
    const v = entry?.versions.get(version);
    if (!entry || !v) return { stopped: false };
    const w = entry.weights[version] ?? 0;
    if (w > 0) throw new HttpError(409, `version ${version} of model ${model} has weight ${w}%; set its weight to 0 before undeploying it`, version);
    entry.versions.delete(version);
    clearTimeout(v.restartTimer);
    this.persist();
    if (v.starting) await v.starting.catch(() => undefined);
    await v.proc?.stop();
    this.o.log(`stopped ${model} version ${version}`);
    return { stopped: true };
  }

  /**
   * Validates and applies `weights` for `model` in one swap; 400 / 409 naming the problem. With
   * an external data plane the new split is put in force there first (one change at a time), and
   * a failure there leaves the old split everywhere (502, or 400 for a name nginx cannot carry).
   */
  async setWeights(model: string, weights: unknown): Promise<Weights> {
    if (!this.dataPlane) return this.setWeightsNow(model, weights);
    const run = this.weightChanges.then(async () => {
      this.checkWeights(model, weights);
      try {
        await this.dataPlane?.apply(this.dataPlaneRoutes({ model, weights: weights as Weights }));
      } catch (e) {
        if (e instanceof NginxNameError) throw new HttpError(400, e.message);
        throw new HttpError(502, `weights of ${model} not changed: the data plane could not apply them: ${(e as Error).message}`);
      }
      return this.setWeightsNow(model, weights);
    });
    this.weightChanges = run.catch(() => undefined);
    return run;
  }

  private setWeightsNow(model: string, weights: unknown): Weights {
    this.checkWeights(model, weights);
    const applied = this.applyWeights(model, this.model(model), weights as Weights);
    this.persist();
    this.o.log(`weights of ${model}: ${JSON.stringify(applied)}`);
    return { ...applied };
  }

  private checkWeights(model: string, weights: unknown): void {
    const entry = this.models.get(model);
    const problem = validateWeights(model, weights, (version) => {
      const v = entry?.versions.get(version);
      return { deployed: v !== undefined && (v.committed || v.proc !== null), healthy: v?.proc?.running === true };
    });
    if (problem) throw new HttpError(problem.kind === 'invalid' ? 400 : 409, problem.message);
  }

  /**
   * Every model's split as the external data plane routes it: the weights in force, `change`
   * replacing one model's. A weighted version without a known endpoint gets a closed port, so
   * its requests fail (502) as they do in this process.
   */
  dataPlaneRoutes(change?: { model: string; weights: Weights }): NginxRoute[] {
    const names = new Set([...this.models.keys(), ...(change ? [change.model] : [])]);
    return [...names].sort().map((model) => {
      const entry = this.models.get(model);
      const weights = change?.model === model ? change.weights : (entry?.weights ?? {});
      return {
        model,
        versions: Object.entries(weights)
          .filter(([, w]) => w > 0)
          .map(([version, weight]) => ({ version, weight, endpoint: entry?.versions.get(version)?.proc?.endpoint ?? UNROUTABLE_ENDPOINT })),
      };
    });
  }

  /** Re-applies the split to the external data plane (a weighted version's server moved); logs a failure. */
  private resyncDataPlane(why: string): void {
    if (!this.dataPlane) return;
    const run = this.weightChanges.then(() => this.dataPlane?.apply(this.dataPlaneRoutes()));
    this.weightChanges = run.then(
      () => undefined,
      (e: Error) => this.o.log(`data plane not updated after ${why}: ${e.message}`),
    );
  }

  /** Attaches the external data plane, started with {@link dataPlaneRoutes}; from then on weight changes go through it. */
  attachDataPlane(dataPlane: ExternalDataPlane): void {
    this.dataPlane = dataPlane;
  }

  /**
   * Records one prediction the external data plane answered and logged, as `predict` records its
   * own: stats window, metrics, row sample, prediction bins and feedback memory. A request whose
   * body is not `{ "rows": [...] }` is the client's mistake and is not counted, as here it is
   * refused before routing; a body too long to log counts without rows or scores.
   */
  recordLogged(p: LoggedPrediction): void {
    const entry = this.models.get(p.model);
    if (!entry) return;
    let inputRows: ReadonlyArray<Readonly<Record<string, unknown>>> | undefined;
    if (p.requestBody !== '-') {
      const read = predictRows(p.requestBody);
      if ('problem' in read) return;
      inputRows = read.rows;
    }
    const now = performance.now();
    let answer: ForwardedAnswer = { status: p.status, body: '', version: p.version };
    if (p.status >= 200 && p.status < 300 && inputRows !== undefined && p.responseBody !== '-') {
      let json: unknown;
      try {
        json = JSON.parse(p.responseBody);
      } catch {
        json = undefined;
      }
      const scores = scoresOf(json, inputRows.length);
      if (typeof scores === 'string') this.warnScores(p.model, p.version, scores);
      else answer = { ...answer, scores };
    }
    this.record(entry, p.version, answer, now - p.ms, now, { requestId: p.requestId, rows: inputRows?.length ?? 0, ...(inputRows ? { inputRows } : {}) });
  }

  /** The weights in force for `model`; {} before any. */
  getWeights(model: string): Weights {
    return { ...(this.models.get(model)?.weights ?? {}) };
  }

  /** Stats of one version over the trailing `windowMs`; "no data" (0 requests, NaN rates) when it has none. */
  versionStats(model: string, version: string, windowMs: number): VersionStats {
    const w = this.models.get(model)?.telemetry.get(version)?.window;
    if (w) return w.stats(version, windowMs, performance.now());
    return { version, windowMs, requests: 0, errors: 0, errorRate: NaN, latencyP50Ms: NaN, latencyP99Ms: NaN };
  }

  /** Every model with its versions and weights. */
  list(): ModelsResponse {
    return {
      models: [...this.models.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([model, m]) => ({
          model,
          weights: { ...m.weights },
          versions: [...m.versions.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([version, v]) => this.view(version, v)),
        })),
    };
  }

  /**
   * Routes one prediction: picks a version by the weights (by a hash of `routeKey` when given,
   * else at random), forwards `body` to its server and records the outcome. `body` must already
   * be a valid `{ rows: [...] }` document. 404 when the model has no weighted version.
   * A success with one finite score per row also counts its scores in the version's prediction
   * bins and histogram and is remembered under `requestId` for feedback; O(rows).
   */
  async predict(model: string, body: string | Uint8Array, opts: PredictOptions): Promise<RoutedAnswer> {
    const { routeKey } = opts;
    const entry = this.models.get(model);
    if (!entry) throw new HttpError(404, `unknown model ${model}`);
    // One read: the whole request uses one compiled weights object.
    const version = pickRoute(entry.route, routeKey === undefined ? Math.random() : routeKeyFraction(routeKey));
    if (version === undefined) throw new HttpError(404, `model ${model} has no version with weight > 0`);
    const v = entry.versions.get(version);
    const proc = v?.proc;
    const t0 = performance.now();
    let answer: ForwardedAnswer;
    if (!proc?.running || v?.predictUrl === undefined) {
      answer = failure(version, `version ${version} of model ${model} is not running`);
    } else {
      answer = await this.forward(model, version, proc.endpoint, v.predictUrl, body, opts.rows);
    }
    const now = performance.now(); // monotonic: a wall-clock jump cannot hide the window
    const routed: RoutedAnswer = { status: answer.status, body: answer.body, version: answer.version, upstreamMs: now - t0 };
    try {
      opts.onAnswer?.(routed);
    } finally {
      this.record(entry, version, answer, t0, now, opts); // counted even if the caller could not write the answer
    }
    return routed;
  }

  /** Records one routed prediction that took `t0`..`now` (ms, monotonic) in its version's stats, metrics, row sample and feedback memory. */
  private record(entry: ModelEntry, version: string, answer: ForwardedAnswer, t0: number, now: number, opts: PredictOptions): void {
    const ms = now - t0;
    const ok = answer.status < 300;
    const t = this.telemetry(entry, version);
    t.window.record(now, ms, !ok);
    t.metrics.observeRequest(ok ? 'ok' : 'error', ms / 1000);
    if (ok && opts.inputRows !== undefined) t.sample.record(opts.inputRows);
    const scores = answer.scores;
    if (scores) {
      t.window.recordScores(now, scores);
      t.metrics.observePredictions(scores);
      this.predictions.remember(opts.requestId, entry.name, version, scores);
    }
  }

  /**
   * Records delayed labels of remembered predictions of `model`, at their arrival time, in the
   * predicting version's stats window and feedback counter. All or nothing: every item is checked
   * first (404 unknown / expired id, 400 other model or label count). A prediction counts its
   * feedback once; a repeat is answered `duplicate: true` and counts nothing.
   */
  feedback(model: string, items: readonly FeedbackItem[], batch: boolean): FeedbackResult[] {
    const judged = judgeFeedback(model, items, this.predictions, batch);
    const now = performance.now();
    return judged.map((j) => {
      const { version } = j.prediction;
      if (!j.duplicate) {
        this.predictions.markLabelled(j.prediction);
        this.telemetry(this.model(model), version).window.recordFeedback(now, j.labeled, j.correct);
        this.o.metrics.observeFeedback(model, version, j.correct, j.labeled - j.correct);
      }
      return { requestId: j.requestId, version, labeled: j.labeled, correct: j.correct, duplicate: j.duplicate };
    });
  }

  /** Stops every model server (SIGTERM, then SIGKILL after the grace). The state file is kept. */
  async close(): Promise<void> {
    this.closing = true;
    for (const m of this.models.values()) for (const v of m.versions.values()) clearTimeout(v.restartTimer);
    await Promise.all([...this.live].map((p) => p.stop()));
    this.upstream.close();
  }

  /** Synchronous SIGKILL of every model server, for a process that is exiting now. */
  killNow(): void {
    this.closing = true;
    for (const p of this.live) p.killNow();
  }

  private async forward(model: string, version: string, endpoint: string, url: string, body: string | Uint8Array, rows: number): Promise<ForwardedAnswer> {
    try {
      const res = await this.upstream.post(url, body, this.o.upstreamTimeoutMs);
      const text = res.text;
      if (res.status < 200 || res.status > 299) return failure(version, `${versionOf(model, version)} answered HTTP ${res.status}: ${text.slice(0, 300)}`);
      let json: unknown;
      try {
        json = JSON.parse(text); // the one parse of the answer: the check and the scores
      } catch {
        return failure(version, `${versionOf(model, version)} answered with a body that is not JSON: ${text.slice(0, 300)}`);
      }
      const scores = scoresOf(json, rows);
      if (typeof scores === 'string') {
        // Still relayed as before: the client may read it. It only cannot be binned or labelled.
        this.warnScores(model, version, scores);
        return { status: 200, body: text, version };
      }
      return { status: 200, body: text, version, scores };
    } catch (e) {
      const err = e as Error;
      if (err.name === 'TimeoutError') return failure(version, `${versionOf(model, version)} did not answer within ${this.o.upstreamTimeoutMs} ms`);
      const cause = (err.cause as Error | undefined)?.message;
      return failure(version, `${versionOf(model, version)} is unreachable at ${endpoint}: ${cause ?? err.message}`);
    }
  }

  /** Logs, once per version, that its answers carry no usable scores (`why`). */
  private warnScores(model: string, version: string, why: string): void {
    const key = statsKey(model, version);
    if (this.warnedScores.has(key)) return;
    this.warnedScores.add(key);
    this.o.log(`${versionOf(model, version)} answered without usable scores (${why}); its answers are relayed but not counted in prediction bins and get no feedback`);
  }

  private start(v: VersionEntry): Promise<ModelServerProcess> {
    const { model, version } = v.request;
    const p = ModelServerProcess.start(v.request, {
      host: this.o.host,
      onSpawn: (proc) => {
        this.live.add(proc);
        void proc.whenExited().then(() => this.live.delete(proc));
        if (this.closing) proc.killNow();
      },
      onUnexpectedExit: (info) => {
        const how = info.signal !== null ? `was killed by ${info.signal}` : `exited with code ${String(info.code)}`;
        v.lastError = `model server ${how}\n${info.stderrTail}`.trim();
        this.o.log(`${model} version ${version}: ${v.lastError}`);
        this.scheduleRestart(v);
      },
    }).then(
      (proc) => {
        v.proc = proc;
        v.predictUrl = `${proc.endpoint}/predict`;
        v.starting = null;
        delete v.lastError;
        this.o.log(`${model} version ${version} serving at ${proc.endpoint} (pid ${proc.pid})`);
        this.o.metrics.initVersion(model, version);
        if ((this.models.get(model)?.weights[version] ?? 0) > 0) this.resyncDataPlane(`${model} version ${version} started at ${proc.endpoint}`);
        if (!v.committed && this.models.get(model)?.versions.get(version) === v) {
          v.committed = true;
          this.persist();
        }
        return proc;
      },
      (e: Error) => {
        v.starting = null;
        v.lastError = e.message;
        throw e;
      },
    );
    v.starting = p;
    return p;
  }

  private scheduleRestart(v: VersionEntry): void {
    const { model, version } = v.request;
    if (this.closing || v.restarts >= 1 || this.models.get(model)?.versions.get(version) !== v) return;
    v.restarts++;
    v.restartTimer = setTimeout(() => {
      if (this.closing || this.models.get(model)?.versions.get(version) !== v || v.starting || v.proc?.running) return;
      this.o.log(`restarting ${model} version ${version} once after ${this.o.restartBackoffMs} ms`);
      this.start(v).catch((e: Error) => this.o.log(`restart of ${model} version ${version} failed: ${e.message}`));
    }, this.o.restartBackoffMs);
    v.restartTimer.unref();
  }

  /** Maps a start failure to the HTTP answer: a bad command is the caller's (400), the rest 502. */
  private async awaitStart(p: Promise<ModelServerProcess>): Promise<ModelServerProcess> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ModelServerStartError) throw new HttpError(e.reason === 'command' ? 400 : 502, e.message);
      throw e;
    }
  }

  private conflict(req: DeployRequest, v: VersionEntry): HttpError {
    return new HttpError(
      409,
      `version ${req.version} of model ${req.model} is already deployed from ${v.request.artifactUri} with another artifact or serving spec; ` +
        'undeploy it first or deploy under a new version',
      req.version,
    );
  }

  private applyWeights(model: string, entry: ModelEntry, weights: Weights): Readonly<Weights> {
    const next = Object.freeze({ ...weights });
    const previous = entry.weights;
    entry.weights = next; // the atomic swap (both fields in one synchronous step)
    entry.route = compileRoute(next);
    this.o.metrics.setWeights(model, next, previous);
    return next;
  }

  private persist(): void {
    const state: ServingState = { models: {} };
    for (const [model, m] of this.models) {
      const versions: Record<string, DeployRequest> = {};
      for (const [version, v] of m.versions) if (v.committed) versions[version] = v.request;
      if (Object.keys(versions).length === 0 && Object.keys(m.weights).length === 0) continue;
      state.models[model] = { versions, weights: { ...m.weights } };
    }
    try {
      this.o.store.save(state);
    } catch (e) {
      // The change is live; losing it on restart is better than refusing it now. Say so loudly.
      this.o.log(`could not save serving state to ${this.o.store.path}: ${(e as Error).message}`);
    }
  }

  private view(version: string, v: VersionEntry): VersionView {
    const running = v.proc?.running === true;
    const view: VersionView = {
      version,
      artifactUri: v.request.artifactUri,
      endpoint: running ? (v.proc?.endpoint ?? null) : null,
      pid: running ? (v.proc?.pid ?? null) : null,
      healthy: running,
      startedAt: running && v.proc ? new Date(v.proc.startedAt).toISOString() : null,
    };
    if (v.lastError !== undefined) view.lastError = v.lastError;
    return view;
  }

  private model(model: string): ModelEntry {
    let m = this.models.get(model);
    if (!m) {
      m = { name: model, versions: new Map(), weights: Object.freeze({}), route: compileRoute({}), telemetry: new Map() };
      this.models.set(model, m);
    }
    return m;
  }

  /**
   * The newest `limit` input rows `version` answered successfully, oldest first, and how many it
   * has answered since the daemon started: the sample live input drift is judged on.
   */
  recentRows(model: string, version: string, limit: number): { rows: Array<Readonly<Record<string, unknown>>>; seen: number } {
    const sample = this.models.get(model)?.telemetry.get(version)?.sample;
    return sample ? { rows: sample.latest(limit), seen: sample.seen } : { rows: [], seen: 0 };
  }

  private telemetry(entry: ModelEntry, version: string): VersionTelemetry {
    let t = entry.telemetry.get(version);
    if (!t) {
      t = {
        window: new StatsWindow(this.o.statsCapacity),
        sample: new RowSample(this.o.rowSample ?? DEFAULT_ROW_SAMPLE),
        metrics: this.o.metrics.forVersion(entry.name, version),
      };
      entry.telemetry.set(version, t);
    }
    return t;
  }
}

/** How messages name a version; built only for a failure, not per request. */
function versionOf(model: string, version: string): string {
  return `version ${version} of model ${model}`;
}

function statsKey(model: string, version: string): string {
  return `${model}\u0000${version}`;
}

/**
 * The scores of a successful answer: `{ scores: [...] }` with one finite number per row, by
 * reference (no copy), or why not. O(rows).
 */
function scoresOf(json: unknown, rows: number): number[] | string {
  const scores = typeof json === 'object' && json !== null ? (json as { scores?: unknown }).scores : undefined;
  if (!Array.isArray(scores)) return 'no "scores" array';
  if (scores.length !== rows) return `${scores.length} score(s) for ${rows} row(s)`;
  for (let i = 0; i < scores.length; i++) {
    const s: unknown = scores[i];
    if (typeof s !== 'number' || !Number.isFinite(s)) return `scores[${i}] is ${JSON.stringify(s) ?? String(s)}, not a finite number`;
  }
  return scores as number[];
}

/** Where a weighted version without a running server is routed by an external data plane: refused at once. */
const UNROUTABLE_ENDPOINT = 'http://127.0.0.1:1';

function failure(version: string, message: string): ForwardedAnswer {
  return { status: 502, body: JSON.stringify({ error: message, version }), version };
}

function sameRequest(a: DeployRequest, b: DeployRequest): boolean {
  return a.artifactUri === b.artifactUri && canonical(a.serving) === canonical(b.serving);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
