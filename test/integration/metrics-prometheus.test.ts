/**
 * The Prometheus MetricsSource against a REAL Prometheus (the Debian package's binary) scraping,
 * every second, the router's own prom-client registry (`RouterMetrics`) served on 127.0.0.1, as
 * it scrapes the serving daemon's `GET /metrics`. Skips only when the binary is absent AND
 * MLCD_PROMETHEUS_OPTIONAL=1.
 *
 * `increase()` extrapolates a counter's growth to the window's edges, so between scrapes it reads
 * a little more than the true count. The stats therefore equal the generated counts right after a
 * scrape: the test polls `versionStats` (bounded) until they do, and reports the last answer
 * otherwise. The series are created at 0 and scraped before any traffic, as Prometheus (2.x)
 * does not count a series' first sample as an increase.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { Counter, Histogram } from 'prom-client';

import { createBackendProvider } from '../../src/backends/factory';
import { PrometheusMetricsSource } from '../../src/backends/metrics/prometheus';
import type { VersionStats } from '../../src/backends/metrics/types';
import { RouterMetrics } from '../../src/serving/router-metrics';
import { prometheusSkipReason, startPrometheusServer } from '../helpers/prometheus-server';
import type { PrometheusServer } from '../helpers/prometheus-server';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Calls `read` every `intervalMs` until `done` holds or `timeoutMs` passed; returns the last value. */
async function pollUntil<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const v = await read();
    if (done(v) || Date.now() > deadline || i > timeoutMs / intervalMs) return v;
    await sleep(intervalMs);
  }
}

/** The first value of an instant query sent straight to Prometheus (setup checks only). */
async function queryValue(url: string, promql: string): Promise<number | undefined> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
  const v = body.data?.result?.[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

/**
 * Creates every series of one version at 0, as a router would when the version is deployed, and
 * waits until Prometheus has stored them (bounded).
 */
async function zeroSeries(
  metrics: RouterMetrics,
  prom: PrometheusServer,
  model: string,
  version: string,
): Promise<void> {
  const counter = (name: string): Counter => metrics.registry.getSingleMetric(name) as unknown as Counter;
  const histogram = (name: string): Histogram =>
    metrics.registry.getSingleMetric(name) as unknown as Histogram;
  for (const outcome of ['ok', 'error'])
    counter('mlcd_router_requests_total').inc({ model, version, outcome }, 0);
  histogram('mlcd_router_request_duration_seconds').zero({ model, version });
  metrics.observeFeedback(model, version, 0, 0);
  histogram('mlcd_router_prediction_score').zero({ model, version });
  const series =
    `count({__name__=~"mlcd_router_(requests_total|feedback_total|request_duration_seconds_count|prediction_score_count)",` +
    `model="${model}",version="${version}"})`;
  const stored = await pollUntil(
    () => queryValue(prom.url, series),
    (n) => n === 6,
    15_000,
    100,
  );
  expect(stored).toBe(6);
}

const skipReason = prometheusSkipReason();
if (skipReason !== undefined) {
  test.skip(`Prometheus metrics source suite — skipped: ${skipReason}`, () => undefined);
} else {
  let metrics: RouterMetrics;
  let target: Server;
  let prom: PrometheusServer;

  beforeAll(async () => {
    metrics = new RouterMetrics();
    // The router's registry behind a /metrics page, like the serving daemon's.
    target = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    prom = await startPrometheusServer({
      target: `127.0.0.1:${(target.address() as AddressInfo).port}`,
      metricsPath: '/metrics',
      scrapeIntervalMs: 1000,
    });
  }, 40_000);

  afterAll(async () => {
    await prom?.stop();
    target?.closeAllConnections();
    await new Promise<void>((r) => (target ? target.close(() => r()) : r()));
  });

  test('check() passes against the running server', async () => {
    await expect(new PrometheusMetricsSource({ url: prom.url }).check()).resolves.toBeUndefined();
  });

  test('versionStats returns the generated requests, errors, feedback and prediction bins; latency quantiles within their buckets', async () => {
    const model = 'churn';
    const version = '7';
    await zeroSeries(metrics, prom, model, version);

    // 12 requests, 3 of them errors: 10 take 3 ms (bucket 2.5–5 ms), 2 take 300 ms (bucket 250–500 ms),
    // so p50 lies in the first bucket and p99 in the second.
    for (let i = 0; i < 10; i++) metrics.observeRequest(model, version, i < 3 ? 'error' : 'ok', 0.003);
    for (let i = 0; i < 2; i++) metrics.observeRequest(model, version, 'ok', 0.3);
    // 8 labelled rows, 5 of them predicted right, in two feedback calls.
    metrics.observeFeedback(model, version, 3, 1);
    metrics.observeFeedback(model, version, 2, 2);
    // Scores by bin (i/10, (i+1)/10]; the first bin also takes ≤ 0.1, the last everything above 0.9.
    metrics.observePredictions(model, version, [-0.2, 0.05, 0.1]); // bin 0: 3
    metrics.observePredictions(model, version, [0.15]); // bin 1: 1
    metrics.observePredictions(model, version, [0.3]); // bin 2: 1 (0.3 is the upper bound of bin 2)
    metrics.observePredictions(model, version, [0.45, 0.5]); // bin 4: 2
    metrics.observePredictions(model, version, [0.55]); // bin 5: 1
    metrics.observePredictions(model, version, [0.75]); // bin 7: 1
    metrics.observePredictions(model, version, [0.85, 0.9]); // bin 8: 2
    metrics.observePredictions(model, version, [0.95, 1, 1.5]); // bin 9: 3
    const expected = {
      version,
      windowMs: 120_000,
      requests: 12,
      errors: 3,
      errorRate: 0.25,
      labeled: 8,
      correct: 5,
      predictions: [3, 1, 1, 0, 2, 1, 0, 1, 2, 3],
    };

    // Through the factory, as a worker builds it from a compiled spec.
    const source = createBackendProvider().metrics({ kind: 'prometheus', url: prom.url });
    expect(source).toBeInstanceOf(PrometheusMetricsSource);
    const counts = (s: VersionStats): Omit<VersionStats, 'latencyP50Ms' | 'latencyP99Ms'> => {
      const { latencyP50Ms: _p50, latencyP99Ms: _p99, ...rest } = s;
      return rest;
    };
    const stats = await pollUntil(
      () => source.versionStats(model, version, 120_000),
      (s) => isDeepStrictEqual(counts(s), expected),
      20_000,
    );
    expect(counts(stats)).toEqual(expected);
    // histogram_quantile interpolates inside the bucket holding the quantile.
    expect(stats.latencyP50Ms).toBeGreaterThan(2.5);
    expect(stats.latencyP50Ms).toBeLessThanOrEqual(5);
    expect(stats.latencyP99Ms).toBeGreaterThan(250);
    expect(stats.latencyP99Ms).toBeLessThanOrEqual(500);

    // A version with no series: no data.
    const none = await source.versionStats(model, 'never-deployed', 120_000);
    expect(none).toMatchObject({
      requests: 0,
      errors: 0,
      labeled: 0,
      correct: 0,
      predictions: new Array(10).fill(0),
    });
    expect(none.errorRate).toBeNaN();
    expect(none.latencyP99Ms).toBeNaN();
  }, 40_000);

  test('an overridden template runs on the real server (errors counted from outcome="ok" instead)', async () => {
    const model = 'override';
    const version = '1';
    await zeroSeries(metrics, prom, model, version);
    for (let i = 0; i < 4; i++) metrics.observeRequest(model, version, i === 0 ? 'error' : 'ok', 0.01);
    const source = new PrometheusMetricsSource({
      url: prom.url,
      queries: {
        errors:
          'sum(increase(mlcd_router_requests_total{model="{model}",version="{version}",outcome="ok"}[{window}]))',
      },
    });
    const stats = await pollUntil(
      () => source.versionStats(model, version, 60_000),
      (s) => s.requests === 4 && s.errors === 3,
      20_000,
    );
    expect([stats.requests, stats.errors]).toEqual([4, 3]);
  }, 40_000);

  test('a query Prometheus rejects fails non-retryably with its parse error', async () => {
    const source = new PrometheusMetricsSource({
      url: prom.url,
      queries: { labeled: 'sum(increase(x[{window}])' },
    });
    await expect(source.versionStats('churn', '7', 60_000)).rejects.toMatchObject({
      retryable: false,
      status: 400,
      errorType: 'bad_data',
      message: expect.stringMatching(
        /query "labeled" of churn version 7 failed: .* HTTP 400 bad_data: .*parse error/,
      ),
    });
  });
}
