import type { ServingSpec } from '../../core/spec/types';

/** Traffic share per version, in whole percent, summing to 100. */
export type Weights = Record<string, number>;

export interface DeployRequest {
  model: string;
  version: string;
  /** Model artifact directory. */
  artifactUri: string;
  serving: ServingSpec;
}

/** Splits a model's traffic between versions: the local router, or a mesh / gateway later. */
export interface TrafficRouter {
  readonly kind: string;
  check(): Promise<void>;
  /** Starts (or finds running) a server for this version and waits until it is healthy. Idempotent. */
  deploy(req: DeployRequest): Promise<{ endpoint: string }>;
  /** Stops a version's server; refuses while it has weight > 0. Idempotent. */
  undeploy(model: string, version: string): Promise<void>;
  /** Applies weights atomically; every named version must be deployed and healthy. */
  setWeights(model: string, weights: Weights): Promise<void>;
  /** The weights in force now; {} before any. */
  getWeights(model: string): Promise<Weights>;
  /**
   * The newest input rows a version answered successfully, for live input drift; routers that
   * cannot sample requests leave it out.
   */
  recentRows?(model: string, version: string, limit: number): Promise<{ rows: Array<Record<string, unknown>>; seen: number }>;
}
