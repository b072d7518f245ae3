import type { NumberColumnBatch } from './types';

/** What one numeric batch holds, over its non-null rows: enough to skip whole-batch scans. */
export interface NumberBatchStats {
  /** Min and max of the finite values (Infinity / −Infinity when there are none). */
  readonly min: number;
  readonly max: number;
  readonly nan: number;
  /** ±Infinity values. */
  readonly infinite: number;
}

/**
 * Per batch, computed once: the profile sets them from its own pass over the values (it runs
 * first), and checks whose every value would pass (a range check on a batch inside the range, a
 * not-null check on a batch without nulls or NaN) skip their row-by-row scan.
 */
const computed = new WeakMap<NumberColumnBatch, NumberBatchStats>();

/** Records the stats of a batch (the caller just computed them). */
export function setNumberBatchStats(batch: NumberColumnBatch, stats: NumberBatchStats): void {
  computed.set(batch, stats);
}

/** The stats of a batch, computed here when nobody recorded them. */
export function numberBatchStats(batch: NumberColumnBatch): NumberBatchStats {
  const known = computed.get(batch);
  if (known !== undefined) return known;
  const { values, nulls } = batch;
  let min = Infinity;
  let max = -Infinity;
  let nan = 0;
  let infinite = 0;
  for (let i = 0; i < batch.length; i++) {
    if (nulls[i] === 1) continue;
    const v = values[i] as number;
    if (v - v !== 0) {
      if (v !== v) nan++;
      else infinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const stats = { min, max, nan, infinite };
  computed.set(batch, stats);
  return stats;
}
