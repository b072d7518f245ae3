/**
 * One array of zeros shared as the `nulls` of every batch column without a null: a batch's
 * `nulls` is read only, and allocating (and zero-filling) one per column per batch was a good
 * part of the readers' garbage on wide files.
 */
let zeros = new Uint8Array(0);

/** `length` zeros, shared: never write into them. */
export function noNulls(length: number): Uint8Array {
  if (zeros.length < length) zeros = new Uint8Array(Math.max(length, 2 * zeros.length, 65_536));
  return zeros.subarray(0, length);
}
