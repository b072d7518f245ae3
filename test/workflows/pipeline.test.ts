/**
 * Workflow tests on the time-skipping server with typed fake activities: every branch of the
 * release pipeline and the deployment entity, with bake times and deadlines skipped.
 */
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';
import { callNames, createWorld, exampleSpec, fakeActivities, stats, type FakeWorld } from '../helpers/fake-activities';
import type { mlPipeline } from '../../workflows/ml-pipeline';
import { abortSignal, approveUpdate, deploymentStatusQuery, monitorStatusQuery, pauseSignal, pipelineStatusQuery, promoteSignal, resumeSignal, rollbackSignal } from '../../workflows/definitions';
import type { PipelineStatus } from '../../src/core/release';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
/** The world the fake activities act on: each test sets its own. */
let current: FakeWorld;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  // One worker for the file: starting and stopping one per test costs a poll timeout now and then.
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'mlcd',
    workflowBundle: await workflowBundle(),
    activities: fakeActivities(() => current, env.client),
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

let modelSeq = 0;
/**
 * A fresh model per test. The monitor is off unless a test turns it on: its interval timers and
 * reads go on after the test's worker stops, and the test server does not skip time while an
 * activity task waits for a worker.
 */
function world(mutate?: (raw: Record<string, any>) => void, opts: { monitor?: boolean } = {}): FakeWorld {
  const name = `m${++modelSeq}`;
  return (current = createWorld(
    exampleSpec((raw) => {
      raw.model = name;
      raw.monitor = { ...raw.monitor, enabled: opts.monitor ?? false };
      mutate?.(raw);
    }),
  ));
}

/** Later releases of `w` hold at 30% on a `pause` step until someone promotes. */
function holdAtThirtyPercent(w: FakeWorld): void {
  w.spec = { ...w.spec, canary: { ...w.spec.canary, steps: [{ kind: 'setWeight', weight: 30 }, { kind: 'pause' }, { kind: 'setWeight', weight: 100 }] } };
}

/** Lets test-server time pass in small steps (a paused canary keeps analysing) until `version` has `weight`. */
async function untilWeight(w: FakeWorld, version: string, weight: number): Promise<void> {
  for (let i = 0; i < 30 && w.weights[version] !== weight; i++) await env.sleep('5s');
}

/** Runs a test body against world `w`. */
async function withWorker<T>(w: FakeWorld, fn: () => Promise<T>): Promise<T> {
  current = w;
  return fn();
}

function start(w: FakeWorld, id = `release/${w.spec.model}/${Math.random().toString(36).slice(2, 8)}`) {
  return env.client.workflow.start<typeof mlPipeline>('mlPipeline', { taskQueue: 'mlcd', workflowId: id, args: [{ specPath: '/spec.yaml' }] });
}

/** The failure type and status of a failed release. */
async function failureOf(p: Promise<unknown>): Promise<{ type: string; message: string; status: PipelineStatus }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      return { type: err.cause.type ?? '', message: err.cause.message, status: err.cause.details?.[0] as PipelineStatus };
    }
    throw err;
  }
  throw new Error('the release did not fail');
}

describe('mlPipeline', () => {
  test('happy path: validates, trains, gates, canaries 20% → 50% → 100% and promotes', async () => {
    const w = world();
    const result = await withWorker(w, async () => (await start(w)).result());
    expect(result.outcome).toBe('promoted');
    expect(result.version).toBe('1');
    expect(result.status.stage).toBe('promoted');
    expect(result.status.gate?.passed).toBe(true);
    expect(result.status.evaluation?.baselineSource).toBe('job-baseline');
    // First release: no stable version, so the candidate takes all traffic at the first weight step.
    expect(w.weightsHistory).toEqual([{ '1': 100 }, { '1': 100 }]); // first weight step, then promotion
    expect(w.aliases).toMatchObject({ production: '1', previous: null, candidate: null });
    expect(callNames(w)).not.toContain('watchVersion'); // monitor off in this spec
    expect(w.notifications.some((n) => n.startsWith('promoted'))).toBe(true);
  });

  test('second release canaries against the stable version and keeps it as previous', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      const r = await (await start(w)).result();
      expect(r.version).toBe('2');
      expect(r.status.evaluation?.baselineSource).toBe('production@1');
    });
    expect(w.weightsHistory.slice(-4)).toEqual([
      { '1': 80, '2': 20 },
      { '1': 50, '2': 50 },
      { '1': 0, '2': 100 },
      { '1': 0, '2': 100 }, // promotion re-applies the final weights (idempotent)
    ]);
    expect(w.aliases).toMatchObject({ production: '2', previous: '1' });
    expect(w.deployed.has('1')).toBe(true); // previous kept warm for instant rollback
  });

  test('bake timers: every bake interval runs one analysis of canary and stable', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      w.calls.length = 0;
      await (await start(w)).result();
    });
    // Two bakes of 8 s with a 2 s interval: 4 checks each, each reading canary and stable.
    const reads = w.calls.filter((c) => c.name === 'readVersionStats').map((c) => c.args);
    expect(reads).toHaveLength(16);
    expect(reads.filter((v) => v === '2')).toHaveLength(8);
  });

  test('data validation failure stops the release before training, non-retryable', async () => {
    const w = world();
    w.validationFailure = 'train data failed validation: column plan: 12 values not in [basic, standard, premium]';
    const f = await withWorker(w, async () => failureOf((await start(w)).result()));
    expect(f.type).toBe('DataValidationFailed');
    expect(f.message).toContain('column plan');
    expect(f.status.stage).toBe('failed');
    expect(callNames(w)).not.toContain('trainModel');
  });

  test('gate failure names each failed rule and never touches traffic', async () => {
    const w = world();
    w.candidateMetrics = { ...w.candidateMetrics, auc_roc: 0.51, precision: 0.5 };
    const f = await withWorker(w, async () => failureOf((await start(w)).result()));
    expect(f.type).toBe('GateFailed');
    expect(f.message).toMatch(/auc_roc >= 0\.7/);
    expect(f.message).toMatch(/precision drop <= 5%/);
    expect(f.status.gate?.passed).toBe(false);
    expect(w.weightsHistory).toEqual([]);
    expect(callNames(w)).not.toContain('registerCandidate');
    expect(w.notifications.some((n) => n.startsWith('gate_failed'))).toBe(true);
  });

  test('an inconclusive interval gate fails the release by default, naming the interval', async () => {
    const w = world((raw) => (raw.gates = ['auc_roc >= baseline + 0.01 with confidence']));
    w.intervals = { difference: { auc_roc: [-0.004, 0.05] } };
    const f = await withWorker(w, async () => failureOf((await start(w)).result()));
    expect(f.type).toBe('GateFailed');
    expect(f.message).toContain('INCONCLUSIVE auc_roc >= baseline + 0.01 with confidence');
    expect(f.message).toContain('interval of the difference [-0.0040, 0.0500]');
    expect(f.status.gate?.verdict).toBe('inconclusive');
    expect(f.status.artifacts.evaluation_html).toBe('/reports/evaluation.html');
    expect(callNames(w)).not.toContain('registerCandidate');
  });

  test('with evaluation.inconclusive: approve, an inconclusive gate waits for a human, who lets it through', async () => {
    const w = world((raw) => {
      raw.gates = ['auc_roc >= baseline + 0.01 with confidence'];
      raw.evaluation = { ...raw.evaluation, inconclusive: 'approve' };
    });
    w.intervals = { difference: { auc_roc: [-0.004, 0.05] } };
    await withWorker(w, async () => {
      const h = await start(w);
      for (let i = 0; i < 100; i++) {
        const s = await h.query(pipelineStatusQuery);
        if (s.approval?.pending) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const pending = await h.query(pipelineStatusQuery);
      expect(pending.decisions.map((d) => d.kind)).toContain('gate_inconclusive');
      expect(w.notifications.some((n) => n.startsWith('approval_needed') && n.includes('has an inconclusive gate'))).toBe(true);
      await h.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'the interval is wide; the slice table looks fine' }] });
      const r = await h.result();
      expect(r.outcome).toBe('promoted');
    });
  });

  test('with evaluation.inconclusive: more-data, the release waits, scores again and goes on once the gate is clear', async () => {
    const w = world((raw) => {
      raw.gates = ['auc_roc >= baseline + 0.01 with confidence'];
      raw.evaluation = { ...raw.evaluation, inconclusive: 'more-data', moreData: { wait: '6h', attempts: 3 } };
    });
    // Inconclusive twice, then the interval clears the bound.
    w.intervals = (n) => ({ difference: { auc_roc: n < 2 ? [-0.004, 0.05] : [0.015, 0.04] } });
    const r = await withWorker(w, async () => (await start(w)).result());
    expect(r.outcome).toBe('promoted');
    expect(w.evaluations).toBe(3);
    expect(callNames(w).filter((c) => c === 'scoreAndMeasure')).toHaveLength(6);
    expect(r.status.decisions.filter((d) => d.kind === 'gate_inconclusive').map((d) => d.reason)).toEqual([
      expect.stringContaining('scoring again in 360 min on more eval data (attempt 1 of 3)'),
      expect.stringContaining('(attempt 2 of 3)'),
    ]);
  });

  test('more-data gives up after its attempts and fails the release as inconclusive', async () => {
    const w = world((raw) => {
      raw.gates = ['auc_roc >= baseline + 0.01 with confidence'];
      raw.evaluation = { ...raw.evaluation, inconclusive: 'more-data', moreData: { wait: '1h', attempts: 2 } };
    });
    w.intervals = { difference: { auc_roc: [-0.004, 0.05] } };
    const f = await withWorker(w, async () => failureOf((await start(w)).result()));
    expect(f.type).toBe('GateFailed');
    expect(w.evaluations).toBe(3);
    expect(f.status.decisions.find((d) => d.kind === 'gate_failed')?.reason).toBe(
      '1 of 1 gate rules inconclusive (evaluation.inconclusive: more-data)',
    );
  });

  test('approval deadline: with nobody approving, the release stops with that reason', async () => {
    const w = world((raw) => (raw.approval = { required: true, timeout: '2h' }));
    const f = await withWorker(w, async () => failureOf((await start(w)).result()));
    expect(f.type).toBe('ApprovalTimedOut');
    expect(f.message).toContain('no approval before the deadline');
    expect(w.weightsHistory).toEqual([]);
    expect(w.statuses['1']).toMatchObject({ status: 'approval_timed_out' });
  });

  test('approval update records who and why, and is rejected when nothing is pending', async () => {
    const w = world((raw) => (raw.approval = { required: true, timeout: '2h' }));
    await withWorker(w, async () => {
      const h = await start(w);
      // Not pending yet right after start: the validator rejects.
      const early = await h.executeUpdate(approveUpdate, { args: [{ by: 'early', reason: 'too soon' }] }).catch((e: unknown) => e as Error & { cause?: Error });
      expect(early).toBeInstanceOf(Error);
      expect((early as Error & { cause?: Error }).cause?.message).toMatch(/not waiting for approval/);
      for (let i = 0; i < 100; i++) {
        const s = await h.query(pipelineStatusQuery);
        if (s.approval?.pending) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const s = await h.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'reviewed the report' }] });
      expect(s.approval).toMatchObject({ pending: false, by: 'alice', reason: 'reviewed the report' });
      const r = await h.result();
      expect(r.outcome).toBe('promoted');
      expect(r.status.decisions.find((d) => d.kind === 'approved')).toMatchObject({ by: 'alice', reason: 'reviewed the report' });
    });
  });

  test('canary breach rolls back: stable serves 100%, the candidate is rejected', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      w.liveStats = (v) => (v === '2' ? stats(v, { errors: 30, errorRate: 0.3 }) : stats(v));
      const f = await failureOf((await start(w)).result());
      expect(f.type).toBe('RolledBack');
      expect(f.message).toContain('error_rate <= 0.05: error_rate 0.3000 does not meet <= 0.0500');
    });
    expect(w.weights).toEqual({ '1': 100, '2': 0 });
    expect(w.aliases.production).toBe('1');
    expect(w.statuses['2']).toMatchObject({ status: 'rejected' });
    expect(w.deployed.has('2')).toBe(false);
  });

  test('no data yet is not a failure: a canary with too few requests keeps going', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      w.liveStats = (v) => stats(v, { requests: 3, errors: 3, errorRate: 1 });
      const r = await (await start(w)).result();
      expect(r.outcome).toBe('promoted');
      expect(r.status.decisions.at(-1)?.reason).toContain('no analysis check saw 10 requests: promoted on offline evidence only');
    });
  });

  test('abort during the canary returns all traffic to stable', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      const h = await start(w);
      for (let i = 0; i < 200; i++) {
        if (w.weightsHistory.length >= 3) break; // the second release set its first canary weight
        await new Promise((r) => setTimeout(r, 50));
      }
      await h.signal(abortSignal, { by: 'bob', reason: 'wrong feature set' });
      const f = await failureOf(h.result());
      expect(f.type).toBe('ReleaseAborted');
      expect(f.message).toContain('wrong feature set');
    });
    expect(w.weights).toEqual({ '1': 100, '2': 0 });
    expect(w.aliases.production).toBe('1');
  });

  test('pause holds the canary (bake time does not run) until resume', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      const h = await start(w);
      for (let i = 0; i < 200 && w.weightsHistory.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
      const dep = env.client.workflow.getHandle(`deployment/${w.spec.model}`);
      await dep.signal(pauseSignal, { by: 'dana', reason: 'looking at a dashboard' });
      // Let an hour pass on the test server: a paused canary stays where it is.
      await env.sleep('1h');
      let s = await dep.query(deploymentStatusQuery);
      expect(s.canary?.weight).toBe(20);
      // The pause can reach the workflow just before it records the 20% step it had already
      // applied (the wait above sees the traffic change first), so that record may follow the
      // pause; nothing else may.
      const paused = s.decisions.findIndex((d) => d.kind === 'paused');
      expect(s.decisions[paused]).toMatchObject({ kind: 'paused', by: 'dana' });
      const after = s.decisions.slice(paused + 1);
      expect(after.length).toBeLessThanOrEqual(1);
      for (const d of after) expect(d).toMatchObject({ kind: 'weight_set', reason: expect.stringMatching(/ at 20%$/) });
      await dep.signal(resumeSignal, { by: 'dana' });
      const r = await h.result();
      expect(r.outcome).toBe('promoted');
      s = await dep.query(deploymentStatusQuery);
      expect(s.decisions.some((d) => d.kind === 'resumed' && d.by === 'dana')).toBe(true);
    });
  });

  test('a pause step waits for promote', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      // The second release's plan holds at 30% until someone promotes.
      holdAtThirtyPercent(w);
      const h = await start(w);
      await untilWeight(w, '2', 30);
      await env.sleep('1m');
      expect(w.weights).toEqual({ '1': 70, '2': 30 });
      expect((await h.query(pipelineStatusQuery)).stage).toBe('canary');
      await h.signal(promoteSignal, { by: 'erin' }); // through the pipeline, forwarded to the deployment
      const r = await h.result();
      expect(r.outcome).toBe('promoted');
    });
    expect(w.weights).toEqual({ '1': 0, '2': 100 });
  });

  test('abort of a release queued behind another rollout leaves the running one alone', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      holdAtThirtyPercent(w);
      const first = await start(w);
      await untilWeight(w, '2', 30);
      const second = await start(w);
      const dep = env.client.workflow.getHandle(`deployment/${w.spec.model}`);
      for (let i = 0; i < 100 && (await dep.query(deploymentStatusQuery)).queued.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await second.signal(abortSignal, { by: 'fay', reason: 'superseded' });
      const f = await failureOf(second.result());
      expect(f.type).toBe('ReleaseAborted');
      expect(f.message).toContain('superseded');
      expect(w.weights).toEqual({ '1': 70, '2': 30 }); // the running canary was not touched
      expect(w.statuses['3']).toMatchObject({ status: 'aborted', abortedBecause: 'superseded' });
      await first.signal(promoteSignal, { by: 'fay' });
      expect((await first.result()).outcome).toBe('promoted');
    });
  });

  test('rollback signal after promotion restores the previous version everywhere', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      await (await start(w)).result();
      const dep = env.client.workflow.getHandle(`deployment/${w.spec.model}`);
      await dep.signal(rollbackSignal, { by: 'carol', reason: 'complaints from support', breachAt: Date.now() });
      for (let i = 0; i < 100; i++) {
        const s = await dep.query(deploymentStatusQuery);
        if (s.decisions.at(-1)?.kind === 'rollback') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const s = await dep.query(deploymentStatusQuery);
      expect(s.stable?.version).toBe('1');
      expect(s.decisions.at(-1)).toMatchObject({ kind: 'rollback', by: 'carol' });
    });
    expect(w.weights).toEqual({ '1': 100, '2': 0 });
    expect(w.aliases).toMatchObject({ production: '1', previous: null });
    expect(w.statuses['2']).toMatchObject({ status: 'rolled_back' });
  });

  test('a monitor alert about the stable baseline during a canary does not roll the candidate back', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      const h = await start(w);
      for (let i = 0; i < 200 && w.weightsHistory.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
      const dep = env.client.workflow.getHandle(`deployment/${w.spec.model}`);
      await dep.signal(rollbackSignal, { by: 'monitor', version: '1', reason: 'p99 of v1 over the limit' });
      const r = await h.result();
      expect(r.outcome).toBe('promoted');
      const s = await dep.query(deploymentStatusQuery);
      expect(s.decisions.some((d) => d.kind === 'analysis' && /rollback request for v1 ignored: v2 is in canary/.test(d.reason))).toBe(true);
    });
    expect(w.aliases).toMatchObject({ production: '2', previous: '1' });
  });

  test('the deployment entity continues as new with its state: stable and previous survive', async () => {
    const w = world();
    await withWorker(w, async () => {
      // Start the entity with a low history limit, then release twice through it.
      await env.client.workflow.start('modelDeployment', { taskQueue: 'mlcd', workflowId: `deployment/${w.spec.model}`, args: [{ model: w.spec.model, historyLimit: 40 }] });
      await (await start(w)).result();
      const dep = env.client.workflow.getHandle(`deployment/${w.spec.model}`);
      const firstRun = (await dep.describe()).runId;
      await (await start(w)).result();
      let s = await dep.query(deploymentStatusQuery);
      for (let i = 0; i < 50 && (await dep.describe()).runId === firstRun; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await dep.describe()).runId).not.toBe(firstRun);
      s = await dep.query(deploymentStatusQuery);
      expect(s.stable?.version).toBe('2');
      expect(s.previous?.version).toBe('1');
      expect(s.decisions.some((d) => d.kind === 'promoted')).toBe(true);
    });
  });

  test('a canary check against stable rolls back a canary slower than stable on the same window', async () => {
    const w = world((raw) => {
      raw.canary.analysis.checks = ['latency_p99_ms <= stable * 1.2'];
    });
    await withWorker(w, async () => {
      await (await start(w)).result();
      // Well under the example's static 250 ms limit, but three times stable's p99.
      w.liveStats = (v) => stats(v, { latencyP99Ms: v === '2' ? 60 : 20 });
      const h = await start(w);
      const f = await failureOf(h.result());
      expect(f.type).toBe('RolledBack');
      expect(f.message).toContain('latency_p99_ms <= stable * 1.2: latency_p99_ms 60.0000 does not meet <= 24.0000');
      const check = f.status.canary?.checks.at(-1);
      expect(check?.verdict.verdict).toBe('fail');
      expect(check?.rules?.map((r) => [r.rule, r.verdict, r.observed, r.required])).toEqual([
        ['error_rate <= 0.05', 'pass', 0, 0.05],
        ['latency_p99_ms <= 250', 'pass', 60, 250],
        ['latency_p99_ms <= stable * 1.2', 'fail', 60, 24],
      ]);
    });
    expect(w.weights).toEqual({ '1': 100, '2': 0 });
  });

  test('consecutive failed checks roll back before the total limit', async () => {
    const w = world((raw) => {
      raw.canary.analysis.failureLimit = 10;
      raw.canary.analysis.consecutiveFailureLimit = 2;
    });
    await withWorker(w, async () => {
      await (await start(w)).result();
      w.liveStats = (v) => (v === '2' ? stats(v, { errors: 30, errorRate: 0.3 }) : stats(v));
      const f = await failureOf((await start(w)).result());
      expect(f.type).toBe('RolledBack');
      expect(f.message).toContain('[2 failed checks in a row, limit 2]');
      expect(f.status.canary?.checks.filter((c) => c.verdict.verdict === 'fail')).toHaveLength(2);
    });
  });

  test('an accuracy check without feedback labels is inconclusive, never a failure', async () => {
    const w = world((raw) => {
      raw.canary.analysis.checks = ['accuracy drop <= 2%'];
    });
    await withWorker(w, async () => {
      await (await start(w)).result();
      const r = await (await start(w)).result();
      expect(r.outcome).toBe('promoted');
      const check = r.status.canary?.checks.at(-1);
      expect(check?.verdict.verdict).toBe('inconclusive');
      expect(check?.rules?.[2]?.reason).toBe('not judged: v2 has 0 feedback label(s) in the window, 20 needed');
      // Enough requests, so the promotion says the checks were inconclusive, not short of traffic.
      expect(r.status.decisions.at(-1)?.reason).toContain('no analysis check passed (each was inconclusive: see its rules): promoted on offline evidence only');
    });
  });

  test('confirm holds the rollout at 0% with the candidate deployed until promote', async () => {
    const w = world();
    await withWorker(w, async () => {
      await (await start(w)).result();
      w.spec = { ...w.spec, canary: { ...w.spec.canary, confirm: true } };
      const h = await start(w);
      const dep = env.client.workflow.getHandle(`deployment/${w.spec.model}`);
      for (let i = 0; i < 100 && !(await dep.query(deploymentStatusQuery)).decisions.some((d) => /waiting for promote to start/.test(d.reason)); i++)
        await new Promise((r) => setTimeout(r, 50));
      await env.sleep('1h');
      expect(w.deployed.has('2')).toBe(true);
      expect(w.weights).toEqual({ '1': 100 });
      await h.signal(promoteSignal, { by: 'frank' });
      const r = await h.result();
      expect(r.outcome).toBe('promoted');
      expect(r.status.decisions.some((d) => d.kind === 'resumed' && /confirmed/.test(d.reason))).toBe(true);
    });
    expect(w.weights).toEqual({ '1': 0, '2': 100 });
  });

  // Last in the file: see world().
  test('monitor: a breach after promotion makes the deployment roll back', async () => {
    const w = world(undefined, { monitor: true });
    await withWorker(w, async () => {
      await (await start(w)).result();
      await (await start(w)).result();
      w.liveStats = (v) => (v === '2' ? stats(v, { latencyP99Ms: 900 }) : stats(v));
      const dep = env.client.workflow.getHandle(`deployment/${w.spec.model}`);
      // The monitor's interval timer needs time to pass: sleep skips it on the test server.
      for (let i = 0; i < 50; i++) {
        await env.sleep('2s');
        const s = await dep.query(deploymentStatusQuery);
        if (s.decisions.at(-1)?.kind === 'rollback') break;
      }
      const s = await dep.query(deploymentStatusQuery);
      expect(s.stable?.version).toBe('1');
      expect(s.decisions.at(-1)?.by).toBe('monitor');
      expect(s.decisions.at(-1)?.reason).toMatch(/p99/i);
    });
    expect(w.weights).toEqual({ '1': 100, '2': 0 });
  });

  test('monitor: live input drift starts one retraining release, not one per check', async () => {
    const w = world((raw) => {
      raw.monitor.drift = { interval: '2s', retrainCooldown: '1h' };
    }, { monitor: true });
    await withWorker(w, async () => {
      await (await start(w)).result();
      w.liveDrift = () => ({
        status: 'judged',
        rows: 500,
        drifted: true,
        driftedColumns: ['tenure'],
        summary: 'drift: 1 of 6 columns drifted: tenure wasserstein 0.31 >= 0.1',
      });
      const mon = env.client.workflow.getHandle(`monitor/${w.spec.model}`);
      const retrainingDecisions = async () => (await mon.query(monitorStatusQuery)).decisions.filter((d) => d.kind === 'retraining');
      for (let i = 0; i < 40 && (await retrainingDecisions()).length < 2; i++) await env.sleep('2s');
      expect(w.retrainings).toHaveLength(1);
      expect(w.retrainings[0]).toMatch(new RegExp(`^retrain/${w.spec.model}/drift-\\d{8}T\\d{6}Z$`));
      let s = await mon.query(monitorStatusQuery);
      expect(s.decisions.some((d) => d.kind === 'drift' && d.reason.includes('tenure wasserstein 0.31'))).toBe(true);
      expect(s.decisions.some((d) => d.kind === 'retraining' && /still running/.test(d.reason))).toBe(true);
      // The retraining ended (say its candidate failed a gate): the cool-down still holds off another.
      w.runningRetrainings.clear();
      for (let i = 0; i < 40 && !(await retrainingDecisions()).some((d) => /cool-down/.test(d.reason)); i++) await env.sleep('2s');
      s = await mon.query(monitorStatusQuery);
      expect(s.decisions.some((d) => d.kind === 'retraining' && /within the 60 min cool-down/.test(d.reason))).toBe(true);
      expect(w.retrainings).toHaveLength(1);
      expect(s.lastDrift).toMatchObject({ version: '1', drifted: true, driftedColumns: ['tenure'] });
      await mon.terminate('test over');
    });
  });
});
