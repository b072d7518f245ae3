/**
 * Wire types of the local serving daemon's HTTP API, shared by the daemon and its clients
 * (`LocalTrafficRouter`, `LocalMetricsSource`, the load generator). Plain JSON.
 */
import type { DeployRequest, Weights } from '../backends/traffic/types';

/** Response header naming the version that answered a prediction. */
export const VERSION_HEADER = 'x-mlcd-version';

/** Request header whose value is hashed for sticky routing: same key, same version (for fixed weights). */
export const ROUTE_KEY_HEADER = 'x-mlcd-route-key';

/**
 * Request and response header carrying a prediction's id: a client may choose it (1–128 visible
 * ASCII characters), else the router makes one; either way the answer names it, and feedback
 * refers to the prediction by it.
 */
export const REQUEST_ID_HEADER = 'x-mlcd-request-id';

/**
 * Response header of a routed prediction: the router's own time on it, ms (3 decimals), from
 * the request reaching the router's handler to its answer being handed over for writing, less
 * the model server's call. Like Kong's `X-Kong-Proxy-Latency`, it tells the router's share of
 * a slow answer from the model's; the time before the router's process got to run (the OS, a
 * busy CPU) is in neither.
 */
export const ROUTER_TIME_HEADER = 'x-mlcd-router-ms';

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

/** Delayed labels of one prediction: one 0/1 label per predicted row, in the rows' order. */
export interface FeedbackItem {
  /** The prediction's `x-mlcd-request-id`. */
  requestId: string;
  labels: Array<0 | 1>;
}

/** Body of `POST /v1/models/:model/feedback`: one item, or a batch applied all or nothing. */
export type FeedbackBody = FeedbackItem | { feedback: FeedbackItem[] };

/** What one feedback item did. */
export interface FeedbackResult {
  requestId: string;
  /** The version that made the prediction. */
  version: string;
  /** Labelled rows counted now: the label count, or 0 for a duplicate. */
  labeled: number;
  /** Of those, rows the version predicted right (score >= 0.5 against label 1, < 0.5 against 0). */
  correct: number;
  /** The prediction already had feedback: this one is acknowledged and not counted again. */
  duplicate: boolean;
}

/** Answer of a batch `POST /v1/models/:model/feedback`, in the order of the items. */
export interface FeedbackBatchResponse {
  results: FeedbackResult[];
}
