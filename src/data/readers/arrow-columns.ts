import { DataType, Precision } from 'apache-arrow';
import type { Data, Field, Vector } from 'apache-arrow';

import { dictionaryStringBatch } from './dictionary-strings';
import type { ColumnBatch, ColumnKind, ColumnSchema, StringColumnBatch } from './types';
import { BatchBuffers } from './batch-buffers';
import { noNulls } from './no-nulls';
import { NOT_INTERNED, type Utf8Interner } from './utf8-interner';

/**
 * Maps an Arrow field to the validator's view of it. Integer and floating-point types are
 * `number`; UTF-8 (also large and view) and dictionaries of them are `string`; `Bool` is
 * `boolean`; `Null` is `null`; everything else (dates, decimals, lists, …) is `other` for now.
 */
export function arrowColumnSchema(field: Field): ColumnSchema {
  const type = field.type as DataType;
  const kind = arrowKind(type);
  return {
    name: field.name,
    kind,
    sourceType: arrowTypeName(type),
    integer: DataType.isInt(type),
    ...(kind === 'string' && DataType.isDictionary(type) ? { dictionaryEncoded: true as const } : {}),
  };
}

/** Arrow's own name of a type, e.g. `Int64`, `Dictionary<Int32, Utf8>`. */
function arrowTypeName(type: DataType): string {
  // Every concrete Arrow type overrides toString; the base declaration does not say so.
  return (type as unknown as { toString(): string }).toString();
}

function arrowKind(type: DataType): ColumnKind {
  if (DataType.isInt(type) || DataType.isFloat(type)) return 'number';
  if (isStringType(type)) return 'string';
  if (DataType.isDictionary(type)) return isStringType(type.dictionary as DataType) ? 'string' : 'other';
  if (DataType.isBool(type)) return 'boolean';
  if (DataType.isNull(type)) return 'null';
  return 'other';
}

function isHalfFloat(type: DataType): boolean {
  return DataType.isFloat(type) && type.precision === Precision.HALF;
}

function isStringType(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type);
}

/**
 * Converts one Arrow column (a vector of one record batch, possibly sliced) into a typed column
 * batch of the given kind. Numbers are copied into a Float64Array straight from the value
 * buffers; dictionary-encoded strings keep their codes (read from the index buffer) and decode
 * each dictionary once; plain Utf8 strings, given the column's `Utf8Interner`, become codes too;
 * other strings and booleans go through `Vector.get`.
 */
export function arrowColumnBatch(
  kind: ColumnKind,
  vector: Vector<DataType>,
  interner?: Utf8Interner,
  buffers: BatchBuffers = new BatchBuffers(),
): ColumnBatch {
  const length = vector.length;
  // Below, nulls are marked only at rows the validity bitmaps mark (Null columns aside), so a
  // vector without any can share the zeros.
  const nulls = kind === 'null' || vector.nullCount > 0 ? buffers.nulls(length) : noNulls(length);
  switch (kind) {
    case 'number': {
      const only = vector.data.length === 1 ? vector.data[0] : undefined;
      const raw: unknown = only?.values;
      if (only !== undefined && raw instanceof Float64Array && raw.length >= length) {
        // Float64 in one chunk: hand out the Arrow buffer itself (consumers only read it).
        const nullCount = only.nullCount > 0 ? markNulls(only, nulls, 0) : 0;
        return { kind, length, values: raw.subarray(0, length), nulls, nullCount };
      }
      const values = buffers.numbers(length);
      let nullCount = 0;
      if (isHalfFloat(vector.type)) {
        // Float16 is stored as uint16 bit patterns: let Arrow decode it value by value.
        for (let i = 0; i < length; i++) {
          const v: unknown = vector.get(i);
          if (typeof v === 'number') values[i] = v;
          else {
            nulls[i] = 1;
            values[i] = 0;
            nullCount++;
          }
        }
      } else {
        let pos = 0;
        for (const chunk of vector.data) {
          nullCount += copyNumbers(chunk, values, nulls, pos);
          pos += chunk.length;
        }
      }
      return { kind, length, values, nulls, nullCount };
    }
    case 'string': {
      if (DataType.isDictionary(vector.type)) return dictionaryColumn(vector, buffers);
      if (interner !== undefined && DataType.isUtf8(vector.type))
        return internedColumn(vector, interner, buffers);
      const values = new Array<string | null>(length);
      let nullCount = 0;
      for (let i = 0; i < length; i++) {
        const v: unknown = vector.get(i);
        if (typeof v === 'string') values[i] = v;
        else {
          values[i] = null;
          nulls[i] = 1;
          nullCount++;
        }
      }
      return { kind, length, values, nulls, nullCount };
    }
    case 'boolean': {
      const values = new Uint8Array(length);
      let nullCount = 0;
      for (let i = 0; i < length; i++) {
        const v: unknown = vector.get(i);
        if (v === null || v === undefined) {
          nulls[i] = 1;
          nullCount++;
        } else if (v === true) values[i] = 1;
      }
      return { kind, length, values, nulls, nullCount };
    }
    case 'null':
      nulls.fill(1);
      return { kind, length, nulls, nullCount: length };
    case 'other': {
      let nullCount = 0;
      for (let i = 0; i < length; i++) {
        if (!vector.isValid(i)) {
          nulls[i] = 1;
          nullCount++;
        }
      }
      return { kind, length, nulls, nullCount };
    }
  }
}

/** A decoded Arrow dictionary: its strings, and 1 at the entries that are null. */
interface DecodedDictionary {
  strings: string[];
  nullEntries: Uint8Array;
  /** Whether any entry is null. */
  anyNull: boolean;
}

/**
 * Decoded dictionaries by dictionary vector: the batches of an IPC file share one dictionary
 * vector, and so do the slices of one record batch, so each is decoded once.
 */
const decodedDictionaries = new WeakMap<object, DecodedDictionary>();

function decodeDictionary(dictionary: Vector<DataType>): DecodedDictionary {
  const cached = decodedDictionaries.get(dictionary);
  if (cached) return cached;
  const n = dictionary.length;
  const strings = new Array<string>(n);
  const nullEntries = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = dictionary.get(i);
    if (typeof v === 'string') strings[i] = v;
    else {
      // Never referenced by a code: a row whose index points here is null.
      strings[i] = '';
      nullEntries[i] = 1;
    }
  }
  const decoded = { strings, nullEntries, anyNull: nullEntries.includes(1) };
  decodedDictionaries.set(dictionary, decoded);
  return decoded;
}

/**
 * A `Dictionary<*, Utf8>` column as codes into its decoded dictionary, read from each chunk's
 * index buffer (which, like a numeric value buffer, Arrow JS keeps shifted for a slice, while
 * the validity bitmap is addressed from `offset`). Chunks with different dictionaries (not seen
 * in a single record batch, but allowed) get one joined dictionary, their codes shifted.
 */
function dictionaryColumn(vector: Vector<DataType>, buffers: BatchBuffers): StringColumnBatch {
  const length = vector.length;
  // A row is null where a validity bitmap or a null dictionary entry says so; without either,
  // the batch shares the zeros.
  const mayHaveNulls =
    vector.nullCount > 0 ||
    vector.data.some((chunk) => {
      const d = chunk.dictionary as Vector<DataType> | undefined;
      return d !== undefined && decodeDictionary(d).anyNull;
    });
  const nulls = mayHaveNulls ? buffers.nulls(length) : noNulls(length);
  const codes = buffers.codes(length);
  let nullCount = 0;
  let pos = 0;
  // Where each dictionary starts in the joined one; the first (usually only) one at 0.
  const bases = new Map<DecodedDictionary, number>();
  let first: DecodedDictionary | undefined;
  let joined: string[] | undefined;
  for (const chunk of vector.data) {
    const dictVector = chunk.dictionary as Vector<DataType> | undefined;
    if (!dictVector) throw new Error('dictionary-encoded chunk without a dictionary');
    const entries = decodeDictionary(dictVector);
    let base = bases.get(entries);
    if (base === undefined) {
      if (first === undefined) {
        first = entries;
        base = 0;
      } else {
        joined ??= first.strings.slice();
        base = joined.length;
        for (const s of entries.strings) joined.push(s);
      }
      bases.set(entries, base);
    }
    const size = entries.strings.length;
    const raw: unknown = chunk.values;
    const indices = isIndexArray(raw) ? raw : undefined;
    if (!indices) throw new Error(`unexpected index buffer for Arrow type ${arrowTypeName(chunk.type)}`);
    const n = chunk.length;
    const bitmap = validityOf(chunk);
    if (
      bitmap === undefined &&
      !entries.anyNull &&
      !(indices instanceof BigInt64Array || indices instanceof BigUint64Array)
    ) {
      // The common chunk: no null row, no null entry, indices that are numbers.
      for (let i = 0; i < n; i++) {
        const code = indices[i] as number;
        if (!(code >= 0 && code < size))
          throw new Error(`dictionary index ${code} out of range (dictionary has ${size} entries)`);
        codes[pos + i] = base + code;
      }
      pos += n;
      continue;
    }
    for (let i = 0; i < n; i++) {
      if (bitmap !== undefined && isNullAt(chunk, bitmap, i)) {
        nulls[pos + i] = 1;
        codes[pos + i] = -1;
        nullCount++;
        continue;
      }
      const code = Number(indices[i]);
      if (!(code >= 0 && code < size))
        throw new Error(`dictionary index ${code} out of range (dictionary has ${size} entries)`);
      if (entries.nullEntries[code] === 1) {
        nulls[pos + i] = 1;
        codes[pos + i] = -1;
        nullCount++;
      } else codes[pos + i] = base + code;
    }
    pos += n;
  }
  return dictionaryStringBatch(joined ?? first?.strings ?? [], codes, nulls, nullCount);
}

/**
 * A plain `Utf8` column as codes into a per-batch dictionary, read from each chunk's offsets and
 * bytes (Arrow JS slices the offsets of a sliced chunk but not its bytes, and addresses its
 * validity bitmap from `offset`).
 */
function internedColumn(
  vector: Vector<DataType>,
  interner: Utf8Interner,
  buffers: BatchBuffers,
): StringColumnBatch {
  const length = vector.length;
  // Utf8 rows are null exactly where the validity bitmaps say.
  const nulls = vector.nullCount > 0 ? buffers.nulls(length) : noNulls(length);
  const codes = buffers.codes(length);
  if (interner.prefersIdentity(length)) {
    const nullCount = internChunks(vector, interner, codes, nulls, true);
    if (nullCount >= 0) {
      const { dictionary, ids } = interner.identityBatch();
      return dictionaryStringBatch(dictionary, codes, nulls, nullCount, ids);
    }
    // The interner filled up on a new value: this batch gets a dictionary of its own.
    if (vector.nullCount > 0) nulls.fill(0);
  }
  interner.beginBatch();
  const nullCount = internChunks(vector, interner, codes, nulls, false);
  const { dictionary, ids } = interner.finishBatch();
  return dictionaryStringBatch(dictionary, codes, nulls, nullCount, ids);
}

/**
 * Fills `codes` and `nulls` from a Utf8 vector's chunks: batch codes, or with `asEntries` the
 * interner's entries themselves (then −1 as soon as a value cannot be interned).
 * @returns the null count, or −1 when `asEntries` met a value the full interner did not take
 */
function internChunks(
  vector: Vector<DataType>,
  interner: Utf8Interner,
  codes: Int32Array,
  nulls: Uint8Array,
  asEntries: boolean,
): number {
  let nullCount = 0;
  let pos = 0;
  for (const chunk of vector.data) {
    const offsets: unknown = chunk.valueOffsets;
    const bytes: unknown = chunk.values;
    if (!(offsets instanceof Int32Array) || !(bytes instanceof Uint8Array))
      throw new Error(`unexpected buffers for Arrow type ${arrowTypeName(chunk.type)}`);
    const n = chunk.length;
    const bitmap = validityOf(chunk);
    for (let i = 0; i < n; i++) {
      if (bitmap !== undefined && isNullAt(chunk, bitmap, i)) {
        nulls[pos + i] = 1;
        codes[pos + i] = -1;
        nullCount++;
        continue;
      }
      const start = offsets[i] as number;
      const end = offsets[i + 1] as number;
      if (!(start >= 0 && end >= start && end <= bytes.length))
        throw new Error(`string offsets ${start}..${end} outside the ${bytes.length}-byte value buffer`);
      if (!asEntries) codes[pos + i] = interner.code(bytes, start, end);
      else {
        const entry = interner.intern(bytes, start, end);
        if (entry === NOT_INTERNED) return -1;
        codes[pos + i] = entry;
      }
    }
    pos += n;
  }
  return nullCount;
}

type IndexArray = PlainNumberArray | BigInt64Array | BigUint64Array;

function isIndexArray(x: unknown): x is IndexArray {
  return isPlainNumberArray(x) || x instanceof BigInt64Array || x instanceof BigUint64Array;
}

/**
 * Copies one numeric chunk into `out` at `pos`, marking nulls. Arrow JS keeps a sliced chunk's
 * value buffer already shifted (value i at `values[i]`) while its validity bitmap is addressed
 * from `offset` (bit `offset + i`), which is what `Vector.get` / `isValid` do too.
 *
 * @returns the number of nulls in the chunk
 */
function copyNumbers(chunk: Data<DataType>, out: Float64Array, nulls: Uint8Array, pos: number): number {
  const n = chunk.length;
  const bitmap = validityOf(chunk);
  const raw: unknown = chunk.values;
  let nullCount = 0;
  const isNull = (i: number): boolean => bitmap !== undefined && isNullAt(chunk, bitmap, i);
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
    // Read as 32-bit halves: reading a BigInt64Array element allocates a BigInt, which on ten
    // million rows was a good share of the garbage collector's work. hi · 2^32 is exact and
    // the one addition rounds to nearest, so the result equals Number(bigint) for every value.
    const words = new Int32Array(raw.buffer, raw.byteOffset, n * 2);
    const signed = raw instanceof BigInt64Array;
    const lo = LITTLE_ENDIAN ? 0 : 1;
    for (let i = 0; i < n; i++) {
      if (isNull(i)) {
        nulls[pos + i] = 1;
        out[pos + i] = 0;
        nullCount++;
        continue;
      }
      const low = (words[2 * i + lo] as number) >>> 0;
      const high = words[2 * i + 1 - lo] as number;
      out[pos + i] = (signed ? high : high >>> 0) * 4294967296 + low;
    }
  } else if (isPlainNumberArray(raw)) {
    for (let i = 0; i < n; i++) {
      if (isNull(i)) {
        nulls[pos + i] = 1;
        out[pos + i] = 0;
        nullCount++;
      } else out[pos + i] = raw[i] ?? 0;
    }
  } else {
    throw new Error(`unexpected value buffer for Arrow type ${arrowTypeName(chunk.type)}`);
  }
  return nullCount;
}

/** Marks the chunk's nulls in `nulls` from `pos` on; returns how many there are. */
function markNulls(chunk: Data<DataType>, nulls: Uint8Array, pos: number): number {
  const bitmap = validityOf(chunk);
  if (bitmap === undefined) return 0;
  let nullCount = 0;
  for (let i = 0; i < chunk.length; i++) {
    if (isNullAt(chunk, bitmap, i)) {
      nulls[pos + i] = 1;
      nullCount++;
    }
  }
  return nullCount;
}

/** A chunk's validity bitmap when it has nulls, else undefined (every row valid). */
function validityOf(chunk: Data<DataType>): Uint8Array | undefined {
  const bitmap: Uint8Array | undefined = chunk.nullCount > 0 ? chunk.nullBitmap : undefined;
  return bitmap !== undefined && bitmap.length > 0 ? bitmap : undefined;
}

/**
 * Whether row i of a chunk is null: Arrow JS keeps a sliced chunk's value buffer already shifted
 * but addresses its validity bitmap from `offset` (bit `offset + i`), as `Vector.isValid` does.
 */
function isNullAt(chunk: Data<DataType>, bitmap: Uint8Array, i: number): boolean {
  const bit = chunk.offset + i;
  return ((bitmap[bit >> 3] ?? 0) & (1 << (bit & 7))) === 0;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type PlainNumberArray =
  Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

function isPlainNumberArray(x: unknown): x is PlainNumberArray {
  return (
    x instanceof Int8Array ||
    x instanceof Uint8Array ||
    x instanceof Int16Array ||
    x instanceof Uint16Array ||
    x instanceof Int32Array ||
    x instanceof Uint32Array ||
    x instanceof Float32Array ||
    x instanceof Float64Array
  );
}
