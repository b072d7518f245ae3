/**
 * The Prometheus MetricsSource against a fake Prometheus HTTP API on 127.0.0.1: templating and
 * escaping of the queries it sends, parsing of the answers (counts, quantiles, NaN, bins), no
 * data, bad answers, HTTP and network errors, check(), options; then the spec wiring
 * (`backends.metrics` of kind prometheus) and the factory. The real server: test/integration.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

import { createBackendProvider } from '../../src/backends/factory';
import {
  DEFAULT_PROMQL_QUERIES,
  PrometheusMetricsSource,
  PrometheusQueryError,
  promqlDuration,
  promqlString,
  renderPromql,
} from '../../src/backends/metrics/prometheus';
import { PREDICTION_BINS } from '../../src/backends/metrics/types';
import { BackendError, SpecError } from '../../src/core/errors';
import type { SpecIssue } from '../../src/core/errors';
import { compileReleaseSpec } from '../../src/core/spec/compile';
import { METRICS_KINDS, PROMQL_QUERY_NAMES } from '../../src/core/spec/types';
import { freePort } from '../../src/serving/free-port';

// ---------------------------------------------------------------------------------------------
// The fake Prometheus

/** One request the fake received. */
interface Received {
  method: string;
  path: string;
  /** The `query` form field (POST body or URL). */
  query: string;
  timeout: string | null;
}

/** What the fake answers: status and body (an object is sent as JSON, a string as is). */
interface FakeAnswer {
  status?: number;
  body: unknown;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
}

type Handler = (r: Received) => FakeAnswer;

let server: Server;
let base: string;
let received: Received[] = [];
let handler: Handler = () => ({ body: vector() });
/** Answers are held until this many queries are in flight (concurrency test); 0 = answer at once. */
let holdUntil = 0;
let held: Array<() => void> = [];
let maxInFlight = 0;
let inFlight = 0;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((res, rej) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => res(text));
    req.on('error', rej);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const form = new URLSearchParams(await readBody(req));
  const r: Received = {
    method: req.method ?? '',
    path: url.pathname,
    query: form.get('query') ?? url.searchParams.get('query') ?? '',
    timeout: form.get('timeout'),
  };
  received.push(r);
  const a = handler(r);
  if (a.hang) return; // the socket stays open until the client gives up
  const send = (): void => {
    inFlight--;
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
    res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  };
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  if (holdUntil > 0) {
    held.push(send);
    if (held.length >= holdUntil) for (const h of held.splice(0)) h();
    return;
  }
  send();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  received = [];
  handler = () => ({ body: vector() });
  holdUntil = 0;
  held = [];
  maxInFlight = 0;
  inFlight = 0;
});

/** A success answer with one instant-vector sample per value (labels optional). */
function vector(...samples: Array<string | [Record<string, string>, string]>): unknown {
  return {
    status: 'success',
    data: {
      resultType: 'vector',
      result: samples.map((s) =>
        typeof s === 'string'
          ? { metric: {}, value: [1_700_000_000.123, s] }
          : { metric: s[0], value: [1_700_000_000.123, s[1]] },
      ),
    },
  };
}

/** Cumulative prediction-score buckets as Prometheus answers `sum by (le)`. */
function buckets(cumulative: Record<string, string>): unknown {
  return vector(
    ...Object.entries(cumulative).map(([le, v]): [Record<string, string>, string] => [{ le }, v]),
  );
}

/** Which default template a PromQL text came from. */
function classify(promql: string): 'requests' | 'errors' | 'p50' | 'p99' | 'labeled' | 'correct' | 'buckets' {
  if (promql.includes('mlcd_router_prediction_score_bucket')) return 'buckets';
  if (promql.startsWith('histogram_quantile(0.5,')) return 'p50';
  if (promql.startsWith('histogram_quantile(0.99,')) return 'p99';
  if (promql.includes('mlcd_router_feedback_total'))
    return promql.includes('outcome="correct"') ? 'correct' : 'labeled';
  if (promql.includes('mlcd_router_requests_total'))
    return promql.includes('outcome="error"') ? 'errors' : 'requests';
  throw new Error(`the fake does not know the query ${promql}`);
}

/** Answers each default query from `answers` (empty vector for those not given). */
function answering(answers: Partial<Record<ReturnType<typeof classify>, unknown>>): Handler {
  return (r) => ({ body: answers[classify(r.query)] ?? vector() });
}

const source = (
  opts: ConstructorParameters<typeof PrometheusMetricsSource>[0] = {},
): PrometheusMetricsSource => new PrometheusMetricsSource({ url: base, ...opts });

/** Runs `fn` and returns what it threw, checking its class. */
async function thrown<E extends Error>(fn: () => unknown, cls: new (...args: never[]) => E): Promise<E> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as E;
  }
  throw new Error(`expected a ${cls.name}, nothing was thrown`);
}

const ZERO_BINS = new Array<number>(PREDICTION_BINS).fill(0);

// ---------------------------------------------------------------------------------------------

describe('templating and escaping', () => {
  test('the seven default queries are sent with model, version, window and quantile filled in', async () => {
    await source().versionStats('churn', '3', 30_000);
    const sent = received.map((r) => r.query).sort();
    const sel = 'model="churn",version="3"';
    expect(sent).toEqual(
      [
        `sum(increase(mlcd_router_requests_total{${sel}}[30s]))`,
        `sum(increase(mlcd_router_requests_total{${sel},outcome="error"}[30s]))`,
        `histogram_quantile(0.5, sum by (le) (increase(mlcd_router_request_duration_seconds_bucket{${sel}}[30s]))) * 1000`,
        `histogram_quantile(0.99, sum by (le) (increase(mlcd_router_request_duration_seconds_bucket{${sel}}[30s]))) * 1000`,
        `sum(increase(mlcd_router_feedback_total{${sel}}[30s]))`,
        `sum(increase(mlcd_router_feedback_total{${sel},outcome="correct"}[30s]))`,
        `sum by (le) (increase(mlcd_router_prediction_score_bucket{${sel}}[30s]))`,
      ].sort(),
    );
    expect(
      received.every((r) => r.method === 'POST' && r.path === '/api/v1/query' && r.timeout === '10000ms'),
    ).toBe(true);
  });

  test('a window of whole seconds is `Ns`, otherwise `Nms`', async () => {
    expect(promqlDuration(1000)).toBe('1s');
    expect(promqlDuration(120_000)).toBe('120s');
    expect(promqlDuration(1500)).toBe('1500ms');
    expect(promqlDuration(1)).toBe('1ms');
    await source().versionStats('m', 'v', 2_500);
    expect(received.every((r) => r.query.includes('[2500ms]'))).toBe(true);
  });

  test('model and version are escaped for a double-quoted PromQL string', async () => {
    expect(promqlString('plain-1.0_x')).toBe('plain-1.0_x');
    expect(promqlString('a"b\\c')).toBe('a\\"b\\\\c');
    expect(promqlString('l1\nl2\r\t\u0001\u007f')).toBe('l1\\nl2\\r\\t\\x01\\x7f');
    await source().versionStats('a"b\\c', 'v\n"} or vector(1) #', 60_000);
    const q = received.find((r) => classify(r.query) === 'requests')?.query;
    expect(q).toBe(
      'sum(increase(mlcd_router_requests_total{model="a\\"b\\\\c",version="v\\n\\"} or vector(1) #"}[60s]))',
    );
  });

  test('renderPromql fills only the four placeholders and leaves label matchers alone', () => {
    expect(
      renderPromql('x{job="a",model="{model}"}[{window}] {other} {quantile} {version}', {
        model: 'm',
        window: '5s',
        quantile: '0.5',
        version: '2',
      }),
    ).toBe('x{job="a",model="m"}[5s] {other} 0.5 2');
    expect(renderPromql('q({quantile})', { model: 'm' })).toBe('q({quantile})');
  });

  test('overrides replace their template only, and a path prefix and trailing slash of the URL are kept / dropped', async () => {
    const custom =
      'sum(increase(http_requests_total{app="{model}",rev="{version}",job="{params}"}[{window}]))';
    const s = new PrometheusMetricsSource({ url: `${base}/prom//`, queries: { requests: custom } });
    expect(s.url).toBe(`${base}/prom`);
    expect(s.queries).toEqual({ ...DEFAULT_PROMQL_QUERIES, requests: custom });
    handler = (r) => ({
      body: r.query.startsWith('sum(increase(http_requests_total') ? vector('4') : vector(),
    });
    const stats = await s.versionStats('churn', '3', 10_000);
    expect(stats.requests).toBe(4);
    expect(received.map((r) => r.path)).toEqual(new Array(7).fill('/prom/api/v1/query'));
    expect(received.map((r) => r.query)).toContain(
      'sum(increase(http_requests_total{app="churn",rev="3",job="{params}"}[10s]))',
    );
  });

  test('the queries of one call are in flight together', async () => {
    holdUntil = 7;
    // Were they sequential, the first would wait for the six others forever: the client timeout says so.
    await source({ timeoutMs: 5_000 }).versionStats('m', 'v', 10_000);
    expect(maxInFlight).toBe(7);
  });
});

describe('parsing answers', () => {
  test('counts are rounded, rates and quantiles computed, buckets differenced into bins', async () => {
    handler = answering({
      requests: vector('41.7'),
      errors: vector('2.4'),
      p50: vector('3.75'),
      p99: vector('480.5'),
      labeled: vector('12.49'),
      correct: vector('9.6'),
      buckets: buckets({
        '0.1': '2.2',
        '0.2': '2.2',
        '0.3': '5.1',
        '0.4': '5.1',
        '0.5': '9',
        '0.6': '9',
        '0.7': '10',
        '0.8': '10',
        '0.9': '13.4',
        '1': '20',
        '+Inf': '21.2',
      }),
    });
    expect(await source().versionStats('m', 'v', 30_000)).toEqual({
      version: 'v',
      windowMs: 30_000,
      requests: 42,
      errors: 2,
      errorRate: 2 / 42,
      latencyP50Ms: 3.75,
      latencyP99Ms: 480.5,
      labeled: 12,
      correct: 10,
      // the last bin takes everything above 0.9: (0.9, 1] and +Inf alike
      predictions: [2, 0, 3, 0, 4, 0, 1, 0, 3, 8],
    });
  });

  test('buckets in any order, with extra bounds, a scalar answer, and NaN quantiles', async () => {
    handler = (r) => {
      const c = classify(r.query);
      if (c === 'requests')
        return { body: { status: 'success', data: { resultType: 'scalar', result: [1, '5'] } } };
      if (c === 'p50' || c === 'p99') return { body: vector('NaN') };
      if (c === 'buckets')
        return {
          body: buckets({
            '+Inf': '6',
            '0.95': '6',
            '0.9': '5',
            '0.8': '5',
            '0.7': '5',
            '0.6': '5',
            '0.5': '5',
            '0.4': '4',
            '0.3': '3',
            '0.2': '2',
            '0.1': '1',
            '0.05': '0',
          }),
        };
      return { body: vector() };
    };
    const stats = await source().versionStats('m', 'v', 30_000);
    expect(stats).toMatchObject({
      requests: 5,
      errors: 0,
      errorRate: 0,
      predictions: [1, 1, 1, 1, 1, 0, 0, 0, 0, 1],
    });
    expect(stats.latencyP50Ms).toBeNaN();
    expect(stats.latencyP99Ms).toBeNaN();
  });

  test('no series is no data: 0 requests, NaN rates, 0 labels, empty bins', async () => {
    const stats = await source().versionStats('m', 'v', 30_000);
    expect(stats).toMatchObject({
      version: 'v',
      windowMs: 30_000,
      requests: 0,
      errors: 0,
      labeled: 0,
      correct: 0,
    });
    expect(stats.predictions).toEqual(ZERO_BINS);
    expect(stats.errorRate).toBeNaN();
    expect(stats.latencyP50Ms).toBeNaN();
    expect(stats.latencyP99Ms).toBeNaN();
  });

  test('NaN counts are 0, and latencies are NaN when requests round to 0', async () => {
    handler = answering({
      requests: vector('0.3'),
      errors: vector('NaN'),
      p50: vector('12'),
      p99: vector('40'),
    });
    const stats = await source().versionStats('m', 'v', 30_000);
    expect(stats.requests).toBe(0);
    expect(stats.errors).toBe(0);
    expect(stats.latencyP50Ms).toBeNaN();
    expect(stats.latencyP99Ms).toBeNaN();
  });

  test('extrapolated errors never exceed requests, correct never exceeds labeled', async () => {
    handler = answering({
      requests: vector('3.2'),
      errors: vector('3.6'),
      labeled: vector('2'),
      correct: vector('2.51'),
    });
    expect(await source().versionStats('m', 'v', 30_000)).toMatchObject({
      requests: 3,
      errors: 3,
      errorRate: 1,
      labeled: 2,
      correct: 2,
    });
  });
});

describe('bad answers are non-retryable errors naming the query', () => {
  test('more than one series for a number', async () => {
    handler = answering({ requests: vector([{ pod: 'a' }, '1'], [{ pod: 'b' }, '2']) });
    const e = await thrown(() => source().versionStats('m', 'v', 30_000), BackendError);
    expect(e.message).toBe(
      'prometheus: query "requests" returned 2 series ({"pod":"a"}, {"pod":"b"}…); expected at most one: aggregate it, e.g. sum(...)',
    );
    expect(e.retryable).toBe(false);
  });

  test('a matrix result', async () => {
    handler = () => ({ body: { status: 'success', data: { resultType: 'matrix', result: [] } } });
    const e = await thrown(() => source().versionStats('m', 'v', 30_000), PrometheusQueryError);
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(
      /^prometheus: query "\w+" of m version v(?: at quantile [\d.]+)? failed: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query → HTTP 200: the result is a matrix, expected an instant vector or a scalar \(no range selector at the top level\); PromQL: /,
    );
  });

  test('an answer that is not JSON, or JSON of another shape', async () => {
    handler = () => ({ body: '<html>hello</html>' });
    const html = await thrown(() => source().versionStats('m', 'v', 30_000), PrometheusQueryError);
    expect(html.retryable).toBe(false);
    expect(html.message).toContain(
      `→ HTTP 200: answer is not JSON (is ${base} a Prometheus server?): <html>hello</html>`,
    );
    handler = () => ({
      body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: 'x' }] } },
    });
    const shape = await thrown(() => source().versionStats('m', 'v', 30_000), PrometheusQueryError);
    expect(shape.retryable).toBe(false);
    expect(shape.message).toContain(
      "unexpected answer (expected Prometheus's {status, data} of an instant query)",
    );
  });

  test('a sample value that is not a number', async () => {
    handler = answering({ labeled: vector('many') });
    const e = await thrown(() => source().versionStats('m', 'v', 30_000), PrometheusQueryError);
    expect(e.message).toContain('query "labeled" of m version v failed');
    expect(e.message).toContain('sample value "many" is not a number');
    expect(e.retryable).toBe(false);
  });

  test('prediction buckets without le, or missing a bound', async () => {
    handler = answering({ buckets: vector([{ job: 'x' }, '3']) });
    const noLe = await thrown(() => source().versionStats('m', 'v', 30_000), BackendError);
    expect(noLe.message).toBe(
      'prometheus: query "predictionBuckets" returned a series without a numeric le label ({"job":"x"}); ' +
        'expected cumulative histogram buckets, e.g. sum by (le) (increase(<histogram>_bucket[...]))',
    );
    handler = answering({
      buckets: buckets({ '0.1': '1', '0.2': '1', '0.25': '1', '0.5': '1', '+Inf': '1' }),
    });
    const missing = await thrown(() => source().versionStats('m', 'v', 30_000), BackendError);
    expect(missing.message).toBe(
      'prometheus: query "predictionBuckets" has no bucket le="0.3"; expected the buckets 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9 and +Inf (those of mlcd_router_prediction_score)',
    );
    expect(missing.retryable).toBe(false);
  });
});

describe('HTTP and network errors', () => {
  test("a rejected query (400 bad_data, 422 execution) is not retryable and carries Prometheus's error and the PromQL", async () => {
    handler = () => ({
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'parse error: unexpected "}"' },
    });
    const e = await thrown(() => source().versionStats('m', 'v', 30_000), PrometheusQueryError);
    expect(e.retryable).toBe(false);
    expect(e.status).toBe(400);
    expect(e.errorType).toBe('bad_data');
    expect(e.message).toMatch(/→ HTTP 400 bad_data: parse error: unexpected "}"; PromQL: \S/);
    // The PromQL carried is the rendered one, placeholders filled.
    expect(e.promql).toContain('{model="m",version="v"');
    expect(e.promql).not.toMatch(/\{(model|version|window|quantile)\}/);
    handler = () => ({
      status: 422,
      body: { status: 'error', errorType: 'execution', error: 'many-to-many matching' },
    });
    const x = await thrown(() => source().versionStats('m', 'v', 30_000), PrometheusQueryError);
    expect([x.retryable, x.errorType]).toEqual([false, 'execution']);
  });

  test('503 (query timeout), 502 from a proxy and 429 are retryable', async () => {
    handler = () => ({
      status: 503,
      body: { status: 'error', errorType: 'timeout', error: 'query timed out' },
    });
    const t = await thrown(() => source().versionStats('m', 'v', 30_000), PrometheusQueryError);
    expect([t.retryable, t.status]).toEqual([true, 503]);
    expect(t.message).toContain('→ HTTP 503 timeout: query timed out');
    handler = () => ({ status: 502, body: '<html>Bad Gateway</html>' });
    const p = await thrown(() => source().versionStats('m', 'v', 30_000), PrometheusQueryError);
    expect([p.retryable, p.status]).toEqual([true, 502]);
    handler = () => ({
      status: 429,
      body: { status: 'error', errorType: 'unavailable', error: 'slow down' },
    });
    expect(
      (await thrown(() => source().versionStats('m', 'v', 30_000), PrometheusQueryError)).retryable,
    ).toBe(true);
  });

  test('no answer within timeoutMs is retryable and says so', async () => {
    handler = () => ({ hang: true, body: null });
    const started = Date.now();
    const e = await thrown(
      () => source({ timeoutMs: 300 }).versionStats('m', 'v', 30_000),
      PrometheusQueryError,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(e.retryable).toBe(true);
    expect(e.status).toBeUndefined();
    expect(e.message).toContain('→ no response: no answer within 300 ms');
  });

  test('nothing listening is retryable and asks whether Prometheus runs', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const e = await thrown(
      () => new PrometheusMetricsSource({ url }).versionStats('m', 'v', 30_000),
      PrometheusQueryError,
    );
    expect(e.retryable).toBe(true);
    expect(e.message).toContain(`(is Prometheus running at ${url}?)`);
  });
});

describe('check()', () => {
  test('passes when /-/ready answers 200', async () => {
    handler = () => ({ body: 'Prometheus Server is Ready.' });
    await expect(source().check()).resolves.toBeUndefined();
    expect(received.map((r) => [r.method, r.path])).toEqual([['GET', '/-/ready']]);
  });

  test('a 503 while starting, or nothing listening: retryable, naming the URL and how to start Prometheus', async () => {
    handler = () => ({ status: 503, body: 'Service Unavailable' });
    const e = await thrown(() => source().check(), BackendError);
    expect(e.retryable).toBe(true);
    expect(e.message).toBe(
      `Prometheus not ready at ${base} (${base}/-/ready: HTTP 503 Service Unavailable): start it with ` +
        '`prometheus --config.file=prometheus.yml` (Debian: `apt-get install prometheus`), scraping the ' +
        "serving daemon's /metrics, or set backends.metrics.url; see docs/metrics-prometheus.md",
    );
    const url = `http://127.0.0.1:${await freePort()}`;
    const down = await thrown(() => new PrometheusMetricsSource({ url }).check(), BackendError);
    expect(down.retryable).toBe(true);
    expect(down.message).toMatch(
      new RegExp(`^Prometheus not ready at ${url} \\(${url}/-/ready: fetch failed: .*ECONNREFUSED`),
    );
  });
});

describe('inputs are validated', () => {
  test('options: URL, query names, latencyMs without {quantile}, timeout', () => {
    const bad = (o: unknown): string => {
      try {
        new PrometheusMetricsSource(o as ConstructorParameters<typeof PrometheusMetricsSource>[0]);
      } catch (e) {
        expect(e).toBeInstanceOf(BackendError);
        expect((e as BackendError).retryable).toBe(false);
        return (e as Error).message;
      }
      throw new Error('expected a BackendError');
    };
    expect(bad({ url: 'localhost:9090' })).toBe(
      'prometheus metrics source: option url: expected an http(s) base URL without query or fragment, e.g. http://127.0.0.1:9090 (got "localhost:9090")',
    );
    expect(bad({ queries: { latency: 'x' } })).toMatch(
      /^prometheus metrics source: option queries: Unrecognized key\(s\) in object: 'latency'/,
    );
    expect(bad({ queries: { latencyMs: 'histogram_quantile(0.9, x)' } })).toBe(
      'prometheus metrics source: option queries.latencyMs: must contain {quantile}: the same template gives the p50 and the p99 latency (got "histogram_quantile(0.9, x)")',
    );
    expect(bad({ queries: { requests: '' } })).toBe(
      'prometheus metrics source: option queries.requests: expected a non-empty PromQL template (got "")',
    );
    expect(bad({ timeoutMs: 0 })).toBe(
      'prometheus metrics source: option timeoutMs: expected a positive timeout (got 0)',
    );
  });

  test('versionStats arguments: window a positive whole number of ms, model and version non-empty', async () => {
    for (const w of [0, -5, 1.5, NaN, Infinity]) {
      const e = await thrown(() => source().versionStats('m', 'v', w), BackendError);
      expect(e.message).toBe(
        `prometheus metrics source: windowMs must be a positive whole number of milliseconds, got ${String(w)}`,
      );
      expect(e.retryable).toBe(false);
    }
    const e = await thrown(() => source().versionStats('m', '', 1000), BackendError);
    expect(e.message).toBe('prometheus metrics source: version must be a non-empty string, got ""');
    expect(received).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Spec and factory

const SPEC_DIR = resolve(__dirname, '../../examples/churn');

function spec(metrics: unknown, params?: Record<string, string>): Record<string, any> {
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
    ...(metrics !== undefined ? { backends: { metrics } } : {}),
  };
}

const compile = (raw: unknown) => compileReleaseSpec(raw, { source: 'mlcd.yaml', specDir: SPEC_DIR });

function issuesOf(raw: unknown): SpecIssue[] {
  try {
    compile(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).issues;
  }
  throw new Error('expected a SpecError, the spec compiled');
}

describe('spec: backends.metrics', () => {
  test('kinds are local and prometheus; the query names are those of the defaults', () => {
    expect(METRICS_KINDS).toEqual(['local', 'prometheus']);
    expect(Object.keys(DEFAULT_PROMQL_QUERIES).sort()).toEqual([...PROMQL_QUERY_NAMES].sort());
  });

  test('the default url depends on the kind; local is unchanged', () => {
    expect(compile(spec(undefined)).backends.metrics).toEqual({
      kind: 'local',
      url: 'http://127.0.0.1:8710',
    });
    expect(compile(spec({ kind: 'prometheus' })).backends.metrics).toEqual({
      kind: 'prometheus',
      url: 'http://127.0.0.1:9090',
    });
    expect(
      compile(spec({ kind: 'prometheus', url: 'https://prom.internal/prometheus/' })).backends.metrics,
    ).toEqual({
      kind: 'prometheus',
      url: 'https://prom.internal/prometheus',
    });
  });

  test('queries are kept with {params.x} substituted and the query placeholders left for each query', () => {
    const raw = spec(
      {
        kind: 'prometheus',
        url: 'http://{params.prom}:9090',
        queries: {
          requests: 'sum(increase(reqs{job="{params.job}",app="{model}",v="{version}"}[{window}]))',
          latencyMs: 'histogram_quantile({quantile}, sum by (le) (rate(lat_bucket[{window}]))) * 1000',
        },
      },
      { prom: 'prom.svc', job: 'router' },
    );
    expect(compile(raw).backends.metrics).toEqual({
      kind: 'prometheus',
      url: 'http://prom.svc:9090',
      queries: {
        requests: 'sum(increase(reqs{job="router",app="{model}",v="{version}"}[{window}]))',
        latencyMs: 'histogram_quantile({quantile}, sum by (le) (rate(lat_bucket[{window}]))) * 1000',
      },
    });
  });

  test('queries with kind local is an issue at backends.metrics.queries', () => {
    expect(issuesOf(spec({ queries: { requests: 'x' } }))).toEqual([
      {
        path: 'backends.metrics.queries',
        message:
          "only used by backends.metrics.kind prometheus; kind local reads the serving daemon's own counters",
        value: '{"requests":"x"}',
      },
    ]);
  });

  test('an unknown query name, an empty template, an unknown placeholder, latencyMs without {quantile}', () => {
    const unknownName = issuesOf(spec({ kind: 'prometheus', queries: { request: 'x' } }));
    expect(unknownName).toEqual([
      {
        path: 'backends.metrics.queries.request',
        message: `unknown field "request" (did you mean "requests"?); allowed fields: ${PROMQL_QUERY_NAMES.join(', ')}`,
        value: '"x"',
      },
    ]);
    expect(issuesOf(spec({ kind: 'prometheus', queries: { errors: '' } }))).toEqual([
      { path: 'backends.metrics.queries.errors', message: 'expected a non-empty string', value: '""' },
    ]);
    expect(
      issuesOf(
        spec({
          kind: 'prometheus',
          queries: { labeled: 'sum(x{m="{modle}"}[{window}])', latencyMs: 'q(0.5)' },
        }),
      ),
    ).toEqual([
      {
        path: 'backends.metrics.queries.latencyMs',
        message: 'must contain {quantile}: the same template gives the p50 and the p99 latency',
        value: '"q(0.5)"',
      },
      {
        path: 'backends.metrics.queries.labeled',
        message:
          'unknown placeholder {modle}; expected {params.<name>} or one of {model}, {version}, {window}, {quantile}',
        value: '"sum(x{m=\\"{modle}\\"}[{window}])"',
      },
    ]);
    expect(issuesOf(spec({ kind: 'prometheus', queries: { correct: 'x{j="{params.nope}"}' } }))).toEqual([
      {
        path: 'backends.metrics.queries.correct',
        message: 'unknown parameter {params.nope}; declared parameters: (none)',
        value: '"x{j=\\"{params.nope}\\"}"',
      },
    ]);
  });

  test('the factory builds a PrometheusMetricsSource from the compiled spec, overrides merged', () => {
    const compiled = compile(
      spec({
        kind: 'prometheus',
        url: 'http://prom:9090',
        queries: { errors: 'sum(e{m="{model}"}[{window}])' },
      }),
    ).backends.metrics;
    const built = createBackendProvider().metrics(compiled);
    expect(built).toBeInstanceOf(PrometheusMetricsSource);
    expect(built.kind).toBe('prometheus');
    expect((built as PrometheusMetricsSource).url).toBe('http://prom:9090');
    expect((built as PrometheusMetricsSource).queries).toEqual({
      ...DEFAULT_PROMQL_QUERIES,
      errors: 'sum(e{m="{model}"}[{window}])',
    });
  });
});
