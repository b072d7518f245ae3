/**
 * Canary analysis: one check compares the canary's live metrics with the stable version's over
 * the same window, with the gate engine of offline evaluation (rules relative to `stable` or
 * absolute, point or `with confidence`, three verdicts). Pure: the deployment workflow imports
 * it, and every check's numbers are kept in the workflow's status.
 *
 * Live metrics: `error_rate`, `latency_p50_ms`, `latency_p99_ms`, `accuracy` (from delayed-label
 * feedback sent to the router) and `prediction_psi` (PSI of the canary's prediction scores
 * against stable's, on the router's 10 score bins). Too little data is never a failure: a rule
 * without enough requests or labels on either side it reads is inconclusive.
 */
import type { VersionStats } from '../backends/metrics/types';
import { psi } from '../drift/psi';
import { newcombeDifference, wilsonInterval } from '../metrics/proportion-intervals';
import { parseGateRule, type GateRule } from './gate-rules';
import { evaluateGates, type Estimate, type GateEvidence, type GateResult, type Verdict } from './gates';
import { formatDuration } from './spec/durations';
import type { CanaryPlan, MonitorSpec } from './spec/types';

/** Metrics a canary check may name. */
export const LIVE_METRICS = [
  'error_rate',
  'latency_p50_ms',
  'latency_p99_ms',
  'accuracy',
  'prediction_psi',
] as const;
export type LiveMetric = (typeof LIVE_METRICS)[number];

/** Defaults of the analysis fields that rollouts recorded before canary checks lack. */
export const DEFAULT_MIN_LABELS = 20;
export const DEFAULT_CONFIDENCE_LEVEL = 0.95;

/** Live metrics with a confidence interval (proportions: Wilson, and Newcombe for differences). */
const WITH_INTERVAL: ReadonlySet<string> = new Set(['error_rate', 'accuracy']);

/** What a canary check needs besides its rules. */
export interface CanaryAnalysisSettings {
  /** Parsed rules (see `parseCanaryCheck`). */
  rules: readonly GateRule[];
  /** Requests the canary (and stable, for a rule that reads it) needs in the window for a verdict. */
  minRequests: number;
  /** Feedback labels an `accuracy` rule needs on each side it reads. */
  minLabels: number;
  /** Confidence level of `with confidence` rules, e.g. 0.95. */
  level: number;
}

/** The verdict of one canary check, with every rule's numbers. */
export interface CanaryVerdict {
  verdict: Verdict;
  /** Human sentence: the failed (or inconclusive) rules with observed and required values. */
  reason: string;
  results: GateResult[];
}

/**
 * Parses one canary check as written in the spec: a gate rule over a live metric, where the
 * baseline is the stable version on the same window, written `stable` (`baseline` is accepted):
 * `latency_p99_ms <= stable * 1.2`, `error_rate <= stable + 0.01 with confidence`,
 * `accuracy drop <= 2%`, `prediction_psi <= 0.1`, `error_rate <= 0.02`.
 * @throws Error naming the check and what is wrong
 */
export function parseCanaryCheck(text: string): GateRule {
  const written = text.trim().replace(/\s+/g, ' ');
  const rule = parseGateRule(written.replace(/\bstable\b/g, 'baseline'));
  const fail = (why: string): never => {
    throw new Error(`invalid canary check "${written}": ${why}`);
  };
  if (!(LIVE_METRICS as readonly string[]).includes(rule.name))
    fail(`${rule.name} is not a live metric; canary checks read ${LIVE_METRICS.join(', ')}`);
  if (rule.selector.kind !== 'overall') fail(`live metrics have no class or slice selector`);
  if (rule.name === 'prediction_psi' && rule.kind !== 'absolute')
    fail(
      'prediction_psi already compares the canary with stable; give it an absolute bound, e.g. prediction_psi <= 0.1',
    );
  if (rule.on === 'interval') {
    if (!WITH_INTERVAL.has(rule.name))
      fail(
        `${rule.name} has no confidence interval (only error_rate and accuracy do); drop "with confidence"`,
      );
    if (rule.kind === 'ratio')
      fail(
        'a ratio to stable has no confidence interval here; write the bound as stable + or - a difference',
      );
  }
  return { ...rule, text: written };
}

/** A proportion as an estimate with its Wilson interval; NaN without trials. */
function proportion(successes: number, n: number, level: number): Estimate {
  return n > 0 ? wilsonInterval(successes, n, level) : { value: NaN };
}

function sum(values: readonly number[] | undefined): number {
  return values === undefined ? 0 : values.reduce((a, b) => a + b, 0);
}

/** One version's live metrics as gate estimates. */
function estimates(s: VersionStats, level: number): Record<string, Estimate> {
  const out: Record<string, Estimate> = {
    error_rate: proportion(s.errors, s.requests, level),
    latency_p50_ms: { value: s.latencyP50Ms },
    latency_p99_ms: { value: s.latencyP99Ms },
  };
  if (s.labeled !== undefined && s.correct !== undefined)
    out.accuracy = proportion(s.correct, s.labeled, level);
  return out;
}

/**
 * The evidence of one check: the canary as the candidate, stable as the baseline, differences of
 * the proportions with Newcombe intervals, and the PSI of the canary's scores against stable's.
 */
export function liveEvidence(
  canary: VersionStats,
  stable: VersionStats | undefined,
  level: number,
): GateEvidence {
  const candidate = estimates(canary, level);
  if (stable === undefined) return { candidate, level };
  const difference: Record<string, Estimate> = {};
  if (canary.requests > 0 && stable.requests > 0)
    difference.error_rate = newcombeDifference(
      canary.errors,
      canary.requests,
      stable.errors,
      stable.requests,
      level,
    );
  if ((canary.labeled ?? 0) > 0 && (stable.labeled ?? 0) > 0)
    difference.accuracy = newcombeDifference(
      canary.correct ?? 0,
      canary.labeled ?? 0,
      stable.correct ?? 0,
      stable.labeled ?? 0,
      level,
    );
  if (
    sum(canary.predictions) > 0 &&
    sum(stable.predictions) > 0 &&
    canary.predictions?.length === stable.predictions?.length
  )
    candidate.prediction_psi = { value: psi(stable.predictions ?? [], canary.predictions ?? []) };
  return { candidate, baseline: estimates(stable, level), difference, level };
}

/** Why `rule` cannot be judged on this window yet, or undefined when it can. */
function missingData(
  rule: GateRule,
  canary: VersionStats,
  stable: VersionStats | undefined,
  s: CanaryAnalysisSettings,
): string | undefined {
  const readsStable = rule.kind !== 'absolute' || rule.name === 'prediction_psi';
  if (readsStable) {
    if (stable === undefined) return 'there is no stable version to compare with';
    if (!(stable.requests >= s.minRequests))
      return `stable v${stable.version} has ${stable.requests} request(s) in the window, ${s.minRequests} needed`;
  }
  if (rule.name === 'accuracy') {
    for (const v of readsStable ? [canary, stable as VersionStats] : [canary]) {
      if (!((v.labeled ?? 0) >= s.minLabels))
        return `v${v.version} has ${v.labeled ?? 0} feedback label(s) in the window, ${s.minLabels} needed`;
    }
  }
  if (rule.name === 'prediction_psi') {
    if (sum(canary.predictions) === 0 || sum(stable?.predictions) === 0)
      return 'the metrics source reports no prediction scores';
    if (canary.predictions?.length !== stable?.predictions?.length)
      return `the canary's and stable's prediction histograms have different bins (${canary.predictions?.length} and ${stable?.predictions?.length})`;
  }
  return undefined;
}

function inconclusive(rule: GateRule, why: string): GateResult {
  return {
    rule: rule.text,
    metric: rule.metric,
    op: rule.op,
    on: rule.on === 'interval' ? 'interval' : 'point',
    verdict: 'inconclusive',
    observed: null,
    required: null,
    baseline: null,
    delta: null,
    interval: null,
    reason: `not judged: ${why}`,
  };
}

/**
 * Judges one check: too few canary requests makes the whole check inconclusive; otherwise each
 * rule is judged on the evidence, or inconclusive when the data it reads is missing. The check
 * fails when any rule fails, is inconclusive when any is, and passes otherwise.
 */
export function analyseCanary(
  canary: VersionStats,
  stable: VersionStats | undefined,
  s: CanaryAnalysisSettings,
): CanaryVerdict {
  const window = formatDuration(canary.windowMs);
  if (!(canary.requests >= s.minRequests)) {
    return {
      verdict: 'inconclusive',
      reason: `v${canary.version}: ${canary.requests} request(s) in the last ${window}, ${s.minRequests} needed for a verdict`,
      results: s.rules.map((r) => inconclusive(r, `v${canary.version} has too few requests`)),
    };
  }
  const evidence = liveEvidence(canary, stable, s.level);
  const judged = evaluateGates(
    s.rules.filter((r) => missingData(r, canary, stable, s) === undefined),
    evidence,
  ).results;
  const results = s.rules.map((r) => {
    const why = missingData(r, canary, stable, s);
    return why !== undefined ? inconclusive(r, why) : (judged.shift() as GateResult);
  });
  const failed = results.filter((r) => r.verdict === 'fail');
  const open = results.filter((r) => r.verdict === 'inconclusive');
  const verdict: Verdict = failed.length > 0 ? 'fail' : open.length > 0 ? 'inconclusive' : 'pass';
  const over = `over ${canary.requests} requests in the last ${window}`;
  const listed = (rs: GateResult[]): string => rs.map((r) => `${r.rule}: ${r.reason}`).join('; ');
  const reason =
    verdict === 'fail'
      ? `${listed(failed)} (${over})`
      : verdict === 'inconclusive'
        ? `${listed(open)} (${over})`
        : `healthy: ${results.length} check(s) passed (${over})`;
  return { verdict, reason, results };
}

/**
 * The settings of a rollout's checks: `maxErrorRate` and `maxLatencyP99Ms` as the first two
 * rules, then the spec's `checks`. Rollouts recorded before checks existed get the defaults.
 */
export function canarySettings(a: CanaryPlan['analysis']): CanaryAnalysisSettings {
  return {
    rules: [
      parseCanaryCheck(`error_rate <= ${a.maxErrorRate}`),
      parseCanaryCheck(`latency_p99_ms <= ${a.maxLatencyP99Ms}`),
      ...(a.checks ?? []),
    ],
    minRequests: a.minRequests,
    minLabels: a.minLabels ?? DEFAULT_MIN_LABELS,
    level: a.confidenceLevel ?? DEFAULT_CONFIDENCE_LEVEL,
  };
}

/**
 * The settings of a monitor's checks after promotion: its thresholds as the first two rules, then
 * its (absolute) checks. Watches recorded before monitor checks existed get the defaults.
 */
export function monitorSettings(m: MonitorSpec): CanaryAnalysisSettings {
  return {
    rules: [
      parseCanaryCheck(`error_rate <= ${m.maxErrorRate}`),
      parseCanaryCheck(`latency_p99_ms <= ${m.maxLatencyP99Ms}`),
      ...(m.checks ?? []),
    ],
    minRequests: m.minRequests,
    minLabels: m.minLabels ?? DEFAULT_MIN_LABELS,
    level: DEFAULT_CONFIDENCE_LEVEL,
  };
}
