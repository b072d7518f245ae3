/**
 * Worker-thread entry of a parallel validation: runs one part (validation-part.ts) and posts its
 * report, its progress, or its error (kind and message: errors do not cross threads intact).
 */
import { parentPort, workerData } from 'node:worker_threads';

import { DataUnusableError } from '../core/errors';

import { runValidationPart } from './validation-part';
import type { ValidationPartInput } from './validation-part';
import type { ValidationReport } from './report';

/** Messages from a validation worker to its parent. */
export type ValidationWorkerMessage =
  | { type: 'progress'; phase: 'reference' | 'data'; rows: number }
  | { type: 'done'; report: ValidationReport }
  | { type: 'error'; kind: 'DataUnusable' | 'Error'; message: string };

const port = parentPort;
if (port) {
  const input = workerData as ValidationPartInput;
  runValidationPart(input, (phase, rows) =>
    port.postMessage({ type: 'progress', phase, rows } satisfies ValidationWorkerMessage),
  )
    .then((report) => port.postMessage({ type: 'done', report } satisfies ValidationWorkerMessage))
    .catch((err: unknown) => {
      const kind = err instanceof DataUnusableError ? 'DataUnusable' : 'Error';
      const message = err instanceof Error ? err.message : String(err);
      port.postMessage({ type: 'error', kind, message } satisfies ValidationWorkerMessage);
    });
}
