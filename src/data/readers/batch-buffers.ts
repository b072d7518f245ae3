/**
 * One column's batch arrays, reused from batch to batch: a batch's arrays are valid until the
 * next batch (see `DatasetReader.batches`). A fresh 512 KiB of doubles per numeric column per
 * batch was most of a Parquet read's garbage, and collecting it cost more than decoding. The
 * Parquet reader also decodes each data page into a set of its own, reused from page to page.
 */
export class BatchBuffers {
  private numberStore = new Float64Array(0);
  private codeStore = new Int32Array(0);
  private idStore = new Int32Array(0);
  private nullStore = new Uint8Array(0);
  private byteStore = new Uint8Array(0);

  /** `n` doubles for a batch's values; their contents are left over: write every row. */
  numbers(n: number): Float64Array {
    if (this.numberStore.length < n) this.numberStore = new Float64Array(n);
    return this.numberStore.subarray(0, n);
  }

  /** `n` codes for a batch; their contents are left over: write every row. */
  codes(n: number): Int32Array {
    if (this.codeStore.length < n) this.codeStore = new Int32Array(n);
    return this.codeStore.subarray(0, n);
  }

  /** `n` interner ids for a batch's plain rows; left over contents, like `codes`. */
  ids(n: number): Int32Array {
    if (this.idStore.length < n) this.idStore = new Int32Array(n);
    return this.idStore.subarray(0, n);
  }

  /** `n` bytes (a page's definition levels); left over contents, like `codes`. */
  bytes(n: number): Uint8Array {
    if (this.byteStore.length < n) this.byteStore = new Uint8Array(n);
    return this.byteStore.subarray(0, n);
  }

  /** `n` null flags, all 0. */
  nulls(n: number): Uint8Array {
    if (this.nullStore.length < n) this.nullStore = new Uint8Array(n);
    const nulls = this.nullStore.subarray(0, n);
    nulls.fill(0);
    return nulls;
  }
}
