/**
 * The bench's release project: a small seeded dataset (CSV) and a spec whose jobs are the no-op
 * ones of release-jobs.ts and whose model server is model-server.ts, written into a directory.
 * Everything else is a real release: validation with drift against a reference, evaluation and
 * gates, the registry, the serving daemon, canary analysis, promotion and the monitor.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecFileInput } from '../../src/core/spec/schema';
import { uniform01 } from '../../test/fixtures/sketch/samples';

/** Rows in each of train, eval and reference. */
export const BENCH_ROWS = 600;

/** The feature row the load sends for a given x; `score` is what model-server.ts answers. */
export interface BenchRow {
  x: number;
  group: string;
  label: number;
}

/** `n` rows: x standard normal, group a or b, label 1 with probability logistic(2x). */
export function benchRows(n: number, seed: number): BenchRow[] {
  const rand = uniform01(seed); // seeded: every run validates the very same data
  const rows: BenchRow[] = [];
  for (let i = 0; i < n; i++) {
    const x = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()); // Box–Muller
    const label = rand() < 1 / (1 + Math.exp(-2 * x)) ? 1 : 0;
    rows.push({ x: Math.round(x * 1e6) / 1e6, group: rand() < 0.5 ? 'a' : 'b', label });
  }
  return rows;
}

function toCsv(rows: readonly BenchRow[]): string {
  return ['x,group,label', ...rows.map((r) => `${r.x},${r.group},${r.label}`)].join('\n') + '\n';
}

/** Where the bench's live metrics come from. */
export type BenchMetricsSource = { kind: 'local'; url: string } | { kind: 'prometheus'; url: string };

/** What varies between the bench's specs. */
export interface BenchSpecOptions {
  model: string;
  /** The serving daemon. */
  servingUrl: string;
  metrics: BenchMetricsSource;
  /** Canary steps as written in a spec, e.g. `[{ setWeight: 20 }, { setWeight: 100 }]`. */
  steps: Array<Record<string, unknown>>;
  analysis: { interval: string; window: string; minRequests: number };
  /** dist/bench/delivery, where release-jobs.js and model-server.js are. */
  benchDir: string;
}

/**
 * The spec: validation of three columns with drift, the no-op jobs, an AUC gate, the canary
 * thresholds of the example (errors ≤ 5 %, p99 ≤ 250 ms, one failed check rolls back), a monitor
 * checking every 5 s, and `{params.serve_fault}` choosing how the candidate serves.
 */
export function benchSpec(o: BenchSpecOptions): SpecFileInput {
  const node = process.execPath;
  const jobs = join(o.benchDir, 'release-jobs.js');
  return {
    apiVersion: 'mlcd/v1',
    model: o.model,
    params: { serve_fault: 'none' },
    data: {
      train: 'data/train.csv',
      eval: 'data/eval.csv',
      reference: 'data/reference.csv',
      allowedRoots: ['data'],
    },
    validation: {
      minRows: 100,
      drift: {
        numeric: { method: 'wasserstein', threshold: 0.1 },
        categorical: { method: 'jensenshannon', threshold: 0.1 },
      },
      columns: {
        x: { type: 'number', min: -10, max: 10 },
        group: { type: 'string', values: ['a', 'b'] },
        label: { type: 'integer', values: [0, 1] },
      },
    },
    training: {
      command: [node, jobs, 'train', '--out', '{output}', '--fault', '{params.serve_fault}'],
      timeout: '2m',
    },
    scoring: {
      command: [node, jobs, 'score', '--model', '{model}', '--data', '{data}', '--out', '{predictions}'],
      timeout: '2m',
    },
    evaluation: { label: 'label', score: 'score', threshold: 0.5, metrics: ['auc_roc', 'accuracy'] },
    gates: ['auc_roc >= 0.6'],
    approval: { required: false },
    serving: {
      command: [node, join(o.benchDir, 'model-server.js'), '--port', '{port}', '--model', '{model}'],
      startupTimeout: '30s',
    },
    canary: {
      analysis: { ...o.analysis, maxErrorRate: 0.05, maxLatencyP99Ms: 250, failureLimit: 1 },
      steps: o.steps,
    },
    monitor: {
      interval: '5s',
      window: '5s',
      minRequests: 10,
      maxErrorRate: 0.05,
      maxLatencyP99Ms: 250,
      failureLimit: 2,
      drift: { enabled: false },
    },
    backends: {
      jobs: { kind: 'local' },
      registry: { kind: 'local' },
      traffic: { kind: 'local', url: o.servingUrl },
      metrics: { kind: o.metrics.kind, url: o.metrics.url },
      notifier: { kind: 'log' },
    },
  };
}

/** Writes data/{train,eval,reference}.csv under `dir` (seeded, so every run has the same files). */
export function writeBenchData(dir: string): void {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'train.csv'), toCsv(benchRows(BENCH_ROWS, 1)));
  writeFileSync(join(dir, 'data', 'eval.csv'), toCsv(benchRows(BENCH_ROWS, 2)));
  writeFileSync(join(dir, 'data', 'reference.csv'), toCsv(benchRows(BENCH_ROWS, 3)));
}

/** Writes the spec as `<name>.json` beside the data; returns its path. */
export function writeBenchSpec(dir: string, name: string, o: BenchSpecOptions): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(benchSpec(o), null, 2));
  return path;
}
