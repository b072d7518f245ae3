import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';

/** The ApplicationFailure type and message behind an activity failure, if there is one. */
export function failureOf(err: unknown): { type: string; message: string } | undefined {
  let e: unknown = err;
  while (e instanceof ActivityFailure) e = e.cause;
  if (e instanceof ApplicationFailure) return { type: e.type ?? 'Error', message: e.message };
  return undefined;
}

export { isCancellation, ApplicationFailure };
