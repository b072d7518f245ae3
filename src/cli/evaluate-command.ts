/**
 * `mlcd evaluate`: a model's metrics from its predictions file, against a baseline's on the same
 * rows, and with gate rules (from a release spec or `--gate`) the gate verdicts, without
 * Temporal. Exit codes: 0 every gate passed (or none given), 1 a gate failed or is
 * inconclusive, 2 unusable input (missing or unreadable file, wrong columns, bad values, a bad
 * spec or rule).
 */
import { writeFile } from 'node:fs/promises';

import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';

import { DataUnusableError, DataValidationError, SpecError } from '../core/errors';
import { parseGateRule } from '../core/gate-rules';
import type { GateRule } from '../core/gate-rules';
import { formatGateReport } from '../core/gates';
import { SPEC_DEFAULTS } from '../core/spec/schema';
import type { EvaluationSpec } from '../core/spec/types';
import { renderEvaluationHtml } from '../metrics/evaluation-html';
import { SLICE_METRICS } from '../metrics/slices';
import { multiclassMetrics } from '../metrics/multiclass';
import { readNumberColumns } from '../metrics/predictions';
import { regressionMetrics } from '../metrics/regression';
import { evaluatePredictions } from '../metrics/release-evaluation';
import { loadReleaseSpecFile } from '../spec-file';

/** A wrong combination of options or a bad `--gate` rule: exit 2 with the message. */
class UsageError extends Error {}

/** Exit codes of `mlcd evaluate`. */
export const EVALUATE_EXIT = { passed: 0, failed: 1, unusable: 2 } as const;

const TASKS = ['binary', 'multiclass', 'regression'] as const;
type Task = (typeof TASKS)[number];

interface EvaluateOptions {
  baseline?: string;
  spec?: string;
  task: Task;
  label?: string;
  score?: string;
  scores?: string;
  prediction?: string;
  threshold?: number;
  slice: string[];
  gate: string[];
  rounds?: number;
  seed?: number;
  level?: number;
  modelDir?: string;
  baselineModelDir?: string;
  json?: boolean;
  out?: string;
  html?: string;
}

function collect(value: string, prev: string[]): string[] {
  return [...prev, value];
}

function numberIn(lo: number, hi: number, what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!(n >= lo && n <= hi)) throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
}

function wholeNumber(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    return n;
  };
}

/** The evaluation settings: the spec's, overridden by the options. */
async function settings(o: EvaluateOptions): Promise<{ spec: EvaluationSpec; gates: GateRule[] }> {
  const d = SPEC_DEFAULTS;
  let spec: EvaluationSpec = {
    labelColumn: d.labelColumn,
    scoreColumn: d.scoreColumn,
    threshold: d.threshold,
    metrics: [...d.metrics],
    slices: [],
    intervals: { rounds: d.bootstrapRounds, seed: d.bootstrapSeed, level: d.confidenceLevel },
    inconclusive: d.inconclusive,
    moreData: { waitMs: d.moreDataWaitMs, attempts: d.moreDataAttempts },
  };
  let gates: GateRule[] = [];
  if (o.spec !== undefined) {
    const release = await loadReleaseSpecFile(o.spec);
    spec = release.evaluation;
    gates = release.gates;
  }
  spec = {
    ...spec,
    ...(o.label !== undefined ? { labelColumn: o.label } : {}),
    ...(o.score !== undefined ? { scoreColumn: o.score } : {}),
    ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
    ...(o.slice.length > 0 ? { slices: o.slice } : {}),
    intervals: {
      rounds: o.rounds ?? spec.intervals.rounds,
      seed: o.seed ?? spec.intervals.seed,
      level: o.level ?? spec.intervals.level,
    },
  };
  for (const text of o.gate) {
    try {
      gates.push(parseGateRule(text));
    } catch (e) {
      throw new UsageError(`--gate: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  return { spec, gates };
}

function fmt(v: number | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : String(v ?? '—');
}

/** Binary: metrics table, gates; returns the exit code. */
async function evaluateBinaryCommand(predictions: string, o: EvaluateOptions): Promise<number> {
  const { spec, gates } = await settings(o);
  const evaluated = await evaluatePredictions({
    spec,
    gates,
    candidate: {
      predictionsPath: predictions,
      source: 'candidate',
      ...(o.modelDir !== undefined ? { modelDir: o.modelDir } : {}),
    },
    ...(o.baseline !== undefined
      ? {
          baseline: {
            predictionsPath: o.baseline,
            source: 'baseline',
            ...(o.baselineModelDir !== undefined ? { modelDir: o.baselineModelDir } : {}),
          },
        }
      : {}),
  });
  const { report, gate } = evaluated;
  if (o.out !== undefined) await writeFile(o.out, JSON.stringify(report, null, 1) + '\n');
  if (o.html !== undefined)
    await writeFile(o.html, renderEvaluationHtml(report, `Evaluation of ${predictions}`));
  if (o.json === true) process.stdout.write(JSON.stringify(report, null, 1) + '\n');
  else {
    const lines = [`${report.rows} rows, threshold ${report.threshold}`];
    const b = report.baseline?.metrics;
    lines.push(
      b !== undefined
        ? 'metric               candidate   baseline      delta'
        : 'metric               candidate',
    );
    for (const k of SLICE_METRICS) {
      const c = report.candidate.metrics[k];
      const row = `${k.padEnd(20)} ${fmt(c).padStart(9)}`;
      lines.push(b !== undefined ? `${row} ${fmt(b[k]).padStart(10)} ${fmt(c - b[k]).padStart(10)}` : row);
    }
    if (report.delong !== undefined)
      lines.push(
        'error' in report.delong
          ? `DeLong: ${report.delong.error}`
          : `DeLong test of the AUC difference: z = ${report.delong.z.toFixed(3)}, p = ${report.delong.pValue.toPrecision(3)}`,
      );
    if (gates.length > 0) lines.push('', `gates: ${gate.verdict.toUpperCase()}`, formatGateReport(gate));
    process.stdout.write(lines.join('\n') + '\n');
  }
  return gate.verdict === 'pass' ? EVALUATE_EXIT.passed : EVALUATE_EXIT.failed;
}

/** Multiclass or regression: the metrics (gates are for binary releases). */
async function evaluateOtherCommand(predictions: string, o: EvaluateOptions): Promise<number> {
  if (o.gate.length > 0 || o.spec !== undefined || o.baseline !== undefined)
    throw new UsageError('--gate, --spec and --baseline apply to --task binary only');
  const label = o.label ?? 'label';
  let result: unknown;
  if (o.task === 'regression') {
    const [y, p] = await readNumberColumns(predictions, [label, o.prediction ?? 'prediction']);
    result = regressionMetrics(y as Float64Array, p as Float64Array);
  } else {
    const classes = (o.scores ?? '').split(',').filter((c) => c !== '');
    if (classes.length < 2)
      throw new UsageError(
        '--task multiclass needs --scores <col0,col1,…>: one probability column per class, in class order',
      );
    const [y, ...cols] = await readNumberColumns(predictions, [label, ...classes]);
    const n = (y as Float64Array).length;
    const scores = new Float64Array(n * classes.length);
    cols.forEach((col, k) => {
      for (let i = 0; i < n; i++) scores[i * classes.length + k] = col[i] as number;
    });
    result = multiclassMetrics(y as Float64Array, scores, classes.length, { classNames: classes });
  }
  const text = JSON.stringify(result, null, 1) + '\n';
  if (o.out !== undefined) await writeFile(o.out, text);
  process.stdout.write(text);
  return EVALUATE_EXIT.passed;
}

/** Runs `mlcd evaluate`; returns the exit code. */
export async function evaluateCommand(predictions: string, o: EvaluateOptions): Promise<number> {
  try {
    return o.task === 'binary'
      ? await evaluateBinaryCommand(predictions, o)
      : await evaluateOtherCommand(predictions, o);
  } catch (err) {
    if (
      err instanceof DataUnusableError ||
      err instanceof DataValidationError ||
      err instanceof SpecError ||
      err instanceof UsageError
    ) {
      console.error(`mlcd evaluate: ${err.message}`);
      return EVALUATE_EXIT.unusable;
    }
    throw err;
  }
}

/** Adds `evaluate` to the program. */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description(
      "a model's metrics from its predictions, against a baseline, judged by gate rules (exit 0 pass, 1 gate fail or inconclusive, 2 unusable)",
    )
    .argument('<predictions>', 'predictions file (Arrow IPC): label and score columns, slice columns')
    .option('--baseline <predictions>', "the baseline's predictions on the same rows")
    .option(
      '--spec <file>',
      "take columns, threshold, slices, intervals and gates from a release spec's evaluation and gates",
    )
    .option(
      '--task <task>',
      'binary, multiclass or regression',
      (v) => {
        if (!(TASKS as readonly string[]).includes(v))
          throw new InvalidArgumentError(`expected one of ${TASKS.join(', ')}`);
        return v as Task;
      },
      'binary' as Task,
    )
    .option('--label <column>', 'label column (regression: the target; default label)')
    .option('--score <column>', 'binary: positive-class probability column (default score)')
    .option(
      '--scores <columns>',
      'multiclass: comma-separated probability columns, one per class, in class order',
    )
    .option('--prediction <column>', 'regression: prediction column (default prediction)')
    .option(
      '--threshold <t>',
      'binary: score >= t predicts 1 (default 0.5)',
      numberIn(0, 1, 'a number in [0, 1]'),
    )
    .option('--slice <column>', 'binary: slice every metric by this column (repeatable)', collect, [])
    .option(
      '--gate <rule>',
      'a gate rule, e.g. "auc_roc >= baseline + 0.01 with confidence" (repeatable)',
      collect,
      [],
    )
    .option('--rounds <n>', 'bootstrap rounds of "with confidence" rules (default 1000)', wholeNumber(100))
    .option('--seed <n>', 'bootstrap seed (default 0)', wholeNumber(0))
    .option('--level <p>', 'confidence level (default 0.95)', numberIn(0.5, 0.999999, 'a level in (0.5, 1)'))
    .option('--model-dir <dir>', "the candidate's model directory (for model_size_mb)")
    .option('--baseline-model-dir <dir>', "the baseline's model directory")
    .option('--json', 'print the full JSON report on stdout')
    .option('--out <file>', 'also write the JSON report to a file')
    .option('--html <file>', 'binary: also write a self-contained HTML report')
    .action(async (predictions: string, o: EvaluateOptions) => {
      process.exitCode = await evaluateCommand(predictions, o);
    });
}
