import type { DictionaryIds, StringColumnBatch } from './types';

/**
 * A string column batch backed by dictionary codes: `values` is decoded from `dictionary` and
 * `codes` on first access only, so a consumer that counts per code never builds the per-row
 * string array.
 *
 * @param dictionary - the strings `codes` index (may be shared with other batches)
 * @param codes - one per row; -1 exactly at the rows marked in `nulls`
 * @param nulls - 1 at a null row
 * @param nullCount - the number of ones in `nulls`
 * @param dictionaryIds - stable ids of the dictionary's entries (see `DictionaryIds`)
 */
export function dictionaryStringBatch(
  dictionary: ReadonlyArray<string>,
  codes: Int32Array,
  nulls: Uint8Array,
  nullCount: number,
  dictionaryIds?: DictionaryIds,
): StringColumnBatch {
  let values: Array<string | null> | undefined;
  return {
    kind: 'string',
    length: codes.length,
    nulls,
    nullCount,
    dictionary,
    codes,
    ...(dictionaryIds !== undefined ? { dictionaryIds } : {}),
    get values(): ReadonlyArray<string | null> {
      values ??= decodeCodes(dictionary, codes);
      return values;
    },
  };
}

function decodeCodes(dictionary: ReadonlyArray<string>, codes: Int32Array): Array<string | null> {
  const out = new Array<string | null>(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] ?? -1;
    out[i] = code < 0 ? null : (dictionary[code] ?? null);
  }
  return out;
}
