import { join } from 'node:path';
import { statePaths } from './config';

/** Turns a workflow id like `release/churn/2026...` into one safe path segment. */
export function safeSegment(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 180);
}

/** Where a release keeps its artifacts: training output, predictions, reports. */
export function releaseDir(model: string, releaseId: string): string {
  return join(statePaths.artifacts(), safeSegment(model), safeSegment(releaseId));
}
