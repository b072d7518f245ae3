/**
 * Input errors of the streaming sketches. Like `DriftInputError`, these are caller mistakes (a
 * quantile outside [0, 1], a malformed JSON form, merging sketches built with different
 * parameters), not data-quality verdicts, so they sit outside the `MlcdError` hierarchy.
 */

/** A sketch got an argument it cannot work with; `argument` names it. */
export class SketchInputError extends Error {
  constructor(
    /** Name of the offending argument or option, e.g. `q` or `options.k`. */
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
    this.name = 'SketchInputError';
  }
}

/**
 * Throws {@link SketchInputError} unless `value` is an integer in [min, max].
 * @returns `value`
 */
export function requireInteger(value: number, min: number, max: number, argument: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SketchInputError(argument, `must be an integer in [${min}, ${max}] (got ${value})`);
  }
  return value;
}

/** Narrows `value` to a plain object or throws {@link SketchInputError} naming `argument`. */
export function requireRecord(value: unknown, argument: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SketchInputError(argument, 'must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Reads a finite number field of a parsed JSON object, or throws naming `argument.field`. */
export function requireFiniteField(obj: Record<string, unknown>, field: string, argument: string): number {
  const v = obj[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new SketchInputError(`${argument}.${field}`, 'must be a finite number');
  }
  return v;
}

/** Reads an array-of-finite-numbers field of a parsed JSON object into a Float64Array. */
export function requireNumberArray(value: unknown, argument: string): Float64Array {
  if (!Array.isArray(value)) throw new SketchInputError(argument, 'must be an array of numbers');
  const out = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new SketchInputError(`${argument}[${i}]`, 'must be a finite number');
    }
    out[i] = v;
  }
  return out;
}
