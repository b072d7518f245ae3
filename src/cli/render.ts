/**
 * Terminal views of a release, a deployment and a monitor: what `mlcd status` and `mlcd watch` print.
 */
import { formatGateReport } from '../core/gates';
import { type AnalysisCheck, type PipelineStatus, type ReleaseStage } from '../core/release';
import type { DeploymentStatus } from '../../workflows/deployment-state';
import type { MonitorStatus } from '../../workflows/monitor-state';

const FLOW: ReleaseStage[] = ['compiling', 'validating', 'training', 'evaluating', 'gating', 'awaiting_approval', 'canary', 'promoted'];
const ENDINGS = new Set<ReleaseStage>(['failed', 'rolled_back', 'aborted']);

function fmt(n: number | null | undefined, digits = 4): string {
  return n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits);
}

/** One line per stage with a mark: done, current, or not reached. */
export function renderStages(s: PipelineStatus): string {
  const current = s.stage;
  const ended = ENDINGS.has(current);
  // The stage a failed release stopped in is the last one it reached.
  const reached = ended ? lastReached(s) : FLOW.indexOf(current);
  return FLOW.filter((st) => st !== 'awaiting_approval' || s.approval?.required)
    .map((st) => {
      const i = FLOW.indexOf(st);
      let mark = '  ';
      if (i < reached || (current === 'promoted' && st === 'promoted')) mark = '✔ ';
      else if (i === reached) mark = ended ? '✘ ' : '▶ ';
      return `  ${mark}${st}`;
    })
    .join('\n');
}

function lastReached(s: PipelineStatus): number {
  if (s.canary) return FLOW.indexOf('canary');
  if (s.approval?.pending === false && s.approval.required) return FLOW.indexOf('awaiting_approval');
  if (s.gate) return FLOW.indexOf('gating');
  if (s.evaluation) return FLOW.indexOf('evaluating');
  if (s.validation) return FLOW.indexOf('training');
  if (s.model) return FLOW.indexOf('validating');
  return 0;
}

function renderCheck(c: AnalysisCheck): string {
  const v = c.verdict;
  return `    ${c.at.slice(11, 19)} ${v.verdict.toUpperCase().padEnd(7)} @${c.weight}% req=${c.canary.requests} err=${fmt(c.canary.errorRate, 3)} p99=${fmt(c.canary.latencyP99Ms, 1)}ms${
    c.stable ? ` | stable req=${c.stable.requests} err=${fmt(c.stable.errorRate, 3)} p99=${fmt(c.stable.latencyP99Ms, 1)}ms` : ''
  }${v.verdict === 'fail' || v.verdict === 'inconclusive' ? ` — ${v.reason}` : ''}`;
}

/** The full status of a release for people. */
export function renderPipelineStatus(s: PipelineStatus, url?: string): string {
  const out: string[] = [];
  out.push(`release ${s.releaseId}${s.model ? ` (model ${s.model})` : ''}: ${s.stage}`);
  if (url) out.push(`  web UI: ${url}`);
  out.push(renderStages(s));
  if (s.validation) out.push('data validation:', ...s.validation.summary.split('\n').map((l) => `  ${l}`));
  if (s.evaluation) {
    const e = s.evaluation;
    out.push(`evaluation on ${e.rows} rows (baseline: ${e.baselineSource}):`);
    for (const [m, v] of Object.entries(e.candidate)) {
      const b = e.baseline?.[m as keyof typeof e.baseline];
      out.push(`  ${m.padEnd(10)} candidate ${fmt(v)}   baseline ${fmt(b)}   delta ${b === undefined ? 'n/a' : fmt(v - b)}`);
    }
  }
  if (s.gate) out.push('gates:', ...formatGateReport(s.gate).split('\n').map((l) => `  ${l}`));
  if (s.candidate) out.push(`candidate: v${s.candidate.version}`);
  if (s.approval?.required) out.push(`approval: ${s.approval.pending ? `pending until ${s.approval.deadline}` : s.approval.by ? `approved by ${s.approval.by}${s.approval.reason ? ` (${s.approval.reason})` : ''}` : 'not given'}`);
  if (s.canary) {
    out.push(`canary: ${s.canary.phase} at ${s.canary.weight}%`);
    out.push(...s.canary.checks.slice(-5).map(renderCheck));
  }
  if (s.decisions.length) {
    out.push('decisions:');
    out.push(...s.decisions.slice(-10).map((d) => `  ${d.at.slice(11, 19)} ${d.kind} by ${d.by}: ${d.reason}`));
  }
  const artifacts = Object.entries(s.artifacts ?? {});
  if (artifacts.length) out.push('artifacts:', ...artifacts.map(([k, v]) => `  ${k}: ${v}`));
  if (s.failure) out.push(`FAILED (${s.failure.type}): ${s.failure.message}`);
  return out.join('\n');
}

export function renderDeploymentStatus(d: DeploymentStatus): string {
  const out = [`deployment of ${d.model}: ${d.phase}`];
  out.push(`  stable: ${d.stable ? `v${d.stable.version}` : 'none'}   previous: ${d.previous ? `v${d.previous.version}` : 'none'}`);
  out.push(`  weights: ${Object.entries(d.weights).map(([v, w]) => `v${v}=${w}%`).join(' ') || 'none'}`);
  if (d.canary) {
    out.push(`  canary: v${d.canary.version} step ${d.canary.step + 1}/${d.canary.steps} at ${d.canary.weight}% (${d.canary.releaseId})`);
    out.push(...d.canary.checks.slice(-5).map(renderCheck));
  }
  if (d.queued.length) out.push(`  queued: ${d.queued.join(', ')}`);
  out.push(...d.decisions.slice(-8).map((x) => `  ${x.at.slice(11, 19)} ${x.kind} by ${x.by}: ${x.reason}`));
  return out.join('\n');
}

export function renderMonitorStatus(m: MonitorStatus): string {
  const out = [`monitor of ${m.model}: ${m.watching ? `guarding v${m.watch?.version} until ${new Date(m.until ?? 0).toISOString()}` : 'idle'}`];
  out.push(...m.checks.slice(-5).map(renderCheck));
  out.push(...m.decisions.slice(-5).map((x) => `  ${x.at.slice(11, 19)} ${x.kind} by ${x.by}: ${x.reason}`));
  return out.join('\n');
}

