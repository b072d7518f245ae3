import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcome label of `mlcd_router_requests_total`. */
export type RequestOutcome = 'ok' | 'error';

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
  private readonly weight = new Gauge({
    name: 'mlcd_router_weight_percent',
    help: 'Share of a model\'s traffic routed to a version, percent.',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });

  /** Counts one routed request and observes its duration. */
  observeRequest(model: string, version: string, outcome: RequestOutcome, seconds: number): void {
    this.requests.inc({ model, version, outcome });
    this.duration.observe({ model, version }, seconds);
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
