/**
 * `modelMonitor`: a long-running sensor per model (id `monitor/<model>`). After a promotion it
 * guards the new version for the spec's duration: every interval it reads the live metrics and,
 * on a breach, signals `rollback` to the deployment entity, the single writer of traffic.
 * continueAsNew keeps its history bounded.
 */
import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { MlcdActivities } from '../activities';
import { analyseCanary, monitorSettings } from '../src/core/canary-analysis';
import type { AnalysisCheck, Decision, WatchRequest } from '../src/core/release';
import { SEARCH_ATTRIBUTES } from '../src/core/search-attributes';
import { driftActivity, quickActivity } from './activity-options';
import { monitorStatusQuery, rollbackSignal, unwatchSignal, watchSignal, workflowIds } from './definitions';
import type { MonitorState, MonitorStatus } from './monitor-state';

const quick = proxyActivities<MlcdActivities>(quickActivity);
const slow = proxyActivities<MlcdActivities>(driftActivity);
const HISTORY_LIMIT = 4_000;
const KEPT = 30;

export async function modelMonitor(input: { model: string; state?: MonitorState; /** default 4,000 */ historyLimit?: number }): Promise<void> {
  const historyLimit = input.historyLimit ?? HISTORY_LIMIT;
  const state: MonitorState = input.state ?? { model: input.model, consecutiveFailures: 0, checks: [], decisions: [] };
  let pendingWatch: WatchRequest | undefined;

  const decide = (kind: Decision['kind'], by: string, reason: string, evidence?: unknown): void => {
    state.decisions = [...state.decisions, { at: new Date().toISOString(), kind, by, reason, evidence }].slice(-KEPT);
  };
  const setStage = (stage: string): void => upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.stage, value: stage }]);

  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.model, value: state.model }]);
  setStage(state.watch ? 'monitoring' : 'idle');
  setHandler(monitorStatusQuery, (): MonitorStatus => ({ ...state, watching: state.watch !== undefined }));
  setHandler(watchSignal, (req) => {
    pendingWatch = req;
  });
  setHandler(unwatchSignal, ({ version, reason }) => {
    if (state.watch?.version === version) {
      decide('analysis', 'monitor', `stopped watching v${version}: ${reason}`);
      state.watch = undefined;
    }
  });

  function applyWatch(): void {
    const req = pendingWatch!;
    pendingWatch = undefined;
    state.watch = req;
    state.until = Date.now() + req.monitor.durationMs;
    state.consecutiveFailures = 0;
    state.lastDriftCheckAt = Date.now();
    decide('analysis', 'monitor', `watching v${req.version} for ${req.monitor.durationMs} ms after promotion`);
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.candidateVersion, value: req.version }]);
    setStage('monitoring');
  }

  const shouldContinueAsNew = (): boolean => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;

  while (!shouldContinueAsNew()) {
    if (pendingWatch) applyWatch();
    const watch = state.watch;
    if (!watch) {
      setStage('idle');
      await condition(() => pendingWatch !== undefined || shouldContinueAsNew());
      continue;
    }
    // Sleep one interval; a new watch or an unwatch wakes the loop early.
    await condition(() => pendingWatch !== undefined || state.watch !== watch, watch.monitor.intervalMs);
    if (pendingWatch || state.watch !== watch) continue;
    if (Date.now() >= (state.until ?? 0)) {
      decide('analysis', 'monitor', `post-promotion guard of v${watch.version} ended after ${watch.monitor.durationMs} ms with no breach`);
      state.watch = undefined;
      continue;
    }
    const stats = await quick.readVersionStats({ model: state.model, version: watch.version, windowMs: watch.monitor.windowMs, backends: watch.backends });
    if (state.watch !== watch) continue; // unwatched while reading
    const judged = analyseCanary(stats, undefined, monitorSettings(watch.monitor));
    const verdict = { verdict: judged.verdict, checks: [], reason: judged.reason };
    const check: AnalysisCheck = { at: new Date().toISOString(), weight: 100, canary: stats, verdict, rules: judged.results };
    state.checks = [...state.checks, check].slice(-KEPT);
    if (verdict.verdict === 'fail') {
      state.consecutiveFailures += 1;
      if (state.consecutiveFailures >= watch.monitor.failureLimit) {
        const breachAt = Date.parse(check.at);
        decide('rollback', 'monitor', `v${watch.version}: ${verdict.reason}`, check);
        await getExternalWorkflowHandle(workflowIds.deployment(state.model)).signal(rollbackSignal, {
          by: 'monitor',
          version: watch.version,
          reason: `live metrics of v${watch.version} breached after promotion: ${verdict.reason}`,
          breachAt,
          evidence: check,
        });
        // Keep watching: the deployment answers with `unwatch` once it has rolled back; if it
        // declined (a canary is running), another run of failures asks again.
        state.consecutiveFailures = 0;
      }
    } else if (verdict.verdict === 'pass') {
      state.consecutiveFailures = 0;
    }
    await checkDrift(watch);
  }
  await condition(allHandlersFinished);
  if (pendingWatch) applyWatch();
  await continueAsNew<typeof modelMonitor>({ model: state.model, state, historyLimit: input.historyLimit });

  /**
   * Live input drift, when the spec has a reference and its interval has passed: the newest
   * served rows against the training reference; on drift, a retraining release, one at a time.
   */
  async function checkDrift(watch: WatchRequest): Promise<void> {
    const spec = watch.monitor.drift;
    const target = watch.liveDrift;
    if (spec === undefined || !spec.enabled || target === undefined) return;
    if (Date.now() - (state.lastDriftCheckAt ?? 0) < spec.intervalMs) return;
    state.lastDriftCheckAt = Date.now();
    const found = await slow.checkLiveDrift({
      model: state.model,
      version: watch.version,
      backends: watch.backends,
      target,
      sampleRows: spec.sampleRows,
      minRows: spec.minRows,
    });
    if (state.watch !== watch) return; // unwatched while judging
    state.lastDrift = { ...found, at: new Date().toISOString(), version: watch.version };
    if (!found.drifted) return;
    decide('drift', 'monitor', `live input drift of v${watch.version}: ${found.summary}`, found);
    if (!spec.retrain) return;
    const previous = state.retraining;
    if (previous !== undefined) {
      const since = Date.now() - Date.parse(previous.startedAt);
      if (await quick.isWorkflowRunning({ workflowId: previous.workflowId })) {
        decide('retraining', 'monitor', `no new retraining: ${previous.workflowId} (started ${previous.startedAt}) is still running`);
        return;
      }
      if (since < (spec.retrainCooldownMs ?? 0)) {
        decide('retraining', 'monitor', `no new retraining: ${previous.workflowId} started ${Math.round(since / 60_000)} min ago, within the ${Math.round(spec.retrainCooldownMs / 60_000)} min cool-down`);
        return;
      }
    }
    // Derived from the model and the workflow clock: deterministic, and a retried activity
    // attempt finds its own start instead of starting a second release.
    const workflowId = `retrain/${state.model}/drift-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
    const started = await quick.startRetraining({ model: state.model, workflowId, input: target.retrain });
    state.retraining = { workflowId, startedAt: new Date().toISOString() };
    decide(
      'retraining',
      'monitor',
      started.started
        ? `started retraining release ${workflowId} after live input drift of v${watch.version} (${found.driftedColumns.join(', ')})`
        : `retraining release ${workflowId} was already started`,
    );
  }
}
