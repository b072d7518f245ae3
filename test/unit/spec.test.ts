import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpecError } from '../../src/core/errors';
import type { SpecIssue } from '../../src/core/errors';
import { compileReleaseSpec } from '../../src/core/spec/compile';
import { formatDuration, parseDuration } from '../../src/core/spec/durations';
import { parseSpecText } from '../../src/core/spec/parse-text';
import { isWithinPosix, normalizePosix, resolvePosix } from '../../src/core/spec/posix-path';
import { canonicalJson, sha256Hex } from '../../src/core/spec/sha256';
import { loadReleaseSpecFile } from '../../src/spec-file';

const SPEC_DIR = resolve(__dirname, '../../examples/churn');
const SPEC_FILE = resolve(SPEC_DIR, 'mlcd.yaml');
/** Raw specs are mutated freely by the tests below, so they are loosely typed on purpose. */

type RawSpec = Record<string, any>;
const exampleRaw = (): RawSpec => parseSpecText(readFileSync(SPEC_FILE, 'utf8'), SPEC_FILE) as RawSpec;
const compile = (raw: unknown, params?: Record<string, string>) =>
  compileReleaseSpec(raw, { source: 'mlcd.yaml', specDir: SPEC_DIR, ...(params ? { params } : {}) });

/** The issues of the SpecError that compiling `raw` throws. */
function issuesOf(raw: unknown, params?: Record<string, string>): SpecIssue[] {
  try {
    compile(raw, params);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    expect((e as SpecError).source).toBe('mlcd.yaml');
    return (e as SpecError).issues;
  }
  throw new Error('expected a SpecError, the spec compiled');
}

/** A minimal valid spec: only the required fields. */
function minimal(): RawSpec {
  return {
    apiVersion: 'mlcd/v1',
    model: 'm1',
    data: { train: 'train.arrow', eval: 'eval.arrow' },
    validation: { columns: { label: { type: 'integer', values: [0, 1] } } },
    training: { command: ['{python}', 'train.py', '{train}', '{output}'] },
    scoring: { command: ['{python}', 'score.py', '{model}', '{data}', '{predictions}'] },
    serving: { command: ['{python}', 'serve.py', '--port', '{port}'] },
    canary: { analysis: { interval: '10s' }, steps: [{ setWeight: 100 }] },
  };
}

describe('compileReleaseSpec: the example spec', () => {
  const spec = compile(exampleRaw());

  it('fills identity, params and absolute data paths', () => {
    expect(spec.apiVersion).toBe('mlcd/v1');
    expect(spec.model).toBe('churn');
    expect(spec.specDir).toBe(SPEC_DIR);
    expect(spec.params).toEqual({ data_dir: 'data/clean', train_fault: 'none', serve_fault: 'none' });
    expect(spec.data).toEqual({
      train: `${SPEC_DIR}/data/clean/train.arrow`,
      eval: `${SPEC_DIR}/data/clean/eval.arrow`,
      reference: `${SPEC_DIR}/data/clean/reference.arrow`,
      allowedRoots: [`${SPEC_DIR}/data`],
    });
  });

  it('compiles validation with column defaults', () => {
    expect(spec.validation.minRows).toBe(500);
    expect(spec.validation.maxRows).toBeUndefined();
    expect(spec.validation.allowExtraColumns).toBeUndefined();
    expect(spec.validation.expectationsFile).toBe(`${SPEC_DIR}/expectations.json`);
    expect(Object.keys(spec.validation.columns)).toEqual([
      'tenure_months',
      'monthly_charges',
      'support_calls',
      'usage_gb',
      'plan',
      'region',
      'churned',
    ]);
    expect(spec.validation.columns.usage_gb).toEqual({
      type: 'number',
      required: true,
      nullable: true,
      maxNullFraction: 0.05,
      min: 0,
      unique: false,
    });
    expect(spec.validation.columns.plan).toEqual({
      type: 'string',
      required: true,
      nullable: false,
      maxNullFraction: 1,
      values: ['basic', 'standard', 'premium'],
      unique: false,
    });
  });

  it('substitutes params in commands and keeps runtime placeholders', () => {
    expect(spec.training).toEqual({
      command: [
        '{python}',
        'model.py',
        'train',
        '--train',
        '{train}',
        '--eval',
        '{eval}',
        '--out',
        '{output}',
        '--fault',
        'none',
        '--serve-fault',
        'none',
      ],
      env: {},
      cwd: SPEC_DIR,
      timeoutMs: 20 * 60_000,
    });
    expect(spec.scoring.timeoutMs).toBe(10 * 60_000);
    expect(spec.serving).toEqual({
      command: ['{python}', 'model.py', 'serve', '--model', '{model}', '--port', '{port}'],
      env: { OMP_NUM_THREADS: '1' },
      cwd: SPEC_DIR,
      startupTimeoutMs: 60_000,
    });
  });

  it('compiles evaluation, gates and approval', () => {
    expect(spec.evaluation).toEqual({
      labelColumn: 'churned',
      scoreColumn: 'score',
      threshold: 0.5,
      metrics: ['auc_roc', 'average_precision', 'precision', 'recall', 'f1', 'accuracy'],
      slices: ['plan', 'region'],
      intervals: { rounds: 1000, seed: 0, level: 0.95 },
      inconclusive: 'fail',
      moreData: { waitMs: 3_600_000, attempts: 3 },
    });
    const point = { selector: { kind: 'overall' }, on: 'point' } as const;
    expect(spec.gates).toEqual([
      {
        ...point,
        kind: 'absolute',
        text: 'auc_roc >= 0.70',
        metric: 'auc_roc',
        name: 'auc_roc',
        op: '>=',
        threshold: 0.7,
      },
      {
        ...point,
        on: 'interval',
        kind: 'delta',
        text: 'auc_roc >= baseline - 0.005 with confidence',
        metric: 'auc_roc',
        name: 'auc_roc',
        op: '>=',
        delta: -0.005,
      },
      {
        ...point,
        kind: 'ratio',
        text: 'precision drop <= 5%',
        metric: 'precision',
        name: 'precision',
        op: '>=',
        ratio: 0.95,
      },
      {
        kind: 'absolute',
        text: 'auc_roc[worst plan] >= 0.65 with confidence',
        metric: 'auc_roc[worst plan]',
        name: 'auc_roc',
        selector: { kind: 'worst', column: 'plan' },
        on: 'interval',
        op: '>=',
        threshold: 0.65,
      },
      {
        ...point,
        kind: 'absolute',
        text: 'model_size_mb <= 50',
        metric: 'model_size_mb',
        name: 'model_size_mb',
        op: '<=',
        threshold: 50,
      },
      {
        ...point,
        kind: 'absolute',
        text: 'latency_p99_ms <= 500',
        metric: 'latency_p99_ms',
        name: 'latency_p99_ms',
        op: '<=',
        threshold: 500,
      },
    ]);
    expect(spec.approval).toEqual({ required: false, timeoutMs: 3_600_000 });
  });

  it('compiles the canary plan, monitor and backends', () => {
    expect(spec.canary).toEqual({
      confirm: false,
      analysis: {
        intervalMs: 2000,
        windowMs: 4000,
        minRequests: 10,
        maxErrorRate: 0.05,
        maxLatencyP99Ms: 250,
        failureLimit: 1,
        consecutiveFailureLimit: 1,
        checks: [],
        minLabels: 20,
        confidenceLevel: 0.95,
      },
      steps: [
        { kind: 'setWeight', weight: 20 },
        { kind: 'bake', durationMs: 8000 },
        { kind: 'setWeight', weight: 50 },
        { kind: 'bake', durationMs: 8000 },
        { kind: 'setWeight', weight: 100 },
      ],
    });
    expect(spec.monitor).toEqual({
      enabled: true,
      intervalMs: 2000,
      windowMs: 4000,
      durationMs: 7 * 86_400_000,
      minRequests: 10,
      maxErrorRate: 0.05,
      maxLatencyP99Ms: 400,
      failureLimit: 1,
      checks: [],
      minLabels: 20,
      drift: { enabled: true, intervalMs: 15_000, sampleRows: 1_000, minRows: 200, retrain: true, retrainCooldownMs: 3_600_000 },
    });
    expect(spec.backends).toEqual({
      jobs: { kind: 'local' },
      registry: { kind: 'local' },
      traffic: { kind: 'local', url: 'http://127.0.0.1:8710' },
      metrics: { kind: 'local', url: 'http://127.0.0.1:8710' },
      notifier: { kind: 'log' },
    });
  });

  it('is plain JSON (travels as workflow input)', () => {
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('specHash is the sha256 of the canonical JSON of {raw, params}, stable under key order', () => {
    const raw = exampleRaw();
    const expected = createHash('sha256')
      .update(canonicalJson({ raw, params: spec.params }))
      .digest('hex');
    expect(spec.specHash).toBe(expected);
    const reordered = Object.fromEntries(Object.entries(raw).reverse());
    expect(compile(reordered).specHash).toBe(spec.specHash);
    expect(compile(raw, { train_fault: 'bad-model' }).specHash).not.toBe(spec.specHash);
    expect(compile(raw, { train_fault: 'none' }).specHash).toBe(spec.specHash);
  });

  it('applies --param overrides to data paths and commands', () => {
    const s = compile(exampleRaw(), { data_dir: 'data/corrupt', train_fault: 'bad-model' });
    expect(s.params).toEqual({ data_dir: 'data/corrupt', train_fault: 'bad-model', serve_fault: 'none' });
    expect(s.data.train).toBe(`${SPEC_DIR}/data/corrupt/train.arrow`);
    expect(s.training.command.slice(-4)).toEqual(['--fault', 'bad-model', '--serve-fault', 'none']);
  });

  it('loadReleaseSpecFile reads and compiles the same spec', async () => {
    expect(await loadReleaseSpecFile(SPEC_FILE)).toEqual(spec);
  });
});

describe('compileReleaseSpec: defaults', () => {
  const spec = compile(minimal());

  it('fills every documented default', () => {
    expect(spec.params).toEqual({});
    expect(spec.data.allowedRoots).toEqual([SPEC_DIR]);
    // Table rules are left unset (a schema file or SPEC_DEFAULTS fills them at validation time).
    expect(spec.validation).toEqual({
      columns: {
        label: {
          type: 'integer',
          required: true,
          nullable: false,
          maxNullFraction: 1,
          values: [0, 1],
          unique: false,
        },
      },
      drift: {
        enabled: true,
        numeric: { method: 'wasserstein', threshold: 0.1 },
        categorical: { method: 'jensenshannon', threshold: 0.1 },
        columns: {},
        columnSeverity: 'error',
        maxDriftedShare: 0.5,
      },
    });
    expect(spec.training.timeoutMs).toBe(3_600_000);
    expect(spec.training.env).toEqual({});
    expect(spec.training.cwd).toBe(SPEC_DIR);
    expect(spec.evaluation).toEqual({
      labelColumn: 'label',
      scoreColumn: 'score',
      threshold: 0.5,
      metrics: ['auc_roc', 'precision', 'recall', 'f1', 'accuracy'],
      slices: [],
      intervals: { rounds: 1000, seed: 0, level: 0.95 },
      inconclusive: 'fail',
      moreData: { waitMs: 3_600_000, attempts: 3 },
    });
    expect(spec.gates).toEqual([]);
    expect(spec.approval).toEqual({ required: false, timeoutMs: 86_400_000 });
    expect(spec.serving.startupTimeoutMs).toBe(60_000);
    expect(spec.canary.analysis).toEqual({
      intervalMs: 10_000,
      windowMs: 10_000,
      minRequests: 20,
      maxErrorRate: 0.05,
      maxLatencyP99Ms: 500,
      failureLimit: 1,
      consecutiveFailureLimit: 1,
      checks: [],
      minLabels: 20,
      confidenceLevel: 0.95,
    });
    expect(spec.backends.traffic.url).toBe('http://127.0.0.1:8710');
    expect(spec.backends.notifier.kind).toBe('log');
  });

  it('a missing monitor section inherits the canary analysis, enabled for 7 days', () => {
    expect(spec.monitor).toEqual({
      enabled: true,
      intervalMs: 10_000,
      windowMs: 10_000,
      durationMs: 604_800_000,
      minRequests: 20,
      maxErrorRate: 0.05,
      maxLatencyP99Ms: 500,
      failureLimit: 1,
      checks: [],
      minLabels: 20,
      drift: { enabled: true, intervalMs: 300_000, sampleRows: 2_000, minRows: 200, retrain: true, retrainCooldownMs: 3_600_000 },
    });
  });

  it('an explicit monitor section fills its own defaults', () => {
    const raw = minimal();
    raw.monitor = { interval: '1m' };
    expect(compile(raw).monitor).toEqual({
      enabled: true,
      intervalMs: 60_000,
      windowMs: 60_000,
      durationMs: 604_800_000,
      minRequests: 20,
      maxErrorRate: 0.05,
      maxLatencyP99Ms: 500,
      failureLimit: 1,
      checks: [],
      minLabels: 20,
      drift: { enabled: true, intervalMs: 300_000, sampleRows: 2_000, minRows: 200, retrain: true, retrainCooldownMs: 3_600_000 },
    });
  });

  it('resolves cwd, registry path and env; coerces scalar argv/env values to strings', () => {
    const raw = minimal();
    raw.params = { port: 9000 };
    raw.training.cwd = 'jobs/../jobs/train';
    raw.training.env = { THREADS: 4, MODE: '{params.port}' };
    raw.serving.command = ['server', '--port', 8080];
    raw.backends = {
      registry: { kind: 'local', path: '/var/lib/mlcd/registry/' },
      traffic: { kind: 'local', url: 'http://10.0.0.1:9000/' },
    };
    const s = compile(raw);
    expect(s.training.cwd).toBe(`${SPEC_DIR}/jobs/train`);
    expect(s.training.env).toEqual({ THREADS: '4', MODE: '9000' });
    expect(s.serving.command).toEqual(['server', '--port', '8080']);
    expect(s.backends.registry).toEqual({ kind: 'local', path: '/var/lib/mlcd/registry' });
    expect(s.backends.traffic.url).toBe('http://10.0.0.1:9000');
  });

  it('accepts pause as {}, null or true, and a trailing bake after 100', () => {
    const raw = minimal();
    raw.canary.steps = [
      { setWeight: 10 },
      { pause: {} },
      { setWeight: 10 },
      { pause: null },
      { setWeight: 100 },
      { pause: true },
      { bake: 500 },
    ];
    expect(compile(raw).canary.steps).toEqual([
      { kind: 'setWeight', weight: 10 },
      { kind: 'pause' },
      { kind: 'setWeight', weight: 10 },
      { kind: 'pause' },
      { kind: 'setWeight', weight: 100 },
      { kind: 'pause' },
      { kind: 'bake', durationMs: 500 },
    ]);
  });
});

describe('compileReleaseSpec: errors name the field path and the value', () => {
  it('unknown key (typo) with a suggestion and the allowed fields', () => {
    const raw = exampleRaw();
    raw.training.tiemout = raw.training.timeout;
    delete raw.training.timeout;
    expect(issuesOf(raw)).toEqual([
      {
        path: 'training.tiemout',
        message:
          'unknown field "tiemout" (did you mean "timeout"?); allowed fields: command, env, cwd, timeout',
        value: '"20m"',
      },
    ]);
  });

  it('unknown top-level key', () => {
    const raw = exampleRaw();
    raw.gate = ['auc_roc >= 0.7'];
    expect(issuesOf(raw)).toEqual([
      {
        path: 'gate',
        message:
          'unknown field "gate" (did you mean "gates"?); allowed fields: apiVersion, model, params, data, validation, training, scoring, evaluation, gates, approval, serving, canary, monitor, backends',
        value: '["auc_roc >= 0.7"]',
      },
    ]);
  });

  it('bad duration', () => {
    const raw = exampleRaw();
    raw.canary.steps[1] = { bake: '8 seconds' };
    raw.training.timeout = '-5m';
    expect(issuesOf(raw)).toEqual([
      {
        path: 'training.timeout',
        message:
          'expected a duration like "500ms", "2s", "20m", "1h", "7d" (or "1h30m") or a number of milliseconds',
        value: '"-5m"',
      },
      {
        path: 'canary.steps[1].bake',
        message:
          'expected a duration like "500ms", "2s", "20m", "1h", "7d" (or "1h30m") or a number of milliseconds, at least 1ms',
        value: '"8 seconds"',
      },
    ]);
  });

  it('bad steps: weight out of range, unknown kind, two kinds in one step', () => {
    const raw = exampleRaw();
    raw.canary.steps = [
      { setWeight: 20 },
      { setWeight: 120 },
      { wait: '5s' },
      { setWeight: 50, bake: '1s' },
      { pause: { duration: '1m' } },
      'setWeight: 100',
      { setWeight: 100 },
    ];
    expect(issuesOf(raw)).toEqual([
      {
        path: 'canary.steps[1].setWeight',
        message: 'expected an integer weight from 0 to 100 (percent of traffic)',
        value: '120',
      },
      {
        path: 'canary.steps[2].wait',
        message:
          'unknown step kind "wait"; expected one step: {setWeight: <integer 0..100>}, {bake: <duration>} or {pause: {}}',
        value: '"5s"',
      },
      {
        path: 'canary.steps[3]',
        message: 'a step has exactly one of setWeight, bake, pause; got setWeight, bake',
        value: '{"setWeight":50,"bake":"1s"}',
      },
      {
        path: 'canary.steps[4].pause',
        message: 'expected {} (or null / true): a pause holds until a promote signal and takes no options',
        value: '{"duration":"1m"}',
      },
      {
        path: 'canary.steps[5]',
        message: 'expected one step: {setWeight: <integer 0..100>}, {bake: <duration>} or {pause: {}}',
        value: '"setWeight: 100"',
      },
    ]);
  });

  it('step kind typo gets a suggestion', () => {
    const raw = exampleRaw();
    raw.canary.steps[0] = { setweight: 20 };
    expect(issuesOf(raw)[0]).toEqual({
      path: 'canary.steps[0].setweight',
      message:
        'unknown step kind "setweight" (did you mean "setWeight"?); expected one step: {setWeight: <integer 0..100>}, {bake: <duration>} or {pause: {}}',
      value: '20',
    });
  });

  it('weights must not decrease and must end at 100', () => {
    const raw = exampleRaw();
    raw.canary.steps = [{ setWeight: 50 }, { bake: '1s' }, { setWeight: 20 }, { bake: '1s' }];
    expect(issuesOf(raw)).toEqual([
      { path: 'canary.steps[2].setWeight', message: 'weights must not decrease: 20 follows 50', value: '20' },
      {
        path: 'canary.steps[2].setWeight',
        message: 'the last setWeight must be 100 (full rollout), got 20',
        value: '20',
      },
    ]);
  });

  it('a bake or pause before any setWeight', () => {
    const raw = exampleRaw();
    raw.canary.steps = [{ bake: '1m' }, { pause: {} }, { setWeight: 100 }];
    expect(issuesOf(raw)).toEqual([
      {
        path: 'canary.steps[0].bake',
        message: 'a bake step needs a setWeight step before it',
        value: '"1m"',
      },
      {
        path: 'canary.steps[1].pause',
        message: 'a pause step needs a setWeight step before it',
        value: '{}',
      },
    ]);
  });

  it('steps without any setWeight', () => {
    const raw = exampleRaw();
    raw.canary.steps = [];
    expect(issuesOf(raw)).toEqual([
      { path: 'canary.steps', message: 'expected at least one step', value: '[]' },
      { path: 'canary.steps', message: 'steps must contain a setWeight step ending at 100', value: '[]' },
    ]);
  });

  it('unknown backend kind names the field and the allowed kinds', () => {
    const raw = exampleRaw();
    raw.backends.traffic = { kind: 'istio' };
    raw.backends.notifier = { kind: 'slack' };
    expect(issuesOf(raw)).toEqual([
      { path: 'backends.traffic.kind', message: 'expected one of: local', value: '"istio"' },
      { path: 'backends.notifier.kind', message: 'expected one of: log, webhook', value: '"slack"' },
    ]);
  });

  it('data path outside allowedRoots', () => {
    const raw = exampleRaw();
    raw.data.train = '../../../etc/passwd';
    raw.data.reference = '/tmp/ref.arrow';
    expect(issuesOf(raw)).toEqual([
      {
        path: 'data.train',
        message: `path ${resolve(SPEC_DIR, '../../../etc/passwd')} is outside the allowed data roots (${SPEC_DIR}/data); add its directory to data.allowedRoots`,
        value: '"../../../etc/passwd"',
      },
      {
        path: 'data.reference',
        message: `path /tmp/ref.arrow is outside the allowed data roots (${SPEC_DIR}/data); add its directory to data.allowedRoots`,
        value: '"/tmp/ref.arrow"',
      },
    ]);
  });

  it('a param value cannot escape allowedRoots either', () => {
    expect(issuesOf(exampleRaw(), { data_dir: 'data/../../secrets' })).toEqual([
      {
        path: 'data.train',
        message: `path ${resolve(SPEC_DIR, '../secrets/train.arrow')} is outside the allowed data roots (${SPEC_DIR}/data); add its directory to data.allowedRoots`,
        value: '"{params.data_dir}/train.arrow"',
      },
      {
        path: 'data.eval',
        message: `path ${resolve(SPEC_DIR, '../secrets/eval.arrow')} is outside the allowed data roots (${SPEC_DIR}/data); add its directory to data.allowedRoots`,
        value: '"{params.data_dir}/eval.arrow"',
      },
    ]);
  });

  it('non-file URIs are rejected', () => {
    const raw = exampleRaw();
    raw.data.eval = 's3://bucket/eval.arrow';
    expect(issuesOf(raw)).toEqual([
      {
        path: 'data.eval',
        message: 'only local paths (or file:// URIs) are supported, got a s3:// URI',
        value: '"s3://bucket/eval.arrow"',
      },
    ]);
  });

  it('unknown --param override', () => {
    expect(issuesOf(exampleRaw(), { data_dri: 'data/corrupt' })).toEqual([
      {
        path: 'params.data_dri',
        message:
          'unknown parameter "data_dri" given as an override; declared parameters: data_dir, train_fault, serve_fault',
        value: '"data/corrupt"',
      },
    ]);
  });

  it('unknown {params.x} and unknown placeholders name the field', () => {
    const raw = exampleRaw();
    raw.training.command[10] = '{params.train_faults}';
    raw.scoring.command = [...raw.scoring.command, '{outptu}'];
    raw.data.eval = '{eval}/eval.arrow';
    expect(issuesOf(raw)).toEqual([
      {
        path: 'data.eval',
        message: 'placeholder {eval} cannot be filled here; only {params.<name>} is allowed',
        value: '"{eval}/eval.arrow"',
      },
      {
        path: 'training.command[10]',
        message:
          'unknown parameter {params.train_faults}; declared parameters: data_dir, train_fault, serve_fault',
        value: '"{params.train_faults}"',
      },
      {
        path: 'scoring.command[9]',
        message:
          'unknown placeholder {outptu}; expected {params.<name>} or one of {python}, {train}, {eval}, {output}, {model}, {data}, {predictions}, {port}',
        value: '"{outptu}"',
      },
    ]);
  });

  it('bad gate text at gates[i]', () => {
    const raw = exampleRaw();
    raw.gates = ['auc_roc >= 0.70', 'auc_roc => baseline', 'auc >= 0.7'];
    const issues = issuesOf(raw);
    expect(issues.map((i) => [i.path, i.value])).toEqual([
      ['gates[1]', '"auc_roc => baseline"'],
      ['gates[2]', '"auc >= 0.7"'],
    ]);
    expect(issues[0]?.message).toMatch(
      /^invalid gate rule "auc_roc => baseline": expected one of "<metric> <op> <number>", /,
    );
    expect(issues[1]?.message).toMatch(
      /^invalid gate rule "auc >= 0.7": unknown metric "auc"; expected one of auc_roc, average_precision, precision, /,
    );
  });

  it("gates a release cannot evaluate: other tasks' metrics, unknown slices and classes, intervals of model properties", () => {
    const raw = exampleRaw();
    raw.evaluation.slices = ['plan'];
    raw.gates = [
      'rmse <= 3',
      'recall[region=north] >= 0.5',
      'precision[class=2] >= 0.5',
      'model_size_mb <= 50 with confidence',
      'auc_roc[worst plan] >= 0.6 with confidence',
      'model_size_mb[plan=basic] <= 50',
    ];
    expect(issuesOf(raw).map((i) => [i.path, i.message])).toEqual([
      [
        'gates[0]',
        expect.stringMatching(
          /^gate "rmse <= 3": rmse is a multiclass or regression metric; a release evaluates a binary classifier/,
        ),
      ],
      [
        'gates[1]',
        'gate "recall[region=north] >= 0.5": slice column "region" is not in evaluation.slices (plan)',
      ],
      ['gates[2]', 'gate "precision[class=2] >= 0.5": a binary classifier has classes 0 and 1, not "2"'],
      [
        'gates[3]',
        'gate "model_size_mb <= 50 with confidence": model_size_mb has no confidence interval (it is measured once, not per row); drop "with confidence"',
      ],
      [
        'gates[5]',
        'gate "model_size_mb[plan=basic] <= 50": model_size_mb is a property of the model, not of a class or slice',
      ],
    ]);
  });

  it('evaluation intervals, slices and the inconclusive action are checked', () => {
    const raw = exampleRaw();
    raw.evaluation.intervals = { rounds: 10, level: 1.5 };
    raw.evaluation.inconclusive = 'retry';
    expect(issuesOf(raw).map((i) => [i.path, i.message])).toEqual([
      ['evaluation.intervals.rounds', 'expected at least 100 rounds'],
      ['evaluation.intervals.level', 'expected a level below 1'],
      ['evaluation.inconclusive', 'expected one of: fail, approve, more-data'],
    ]);
    const slices = exampleRaw();
    slices.evaluation.slices = ['plan', 'churned', 'plan'];
    expect(issuesOf(slices).map((i) => [i.path, i.message])).toEqual([
      ['evaluation.slices[1]', 'slice column "churned" is the label column'],
      ['evaluation.slices[2]', 'slice column "plan" is listed twice'],
    ]);
  });

  it('window shorter than interval, label equal to score, min above max', () => {
    const raw = exampleRaw();
    raw.canary.analysis.window = '1s';
    raw.monitor.window = 1000;
    raw.evaluation.score = 'churned';
    raw.validation.columns.tenure_months.min = 200;
    expect(issuesOf(raw)).toEqual([
      {
        path: 'validation.columns.tenure_months.max',
        message: 'min (200) must not be greater than max (120)',
        value: '120',
      },
      {
        path: 'evaluation.score',
        message: 'label and score must be different columns, both are "churned"',
        value: '"churned"',
      },
      {
        path: 'canary.analysis.window',
        message: 'window (1000ms) must not be shorter than interval (2000ms)',
        value: '"1s"',
      },
      {
        path: 'monitor.window',
        message: 'window (1000ms) must not be shorter than interval (2000ms)',
        value: '1000',
      },
    ]);
  });

  it('types, enums, ranges and missing fields', () => {
    const raw = exampleRaw();
    raw.apiVersion = 'mlcd/v2';
    raw.model = 'Churn Model';
    delete raw.serving;
    raw.validation.columns.plan.type = 'str';
    raw.validation.minRows = 1.5;
    raw.evaluation.threshold = 2;
    raw.canary.analysis.maxErrorRate = '5%';
    raw.training.command = [];
    expect(issuesOf(raw)).toEqual([
      { path: 'apiVersion', message: 'expected "mlcd/v1"', value: '"mlcd/v2"' },
      {
        path: 'model',
        message: "expected lowercase letters, digits, '-', '_' or '.', starting with a letter or digit",
        value: '"Churn Model"',
      },
      { path: 'validation.minRows', message: 'expected an integer, got float', value: '1.5' },
      {
        path: 'validation.columns.plan.type',
        message: 'expected one of: number, integer, string, boolean (did you mean "string"?)',
        value: '"str"',
      },
      {
        path: 'training.command',
        message: 'expected a non-empty argv list: [program, arg, ...]',
        value: '[]',
      },
      { path: 'evaluation.threshold', message: 'expected a fraction between 0 and 1', value: '2' },
      { path: 'serving', message: 'required field is missing (expected an object)' },
      { path: 'canary.analysis.maxErrorRate', message: 'expected a number, got string', value: '"5%"' },
    ]);
  });

  it('the root must be an object', () => {
    expect(issuesOf('apiVersion: mlcd/v1')).toEqual([
      { path: '', message: 'expected an object, got string', value: '"apiVersion: mlcd/v1"' },
    ]);
    expect(issuesOf(null)).toEqual([{ path: '', message: 'expected an object, got null', value: 'null' }]);
  });

  it('values are shortened to 80 characters', () => {
    const raw = exampleRaw();
    raw.model = 'x'.repeat(100);
    const issue = issuesOf(raw)[0];
    expect(issue?.path).toBe('model');
    expect(issue?.message).toBe('expected at most 63 characters');
    expect(issue?.value).toBe(`"${'x'.repeat(76)}...`);
    expect(issue?.value).toHaveLength(80);
  });

  it('the SpecError message lists every issue with path and value', () => {
    const raw = exampleRaw();
    raw.backends.jobs = { kind: 'k8s' };
    raw.approval.timeout = 'soon';
    try {
      compile(raw);
      throw new Error('compiled');
    } catch (e) {
      expect((e as Error).message).toBe(
        'invalid spec mlcd.yaml:\n' +
          '  - approval.timeout: expected a duration like "500ms", "2s", "20m", "1h", "7d" (or "1h30m") or a number of milliseconds (got "soon")\n' +
          '  - backends.jobs.kind: expected one of: local (got "k8s")',
      );
    }
  });

  it('specDir must be absolute', () => {
    expect(() => compileReleaseSpec(exampleRaw(), { source: 'x', specDir: 'examples/churn' })).toThrow(
      new TypeError('specDir must be an absolute POSIX path, got "examples/churn"'),
    );
  });
});

describe('parseSpecText', () => {
  it('parses YAML and JSON alike', () => {
    expect(parseSpecText('a: 1\nb: [x, "y"]\n', 's.yaml')).toEqual({ a: 1, b: ['x', 'y'] });
    expect(parseSpecText('{\n\t"a": 1, "b": {"c": null}\n}', 's.json')).toEqual({ a: 1, b: { c: null } });
  });

  it('a syntax error is a SpecError with line and column', () => {
    try {
      parseSpecText('model: churn\ncanary:\n  steps: x\n   bad: y\n', 'bad.yaml');
      throw new Error('parsed');
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      expect((e as SpecError).issues).toEqual([
        { path: '', message: 'line 3, column 10: Nested mappings are not allowed in compact mappings' },
        { path: '', message: 'line 3, column 10: Implicit keys need to be on a single line' },
      ]);
    }
  });

  it('a bad JSON document reports the line through the YAML parser', () => {
    try {
      parseSpecText('{\n  "a": 1,\n  "b": [1, 2\n}', 'bad.json');
      throw new Error('parsed');
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      expect((e as SpecError).issues[0]?.message).toMatch(/^line \d+, column \d+: /);
    }
  });

  it('duplicate keys are errors', () => {
    expect(() => parseSpecText('model: a\nmodel: b\n', 'dup.yaml')).toThrow(
      /line 2, column 1: Map keys must be unique/,
    );
  });
});

describe('loadReleaseSpecFile', () => {
  it('a missing file is a SpecError saying so', async () => {
    const missing = resolve(SPEC_DIR, 'nope.yaml');
    await expect(loadReleaseSpecFile(missing)).rejects.toThrow(SpecError);
    await expect(loadReleaseSpecFile(missing)).rejects.toThrow(
      `invalid spec ${missing}:\n  - (root): spec file not found: ${missing}`,
    );
  });

  it('passes params through', async () => {
    const spec = await loadReleaseSpecFile(SPEC_FILE, { serve_fault: 'slow' });
    expect(spec.training.command.at(-1)).toBe('slow');
  });
});

describe('durations', () => {
  it.each<[unknown, number | undefined]>([
    ['500ms', 500],
    ['2s', 2000],
    ['20m', 1_200_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    [' 2s ', 2000],
    [250, 250],
    [0, 0],
    ['0s', 0],
    ['2', undefined],
    ['2 s', undefined],
    ['2sec', undefined],
    ['-1s', undefined],
    [-5, undefined],
    [Infinity, undefined],
    ['', undefined],
    [null, undefined],
  ])('parseDuration(%j) = %j', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it('formatDuration round-trips', () => {
    expect([0, 500, 4000, 1500, 5_400_000, 604_800_000].map(formatDuration)).toEqual([
      '0ms',
      '500ms',
      '4s',
      '1s500ms',
      '1h30m',
      '7d',
    ]);
    for (const ms of [1, 999, 61_000, 90_061_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('posix paths and hashing', () => {
  it('normalizes and resolves without node:path', () => {
    expect(normalizePosix('/a/./b/../c//d/')).toBe('/a/c/d');
    expect(normalizePosix('/../..')).toBe('/');
    expect(resolvePosix('/spec', 'data/x.arrow')).toBe('/spec/data/x.arrow');
    expect(resolvePosix('/spec/dir', '../up')).toBe('/spec/up');
    expect(resolvePosix('/spec', '/abs/./p')).toBe('/abs/p');
    expect(isWithinPosix('/spec/data', '/spec/data')).toBe(true);
    expect(isWithinPosix('/spec/data', '/spec/data/a/b')).toBe(true);
    expect(isWithinPosix('/spec/data', '/spec/database')).toBe(false);
    expect(isWithinPosix('/', '/anything')).toBe(true);
  });

  it('sha256Hex equals node:crypto', () => {
    for (const s of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(119), 'é€😀'.repeat(40)]) {
      expect(sha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
    }
  });

  it('canonicalJson sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }, 'x'], n: null })).toBe(
      '{"a":[{"d":2},"x"],"b":1,"n":null}',
    );
  });
});
