/**
 * Replays workflow histories recorded from the demo scenarios on the dev server
 * (`scripts/record-histories.sh`) against the current workflow code: a change that would break
 * running releases (non-determinism) fails here instead of in production.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal';

const dir = join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('histories are committed for every workflow type', () => {
  const types = files.map((f) => f.split('--')[0]);
  expect(new Set(types)).toEqual(new Set(['mlPipeline', 'modelDeployment', 'modelMonitor']));
});

/** `<type>--<workflow id with / as ~>.json`: the id matters, workflows compare it with signals they receive. */
function workflowIdOf(file: string): string {
  return file.replace(/^[^-]+--/, '').replace(/\.json$/, '').replaceAll('~', '/');
}

test.each(files)('replays %s', async (file) => {
  const history = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowIdOf(file));
});
