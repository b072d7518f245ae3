/**
 * `mlcd demo`: the example churn model end to end on the local stack, one scenario per story:
 * a happy release, bad data, a bad model, a slow canary rolled back, a degradation after
 * promotion rolled back by the monitor. Live traffic comes from the bounded load generator.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { DEFAULT_SERVING_URL, projectRoot, pythonPath, statePaths } from '../config';
import { EXIT_CODES, type Decision } from '../core/release';
import { ensureDevStack } from '../dev-stack';
import { connectClient, resolveTemporalTarget, workflowUrl } from '../temporal/connection';
import { queryReleaseStatus, startRelease, waitForRelease } from '../release-client';
import { LocalMetricsSource } from '../backends/metrics/local';
import { LocalTrafficRouter } from '../backends/traffic/local';
import { LocalModelRegistry } from '../backends/registry/local';
import { breachTiming } from '../serving/breach-timing';
import { runLoad, type LoadResponse } from '../serving/load-generator';
import { loadReleaseSpecFile } from '../spec-file';
import { deploymentStatusQuery, monitorStatusQuery, workflowIds } from '../../workflows/definitions';

const run = promisify(execFile);

export const DEMO_SCENARIOS = ['happy', 'bad-data', 'bad-model', 'slow-canary', 'degrade', 'drift'] as const;
export type DemoScenario = (typeof DEMO_SCENARIOS)[number];

interface ScenarioPlan {
  params: Record<string, string>;
  /** The exit code of the release that means the story went as told. */
  expectedExit: number;
  story: string;
}

const PLANS: Record<DemoScenario, ScenarioPlan> = {
  happy: { params: {}, expectedExit: EXIT_CODES.promoted, story: 'a good model is validated, trained, gated, canaried and promoted' },
  'bad-data': { params: { data_dir: 'data/corrupt' }, expectedExit: EXIT_CODES.dataValidation, story: 'corrupted training data stops the release at validation' },
  'bad-model': { params: { train_fault: 'bad-model' }, expectedExit: EXIT_CODES.gate, story: 'a model trained on shuffled labels fails the performance gates' },
  'slow-canary': { params: { serve_fault: 'slow' }, expectedExit: EXIT_CODES.rolledBack, story: 'a candidate that serves slowly is rolled back during the canary' },
  degrade: { params: { serve_fault: 'degrade' }, expectedExit: EXIT_CODES.promoted, story: 'a model that degrades after promotion is rolled back by the monitor' },
  drift: { params: {}, expectedExit: EXIT_CODES.promoted, story: 'served traffic drifts away from the training data after a promotion; the monitor starts a retraining release on its own' },
};

const exampleDir = (): string => join(projectRoot(), 'examples', 'churn');

/** Generates the example datasets once (clean and corrupt). */
async function ensureData(log: (s: string) => void): Promise<void> {
  for (const [dir, fault] of [
    ['clean', 'none'],
    ['corrupt', 'corrupt'],
  ] as const) {
    if (existsSync(join(exampleDir(), 'data', dir, 'train.arrow'))) continue;
    log(`generating example data: data/${dir}`);
    await run(pythonPath(), ['generate_data.py', '--out', join('data', dir), '--seed', '1', '--fault', fault], { cwd: exampleDir() });
  }
}

/**
 * The eval rows as customers who stay three times longer, pay 60 more a month, call support four
 * more times and are all on the premium plan: drifted traffic (4 of the 6 features, past the
 * spec's `maxDriftedShare` of 50 %).
 */
function driftedRows(): Array<Record<string, unknown>> {
  return evalRows().map((r) => ({
    ...r,
    tenure_months: Math.min(120, 3 * Number(r.tenure_months)),
    monthly_charges: Math.min(500, Number(r.monthly_charges) + 60),
    support_calls: Math.min(50, Number(r.support_calls) + 4),
    plan: 'premium',
  }));
}

/** The eval rows with their `churned` label, which the load generator sends as delayed feedback, not as a feature. */
function evalRows(): Array<Record<string, unknown>> {
  return parse(readFileSync(join(exampleDir(), 'data', 'clean', 'eval.csv')), { columns: true, cast: true });
}

/** Prints stage changes and new decisions of a release while it runs. */
async function follow(client: Client, releaseId: string, log: (s: string) => void, until: Promise<unknown>): Promise<void> {
  let stage = '';
  let seen = 0;
  let done = false;
  void until.finally(() => (done = true));
  const poll = async (): Promise<void> => {
    const s = await queryReleaseStatus(client, releaseId).catch(() => undefined);
    if (!s) return;
    if (s.stage !== stage) log(`  stage: ${(stage = s.stage)}`);
    for (const d of s.decisions.slice(seen)) log(`    ${d.kind} (${d.by}): ${d.reason}`);
    seen = s.decisions.length;
  };
  while (!done) {
    await poll();
    await Promise.race([until, new Promise((r) => setTimeout(r, 500))]).catch(() => undefined);
  }
  await poll(); // the decisions of the last moments
}

async function latestRollback(client: Client, model: string, after: number): Promise<Decision | undefined> {
  const dep = await client.workflow.getHandle(workflowIds.deployment(model)).query(deploymentStatusQuery);
  return [...dep.decisions].reverse().find((d) => d.kind === 'rollback' && Date.parse(d.at) >= after);
}

/** Runs one scenario; returns 0 when it went as the story says. */
export async function runDemo(scenario: DemoScenario, log: (s: string) => void = console.log): Promise<number> {
  const target = resolveTemporalTarget();
  // The client connects lazily, so connecting succeeds before any server is up; the stack comes first.
  const { client, connection } = await connectClient(target).catch(async () => {
    const started = await ensureDevStack(target, async () => (await connectClient(target)).client);
    if (started.length) log(`started ${started.join(', ')} (logs in ${statePaths.run()})`);
    return connectClient(target);
  });
  const load = new AbortController();
  try {
    const started = await ensureDevStack(target, () => Promise.resolve(client));
    if (started.length) log(`started ${started.join(', ')} (logs in ${statePaths.run()})`);
    await ensureData(log);
    const specPath = join(exampleDir(), 'mlcd.yaml');
    const registry = new LocalModelRegistry({ root: statePaths.registry() });
    const traffic = new LocalTrafficRouter({ url: DEFAULT_SERVING_URL });

    // Every answer the load generator sees, to time rollbacks from the first breaching answer
    // (40 requests/s for at most 15 minutes: at most 36 000 entries).
    const answers: LoadResponse[] = [];
    const startLoad = (rows: Array<Record<string, unknown>>, signal: AbortSignal) =>
      runLoad({
        url: DEFAULT_SERVING_URL,
        model: 'churn',
        rows,
        ratePerSecond: 40,
        durationMs: 15 * 60_000,
        maxRequests: 40 * 15 * 60,
        signal,
        concurrency: 8,
        onResponse: (a) => answers.push(a),
        // Each answer's true label follows a second later: live accuracy per version.
        feedback: { labelColumn: 'churned', delayMs: 1_000 },
      });
    const loadDone = startLoad(evalRows(), load.signal);

    if (scenario !== 'happy' && !(await registry.resolveAlias('churn', 'production'))) {
      log('no production model yet: releasing a good one first');
      const code = await release('happy');
      if (code !== EXIT_CODES.promoted) return code;
    }
    const code = await release(scenario);
    load.abort();
    const sent = await loadDone;
    log(`load generator: ${sent.sent} requests, ${sent.errors} errors (failed answers of a bad version, or 404s before any version serves), by version ${JSON.stringify(sent.byVersion)}, ${sent.feedback?.ok ?? 0} feedback labels delivered`);
    const weights = await traffic.getWeights('churn');
    const serving = Object.entries(weights).find(([, w]) => w === 100)?.[0];
    const production = await registry.resolveAlias('churn', 'production');
    log(`now serving: v${serving ?? '?'} at 100% (registry production: v${production?.version ?? 'none'})`);
    if (serving !== undefined) {
      const live = await new LocalMetricsSource({ url: DEFAULT_SERVING_URL }).versionStats('churn', serving, 60_000).catch(() => undefined);
      if (live?.labeled) log(`live accuracy of v${serving} over the last minute: ${((live.correct ?? 0) / live.labeled).toFixed(3)} on ${live.labeled} feedback labels`);
    }
    log(`the dev stack keeps running for the Web UI (${target.uiUrl ?? 'your Temporal UI'}); stop it with \`npx mlcd dev stop\``);
    return code;

    async function release(s: DemoScenario): Promise<number> {
      const plan = PLANS[s];
      log(`\n== scenario ${s}: ${plan.story}`);
      const t0 = Date.now();
      const r = await startRelease(client, specPath, { params: plan.params, trigger: `demo:${s}` });
      log(`release ${r.releaseId}`);
      const url = workflowUrl(target, r.releaseId);
      if (url) log(`  web UI: ${url}`);
      const outcomeP = waitForRelease(client, r.releaseId);
      await follow(client, r.releaseId, log, outcomeP);
      const outcome = await outcomeP;
      log(outcome.exitCode === 0 ? `PROMOTED: ${outcome.message}` : `NOT PROMOTED (${outcome.outcome}, exit ${outcome.exitCode}): ${outcome.message}`);
      const spec = await loadReleaseSpecFile(specPath, plan.params);
      const candidate = (await queryReleaseStatus(client, r.releaseId).catch(() => undefined))?.candidate?.version;
      if (s === 'slow-canary') {
        const d = await latestRollback(client, 'churn', t0);
        if (d) {
          log(`rollback: ${d.reason}`);
          logBreachTiming(d, candidate, t0, spec.canary.analysis.maxLatencyP99Ms);
        }
      }
      if (s === 'drift' && outcome.exitCode === 0) return (await driftAndRetrain(outcome.status?.candidate?.version)) ? 0 : EXIT_CODES.infrastructure;
      if (s === 'degrade' && outcome.exitCode === 0) {
        log('waiting for the monitor to catch the degradation (up to 3 min)...');
        const deadline = Date.now() + 180_000;
        let d: Decision | undefined;
        while (!(d = await latestRollback(client, 'churn', t0)) && Date.now() < deadline) await new Promise((x) => setTimeout(x, 1000));
        if (!d) {
          log('the monitor did not roll back within 3 minutes');
          return EXIT_CODES.infrastructure;
        }
        log(`rollback by ${d.by}: ${d.reason}`);
        const promotedAt = outcome.status?.decisions.find((x) => x.kind === 'promoted')?.at;
        logBreachTiming(d, candidate, promotedAt !== undefined ? Date.parse(promotedAt) : t0, spec.monitor.maxLatencyP99Ms);
      }
      return outcome.exitCode === plan.expectedExit ? 0 : outcome.exitCode || EXIT_CODES.infrastructure;
    }

    /**
     * Switches the served traffic to drifted rows, waits for the monitor to see the drift and start
     * a retraining release, and follows that release to its end. True when it was promoted.
     */
    async function driftAndRetrain(version: string | undefined): Promise<boolean> {
      log('\nshifting the served traffic: tenure ×3, monthly charges +60, support calls +4, every customer on premium');
      load.abort(); // the clean traffic stops; the drifted traffic takes its place
      const drifted = new AbortController();
      const driftLoad = startLoad(driftedRows(), drifted.signal);
      try {
        log(`waiting for the monitor to judge the rows v${version ?? '?'} serves and start a retraining (up to 3 min)...`);
        const monitor = client.workflow.getHandle(workflowIds.monitor('churn'));
        const deadline = Date.now() + 180_000;
        let retraining: { workflowId: string } | undefined;
        const since = Date.now();
        while (Date.now() < deadline) {
          const m = await monitor.query(monitorStatusQuery).catch(() => undefined);
          const startedAt = m?.retraining?.startedAt;
          if (m?.retraining && startedAt !== undefined && Date.parse(startedAt) >= since) {
            for (const d of m.decisions.filter((x) => (x.kind === 'drift' || x.kind === 'retraining') && Date.parse(x.at) >= since)) log(`    ${d.kind} (${d.by}): ${d.reason}`);
            retraining = m.retraining;
            break;
          }
          await new Promise((x) => setTimeout(x, 1000));
        }
        if (!retraining) {
          log('the monitor started no retraining within 3 minutes');
          return false;
        }
        log(`\n== retraining release ${retraining.workflowId}, started by the monitor`);
        const done = waitForRelease(client, retraining.workflowId);
        await follow(client, retraining.workflowId, log, done);
        const result = await done;
        log(result.exitCode === 0 ? `PROMOTED: ${result.message}` : `NOT PROMOTED (${result.outcome}, exit ${result.exitCode}): ${result.message}`);
        return result.exitCode === 0;
      } finally {
        drifted.abort();
        await driftLoad;
      }
    }

    /** Prints the time from the first answer of `version` that breached the limit to all traffic back on stable. */
    function logBreachTiming(d: Decision, version: string | undefined, after: number, maxLatencyMs: number): void {
      const restoredAt = (d.evidence as { restoredAt?: unknown } | undefined)?.restoredAt;
      if (version === undefined || typeof restoredAt !== 'number') return;
      const t = breachTiming(answers, { version, after, maxLatencyMs, restoredAt });
      const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);
      if (!t) {
        log(`breach to rollback: no answer of v${version} seen by the load generator breached ${maxLatencyMs} ms or failed`);
        return;
      }
      log(
        `breach to rollback: ${(t.breachToRollbackMs / 1000).toFixed(2)} s (first answer of v${version} over ${maxLatencyMs} ms or failed at ${clock(t.firstBreachAt)}, ` +
          `all traffic back on stable at ${clock(t.restoredAt)}; ${t.answersAfterRestore} answer(s) of v${version} routed before that arrived after it)`,
      );
    }
  } finally {
    load.abort();
    await connection.close();
  }
}
