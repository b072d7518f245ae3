/**
 * `MetricsSource` over the Prometheus HTTP API: instant queries (`/api/v1/query`, evaluated now)
 * built from PromQL templates with the model, version, window and quantile filled in. The
 * defaults read the serving daemon's router metrics (src/serving/router-metrics.ts) as
 * Prometheus scrapes them from its `GET /metrics`; a spec can override any template
 * (`backends.metrics.queries`) for other metric names or label layouts.
 *
 * Accuracy, by how Prometheus works (see docs/metrics-prometheus.md):
 * - counts come from `increase()`, which extrapolates to the window's edges: they are reals,
 *   rounded here, and may be off by a few percent of the count;
 * - p50 / p99 come from histogram buckets by `histogram_quantile`, interpolated linearly within
 *   the bucket that holds the quantile: they are only as precise as the bucket bounds;
 * - `increase()` needs two samples of a series inside the window, so a window shorter than two
 *   scrape intervals has no data (0 requests, NaN rates) however busy the version is.
 */
import { z } from 'zod';

import { BackendError } from '../../core/errors';
import { fetchErrorText, isFetchTimeout } from '../fetch-errors';
import { DEFAULT_PROMETHEUS_URL, PROMQL_QUERY_NAMES } from '../../core/spec/types';
import type { PromqlQueryName } from '../../core/spec/types';
import { PREDICTION_BINS } from './types';
import type { MetricsSource, VersionStats } from './types';

/**
 * The default PromQL templates, by name. Placeholders: `{model}` and `{version}` (escaped for a
 * double-quoted PromQL string), `{window}` (a PromQL duration such as `30s`) and `{quantile}`
 * (`0.5` or `0.99`, in `latencyMs` only).
 *
 * - `requests`, `errors`, `labeled`, `correct`: one number each (at most one series);
 * - `latencyMs`: one number, in milliseconds;
 * - `predictionBuckets`: cumulative histogram buckets by `le`, at least le 0.1, 0.2, …, 0.9 and
 *   +Inf, differenced into the `PREDICTION_BINS` bins of `VersionStats.predictions`.
 */
export const DEFAULT_PROMQL_QUERIES: Readonly<Record<PromqlQueryName, string>> = {
  requests: 'sum(increase(mlcd_router_requests_total{model="{model}",version="{version}"}[{window}]))',
  errors:
    'sum(increase(mlcd_router_requests_total{model="{model}",version="{version}",outcome="error"}[{window}]))',
  latencyMs:
    'histogram_quantile({quantile}, sum by (le) (increase(mlcd_router_request_duration_seconds_bucket{model="{model}",version="{version}"}[{window}]))) * 1000',
  labeled: 'sum(increase(mlcd_router_feedback_total{model="{model}",version="{version}"}[{window}]))',
  correct:
    'sum(increase(mlcd_router_feedback_total{model="{model}",version="{version}",outcome="correct"}[{window}]))',
  predictionBuckets:
    'sum by (le) (increase(mlcd_router_prediction_score_bucket{model="{model}",version="{version}"}[{window}]))',
};

/** Options of {@link PrometheusMetricsSource}. */
export interface PrometheusMetricsSourceOptions {
  /** Base URL of Prometheus; a path prefix (`--web.route-prefix`) is kept. Default http://127.0.0.1:9090. */
  url?: string;
  /** Templates replacing {@link DEFAULT_PROMQL_QUERIES}, by name. */
  queries?: Partial<Record<PromqlQueryName, string>>;
  /** Timeout of one HTTP call (each query, and `check()`), ms. Default 10 000. */
  timeoutMs?: number;
}

/**
 * A call to Prometheus failed or answered something unusable. The message names the operation,
 * the URL, the HTTP status, Prometheus's `errorType` and error, and the PromQL sent. Retryable
 * when no answer arrived, on 408, 429 and 5xx (Prometheus answers 503 to a query timeout); not
 * for a rejected query (400 `bad_data`, 422 `execution`) or an answer that is not Prometheus's.
 */
export class PrometheusQueryError extends BackendError {
  constructor(
    /** What mlcd was doing, e.g. `query "requests" of churn version 3`. */
    readonly operation: string,
    /** The URL called. */
    readonly url: string,
    /** HTTP status, or undefined when no response arrived. */
    readonly status: number | undefined,
    /** Prometheus's `errorType` (`bad_data`, `execution`, `timeout`, …) when the body carried one. */
    readonly errorType: string | undefined,
    detail: string,
    /** The PromQL sent, when the call was a query. */
    readonly promql?: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(
      `prometheus: ${operation} failed: ${url} → ${status !== undefined ? `HTTP ${status}` : 'no response'}` +
        `${errorType !== undefined ? ` ${errorType}` : ''}: ${detail}` +
        `${promql !== undefined ? `; PromQL: ${promql}` : ''}`,
      options?.retryable ?? (status === undefined || status === 408 || status === 429 || status >= 500),
      options?.cause !== undefined ? { cause: options.cause } : undefined,
    );
  }
}

const template = z.string().min(1, 'expected a non-empty PromQL template');
const optionsSchema = z
  .object({
    url: z
      .string()
      .regex(
        /^https?:\/\/[^\s/?#]+(?:\/[^\s?#]*)?$/,
        `expected an http(s) base URL without query or fragment, e.g. ${DEFAULT_PROMETHEUS_URL}`,
      )
      .optional(),
    queries: z
      .object(
        Object.fromEntries(PROMQL_QUERY_NAMES.map((name) => [name, template.optional()])) as {
          [K in PromqlQueryName]: z.ZodOptional<typeof template>;
        },
      )
      .strict()
      .refine((q) => q.latencyMs === undefined || q.latencyMs.includes('{quantile}'), {
        message: 'must contain {quantile}: the same template gives the p50 and the p99 latency',
        path: ['latencyMs'],
      })
      .optional(),
    timeoutMs: z
      .number()
      .int('expected whole milliseconds')
      .positive('expected a positive timeout')
      .optional(),
  })
  .strict();

/** One float sample of an instant query: `[unix seconds, "value"]`. */
const sample = z.tuple([z.number(), z.string()]);
/** The body of `/api/v1/query`, success or error (https://prometheus.io/docs/prometheus/latest/querying/api/). */
const queryAnswer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({
        resultType: z.literal('vector'),
        result: z.array(z.object({ metric: z.record(z.string()), value: sample })),
      }),
      z.object({ resultType: z.literal('scalar'), result: sample }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal('string'), result: z.unknown() }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

/** One series of a query result: its labels and its value (NaN and ±Inf as Prometheus sent them). */
interface Series {
  labels: Record<string, string>;
  value: number;
}

/** Quantiles of `VersionStats`, as filled into `{quantile}`. */
const P50 = '0.5';
const P99 = '0.99';

/**
 * `MetricsSource` over a Prometheus server that scrapes the serving daemon's `/metrics` (or any
 * metrics the templates name). One `versionStats` call runs its queries concurrently. No series
 * means no data: 0 requests and NaN rates, 0 labels and empty prediction bins.
 */
export class PrometheusMetricsSource implements MetricsSource {
  /** Backend kind as named in the spec. */
  readonly kind = 'prometheus';
  /** Base URL of Prometheus, without trailing slashes. */
  readonly url: string;
  /** The templates in use: the defaults with the overrides applied. */
  readonly queries: Readonly<Record<PromqlQueryName, string>>;
  private readonly timeoutMs: number;

  /** @throws BackendError (non-retryable) naming the option, its value and what was expected. */
  constructor(opts: PrometheusMetricsSourceOptions = {}) {
    const parsed = optionsSchema.safeParse(opts);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const path = first?.path.join('.') ?? '';
      const value = first ? valueAt(opts, first.path) : undefined;
      throw new BackendError(
        `prometheus metrics source: option ${path || '(root)'}: ${first?.message ?? 'invalid'}` +
          `${value !== undefined ? ` (got ${JSON.stringify(value)?.slice(0, 200)})` : ''}`,
        false,
      );
    }
    const o = parsed.data;
    this.url = (o.url ?? DEFAULT_PROMETHEUS_URL).replace(/\/+$/, '');
    this.queries = { ...DEFAULT_PROMQL_QUERIES, ...definedOnly(o.queries ?? {}) };
    this.timeoutMs = o.timeoutMs ?? 10_000;
  }

  /** Throws a retryable `BackendError` telling how to start Prometheus when `/-/ready` does not answer 2xx. */
  async check(): Promise<void> {
    const url = `${this.url}/-/ready`;
    let detail: string;
    let cause: unknown;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (res.ok) return;
      detail = `HTTP ${res.status} ${(await res.text().catch(() => '')).trim().slice(0, 200) || res.statusText}`;
    } catch (err) {
      cause = err;
      detail = isFetchTimeout(err) ? `no answer within ${this.timeoutMs} ms` : fetchErrorText(err);
    }
    throw new BackendError(
      `Prometheus not ready at ${this.url} (${url}: ${detail}): start it with ` +
        '`prometheus --config.file=prometheus.yml` (Debian: `apt-get install prometheus`), scraping the ' +
        "serving daemon's /metrics, or set backends.metrics.url; see docs/metrics-prometheus.md",
      true,
      cause !== undefined ? { cause } : undefined,
    );
  }

  /**
   * Requests, errors, latency percentiles, feedback labels and prediction bins of one version over
   * the trailing `windowMs`, from instant queries run concurrently (each evaluated by Prometheus
   * when it arrives: no `time` parameter, so a clock skew between mlcd and Prometheus cannot
   * shift the window).
   *
   * @throws BackendError (non-retryable) on an empty model or version or a window that is not a
   *   positive whole number of ms; PrometheusQueryError when a query fails or its answer does not
   *   have the expected shape (one series at most; `le` buckets for `predictionBuckets`).
   */
  async versionStats(model: string, version: string, windowMs: number): Promise<VersionStats> {
    for (const [name, value] of [
      ['model', model],
      ['version', version],
    ] as const) {
      if (typeof value !== 'string' || value === '')
        throw new BackendError(
          `prometheus metrics source: ${name} must be a non-empty string, got ${JSON.stringify(value)}`,
          false,
        );
    }
    if (!Number.isSafeInteger(windowMs) || windowMs < 1)
      throw new BackendError(
        `prometheus metrics source: windowMs must be a positive whole number of milliseconds, got ${String(windowMs)}`,
        false,
      );
    const fill = {
      model: promqlString(model),
      version: promqlString(version),
      window: promqlDuration(windowMs),
    };
    const of = `of ${model} version ${version}`;
    const run = (name: PromqlQueryName, quantile?: string): Promise<Series[]> =>
      this.query(
        `query "${name}" ${of}${quantile !== undefined ? ` at quantile ${quantile}` : ''}`,
        renderPromql(this.queries[name], { ...fill, ...(quantile !== undefined ? { quantile } : {}) }),
      );
    const [requests, errors, p50, p99, labeled, correct, buckets] = await Promise.all([
      run('requests'),
      run('errors'),
      run('latencyMs', P50),
      run('latencyMs', P99),
      run('labeled'),
      run('correct'),
      run('predictionBuckets'),
    ]);
    const requestCount = count('requests', requests);
    const labeledCount = count('labeled', labeled);
    // The two counts of a pair are extrapolated separately: never report more errors than requests.
    const errorCount = Math.min(count('errors', errors), requestCount);
    const noData = requestCount === 0;
    return {
      version,
      windowMs,
      requests: requestCount,
      errors: errorCount,
      errorRate: noData ? NaN : errorCount / requestCount,
      latencyP50Ms: noData ? NaN : (single('latencyMs', p50) ?? NaN),
      latencyP99Ms: noData ? NaN : (single('latencyMs', p99) ?? NaN),
      labeled: labeledCount,
      correct: Math.min(count('correct', correct), labeledCount),
      predictions: predictionBins(buckets),
    };
  }

  /** One instant query, evaluated now; its series. */
  private async query(operation: string, promql: string): Promise<Series[]> {
    const url = `${this.url}/api/v1/query`;
    // POST with a form body: long templates do not run into URL length limits of proxies.
    const body = new URLSearchParams({ query: promql, timeout: `${this.timeoutMs}ms` });
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (err) {
      const detail = isFetchTimeout(err)
        ? `no answer within ${this.timeoutMs} ms`
        : `${fetchErrorText(err)} (is Prometheus running at ${this.url}?)`;
      throw new PrometheusQueryError(operation, url, undefined, undefined, detail, promql, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new PrometheusQueryError(
        operation,
        url,
        res.status,
        undefined,
        `answer is not JSON (is ${this.url} a Prometheus server?): ${text.slice(0, 200)}`,
        promql,
        // A proxy's HTML error page for a 5xx stays retryable; a 2xx page of another server does not.
        { cause: err, retryable: res.status >= 500 || res.status === 408 || res.status === 429 },
      );
    }
    const answer = queryAnswer.safeParse(json);
    if (!answer.success) {
      throw new PrometheusQueryError(
        operation,
        url,
        res.status,
        undefined,
        `unexpected answer (expected Prometheus's {status, data} of an instant query): ${text.slice(0, 200)}`,
        promql,
        { cause: answer.error, retryable: res.status >= 500 },
      );
    }
    const a = answer.data;
    if (a.status === 'error' || !res.ok) {
      const e = a.status === 'error' ? a : undefined;
      throw new PrometheusQueryError(
        operation,
        url,
        res.status,
        e?.errorType,
        e?.error ?? res.statusText,
        promql,
      );
    }
    const reject = (detail: string): PrometheusQueryError =>
      new PrometheusQueryError(operation, url, res.status, undefined, detail, promql, { retryable: false });
    switch (a.data.resultType) {
      case 'vector':
        return a.data.result.map((s) => ({ labels: s.metric, value: sampleValue(s.value[1], reject) }));
      case 'scalar':
        return [{ labels: {}, value: sampleValue(a.data.result[1], reject) }];
      default:
        throw reject(
          `the result is a ${a.data.resultType}, expected an instant vector or a scalar (no range selector at the top level)`,
        );
    }
  }
}

/**
 * Fills `{model}`, `{version}`, `{window}` and `{quantile}` in a template; other braces (label
 * matchers) stay. Values are inserted as given: escape strings with {@link promqlString} first.
 */
export function renderPromql(
  promql: string,
  values: Readonly<Partial<Record<'model' | 'version' | 'window' | 'quantile', string>>>,
): string {
  return promql.replace(
    /\{(model|version|window|quantile)\}/g,
    (whole, name: 'model' | 'version' | 'window' | 'quantile') => values[name] ?? whole,
  );
}

/**
 * `value` escaped for the inside of a double-quoted PromQL string literal (Go escapes:
 * backslash, quote, and control characters as `\n`, `\r`, `\t` or `\xNN`).
 */
export function promqlString(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  return value.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case '"':
        return '\\"';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}

/** A positive whole number of ms as a PromQL duration: `30s` when whole seconds, else `1500ms`. */
export function promqlDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A sample value as Prometheus writes it (`"12.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`). */
function sampleValue(text: string, reject: (detail: string) => Error): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const v = Number(text);
  if (text.trim() === '' || Number.isNaN(v))
    throw reject(`sample value ${JSON.stringify(text)} is not a number`);
  return v;
}

/** The value of a query that yields at most one series; undefined when it yields none. */
function single(name: PromqlQueryName, series: Series[]): number | undefined {
  if (series.length > 1) {
    throw new BackendError(
      `prometheus: query "${name}" returned ${series.length} series (${series
        .slice(0, 2)
        .map((s) => JSON.stringify(s.labels))
        .join(', ')}…); expected at most one: aggregate it, e.g. sum(...)`,
      false,
    );
  }
  return series[0]?.value;
}

/** A count from an `increase()`: no series or NaN is 0, reals are rounded. */
function count(name: PromqlQueryName, series: Series[]): number {
  const v = single(name, series);
  if (v === undefined || Number.isNaN(v)) return 0;
  if (!Number.isFinite(v))
    throw new BackendError(`prometheus: query "${name}" returned ${v}, expected a count`, false);
  return Math.max(0, Math.round(v));
}

/**
 * Cumulative `le` buckets → `PREDICTION_BINS` counts: bin i holds (i/10, (i+1)/10], the first bin
 * also everything ≤ 0.1, the last everything above 0.9 (up to +Inf). No series → all zero.
 */
function predictionBins(series: Series[]): number[] {
  const bins = new Array<number>(PREDICTION_BINS).fill(0);
  if (series.length === 0) return bins;
  const buckets = series.map((s) => {
    const le = s.labels.le;
    const bound = le === '+Inf' ? Infinity : Number(le);
    if (le === undefined || le.trim() === '' || Number.isNaN(bound))
      throw new BackendError(
        `prometheus: query "predictionBuckets" returned a series without a numeric le label (${JSON.stringify(s.labels)}); ` +
          'expected cumulative histogram buckets, e.g. sum by (le) (increase(<histogram>_bucket[...]))',
        false,
      );
    return { bound, value: s.value };
  });
  const cumulative = (bound: number): number => {
    const b = buckets.find((x) =>
      bound === Infinity ? x.bound === Infinity : Math.abs(x.bound - bound) < 1e-9,
    );
    if (b === undefined)
      throw new BackendError(
        `prometheus: query "predictionBuckets" has no bucket le="${bound === Infinity ? '+Inf' : bound}"; ` +
          `expected the buckets ${Array.from({ length: PREDICTION_BINS - 1 }, (_, i) => (i + 1) / PREDICTION_BINS).join(', ')} and +Inf ` +
          '(those of mlcd_router_prediction_score)',
        false,
      );
    return Number.isFinite(b.value) ? Math.max(0, Math.round(b.value)) : 0;
  };
  let below = 0;
  for (let i = 0; i < PREDICTION_BINS; i++) {
    const upTo = cumulative(i === PREDICTION_BINS - 1 ? Infinity : (i + 1) / PREDICTION_BINS);
    // A counter reset inside the window can make a rounded bucket smaller than the one below it.
    bins[i] = Math.max(0, upTo - below);
    below = Math.max(below, upTo);
  }
  return bins;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let v: unknown = root;
  for (const key of path)
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}
