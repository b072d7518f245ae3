/**
 * Wire types of the local serving daemon's HTTP API, shared by the daemon and its clients
 * (`LocalTrafficRouter`, `LocalMetricsSource`, the load generator). Plain JSON.
 */
import type { DeployRequest, Weights } from '../backends/traffic/types';

/** Response header naming the version that answered a prediction. */
export const VERSION_HEADER = 'x-mlcd-version';

/** Request header whose value is hashed for sticky routing: same key, same version (for fixed weights). */
export const ROUTE_KEY_HEADER = 'x-mlcd-route-key';

/** Body of `POST /v1/models/:model/predict` and of a model server's `POST /predict`. */
export interface PredictRequest {
  rows: Array<Record<string, unknown>>;
}

/** Body of a model server's (and so the router's) successful `POST /predict` answer. */
export interface PredictResponse {
  scores: number[];
}

/** Body of every non-2xx answer of the daemon. `version` is set when a model server failed. */
export interface ErrorBody {
  error: string;
  version?: string;
}

/** Body of `PUT /admin/models/:model/versions/:version`. */
export type DeployBody = Omit<DeployRequest, 'model' | 'version'>;

/** Answer of `PUT /admin/models/:model/versions/:version`. */
export interface DeployResponse {
  /** Base URL of the version's model server, e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
}

/** Body and answer of `PUT`/`GET /admin/models/:model/weights`. */
export interface WeightsBody {
  weights: Weights;
}

/** One deployed version as listed by `GET /admin/models`. */
export interface VersionView {
  version: string;
  artifactUri: string;
  /** Base URL of the model server; null while it is not running. */
  endpoint: string | null;
  pid: number | null;
  healthy: boolean;
  /** ISO time the current server process became healthy; null when it is not running. */
  startedAt: string | null;
  /** Why the version is unhealthy, when known (exit code, stderr tail). */
  lastError?: string;
}

/** One model as listed by `GET /admin/models`. */
export interface ModelView {
  model: string;
  weights: Weights;
  versions: VersionView[];
}

/** Answer of `GET /admin/models`. */
export interface ModelsResponse {
  models: ModelView[];
}
