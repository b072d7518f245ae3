/**
 * Signal, query and update definitions of the mlcd workflows: shared by the workflows and the
 * client (CLI), so a name is written once. Names are what `temporal workflow signal --name` takes.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApprovalInput,
  OperatorInput,
  PipelineStatus,
  RollbackRequest,
  RolloutProgress,
  RolloutRequest,
  RolloutResult,
  WatchRequest,
} from '../src/core/release';
import type { DeploymentStatus } from './deployment-state';
import type { MonitorStatus } from './monitor-state';

// Operator controls, accepted by the pipeline (forwarded to the deployment during a canary)
// and by the deployment workflow directly.
export const approveSignal = defineSignal<[ApprovalInput]>('approve');
export const approveUpdate = defineUpdate<PipelineStatus, [ApprovalInput]>('approve');
export const abortSignal = defineSignal<[OperatorInput]>('abort');
export const rollbackSignal = defineSignal<[RollbackRequest]>('rollback');
export const pauseSignal = defineSignal<[OperatorInput]>('pause');
export const resumeSignal = defineSignal<[OperatorInput]>('resume');
export const promoteSignal = defineSignal<[OperatorInput]>('promote');

export const pipelineStatusQuery = defineQuery<PipelineStatus>('status');
export const deploymentStatusQuery = defineQuery<DeploymentStatus>('status');
export const monitorStatusQuery = defineQuery<MonitorStatus>('status');

// Workflow-to-workflow messages.
export const deploySignal = defineSignal<[RolloutRequest]>('deploy');
export const rolloutProgressSignal = defineSignal<[RolloutProgress]>('rolloutProgress');
export const rolloutFinishedSignal = defineSignal<[RolloutResult]>('rolloutFinished');
export const watchSignal = defineSignal<[WatchRequest]>('watch');
export const unwatchSignal = defineSignal<[{ version: string; reason: string }]>('unwatch');

/** Workflow ids: one deployment entity and one monitor per model. */
export const workflowIds = {
  deployment: (model: string): string => `deployment/${model}`,
  monitor: (model: string): string => `monitor/${model}`,
} as const;
