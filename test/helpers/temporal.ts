/**
 * Test servers: the time-skipping test server and the real dev server, both from the pinned pip
 * wheels in the project venv (`scripts/setup.sh`), since @temporalio/testing cannot download here.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes-admin';

export const ROOT = resolve(__dirname, '..', '..');
const VENV_BIN = join(process.env.MLCD_HOME ?? join(ROOT, '.mlcd'), 'venv', 'bin');

export function testServerPath(): string {
  const p = process.env.MLCD_TEST_SERVER ?? join(VENV_BIN, 'temporal-test-server');
  if (!existsSync(p)) throw new Error(`time-skipping test server not found at ${p}: run scripts/setup.sh`);
  return p;
}

export function temporalCliPath(): string {
  const p = process.env.MLCD_TEMPORAL_CLI ?? join(VENV_BIN, 'temporal');
  if (!existsSync(p)) throw new Error(`temporal CLI not found at ${p}: run scripts/setup.sh`);
  return p;
}

/** The time-skipping server with mlcd's search attributes registered. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath() } } });
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  await env.client.workflow.start('clockAnchor', { taskQueue: 'mlcd', workflowId: 'test/clock-anchor' });
  return env;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file (webpack takes seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('./anchor-workflows'), logger: new DefaultLogger('WARN') });
  return bundle;
}

export const WORKFLOWS_PATH = require.resolve('../../workflows');
