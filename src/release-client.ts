/**
 * Client-side operations on releases, shared by the CLI, the demo and the tests: start a
 * release from a spec file, wait for it, query and signal it.
 */
import { resolve } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { readReleaseSpecFile } from './spec-file';
import { TASK_QUEUE, type PipelineInput, type PipelineResult, type PipelineStatus } from './core/release';
import type { ReleaseSpec } from './core/spec/types';
import { SEARCH_ATTRIBUTES } from './core/search-attributes';
import { outcomeOfFailure, type ReleaseOutcome } from './cli/outcome';
import { pipelineStatusQuery } from '../workflows/definitions';
import type { mlPipeline } from '../workflows/ml-pipeline';

export interface StartedRelease {
  releaseId: string;
  runId: string;
  spec: ReleaseSpec;
  handle: WorkflowHandle<typeof mlPipeline>;
}

/** A release id readable in the Web UI: `release/<model>/<utc time>-<random>`. */
export function newReleaseId(model: string, now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `release/${model}/${t}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Reads and compiles the spec file (fast, clear errors) and builds the pipeline input a release of
 * it starts with: the spec as written, so the worker compiles the very same text.
 */
export async function readPipelineInput(
  specPath: string,
  params: Record<string, string> | undefined,
  trigger: string,
): Promise<{ input: PipelineInput; spec: ReleaseSpec }> {
  const { raw, spec, specDir } = await readReleaseSpecFile(specPath, params);
  return { input: { spec: raw, specDir, specPath: resolve(specPath), params, trigger }, spec };
}

/** Validates the spec here, then starts `mlPipeline` with it (see `readPipelineInput`). */
export async function startRelease(
  client: Client,
  specPath: string,
  opts: { params?: Record<string, string>; releaseId?: string; trigger?: string } = {},
): Promise<StartedRelease> {
  const { input, spec } = await readPipelineInput(specPath, opts.params, opts.trigger ?? 'cli');
  const releaseId = opts.releaseId ?? newReleaseId(spec.model);
  const handle = await client.workflow.start<typeof mlPipeline>('mlPipeline', {
    workflowId: releaseId,
    taskQueue: TASK_QUEUE,
    args: [input],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.model, value: spec.model },
      { key: SEARCH_ATTRIBUTES.stage, value: 'compiling' },
    ],
  });
  return { releaseId, runId: handle.firstExecutionRunId, spec, handle };
}

/** Waits for a release and maps its end to an outcome with an exit code. */
export async function waitForRelease(client: Client, releaseId: string): Promise<ReleaseOutcome> {
  const handle = client.workflow.getHandle<typeof mlPipeline>(releaseId);
  try {
    const r: PipelineResult = await handle.result();
    return { exitCode: 0, outcome: 'promoted', message: `v${r.version} of ${r.model} promoted to production`, status: r.status };
  } catch (err) {
    const o = outcomeOfFailure(err);
    o.status ??= await queryReleaseStatus(client, releaseId).catch(() => undefined);
    return o;
  }
}

export async function queryReleaseStatus(client: Client, releaseId: string): Promise<PipelineStatus> {
  return client.workflow.getHandle(releaseId).query(pipelineStatusQuery);
}
