/** State and status of the per-model monitor; plain data carried across continueAsNew. */
import type { LiveDriftCheck } from '../activities/delivery';
import type { AnalysisCheck, Decision, WatchRequest } from '../src/core/release';

export interface MonitorState {
  model: string;
  watch?: WatchRequest;
  /** Epoch ms at which the post-promotion guard ends. */
  until?: number;
  consecutiveFailures: number;
  checks: AnalysisCheck[];
  decisions: Decision[];
  /** Epoch ms of the last live input drift check (absent: none yet for this watch). */
  lastDriftCheckAt?: number;
  /** The last live input drift check's finding. */
  lastDrift?: LiveDriftCheck & { at: string; version: string };
  /** The retraining release the monitor started last, so a second drift starts no second one while it runs. */
  retraining?: { workflowId: string; startedAt: string };
}

export interface MonitorStatus extends MonitorState {
  watching: boolean;
}
