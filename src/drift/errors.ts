/**
 * Input errors of the drift-statistics library. These are caller mistakes (an empty sample, a
 * negative count), not data-quality verdicts, so they sit outside the `MlcdError` hierarchy:
 * the validation engine checks its inputs before calling in here.
 */

/** A drift function got an argument it cannot compute on; `argument` names it. */
export class DriftInputError extends Error {
  constructor(
    /** Name of the offending argument, e.g. `reference`. */
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
    this.name = 'DriftInputError';
  }
}

/** Numbers accepted wherever a sample or a vector of counts is expected. */
export type NumericVector = Float64Array | readonly number[];

/**
 * Throws {@link DriftInputError} unless `values` is non-empty and every value is finite.
 * @param argument - the argument name used in the message
 */
export function requireSample(values: NumericVector, argument: string): void {
  if (values.length === 0) throw new DriftInputError(argument, 'sample is empty');
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new DriftInputError(argument, `value at index ${i} is not finite (${v})`);
  }
}

/**
 * Throws {@link DriftInputError} unless `counts` is non-empty, every entry is finite and
 * non-negative, and the total is positive.
 * @returns the total of the counts
 */
export function requireCounts(counts: NumericVector, argument: string): number {
  if (counts.length === 0) throw new DriftInputError(argument, 'no bins or categories');
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (!Number.isFinite(c) || c < 0)
      throw new DriftInputError(argument, `count at index ${i} must be finite and >= 0 (got ${c})`);
    total += c;
  }
  if (!(total > 0)) throw new DriftInputError(argument, 'counts sum to 0');
  return total;
}
