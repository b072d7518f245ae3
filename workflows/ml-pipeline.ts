/**
 * `mlPipeline`: one release attempt. validate → train → evaluate → gate → (approve) → hand the
 * candidate to the model's deployment entity → wait for the rollout outcome.
 * Orchestration only: decisions come from src/core, work from activities.
 */
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { MlcdActivities, DataCheckResult } from '../activities';
import { evaluateGates, formatGateReport, pointEvidence } from '../src/core/gates';
import type { GateReport } from '../src/core/gates';
import { RELEASE_FAILURES } from '../src/core/release';
import type {
  Decision,
  EvaluationSummary,
  PipelineInput,
  PipelineResult,
  PipelineStatus,
  ReleaseStage,
  RolloutResult,
} from '../src/core/release';
import { SEARCH_ATTRIBUTES } from '../src/core/search-attributes';
import type { ReleaseSpec } from '../src/core/spec/types';
import { jobActivity, preflightActivity, quickActivity } from './activity-options';
import {
  abortSignal,
  approveSignal,
  approveUpdate,
  pauseSignal,
  pipelineStatusQuery,
  promoteSignal,
  resumeSignal,
  rollbackSignal,
  rolloutFinishedSignal,
  rolloutProgressSignal,
  workflowIds,
} from './definitions';
import { ApplicationFailure, failureOf, isCancellation } from './failures';

const quick = proxyActivities<MlcdActivities>(quickActivity);

/** The pipeline's own failures: a stage ended the release; carries the type the CLI maps to an exit code. */
function releaseFailure(type: string, message: string, status: PipelineStatus): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [status] });
}

export async function mlPipeline(input: PipelineInput): Promise<PipelineResult> {
  const releaseId = workflowInfo().workflowId;
  const status: PipelineStatus = {
    releaseId,
    stage: 'compiling',
    startedAt: new Date().toISOString(),
    decisions: [],
    artifacts: {},
  };
  let approval: Decision | undefined;
  let abortRequest: Decision | undefined;
  let rollout: RolloutResult | undefined;
  let spec: ReleaseSpec | undefined;
  const main = new CancellationScope();
  // The stage a failure happened in (status.stage becomes 'failed' afterwards).
  let lastWorkStage: ReleaseStage = 'compiling';

  const decide = (kind: Decision['kind'], by: string, reason: string, evidence?: unknown): Decision => {
    const d: Decision = { at: new Date().toISOString(), kind, by, reason, evidence };
    status.decisions.push(d);
    return d;
  };
  const setStage = (stage: ReleaseStage): void => {
    status.stage = stage;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.stage, value: stage }]);
  };
  const deployment = () => getExternalWorkflowHandle(workflowIds.deployment(spec?.model ?? ''));

  setHandler(pipelineStatusQuery, () => status);
  const approve = (by: string, reason: string | undefined): void => {
    approval = decide('approved', by, reason ?? 'approved');
    if (status.approval) Object.assign(status.approval, { pending: false, by, reason });
  };
  setHandler(approveSignal, ({ by, reason }) => {
    if (status.approval?.pending) approve(by, reason);
  });
  setHandler(
    approveUpdate,
    ({ by, reason }) => {
      approve(by, reason);
      return status;
    },
    {
      validator: ({ by }) => {
        if (!status.approval?.pending) throw new Error(`release ${releaseId} is not waiting for approval (stage: ${status.stage})`);
        if (!by) throw new Error('an approval needs `by`: who approves');
      },
    },
  );
  // Set once the deployment has the rollout request: from then on it owns traffic, and an abort
  // is forwarded to it (an abort that arrives while the request is in flight is forwarded after).
  let rolloutRequested = false;
  const forwardAbort = (): void => {
    if (abortRequest) void deployment().signal(abortSignal, { by: abortRequest.by, reason: abortRequest.reason, releaseId });
  };
  setHandler(abortSignal, ({ by, reason }) => {
    if (abortRequest) return;
    abortRequest = decide('aborted', by ?? 'unknown', reason ?? 'aborted by operator');
    if (rolloutRequested) forwardAbort();
    else if (status.stage !== 'canary') main.cancel();
  });
  setHandler(rollbackSignal, (req) => {
    if (status.stage === 'canary') void deployment().signal(rollbackSignal, req);
  });
  for (const sig of [pauseSignal, resumeSignal, promoteSignal]) {
    setHandler(sig, (req) => {
      if (status.stage === 'canary') void deployment().signal(sig, req);
    });
  }
  setHandler(rolloutProgressSignal, (p) => {
    status.canary ??= { weight: 0, phase: p.phase, checks: [] };
    status.canary.weight = p.weight;
    status.canary.phase = p.phase;
    if (p.check) status.canary.checks = [...status.canary.checks, p.check].slice(-20);
    if (p.decision) status.decisions.push(p.decision);
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.canaryPercent, value: p.weight }]);
  });
  setHandler(rolloutFinishedSignal, (r) => {
    if (r.releaseId === releaseId) rollout = r;
  });

  try {
    const result = await main.run(() => release());
    return result;
  } catch (err) {
    const failure = failureOf(err);
    if (abortRequest && (isCancellation(err) || !failure)) {
      setStage('aborted');
      status.failure = { type: RELEASE_FAILURES.aborted, message: abortRequest.reason };
      throw releaseFailure(RELEASE_FAILURES.aborted, `release aborted by ${abortRequest.by}: ${abortRequest.reason}`, status);
    }
    if (err instanceof ApplicationFailure && status.failure) throw err; // already a release failure
    const type = failure?.type ?? 'InfrastructureError';
    const message = failure?.message ?? (err instanceof Error ? err.message : String(err));
    status.failure = { type, message };
    setStage('failed');
    if (spec) {
      await CancellationScope.nonCancellable(() =>
        quick.notify({ backends: spec!.backends, notification: { kind: 'release_failed', model: spec!.model, releaseId, text: `release ${releaseId} failed in ${lastWorkStage}: ${firstLine(message)}` } }),
      );
    }
    throw releaseFailure(type, `release failed at ${lastWorkStage}: ${message}`, status);
  }

  async function release(): Promise<PipelineResult> {
    spec = await quick.compileSpec(input);
    const s = spec;
    status.model = s.model;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.model, value: s.model }]);
    await proxyActivities<MlcdActivities>(preflightActivity).checkBackends({ backends: s.backends });

    enter('validating');
    const checking = proxyActivities<MlcdActivities>(jobActivity(30 * 60_000));
    const checks: DataCheckResult[] = await Promise.all([
      checking.validateData({ spec: s, releaseId, role: 'train' }),
      checking.validateData({ spec: s, releaseId, role: 'eval' }),
    ]);
    status.validation = { passed: true, summary: checks.map((c) => `${c.role}: ${c.summary}`).join('\n'), reports: checks.map((c) => c.reportPath) };
    for (const c of checks) {
      status.artifacts[`validation_${c.role}`] = c.reportPath;
      if (c.htmlReportPath) status.artifacts[`validation_${c.role}_html`] = c.htmlReportPath;
    }

    enter('training');
    const trained = await proxyActivities<MlcdActivities>(jobActivity(s.training.timeoutMs)).trainModel({ spec: s, releaseId });
    status.artifacts.training = trained.outputDir;

    enter('evaluating');
    const scoring = proxyActivities<MlcdActivities>(jobActivity(s.scoring.timeoutMs));
    const production = await quick.findProductionModel({ spec: s });
    const baselineDir = production?.artifactUri ?? trained.baselineDir;
    const baselineSource = production ? `production@${production.version}` : baselineDir ? 'job-baseline' : 'none';
    // `evaluation.inconclusive: more-data` scores both models again after a wait, on an eval set
    // that has grown meanwhile; every other setting evaluates once.
    let evaluation: EvaluationSummary;
    let gate: GateReport;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) enter('evaluating');
      const [cand, base] = await Promise.all([
        scoring.scoreAndMeasure({ spec: s, releaseId, role: 'candidate', modelDir: trained.modelDir, ...(attempt > 0 ? { attempt } : {}) }),
        baselineDir ? scoring.scoreAndMeasure({ spec: s, releaseId, role: 'baseline', modelDir: baselineDir, ...(attempt > 0 ? { attempt } : {}) }) : Promise.resolve(undefined),
      ]);
      evaluation = { candidate: cand.metrics, baseline: base?.metrics, baselineSource, rows: cand.rows };
      status.evaluation = evaluation;
      status.baseline = evaluation.baselineSource;

      enter('gating');
      // Releases started before evaluation reports and interval gates judge point values only.
      if (patched('evaluation-evidence')) {
        const measured = await scoring.evaluateRelease({
          spec: s,
          releaseId,
          candidate: { predictionsPath: cand.predictionsPath, modelDir: trained.modelDir },
          ...(base && baselineDir ? { baseline: { predictionsPath: base.predictionsPath, modelDir: baselineDir, source: baselineSource } } : {}),
        });
        gate = evaluateGates(s.gates, measured.evidence);
        status.artifacts.evaluation_report = measured.reportPath;
        status.artifacts.evaluation_html = measured.htmlReportPath;
      } else {
        gate = evaluateGates(s.gates, pointEvidence(cand.metrics, base?.metrics));
      }
      status.gate = gate;
      const more = s.evaluation.moreData;
      if (gate.verdict !== 'inconclusive' || s.evaluation.inconclusive !== 'more-data' || !more || attempt >= more.attempts) break;
      decide(
        'gate_inconclusive',
        'mlcd',
        `${gate.results.filter((r) => r.verdict === 'inconclusive').length} gate rules inconclusive against ${baselineSource}: scoring again in ${Math.round(more.waitMs / 60_000)} min on more eval data (attempt ${attempt + 1} of ${more.attempts})`,
        gate,
      );
      await sleep(more.waitMs);
    }
    status.artifacts.gate_report = await quick.writeReport({ model: s.model, releaseId, name: 'gate', content: { evaluation, gate } });
    // An inconclusive gate (an interval straddling a bound) asks a human when the spec says so.
    const askHuman = gate.verdict === 'inconclusive' && s.evaluation.inconclusive === 'approve';
    if (gate.verdict !== 'pass' && !askHuman) {
      const failed = gate.results.filter((r) => r.verdict !== 'pass').length;
      const why = gate.verdict === 'inconclusive' ? `inconclusive (evaluation.inconclusive: ${s.evaluation.inconclusive})` : 'failed';
      decide('gate_failed', 'mlcd', `${failed} of ${gate.results.length} gate rules ${why}`, gate);
      const text = formatGateReport(gate);
      await quick.notify({ backends: s.backends, notification: { kind: 'gate_failed', model: s.model, releaseId, text: `gate failed for ${s.model} (${releaseId})`, details: { gate: text } } });
      status.failure = { type: RELEASE_FAILURES.gateFailed, message: text };
      setStage('failed');
      throw releaseFailure(RELEASE_FAILURES.gateFailed, `gate failed against ${evaluation.baselineSource}:\n${text}`, status);
    }
    if (askHuman) decide('gate_inconclusive', 'mlcd', `${gate.results.filter((r) => r.verdict === 'inconclusive').length} gate rules inconclusive against ${evaluation.baselineSource}: a human decides (evaluation.inconclusive: approve)`, gate);
    else decide('gate_passed', 'mlcd', `all ${gate.results.length} gate rules passed against ${evaluation.baselineSource}`);

    const candidate = await quick.registerCandidate({
      spec: s,
      releaseId,
      modelDir: trained.modelDir,
      metadata: {
        evaluation,
        gate,
        validation: checks,
        ...(status.artifacts.evaluation_report ? { evaluationReport: status.artifacts.evaluation_report } : {}),
      },
    });
    status.candidate = candidate;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.candidateVersion, value: candidate.version }]);

    if (s.approval.required || askHuman) {
      enter('awaiting_approval');
      const deadline = new Date(Date.now() + s.approval.timeoutMs).toISOString();
      status.approval = { required: true, pending: true, deadline };
      const why = askHuman ? `has an inconclusive gate (${gate.results.filter((r) => r.verdict === 'inconclusive').map((r) => r.rule).join('; ')})` : 'passed its gates';
      await quick.notify({
        backends: s.backends,
        notification: { kind: 'approval_needed', model: s.model, releaseId, text: `${s.model} v${candidate.version} ${why} and waits for approval until ${deadline}: mlcd approve ${releaseId} --by <you>` },
      });
      const approved = await condition(() => approval !== undefined, s.approval.timeoutMs);
      if (!approved) {
        status.approval.pending = false;
        decide('approval_timed_out', 'mlcd', `no approval before ${deadline}`);
        status.failure = { type: RELEASE_FAILURES.approvalTimedOut, message: `no approval before ${deadline}` };
        await quick.updateRegistry({ model: s.model, backends: s.backends, aliases: { candidate: null }, statuses: { [candidate.version]: { status: 'approval_timed_out' } } });
        setStage('failed');
        throw releaseFailure(RELEASE_FAILURES.approvalTimedOut, `release stopped: no approval before the deadline ${deadline}`, status);
      }
    } else {
      status.approval = { required: false, pending: false };
    }

    enter('canary');
    status.canary = { weight: 0, phase: 'queued', checks: [] };
    await quick.requestRollout({
      releaseId,
      replyTo: releaseId,
      model: s.model,
      candidate,
      serving: s.serving,
      canary: s.canary,
      monitor: s.monitor,
      backends: s.backends,
      ...(s.data.reference !== undefined
        ? {
            liveDrift: {
              reference: s.data.reference,
              drift: s.validation.drift,
              allowedRoots: s.data.allowedRoots,
              retrain: { ...input, trigger: `monitor:drift of ${releaseId}` },
            },
          }
        : {}),
    });
    rolloutRequested = true;
    forwardAbort();
    // The deployment entity owns traffic from here; abort/rollback are forwarded to it, and it
    // reports the outcome back. Waiting is not cancellable: the deployment finishes the rollback.
    await CancellationScope.nonCancellable(() => condition(() => rollout !== undefined));
    const outcome = rollout!;
    switch (outcome.outcome) {
      case 'promoted':
        setStage('promoted');
        return { releaseId, model: s.model, outcome: 'promoted', version: candidate.version, status };
      case 'rolled_back':
        status.failure = { type: RELEASE_FAILURES.rolledBack, message: outcome.reason };
        setStage('rolled_back');
        throw releaseFailure(RELEASE_FAILURES.rolledBack, `canary rolled back: ${outcome.reason}`, status);
      case 'aborted':
        await quick.updateRegistry({ model: s.model, backends: s.backends, aliases: {}, statuses: { [candidate.version]: { status: 'aborted', abortedBecause: outcome.reason } } });
        status.failure = { type: RELEASE_FAILURES.aborted, message: outcome.reason };
        setStage('aborted');
        throw releaseFailure(RELEASE_FAILURES.aborted, `canary aborted: ${outcome.reason}`, status);
      case 'failed':
        status.failure = { type: 'RolloutFailed', message: outcome.reason };
        setStage('failed');
        throw releaseFailure('RolloutFailed', `rollout failed: ${outcome.reason}`, status);
    }
  }

  function enter(stage: ReleaseStage): void {
    lastWorkStage = stage;
    setStage(stage);
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
