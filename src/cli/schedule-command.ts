/**
 * `mlcd schedule create|list|describe|trigger|pause|unpause|delete`: retraining on a cron, as
 * Temporal Schedules (see src/schedules.ts). Refusals (bad cron, bad spec, an id that exists or
 * does not) are one line on stderr and exit code 2.
 */
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { EXIT_CODES } from '../core/release';
import {
  createRetrainSchedule,
  deleteRetrainSchedule,
  describeRetrainSchedule,
  listRetrainSchedules,
  retrainWorkflowId,
  ScheduleError,
  setRetrainSchedulePaused,
  triggerRetrainSchedule,
  type RetrainSchedule,
  type RetrainScheduleDetails,
} from '../schedules';
import { CliError } from './cli-error';

/** Runs `fn` with a connected client and closes it (program.ts's `withClient`). */
export type WithClient = <T>(fn: (client: Client) => Promise<T>) => Promise<T>;

function collectParam(value: string, prev: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliError(`--param takes key=value, got "${value}"`, EXIT_CODES.usage);
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Runs a schedule operation; its refusals become usage errors. */
async function refusalsAsUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleError) throw new CliError(err.message, EXIT_CODES.usage);
    throw err;
  }
}

/** `list` as a table: id, model, cron, next run, paused, last run. */
export function renderScheduleTable(schedules: RetrainSchedule[]): string {
  if (schedules.length === 0)
    return 'no retraining schedules (create one with `mlcd schedule create <spec> --cron "0 2 * * *"`)';
  const header = ['ID', 'MODEL', 'CRON', 'NEXT RUN', 'PAUSED', 'LAST RUN'];
  const rows = [
    header,
    ...schedules.map((s) => [
      s.scheduleId,
      s.model,
      s.timezone === 'UTC' ? s.cron : `${s.cron} (${s.timezone})`,
      s.nextRunAt ?? '-',
      s.paused ? 'yes' : 'no',
      s.lastRun ? `${s.lastRun.at} ${s.lastRun.workflowId}` : '-',
    ]),
  ];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  '))
    .join('\n');
}

/** `describe` for people. */
export function renderScheduleDetails(d: RetrainScheduleDetails): string {
  const lines = [
    `schedule ${d.scheduleId}: retrains ${d.model} on "${d.cron}" (${d.timezone})${d.paused ? ', PAUSED' : ''}`,
    `  starts ${d.workflowType} as ${d.workflowId ?? '(default id)'}-<scheduled time> on task queue ${d.taskQueue}; overlap policy ${d.overlap}`,
  ];
  if (d.specPath)
    lines.push(
      `  spec: ${d.specPath}${
        d.params && Object.keys(d.params).length
          ? `  params: ${Object.entries(d.params)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : ''
      }`,
    );
  if (d.note) lines.push(`  note: ${d.note}`);
  lines.push(`  next runs: ${d.nextRuns.length ? d.nextRuns.join(', ') : 'none'}`);
  lines.push(`  runs started: ${d.actionsTaken}, skipped because one was still running: ${d.skippedOverlap}`);
  if (d.running.length) lines.push(`  running now: ${d.running.join(', ')}`);
  if (d.lastRun) lines.push(`  last run: ${d.lastRun.workflowId} at ${d.lastRun.at}`);
  return lines.join('\n');
}

/** Registers `mlcd schedule …` on the full program. */
export function registerScheduleCommands(program: Command, withClient: WithClient): void {
  const schedule = program
    .command('schedule')
    .description(
      'retrain on a cron: Temporal Schedules that start a release (overlapping runs of one schedule are skipped)',
    );

  schedule
    .command('create')
    .description('create a schedule that starts a release of <spec> on a cron (the spec is checked first)')
    .argument('<spec>', 'pipeline spec (YAML or JSON)')
    .requiredOption(
      '--cron <expr>',
      'when, as a Temporal cron string, e.g. "0 2 * * *" (02:00 daily), "@daily", "@every 6h"',
    )
    .option('--id <scheduleId>', 'schedule id (default retrain-<model>)')
    .option('-p, --param <key=value>', 'override a spec param (repeatable)', collectParam, {})
    .option('--timezone <tz>', 'IANA time zone the cron is read in (default UTC)')
    .option('--note <text>', 'a note shown with the schedule')
    .option('--json', 'print the schedule as JSON')
    .action(
      async (
        specPath: string,
        o: {
          cron: string;
          id?: string;
          param: Record<string, string>;
          timezone?: string;
          note?: string;
          json?: boolean;
        },
      ) => {
        await withClient(async (client) => {
          const s = await refusalsAsUsage(() =>
            createRetrainSchedule(client, {
              specPath,
              cron: o.cron,
              scheduleId: o.id,
              params: o.param,
              timezone: o.timezone,
              note: o.note,
            }),
          );
          if (o.json) {
            console.log(JSON.stringify(s, null, 2));
            return;
          }
          console.log(`created schedule ${s.scheduleId}: retrains ${s.model} on "${s.cron}" (${s.timezone})`);
          console.log(
            `  each run is a release ${retrainWorkflowId(s.model)}-<scheduled time>; a run still going when the next is due makes that one skip`,
          );
          console.log(`  next run: ${s.nextRunAt ?? 'none'}`);
          console.log(
            `  see it with: mlcd schedule describe ${s.scheduleId}   (or temporal schedule describe --schedule-id ${s.scheduleId})`,
          );
        });
      },
    );

  schedule
    .command('list')
    .description('list retraining schedules: id, model, cron, next run, paused, last run')
    .option('--json', 'machine-readable')
    .action(async (o: { json?: boolean }) => {
      await withClient(async (client) => {
        const all = await listRetrainSchedules(client);
        console.log(o.json ? JSON.stringify(all, null, 2) : renderScheduleTable(all));
      });
    });

  schedule
    .command('describe')
    .description('one schedule in full: what it starts, next runs, runs taken and skipped')
    .argument('<scheduleId>', 'schedule id')
    .option('--json', 'machine-readable')
    .action(async (id: string, o: { json?: boolean }) => {
      await withClient(async (client) => {
        const d = await refusalsAsUsage(() => describeRetrainSchedule(client, id));
        console.log(o.json ? JSON.stringify(d, null, 2) : renderScheduleDetails(d));
      });
    });

  schedule
    .command('trigger')
    .description('start a run now (skipped while a run of this schedule is still going)')
    .argument('<scheduleId>', 'schedule id')
    .action(async (id: string) => {
      await withClient(async (client) => {
        const { running } = await refusalsAsUsage(() => triggerRetrainSchedule(client, id));
        console.log(
          running.length
            ? `triggered ${id}, but ${running.join(', ')} is still running: this run is skipped (overlap policy SKIP)`
            : `triggered ${id}: a release starts now (mlcd schedule describe ${id} shows it)`,
        );
      });
    });

  for (const [name, paused, help] of [
    ['pause', true, 'stop taking runs until unpaused'],
    ['unpause', false, 'take runs again'],
  ] as const) {
    schedule
      .command(name)
      .description(help)
      .argument('<scheduleId>', 'schedule id')
      .option('--note <text>', 'why')
      .action(async (id: string, o: { note?: string }) => {
        await withClient(async (client) => {
          await refusalsAsUsage(() => setRetrainSchedulePaused(client, id, paused, o.note));
          console.log(`${paused ? 'paused' : 'unpaused'} ${id}`);
        });
      });
  }

  schedule
    .command('delete')
    .description('delete a schedule (releases it started go on)')
    .argument('<scheduleId>', 'schedule id')
    .action(async (id: string) => {
      await withClient(async (client) => {
        await refusalsAsUsage(() => deleteRetrainSchedule(client, id));
        console.log(`deleted schedule ${id}`);
      });
    });
}
