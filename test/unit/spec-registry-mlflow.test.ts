/** The spec's `backends.registry` for kind mlflow: `trackingUri`, its substitution and its checks. */
import { resolve } from 'node:path';

import { SpecError } from '../../src/core/errors';
import type { SpecIssue } from '../../src/core/errors';
import { compileReleaseSpec } from '../../src/core/spec/compile';
import { REGISTRY_KINDS } from '../../src/core/spec/types';

const SPEC_DIR = resolve(__dirname, '../../examples/churn');

type RawSpec = Record<string, any>;

/** A minimal valid spec with the given registry section (and params). */
function spec(registry: unknown, params?: Record<string, string>): RawSpec {
  return {
    apiVersion: 'mlcd/v1',
    model: 'm1',
    ...(params ? { params } : {}),
    data: { train: 'train.arrow', eval: 'eval.arrow' },
    validation: { columns: { label: { type: 'integer', values: [0, 1] } } },
    training: { command: ['{python}', 'train.py', '{train}', '{output}'] },
    scoring: { command: ['{python}', 'score.py', '{model}', '{data}', '{predictions}'] },
    serving: { command: ['{python}', 'serve.py', '--port', '{port}'] },
    canary: { analysis: { interval: '10s' }, steps: [{ setWeight: 100 }] },
    ...(registry !== undefined ? { backends: { registry } } : {}),
  };
}

const compile = (raw: unknown, overrides?: Record<string, string>) =>
  compileReleaseSpec(raw, {
    source: 'mlcd.yaml',
    specDir: SPEC_DIR,
    ...(overrides ? { params: overrides } : {}),
  });

function issuesOf(raw: unknown, overrides?: Record<string, string>): SpecIssue[] {
  try {
    compile(raw, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).issues;
  }
  throw new Error('expected a SpecError, the spec compiled');
}

const URL_EXPECTED = 'expected an http(s) URL of the MLflow tracking server, e.g. http://127.0.0.1:5000';

describe('backends.registry: kind mlflow compiles', () => {
  test('the registry kinds are local and mlflow', () => {
    expect(REGISTRY_KINDS).toEqual(['local', 'mlflow']);
  });

  test('trackingUri is kept, trailing slashes dropped, a path prefix kept', () => {
    expect(
      compile(spec({ kind: 'mlflow', trackingUri: 'http://mlflow.internal:5000/' })).backends.registry,
    ).toEqual({
      kind: 'mlflow',
      trackingUri: 'http://mlflow.internal:5000',
    });
    expect(
      compile(spec({ kind: 'mlflow', trackingUri: 'https://ml.example.com/mlflow//' })).backends.registry,
    ).toEqual({
      kind: 'mlflow',
      trackingUri: 'https://ml.example.com/mlflow',
    });
  });

  test('{params.x} is substituted, part of the URL or all of it, and --param overrides it', () => {
    const partial = spec(
      { kind: 'mlflow', trackingUri: 'http://{params.mlflow_host}:5000' },
      { mlflow_host: 'mlflow.svc' },
    );
    expect(compile(partial).backends.registry).toEqual({
      kind: 'mlflow',
      trackingUri: 'http://mlflow.svc:5000',
    });
    const whole = spec(
      { kind: 'mlflow', trackingUri: '{params.mlflow}' },
      { mlflow: 'http://127.0.0.1:5000' },
    );
    expect(compile(whole).backends.registry).toEqual({
      kind: 'mlflow',
      trackingUri: 'http://127.0.0.1:5000',
    });
    expect(compile(whole, { mlflow: 'https://prod-mlflow:443/' }).backends.registry).toEqual({
      kind: 'mlflow',
      trackingUri: 'https://prod-mlflow:443',
    });
  });

  test('the local registry is unchanged: default kind local, no trackingUri', () => {
    expect(compile(spec(undefined)).backends.registry).toEqual({ kind: 'local' });
    expect(compile(spec({ path: '/var/lib/mlcd/registry/' })).backends.registry).toEqual({
      kind: 'local',
      path: '/var/lib/mlcd/registry',
    });
  });
});

describe('backends.registry: errors name backends.registry.trackingUri', () => {
  const at = 'backends.registry.trackingUri';

  test('missing for kind mlflow', () => {
    expect(issuesOf(spec({ kind: 'mlflow' }))).toEqual([
      {
        path: at,
        message: `required when backends.registry.kind is mlflow: the http(s) URL of the MLflow tracking server, e.g. http://127.0.0.1:5000`,
      },
    ]);
  });

  test('not an http(s) URL: no scheme, another scheme, empty, a number', () => {
    expect(issuesOf(spec({ kind: 'mlflow', trackingUri: 'localhost:5000' }))).toEqual([
      { path: at, message: URL_EXPECTED, value: '"localhost:5000"' },
    ]);
    expect(issuesOf(spec({ kind: 'mlflow', trackingUri: 'file:///tmp/mlruns' }))).toEqual([
      { path: at, message: URL_EXPECTED, value: '"file:///tmp/mlruns"' },
    ]);
    expect(issuesOf(spec({ kind: 'mlflow', trackingUri: '' }))).toEqual([
      { path: at, message: 'expected a non-empty string', value: '""' },
    ]);
    expect(issuesOf(spec({ kind: 'mlflow', trackingUri: 5000 }))).toEqual([
      { path: at, message: 'expected a string, got number', value: '5000' },
    ]);
  });

  test('a substituted value is checked too, and the message shows what it became', () => {
    const raw = spec({ kind: 'mlflow', trackingUri: '{params.u}' }, { u: 'http://a:1' });
    expect(issuesOf(raw, { u: 'ftp://a' })).toEqual([
      { path: at, message: `${URL_EXPECTED}; after substitution it is "ftp://a"`, value: '"{params.u}"' },
    ]);
  });

  test('an unknown parameter is one issue, not also a bad URL', () => {
    expect(issuesOf(spec({ kind: 'mlflow', trackingUri: 'http://{params.nope}:5000' }))).toEqual([
      {
        path: at,
        message: 'unknown parameter {params.nope}; declared parameters: (none)',
        value: '"http://{params.nope}:5000"',
      },
    ]);
  });

  test('credentials, a query or a fragment are refused', () => {
    expect(issuesOf(spec({ kind: 'mlflow', trackingUri: 'http://admin:pw@mlflow:5000' }))).toEqual([
      {
        path: at,
        message:
          'credentials do not belong in the spec (it is hashed into lineage and kept in workflow history); ' +
          "set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD in the worker's environment",
        value: '"http://admin:pw@mlflow:5000"',
      },
    ]);
    for (const uri of ['http://mlflow:5000/?x=1', 'http://mlflow:5000#top']) {
      expect(issuesOf(spec({ kind: 'mlflow', trackingUri: uri }))).toEqual([
        {
          path: at,
          message: 'expected a base URL without a query or fragment, e.g. http://127.0.0.1:5000',
          value: JSON.stringify(uri),
        },
      ]);
    }
  });

  test('each field belongs to one kind: path with mlflow, trackingUri with local', () => {
    expect(issuesOf(spec({ kind: 'mlflow', trackingUri: 'http://h:5000', path: '/x' }))).toEqual([
      {
        path: 'backends.registry.path',
        message: 'only used by backends.registry.kind local; kind mlflow stores models on the MLflow server',
        value: '"/x"',
      },
    ]);
    expect(issuesOf(spec({ trackingUri: 'http://h:5000' }))).toEqual([
      {
        path: at,
        message: 'only used by backends.registry.kind mlflow; set kind: mlflow or remove it',
        value: '"http://h:5000"',
      },
    ]);
  });

  test('a misspelt kind or field gets a suggestion', () => {
    expect(issuesOf(spec({ kind: 'mlfow', trackingUri: 'http://h:5000' }))).toEqual([
      {
        path: 'backends.registry.kind',
        message: 'expected one of: local, mlflow (did you mean "mlflow"?)',
        value: '"mlfow"',
      },
    ]);
    expect(issuesOf(spec({ kind: 'mlflow', trackingUrl: 'http://h:5000' }))).toEqual([
      {
        path: 'backends.registry.trackingUrl',
        message:
          'unknown field "trackingUrl" (did you mean "trackingUri"?); allowed fields: kind, path, trackingUri',
        value: '"http://h:5000"',
      },
    ]);
  });
});
