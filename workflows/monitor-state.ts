/** State and status of the per-model monitor; plain data carried across continueAsNew. */
import type { AnalysisCheck, Decision, WatchRequest } from '../src/core/release';

export interface MonitorState {
  model: string;
  watch?: WatchRequest;
  /** Epoch ms at which the post-promotion guard ends. */
  until?: number;
  consecutiveFailures: number;
  checks: AnalysisCheck[];
  decisions: Decision[];
}

export interface MonitorStatus extends MonitorState {
  watching: boolean;
}
