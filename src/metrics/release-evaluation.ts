/**
 * A release's evaluation, end to end: reads the candidate's and the baseline's predictions
 * (scored on the same eval set), measures each model directory's size and reads the scoring
 * job's latency report when it wrote one, evaluates every metric overall and per slice, builds
 * the gate evidence (with bootstrap intervals for the rules judged "with confidence"), judges the
 * gates for the report, and writes the evaluation report as JSON and HTML. The pipeline's
 * activity calls it; the workflow judges the returned evidence itself to decide.
 */
import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { GateRule } from '../core/gate-rules';
import { evaluateGates } from '../core/gates';
import type { GateEvidence, GateReport } from '../core/gates';
import type { EvaluationSpec } from '../core/spec/types';
import { evaluateBinary } from './evaluation';
import { renderEvaluationHtml } from './evaluation-html';
import { buildEvaluationReport } from './evaluation-report';
import type { EvaluationReport } from './evaluation-report';
import { ALL_INTERVALS_MAX_ROWS, allMetricIntervals, gateEvidence } from './gate-evidence';
import type { EvaluatedModel } from './gate-evidence';
import { readPredictions } from './predictions';

/** One model to evaluate: its predictions file and, when known, its model directory. */
export interface ModelInput {
  predictionsPath: string;
  modelDir?: string;
  /** e.g. `candidate`, `production@4`, `job-baseline`. */
  source: string;
}

/** What the pipeline keeps of an evaluation (small enough for workflow history). */
export interface ReleaseEvaluation {
  evidence: GateEvidence;
  /** The gate as the report shows it (the workflow recomputes it from `evidence` to decide). */
  gate: GateReport;
  rows: number;
  reportPath: string;
  htmlReportPath: string;
}

/** Suffix of the scoring job's optional latency report next to its predictions file. */
export const LATENCY_REPORT_SUFFIX = '.latency.json';

/** Bytes of every file under `dir`, recursively. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}

/**
 * The scoring job's latency report (`<predictions>.latency.json`: `{"latency_p50_ms": …,
 * "latency_p99_ms": …}`), when it wrote one; other keys and non-numbers are ignored.
 */
async function latencyReport(predictionsPath: string): Promise<Record<string, number>> {
  let text: string;
  try {
    text = await readFile(predictionsPath + LATENCY_REPORT_SUFFIX, 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, number> = {};
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    for (const k of ['latency_p50_ms', 'latency_p99_ms']) {
      const v = parsed[k];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = v;
    }
  } catch {
    // An unreadable report is no report: a gate on latency then fails closed for want of a value.
  }
  return out;
}

/** The evidence restricted to some metric keys. */
function pickEvidence(e: GateEvidence, keys: ReadonlySet<string>): GateEvidence {
  const pick = <T>(m: Readonly<Record<string, T>> | undefined): Record<string, T> | undefined =>
    m === undefined ? undefined : Object.fromEntries(Object.entries(m).filter(([k]) => keys.has(k)));
  const out: GateEvidence = { candidate: pick(e.candidate) ?? {} };
  const baseline = pick(e.baseline);
  const difference = pick(e.difference);
  const ratio = pick(e.ratio);
  if (baseline !== undefined) out.baseline = baseline;
  if (difference !== undefined) out.difference = difference;
  if (ratio !== undefined) out.ratio = ratio;
  if (e.level !== undefined) out.level = e.level;
  return out;
}

async function modelValues(m: ModelInput): Promise<Record<string, number>> {
  const values = await latencyReport(m.predictionsPath);
  if (m.modelDir !== undefined) values.model_size_mb = (await directoryBytes(m.modelDir)) / 1e6;
  return values;
}

async function loadModel(m: ModelInput, spec: EvaluationSpec): Promise<EvaluatedModel> {
  const p = await readPredictions(m.predictionsPath, spec.labelColumn, spec.scoreColumn, spec.slices);
  return {
    labels: p.labels,
    scores: p.scores,
    slices: p.slices,
    evaluation: evaluateBinary(p.labels, p.scores, spec.threshold, p.slices),
  };
}

/** An evaluation in memory: the full report, and the gate evidence and verdicts in it. */
export interface Evaluated {
  report: EvaluationReport;
  evidence: GateEvidence;
  gate: GateReport;
  rows: number;
}

/**
 * Evaluates a candidate (and its baseline, scored on the same rows) against `gates`, in memory.
 * @throws DataValidationError / DataUnusableError on bad predictions (named file, column, row) or
 *   a baseline scored on other rows
 */
export async function evaluatePredictions(args: {
  spec: EvaluationSpec;
  gates: readonly GateRule[];
  candidate: ModelInput;
  baseline?: ModelInput;
}): Promise<Evaluated> {
  const { spec } = args;
  const candidate = await loadModel(args.candidate, spec);
  const baseline = args.baseline !== undefined ? await loadModel(args.baseline, spec) : undefined;
  const evidence = gateEvidence(args.gates, candidate, baseline, spec.intervals, {
    candidate: await modelValues(args.candidate),
    ...(args.baseline !== undefined ? { baseline: await modelValues(args.baseline) } : {}),
  });
  const gate = evaluateGates(args.gates, evidence);
  const rows = candidate.labels.length;
  const everyInterval = rows <= ALL_INTERVALS_MAX_ROWS;
  const report = buildEvaluationReport({
    candidate,
    candidateSource: args.candidate.source,
    ...(baseline !== undefined && args.baseline !== undefined
      ? { baseline, baselineSource: args.baseline.source }
      : {}),
    evidence,
    ...(everyInterval
      ? { metricIntervals: allMetricIntervals(candidate, baseline, spec.intervals) }
      : {
          metricIntervalsOmitted: `${rows} rows: above ${ALL_INTERVALS_MAX_ROWS} only the metrics the gates read get intervals`,
        }),
    intervals: spec.intervals,
    gate,
  });
  return { report, evidence, gate, rows };
}

/**
 * Evaluates a candidate (and its baseline) and writes `evaluation.json` and `evaluation.html`
 * into `outDir`; returns what the pipeline keeps.
 * @throws as {@link evaluatePredictions}
 */
export async function evaluateRelease(args: {
  spec: EvaluationSpec;
  gates: readonly GateRule[];
  candidate: ModelInput;
  baseline?: ModelInput;
  outDir: string;
  title?: string;
}): Promise<ReleaseEvaluation> {
  const { report, evidence, gate, rows } = await evaluatePredictions(args);
  // History keeps what the gates read and the headline metrics; the report file keeps every slice.
  const keep = new Set<string>([...args.gates.map((g) => g.metric), ...args.spec.metrics]);
  await mkdir(args.outDir, { recursive: true });
  const reportPath = join(args.outDir, 'evaluation.json');
  const htmlReportPath = join(args.outDir, 'evaluation.html');
  await writeFile(reportPath, JSON.stringify(report, null, 1) + '\n');
  await writeFile(htmlReportPath, renderEvaluationHtml(report, args.title));
  return { evidence: pickEvidence(evidence, keep), gate, rows, reportPath, htmlReportPath };
}
