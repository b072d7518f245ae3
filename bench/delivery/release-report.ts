/** The markdown of the bench's release part (see release-bench.ts): orchestration and rollbacks. */
import type { Spread } from './latency-stats';
import type { ReleaseBenchResult } from './release-bench';

const f = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const fs = (s: Spread, digits = 0): string =>
  `${f(s.median, digits)} (${f(s.min, digits)} – ${f(s.max, digits)})`;

export function releaseMarkdown(r: ReleaseBenchResult): string {
  const o = r.orchestration;
  const lines = [
    `**Serving daemon on the ${r.dataPlane} data plane.**`,
    '',
    `Orchestration of a whole release with no-op jobs and no bake time (validate → train → score ×2 → evaluate → gates → register → deploy → 20 % → 100 % → promote), ${o.runs - o.failedRuns} of ${o.runs} releases promoted; median (min – max), ms:`,
    '',
    '| wall time | in activities | between activities (workflow tasks, signals, timers) | waiting for a worker |',
    '|---|---|---|---|',
    `| ${fs(o.wallMs)} | ${fs(o.inActivitiesMs)} | ${fs(o.betweenActivitiesMs)} | ${fs(o.dispatchMs)} |`,
    '',
    `Where the activity time goes (median per release, ms): ${o.byActivityMs
      .filter((a) => a.medianMs >= 1)
      .map((a) => `${a.activity}${a.count > 1 ? ` ×${a.count}` : ''} ${f(a.medianMs)}`)
      .join(', ')}.`,
    '',
    `Breach to rollback: a candidate that fails every request (errors) or answers in 400 ms (slow, bound 250 ms) at 20 %; from its first breaching answer seen by the load to all traffic back on stable. Analysis every ${r.analysisIntervalMs} ms; window ${r.windowMs.local} ms (local), ${r.windowMs.prometheus} ms (Prometheus, scrape every ${r.scrapeIntervalMs} ms); median (min – max), ms:`,
    '',
    '| metrics source | trials | breach → rollback | breach → failed check | failed check → stable 100 % | target | met |',
    '|---|---|---|---|---|---|---|',
    ...r.rollback.map(
      (x) =>
        `| ${x.source} | ${x.trials - x.failedTrials} of ${x.trials} rolled back | **${fs(x.breachToRollbackMs)}** | ${fs(x.detectMs)} | ${fs(x.restoreMs)} | ≤ ${x.targetMs} | ${x.met ? 'yes' : 'NO'} |`,
    ),
  ];
  const failed = [...r.orchestrationRuns, ...r.rollbackTrials].filter((t) => !t.ok);
  if (failed.length > 0)
    lines.push('', 'Failed:', ...failed.map((t) => `- ${t.releaseId}: ${t.problem ?? '?'}`));
  return lines.join('\n') + '\n';
}
