import type { DictionaryIds } from './types';

/**
 * One byte of state per value numbered in a `DictionaryIds` space (a verdict, a seen flag), kept
 * across batches and dropped when the ids come from another space. For caches: state lost on a
 * change of space is recomputed by the caller.
 */
export class BytesById {
  private space: object | undefined;
  private bytes = new Uint8Array(0);

  /** The state array for a batch's ids, grown to hold every id the batch names. */
  for(dictionaryIds: DictionaryIds): Uint8Array {
    if (dictionaryIds.space !== this.space) {
      this.space = dictionaryIds.space;
      this.bytes = new Uint8Array(1024);
    }
    const { ids } = dictionaryIds;
    let max = -1;
    if (dictionaryIds.identity === true) max = ids.length - 1;
    else for (let i = 0; i < ids.length; i++) if ((ids[i] as number) > max) max = ids[i] as number;
    if (max >= this.bytes.length) {
      let n = this.bytes.length;
      while (n <= max) n *= 2;
      const grown = new Uint8Array(n);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    return this.bytes;
  }
}
