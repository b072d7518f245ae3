/** The spec's canary checks, failure limits and confirm step: compiled, or rejected by path. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpecError, type SpecIssue } from '../../src/core/errors';
import { compileReleaseSpec } from '../../src/core/spec/compile';
import { parseSpecText } from '../../src/core/spec/parse-text';

const SPEC_DIR = resolve(__dirname, '../../examples/churn');
const SPEC_FILE = resolve(SPEC_DIR, 'mlcd.yaml');
/** Raw specs are mutated freely below, so they are loosely typed on purpose. */
type RawSpec = Record<string, any>;

const exampleRaw = (): RawSpec => parseSpecText(readFileSync(SPEC_FILE, 'utf8'), SPEC_FILE) as RawSpec;
const compile = (raw: unknown) => compileReleaseSpec(raw, { source: SPEC_FILE, specDir: SPEC_DIR });

function issuesOf(raw: unknown): Array<Pick<SpecIssue, 'path' | 'message'>> {
  try {
    compile(raw);
  } catch (e) {
    if (e instanceof SpecError) return e.issues.map(({ path, message }) => ({ path, message }));
    throw e;
  }
  throw new Error('the spec compiled');
}

it('compiles checks, the consecutive limit, the confidence level and confirm', () => {
  const raw = exampleRaw();
  raw.canary.confirm = true;
  raw.canary.analysis.checks = [
    'latency_p99_ms <= stable * 1.2',
    'error_rate <= stable + 0.01 with confidence',
  ];
  raw.canary.analysis.consecutiveFailureLimit = 2;
  raw.canary.analysis.failureLimit = 4;
  raw.canary.analysis.minLabels = 50;
  raw.canary.analysis.confidence = 0.9;
  const { canary } = compile(raw);
  expect(canary.confirm).toBe(true);
  expect(canary.analysis).toMatchObject({
    failureLimit: 4,
    consecutiveFailureLimit: 2,
    minLabels: 50,
    confidenceLevel: 0.9,
  });
  expect(canary.analysis.checks?.map((c) => [c.text, c.name, c.kind, c.on])).toEqual([
    ['latency_p99_ms <= stable * 1.2', 'latency_p99_ms', 'ratio', 'point'],
    ['error_rate <= stable + 0.01 with confidence', 'error_rate', 'delta', 'interval'],
  ]);
});

it('names the check that cannot be judged, and why', () => {
  const raw = exampleRaw();
  raw.canary.analysis.checks = [
    'error_rate <= stable',
    'auc_roc >= stable',
    'latency_p99_ms <= 300 with confidence',
  ];
  raw.canary.analysis.confidence = 1;
  expect(issuesOf(raw)).toEqual([
    {
      path: 'canary.analysis.checks[1]',
      message:
        'invalid canary check "auc_roc >= stable": auc_roc is not a live metric; canary checks read error_rate, latency_p50_ms, latency_p99_ms, accuracy, prediction_psi',
    },
    {
      path: 'canary.analysis.checks[2]',
      message:
        'invalid canary check "latency_p99_ms <= 300 with confidence": latency_p99_ms has no confidence interval (only error_rate and accuracy do); drop "with confidence"',
    },
    { path: 'canary.analysis.confidence', message: 'expected a value < 1' },
  ]);
});

it('keeps live metrics out of the offline gates', () => {
  const raw = exampleRaw();
  raw.gates = ['error_rate <= 0.01'];
  expect(issuesOf(raw)).toEqual([
    {
      path: 'gates[0]',
      message:
        'gate "error_rate <= 0.01": error_rate is a live serving metric; judge it in the canary analysis (canary.analysis.checks)',
    },
  ]);
});

it('compiles absolute monitor checks and refuses ones that need a stable version', () => {
  const raw = exampleRaw();
  raw.monitor.checks = ['accuracy >= 0.8'];
  raw.monitor.minLabels = 40;
  expect(compile(raw).monitor).toMatchObject({
    minLabels: 40,
    checks: [expect.objectContaining({ text: 'accuracy >= 0.8' })],
  });
  raw.monitor.checks = ['accuracy >= stable', 'prediction_psi <= 0.1'];
  expect(issuesOf(raw)).toEqual([
    {
      path: 'monitor.checks[0]',
      message:
        'monitor check "accuracy >= stable": after promotion there is no stable version to compare with; give an absolute bound',
    },
    {
      path: 'monitor.checks[1]',
      message:
        'monitor check "prediction_psi <= 0.1": after promotion there is no stable version to compare with; give an absolute bound on error_rate, latency or accuracy',
    },
  ]);
});

it('compiles the monitor live-drift settings and names a bad one', () => {
  const raw = exampleRaw();
  raw.monitor.drift = {
    interval: '10m',
    sampleRows: 5000,
    minRows: 500,
    retrain: false,
    retrainCooldown: '6h',
  };
  expect(compile(raw).monitor.drift).toEqual({
    enabled: true,
    intervalMs: 600_000,
    sampleRows: 5000,
    minRows: 500,
    retrain: false,
    retrainCooldownMs: 21_600_000,
  });
  raw.monitor.drift = { sampleRows: 200_000, every: '1m' };
  expect(issuesOf(raw)).toEqual([
    { path: 'monitor.drift.sampleRows', message: 'expected a value <= 100000' },
    {
      path: 'monitor.drift.every',
      message:
        'unknown field "every"; allowed fields: enabled, interval, sampleRows, minRows, retrain, retrainCooldown',
    },
  ]);
});
