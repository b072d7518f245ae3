import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcome label of `mlcd_router_requests_total`. */
export type RequestOutcome = 'ok' | 'error';

/**
 * The per-request series of one (model, version), bound once: prom-client's `labels()` children.
 * A child skips building and checking a label object per call (prom-client still keys its map by
 * the label values on each call); the router looks one of these up per version, not per request.
 */
export interface VersionMetrics {
  /** Counts one routed request and observes its duration. */
  observeRequest(outcome: RequestOutcome, seconds: number): void;
  /** Observes every score of one successful prediction; O(scores). Scores must be finite. */
  observePredictions(scores: readonly number[]): void;
  /** Observes the router's own time on one prediction (the model server's call left out), seconds. */
  observeOwnTime(seconds: number): void;
}

/**
 * The router's Prometheus metrics on a private registry (several daemons, e.g. in tests, never
 * share or clash on the global one).
 */
export class RouterMetrics {
  /** The registry `GET /metrics` renders. */
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'mlcd_router_requests_total',
    help: 'Prediction requests routed, by model, version and outcome (ok | error).',
    labelNames: ['model', 'version', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'mlcd_router_request_duration_seconds',
    help: 'Time from routing a prediction to the model server answering, seconds.',
    labelNames: ['model', 'version'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly ownTime = new Histogram({
    name: 'mlcd_router_own_time_seconds',
    help: "The router's own time on a prediction: from its handler getting the request to the answer handed over for writing, less the model server's call, seconds.",
    labelNames: ['model', 'version'] as const,
    // Finer than the request buckets: the router's share is tenths of a millisecond.
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  private readonly feedback = new Counter({
    name: 'mlcd_router_feedback_total',
    help: 'Predicted rows that got a delayed label, by model, version and outcome (correct | incorrect: score >= 0.5 against label 1, < 0.5 against 0).',
    labelNames: ['model', 'version', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly predictionScore = new Histogram({
    name: 'mlcd_router_prediction_score',
    help: 'Scores of successful predictions, one observation per predicted row.',
    labelNames: ['model', 'version'] as const,
    // The same edges as the stats endpoint's PREDICTION_BINS bins (there [i/10, (i+1)/10), here Prometheus' `le`).
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    registers: [this.registry],
  });
  private readonly weight = new Gauge({
    name: 'mlcd_router_weight_percent',
    help: 'Share of a model\'s traffic routed to a version, percent.',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });

  /** Bound series per model, then version (nested maps: no key string to build per request). */
  private readonly bound = new Map<string, Map<string, VersionMetrics>>();

  /** The per-request series of `version` of `model`, bound on first use and kept (as the series are). */
  forVersion(model: string, version: string): VersionMetrics {
    let versions = this.bound.get(model);
    if (!versions) {
      versions = new Map();
      this.bound.set(model, versions);
    }
    let m = versions.get(version);
    if (!m) {
      const ok = this.requests.labels({ model, version, outcome: 'ok' });
      const error = this.requests.labels({ model, version, outcome: 'error' });
      const duration = this.duration.labels({ model, version });
      const score = this.predictionScore.labels({ model, version });
      const own = this.ownTime.labels({ model, version });
      m = {
        observeRequest: (outcome, seconds) => {
          (outcome === 'ok' ? ok : error).inc();
          duration.observe(seconds);
        },
        observePredictions: (scores) => {
          for (let i = 0; i < scores.length; i++) score.observe(scores[i] as number);
        },
        observeOwnTime: (seconds) => own.observe(seconds),
      };
      versions.set(version, m);
    }
    return m;
  }

  /** Counts one routed request and observes its duration. */
  observeRequest(model: string, version: string, outcome: RequestOutcome, seconds: number): void {
    this.forVersion(model, version).observeRequest(outcome, seconds);
  }

  /** Observes the router's own time on one prediction of `version` of `model`, seconds. */
  observeOwnTime(model: string, version: string, seconds: number): void {
    this.forVersion(model, version).observeOwnTime(seconds);
  }

  /**
   * Creates every series of a version at 0 as it starts serving. Prometheus counts no increase
   * at a series' first sample, so without this the requests a version serves before the first
   * scrape would never show in `increase()`: a canary's first window would undercount.
   */
  initVersion(model: string, version: string): void {
    for (const outcome of ['ok', 'error'] as const) this.requests.inc({ model, version, outcome }, 0);
    for (const outcome of ['correct', 'incorrect'] as const) this.feedback.inc({ model, version, outcome }, 0);
    this.duration.zero({ model, version });
    this.predictionScore.zero({ model, version });
    this.ownTime.zero({ model, version });
  }

  /** Counts the labelled rows of one feedback: `correct` and `incorrect` rows (both series are created, even at 0, so ratios have data). */
  observeFeedback(model: string, version: string, correct: number, incorrect: number): void {
    this.feedback.inc({ model, version, outcome: 'correct' }, correct);
    this.feedback.inc({ model, version, outcome: 'incorrect' }, incorrect);
  }

  /** Observes every score of one successful prediction; O(scores). Scores must be finite. */
  observePredictions(model: string, version: string, scores: readonly number[]): void {
    this.forVersion(model, version).observePredictions(scores);
  }

  /** Sets the weight gauges of `model`: versions in `weights` to their value, versions in `previous` only to 0. */
  setWeights(model: string, weights: Readonly<Record<string, number>>, previous: Readonly<Record<string, number>>): void {
    for (const version of Object.keys(previous)) if (!(version in weights)) this.weight.set({ model, version }, 0);
    for (const [version, w] of Object.entries(weights)) this.weight.set({ model, version }, w);
  }

  /** Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content-Type of {@link render}. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
