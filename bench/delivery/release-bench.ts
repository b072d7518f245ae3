/**
 * The release part of `npm run bench:delivery`: a real Temporal dev server, the serving daemon
 * and a worker (each its own process), optionally Prometheus scraping the daemon, and a bounded
 * load through the router. With the no-op jobs and model server of this directory it measures
 *
 * - **orchestration overhead**: the wall time of whole releases that are promoted with no bake
 *   time, split by the workflow histories into activities and the time between them;
 * - **breach-to-rollback latency**: a candidate that fails every request (`errors`) or answers in
 *   400 ms (`slow`, over the 250 ms bound) is released; from its first breaching answer seen by
 *   the load to all traffic back on stable (the rollback's traffic step), per metrics source.
 *
 * Everything listens on 127.0.0.1, in a fresh MLCD_HOME that is removed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { EXIT_CODES, TASK_QUEUE } from '../../src/core/release';
import { hasWorker, isServingUp, waitFor } from '../../src/dev-stack';
import { LocalTrafficRouter } from '../../src/backends/traffic/local';
import { queryReleaseStatus, startRelease, waitForRelease } from '../../src/release-client';
import { breachTiming } from '../../src/serving/breach-timing';
import { freePort } from '../../src/serving/free-port';
import { runLoad, type LoadResponse } from '../../src/serving/load-generator';
import { connectClient, resolveTemporalTarget } from '../../src/temporal/connection';
import { startDevServer } from '../../src/temporal/dev-server';
import { deploymentStatusQuery, workflowIds } from '../../workflows/definitions';
import { startPrometheusServer, type PrometheusServer } from '../../test/helpers/prometheus-server';
import { benchScore } from './release-jobs';
import { benchRows, writeBenchData, writeBenchSpec, type BenchSpecOptions } from './release-project';
import { activitySpans, eventMs, summarizeTimeline } from './release-timeline';
import {
  summarizeOrchestration,
  summarizeRollbacks,
  type OrchestrationFigures,
  type OrchestrationRun,
  type RollbackFault,
  type RollbackFigures,
  type RollbackSource,
  type RollbackTrial,
} from './release-summary';

const MODEL = 'bench-release';
const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');
/** The bench spec's canary latency bound (release-project.ts): a slower answer is a breach. */
const LATENCY_BOUND_MS = 250;

export interface ReleaseBenchOptions {
  /** Promoted releases timed for the orchestration overhead (after one warm-up release). */
  orchestrationRuns: number;
  /** Rolled-back releases per source and fault. */
  rollbackRuns: number;
  sources: RollbackSource[];
  faults: RollbackFault[];
  /** How often the canary analysis checks, ms. */
  analysisIntervalMs: number;
  /** Prometheus's scrape interval, ms. */
  scrapeIntervalMs: number;
  /** Requests per second through the router during the whole part. */
  loadRate: number;
  /** Log the deployment workflow's events of each rollback, from the release's start to the restore. */
  trace?: boolean;
  /** The serving daemon's data plane (`mlcd serve --data-plane`). Default node. */
  dataPlane?: 'node' | 'nginx';
}

export interface ReleaseBenchResult {
  dataPlane: 'node' | 'nginx';
  firstRelease: OrchestrationRun;
  orchestrationRuns: OrchestrationRun[];
  orchestration: OrchestrationFigures;
  rollbackTrials: RollbackTrial[];
  rollback: RollbackFigures[];
  analysisIntervalMs: number;
  scrapeIntervalMs: number;
  /** The canary analysis window per source, ms. */
  windowMs: Record<RollbackSource, number>;
}

/** A child process of the stack, logging to a file. */
function spawnLogged(
  name: string,
  home: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): ChildProcess {
  const log = openSync(join(home, `${name}.log`), 'a');
  return spawn(command, args, { stdio: ['ignore', log, log], env });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(killer);
}

/** `<ms after zeroAt> <event> <activity or timer>` for the events in [from, to]. */
function traceLines(
  events: readonly temporal.api.history.v1.IHistoryEvent[],
  zeroAt: number,
  from: number,
  to: number,
): string[] {
  const names = new Map<number, string>();
  const lines: string[] = [];
  for (const e of events) {
    const at = eventMs(e);
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (typeof activity === 'string') names.set(Number(e.eventId), activity);
    if (at < from || at > to) continue;
    const ref =
      e.activityTaskStartedEventAttributes?.scheduledEventId ??
      e.activityTaskCompletedEventAttributes?.scheduledEventId;
    const what = activity ?? (ref !== undefined && ref !== null ? names.get(Number(ref)) : undefined) ?? '';
    const type = temporal.api.enums.v1.EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? '?';
    lines.push(`${String(at - zeroAt).padStart(6)} ms ${type} ${what}`);
  }
  return lines;
}

/** Runs the release part; `log` gets progress lines. */
export async function runReleaseBench(
  o: ReleaseBenchOptions,
  log: (line: string) => void,
): Promise<ReleaseBenchResult> {
  const home = mkdtempSync(join(tmpdir(), 'mlcd-bench-release-'));
  const previousHome = process.env.MLCD_HOME;
  process.env.MLCD_HOME = home; // read at call time by statePaths: the dev server's files go here
  let temporal: ChildProcess | undefined;
  let daemon: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let closeClient: (() => Promise<void>) | undefined;
  let completed = false;
  const load = new AbortController();
  let loadDone: Promise<unknown> | undefined;
  try {
    const temporalPort = await freePort();
    temporal = await startDevServer({
      port: temporalPort,
      uiPort: await freePort(),
      ephemeral: true,
      logFile: join(home, 'temporal.log'),
    });
    const env = { ...process.env, MLCD_HOME: home, TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}` };
    const target = resolveTemporalTarget(env);
    const c = await connectClient(target);
    const client = c.client;
    closeClient = () => c.connection.close();

    const servingPort = await freePort();
    const servingUrl = `http://127.0.0.1:${servingPort}`;
    daemon = spawnLogged(
      'serving',
      home,
      process.execPath,
      [CLI, 'serve', '--port', String(servingPort), '--data-plane', o.dataPlane ?? 'node'],
      env,
    );
    await waitFor('serving daemon', () => isServingUp(servingUrl), 20_000, join(home, 'serving.log'));
    worker = spawnLogged('worker', home, process.execPath, [CLI, 'worker'], env);
    await waitFor(
      `worker on task queue ${TASK_QUEUE}`,
      () => hasWorker(client, target.namespace),
      60_000,
      join(home, 'worker.log'),
    );
    if (o.sources.includes('prometheus')) {
      prometheus = await startPrometheusServer({
        target: `127.0.0.1:${servingPort}`,
        scrapeIntervalMs: o.scrapeIntervalMs,
      });
      log(`prometheus on ${prometheus.url}, scraping the router every ${o.scrapeIntervalMs} ms`);
    }
    log(
      `temporal dev server 127.0.0.1:${temporalPort}, serving daemon ${servingUrl}, worker up (MLCD_HOME ${home})`,
    );

    writeBenchData(home);
    const intervalText = `${o.analysisIntervalMs}ms`;
    // A check must see enough of the canary's requests: 1 s of them locally; on Prometheus,
    // increase() needs two scrapes inside the window, so two intervals and a second to spare.
    const windowMs: Record<RollbackSource, number> = {
      local: Math.max(1_000, o.analysisIntervalMs),
      prometheus: Math.max(2 * o.scrapeIntervalMs + 1_000, o.analysisIntervalMs),
    };
    const base: Omit<BenchSpecOptions, 'steps' | 'analysis' | 'metrics'> = {
      model: MODEL,
      servingUrl,
      benchDir: __dirname,
    };
    const analysisFor = (s: RollbackSource) => ({
      interval: intervalText,
      window: `${windowMs[s]}ms`,
      minRequests: 5,
    });
    const metricsFor = (s: RollbackSource) =>
      s === 'local'
        ? { kind: 'local' as const, url: servingUrl }
        : { kind: 'prometheus' as const, url: prometheus?.url ?? '' };
    const promotedSpec = writeBenchSpec(home, 'no-bake', {
      ...base,
      metrics: metricsFor('local'),
      analysis: analysisFor('local'),
      steps: [{ setWeight: 20 }, { setWeight: 100 }],
    });
    const rollbackSpec = (s: RollbackSource): string =>
      // The candidate is judged during a long bake: a good one would be promoted after a minute.
      writeBenchSpec(home, `rollback-${s}`, {
        ...base,
        metrics: metricsFor(s),
        analysis: analysisFor(s),
        steps: [{ setWeight: 20 }, { bake: '60s' }, { setWeight: 100 }],
      });

    // Every answer the load sees, for the breach timing; the trial's own are picked by time.
    let answers: LoadResponse[] = [];
    const rows = benchRows(200, 4).map(({ label: _label, ...f }) => ({ ...f, score: benchScore(f.x) }));
    const maxMinutes = 60;
    loadDone = runLoad({
      url: servingUrl,
      model: MODEL,
      rows,
      ratePerSecond: o.loadRate,
      durationMs: maxMinutes * 60_000,
      maxRequests: o.loadRate * maxMinutes * 60,
      signal: load.signal,
      concurrency: 32,
      requestTimeoutMs: 5_000,
      onResponse: (a) => answers.push(a),
    });

    const orchestrationRun = async (trigger: string): Promise<OrchestrationRun> => {
      const r = await startRelease(client, promotedSpec, { trigger });
      const outcome = await waitForRelease(client, r.releaseId);
      if (outcome.exitCode !== 0)
        return { releaseId: r.releaseId, ok: false, problem: `${outcome.outcome}: ${outcome.message}` };
      const d = await r.handle.describe();
      const start = d.startTime.getTime();
      const end = (d.closeTime ?? new Date()).getTime();
      const pipeline = await r.handle.fetchHistory();
      const deployment = await client.workflow.getHandle(workflowIds.deployment(MODEL)).fetchHistory();
      const spans = [
        ...activitySpans('pipeline', pipeline.events ?? []),
        ...activitySpans('deployment', deployment.events ?? []),
      ];
      return { releaseId: r.releaseId, ok: true, timeline: summarizeTimeline(start, end, spans) };
    };

    log('first release (no stable version yet; a warm-up, reported apart)');
    const firstRelease = await orchestrationRun('bench:first');
    if (!firstRelease.ok)
      throw new Error(
        `the first bench release was not promoted: ${firstRelease.problem ?? '?'}; see ${home}/worker.log`,
      );
    const orchestrationRuns: OrchestrationRun[] = [];
    for (let i = 1; i <= o.orchestrationRuns; i++) {
      const run = await orchestrationRun('bench:orchestration');
      orchestrationRuns.push(run);
      log(
        `orchestration ${i}/${o.orchestrationRuns}: ${run.ok ? `${run.timeline?.wallMs ?? NaN} ms wall, ${run.timeline?.betweenActivitiesMs ?? NaN} ms between activities` : `FAILED ${run.problem ?? ''}`}`,
      );
    }

    const traffic = new LocalTrafficRouter({ url: servingUrl });
    const rollbackTrial = async (source: RollbackSource, fault: RollbackFault): Promise<RollbackTrial> => {
      const t0 = Date.now();
      answers = answers.filter((a) => a.at >= t0 - 1_000); // keep the array small
      const r = await startRelease(client, rollbackSpec(source), {
        params: { serve_fault: fault },
        trigger: `bench:rollback:${source}:${fault}`,
      });
      const trial = { source, fault, releaseId: r.releaseId };
      const outcome = await waitForRelease(client, r.releaseId);
      const candidate =
        (await queryReleaseStatus(client, r.releaseId).catch(() => undefined))?.candidate?.version ??
        outcome.status?.candidate?.version;
      if (outcome.exitCode !== EXIT_CODES.rolledBack)
        return { ...trial, ok: false, problem: `ended ${outcome.outcome}: ${outcome.message}` };
      const dep = await client.workflow.getHandle(workflowIds.deployment(MODEL)).query(deploymentStatusQuery);
      const decision = [...dep.decisions]
        .reverse()
        .find((d) => d.kind === 'rollback' && Date.parse(d.at) >= t0);
      const evidence = decision?.evidence as { breachAt?: unknown; restoredAt?: unknown } | undefined;
      const restoredAt = typeof evidence?.restoredAt === 'number' ? evidence.restoredAt : undefined;
      const checkAt = typeof evidence?.breachAt === 'number' ? evidence.breachAt : undefined;
      if (candidate === undefined || restoredAt === undefined || checkAt === undefined)
        return {
          ...trial,
          ok: false,
          problem: `no rollback decision with its times for v${candidate ?? '?'}`,
        };
      // Answers still in flight at the restore arrive within the slow fault's latency.
      await new Promise((res) => setTimeout(res, 1_000));
      const t = breachTiming(answers, {
        version: candidate,
        after: t0,
        maxLatencyMs: LATENCY_BOUND_MS,
        restoredAt,
      });
      if (!t) return { ...trial, ok: false, problem: `the load saw no breaching answer of v${candidate}` };
      if (o.trace) {
        const events =
          (await client.workflow.getHandle(workflowIds.deployment(MODEL)).fetchHistory()).events ?? [];
        for (const line of traceLines(events, t.firstBreachAt, t0, restoredAt + 200)) log(`  ${line}`);
      }
      const weights = await traffic.getWeights(MODEL);
      const stableAll = Object.entries(weights).some(([v, w]) => v !== candidate && w === 100);
      return {
        ...trial,
        ok: stableAll,
        ...(stableAll ? {} : { problem: `weights after the rollback: ${JSON.stringify(weights)}` }),
        breachToRollbackMs: t.breachToRollbackMs,
        detectMs: checkAt - t.firstBreachAt,
        restoreMs: restoredAt - checkAt,
        answersAfterRestore: t.answersAfterRestore,
      };
    };

    const rollbackTrials: RollbackTrial[] = [];
    for (let i = 1; i <= o.rollbackRuns; i++) {
      for (const source of o.sources) {
        for (const fault of o.faults) {
          const t = await rollbackTrial(source, fault);
          rollbackTrials.push(t);
          log(
            `rollback ${i}/${o.rollbackRuns} ${source} ${fault}: ` +
              (t.ok
                ? `${t.breachToRollbackMs ?? NaN} ms from the first breaching answer to stable at 100 % (detect ${t.detectMs ?? NaN} ms, restore ${t.restoreMs ?? NaN} ms)`
                : `FAILED ${t.problem ?? ''}`),
          );
        }
      }
    }
    completed = true;
    return {
      dataPlane: o.dataPlane ?? 'node',
      firstRelease,
      orchestrationRuns,
      orchestration: summarizeOrchestration(orchestrationRuns),
      rollbackTrials,
      rollback: summarizeRollbacks(rollbackTrials, o.scrapeIntervalMs),
      analysisIntervalMs: o.analysisIntervalMs,
      scrapeIntervalMs: o.scrapeIntervalMs,
      windowMs,
    };
  } finally {
    load.abort();
    await loadDone?.catch(() => undefined);
    await closeClient?.().catch(() => undefined);
    await stopChild(worker);
    await stopChild(daemon); // stops its model servers
    await prometheus?.stop().catch(() => undefined);
    await stopChild(temporal);
    if (previousHome === undefined) delete process.env.MLCD_HOME;
    else process.env.MLCD_HOME = previousHome;
    // A failed run keeps its MLCD_HOME: the logs of the dev server, daemon and worker say why.
    if (completed) rmSync(home, { recursive: true, force: true });
    else log(`kept ${home} with the stack's logs`);
  }
}
