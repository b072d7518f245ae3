/**
 * `createActivities(deps)`: every activity of mlcd, built from the backends the worker chose.
 * Workflows import only the *type* of this object; tests build it with fakes of the same type.
 */
import { createDeliveryActivities, type DeliveryActivityDeps } from './delivery';
import { createPipelineActivities } from './pipeline';

export type ActivityDeps = DeliveryActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return { ...createPipelineActivities(deps), ...createDeliveryActivities(deps) };
}

export type MlcdActivities = ReturnType<typeof createActivities>;
export type { DataCheckResult, TrainResult, ScoreResult } from './pipeline';
