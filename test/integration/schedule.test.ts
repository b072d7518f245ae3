/**
 * Retraining schedules and the Alertmanager receiver on the real Temporal dev server (one server
 * for the file, no worker: a started release simply waits for one). `mlcd schedule` runs in
 * process against it, the Temporal CLI checks what the server holds, and the receiver signals a
 * workflow whose history records the rollback request.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { defaultPayloadConverter, ScheduleNotFoundError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { ROOT, temporalCliPath } from '../helpers/temporal';
import { freePort } from '../../src/serving/free-port';
import { startDevServer } from '../../src/temporal/dev-server';
import { connectClient, resolveTemporalTarget } from '../../src/temporal/connection';
import { main } from '../../src/cli/program';
import { SEARCH_ATTRIBUTES } from '../../src/core/search-attributes';
import type { PipelineInput, RollbackRequest } from '../../src/core/release';
import { validateCron, ScheduleError } from '../../src/schedules';
import {
  startAlertReceiver,
  temporalRollbackSignaller,
  type AlertReceiverResponse,
} from '../../src/alert-receiver';

const home = mkdtempSync(join(tmpdir(), 'mlcd-schedule-it-'));
process.env.MLCD_HOME = home;
process.env.MLCD_TEMPORAL_CLI ??= join(ROOT, '.mlcd', 'venv', 'bin', 'temporal');

const SPEC = join(ROOT, 'examples', 'churn', 'mlcd.yaml');
const exec = promisify(execFile);

let temporal: ChildProcess;
let address: string;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  const port = await freePort();
  temporal = await startDevServer({
    port,
    uiPort: await freePort(),
    ephemeral: true,
    logFile: join(home, 'temporal.log'),
  });
  address = `127.0.0.1:${port}`;
  process.env.TEMPORAL_ADDRESS = address;
  const c = await connectClient(resolveTemporalTarget());
  client = c.client;
  closeClient = () => c.connection.close();
}, 120_000);

afterAll(async () => {
  await closeClient?.();
  await stopProcess(temporal);
  rmSync(home, { recursive: true, force: true });
}, 30_000);

/** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs `mlcd <args>` in process: exit code and what it printed. */
async function mlcd(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = jest
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await main(['node', 'mlcd', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.exitCode = undefined;
  }
}

/** `temporal <args> --address <dev server>`. */
async function temporalCli(...args: string[]): Promise<string> {
  const { stdout } = await exec(temporalCliPath(), [...args, '--address', address], { timeout: 30_000 });
  return stdout;
}

/** Polls `probe` until it returns a value (visibility is eventually consistent); bounded in time and count. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not seen within ${timeoutMs} ms`);
}

async function scheduleExists(id: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

describe('cron strings are checked before anything else', () => {
  test.each([
    ['0 2 * * *', { expression: '0 2 * * *' }],
    ['*/15 9-17 * * mon-fri', { expression: '*/15 9-17 * * mon-fri' }],
    ['0 2 1 jan,jul * 2030', { expression: '0 2 1 jan,jul * 2030' }],
    ['30 0 2 * * * *', { expression: '30 0 2 * * * *' }],
    ['@daily', { expression: '@daily' }],
    ['@every 6h/30m', { expression: '@every 6h/30m' }],
    ['CRON_TZ=Europe/Berlin 0 2 * * *', { expression: '0 2 * * *', timezone: 'Europe/Berlin' }],
  ])('%s is accepted', (cron, expected) => {
    expect(validateCron(cron)).toEqual(expected);
  });

  test.each([
    ['0 25 * * *', 'invalid cron "0 25 * * *": hour "25": expected 0-23'],
    ['0 2 * 13 *', 'invalid cron "0 2 * 13 *": month "13": expected 1-12 or a name such as feb'],
    ['0 1,25 * * *', 'invalid cron "0 1,25 * * *": hour "1,25" (at "25"): expected 0-23'],
    ['*/0 * * * *', 'invalid cron "*/0 * * * *": minute "*/0" (at "0"): expected a step of at least 1'],
    [
      '0 5-2 * * *',
      'invalid cron "0 5-2 * * *": hour "5-2": expected a range that ends at or after its start',
    ],
    ['0 2 ? * *', 'invalid cron "0 2 ? * *": day-of-month "?": expected 1-31'],
    ['0 2 * *', 'invalid cron "0 2 * *": 4 fields; expected 5 fields'],
    ['@nightly', 'invalid cron "@nightly": unknown "@nightly"'],
    ['@every 0s', 'invalid cron "@every 0s": @every takes a positive duration'],
    ['CRON_TZ=Mars/Olympus 0 2 * * *', 'invalid time zone "Mars/Olympus": expected an IANA name'],
  ])('%s is refused: %s', (cron, message) => {
    expect(() => validateCron(cron)).toThrow(ScheduleError);
    expect(() => validateCron(cron)).toThrow(message);
  });
});

describe('mlcd schedule on the dev server', () => {
  test('create from the example spec: a Temporal Schedule starting mlPipeline as retrain/churn on task queue mlcd, overlap SKIP', async () => {
    const r = await mlcd(
      'schedule',
      'create',
      SPEC,
      '--cron',
      '0 2 * * *',
      '--param',
      'train_fault=none',
      '--timezone',
      'Europe/Berlin',
      '--note',
      'nightly retrain',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('created schedule retrain-churn: retrains churn on "0 2 * * *" (Europe/Berlin)');

    const d = await client.schedule.getHandle('retrain-churn').describe();
    expect(d.policies.overlap).toBe('SKIP');
    expect(d.policies.catchupWindow).toBe(24 * 3600 * 1000);
    expect(d.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'mlPipeline',
      workflowId: 'retrain/churn',
      taskQueue: 'mlcd',
    });
    const actionAttributes = d.action.typedSearchAttributes;
    expect(actionAttributes).toBeInstanceOf(TypedSearchAttributes);
    expect((actionAttributes as TypedSearchAttributes).get(SEARCH_ATTRIBUTES.model)).toBe('churn');
    expect(d.typedSearchAttributes.get(SEARCH_ATTRIBUTES.model)).toBe('churn');
    expect(d.spec.timezone).toBe('Europe/Berlin');
    expect(d.state.note).toBe('nightly retrain');
    // The same input `mlcd run` gives the pipeline: the spec as written, where it came from, the params.
    const input = d.action.args?.[0] as PipelineInput;
    expect(input).toMatchObject({
      specPath: SPEC,
      specDir: join(ROOT, 'examples', 'churn'),
      params: { train_fault: 'none' },
      trigger: 'schedule',
    });
    expect((input.spec as { model: string }).model).toBe('churn');
    // Next run at 02:00 in Berlin.
    const next = d.info.nextActionTimes[0];
    expect(next).toBeDefined();
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
      }).format(next),
    ).toBe('02:00');
  });

  test('mlcd schedule list shows id, model, cron, next run, paused and last run', async () => {
    const listed = await eventually('retrain-churn in mlcd schedule list', async () => {
      const r = await mlcd('schedule', 'list', '--json');
      expect(r.code).toBe(0);
      const all = JSON.parse(r.out) as Array<Record<string, unknown>>;
      return all.find((s) => s.scheduleId === 'retrain-churn');
    });
    expect(listed).toMatchObject({
      model: 'churn',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      paused: false,
      note: 'nightly retrain',
    });
    expect(listed.nextRunAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
    expect(listed).not.toHaveProperty('lastRun');

    const table = await mlcd('schedule', 'list');
    expect(table.out).toMatch(/^ID\s+MODEL\s+CRON\s+NEXT RUN\s+PAUSED\s+LAST RUN$/m);
    expect(table.out).toMatch(/^retrain-churn\s+churn\s+0 2 \* \* \* \(Europe\/Berlin\)\s+\S+Z\s+no\s+-$/m);
  });

  test('the Temporal CLI sees the schedule, its SKIP overlap policy and its action', async () => {
    await eventually('retrain-churn in temporal schedule list', async () =>
      (await temporalCli('schedule', 'list')).includes('retrain-churn') ? true : undefined,
    );
    const d = JSON.parse(
      await temporalCli('schedule', 'describe', '--schedule-id', 'retrain-churn', '-o', 'json'),
    ) as {
      schedule: {
        policies: { overlapPolicy: string };
        action: {
          startWorkflow: { workflowId: string; workflowType: { name: string }; taskQueue: { name: string } };
        };
      };
    };
    expect(d.schedule.policies.overlapPolicy).toBe('SCHEDULE_OVERLAP_POLICY_SKIP');
    expect(d.schedule.action.startWorkflow.workflowType.name).toBe('mlPipeline');
    expect(d.schedule.action.startWorkflow.workflowId).toBe('retrain/churn');
    expect(d.schedule.action.startWorkflow.taskQueue.name).toBe('mlcd');
  });

  test('creating it again is refused naming delete and --id; nothing changes', async () => {
    const r = await mlcd('schedule', 'create', SPEC, '--cron', '@hourly');
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'mlcd: schedule retrain-churn already exists: delete it first (mlcd schedule delete retrain-churn) or give another id with --id',
    );
    expect((await client.schedule.getHandle('retrain-churn').describe()).state.note).toBe('nightly retrain');
  });

  test('trigger starts a release retrain/churn-<time>; a trigger while it runs is skipped (overlap SKIP)', async () => {
    const t = await mlcd('schedule', 'trigger', 'retrain-churn');
    expect(t.code).toBe(0);
    const handle = client.schedule.getHandle('retrain-churn');
    const running = await eventually(
      'a running action',
      async () => (await handle.describe()).info.runningActions[0]?.workflow.workflowId,
    );
    expect(running).toMatch(/^retrain\/churn-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const wf = await client.workflow.getHandle(running).describe();
    expect(wf.type).toBe('mlPipeline');
    expect(wf.taskQueue).toBe('mlcd');
    expect(wf.typedSearchAttributes.get(SEARCH_ATTRIBUTES.model)).toBe('churn');

    // No worker polls here, so the first run is still going: the second trigger must be skipped.
    const again = await mlcd('schedule', 'trigger', 'retrain-churn');
    expect(again.out).toContain(`but ${running} is still running: this run is skipped`);
    const skipped = await eventually('a skipped action', async () => {
      const d = await handle.describe();
      return d.info.numActionsSkippedOverlap > 0 ? d : undefined;
    });
    expect(skipped.info.numActionsSkippedOverlap).toBe(1);
    expect(skipped.info.runningActions.map((a) => a.workflow.workflowId)).toEqual([running]);

    const described = await mlcd('schedule', 'describe', 'retrain-churn', '--json');
    expect(JSON.parse(described.out)).toMatchObject({
      scheduleId: 'retrain-churn',
      overlap: 'SKIP',
      running: [running],
      skippedOverlap: 1,
      lastRun: { workflowId: running },
    });
    await client.workflow.getHandle(running).terminate('test cleanup');
  });

  test('a bad cron is refused naming the field and creates nothing', async () => {
    const r = await mlcd('schedule', 'create', SPEC, '--cron', '0 25 * * *', '--id', 'bad-cron');
    expect(r.code).toBe(2);
    expect(r.err).toBe('mlcd: invalid cron "0 25 * * *": hour "25": expected 0-23');
    expect(await scheduleExists('bad-cron')).toBe(false);

    const tz = await mlcd(
      'schedule',
      'create',
      SPEC,
      '--cron',
      '0 2 * * *',
      '--timezone',
      'Mars/Olympus',
      '--id',
      'bad-tz',
    );
    expect(tz.code).toBe(2);
    expect(tz.err).toContain('invalid time zone "Mars/Olympus"');
    expect(await scheduleExists('bad-tz')).toBe(false);
  });

  test('a bad spec is refused naming the field and creates nothing', async () => {
    const bad = join(home, 'bad-spec.yaml');
    writeFileSync(bad, readFileSync(SPEC, 'utf8').replace('model: churn', 'model: Churn Model'));
    const r = await mlcd('schedule', 'create', bad, '--cron', '0 2 * * *', '--id', 'bad-spec');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`invalid spec ${bad}`);
    expect(r.err).toContain('model: expected lowercase letters');
    expect(await scheduleExists('bad-spec')).toBe(false);

    const undeclared = await mlcd(
      'schedule',
      'create',
      SPEC,
      '--cron',
      '0 2 * * *',
      '--id',
      'bad-param',
      '--param',
      'nope=1',
    );
    expect(undeclared.code).toBe(2);
    expect(undeclared.err).toContain('nope');
    expect(await scheduleExists('bad-param')).toBe(false);

    const missing = await mlcd(
      'schedule',
      'create',
      join(home, 'absent.yaml'),
      '--cron',
      '0 2 * * *',
      '--id',
      'bad-path',
    );
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`spec file not found: ${join(home, 'absent.yaml')}`);
    expect(await scheduleExists('bad-path')).toBe(false);
  });

  test('delete removes it from mlcd and the Temporal CLI; deleting again names the id', async () => {
    const r = await mlcd('schedule', 'delete', 'retrain-churn');
    expect(r.code).toBe(0);
    expect(r.out).toBe('deleted schedule retrain-churn');
    expect(await scheduleExists('retrain-churn')).toBe(false);
    await eventually('retrain-churn gone from temporal schedule list', async () =>
      (await temporalCli('schedule', 'list')).includes('retrain-churn') ? undefined : true,
    );
    await eventually('retrain-churn gone from mlcd schedule list', async () => {
      const all = JSON.parse((await mlcd('schedule', 'list', '--json')).out) as Array<{ scheduleId: string }>;
      return all.some((s) => s.scheduleId === 'retrain-churn') ? undefined : true;
    });
    const again = await mlcd('schedule', 'delete', 'retrain-churn');
    expect(again.code).toBe(2);
    expect(again.err).toBe('mlcd: no schedule retrain-churn (mlcd schedule list shows them)');
  });
});

describe('the Alertmanager receiver signals a real workflow', () => {
  test('a firing alert becomes a rollback signal in deployment/<model>; an unknown model and a resolved alert are reported', async () => {
    // Any workflow with the deployment's id records the signal; with no worker on its queue it just waits.
    const deployment = await client.workflow.start('modelDeployment', {
      workflowId: 'deployment/churn-alerts',
      taskQueue: 'mlcd-it-unpolled',
      args: [{ model: 'churn-alerts' }],
    });
    const receiver = await startAlertReceiver({ port: 0, signaller: temporalRollbackSignaller(client) });
    try {
      const alert = (over: Record<string, unknown>, labels: Record<string, string>) => ({
        status: 'firing',
        labels: { alertname: 'ChurnErrorRate', ...labels },
        annotations: { summary: 'error rate 12% over 5m' },
        startsAt: '2025-03-01T02:00:00Z',
        fingerprint: `fp-${labels.model ?? 'none'}`,
        ...over,
      });
      const res = await fetch(`${receiver.url}/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          version: '4',
          status: 'firing',
          receiver: 'mlcd',
          alerts: [
            alert({}, { model: 'churn-alerts', version: '2' }),
            alert({}, { model: 'ghost' }),
            alert({ status: 'resolved' }, { model: 'churn-alerts' }),
          ],
        }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as AlertReceiverResponse;
      expect(body.results.map((r) => [r.action, r.workflowId])).toEqual([
        ['signalled', 'deployment/churn-alerts'],
        ['not_found', 'deployment/ghost'],
        ['skipped', undefined],
      ]);

      const history = await deployment.fetchHistory();
      const signals = (history.events ?? []).filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'rollback',
      );
      expect(signals).toHaveLength(1);
      const payload = signals[0]?.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
      expect(payload).toBeDefined();
      const req = defaultPayloadConverter.fromPayload<RollbackRequest>(payload!);
      expect(req).toMatchObject({
        by: 'alertmanager',
        version: '2',
        reason: 'ChurnErrorRate: error rate 12% over 5m',
        breachAt: Date.parse('2025-03-01T02:00:00Z'),
      });
      expect(req.evidence).toMatchObject({
        alert: { fingerprint: 'fp-churn-alerts', labels: { model: 'churn-alerts', version: '2' } },
      });
    } finally {
      await receiver.close();
      await deployment.terminate('test cleanup');
    }
  });
});
