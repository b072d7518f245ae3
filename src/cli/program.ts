/**
 * The full `mlcd` command line (main.ts sends the data commands to data-main.ts instead). Every
 * command prints a clear message on bad input (never a stack trace alone) and exits with the
 * codes listed in the README.
 */
import { Command, Option } from 'commander';
import type { Client, Connection } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { DEFAULT_SERVING_URL, statePaths } from '../config';
import { EXIT_CODES } from '../core/release';
import { connectClient, resolveTemporalTarget, workflowUrl } from '../temporal/connection';
import { startDevServer } from '../temporal/dev-server';
import { ensureDevStack, isServingUp, stopDevStack } from '../dev-stack';
import { startWorker } from '../worker';
import { DATA_PLANES, startServingDaemon, type DataPlaneKind } from '../serving/daemon';
import { installShutdownHandlers } from '../serving/shutdown';
import { queryReleaseStatus, startRelease, waitForRelease } from '../release-client';
import {
  abortSignal,
  approveUpdate,
  deploymentStatusQuery,
  monitorStatusQuery,
  pauseSignal,
  promoteSignal,
  resumeSignal,
  rollbackSignal,
  workflowIds,
} from '../../workflows/definitions';
import { renderDeploymentStatus, renderMonitorStatus, renderPipelineStatus } from './render';
import { runDemo, DEMO_SCENARIOS, type DemoScenario } from './demo';
import { watchRelease } from './watch';
import { registerDataCommands } from './data-commands';
import { registerEvaluateCommand } from './evaluate-command';
import { registerScheduleCommands } from './schedule-command';
import { registerAlertReceiverCommand } from './alert-receiver-command';
import { CliError, reportCliError } from './cli-error';

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const target = resolveTemporalTarget();
  let conn: Connection;
  let client: Client;
  try {
    ({ client, connection: conn } = await connectClient(target));
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${target.connection.address}: ${err instanceof Error ? err.message : String(err)}\n` +
        (target.local ? 'start the local stack with `mlcd dev` (or `npm run demo`), or set TEMPORAL_ADDRESS' : 'check TEMPORAL_ADDRESS / your Temporal client profile'),
      EXIT_CODES.infrastructure,
    );
  }
  try {
    return await fn(client);
  } finally {
    await conn.close();
  }
}

function collectParam(value: string, prev: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliError(`--param takes key=value, got "${value}"`, EXIT_CODES.usage);
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Release ids contain '/'; a bare word is a model name. */
function isReleaseId(target: string): boolean {
  return target.includes('/');
}

async function signalTarget(target: string, signal: typeof pauseSignal, payload: { by?: string; reason?: string }, client: Client): Promise<string> {
  const id = isReleaseId(target) ? target : workflowIds.deployment(target);
  await client.workflow.getHandle(id).signal(signal, payload);
  return id;
}

export function buildProgram(): Command {
  const program = new Command('mlcd')
    .description('Durable continuous delivery for machine-learning models, on Temporal')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('dev')
    .description('start the local stack: Temporal dev server (Web UI on :8233), serving daemon, worker')
    .option('--detach', 'start what is missing in the background and return')
    .argument('[action]', '"stop" ends a detached stack')
    .action(async (action: string | undefined, o: { detach?: boolean }) => {
      if (action === 'stop') {
        const stopped = stopDevStack();
        console.log(stopped.length ? `stopped: ${stopped.join(', ')}` : 'no detached mlcd dev stack is running');
        return;
      }
      if (action) throw new CliError(`unknown action "${action}" (only "stop")`, EXIT_CODES.usage);
      const target = resolveTemporalTarget();
      if (o.detach) {
        const started = await ensureDevStack(target, async () => (await connectClient(target)).client);
        console.log(started.length ? `started: ${started.join(', ')}` : 'the dev stack is already running');
        console.log(`Web UI: ${target.uiUrl ?? '(external server)'}; stop with \`mlcd dev stop\``);
        return;
      }
      const stops: Array<() => Promise<void> | void> = [];
      if (target.local) {
        const server = await startDevServer();
        stops.push(() => void server.kill('SIGTERM'));
        console.log(`Temporal dev server on ${target.connection.address}, Web UI ${target.uiUrl}, state in ${statePaths.temporalDb()}`);
      } else {
        console.log(`using Temporal at ${target.connection.address}`);
      }
      if (!(await isServingUp())) {
        const daemon = await startServingDaemon({ port: Number(new URL(DEFAULT_SERVING_URL).port), stateDir: statePaths.serving() });
        stops.push(() => daemon.close());
        console.log(`serving daemon on ${daemon.url}`);
      }
      const worker = await startWorker(target);
      console.log(`worker polling task queue "mlcd" — Ctrl-C stops everything`);
      const stop = async (): Promise<void> => {
        await worker.shutdown();
        for (const s of stops.reverse()) await s();
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      await worker.done;
      await stop();
    });

  program
    .command('worker')
    .description('run a worker on task queue "mlcd" against TEMPORAL_ADDRESS or the local dev server')
    .action(async () => {
      const w = await startWorker();
      console.log('worker polling task queue "mlcd"');
      process.once('SIGINT', () => void w.shutdown());
      process.once('SIGTERM', () => void w.shutdown());
      await w.done;
    });

  program
    .command('serve')
    .description('run the local serving daemon (router + model servers)')
    .option('--port <port>', 'listen port', (v) => Number(v), Number(new URL(DEFAULT_SERVING_URL).port))
    .option('--host <host>', 'listen address (0.0.0.0 inside a container)', '127.0.0.1')
    .addOption(
      new Option('--data-plane <kind>', 'what answers predictions: this process (node) or an nginx in front of it (nginx, docs/serving.md)')
        .choices([...DATA_PLANES])
        .env('MLCD_DATA_PLANE')
        .default('node'),
    )
    .option('--nginx <path>', 'nginx binary for --data-plane nginx (default: PATH, then /usr/sbin)', 'auto')
    .action(async (o: { port: number; host: string; dataPlane: DataPlaneKind; nginx: string }) => {
      const daemon = await startServingDaemon({ host: o.host, port: o.port, stateDir: statePaths.serving(), dataPlane: o.dataPlane, nginx: o.nginx });
      installShutdownHandlers(daemon);
      console.log(`serving daemon on ${daemon.url}${daemon.dataPlane === 'nginx' ? ' (nginx data plane)' : ''}`);
    });

  program
    .command('run')
    .description('start a release from a spec file')
    .argument('<spec>', 'pipeline spec (YAML or JSON)')
    .option('-p, --param <key=value>', 'override a spec param (repeatable)', collectParam, {})
    .option('--id <releaseId>', 'workflow id to use (default release/<model>/<time>)')
    .option('--wait', 'wait for the outcome; exit code says what happened')
    .option('--json', 'print the outcome as JSON')
    .action(async (specPath: string, o: { param: Record<string, string>; id?: string; wait?: boolean; json?: boolean }) => {
      await withClient(async (client) => {
        const target = resolveTemporalTarget();
        const r = await startRelease(client, specPath, { params: o.param, releaseId: o.id });
        if (!o.json) {
          console.log(`started release ${r.releaseId} of ${r.spec.model}`);
          const url = workflowUrl(target, r.releaseId);
          if (url) console.log(`  web UI: ${url}`);
        }
        if (!o.wait) {
          if (o.json) console.log(JSON.stringify({ releaseId: r.releaseId, runId: r.runId }));
          return;
        }
        const outcome = await waitForRelease(client, r.releaseId);
        if (o.json) console.log(JSON.stringify(outcome, null, 2));
        else {
          if (outcome.status) console.log(renderPipelineStatus(outcome.status));
          console.log(outcome.exitCode === 0 ? `PROMOTED: ${outcome.message}` : `NOT PROMOTED (${outcome.outcome}): ${outcome.message}`);
        }
        process.exitCode = outcome.exitCode;
      });
    });

  program
    .command('approve')
    .description('approve a release waiting for a human (a Temporal update: rejected when nothing is pending)')
    .argument('<release>', 'release id')
    .requiredOption('--by <who>', 'who approves')
    .option('--reason <why>', 'why')
    .action(async (release: string, o: { by: string; reason?: string }) => {
      await withClient(async (client) => {
        try {
          const status = await client.workflow.getHandle(release).executeUpdate(approveUpdate, { args: [{ by: o.by, reason: o.reason }] });
          console.log(`approved ${release} as ${o.by}; stage: ${status.stage}`);
        } catch (err) {
          // The update's validator says why it refused (e.g. nothing is waiting for approval).
          if (err instanceof WorkflowUpdateFailedError) throw new CliError(`approval refused: ${err.cause?.message ?? err.message}`, EXIT_CODES.usage);
          throw err;
        }
      });
    });

  for (const [name, signal, help] of [
    ['abort', abortSignal, 'abort a release (or the running rollout of a model): all traffic back to stable'],
    ['rollback', rollbackSignal, 'roll a model (or a release in canary) back to its previous known-good version'],
    ['pause', pauseSignal, 'pause a canary at its current weight'],
    ['resume', resumeSignal, 'resume a paused canary'],
    ['promote', promoteSignal, 'continue a canary waiting at a pause step'],
  ] as const) {
    program
      .command(name)
      .description(help)
      .argument('<target>', 'release id, or model name for its deployment')
      .option('--by <who>', 'who asks', process.env.USER ?? 'operator')
      .option('--reason <why>', 'why')
      .action(async (target: string, o: { by: string; reason?: string }) => {
        await withClient(async (client) => {
          const id = await signalTarget(target, signal, { by: o.by, reason: o.reason }, client);
          console.log(`sent ${name} to ${id}`);
        });
      });
  }

  program
    .command('status')
    .description('where a release (or a model\'s deployment and monitor) stands, and why')
    .argument('<target>', 'release id, or model name')
    .option('--json', 'machine-readable')
    .action(async (target: string, o: { json?: boolean }) => {
      await withClient(async (client) => {
        if (isReleaseId(target)) {
          const s = await queryReleaseStatus(client, target);
          console.log(o.json ? JSON.stringify(s, null, 2) : renderPipelineStatus(s, workflowUrl(resolveTemporalTarget(), target)));
          return;
        }
        const dep = await client.workflow.getHandle(workflowIds.deployment(target)).query(deploymentStatusQuery);
        const mon = await client.workflow
          .getHandle(workflowIds.monitor(target))
          .query(monitorStatusQuery)
          .catch((err: unknown) => (err instanceof WorkflowNotFoundError ? 'not started' : `unavailable: ${describeError(err)}`));
        if (o.json) console.log(JSON.stringify({ deployment: dep, monitor: mon }, null, 2));
        else console.log([renderDeploymentStatus(dep), typeof mon === 'string' ? `monitor of ${target}: ${mon}` : renderMonitorStatus(mon)].join('\n'));
      });
    });

  program
    .command('watch')
    .description('a live view of a release\'s stages until it ends')
    .argument('<release>', 'release id')
    .action(async (release: string) => {
      await withClient(async (client) => {
        process.exitCode = await watchRelease(client, release);
      });
    });

  program
    .command('demo')
    .description('run the example end to end on the local stack')
    .addOption(new Option('--scenario <name>', 'which story to tell').choices([...DEMO_SCENARIOS]).default('happy'))
    .action(async (o: { scenario: DemoScenario }) => {
      process.exitCode = await runDemo(o.scenario);
    });

  registerDataCommands(program);
  registerEvaluateCommand(program);
  registerScheduleCommands(program, withClient);
  registerAlertReceiverCommand(program, withClient);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      console.error(`mlcd: no such workflow: ${err.workflowId}`);
      return EXIT_CODES.usage;
    }
    return reportCliError(err, describeError);
  }
}

/** The message with its causes ("Failed to query Workflow: … in failed state"), never a bare stack. */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; depth++) {
    if (e instanceof Error) {
      if (e.message && !parts.includes(e.message)) parts.push(e.message);
      e = e.cause;
    } else {
      parts.push(typeof e === 'string' ? e : JSON.stringify(e));
      break;
    }
  }
  return parts.join(': ');
}
