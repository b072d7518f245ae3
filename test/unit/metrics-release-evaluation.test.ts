import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableToIPC, tableFromArrays } from 'apache-arrow';
import { DataValidationError } from '../../src/core/errors';
import { parseGateRule } from '../../src/core/gate-rules';
import { renderEvaluationHtml } from '../../src/metrics/evaluation-html';
import { evaluateRelease } from '../../src/metrics/release-evaluation';
import type { EvaluationSpec } from '../../src/core/spec/types';
import { uniform01 } from '../fixtures/sketch/samples';

/** Writes a predictions file of `n` rows; `strength` scales how well the score separates the classes. */
function writePredictions(
  path: string,
  n: number,
  strength: number,
  seed: number,
  plans = ['basic', 'premium', '<b>vip</b>'],
): void {
  const labels = uniform01(1);
  const noise = uniform01(seed);
  const churned = Int32Array.from({ length: n }, () => (labels() < 0.3 ? 1 : 0));
  const score = Float64Array.from(churned, (y) =>
    Math.min(1, Math.max(0, strength * y + (1 - strength) * noise())),
  );
  const plan = Array.from({ length: n }, (_, i) => plans[i % plans.length] as string);
  writeFileSync(path, tableToIPC(tableFromArrays({ churned, score, plan }), 'file'));
}

const SPEC: EvaluationSpec = {
  labelColumn: 'churned',
  scoreColumn: 'score',
  threshold: 0.5,
  metrics: ['auc_roc', 'precision'],
  slices: ['plan'],
  intervals: { rounds: 200, seed: 3, level: 0.9 },
  inconclusive: 'fail',
  moreData: { waitMs: 3_600_000, attempts: 3 },
};

describe('evaluateRelease', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlcd-eval-'));
  const cand = join(dir, 'candidate.arrow');
  const base = join(dir, 'baseline.arrow');
  writePredictions(cand, 2000, 0.35, 5);
  writePredictions(base, 2000, 0.1, 6);
  const modelDir = join(dir, 'model');
  mkdirSync(modelDir);
  writeFileSync(join(modelDir, 'weights.bin'), Buffer.alloc(2_500_000));
  writeFileSync(
    cand + '.latency.json',
    JSON.stringify({ latency_p50_ms: 1.5, latency_p99_ms: 7, other: 'x' }),
  );

  it('judges every kind of rule, writes the JSON and HTML reports and keeps only what gates read', async () => {
    const gates = [
      'auc_roc >= baseline + 0.05 with confidence',
      'recall[plan=premium] drop <= 5% with confidence',
      'precision[class=0] >= 0.5',
      'demographic_parity_difference[plan] <= 0.2',
      'model_size_mb <= 2',
      'latency_p99_ms <= 10',
    ].map(parseGateRule);
    const out = join(dir, 'reports');
    const r = await evaluateRelease({
      spec: SPEC,
      gates,
      candidate: { predictionsPath: cand, modelDir, source: 'candidate' },
      baseline: { predictionsPath: base, source: 'production@3' },
      outDir: out,
    });
    expect(r.gate.results.map((g) => [g.rule, g.verdict])).toEqual([
      ['auc_roc >= baseline + 0.05 with confidence', 'pass'],
      ['recall[plan=premium] drop <= 5% with confidence', 'pass'],
      ['precision[class=0] >= 0.5', 'pass'],
      ['demographic_parity_difference[plan] <= 0.2', 'pass'],
      ['model_size_mb <= 2', 'fail'],
      ['latency_p99_ms <= 10', 'pass'],
    ]);
    expect(r.gate.results[4]?.observed).toBe(2.5);
    expect(r.rows).toBe(2000);
    expect(Object.keys(r.evidence.candidate).sort()).toEqual(
      [
        'auc_roc',
        'demographic_parity_difference[plan]',
        'latency_p99_ms',
        'model_size_mb',
        'precision',
        'precision[class=0]',
        'recall[plan=premium]',
      ].sort(),
    );
    expect(r.evidence.difference?.auc_roc?.lower).toBeGreaterThan(0.05);
    const json = JSON.parse(readFileSync(r.reportPath, 'utf8')) as {
      baseline: { source: string };
      delong: { pValue: number };
      candidate: { slices: Array<{ column: string }> };
    };
    expect(json.baseline.source).toBe('production@3');
    // Every overall metric has its intervals in the report, not only the gated ones.
    const intervals = (
      JSON.parse(readFileSync(r.reportPath, 'utf8')) as {
        metricIntervals: Record<string, { candidate?: number[]; difference?: number[] }>;
      }
    ).metricIntervals;
    expect(Object.keys(intervals)).toContain('brier');
    const brier = intervals.brier;
    expect(brier?.candidate?.[0]).toBeLessThan(brier?.candidate?.[1] ?? 0);
    expect(brier?.difference?.[0]).toBeLessThan(brier?.difference?.[1] ?? 0);
    expect(json.delong.pValue).toBeLessThan(1e-6);
    expect(json.candidate.slices[0]?.column).toBe('plan');
    const html = readFileSync(r.htmlReportPath, 'utf8');
    expect(html).toContain('<h2>Gates: <span class="fail">FAIL</span></h2>');
    expect(html).toContain('&lt;b&gt;vip&lt;/b&gt;');
    expect(html).not.toContain('<b>vip</b>');
    expect(html).toContain('<svg');
  });

  it('refuses a baseline scored on other rows and a single-class eval set fails the AUC gate closed', async () => {
    const short = join(dir, 'short.arrow');
    writePredictions(short, 500, 0.1, 7);
    await expect(
      evaluateRelease({
        spec: SPEC,
        gates: [],
        candidate: { predictionsPath: cand, source: 'candidate' },
        baseline: { predictionsPath: short, source: 'b' },
        outDir: join(dir, 'x'),
      }),
    ).rejects.toThrow(DataValidationError);
    const single = join(dir, 'single.arrow');
    writeFileSync(
      single,
      tableToIPC(
        tableFromArrays({
          churned: Int32Array.from([1, 1, 1]),
          score: Float64Array.from([0.2, 0.5, 0.9]),
          plan: ['a', 'b', 'a'],
        }),
        'file',
      ),
    );
    const r = await evaluateRelease({
      spec: SPEC,
      gates: [parseGateRule('auc_roc >= 0.6')],
      candidate: { predictionsPath: single, source: 'candidate' },
      outDir: join(dir, 'y'),
    });
    expect(r.gate.verdict).toBe('fail');
    expect(r.gate.results[0]?.reason).toContain(
      'candidate auc_roc is NaN (e.g. an evaluation set with a single class)',
    );
    expect(renderEvaluationHtml(JSON.parse(readFileSync(r.reportPath, 'utf8')))).toContain('no baseline');
  });
});
