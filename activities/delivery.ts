/**
 * Activities of progressive delivery: model servers, traffic weights, live metrics, registry
 * aliases, and the hand-offs between the pipeline, the deployment entity and the monitor.
 */
import { cancellationSignal } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { BackendProvider } from '../src/backends/factory';
import type { VersionStats } from '../src/backends/metrics/types';
import type { Weights } from '../src/backends/traffic/types';
import type { BackendsSpec, ServingSpec } from '../src/core/spec/types';
import { TASK_QUEUE } from '../src/core/release';
import type { LiveDriftTarget, PipelineInput, RolloutRequest, WatchRequest } from '../src/core/release';
import { SEARCH_ATTRIBUTES } from '../src/core/search-attributes';
import { liveInputDrift } from '../src/data/live-drift';
import { withFailureMapping } from './failures';

export interface DeliveryActivityDeps {
  backends: BackendProvider;
  /** A Temporal client, for hand-offs that start or signal another workflow. */
  client: () => Client;
}

export function createDeliveryActivities(deps: DeliveryActivityDeps) {
  return {
    /**
     * Starts (or finds) the model server of a version and waits for it to be healthy. The server's
     * `{model}` is the registry's local copy of the version (downloaded once from a remote registry);
     * `artifactUri` is the registry URI the deployment recorded, so a copy already on disk is served
     * without asking the registry (a rollback does not wait for it) and a mismatch fails clearly.
     */
    async deployVersion(args: { model: string; version: string; artifactUri: string; serving: ServingSpec; backends: BackendsSpec }): Promise<string> {
      return withFailureMapping(async () => {
        const registry = deps.backends.registry(args.backends.registry);
        const artifactDir = await registry.localArtifacts(args.model, args.version, { artifactUri: args.artifactUri });
        const r = await deps.backends.traffic(args.backends.traffic).deploy({
          model: args.model,
          version: args.version,
          artifactUri: artifactDir,
          serving: args.serving,
        });
        return r.endpoint;
      });
    },

    /** Stops a version's server (never one that still has traffic). */
    async undeployVersion(args: { model: string; version: string; backends: BackendsSpec }): Promise<void> {
      return withFailureMapping(() => deps.backends.traffic(args.backends.traffic).undeploy(args.model, args.version));
    },

    /** Applies weights, then reads them back: done only once verified. */
    async setTrafficWeights(args: { model: string; weights: Weights; backends: BackendsSpec }): Promise<Weights> {
      return withFailureMapping(async () => {
        const router = deps.backends.traffic(args.backends.traffic);
        await router.setWeights(args.model, args.weights);
        return router.getWeights(args.model);
      });
    },

    async getTrafficWeights(args: { model: string; backends: BackendsSpec }): Promise<Weights> {
      return withFailureMapping(() => deps.backends.traffic(args.backends.traffic).getWeights(args.model));
    },

    /** Live metrics of one version over a trailing window. */
    async readVersionStats(args: { model: string; version: string; windowMs: number; backends: BackendsSpec }): Promise<VersionStats> {
      return withFailureMapping(() => deps.backends.metrics(args.backends.metrics).versionStats(args.model, args.version, args.windowMs));
    },

    /** Moves registry aliases and records a status on versions, in one step per model. */
    async updateRegistry(args: {
      model: string;
      backends: BackendsSpec;
      aliases: Partial<Record<'production' | 'previous' | 'candidate', string | null>>;
      statuses?: Record<string, Record<string, unknown>>;
    }): Promise<void> {
      return withFailureMapping(async () => {
        const registry = deps.backends.registry(args.backends.registry);
        for (const [version, patch] of Object.entries(args.statuses ?? {})) {
          await registry.updateMetadata(args.model, version, patch);
        }
        await registry.setAliases(args.model, args.aliases);
      });
    },

    /** Hands a candidate to the model's deployment entity, starting that workflow if needed. */
    async requestRollout(req: RolloutRequest): Promise<void> {
      await deps.client().workflow.signalWithStart('modelDeployment', {
        workflowId: `deployment/${req.model}`,
        taskQueue: TASK_QUEUE,
        args: [{ model: req.model }],
        signal: 'deploy',
        signalArgs: [req],
      });
    },

    /**
     * Judges the newest rows `version` served against the training reference (live input drift),
     * with the validation engine. Routers that keep no served rows answer `unavailable`.
     */
    async checkLiveDrift(args: {
      model: string;
      version: string;
      backends: BackendsSpec;
      target: LiveDriftTarget;
      sampleRows: number;
      minRows: number;
    }): Promise<LiveDriftCheck> {
      return withFailureMapping(async () => {
        const router = deps.backends.traffic(args.backends.traffic);
        if (router.recentRows === undefined) {
          return { status: 'unavailable', rows: 0, drifted: false, driftedColumns: [], summary: `the ${router.kind} traffic backend keeps no served rows` };
        }
        const { rows } = await router.recentRows(args.model, args.version, args.sampleRows);
        const r = await liveInputDrift(rows, {
          reference: args.target.reference,
          drift: args.target.drift,
          allowedRoots: args.target.allowedRoots,
          minRows: args.minRows,
          signal: cancellationSignal(),
        });
        const driftedColumns = r.status === 'judged' ? r.report.columns.filter((c) => c.drifted).map((c) => c.column) : [];
        return { status: r.status, rows: r.rows, drifted: r.drifted, driftedColumns, summary: r.summary };
      });
    },

    /**
     * Starts a retraining release under `workflowId`; when a workflow with that id is running
     * already (a retried attempt of this activity, or a retraining in flight), starts nothing.
     */
    async startRetraining(args: { model: string; workflowId: string; input: PipelineInput }): Promise<{ workflowId: string; started: boolean }> {
      try {
        await deps.client().workflow.start('mlPipeline', {
          workflowId: args.workflowId,
          taskQueue: TASK_QUEUE,
          args: [args.input],
          workflowIdConflictPolicy: 'FAIL',
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.model, value: args.model },
            { key: SEARCH_ATTRIBUTES.stage, value: 'compiling' },
          ],
        });
        return { workflowId: args.workflowId, started: true };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId: args.workflowId, started: false };
        throw err;
      }
    },

    /** Whether the workflow `workflowId` (its latest run) is still running; false when there is none. */
    async isWorkflowRunning(args: { workflowId: string }): Promise<boolean> {
      try {
        const d = await deps.client().workflow.getHandle(args.workflowId).describe();
        return d.status.name === 'RUNNING';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },

    /** Points the model's monitor at a newly promoted version, starting the monitor if needed. */
    async watchVersion(req: WatchRequest): Promise<void> {
      await deps.client().workflow.signalWithStart('modelMonitor', {
        workflowId: `monitor/${req.model}`,
        taskQueue: TASK_QUEUE,
        args: [{ model: req.model }],
        signal: 'watch',
        signalArgs: [req],
      });
    },
  };
}

/** What one live input drift check found (see `checkLiveDrift`). */
export interface LiveDriftCheck {
  status: 'judged' | 'too-few-rows' | 'unavailable';
  /** Served rows judged. */
  rows: number;
  /** The dataset rule's verdict: more than `maxDriftedShare` of the columns drifted. */
  drifted: boolean;
  driftedColumns: string[];
  /** One line for people: the verdict and each drifted column with statistic and threshold. */
  summary: string;
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
