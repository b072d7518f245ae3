/**
 * The mlcd workflows plus a clock anchor for the time-skipping server: with only idle entity
 * workflows left, that server jumps straight to their 10-year default run timeout; a workflow
 * that always has a timer a minute ahead bounds every jump to a minute.
 */
import { sleep } from '@temporalio/workflow';

export * from '../../workflows';

export async function clockAnchor(): Promise<void> {
  for (;;) await sleep('1 minute');
}
