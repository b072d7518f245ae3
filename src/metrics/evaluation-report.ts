/**
 * The evaluation report of a release: both models' metrics (overall, per class, per slice) with
 * the bootstrap intervals the gates used, DeLong's test of the AUC difference, ROC and PR curves
 * (thinned for drawing) and the gate report. Written as JSON next to the release's artifacts and
 * rendered to a self-contained HTML page (see evaluation-html.ts).
 */
import type { GateEvidence, GateReport } from '../core/gates';
import type { BinaryMetrics } from './binary';
import { scoresByClass } from './binary';
import { precisionRecallCurve, rocCurve, thinCurve } from './curves';
import type { Curve } from './curves';
import { delongTest } from './delong';
import type { DelongTestResult } from './delong';
import type { EvaluatedModel, IntervalSettings, MetricIntervals } from './gate-evidence';
import type { SliceColumnResult } from './slices';

/** Points kept per curve in the report. */
const CURVE_POINTS = 300;

/** One model's part of the report. */
export interface ModelReport {
  /** Where the model came from, e.g. `candidate`, `production@4`, `job-baseline`. */
  source: string;
  metrics: BinaryMetrics;
  slices: SliceColumnResult[];
  curves: { roc: Curve; pr: Curve };
}

/** The evaluation report (JSON). */
export interface EvaluationReport {
  task: 'binary';
  rows: number;
  threshold: number;
  candidate: ModelReport;
  baseline?: ModelReport;
  /** DeLong's test of AUC(candidate) − AUC(baseline); a reason instead when it is undefined. */
  delong?: DelongTestResult | { error: string };
  /** The values and intervals the gates judged. */
  evidence?: GateEvidence;
  /** Every overall metric's bootstrap intervals (candidate, and candidate − baseline). */
  metricIntervals?: Record<string, MetricIntervals>;
  /** Why `metricIntervals` is absent (a large eval set: only the gated metrics have intervals). */
  metricIntervalsOmitted?: string;
  intervals?: IntervalSettings;
  gate?: GateReport;
}

function modelReport(source: string, m: EvaluatedModel): ModelReport {
  const sorted = scoresByClass(m.labels, m.scores);
  return {
    source,
    metrics: m.evaluation.metrics,
    slices: m.evaluation.slices,
    curves: {
      roc: thinCurve(rocCurve(sorted), CURVE_POINTS),
      pr: thinCurve(precisionRecallCurve(sorted), CURVE_POINTS),
    },
  };
}

/** Assembles the report of a candidate (and its baseline, scored on the same rows). */
export function buildEvaluationReport(args: {
  candidate: EvaluatedModel;
  candidateSource?: string;
  baseline?: EvaluatedModel;
  baselineSource?: string;
  evidence?: GateEvidence;
  metricIntervals?: Record<string, MetricIntervals>;
  metricIntervalsOmitted?: string;
  intervals?: IntervalSettings;
  gate?: GateReport;
}): EvaluationReport {
  const { candidate, baseline } = args;
  let delong: EvaluationReport['delong'];
  if (baseline !== undefined) {
    try {
      delong = delongTest(candidate.labels, candidate.scores, baseline.scores, args.intervals?.level);
    } catch (e) {
      delong = { error: e instanceof Error ? e.message : String(e) };
    }
  }
  return {
    task: 'binary',
    rows: candidate.labels.length,
    threshold: candidate.evaluation.threshold,
    candidate: modelReport(args.candidateSource ?? 'candidate', candidate),
    ...(baseline !== undefined ? { baseline: modelReport(args.baselineSource ?? 'baseline', baseline) } : {}),
    ...(delong !== undefined ? { delong } : {}),
    ...(args.evidence !== undefined ? { evidence: args.evidence } : {}),
    ...(args.metricIntervals !== undefined ? { metricIntervals: args.metricIntervals } : {}),
    ...(args.metricIntervalsOmitted !== undefined
      ? { metricIntervalsOmitted: args.metricIntervalsOmitted }
      : {}),
    ...(args.intervals !== undefined ? { intervals: args.intervals } : {}),
    ...(args.gate !== undefined ? { gate: args.gate } : {}),
  };
}
