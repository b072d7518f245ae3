/**
 * Builds backends from the spec's `backends` section. The worker is the only place that calls
 * this; activities ask it for the backend of a concern and never learn which one runs.
 * Instances are cached per configuration, so a release's many activities share one client.
 */
import { statePaths } from '../config';
import { BackendError } from '../core/errors';
import type { BackendsSpec } from '../core/spec/types';
import type { JobRunner } from './jobs/types';
import { LocalJobRunner } from './jobs/local';
import type { MetricsSource } from './metrics/types';
import { LocalMetricsSource } from './metrics/local';
import { PrometheusMetricsSource } from './metrics/prometheus';
import type { Notifier } from './notifier/types';
import { LogNotifier } from './notifier/log';
import { WebhookNotifier } from './notifier/webhook';
import type { ModelRegistry } from './registry/types';
import { LocalModelRegistry } from './registry/local';
import { MlflowModelRegistry, mlflowAuthFromEnv } from './registry/mlflow';
import type { TrafficRouter } from './traffic/types';
import { LocalTrafficRouter } from './traffic/local';

/** Looks up the backend of each concern for a spec's `backends` section. */
export interface BackendProvider {
  jobs(spec: BackendsSpec['jobs']): JobRunner;
  registry(spec: BackendsSpec['registry']): ModelRegistry;
  traffic(spec: BackendsSpec['traffic']): TrafficRouter;
  metrics(spec: BackendsSpec['metrics']): MetricsSource;
  notifier(spec: BackendsSpec['notifier']): Notifier;
}

function unknownKind(field: string, kind: never): never {
  // The compiled spec only carries known kinds; this guards specs built by hand.
  throw new BackendError(`backends.${field}.kind: unknown backend kind ${JSON.stringify(kind)}`, false);
}

function memo<C, T>(build: (c: C) => T): (c: C) => T {
  const cache = new Map<string, T>();
  return (c) => {
    const key = JSON.stringify(c);
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = build(c);
      cache.set(key, hit);
    }
    return hit;
  };
}

/** The default provider: local backends under MLCD_HOME (real ones join as their issues land). */
export function createBackendProvider(): BackendProvider {
  return {
    jobs: memo((c) => {
      switch (c.kind) {
        case 'local':
          return new LocalJobRunner({ stateDir: statePaths.jobs() });
        default:
          return unknownKind('jobs', c.kind);
      }
    }),
    registry: memo((c) => {
      switch (c.kind) {
        case 'local':
          return new LocalModelRegistry({ root: c.path ?? statePaths.registry() });
        case 'mlflow':
          return new MlflowModelRegistry({ trackingUri: c.trackingUri, ...mlflowAuthFromEnv() });
        default:
          // The registry spec is a union, so `c` itself is `never` here.
          return unknownKind('registry', (c as { kind: never }).kind);
      }
    }),
    traffic: memo((c) => {
      switch (c.kind) {
        case 'local':
          return new LocalTrafficRouter({ url: c.url });
        default:
          return unknownKind('traffic', c.kind);
      }
    }),
    metrics: memo((c) => {
      switch (c.kind) {
        case 'local':
          return new LocalMetricsSource({ url: c.url });
        case 'prometheus':
          return new PrometheusMetricsSource({ url: c.url, ...(c.queries ? { queries: c.queries } : {}) });
        default:
          return unknownKind('metrics', c.kind);
      }
    }),
    notifier: memo((c) => {
      switch (c.kind) {
        case 'log':
          return new LogNotifier();
        case 'webhook':
          // The URL behind urlEnv is read at each send, so a cached instance follows the environment.
          return new WebhookNotifier({ url: c.url, urlEnv: c.urlEnv, events: c.events });
        default:
          return unknownKind('notifier', c.kind);
      }
    }),
  };
}
