/**
 * Typed fakes of every activity, over a small in-memory world (registry aliases, traffic weights,
 * live stats), so workflow tests drive each branch on the time-skipping server and assert what
 * happened to traffic and the registry.
 */
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { MlcdActivities } from '../../activities';
import type { LiveDriftCheck } from '../../activities/delivery';
import type { VersionStats } from '../../src/backends/metrics/types';
import type { Weights } from '../../src/backends/traffic/types';
import { parseSpecText } from '../../src/core/spec/parse-text';
import { compileReleaseSpec } from '../../src/core/spec/compile';
import type { MetricName, ReleaseSpec } from '../../src/core/spec/types';
import { readFileSync } from 'node:fs';
import { ROOT } from './temporal';

/** The example spec, compiled, with overrides applied to the raw YAML object. */
export function exampleSpec(mutate?: (raw: Record<string, any>) => void): ReleaseSpec {
  const path = join(ROOT, 'examples', 'churn', 'mlcd.yaml');
  const raw = parseSpecText(readFileSync(path, 'utf8'), path) as Record<string, any>;
  mutate?.(raw);
  return compileReleaseSpec(raw, { source: path, specDir: join(ROOT, 'examples', 'churn') });
}

export function stats(version: string, over: Partial<VersionStats> = {}): VersionStats {
  return { version, windowMs: 4000, requests: 100, errors: 0, errorRate: 0, latencyP50Ms: 5, latencyP99Ms: 20, ...over };
}

type FakeIntervals = { candidate?: Record<string, [number, number]>; difference?: Record<string, [number, number]> };

export interface FakeWorld {
  spec: ReleaseSpec;
  calls: Array<{ name: string; args: unknown }>;
  weightsHistory: Weights[];
  weights: Weights;
  aliases: Record<string, string | null>;
  statuses: Record<string, Record<string, unknown>>;
  deployed: Set<string>;
  nextVersion: number;
  candidateMetrics: Partial<Record<MetricName, number>>;
  baselineMetrics: Partial<Record<MetricName, number>>;
  /**
   * Intervals the fake evaluation reports, by metric key: of the candidate's metric and of
   * candidate − baseline; a function gets the number of evaluations before this one.
   */
  intervals?: FakeIntervals | ((evaluation: number) => FakeIntervals);
  /** evaluateRelease calls so far. */
  evaluations?: number;
  /** More evidence by metric key, over the defaults the example's gates need. */
  extraEvidence?: Record<string, { value: number; lower?: number; upper?: number }>;
  /** Live stats per version; default healthy. */
  liveStats: (version: string) => VersionStats;
  /** Make validation fail with this message. */
  validationFailure?: string;
  /** Milliseconds the fake training "job" takes (an activity sleep, real time). */
  trainMs: number;
  notifications: string[];
  /** What the live input drift check of a version finds; no drift by default. */
  liveDrift: (version: string) => LiveDriftCheck;
  /** Retraining releases started (workflow ids), and those the fake reports as still running. */
  retrainings: string[];
  runningRetrainings: Set<string>;
}

export function createWorld(spec: ReleaseSpec = exampleSpec()): FakeWorld {
  return {
    spec,
    calls: [],
    weightsHistory: [],
    weights: {},
    aliases: {},
    statuses: {},
    deployed: new Set(),
    nextVersion: 1,
    candidateMetrics: { auc_roc: 0.88, precision: 0.8, recall: 0.6, f1: 0.69, accuracy: 0.85 },
    baselineMetrics: { auc_roc: 0.87, precision: 0.79, recall: 0.6, f1: 0.68, accuracy: 0.84 },
    liveStats: (v) => stats(v),
    trainMs: 0,
    notifications: [],
    liveDrift: () => ({ status: 'judged', rows: 500, drifted: false, driftedColumns: [], summary: 'no drift: 0 of 6 columns drifted' }),
    retrainings: [],
    runningRetrainings: new Set(),
  };
}

/**
 * Fakes of all activities over the world `current()` returns (one worker serves a whole test
 * file, each test brings its world); `client` is the test env's, for the hand-offs.
 */
export function fakeActivities(current: () => FakeWorld, client: Client): MlcdActivities {
  const log = (name: string, args: unknown): void => {
    current().calls.push({ name, args });
  };
  // Every fake reads the world at call time.
  const world = new Proxy({} as FakeWorld, {
    get: (_t, key) => current()[key as keyof FakeWorld],
    set: (_t, key, value) => {
      (current() as unknown as Record<string | symbol, unknown>)[key] = value;
      return true;
    },
  });
  return {
    async compileSpec(input) {
      log('compileSpec', input);
      return world.spec;
    },
    async checkBackends() {
      log('checkBackends', {});
      return ['fake'];
    },
    async validateData({ role }) {
      log('validateData', role);
      if (world.validationFailure) throw ApplicationFailure.create({ type: 'DataValidationFailed', message: world.validationFailure, nonRetryable: true });
      return { role, file: `/data/${role}.arrow`, rows: 1000, passed: true, summary: 'PASSED', reportPath: `/r/${role}.json`, htmlReportPath: `/r/${role}.html`, warnings: 0 };
    },
    async trainModel() {
      log('trainModel', {});
      if (world.trainMs) await new Promise((r) => setTimeout(r, world.trainMs));
      return { jobId: 'job-1', reattached: false, outputDir: '/out', modelDir: '/out/model', baselineDir: '/out/baseline' };
    },
    async findProductionModel() {
      const v = world.aliases.production;
      return v ? { version: v, artifactUri: `/registry/${v}` } : null;
    },
    async scoreAndMeasure({ role }) {
      log('scoreAndMeasure', role);
      return { role, predictionsPath: `/p/${role}.arrow`, rows: 1000, metrics: role === 'candidate' ? world.candidateMetrics : world.baselineMetrics };
    },
    async evaluateRelease({ baseline }) {
      log('evaluateRelease', baseline?.source ?? 'none');
      const n = world.evaluations ?? 0;
      world.evaluations = n + 1;
      const intervals = typeof world.intervals === 'function' ? world.intervals(n) : world.intervals;
      const wrap = (m: Partial<Record<string, number>>, ci?: Record<string, [number, number]>) =>
        Object.fromEntries(
          Object.entries(m).map(([k, value]) => {
            const i = ci?.[k];
            return [k, i ? { value: value as number, lower: i[0], upper: i[1] } : { value: value as number }];
          }),
        );
      const difference = Object.fromEntries(
        Object.entries(intervals?.difference ?? {}).map(([k, [lower, upper]]) => [
          k,
          { value: (world.candidateMetrics[k as MetricName] ?? NaN) - (world.baselineMetrics[k as MetricName] ?? NaN), lower, upper },
        ]),
      );
      // Values the example spec's other gates read (worst slice, model size, latency), passing
      // unless a test overrides them.
      const extra = {
        'auc_roc[worst plan]': { value: 0.82, lower: 0.78, upper: 0.86 },
        model_size_mb: { value: 0.6 },
        latency_p99_ms: { value: 12 },
        ...world.extraEvidence,
      };
      const evidence = {
        candidate: { ...extra, ...wrap(world.candidateMetrics, intervals?.candidate) },
        ...(baseline
          ? {
              baseline: { ...extra, ...wrap(world.baselineMetrics) },
              difference: { auc_roc: { value: 0.01, lower: 0.0, upper: 0.02 }, ...difference },
            }
          : {}),
        level: 0.95,
      };
      return { evidence, gate: { verdict: 'pass' as const, passed: true, results: [] }, rows: 1000, reportPath: '/reports/evaluation.json', htmlReportPath: '/reports/evaluation.html' };
    },
    async registerCandidate() {
      const version = String(world.nextVersion++);
      log('registerCandidate', version);
      world.aliases.candidate = version;
      return { version, artifactUri: `/registry/${version}` };
    },
    async writeReport({ name }) {
      return `/reports/${name}.json`;
    },
    async notify({ notification }) {
      world.notifications.push(`${notification.kind}: ${notification.text}`);
      return { delivered: true as const };
    },
    async deployVersion({ version }) {
      log('deployVersion', version);
      world.deployed.add(version);
      return `http://127.0.0.1:0/${version}`;
    },
    async undeployVersion({ version }) {
      log('undeployVersion', version);
      if ((world.weights[version] ?? 0) > 0) throw ApplicationFailure.create({ message: `v${version} still has traffic`, nonRetryable: true });
      world.deployed.delete(version);
    },
    async setTrafficWeights({ weights }) {
      log('setTrafficWeights', weights);
      for (const [v, w] of Object.entries(weights)) {
        if (w > 0 && !world.deployed.has(v)) throw ApplicationFailure.create({ message: `v${v} is not deployed`, nonRetryable: true });
      }
      world.weights = { ...weights };
      world.weightsHistory.push({ ...weights });
      return world.weights;
    },
    async getTrafficWeights() {
      return world.weights;
    },
    async readVersionStats({ version }) {
      log('readVersionStats', version);
      return world.liveStats(version);
    },
    async updateRegistry({ aliases, statuses }) {
      log('updateRegistry', { aliases, statuses });
      Object.assign(world.aliases, aliases);
      for (const [v, s] of Object.entries(statuses ?? {})) world.statuses[v] = { ...world.statuses[v], ...s };
    },
    async requestRollout(req) {
      log('requestRollout', req.candidate.version);
      await client.workflow.signalWithStart('modelDeployment', {
        workflowId: `deployment/${req.model}`,
        taskQueue: 'mlcd',
        args: [{ model: req.model }],
        signal: 'deploy',
        signalArgs: [req],
      });
    },
    async checkLiveDrift({ version }) {
      log('checkLiveDrift', version);
      return world.liveDrift(version);
    },
    async startRetraining({ workflowId }) {
      log('startRetraining', workflowId);
      if (world.runningRetrainings.has(workflowId)) return { workflowId, started: false };
      world.retrainings.push(workflowId);
      world.runningRetrainings.add(workflowId);
      return { workflowId, started: true };
    },
    async isWorkflowRunning({ workflowId }) {
      return world.runningRetrainings.has(workflowId);
    },
    async watchVersion(req) {
      log('watchVersion', req.version);
      await client.workflow.signalWithStart('modelMonitor', {
        workflowId: `monitor/${req.model}`,
        taskQueue: 'mlcd',
        args: [{ model: req.model }],
        signal: 'watch',
        signalArgs: [req],
      });
    },
  };
}

/** Names of the calls made, in order. */
export function callNames(world: FakeWorld): string[] {
  return world.calls.map((c) => c.name);
}
