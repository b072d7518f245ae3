/**
 * Activities of the release pipeline: thin adapters from activity input to the libraries in
 * src/ and the backends, with heartbeats and failure mapping. No decisions are taken here.
 */
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pythonPath } from '../src/config';
import { DataValidationError, JobFailedError, SpecError } from '../src/core/errors';
import { fillCommand, assertFilled } from '../src/core/placeholders';
import type { EvaluationSummary, PipelineInput, VersionRef } from '../src/core/release';
import type { MetricName, ReleaseSpec, JobSpec } from '../src/core/spec/types';
import type { BackendProvider } from '../src/backends/factory';
import type { ModelLineage } from '../src/backends/registry/types';
import { waitForJob } from '../src/backends/jobs/wait';
import { compileReleaseSpec } from '../src/core/spec/compile';
import { loadReleaseSpecFile } from '../src/spec-file';
import { renderHtmlReport } from '../src/data/html-report';
import { runValidation } from '../src/data/run-validation';
import { summarizeReport } from '../src/data/summarize-report';
import { fingerprintFile } from '../src/data/fingerprint';
import { readPredictions } from '../src/metrics/predictions';
import { binaryMetrics } from '../src/metrics/binary';
import { evaluateRelease } from '../src/metrics/release-evaluation';
import type { ReleaseEvaluation } from '../src/metrics/release-evaluation';
import { releaseDir, safeSegment } from '../src/release-paths';
import { gitCommitOf } from '../src/git';
import { withFailureMapping } from './failures';
import type { Notification } from '../src/backends/notifier/types';

export interface PipelineActivityDeps {
  backends: BackendProvider;
}

/** Result of one data file's validation, small enough for workflow history. */
export interface DataCheckResult {
  role: string;
  file: string;
  rows: number;
  passed: boolean;
  summary: string;
  reportPath: string;
  /** The self-contained HTML report (histograms of reference vs current per column). */
  htmlReportPath: string;
  /** Warnings (never fatal), e.g. a drifted column under `columnSeverity: warning`. */
  warnings: number;
}

export interface TrainResult {
  jobId: string;
  reattached: boolean;
  outputDir: string;
  modelDir: string;
  /** The job's own simple baseline, used when no production model exists. */
  baselineDir?: string;
}

export interface ScoreResult {
  role: string;
  predictionsPath: string;
  rows: number;
  metrics: Partial<Record<MetricName, number>>;
}

async function writeJson(path: string, content: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(content, null, 2));
}

/** The workflow run this activity works for; mlcd activities always run inside one. */
function workflowRun(): { workflowId: string; runId: string } {
  const run = activityInfo().workflowExecution;
  if (!run) throw new Error('mlcd activities run only inside a workflow');
  return run;
}

function jobEnv(job: JobSpec): Record<string, string> {
  return { ...job.env, MLCD_RELEASE_ID: workflowRun().workflowId };
}

/** Runs one job through the spec's runner, heartbeating, and cancelling it if the activity is cancelled. */
async function runJob(
  deps: PipelineActivityDeps,
  spec: ReleaseSpec,
  jobId: string,
  job: JobSpec,
  values: Record<string, string>,
): Promise<{ reattached: boolean }> {
  const runner = deps.backends.jobs(spec.backends.jobs);
  const command = fillCommand(job.command, { python: pythonPath(), ...values });
  assertFilled(command, `job ${jobId}`);
  const submitted = await runner.submit({ jobId, command, env: jobEnv(job), cwd: job.cwd, timeoutMs: job.timeoutMs });
  heartbeat({ jobId, reattached: submitted.reattached });
  const final = await waitForJob(runner, jobId, {
    pollMs: 500,
    onPoll: (s) => heartbeat({ jobId, state: s.state }),
    signal: cancellationSignal(),
  });
  if (final.state !== 'succeeded') {
    const tail = await runner.logTail(jobId, 30);
    throw new JobFailedError(
      jobId,
      final.exitCode ?? null,
      tail,
      `job ${jobId} ${final.reason ?? 'failed'} (exit code ${String(final.exitCode ?? 'none')})\n--- last log lines ---\n${tail}`,
    );
  }
  return { reattached: submitted.reattached };
}

/** A job id unique to this workflow run and step, stable across activity retries. */
function jobIdFor(step: string): string {
  const run = workflowRun();
  return `${safeSegment(run.workflowId)}.${run.runId.slice(0, 8)}.${step}`;
}

export function createPipelineActivities(deps: PipelineActivityDeps) {
  return {
    /** Compiles the spec (inline or from a file on the worker's machine); errors name the field. */
    async compileSpec(input: PipelineInput): Promise<ReleaseSpec> {
      return withFailureMapping(async () => {
        if (input.spec !== undefined) {
          return compileReleaseSpec(input.spec, {
            source: input.specPath ?? 'workflow input',
            specDir: input.specDir ?? (input.specPath ? dirname(input.specPath) : process.cwd()),
            params: input.params,
          });
        }
        if (!input.specPath) {
          throw new SpecError('workflow input', [{ path: '(input)', message: 'needs `spec` (with `specDir`) or `specPath`' }]);
        }
        return loadReleaseSpecFile(input.specPath, input.params);
      });
    },

    /**
     * Preflight: every backend the spec names answers its `check()`, so a release fails in
     * seconds on an unreachable router rather than after an hour of training.
     */
    async checkBackends(args: { backends: ReleaseSpec['backends'] }): Promise<string[]> {
      return withFailureMapping(async () => {
        const b = args.backends;
        const all = [
          deps.backends.jobs(b.jobs),
          deps.backends.registry(b.registry),
          deps.backends.traffic(b.traffic),
          deps.backends.metrics(b.metrics),
          deps.backends.notifier(b.notifier),
        ];
        await Promise.all(all.map((x) => x.check()));
        return all.map((x) => x.kind);
      });
    },

    /**
     * Validates one data file (schema, expectations, drift against `data.reference`) and writes
     * the JSON and HTML reports. Failed checks are a non-retryable DataValidationFailed carrying
     * the summary; warnings never fail the release.
     */
    async validateData(args: { spec: ReleaseSpec; releaseId: string; role: 'train' | 'eval' }): Promise<DataCheckResult> {
      return withFailureMapping(async () => {
        const { spec, role } = args;
        const file = role === 'train' ? spec.data.train : spec.data.eval;
        const report = await runValidation(file, spec.validation, {
          allowedRoots: spec.data.allowedRoots,
          ...(spec.data.reference !== undefined ? { reference: spec.data.reference } : {}),
          onProgress: (phase, rows) => heartbeat({ phase, rows }),
          // A cancelled release stops reading (and its worker threads) at once.
          signal: cancellationSignal(),
        });
        const reportsDir = join(releaseDir(spec.model, args.releaseId), 'reports');
        const reportPath = join(reportsDir, `validation-${role}.json`);
        const htmlReportPath = join(reportsDir, `validation-${role}.html`);
        await writeJson(reportPath, report);
        await writeFile(htmlReportPath, renderHtmlReport(report, { title: `${spec.model} ${role} data` }));
        const summary = summarizeReport(report);
        if (!report.passed) {
          throw new DataValidationError(`${role} data failed validation: ${summary}\nfull report: ${htmlReportPath}`, {
            summary,
            reportPath,
            htmlReportPath,
          });
        }
        const warnings = report.issues.filter((i) => i.severity === 'warning').length;
        return { role, file, rows: report.rows, passed: true, summary, reportPath, htmlReportPath, warnings };
      });
    },

    /** Runs the training job; idempotent by job id, so a retried activity re-attaches. */
    async trainModel(args: { spec: ReleaseSpec; releaseId: string }): Promise<TrainResult> {
      return withFailureMapping(async () => {
        const { spec } = args;
        const jobId = jobIdFor('train');
        const outputDir = join(releaseDir(spec.model, args.releaseId), 'train');
        await mkdir(outputDir, { recursive: true });
        const { reattached } = await runJob(deps, spec, jobId, spec.training, {
          train: spec.data.train,
          eval: spec.data.eval,
          output: outputDir,
        });
        const modelDir = join(outputDir, 'model');
        if (!existsSync(modelDir)) {
          throw new JobFailedError(jobId, 0, '', `training job ${jobId} exited 0 but wrote no model directory at ${modelDir}`);
        }
        const baselineDir = join(outputDir, 'baseline');
        return { jobId, reattached, outputDir, modelDir, baselineDir: existsSync(baselineDir) ? baselineDir : undefined };
      });
    },

    /**
     * The version behind the registry's `production` alias, if any, with `artifactUri` a local
     * directory holding its artifacts (downloaded once from a remote registry): the workflow scores
     * it as the baseline's `{model}`.
     */
    async findProductionModel(args: { spec: ReleaseSpec }): Promise<VersionRef | null> {
      return withFailureMapping(async () => {
        const registry = deps.backends.registry(args.spec.backends.registry);
        const v = await registry.resolveAlias(args.spec.model, 'production');
        return v ? { version: v.version, artifactUri: await registry.localArtifacts(args.spec.model, v.version, { artifactUri: v.artifactUri }) } : null;
      });
    },

    /** Scores one model on the eval set with the spec's scoring job, then computes the metrics in mlcd. */
    async scoreAndMeasure(args: {
      spec: ReleaseSpec;
      releaseId: string;
      role: 'candidate' | 'baseline';
      modelDir: string;
      /** Set when an inconclusive gate scores again on more data: a job and a file of its own. */
      attempt?: number;
    }): Promise<ScoreResult> {
      return withFailureMapping(async () => {
        const { spec, role } = args;
        const name = args.attempt ? `${role}-${args.attempt}` : role;
        const predictionsPath = join(releaseDir(spec.model, args.releaseId), 'predictions', `${name}.arrow`);
        await mkdir(dirname(predictionsPath), { recursive: true });
        await runJob(deps, spec, jobIdFor(`score-${name}`), spec.scoring, {
          model: args.modelDir,
          data: spec.data.eval,
          predictions: predictionsPath,
        });
        const { labels, scores, rows } = await readPredictions(predictionsPath, spec.evaluation.labelColumn, spec.evaluation.scoreColumn);
        const all = binaryMetrics(labels, scores, spec.evaluation.threshold);
        const metrics: Partial<Record<MetricName, number>> = {};
        for (const m of spec.evaluation.metrics) metrics[m] = all[m];
        return { role, predictionsPath, rows, metrics };
      });
    },

    /**
     * Evaluates the scored candidate against its baseline on the same rows: every metric, per
     * slice, with bootstrap intervals for the gates judged "with confidence"; writes the
     * evaluation report (JSON and HTML) and returns the gate evidence.
     */
    async evaluateRelease(args: {
      spec: ReleaseSpec;
      releaseId: string;
      candidate: { predictionsPath: string; modelDir: string };
      baseline?: { predictionsPath: string; modelDir: string; source: string };
    }): Promise<ReleaseEvaluation> {
      return withFailureMapping(async () => {
        const { spec } = args;
        return evaluateRelease({
          spec: spec.evaluation,
          gates: spec.gates,
          candidate: { ...args.candidate, source: 'candidate' },
          ...(args.baseline !== undefined ? { baseline: args.baseline } : {}),
          outDir: join(releaseDir(spec.model, args.releaseId), 'reports'),
          title: `Evaluation of ${spec.model} (${args.releaseId})`,
        });
      });
    },

    /** Registers the candidate with its lineage and marks it `candidate`. Idempotent per release. */
    async registerCandidate(args: {
      spec: ReleaseSpec;
      releaseId: string;
      modelDir: string;
      metadata: { evaluation: EvaluationSummary; gate: unknown; validation: DataCheckResult[]; evaluationReport?: string };
    }): Promise<VersionRef> {
      return withFailureMapping(async () => {
        const { spec } = args;
        const registry = deps.backends.registry(spec.backends.registry);
        const dataFingerprints: Record<string, string> = {};
        for (const [role, path] of Object.entries({ train: spec.data.train, eval: spec.data.eval })) {
          dataFingerprints[role] = await fingerprintFile(path);
        }
        const lineage: ModelLineage = {
          releaseId: args.releaseId,
          specHash: spec.specHash,
          dataFingerprints,
          codeCommit: await gitCommitOf(spec.specDir),
        };
        const v = await registry.register({
          model: spec.model,
          artifactDir: args.modelDir,
          idempotencyKey: `${args.releaseId}/${workflowRun().runId}`,
          lineage,
          metadata: { ...args.metadata, status: 'candidate' },
        });
        await registry.setAliases(spec.model, { candidate: v.version });
        return { version: v.version, artifactUri: v.artifactUri };
      });
    },

    /** Writes a JSON report of the release (gate result, evaluation) next to its artifacts. */
    async writeReport(args: { model: string; releaseId: string; name: string; content: unknown }): Promise<string> {
      const path = join(releaseDir(args.model, args.releaseId), 'reports', `${args.name}.json`);
      await writeJson(path, args.content);
      return path;
    },

    /**
     * Sends a notification through the spec's notifier, best effort: a broken notifier (bad
     * configuration, webhook down after its own bounded retries) must never fail or hold up a
     * rollback or a promotion, so the failure is logged and returned, not thrown. Workflows ignore
     * the result; `delivered: true` also covers a kind the notifier's `events` filter drops.
     */
    async notify(args: {
      backends: ReleaseSpec['backends'];
      notification: Notification;
    }): Promise<{ delivered: true } | { delivered: false; error: string }> {
      const n = args.notification;
      try {
        await deps.backends.notifier(args.backends.notifier).notify(n);
        return { delivered: true };
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        log.warn(`notification not delivered: ${error}`, {
          notifier: args.backends.notifier.kind,
          kind: n.kind,
          model: n.model,
          releaseId: n.releaseId,
        });
        return { delivered: false, error };
      }
    },
  };
}

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
