/**
 * Shapes that travel between the CLI, the workflows and the activities: workflow inputs,
 * signal payloads, status views and outcomes. Pure types and constants: workflow-safe.
 */
import type { GateReport, GateResult } from './gates';
import type { HealthVerdict } from './health';
import type { VersionStats } from '../backends/metrics/types';
import type { BackendsSpec, CanaryPlan, DriftSpec, MetricName, MonitorSpec, ServingSpec } from './spec/types';

/** The task queue the worker polls. */
export const TASK_QUEUE = 'mlcd';

/** Stages of a release, in order; the search attribute MlcdStage takes these values. */
export const RELEASE_STAGES = [
  'compiling',
  'validating',
  'training',
  'evaluating',
  'gating',
  'awaiting_approval',
  'canary',
  'promoted',
  'failed',
  'rolled_back',
  'aborted',
] as const;
export type ReleaseStage = (typeof RELEASE_STAGES)[number];

/**
 * Why a release ended without promotion: the `type` of the workflow's ApplicationFailure.
 * The CLI maps each to an exit code (see EXIT_CODES).
 */
export const RELEASE_FAILURES = {
  specInvalid: 'SpecInvalid',
  dataValidationFailed: 'DataValidationFailed',
  dataUnusable: 'DataUnusable',
  trainingFailed: 'TrainingFailed',
  gateFailed: 'GateFailed',
  approvalTimedOut: 'ApprovalTimedOut',
  rolledBack: 'RolledBack',
  aborted: 'ReleaseAborted',
} as const;
export type ReleaseFailure = (typeof RELEASE_FAILURES)[keyof typeof RELEASE_FAILURES];

/** `mlcd run --wait` exit codes; CI systems gate on them. */
export const EXIT_CODES = {
  promoted: 0,
  infrastructure: 1,
  usage: 2,
  dataValidation: 3,
  training: 4,
  gate: 5,
  approval: 6,
  rolledBack: 7,
  aborted: 8,
} as const;

/** Input of `mlcd.pipeline` (`mlPipeline`): the spec as written, or a path the worker can read. */
export interface PipelineInput {
  /** The parsed spec file (YAML/JSON object). Either this with specDir, or specPath. */
  spec?: unknown;
  /** Absolute directory the spec's relative paths resolve against. */
  specDir?: string;
  /** Absolute path of a spec file on the worker's machine. */
  specPath?: string;
  /** `--param` overrides. */
  params?: Record<string, string>;
  /** Who or what started the release (cli, schedule, monitor). */
  trigger?: string;
}

/** A decision a human or mlcd took, with who, why and the numbers behind it. */
export interface Decision {
  /** ISO time (workflow time). */
  at: string;
  kind:
    | 'approved'
    | 'approval_timed_out'
    | 'aborted'
    | 'gate_passed'
    | 'gate_inconclusive'
    | 'gate_failed'
    | 'weight_set'
    | 'analysis'
    | 'paused'
    | 'resumed'
    | 'promoted'
    | 'rollback'
    | 'rollout_queued'
    | 'drift'
    | 'retraining';
  by: string;
  reason: string;
  evidence?: unknown;
}

export interface VersionRef {
  version: string;
  artifactUri: string;
}

export interface EvaluationSummary {
  candidate: Partial<Record<MetricName, number>>;
  baseline?: Partial<Record<MetricName, number>>;
  /** `production@3`, or `job-baseline` for a first release. */
  baselineSource: string;
  rows: number;
}

/** One canary or monitor analysis check, kept so people can see the numbers behind a decision. */
export interface AnalysisCheck {
  at: string;
  weight: number;
  canary: VersionStats;
  stable?: VersionStats;
  verdict: HealthVerdict;
  /** Canary checks: every rule's observed and required values, interval and verdict. */
  rules?: GateResult[];
}

/** `status` query of the pipeline. */
export interface PipelineStatus {
  releaseId: string;
  model?: string;
  stage: ReleaseStage;
  startedAt: string;
  candidate?: VersionRef;
  baseline?: string;
  validation?: { passed: boolean; summary: string; reports: string[] };
  evaluation?: EvaluationSummary;
  gate?: GateReport;
  approval?: { required: boolean; pending: boolean; deadline?: string; by?: string; reason?: string };
  canary?: { weight: number; phase: string; checks: AnalysisCheck[] };
  decisions: Decision[];
  /** A RELEASE_FAILURES value, or the type of an infrastructure failure. */
  failure?: { type: string; message: string };
  /** Where the release's reports and outputs are, by name (validation reports, training output, gate report). */
  artifacts: Record<string, string>;
}

export interface PipelineResult {
  releaseId: string;
  model: string;
  outcome: 'promoted';
  version: string;
  status: PipelineStatus;
}

/** Payload of approve (signal and update). */
export interface ApprovalInput {
  by: string;
  reason?: string;
}

/** Payload of abort / rollback / pause / resume / promote signals. */
export interface OperatorInput {
  by?: string;
  reason?: string;
  /** Set when a pipeline forwards the signal: the deployment acts on that release's rollout only. */
  releaseId?: string;
}

/** What the pipeline hands to the deployment entity workflow. */
export interface RolloutRequest {
  releaseId: string;
  /** Workflow id to signal progress and the outcome back to. */
  replyTo: string;
  model: string;
  candidate: VersionRef;
  serving: ServingSpec;
  canary: CanaryPlan;
  monitor: MonitorSpec;
  backends: BackendsSpec;
  /** What the monitor judges live input drift against, when the spec has a reference. */
  liveDrift?: LiveDriftTarget;
}

/** The reference and settings live input drift is judged with, and the release to start on drift. */
export interface LiveDriftTarget {
  /** Absolute path of the training reference dataset. */
  reference: string;
  drift: DriftSpec;
  allowedRoots: string[];
  /** The input of the release that produced the version: a retraining starts it again. */
  retrain: PipelineInput;
}

export type RolloutOutcome = 'promoted' | 'rolled_back' | 'aborted' | 'failed';

export interface RolloutProgress {
  weight: number;
  phase: string;
  check?: AnalysisCheck;
  decision?: Decision;
}

export interface RolloutResult {
  releaseId: string;
  outcome: RolloutOutcome;
  reason: string;
  /** For rollbacks: when the breach was seen and when traffic was back on stable (epoch ms). */
  breachAt?: number;
  restoredAt?: number;
}

/** Input of a monitor's `watch` signal: guard this version after promotion. */
export interface WatchRequest {
  model: string;
  version: string;
  releaseId: string;
  monitor: MonitorSpec;
  backends: BackendsSpec;
  liveDrift?: LiveDriftTarget;
}

/** A rollback request sent to the deployment workflow (by a human, the pipeline or the monitor). */
export interface RollbackRequest extends OperatorInput {
  /**
   * The version the request is about (the monitor sets it). A request about a version that no
   * longer serves, or about the stable baseline while a canary runs, is recorded and ignored;
   * without it (a human's rollback) it always applies.
   */
  version?: string;
  /** Epoch ms when the breach was detected, to measure breach-to-rollback time. */
  breachAt?: number;
  evidence?: unknown;
}
