/**
 * `modelDeployment`: one long-lived entity per model (id `deployment/<model>`), the single writer
 * of that model's traffic. It runs canary rollouts one at a time, promotes or rolls back, and
 * answers rollbacks after promotion (from the monitor or a human). continueAsNew keeps its
 * history bounded.
 */
import {
  condition,
  continueAsNew,
  allHandlersFinished,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { MlcdActivities } from '../activities';
import type { Weights } from '../src/backends/traffic/types';
import { analyseCanary, canarySettings } from '../src/core/canary-analysis';
import type { AnalysisCheck, Decision, OperatorInput, RollbackRequest, RolloutRequest, RolloutResult } from '../src/core/release';
import { SEARCH_ATTRIBUTES } from '../src/core/search-attributes';
import type { CanaryStep } from '../src/core/spec/types';
import { quickActivity, servingActivity } from './activity-options';
import {
  abortSignal,
  deploymentStatusQuery,
  deploySignal,
  pauseSignal,
  promoteSignal,
  resumeSignal,
  rollbackSignal,
  rolloutFinishedSignal,
  rolloutProgressSignal,
  unwatchSignal,
  workflowIds,
} from './definitions';
import type { DeploymentState, DeploymentStatus, ServedVersion } from './deployment-state';

const quick = proxyActivities<MlcdActivities>(quickActivity);

/** Continue as new once the history passes this many events (Temporal warns at 10,240). */
const HISTORY_LIMIT = 4_000;

export interface DeploymentInput {
  model: string;
  /** Carried across continueAsNew. */
  state?: DeploymentState;
  /** History events before continueAsNew; default 4,000 (tests lower it). */
  historyLimit?: number;
}
const DECISIONS_KEPT = 50;

/** Failed canary checks of a rollout so far: in total and in a row. */
interface FailedChecks {
  total: number;
  consecutive: number;
}

/** Why a rollout stopped before promotion. */
class RolloutStopped extends Error {
  constructor(
    readonly outcome: 'rolled_back' | 'aborted',
    readonly reason: string,
    readonly by: string,
    readonly breachAt?: number,
  ) {
    super(reason);
  }
}

export async function modelDeployment(input: DeploymentInput): Promise<void> {
  const historyLimit = input.historyLimit ?? HISTORY_LIMIT;
  const state: DeploymentState = input.state ?? { model: input.model, weights: {}, queue: [], decisions: [] };
  let phase: DeploymentStatus['phase'] = 'idle';
  let active: { req: RolloutRequest; step: number; weight: number; checks: AnalysisCheck[] } | undefined;
  // Operator requests, consumed by the running rollout (or, for rollback, by the idle loop).
  let rollbackRequest: RollbackRequest | undefined;
  let abortRequest: OperatorInput | undefined;
  let paused = false;
  let promoteRequested = false;

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.model, value: state.model },
    { key: SEARCH_ATTRIBUTES.stage, value: 'idle' },
  ]);

  const decide = (kind: Decision['kind'], by: string, reason: string, evidence?: unknown): Decision => {
    const d: Decision = { at: new Date().toISOString(), kind, by, reason, evidence };
    state.decisions = [...state.decisions, d].slice(-DECISIONS_KEPT);
    return d;
  };
  const setPhase = (p: DeploymentStatus['phase']): void => {
    phase = p;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.stage, value: p }]);
  };

  setHandler(deploymentStatusQuery, (): DeploymentStatus => {
    const { queue, ...rest } = state;
    return {
      ...rest,
      phase,
      queued: queue.map((r) => r.releaseId),
      canary: active && {
        version: active.req.candidate.version,
        releaseId: active.req.releaseId,
        step: active.step,
        steps: active.req.canary.steps.length,
        weight: active.weight,
        checks: active.checks,
      },
    };
  });
  setHandler(deploySignal, (req) => {
    state.queue.push(req);
    decide('rollout_queued', req.releaseId, `v${req.candidate.version} queued (${state.queue.length} waiting)`);
  });
  setHandler(rollbackSignal, (req) => {
    const target = active ? active.req.candidate.version : state.stable?.version;
    if (req.version !== undefined && req.version !== target) {
      // A monitor alert about the stable baseline during a canary, or about a version already
      // replaced: rolling back the candidate (or the wrong version) would punish the wrong model.
      decide('analysis', req.by ?? 'operator', `rollback request for v${req.version} ignored: ${active ? `v${target} is in canary and is judged by the canary analysis` : `v${target ?? 'none'} serves now`} (${req.reason ?? 'no reason'})`, req.evidence);
      return;
    }
    rollbackRequest ??= req;
  });
  setHandler(abortSignal, (req) => {
    if (req.releaseId !== undefined && req.releaseId !== active?.req.releaseId) {
      // An abort of a rollout still waiting in the queue: drop it there and tell its pipeline.
      const i = state.queue.findIndex((r) => r.releaseId === req.releaseId);
      if (i < 0) return;
      const [dropped] = state.queue.splice(i, 1);
      const reason = req.reason ?? 'aborted by operator';
      decide('aborted', req.by ?? 'operator', `v${dropped!.candidate.version} removed from the queue: ${reason}`);
      void getExternalWorkflowHandle(dropped!.replyTo)
        .signal(rolloutFinishedSignal, { releaseId: dropped!.releaseId, outcome: 'aborted', reason })
        .catch(() => undefined);
      return;
    }
    if (active) abortRequest ??= req;
  });
  setHandler(pauseSignal, (req) => {
    if (active && !paused) {
      paused = true;
      decide('paused', req.by ?? 'operator', req.reason ?? 'paused');
    }
  });
  setHandler(resumeSignal, (req) => {
    if (paused) {
      paused = false;
      decide('resumed', req.by ?? 'operator', req.reason ?? 'resumed');
    }
  });
  setHandler(promoteSignal, () => {
    if (active) promoteRequested = true;
  });

  for (;;) {
    await condition(
      () => state.queue.length > 0 || rollbackRequest !== undefined || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit,
    );
    if (rollbackRequest) {
      const req = rollbackRequest;
      rollbackRequest = undefined;
      await rollbackPromoted(req);
      continue;
    }
    const next = state.queue.shift();
    if (next) {
      await runRollout(next);
      continue;
    }
    await condition(allHandlersFinished);
    await continueAsNew<typeof modelDeployment>({ model: state.model, state, historyLimit: input.historyLimit });
  }

  /** One canary rollout, from deploying the candidate to promotion or rollback. */
  async function runRollout(req: RolloutRequest): Promise<void> {
    state.backends = req.backends;
    rollbackRequest = undefined;
    abortRequest = undefined;
    paused = false;
    promoteRequested = false;
    active = { req, step: 0, weight: 0, checks: [] };
    const reply = getExternalWorkflowHandle(req.replyTo);
    const progress = async (d?: Decision, check?: AnalysisCheck): Promise<void> => {
      await reply.signal(rolloutProgressSignal, { weight: active?.weight ?? 0, phase, decision: d, check }).catch(() => undefined);
    };
    const finish = async (result: RolloutResult): Promise<void> => {
      await reply.signal(rolloutFinishedSignal, result).catch(() => undefined);
    };
    const candidate: ServedVersion = { ...req.candidate, serving: req.serving, releaseId: req.releaseId };
    const stable = state.stable;
    const serving = proxyActivities<MlcdActivities>(servingActivity(req.serving.startupTimeoutMs));
    let passedChecks = 0;
    /** Some check saw `minRequests` canary requests (and was still inconclusive, if none passed). */
    let sawEnoughRequests = false;

    try {
      setPhase('deploying');
      await progress();
      await serving.deployVersion({ model: req.model, version: candidate.version, artifactUri: candidate.artifactUri, serving: req.serving, backends: req.backends });
      if (stable) {
        // The stable server may be gone after a host restart: make sure it runs before sharing traffic.
        await serving.deployVersion({ model: req.model, version: stable.version, artifactUri: stable.artifactUri, serving: stable.serving, backends: req.backends });
      }
      setPhase('canary');
      if (req.canary.confirm === true) {
        promoteRequested = false;
        await progress(decide('paused', 'mlcd', `v${candidate.version} deployed at 0%: waiting for promote to start the rollout`));
        await condition(() => promoteRequested || abortRequest !== undefined || rollbackRequest !== undefined);
        throwIfStopped();
        promoteRequested = false;
        await progress(decide('resumed', 'operator', `rollout of v${candidate.version} confirmed`));
      }
      const failures = { total: 0, consecutive: 0 };
      for (const [i, step] of req.canary.steps.entries()) {
        active.step = i;
        await runStep(step, failures);
      }
      setPhase('promoting');
      await promote(candidate, stable, req);
      // "No data yet" never fails a check, so say so when no check ever saw enough traffic.
      const evidence =
        passedChecks > 0
          ? ''
          : sawEnoughRequests
            ? '; no analysis check passed (each was inconclusive: see its rules): promoted on offline evidence only'
            : `; no analysis check saw ${req.canary.analysis.minRequests} requests: promoted on offline evidence only`;
      const d = decide('promoted', 'mlcd', `v${candidate.version} promoted to 100%${stable ? `, v${stable.version} kept as previous` : ''}${evidence}`);
      await progress(d);
      await finish({ releaseId: req.releaseId, outcome: 'promoted', reason: d.reason });
    } catch (err) {
      if (!(err instanceof RolloutStopped)) {
        // An infrastructure failure in the middle of a rollout: never leave traffic half-shifted.
        const reason = err instanceof Error ? err.message : String(err);
        try {
          await restoreStable(candidate, stable, req, `rollout failed: ${reason}`, 'mlcd');
        } catch (restoreErr) {
          // The entity must outlive a broken backend: record it; an operator rollback can retry.
          decide('rollback', 'mlcd', `could not restore stable after a failed rollout: ${restoreErr instanceof Error ? restoreErr.message : String(restoreErr)}`);
        }
        await finish({ releaseId: req.releaseId, outcome: 'failed', reason });
      } else {
        const { decision, restoredAt } = await restoreStable(candidate, stable, req, err.reason, err.by, err.breachAt);
        await progress(decision);
        await finish({ releaseId: req.releaseId, outcome: err.outcome, reason: err.reason, breachAt: err.breachAt, restoredAt });
      }
    } finally {
      active = undefined;
      setPhase('idle');
    }

    /** Runs one canary step, counting failed checks in `failures`. */
    async function runStep(step: CanaryStep, failures: FailedChecks): Promise<void> {
      switch (step.kind) {
        case 'setWeight': {
          // A first release has no stable version to share with: it takes all traffic at the
          // first weight step, and later weight steps have nothing to shift.
          if (!stable && active!.weight === 100) return;
          const w = stable ? step.weight : 100;
          const weights: Weights = stable ? { [stable.version]: 100 - w, [candidate.version]: w } : { [candidate.version]: 100 };
          state.weights = await quick.setTrafficWeights({ model: req.model, weights, backends: req.backends });
          active!.weight = w;
          upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.canaryPercent, value: w }]);
          await progress(decide('weight_set', 'mlcd', `v${candidate.version} at ${w}%`, state.weights));
          return;
        }
        case 'bake':
          return analyse(step.durationMs, failures);
        case 'pause':
          promoteRequested = false;
          await progress(decide('paused', 'mlcd', `waiting for promote at ${active!.weight}%`));
          return analyse(undefined, failures);
      }
    }

    /**
     * Holds the current weight for `durationMs` (or until `promote` when undefined), checking the
     * canary every analysis interval. Operator signals interrupt the wait at once.
     */
    async function analyse(durationMs: number | undefined, failures: FailedChecks): Promise<void> {
      const { analysis } = req.canary;
      const consecutiveLimit = analysis.consecutiveFailureLimit ?? analysis.failureLimit;
      let waited = 0;
      for (;;) {
        const interval = durationMs === undefined ? analysis.intervalMs : Math.min(analysis.intervalMs, durationMs - waited);
        if (interval <= 0) return;
        const started = Date.now();
        await condition(() => abortRequest !== undefined || rollbackRequest !== undefined || (durationMs === undefined && promoteRequested), interval);
        throwIfStopped();
        if (paused) {
          await condition(() => !paused || abortRequest !== undefined || rollbackRequest !== undefined);
          throwIfStopped();
          continue; // the pause does not count as bake time
        }
        if (durationMs === undefined && promoteRequested) return;
        waited += Date.now() - started;
        const check = await checkCanary();
        if (check.verdict.verdict === 'pass') {
          passedChecks += 1;
          failures.consecutive = 0;
        }
        // An inconclusive check neither counts as a failure nor breaks a run of them.
        if (check.verdict.verdict === 'fail') {
          failures.total += 1;
          failures.consecutive += 1;
          const limit =
            failures.total >= analysis.failureLimit
              ? `${failures.total} failed check(s), limit ${analysis.failureLimit}`
              : failures.consecutive >= consecutiveLimit
                ? `${failures.consecutive} failed checks in a row, limit ${consecutiveLimit}`
                : undefined;
          if (limit !== undefined) {
            throw new RolloutStopped('rolled_back', `canary v${candidate.version} at ${active!.weight}%: ${check.verdict.reason} [${limit}]`, 'canary-analysis', Date.parse(check.at));
          }
        }
      }
    }

    async function checkCanary(): Promise<AnalysisCheck> {
      const { analysis } = req.canary;
      const [canaryStats, stableStats] = await Promise.all([
        quick.readVersionStats({ model: req.model, version: candidate.version, windowMs: analysis.windowMs, backends: req.backends }),
        stable ? quick.readVersionStats({ model: req.model, version: stable.version, windowMs: analysis.windowMs, backends: req.backends }) : Promise.resolve(undefined),
      ]);
      const judged = analyseCanary(canaryStats, stableStats, canarySettings(analysis));
      if (canaryStats.requests >= analysis.minRequests) sawEnoughRequests = true;
      const check: AnalysisCheck = {
        at: new Date().toISOString(),
        weight: active!.weight,
        canary: canaryStats,
        stable: stableStats,
        verdict: { verdict: judged.verdict, checks: [], reason: judged.reason },
        rules: judged.results,
      };
      active!.checks = [...active!.checks, check].slice(-20);
      await progress(undefined, check);
      return check;
    }

    function throwIfStopped(): void {
      if (abortRequest) {
        const a = abortRequest;
        throw new RolloutStopped('aborted', a.reason ?? 'aborted by operator', a.by ?? 'operator');
      }
      if (rollbackRequest) {
        const r = rollbackRequest;
        rollbackRequest = undefined;
        throw new RolloutStopped('rolled_back', r.reason ?? 'rollback requested', r.by ?? 'operator', r.breachAt);
      }
    }
  }

  /** Candidate takes all traffic; registry aliases follow; the monitor starts guarding it. */
  async function promote(candidate: ServedVersion, stable: ServedVersion | undefined, req: RolloutRequest): Promise<void> {
    state.weights = await quick.setTrafficWeights({
      model: req.model,
      weights: stable ? { [candidate.version]: 100, [stable.version]: 0 } : { [candidate.version]: 100 },
      backends: req.backends,
    });
    await quick.updateRegistry({
      model: req.model,
      backends: req.backends,
      aliases: { production: candidate.version, previous: stable?.version ?? null, candidate: null },
      statuses: { [candidate.version]: { status: 'production', promotedBy: req.releaseId } },
    });
    // Keep one known-good version warm for instant rollback; stop the one before it.
    const retired = state.previous;
    state.previous = stable;
    state.stable = candidate;
    if (retired && retired.version !== candidate.version && retired.version !== stable?.version) {
      await quick.undeployVersion({ model: req.model, version: retired.version, backends: req.backends });
    }
    if (req.monitor.enabled) {
      await quick.watchVersion({
        model: req.model,
        version: candidate.version,
        releaseId: req.releaseId,
        monitor: req.monitor,
        backends: req.backends,
        ...(req.liveDrift !== undefined ? { liveDrift: req.liveDrift } : {}),
      });
    }
    await quick.notify({ backends: req.backends, notification: { kind: 'promoted', model: req.model, releaseId: req.releaseId, text: `${req.model} v${candidate.version} promoted to production` } });
  }

  /**
   * Returns all traffic to stable (or none, for a first release), rejects the candidate, records
   * why. `restoredAt` is when the traffic step completed, before the clean-up that follows it.
   */
  async function restoreStable(
    candidate: ServedVersion,
    stable: ServedVersion | undefined,
    req: RolloutRequest,
    reason: string,
    by: string,
    breachAt?: number,
  ): Promise<{ decision: Decision; restoredAt: number }> {
    setPhase('rolling_back');
    if (stable) {
      state.weights = await quick.setTrafficWeights({ model: req.model, weights: { [stable.version]: 100, [candidate.version]: 0 }, backends: req.backends });
    } else {
      state.weights = await quick.setTrafficWeights({ model: req.model, weights: {}, backends: req.backends });
    }
    // Traffic is restored now; stopping the candidate's server and the registry update follow.
    const restoredAt = Date.now();
    await quick.undeployVersion({ model: req.model, version: candidate.version, backends: req.backends });
    await quick.updateRegistry({
      model: req.model,
      backends: req.backends,
      aliases: { candidate: null },
      statuses: { [candidate.version]: { status: 'rejected', rejectedBecause: reason } },
    });
    const took = breachAt !== undefined ? `; traffic restored ${restoredAt - breachAt} ms after the breach` : '';
    const d = decide('rollback', by, `v${candidate.version}: ${reason}${stable ? `; v${stable.version} serves 100%` : '; no stable version: the model has no traffic'}${took}`, {
      breachAt,
      restoredAt,
      weights: state.weights,
    });
    await quick.notify({ backends: req.backends, notification: { kind: 'rolled_back', model: req.model, releaseId: req.releaseId, text: d.reason } });
    return { decision: d, restoredAt };
  }

  /** A rollback after promotion: the previous known-good version takes all traffic again. */
  async function rollbackPromoted(req: RollbackRequest): Promise<void> {
    const bad = state.stable;
    const good = state.previous;
    const backends = state.backends;
    if (req.version !== undefined && req.version !== bad?.version) {
      decide('analysis', req.by ?? 'operator', `rollback request for v${req.version} ignored: v${bad?.version ?? 'none'} serves now`);
      return;
    }
    if (!bad || !good || !backends) {
      decide('rollback', req.by ?? 'operator', `rollback requested (${req.reason ?? 'no reason'}) but there is no previous version to return to`);
      return;
    }
    setPhase('rolling_back');
    const serving = proxyActivities<MlcdActivities>(servingActivity(good.serving.startupTimeoutMs));
    await serving.deployVersion({ model: state.model, version: good.version, artifactUri: good.artifactUri, serving: good.serving, backends });
    state.weights = await quick.setTrafficWeights({ model: state.model, weights: { [good.version]: 100, [bad.version]: 0 }, backends });
    const restoredAt = Date.now();
    state.stable = good;
    state.previous = undefined;
    await quick.updateRegistry({
      model: state.model,
      backends,
      aliases: { production: good.version, previous: null },
      statuses: { [bad.version]: { status: 'rolled_back', rolledBackBecause: req.reason ?? 'rollback requested' } },
    });
    await getExternalWorkflowHandle(workflowIds.monitor(state.model))
      .signal(unwatchSignal, { version: bad.version, reason: 'rolled back' })
      .catch(() => undefined);
    await quick.undeployVersion({ model: state.model, version: bad.version, backends });
    const took = req.breachAt !== undefined ? `; traffic restored ${restoredAt - req.breachAt} ms after the breach` : '';
    const d = decide('rollback', req.by ?? 'operator', `v${bad.version} rolled back: ${req.reason ?? 'rollback requested'}; v${good.version} serves 100%${took}`, {
      breachAt: req.breachAt,
      restoredAt,
      weights: state.weights,
      evidence: req.evidence,
    });
    await quick.notify({ backends, notification: { kind: 'rolled_back', model: state.model, releaseId: bad.releaseId, text: d.reason, details: { evidence: req.evidence } } });
    setPhase('idle');
  }
}
