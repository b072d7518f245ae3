/**
 * The release part of bench:delivery without Temporal: its no-op jobs, its spec, the timeline of
 * a release from workflow history events, and the rollback / orchestration figures and verdicts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { temporal } from '@temporalio/proto';
import { compileReleaseSpec } from '../../src/core/spec/compile';
import { aucRoc } from '../../src/metrics/binary';
import {
  benchScore,
  faultOf,
  ReleaseJobError,
  scoreBench,
  SLOW_FAULT_LATENCY_MS,
  trainBench,
} from '../../bench/delivery/release-jobs';
import {
  benchRows,
  benchSpec,
  writeBenchData,
  type BenchSpecOptions,
} from '../../bench/delivery/release-project';
import { activitySpans, summarizeTimeline, type ActivitySpan } from '../../bench/delivery/release-timeline';
import {
  rollbackTargetMs,
  summarizeOrchestration,
  summarizeRollbacks,
  type RollbackTrial,
} from '../../bench/delivery/release-summary';
import { serveFaultSchema } from '../../bench/delivery/serve-fault';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mlcd-bench-release-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('no-op jobs', () => {
  test('train writes a model carrying the fault and a baseline that serves well', () => {
    trainBench(join(dir, 'out'), faultOf('slow'));
    const fault = (name: string): unknown =>
      JSON.parse(readFileSync(join(dir, 'out', name, 'serve_fault.json'), 'utf8'));
    expect(serveFaultSchema.parse(fault('model'))).toEqual({
      kind: 'slow',
      latencyMs: SLOW_FAULT_LATENCY_MS,
    });
    expect(fault('baseline')).toEqual({ kind: 'none' });
    expect(SLOW_FAULT_LATENCY_MS).toBeGreaterThan(250); // the spec's latency bound: slow must breach it
  });

  test('an unknown fault is refused, naming the kinds', () => {
    expect(() => faultOf('flaky')).toThrow(ReleaseJobError);
    expect(() => faultOf('flaky')).toThrow('none, errors, slow');
  });

  test('score writes every eval row as Arrow: the label and logistic(x), an AUC the gate passes', () => {
    writeBenchData(dir);
    const out = join(dir, 'pred', 'candidate.arrow');
    scoreBench(join(dir, 'data', 'eval.csv'), out);
    const t = tableFromIPC(readFileSync(out));
    const rows = benchRows(600, 2);
    expect(t.numRows).toBe(rows.length);
    const labels = Array.from(t.getChild('label')?.toArray() as Int32Array);
    const scores = Array.from(t.getChild('score')?.toArray() as Float64Array);
    expect(labels).toEqual(rows.map((r) => r.label));
    expect(scores[7]).toBeCloseTo(1 / (1 + Math.exp(-(rows[7] as { x: number }).x)), 12);
    expect(aucRoc(labels, scores)).toBeGreaterThan(0.7); // the spec gates auc_roc >= 0.6
  });

  test('score names a file without the bench columns', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n');
    expect(() => scoreBench(bad, join(dir, 'p.arrow'))).toThrow(`${bad} has no x or label column`);
  });

  test('benchScore is the logistic function', () => {
    expect(benchScore(0)).toBe(0.5);
    expect(benchScore(2)).toBeCloseTo(0.8807970779778823, 15);
  });
});

describe('bench spec', () => {
  const options = (over: Partial<BenchSpecOptions> = {}): BenchSpecOptions => ({
    model: 'bench-release',
    servingUrl: 'http://127.0.0.1:9999',
    metrics: { kind: 'prometheus', url: 'http://127.0.0.1:9090' },
    steps: [{ setWeight: 20 }, { setWeight: 100 }],
    analysis: { interval: '1s', window: '3s', minRequests: 5 },
    benchDir: '/opt/mlcd/dist/bench/delivery',
    ...over,
  });

  test('compiles: no-op jobs, no bake, the metrics source asked for, the fault as a parameter', () => {
    writeBenchData(dir);
    const spec = compileReleaseSpec(benchSpec(options()), {
      source: 'bench.json',
      specDir: dir,
      params: { serve_fault: 'errors' },
    });
    expect(spec.training.command).toEqual([
      process.execPath,
      '/opt/mlcd/dist/bench/delivery/release-jobs.js',
      'train',
      '--out',
      '{output}',
      '--fault',
      'errors',
    ]);
    expect(spec.canary.steps).toEqual([
      { kind: 'setWeight', weight: 20 },
      { kind: 'setWeight', weight: 100 },
    ]);
    expect(spec.canary.analysis).toMatchObject({
      intervalMs: 1000,
      windowMs: 3000,
      minRequests: 5,
      maxLatencyP99Ms: 250,
      failureLimit: 1,
    });
    expect(spec.backends.metrics).toMatchObject({ kind: 'prometheus', url: 'http://127.0.0.1:9090' });
    expect(spec.data.eval).toBe(join(dir, 'data', 'eval.csv'));
  });

  test('the seeded data is the same on every run', () => {
    expect(benchRows(50, 1)).toEqual(benchRows(50, 1));
    expect(benchRows(50, 1)).not.toEqual(benchRows(50, 2));
    const share = benchRows(2000, 1).filter((r) => r.label === 1).length / 2000;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
  });
});

describe('release timeline', () => {
  const T = 1_800_000_000_000;
  // A plain number of seconds where the server sends a Long: eventMs reads both.
  const ev = (
    id: number,
    ms: number,
    fields: Record<string, unknown>,
  ): temporal.api.history.v1.IHistoryEvent =>
    ({
      eventId: id,
      eventTime: { seconds: Math.floor((T + ms) / 1000), nanos: ((T + ms) % 1000) * 1e6 },
      ...fields,
    }) as unknown as temporal.api.history.v1.IHistoryEvent;
  const E = temporal.api.enums.v1.EventType;

  test('activity spans pair scheduled, started and closed events, failed ones included', () => {
    const spans = activitySpans('pipeline', [
      ev(5, 100, {
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        activityTaskScheduledEventAttributes: { activityType: { name: 'trainModel' } },
      }),
      ev(6, 104, {
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        activityTaskScheduledEventAttributes: { activityType: { name: 'notify' } },
      }),
      ev(7, 110, {
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        activityTaskStartedEventAttributes: { scheduledEventId: 5 },
      }),
      ev(8, 400, {
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
        activityTaskCompletedEventAttributes: { scheduledEventId: 5 },
      }),
      ev(9, 120, {
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        activityTaskStartedEventAttributes: { scheduledEventId: 6 },
      }),
      ev(10, 130, {
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_FAILED,
        activityTaskFailedEventAttributes: { scheduledEventId: 6 },
      }),
      ev(11, 500, {
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        activityTaskScheduledEventAttributes: { activityType: { name: 'open' } },
      }),
    ]);
    expect(spans).toEqual([
      {
        workflow: 'pipeline',
        activity: 'trainModel',
        scheduledAt: T + 100,
        startedAt: T + 110,
        closedAt: T + 400,
      },
      {
        workflow: 'pipeline',
        activity: 'notify',
        scheduledAt: T + 104,
        startedAt: T + 120,
        closedAt: T + 130,
      },
    ]);
  });

  test('overlapping spans count once; the rest of the wall time is between activities', () => {
    const span = (activity: string, from: number, to: number, started = from): ActivitySpan => ({
      workflow: 'w',
      activity,
      scheduledAt: T + from,
      startedAt: T + started,
      closedAt: T + to,
    });
    const t = summarizeTimeline(T, T + 1000, [
      span('score', 100, 400, 110),
      span('score', 150, 450, 170), // overlaps the first: 100..450 covered once
      span('deploy', 600, 700),
      span('late', 950, 1200), // clipped at the release's end
      span('before', -300, -100), // wholly before: ignored
    ]);
    expect(t.wallMs).toBe(1000);
    expect(t.inActivitiesMs).toBe(350 + 100 + 50);
    expect(t.betweenActivitiesMs).toBe(500);
    expect(t.dispatchMs).toBe(10 + 20);
    expect(t.byActivity).toEqual({
      score: { count: 2, totalMs: 600 },
      deploy: { count: 1, totalMs: 100 },
      late: { count: 1, totalMs: 50 },
    });
    expect(() => summarizeTimeline(T, T - 1, [])).toThrow(RangeError);
  });
});

describe('figures and targets', () => {
  const trial = (source: RollbackTrial['source'], ms: number | undefined, ok = true): RollbackTrial => ({
    source,
    fault: 'errors',
    releaseId: `r-${source}-${ms ?? 'x'}`,
    ok,
    ...(ms === undefined
      ? { problem: 'promoted' }
      : { breachToRollbackMs: ms, detectMs: ms - 40, restoreMs: 40 }),
  });

  test('targets: 2 s on the local source, one scrape interval + 2 s on Prometheus', () => {
    expect(rollbackTargetMs('local', 15_000)).toBe(2_000);
    expect(rollbackTargetMs('prometheus', 15_000)).toBe(17_000);
  });

  test('a source meets its target only when every trial rolled back within it', () => {
    const [local, prom] = summarizeRollbacks(
      [trial('local', 900), trial('prometheus', 2_500), trial('local', 1_300), trial('prometheus', 3_100)],
      1_000,
    );
    expect(local).toMatchObject({
      source: 'local',
      trials: 2,
      failedTrials: 0,
      breachToRollbackMs: { median: 1_100, min: 900, max: 1_300 },
      targetMs: 2_000,
      met: true,
    });
    expect(prom).toMatchObject({ source: 'prometheus', targetMs: 3_000, met: false }); // 3.1 s > 3 s
    const [withFailure] = summarizeRollbacks([trial('local', 900), trial('local', undefined, false)], 1_000);
    expect(withFailure).toMatchObject({
      trials: 2,
      failedTrials: 1,
      breachToRollbackMs: { median: 900 },
      met: false,
    });
  });

  test('orchestration: medians over promoted releases, activities largest first', () => {
    const timeline = (wall: number, score: number) => ({
      wallMs: wall,
      inActivitiesMs: wall - 300,
      betweenActivitiesMs: 300,
      dispatchMs: 5,
      byActivity: { score: { count: 2, totalMs: score }, notify: { count: 1, totalMs: 8 } },
    });
    const o = summarizeOrchestration([
      { releaseId: 'a', ok: true, timeline: timeline(1_800, 700) },
      { releaseId: 'b', ok: true, timeline: timeline(2_000, 900) },
      { releaseId: 'c', ok: false, problem: 'gate' },
    ]);
    expect(o).toMatchObject({
      runs: 3,
      failedRuns: 1,
      wallMs: { median: 1_900, min: 1_800, max: 2_000 },
      betweenActivitiesMs: { median: 300 },
    });
    expect(o.byActivityMs).toEqual([
      { activity: 'score', count: 2, medianMs: 800 },
      { activity: 'notify', count: 1, medianMs: 8 },
    ]);
  });
});
