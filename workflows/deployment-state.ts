/** State and status of the per-model deployment entity; plain data carried across continueAsNew. */
import type { Weights } from '../src/backends/traffic/types';
import type { AnalysisCheck, Decision, RolloutRequest, VersionRef } from '../src/core/release';
import type { BackendsSpec, ServingSpec } from '../src/core/spec/types';

/** A version that serves (or served) traffic, with what is needed to start it again. */
export interface ServedVersion extends VersionRef {
  serving: ServingSpec;
  releaseId: string;
}

export interface DeploymentState {
  model: string;
  stable?: ServedVersion;
  /** The last known-good version before `stable`: where a post-promotion rollback goes. */
  previous?: ServedVersion;
  weights: Weights;
  /** Backends of the latest rollout, used by rollbacks that arrive between rollouts. */
  backends?: BackendsSpec;
  queue: RolloutRequest[];
  /** The latest decisions (bounded). */
  decisions: Decision[];
}

export interface DeploymentStatus extends Omit<DeploymentState, 'queue'> {
  phase: 'idle' | 'deploying' | 'canary' | 'paused' | 'promoting' | 'rolling_back';
  canary?: { version: string; releaseId: string; step: number; steps: number; weight: number; checks: AnalysisCheck[] };
  queued: string[];
}
