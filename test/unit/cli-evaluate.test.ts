/**
 * `mlcd evaluate` in process on predictions files written here: the metrics table, the gate
 * verdicts and exit codes 0 / 1 / 2, JSON and HTML reports, multiclass and regression.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tableFromArrays, tableToIPC } from 'apache-arrow';

import { evaluateCommand } from '../../src/cli/evaluate-command';
import type { EvaluationReport } from '../../src/metrics/evaluation-report';
import { uniform01 } from '../fixtures/sketch/samples';

let dir: string;

function write(name: string, columns: Record<string, Int32Array | Float64Array | string[]>): string {
  const path = join(dir, name);
  writeFileSync(path, tableToIPC(tableFromArrays(columns), 'file'));
  return path;
}

function binary(name: string, strength: number, seed: number): string {
  const y = uniform01(1);
  const noise = uniform01(seed);
  const label = Int32Array.from({ length: 1500 }, () => (y() < 0.3 ? 1 : 0));
  const score = Float64Array.from(label, (v) => Math.min(1, strength * v + (1 - strength) * noise()));
  const plan = Array.from({ length: 1500 }, (_, i) => ['basic', 'premium'][i % 2] as string);
  return write(name, { label, score, plan });
}

/** Runs the command with stdout and stderr captured. */
async function evaluate(
  predictions: string,
  options: Partial<Parameters<typeof evaluateCommand>[1]>,
): Promise<{ code: number; out: string; err: string }> {
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await evaluateCommand(predictions, { task: 'binary', slice: [], gate: [], ...options });
    return {
      code,
      out: out.mock.calls.map((c) => String(c[0])).join(''),
      err: err.mock.calls.map((c) => String(c[0])).join('\n'),
    };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlcd-cli-evaluate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mlcd evaluate (binary)', () => {
  it('prints candidate, baseline and delta per metric; no gates: exit 0', async () => {
    const r = await evaluate(binary('good.arrow', 0.4, 2), { baseline: binary('weak.arrow', 0.1, 3) });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^1500 rows, threshold 0\.5\n/);
    expect(r.out).toMatch(/auc_roc\s+0\.\d{4}\s+0\.\d{4}\s+0\.\d{4}/);
    expect(r.out).toContain('DeLong test of the AUC difference');
  });

  it('gates decide the exit code: 0 pass, 1 fail or inconclusive; reports go to files', async () => {
    const good = join(dir, 'good.arrow');
    const weak = join(dir, 'weak.arrow');
    const html = join(dir, 'report.html');
    const json = join(dir, 'report.json');
    const pass = await evaluate(good, {
      baseline: weak,
      gate: ['auc_roc >= baseline + 0.05 with confidence'],
      slice: ['plan'],
      html,
      out: json,
      rounds: 200,
    });
    expect(pass.code).toBe(0);
    expect(pass.out).toContain('gates: PASS');
    expect(pass.out).toMatch(
      /PASS auc_roc >= baseline \+ 0\.05 with confidence: .*95% interval of the difference/,
    );
    expect(readFileSync(html, 'utf8')).toContain('<h2>Slices by plan</h2>');
    expect((JSON.parse(readFileSync(json, 'utf8')) as EvaluationReport).candidate.slices[0]?.column).toBe(
      'plan',
    );
    const fail = await evaluate(weak, { baseline: good, gate: ['auc_roc >= baseline'] });
    expect(fail.code).toBe(1);
    expect(fail.out).toContain('gates: FAIL');
    const unsure = await evaluate(good, {
      gate: ['auc_roc >= 0.5 with confidence', 'auc_roc[plan=basic] >= 0.999 with confidence'],
      slice: ['plan'],
      rounds: 200,
      seed: 4,
    });
    expect(unsure.out).toMatch(/PASS auc_roc >= 0\.5/);
    expect(unsure.code).toBe(1);
  });

  it('--json prints the report', async () => {
    const r = await evaluate(join(dir, 'good.arrow'), { json: true });
    expect((JSON.parse(r.out) as EvaluationReport).rows).toBe(1500);
  });

  it('unusable input exits 2 naming the problem', async () => {
    const missing = await evaluate(join(dir, 'nope.arrow'), {});
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('predictions file not found');
    const badGate = await evaluate(join(dir, 'good.arrow'), { gate: ['auc >= 0.5'] });
    expect(badGate.code).toBe(2);
    expect(badGate.err).toContain('--gate: invalid gate rule "auc >= 0.5": unknown metric "auc"');
    const column = await evaluate(join(dir, 'good.arrow'), { score: 'prob' });
    expect(column.code).toBe(2);
    expect(column.err).toContain('has no score column "prob"');
    const scores = write('bad-scores.arrow', {
      label: Int32Array.from([0, 1, 1]),
      score: Float64Array.from([0.1, 1.7, 0.3]),
    });
    const outside = await evaluate(scores, {});
    expect(outside.code).toBe(2);
    expect(outside.err).toContain('score at row 1 is 1.7; scores must be finite probabilities in [0, 1]');
    const empty = join(dir, 'empty.arrow');
    writeFileSync(empty, '');
    const emptyRun = await evaluate(empty, {});
    expect(emptyRun.code).toBe(2);
    expect(emptyRun.err).toContain(`predictions file ${empty} is not a readable Arrow IPC file`);
    const zero = write('zero.arrow', { label: Int32Array.from([]), score: Float64Array.from([]) });
    const zeroRun = await evaluate(zero, {});
    expect(zeroRun.code).toBe(2);
    expect(zeroRun.err).toContain('no rows to compute metrics from');
    const labels = write('labels.arrow', {
      label: Int32Array.from([0, 2, 1]),
      score: Float64Array.from([0.1, 0.7, 0.3]),
    });
    const labelRun = await evaluate(labels, {});
    expect(labelRun.err).toContain('label at row 1 is 2; labels must be 0 or 1');
    const nan = write('nan.arrow', {
      label: Int32Array.from([0, 1, 1]),
      score: Float64Array.from([0.1, NaN, 0.3]),
    });
    expect((await evaluate(nan, {})).err).toContain('score at row 1 is NaN');
    const short = write('short.arrow', {
      label: Int32Array.from([0, 1, 1]),
      score: Float64Array.from([0.1, 0.7, 0.3]),
    });
    const rows = await evaluate(join(dir, 'good.arrow'), { baseline: short });
    expect(rows.code).toBe(2);
    expect(rows.err).toContain('candidate and baseline predictions differ in rows');
  });
});

describe('mlcd evaluate (multiclass, regression)', () => {
  it('multiclass: one probability column per class', async () => {
    const path = write('multi.arrow', {
      label: Int32Array.from([0, 1, 2, 2]),
      p0: Float64Array.from([0.7, 0.2, 0.1, 0.2]),
      p1: Float64Array.from([0.2, 0.6, 0.2, 0.5]),
      p2: Float64Array.from([0.1, 0.2, 0.7, 0.3]),
    });
    const r = await evaluate(path, { task: 'multiclass', scores: 'p0,p1,p2' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ n: 4, k: 3, accuracy: 0.75 });
    const missing = await evaluate(path, { task: 'multiclass' });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--task multiclass needs --scores');
  });

  it('regression: target and prediction columns', async () => {
    const path = write('reg.arrow', {
      label: Float64Array.from([1, 2, 3, 4]),
      prediction: Float64Array.from([1, 2, 3, 5]),
    });
    const r = await evaluate(path, { task: 'regression' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ n: 4, mae: 0.25, max_error: 1 });
  });
});
