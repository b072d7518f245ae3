/**
 * The streaming reader seam of the data stage: a dataset is read as a sequence of column batches
 * so that every check, profile (and, later, sketch or drift statistic) is a per-column accumulator
 * fed one batch at a time, with memory bounded by the batch size rather than the file size.
 */

/** How a column's values are exposed to accumulators; a closed set. */
export const COLUMN_KINDS = ['number', 'string', 'boolean', 'null', 'other'] as const;
/**
 * `number`: any integer or floating-point storage; `string`: UTF-8 or dictionary-of-UTF-8 (Parquet
 * `STRING` / `ENUM`); `boolean`; `null`: a column whose every value is null (Arrow `Null`, Parquet
 * `NULL` logical type, or an all-empty CSV column); `other`: a type the validator does not read yet
 * (dates, timestamps, decimals, binary, lists, …), exposed with its null mask only.
 */
export type ColumnKind = (typeof COLUMN_KINDS)[number];

/** Dataset formats a reader can produce; a closed set. */
export const DATASET_FORMATS = ['arrow-file', 'arrow-stream', 'csv', 'parquet'] as const;
/**
 * `arrow-file`: Arrow IPC file (`.arrow`/`.feather` v2); `arrow-stream`: Arrow IPC stream; `csv`;
 * `parquet`: Apache Parquet (`.parquet`/`.pq`).
 */
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** One column as the file declares it (Arrow, Parquet) or as inferred from its values (CSV). */
export interface ColumnSchema {
  name: string;
  kind: ColumnKind;
  /**
   * The type as the source names it: the Arrow type (`Int64`, `Float64`, `Utf8`,
   * `Dictionary<Int32, Utf8>`, …), the Parquet logical or else physical type (`INT64`, `UINT32`,
   * `DOUBLE`, `STRING`, `DECIMAL(10,2)`, `TIMESTAMP(MICROS)`, `LIST`, …) or the CSV inferred type
   * (`integer`, `number`, `boolean`, `string`, `null`).
   */
  sourceType: string;
  /**
   * True when the storage type holds whole numbers only (Arrow integer types, Parquet `INT32` /
   * `INT64` read as numbers, CSV `integer`).
   */
  integer: boolean;
  /**
   * Set (true) on a string column stored dictionary-encoded (Arrow `Dictionary<*, Utf8>`; a
   * Parquet column whose first row group has only dictionary data pages): cheap to read, as each
   * value is decoded once. A hint for splitting work, not a promise about every batch.
   */
  dictionaryEncoded?: true;
}

/** The shape of a dataset, known before the first batch is read. */
export interface DatasetSchema {
  format: DatasetFormat;
  /** In file order. Names are unique (a reader rejects duplicates). */
  columns: ColumnSchema[];
}

interface ColumnBatchBase {
  /** Rows in this batch. */
  readonly length: number;
  /** `nulls[i] === 1` when row i of the batch is null. */
  readonly nulls: Uint8Array;
  /** Number of ones in `nulls`. */
  readonly nullCount: number;
}

/**
 * Numeric values as float64. Values at null positions are unspecified. 64-bit integers beyond
 * ±2^53 lose precision, which no range or domain check of the validator is sensitive to.
 */
export interface NumberColumnBatch extends ColumnBatchBase {
  readonly kind: 'number';
  readonly values: Float64Array;
}

/**
 * String values; `null` exactly where `nulls[i] === 1`.
 *
 * A dictionary-encoded column (Arrow `Dictionary<*, Utf8>`; Parquet dictionary pages) also carries
 * `dictionary` and `codes`, both or neither: `codes[i]` indexes `dictionary`, and is -1 exactly
 * where `nulls[i] === 1`. Count per code, then look each used entry up once; entries need not be
 * unique (Arrow does not require it, and a reader may join dictionaries), so fold counts by string.
 * Consecutive batches may share one `dictionary` array. `values` then decodes lazily on first
 * access, so a consumer that ignores the codes stays correct, and one that uses them pays nothing.
 */
export interface StringColumnBatch extends ColumnBatchBase {
  readonly kind: 'string';
  readonly values: ReadonlyArray<string | null>;
  /** The distinct (usually) strings that `codes` index. */
  readonly dictionary?: ReadonlyArray<string>;
  /** One code per row: an index into `dictionary`, or -1 at a null row. */
  readonly codes?: Int32Array;
  /** Stable ids of the dictionary's entries across batches, when the reader has them. */
  readonly dictionaryIds?: DictionaryIds;
}

/**
 * Identities of a per-batch dictionary's entries that hold across the batches of one read (the
 * reader's string interner numbers each distinct value once), so a consumer can keep per-value
 * state in an array instead of hashing the strings again every batch.
 */
export interface DictionaryIds {
  /** Per dictionary entry: its id, or -1 for an entry without one. */
  readonly ids: Int32Array;
  /** What the ids number: ids of two batches are the same values only under the same `space`. */
  readonly space: object;
  /**
   * True when `ids[c] === c` for every entry: the batch's codes are the ids themselves and its
   * dictionary lists every value of the space so far, most of them unused by this batch. A
   * consumer should then keep its per-value state by code and not walk the dictionary per batch.
   */
  readonly identity?: true;
}

/** Boolean values as 0/1; values at null positions are 0. */
export interface BooleanColumnBatch extends ColumnBatchBase {
  readonly kind: 'boolean';
  readonly values: Uint8Array;
}

/** A column whose values are not exposed: all-null columns and not-yet-supported types. */
export interface OpaqueColumnBatch extends ColumnBatchBase {
  readonly kind: 'null' | 'other';
}

/** Typed access to one column of one batch; switch on `kind`. */
export type ColumnBatch = NumberColumnBatch | StringColumnBatch | BooleanColumnBatch | OpaqueColumnBatch;

/** A run of consecutive rows, every column of the schema present. */
export interface DataBatch {
  /** 0-based index, in the whole file, of this batch's first row. */
  rowOffset: number;
  numRows: number;
  /** Keyed by column name, one entry per schema column (per selected column, see `columns`). */
  columns: Map<string, ColumnBatch>;
}

/**
 * An open dataset. Read it with one `for await` over `batches()`, then `close()` it (also after
 * an error). Read errors surface from the iteration as `DataUnusableError` naming the file.
 */
export interface DatasetReader {
  /** The resolved real path of the file being read. */
  readonly path: string;
  schema(): DatasetSchema;
  /**
   * The batches in file order, each at most `batchRows` rows. A reader is read once. A batch's
   * arrays may be reused for the next batch (the Arrow reader reads every record batch into one
   * buffer, the Parquet reader decodes each column into the same arrays): copy what must outlive
   * the batch.
   */
  batches(): AsyncIterable<DataBatch>;
  /** Releases the file handle. Idempotent. */
  close(): Promise<void>;
}

/** Options of `openDataset` and of the format readers. */
export interface OpenDatasetOptions {
  /** Absolute directories the file must lie within after symlinks are resolved. */
  allowedRoots: readonly string[];
  /**
   * Largest batch handed out, in rows. Arrow record batches and Parquet row groups above it are
   * split. Default 65 536.
   */
  batchRows?: number;
  /**
   * CSV only: columns read as strings without type inference (e.g. zip codes such as `01234`,
   * which inference would read as the integer 1234). The validator passes its `string` columns.
   */
  stringColumns?: readonly string[];
  /**
   * Read only these columns into batches (the schema still lists every column); others are
   * absent from `DataBatch.columns`. Parquet skips their column chunks, Arrow does not convert
   * them. Default: every column.
   */
  columns?: readonly string[];
}

/** Default of `OpenDatasetOptions.batchRows`. */
export const DEFAULT_BATCH_ROWS = 65_536;
