/** `mlcd watch`: redraws a release's status every second until it ends. */
import type { Client } from '@temporalio/client';
import { queryReleaseStatus, waitForRelease } from '../release-client';
import { resolveTemporalTarget, workflowUrl } from '../temporal/connection';
import { renderPipelineStatus } from './render';

const CLEAR = '\x1b[2J\x1b[H';

/** Returns the release's exit code once it has ended. */
export async function watchRelease(client: Client, releaseId: string, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const url = workflowUrl(resolveTemporalTarget(), releaseId);
  const handle = client.workflow.getHandle(releaseId);
  for (;;) {
    const desc = await handle.describe();
    const status = await queryReleaseStatus(client, releaseId);
    const view = renderPipelineStatus(status, url);
    out.write(out.isTTY ? `${CLEAR}${view}\n` : `${view}\n---\n`);
    if (desc.status.name !== 'RUNNING') break;
    await new Promise((r) => setTimeout(r, out.isTTY ? 1000 : 3000));
  }
  const outcome = await waitForRelease(client, releaseId);
  out.write(`${outcome.exitCode === 0 ? 'PROMOTED' : `NOT PROMOTED (${outcome.outcome})`}: ${outcome.message.split('\n')[0]}\n`);
  return outcome.exitCode;
}
