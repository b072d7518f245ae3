/**
 * The mlcd worker: polls task queue `mlcd`, runs the three workflows from the bundle built at
 * build time (so it starts in about a second) and the activities over the backends it builds.
 * The only place real backends are constructed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Client, Connection } from '@temporalio/client';
import { createActivities } from '../activities';
import { createBackendProvider } from './backends/factory';
import { projectRoot } from './config';
import { TASK_QUEUE } from './core/release';
import { connectClient, resolveTemporalTarget, type TemporalTarget } from './temporal/connection';
import { ensureSearchAttributes } from './temporal/search-attributes-admin';

/** Path of the pre-built workflow bundle (`npm run build`). */
export function workflowBundlePath(): string {
  return join(projectRoot(), 'dist', 'workflow-bundle.js');
}

/** Workflow code for the worker: the pre-built bundle, or a bundle made now from source (development). */
export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = workflowBundlePath();
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}

export interface RunningWorker {
  worker: Worker;
  client: Client;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/** Connects, registers search attributes if needed, and starts polling. */
export async function startWorker(target: TemporalTarget = resolveTemporalTarget(), options: { taskQueue?: string } = {}): Promise<RunningWorker> {
  const native = await NativeConnection.connect(target.connection);
  let clientConn: Connection | undefined;
  try {
    const { client, connection } = await connectClient(target);
    clientConn = connection;
    if (!target.local) await ensureSearchAttributes(connection, target.namespace);
    const worker = await Worker.create({
      connection: native,
      namespace: target.namespace,
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      ...workflowSource(),
      activities: createActivities({ backends: createBackendProvider(), client: () => client }),
    });
    const done = worker.run().finally(async () => {
      await native.close();
      await connection.close();
    });
    return {
      worker,
      client,
      done,
      async shutdown() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done;
      },
    };
  } catch (err) {
    await native.close();
    await clientConn?.close();
    throw err;
  }
}
