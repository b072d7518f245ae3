import type { promises as fs } from 'node:fs';

import type {
  ColumnMetaData,
  Compressors,
  DecodedArray,
  PageHeader,
  SchemaElement,
  SchemaTree,
} from 'hyparquet';
import { alpDecode } from 'hyparquet/src/alp.js';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { deltaBinaryUnpack, deltaByteArray, deltaLengthByteArray } from 'hyparquet/src/delta.js';
import { byteStreamSplit } from 'hyparquet/src/encoding.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { getMaxDefinitionLevel, getMaxRepetitionLevel } from 'hyparquet/src/schema.js';

import { errorMessage } from './dataset-unusable';
import { dictionaryStringBatch } from './dictionary-strings';
import type { NumberStorage, ParquetColumnPlan } from './parquet-columns';
import { BatchBuffers } from './batch-buffers';
import { noNulls } from './no-nulls';
import { snappyDecode } from './snappy-block';
import { NOT_INTERNED, Utf8Interner } from './utf8-interner';
import type {
  BooleanColumnBatch,
  ColumnBatch,
  DictionaryIds,
  NumberColumnBatch,
  OpaqueColumnBatch,
  StringColumnBatch,
} from './types';

/** First read of a page header; grown (×8) while the header does not parse and the chunk goes on. */
const HEADER_WINDOW = 64 * 1024;
/** A page header larger than this is taken as corrupt (real ones are bytes to kilobytes). */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** Where one column chunk lies and how to decode it. */
export interface ColumnChunkSource {
  handle: fs.FileHandle;
  /** File offset of the chunk's first page (its dictionary page when it has one). */
  start: number;
  /** File offset just past the chunk's last page. */
  end: number;
  meta: ColumnMetaData;
  /** Schema elements from the root to the leaf read. */
  schemaPath: SchemaTree[];
  plan: ParquetColumnPlan;
  /** Rows of the row group. */
  rows: number;
  compressors: Compressors;
  /** The column's interner for plain strings, kept across its row groups (fatal UTF-8 mode). */
  interner?: Utf8Interner;
  /** Bytes read ahead from the file per read, beyond what a page needs. */
  readAhead: number;
  /** The column's batch arrays, kept across its row groups. */
  buffers?: BatchBuffers;
}

/** One data page, decoded into the shape its column kind needs. */
interface DecodedPage {
  /** Level entries: rows for a flat column, leaf values (and empty lists) for a nested one. */
  entries: number;
  /** Definition levels, or undefined when every entry of a flat page is defined. */
  defs: Uint8Array | undefined;
  /** Repetition levels (nested columns only): 0 starts a row. */
  reps: Uint8Array | undefined;
  /** The non-null values, by kind. */
  numbers?: Float64Array;
  codes?: Int32Array;
  /** Strings of a non-dictionary page: `Utf8Interner` entries, or −(k + 1) for `literals[k]`. */
  ids?: Int32Array;
  literals?: string[];
  bools?: Uint8Array;
}

/**
 * Reads one column chunk of one row group page by page, straight from the file: memory holds a
 * page and a bounded read-ahead, whatever the size of the row group. `take(n)` hands out the next
 * `n` rows as a column batch; string pages that are dictionary-encoded keep their codes.
 *
 * Pages are parsed with hyparquet's thrift, decompression and plain / delta / byte-stream-split
 * decoders. Levels and dictionary indices are decoded here, into typed arrays bounded by the
 * page's declared value count, so corrupt run lengths cannot grow an array without limit.
 *
 * Every error is a plain `Error` whose message says what is wrong; the caller names the file,
 * row group and column.
 */
export class ColumnChunkReader {
  private pos: number;
  private buf = new Uint8Array(0);
  private readBuffer = new Uint8Array(0);
  private bufStart = 0;
  private page: DecodedPage | undefined;
  /** Next level entry of `page`. */
  private entry = 0;
  /** Next non-null value of `page`. */
  private value = 0;
  private dictStrings: string[] | undefined;
  /** The interner's ids of `dictStrings` (−1 where it was full), kept with them for every batch. */
  private dictIds: DictionaryIds | undefined;
  private dictNumbers: Float64Array | undefined;
  private sawDataPage = false;
  /** Level entries decoded so far, against the chunk's declared `num_values`. */
  private entriesDecoded = 0;
  private readonly maxDef: number;
  private readonly maxRep: number;
  private readonly leaf: SchemaElement;
  private readonly declaredValues: number;
  /** Decodes each distinct plain string once (shared by the column's chunks when given). */
  private readonly interner: Utf8Interner;
  private readonly buffers: BatchBuffers;
  /** Decompressed data pages (see `decompress`). */
  private pageBuffer = new Uint8Array(0);
  /**
   * A data page's decoded arrays (levels, indices, numbers), reused by the next page: a page is
   * used up before the next is read, and a batch's views into one last until the next batch.
   * Fresh arrays per page were, with the decompressed pages, what made V8 run a full
   * mark-compact every few dozen pages.
   */
  private readonly pageArrays = new BatchBuffers();
  /** PLAIN numbers realigned to 8 bytes (see `plainValues`). */
  private alignedStore = new Float64Array(0);

  constructor(private readonly src: ColumnChunkSource) {
    this.pos = src.start;
    this.maxDef = getMaxDefinitionLevel(src.schemaPath);
    this.maxRep = getMaxRepetitionLevel(src.schemaPath);
    const leaf = src.schemaPath[src.schemaPath.length - 1]?.element;
    if (!leaf) throw new Error('empty schema path');
    this.leaf = leaf;
    this.declaredValues = Number(src.meta.num_values);
    this.interner = src.interner ?? new Utf8Interner({ fatal: true });
    this.buffers = src.buffers ?? new BatchBuffers();
  }

  /** The next `n` rows of the column; throws when the chunk ends before them or is corrupt. */
  async take(n: number): Promise<ColumnBatch> {
    if (this.src.plan.nested) return this.takeNested(n);
    switch (this.src.plan.schema.kind) {
      case 'number':
        return this.takeNumbers(n);
      case 'string':
        return this.takeStrings(n);
      case 'boolean':
        return this.takeBooleans(n);
      case 'null':
      case 'other':
        return this.takeNulls(n);
    }
  }

  private async takeNumbers(n: number): Promise<NumberColumnBatch> {
    const first = await this.currentPage();
    if (first.defs === undefined && first.entries - this.entry >= n && first.numbers !== undefined) {
      // The whole batch within one page without nulls: its values are handed out in place (a
      // page outlives the batches it serves, see DatasetReader.batches).
      const values = first.numbers.subarray(this.value, this.value + n);
      this.value += n;
      this.entry += n;
      return { kind: 'number', length: n, values, nulls: noNulls(n), nullCount: 0 };
    }
    const values = this.buffers.numbers(n);
    let nulls: Uint8Array | undefined;
    let nullCount = 0;
    for (let i = 0; i < n;) {
      const page = await this.currentPage();
      const k = Math.min(n - i, page.entries - this.entry);
      const src = page.numbers ?? new Float64Array(0);
      const defs = page.defs;
      if (defs === undefined) {
        values.set(src.subarray(this.value, this.value + k), i);
        this.value += k;
      } else {
        nulls ??= this.buffers.nulls(n);
        const next = spreadNumbers(defs, this.entry, k, this.maxDef, src, this.value, values, nulls, i);
        nullCount += k - (next - this.value);
        this.value = next;
      }
      this.entry += k;
      i += k;
    }
    return { kind: 'number', length: n, values, nulls: nulls ?? noNulls(n), nullCount };
  }

  private async takeStrings(n: number): Promise<StringColumnBatch> {
    const codes = this.buffers.codes(n);
    let nulls: Uint8Array | undefined;
    let nullCount = 0;
    // Rows from plain-encoded pages (a writer falls back to them when the dictionary grows too
    // large) hold interner entries until the batch is complete.
    let plain: { ids: Int32Array; literals: string[] } | undefined;
    for (let i = 0; i < n;) {
      const page = await this.currentPage();
      const k = Math.min(n - i, page.entries - this.entry);
      const { defs, codes: pageCodes, ids } = page;
      const maxDef = this.maxDef;
      if (pageCodes !== undefined) {
        // A dictionary-encoded page: its codes copied, or spread around its nulls.
        if (defs === undefined) {
          codes.set(pageCodes.subarray(this.value, this.value + k), i);
          this.value += k;
        } else {
          nulls ??= this.buffers.nulls(n);
          const next = spreadCodes(defs, this.entry, k, maxDef, pageCodes, this.value, codes, nulls, i);
          nullCount += k - (next - this.value);
          this.value = next;
        }
        this.entry += k;
        i += k;
        continue;
      }
      // A plain page: its rows' interner entries (or literals) kept for the end of the batch.
      for (let j = 0; j < k; j++) {
        if (defs !== undefined && defs[this.entry + j] !== maxDef) {
          nulls ??= this.buffers.nulls(n);
          nulls[i + j] = 1;
          codes[i + j] = -1;
          nullCount++;
        } else {
          plain ??= { ids: this.buffers.ids(n), literals: [] };
          const id = ids?.[this.value++] ?? 0;
          if (id >= 0) plain.ids[i + j] = id;
          else {
            plain.literals.push(page.literals?.[-id - 1] ?? '');
            plain.ids[i + j] = -plain.literals.length;
          }
          codes[i + j] = -2;
        }
      }
      this.entry += k;
      i += k;
    }
    const dictionary = this.dictStrings ?? [];
    const batchNulls = nulls ?? noNulls(n);
    if (plain === undefined)
      return dictionaryStringBatch(dictionary, codes, batchNulls, nullCount, this.dictIds);
    // Plain rows (and dictionary rows beside them): codes into a batch dictionary of the
    // distinct values, all through the interner's ids.
    const interner = this.interner;
    const dictIds = this.dictIds?.ids;
    if (interner.prefersIdentity(n) && this.entriesAsCodes(codes, plain.ids, dictIds)) {
      const { dictionary: all, ids } = interner.identityBatch();
      return dictionaryStringBatch(all, codes, batchNulls, nullCount, ids);
    }
    interner.beginBatch();
    for (let i = 0; i < n; i++) {
      const code = codes[i] as number;
      if (code === -1) continue;
      if (code === -2) {
        const id = plain.ids[i] as number;
        codes[i] = id >= 0 ? interner.batchCode(id) : interner.literalCode(plain.literals[-id - 1] ?? '');
      } else {
        const id = dictIds?.[code] ?? -1;
        codes[i] = id >= 0 ? interner.batchCode(id) : interner.literalCode(dictionary[code] ?? '');
      }
    }
    const { dictionary: batchDictionary, ids } = interner.finishBatch();
    return dictionaryStringBatch(batchDictionary, codes, batchNulls, nullCount, ids);
  }

  /**
   * Turns a batch's codes (−2: plain row, its entry in `plainIds`; else a dictionary code) into
   * interner entries, when every row has one; else leaves them as they were and returns false.
   */
  private entriesAsCodes(codes: Int32Array, plainIds: Int32Array, dictIds: Int32Array | undefined): boolean {
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i] as number;
      if (code === -1) continue;
      const id = code === -2 ? (plainIds[i] as number) : (dictIds?.[code] ?? -1);
      if (id < 0) return false;
    }
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i] as number;
      if (code === -1) continue;
      codes[i] = code === -2 ? (plainIds[i] as number) : (dictIds?.[code] as number);
    }
    return true;
  }

  private async takeBooleans(n: number): Promise<BooleanColumnBatch> {
    const values = new Uint8Array(n);
    const nulls = new Uint8Array(n);
    let nullCount = 0;
    for (let i = 0; i < n;) {
      const page = await this.currentPage();
      const k = Math.min(n - i, page.entries - this.entry);
      const src = page.bools ?? new Uint8Array(0);
      const defs = page.defs;
      if (defs === undefined) {
        values.set(src.subarray(this.value, this.value + k), i);
        this.value += k;
      } else {
        const maxDef = this.maxDef;
        for (let j = 0; j < k; j++) {
          if (defs[this.entry + j] === maxDef) values[i + j] = src[this.value++] ?? 0;
          else {
            nulls[i + j] = 1;
            nullCount++;
          }
        }
      }
      this.entry += k;
      i += k;
    }
    return { kind: 'boolean', length: n, values, nulls, nullCount };
  }

  /** A flat column read for its null mask only. */
  private async takeNulls(n: number): Promise<OpaqueColumnBatch> {
    const nulls = new Uint8Array(n);
    let nullCount = 0;
    for (let i = 0; i < n;) {
      const page = await this.currentPage();
      const k = Math.min(n - i, page.entries - this.entry);
      const defs = page.defs;
      if (defs !== undefined) {
        const maxDef = this.maxDef;
        for (let j = 0; j < k; j++) {
          if (defs[this.entry + j] !== maxDef) {
            nulls[i + j] = 1;
            nullCount++;
          }
        }
      }
      this.entry += k;
      i += k;
    }
    return { kind: this.src.plan.schema.kind === 'null' ? 'null' : 'other', length: n, nulls, nullCount };
  }

  /**
   * A nested column: a row starts at each entry with repetition level 0 (continuation entries are
   * skipped, also across pages), and is null when the top-level field is OPTIONAL and its
   * definition level is 0 (a defined but empty list has level ≥ 1).
   */
  private async takeNested(n: number): Promise<OpaqueColumnBatch> {
    const nulls = new Uint8Array(n);
    let nullCount = 0;
    const topOptional = this.src.plan.topOptional;
    let i = 0;
    while (i < n) {
      const page = await this.currentPage();
      const { reps, defs } = page;
      for (; this.entry < page.entries; this.entry++) {
        if (reps !== undefined && reps[this.entry] !== 0) continue;
        if (i === n) break;
        if (topOptional && defs !== undefined && defs[this.entry] === 0) {
          nulls[i] = 1;
          nullCount++;
        }
        i++;
      }
    }
    return { kind: 'other', length: n, nulls, nullCount };
  }

  /** The page holding the next entry, reading on through the chunk as pages are used up. */
  private async currentPage(): Promise<DecodedPage> {
    while (this.page === undefined || this.entry >= this.page.entries) {
      this.page = undefined;
      if (this.pos >= this.src.end)
        throw new Error(
          `the column chunk ends after ${this.entriesDecoded} values, before the row group's ${this.src.rows} rows`,
        );
      const page = await this.readPage();
      if (page !== undefined && page.entries > 0) {
        this.page = page;
        this.entry = 0;
        this.value = 0;
      }
    }
    return this.page;
  }

  /** Reads the page at `pos`; undefined for a dictionary or index page (consumed on the way). */
  private async readPage(): Promise<DecodedPage | undefined> {
    const at = this.pos;
    const { header, bodyStart } = await this.readHeader();
    const size = header.compressed_page_size;
    if (!Number.isInteger(size) || size < 0 || bodyStart + size > this.src.end)
      throw new Error(`page at byte ${at} declares ${size} bytes, past the end of the column chunk`);
    if (!Number.isInteger(header.uncompressed_page_size) || header.uncompressed_page_size < 0)
      throw new Error(`page at byte ${at} declares an invalid size ${header.uncompressed_page_size}`);
    const body = await this.bytesAt(bodyStart, size);
    this.pos = bodyStart + size;
    try {
      switch (header.type) {
        case 'DICTIONARY_PAGE':
          this.readDictionaryPage(header, body);
          return undefined;
        case 'DATA_PAGE':
        case 'DATA_PAGE_V2': {
          this.sawDataPage = true;
          const page =
            header.type === 'DATA_PAGE'
              ? this.readDataPageV1(header, body)
              : this.readDataPageV2(header, body);
          this.entriesDecoded += page.entries;
          return page;
        }
        case 'INDEX_PAGE':
          return undefined;
        default:
          throw new Error(`unknown page type ${String(header.type)}`);
      }
    } catch (err) {
      throw new Error(`page at byte ${at}: ${errorMessage(err)}`, { cause: err });
    }
  }

  private async readHeader(): Promise<{ header: PageHeader; bodyStart: number }> {
    const left = this.src.end - this.pos;
    let window = Math.min(HEADER_WINDOW, left);
    for (;;) {
      const bytes = await this.bytesAt(this.pos, window);
      // A view of exactly the window, so the thrift reader stops at its end.
      const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
      try {
        return { header: parquetHeader(reader), bodyStart: this.pos + reader.offset };
      } catch (err) {
        if (window >= left || window >= MAX_HEADER_BYTES)
          throw new Error(`unreadable page header at byte ${this.pos}: ${errorMessage(err)}`, { cause: err });
        window = Math.min(window * 8, left, MAX_HEADER_BYTES);
      }
    }
  }

  /** Bytes [pos, pos + length) of the file, from the read-ahead buffer or a new read. */
  private async bytesAt(pos: number, length: number): Promise<Uint8Array> {
    const from = pos - this.bufStart;
    if (from >= 0 && from + length <= this.buf.length) return this.buf.subarray(from, from + length);
    const want = Math.max(length, Math.min(this.src.readAhead, this.src.end - pos));
    // One buffer for every read: pages are decoded out of it (an uncompressed one copied, see
    // `decompress`) before the next read, so nothing views it for longer.
    if (this.readBuffer.length < want) this.readBuffer = new Uint8Array(want);
    const buf = this.readBuffer;
    const { bytesRead } = await this.src.handle.read(buf, 0, want, pos);
    if (bytesRead < length)
      throw new Error(`the file ends at byte ${pos + bytesRead}, inside the column chunk`);
    this.buf = buf.subarray(0, bytesRead);
    this.bufStart = pos;
    return this.buf.subarray(0, length);
  }

  private readDictionaryPage(header: PageHeader, body: Uint8Array): void {
    const h = header.dictionary_page_header;
    if (!h) throw new Error('dictionary page without its header');
    if (this.sawDataPage) throw new Error('a dictionary page after data pages');
    const kind = this.src.plan.schema.kind;
    if (this.src.plan.nested || (kind !== 'number' && kind !== 'string')) return;
    // Its own buffer: the dictionary's values (views into it) serve every page of the chunk.
    const bytes = this.decompress(body, header.uncompressed_page_size, false);
    const values = this.plainValues(bytes, 0, h.num_values, false);
    if (kind === 'string') this.internDictionary(values);
    else this.dictNumbers = toNumbers(values, this.src.plan.numberStorage);
  }

  /**
   * A dictionary page's strings through the column's interner: the same value gets the same id
   * in every row group's dictionary and on plain pages, so consumers keep per-value state by id.
   */
  private internDictionary(values: DecodedArray): void {
    if (!Array.isArray(values)) throw new Error('expected byte-array values');
    const strings = new Array<string>(values.length);
    const ids = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v: unknown = values[i];
      if (!(v instanceof Uint8Array)) throw new Error('expected byte-array values');
      try {
        const id = this.interner.intern(v, 0, v.length);
        ids[i] = id;
        strings[i] = id >= 0 ? this.interner.entryString(id) : this.interner.decode(v, 0, v.length);
      } catch (err) {
        if (err instanceof Error && err.name === 'TypeError')
          throw new Error('invalid UTF-8 in a string value');
        throw err;
      }
    }
    this.dictStrings = strings;
    this.dictIds = { ids, space: this.interner };
  }

  private readDataPageV1(header: PageHeader, body: Uint8Array): DecodedPage {
    const h = header.data_page_header;
    if (!h) throw new Error('data page without its header');
    const entries = this.checkEntries(h.num_values);
    const bytes = this.decompress(body, header.uncompressed_page_size, true);
    let pos = 0;
    let reps: Uint8Array | undefined;
    let defs: Uint8Array | undefined;
    let present = entries;
    if (this.maxRep > 0) {
      reps = new Uint8Array(entries);
      pos = readPrefixedLevels(bytes, pos, this.maxRep, reps, 'repetition levels').end;
    }
    if (this.maxDef > 0) {
      if (h.definition_level_encoding !== 'RLE')
        throw new Error(`unsupported definition level encoding ${h.definition_level_encoding}`);
      defs = this.pageArrays.bytes(entries);
      const levels = readPrefixedLevels(bytes, pos, this.maxDef, defs, 'definition levels', this.maxDef);
      pos = levels.end;
      present = levels.matching;
    }
    return this.finishPage(entries, defs, reps, h.encoding, bytes, pos, present);
  }

  private readDataPageV2(header: PageHeader, body: Uint8Array): DecodedPage {
    const h = header.data_page_header_v2;
    if (!h) throw new Error('data page (v2) without its header');
    const entries = this.checkEntries(h.num_values);
    const repLength = h.repetition_levels_byte_length;
    const defLength = h.definition_levels_byte_length;
    if (!(repLength >= 0 && defLength >= 0 && repLength + defLength <= body.length))
      throw new Error(`level lengths ${repLength} + ${defLength} exceed the page's ${body.length} bytes`);
    let reps: Uint8Array | undefined;
    let defs: Uint8Array | undefined;
    let present = entries;
    if (this.maxRep > 0) {
      reps = new Uint8Array(entries);
      readHybrid(body, 0, repLength, bitWidth(this.maxRep), reps, 'repetition levels');
    }
    if (this.maxDef > 0) {
      defs = this.pageArrays.bytes(entries);
      present = readHybrid(
        body,
        repLength,
        repLength + defLength,
        bitWidth(this.maxDef),
        defs,
        'definition levels',
        this.maxDef,
      );
    }
    let values = body.subarray(repLength + defLength);
    const valuesSize = header.uncompressed_page_size - repLength - defLength;
    if (h.is_compressed !== false && valuesSize > 0) values = this.decompress(values, valuesSize, true);
    else values = values.slice();
    return this.finishPage(entries, defs, reps, h.encoding, values, 0, present);
  }

  private checkEntries(declared: number): number {
    const limit = this.src.plan.nested
      ? this.declaredValues - this.entriesDecoded
      : this.src.rows - this.entriesDecoded;
    if (!Number.isInteger(declared) || declared < 0 || declared > limit)
      throw new Error(`page declares ${declared} values, but only ${limit} are left in the column chunk`);
    return declared;
  }

  /** Decodes the values of a data page after its levels, as the column's kind needs them. */
  private finishPage(
    entries: number,
    defs: Uint8Array | undefined,
    reps: Uint8Array | undefined,
    encoding: string,
    bytes: Uint8Array,
    pos: number,
    present: number,
  ): DecodedPage {
    const flatDefs = present === entries && !this.src.plan.nested ? undefined : defs;
    const page: DecodedPage = { entries, defs: flatDefs, reps };
    const kind = this.src.plan.schema.kind;
    if (this.src.plan.nested || kind === 'other' || kind === 'null' || present === 0) return page;

    const dictionaryEncoded = encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY';
    if (kind === 'boolean') {
      if (encoding === 'PLAIN') page.bools = readBitPackedBooleans(bytes, pos, present);
      else if (encoding === 'RLE') {
        page.bools = new Uint8Array(present);
        readPrefixedLevels(bytes, pos, 1, page.bools, 'boolean values');
      } else throw new Error(`unsupported encoding ${encoding} for BOOLEAN`);
      return page;
    }
    if (dictionaryEncoded) {
      const size = kind === 'string' ? this.dictStrings?.length : this.dictNumbers?.length;
      if (size === undefined) throw new Error('dictionary-encoded page without a dictionary page');
      const indices = readDictionaryIndices(bytes, pos, this.pageArrays.codes(present), size);
      if (kind === 'string') page.codes = indices;
      else
        page.numbers = gatherNumbers(
          this.dictNumbers ?? new Float64Array(0),
          indices,
          this.pageArrays.numbers(present),
        );
      return page;
    }
    if (kind === 'string') {
      if (encoding === 'PLAIN' && this.src.meta.type === 'BYTE_ARRAY')
        this.internPlain(page, bytes, pos, present);
      else this.internValues(page, this.encodedValues(encoding, bytes, pos, present), present);
      return page;
    }
    const values = this.encodedValues(encoding, bytes, pos, present);
    page.numbers = toNumbers(values, this.src.plan.numberStorage, (n) => this.pageArrays.numbers(n));
    if (page.numbers.length !== present)
      throw new Error(`page holds ${page.numbers.length} values, its levels say ${present}`);
    return page;
  }

  /**
   * A PLAIN BYTE_ARRAY page (each value a 4-byte little-endian length, then its bytes) read
   * straight into interner entries: no Uint8Array view and no decoding per row.
   */
  private internPlain(page: DecodedPage, bytes: Uint8Array, pos: number, count: number): void {
    const ids = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      if (pos + 4 > bytes.length)
        throw new Error(`${count} BYTE_ARRAY values overrun the page at value ${i}`);
      const length =
        ((bytes[pos] as number) |
          ((bytes[pos + 1] as number) << 8) |
          ((bytes[pos + 2] as number) << 16) |
          ((bytes[pos + 3] as number) << 24)) >>>
        0;
      pos += 4;
      if (pos + length > bytes.length)
        throw new Error(`BYTE_ARRAY value ${i} of ${length} bytes overruns the page`);
      ids[i] = this.internOrLiteral(page, bytes, pos, pos + length);
      pos += length;
    }
    page.ids = ids;
  }

  /** String values another decoder produced (one Uint8Array each) into interner entries. */
  private internValues(page: DecodedPage, values: DecodedArray, count: number): void {
    if (!Array.isArray(values)) throw new Error('expected byte-array values');
    if (values.length !== count)
      throw new Error(`page holds ${values.length} values, its levels say ${count}`);
    const ids = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v: unknown = values[i];
      if (!(v instanceof Uint8Array)) throw new Error('expected byte-array values');
      ids[i] = this.internOrLiteral(page, v, 0, v.length);
    }
    page.ids = ids;
  }

  /** An interner entry, or −(k + 1) for the page's k-th literal when the interner is full. */
  private internOrLiteral(page: DecodedPage, bytes: Uint8Array, start: number, end: number): number {
    try {
      const id = this.interner.intern(bytes, start, end);
      if (id !== NOT_INTERNED) return id;
      page.literals ??= [];
      page.literals.push(this.interner.decode(bytes, start, end));
      return -page.literals.length;
    } catch (err) {
      if (err instanceof Error && err.name === 'TypeError')
        throw new Error('invalid UTF-8 in a string value');
      throw err;
    }
  }

  /** Non-dictionary values of a numeric or byte-array page. */
  private encodedValues(encoding: string, bytes: Uint8Array, pos: number, count: number): DecodedArray {
    const { type } = this.src.meta;
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: pos };
    switch (encoding) {
      case 'PLAIN':
        return this.plainValues(bytes, pos, count, true);
      case 'BYTE_STREAM_SPLIT':
        checkFixedWidth(type, this.leaf.type_length, count, bytes.length - pos);
        return byteStreamSplit(reader, count, type, this.leaf.type_length);
      case 'DELTA_BINARY_PACKED': {
        if (type !== 'INT32' && type !== 'INT64')
          throw new Error(`unsupported encoding ${encoding} for ${type}`);
        const out = type === 'INT32' ? new Int32Array(count) : new BigInt64Array(count);
        deltaBinaryUnpack(reader, count, out);
        return out;
      }
      case 'DELTA_LENGTH_BYTE_ARRAY':
      case 'DELTA_BYTE_ARRAY': {
        if (type !== 'BYTE_ARRAY' && type !== 'FIXED_LEN_BYTE_ARRAY')
          throw new Error(`unsupported encoding ${encoding} for ${type}`);
        const out = new Array<Uint8Array>(count);
        if (encoding === 'DELTA_LENGTH_BYTE_ARRAY') deltaLengthByteArray(reader, count, out);
        else deltaByteArray(reader, count, out);
        return out;
      }
      case 'ALP':
        return alpDecode(reader, count, type);
      default:
        throw new Error(`unsupported encoding ${encoding}`);
    }
  }

  /**
   * PLAIN values. hyparquet views 4- and 8-byte numbers in place when they are aligned and
   * copies them into a new buffer when not (they follow the levels, so usually not); a data
   * page (`reusable`) copies them into the reader's aligned store instead.
   */
  private plainValues(bytes: Uint8Array, pos: number, count: number, reusable: boolean): DecodedArray {
    const { type } = this.src.meta;
    if (!Number.isInteger(count) || count < 0) throw new Error(`invalid value count ${count}`);
    checkFixedWidth(type, this.leaf.type_length, count, bytes.length - pos);
    const width = type === 'DOUBLE' || type === 'INT64' ? 8 : type === 'INT32' || type === 'FLOAT' ? 4 : 0;
    if (reusable && width > 0 && (bytes.byteOffset + pos) % width !== 0) {
      bytes = this.aligned(bytes.subarray(pos, pos + count * width));
      pos = 0;
    }
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: pos };
    return readPlain(reader, type, count, this.leaf.type_length);
  }

  /** A copy of `bytes` starting on an 8-byte boundary, in the reader's reused aligned store. */
  private aligned(bytes: Uint8Array): Uint8Array {
    const words = Math.ceil(bytes.length / 8);
    if (this.alignedStore.length < words) this.alignedStore = new Float64Array(words);
    const out = new Uint8Array(this.alignedStore.buffer, 0, bytes.length);
    out.set(bytes);
    return out;
  }

  /**
   * Decompresses a page. A data page (`reusable`) compressed to at least 80 % of its size
   * (random numbers, bit-packed indices: nearly all literals) is decoded into the reader's
   * page buffer, reused from page to page: a page is used up before the next is read, and a
   * batch's views into it last until the next batch (see DatasetReader.batches). Other pages
   * (a dictionary, which serves the whole chunk; compressible strings, where the wasm decoder
   * is faster) get a buffer of their own.
   */
  private decompress(body: Uint8Array, size: number, reusable: boolean): Uint8Array {
    const { codec } = this.src.meta;
    if (reusable && codec === 'SNAPPY' && body.length * 5 >= size * 4) {
      if (this.pageBuffer.length < size)
        this.pageBuffer = new Uint8Array(Math.max(size, 2 * this.pageBuffer.length));
      const out = this.pageBuffer.subarray(0, size);
      snappyDecode(body, out);
      return out;
    }
    // Uncompressed, the page is a view into the read buffer, which the next read overwrites.
    if (codec === 'UNCOMPRESSED') {
      if (body.length !== size)
        throw new Error(`an uncompressed page of ${body.length} bytes declares ${size}`);
      return body.slice();
    }
    return exact(decompressPage(body, size, codec, this.src.compressors));
  }
}

/** `bytes` in an ArrayBuffer of exactly its length (copied when it is a view into a larger one). */
function exact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

function bitWidth(maxLevel: number): number {
  return 32 - Math.clz32(maxLevel);
}

/** Levels (or RLE booleans) preceded by their 4-byte little-endian length; returns the end offset. */
function readPrefixedLevels(
  bytes: Uint8Array,
  pos: number,
  maxLevel: number,
  out: Uint8Array,
  what: string,
  countOf = -1,
): { end: number; matching: number } {
  if (pos + 4 > bytes.length) throw new Error(`${what}: the page ends before their length`);
  const length =
    (bytes[pos] ?? 0) |
    ((bytes[pos + 1] ?? 0) << 8) |
    ((bytes[pos + 2] ?? 0) << 16) |
    ((bytes[pos + 3] ?? 0) << 24);
  const start = pos + 4;
  if (length < 0 || start + length > bytes.length)
    throw new Error(
      `${what}: length ${length >>> 0} exceeds the page's ${bytes.length - start} remaining bytes`,
    );
  const matching = readHybrid(bytes, start, start + length, bitWidth(maxLevel), out, what, countOf);
  return { end: start + length, matching };
}

/** A data page's dictionary indices into `out` (all of it), checked against the dictionary's size. */
function readDictionaryIndices(bytes: Uint8Array, pos: number, out: Int32Array, size: number): Int32Array {
  if (pos >= bytes.length) throw new Error('dictionary indices: the page ends before their bit width');
  const width = bytes[pos] ?? 0;
  if (width > 32) throw new Error(`dictionary indices: invalid bit width ${width}`);
  const count = out.length;
  readHybrid(bytes, pos + 1, bytes.length, width, out, 'dictionary indices');
  // Indices of fewer than 31 bits are non-negative and below 2^width: within a dictionary of
  // at least that many entries without looking.
  if (width <= 30 && 2 ** width <= size) return out;
  for (let i = 0; i < count; i++) {
    const index = out[i] ?? -1;
    if (index < 0 || index >= size)
      throw new Error(`dictionary index ${index >>> 0} out of range (the dictionary has ${size} entries)`);
  }
  return out;
}

/**
 * Entries [entry, entry + k) of a page with nulls into `out` and `nulls` from row `at`: each
 * defined entry takes the next of `src` from `value` on, each other is marked null. Returns the
 * next unused value. Loops of their own, so each compiles for its one element type.
 */
function spreadNumbers(
  defs: Uint8Array,
  entry: number,
  k: number,
  maxDef: number,
  src: Float64Array,
  value: number,
  out: Float64Array,
  nulls: Uint8Array,
  at: number,
): number {
  for (let j = 0; j < k; j++) {
    if (defs[entry + j] === maxDef) out[at + j] = src[value++] as number;
    else {
      // A null row holds 0, as in a fresh array, not a value left from an earlier batch.
      nulls[at + j] = 1;
      out[at + j] = 0;
    }
  }
  return value;
}

/** As `spreadNumbers`, for dictionary codes; null rows get code −1. */
function spreadCodes(
  defs: Uint8Array,
  entry: number,
  k: number,
  maxDef: number,
  src: Int32Array,
  value: number,
  out: Int32Array,
  nulls: Uint8Array,
  at: number,
): number {
  for (let j = 0; j < k; j++) {
    if (defs[entry + j] === maxDef) out[at + j] = src[value++] as number;
    else {
      nulls[at + j] = 1;
      out[at + j] = -1;
    }
  }
  return value;
}

/** The dictionary's values at `indices` (checked to be in range), into `out`. */
function gatherNumbers(dictionary: Float64Array, indices: Int32Array, out: Float64Array): Float64Array {
  for (let i = 0; i < indices.length; i++) out[i] = dictionary[indices[i] as number] as number;
  return out;
}

/**
 * Decodes the RLE / bit-packed hybrid encoding of `bytes[pos, end)` into `out`, exactly
 * `out.length` values: runs beyond that are cut, and data ending before it is an error.
 * Returns how many values equal `countOf`. Exported for its unit test.
 */
export function readHybrid(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Uint8Array | Int32Array,
  what: string,
  countOf = -1,
): number {
  const count = out.length;
  let seen = 0;
  // Values equal to `countOf` (a page's present values among its definition levels), counted
  // per run: an RLE run adds its length at once.
  let matching = 0;
  while (seen < count) {
    if (pos >= end) throw new Error(`${what}: the data ends after ${seen} of ${count} values`);
    let header = 0;
    let scale = 1;
    for (;;) {
      if (pos >= end || scale > 2 ** 35) throw new Error(`${what}: truncated or invalid run header`);
      const b = bytes[pos++] ?? 0;
      header += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) break;
    }
    const runLength = Math.floor(header / 2);
    if (header % 2 === 0) {
      // RLE run: one value in ceil(width / 8) little-endian bytes, repeated.
      const valueBytes = (width + 7) >> 3;
      if (pos + valueBytes > end) throw new Error(`${what}: truncated run`);
      let v = 0;
      for (let k = 0; k < valueBytes; k++) v += (bytes[pos + k] ?? 0) * 2 ** (8 * k);
      // Its padding bits must be zero: callers rely on values below 2^width.
      if (v >= 2 ** width) throw new Error(`${what}: run value ${v} does not fit its bit width ${width}`);
      pos += valueBytes;
      const m = Math.min(runLength, count - seen);
      out.fill(v, seen, seen + m);
      if (v === countOf) matching += m;
      seen += m;
    } else {
      // Bit-packed run: runLength groups of 8 values, packed from the least significant bit.
      const m = Math.min(runLength * 8, count - seen);
      const needed = Math.ceil((m * width) / 8);
      if (pos + needed > end) throw new Error(`${what}: truncated bit-packed run`);
      unpackBits(bytes, pos, width, out, seen, m);
      if (countOf >= 0) for (let i = seen; i < seen + m; i++) if (out[i] === countOf) matching++;
      seen += m;
      pos = Math.min(pos + runLength * width, end);
    }
  }
  return matching;
}

function unpackBits(
  bytes: Uint8Array,
  pos: number,
  width: number,
  out: Uint8Array | Int32Array,
  at: number,
  m: number,
): void {
  if (width === 0) {
    out.fill(0, at, at + m);
    return;
  }
  if (width <= 24) {
    // Each value from the 32-bit little-endian word at its first byte: its bit offset in that
    // byte (≤ 7) plus its width (≤ 24) fit, and no branch depends on the data. About twice as
    // fast as shifting bytes into an accumulator, whose refill branch mispredicts. The last
    // values, within 3 bytes of the end of `bytes`, are assembled from the bytes there are.
    const mask = (1 << width) - 1;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const wordEnd = bytes.length - 3;
    let i = 0;
    let bit = pos * 8;
    for (; i < m; i++, bit += width) {
      const b = bit >>> 3;
      if (b >= wordEnd) break;
      out[at + i] = (view.getUint32(b, true) >>> (bit & 7)) & mask;
    }
    for (; i < m; i++, bit += width) {
      const b = bit >>> 3;
      let word = 0;
      for (let k = 0; k < 4 && b + k < bytes.length; k++) word |= (bytes[b + k] as number) << (8 * k);
      out[at + i] = (word >>> (bit & 7)) & mask;
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    let bit = i * width;
    let v = 0;
    for (let got = 0; got < width;) {
      const byte = bytes[pos + (bit >> 3)] ?? 0;
      const offset = bit & 7;
      const take = Math.min(8 - offset, width - got);
      v += ((byte >> offset) & ((1 << take) - 1)) * 2 ** got;
      got += take;
      bit += take;
    }
    out[at + i] = v;
  }
}

function readBitPackedBooleans(bytes: Uint8Array, pos: number, count: number): Uint8Array {
  if (pos + Math.ceil(count / 8) > bytes.length) throw new Error('boolean values: the page ends early');
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = ((bytes[pos + (i >> 3)] ?? 0) >> (i & 7)) & 1;
  return out;
}

function checkFixedWidth(
  type: string,
  typeLength: number | undefined,
  count: number,
  available: number,
): void {
  const width =
    type === 'INT32' || type === 'FLOAT'
      ? 4
      : type === 'INT64' || type === 'DOUBLE'
        ? 8
        : type === 'INT96'
          ? 12
          : type === 'FIXED_LEN_BYTE_ARRAY'
            ? (typeLength ?? 0)
            : 0;
  if (width > 0 && count * width > available)
    throw new Error(`${count} ${type} values need ${count * width} bytes, the page has ${available}`);
}

/**
 * Numeric page values as float64. 64-bit integers go through their two 32-bit halves rather
 * than one BigInt per value (little-endian, as on every platform Node runs on); the result is
 * the same correctly rounded double, written into `scratch(n)` when given (a data page's array).
 */
function toNumbers(
  values: DecodedArray,
  storage: NumberStorage,
  scratch?: (n: number) => Float64Array,
): Float64Array {
  if (values instanceof Float64Array) return values;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const n = values.length;
    const words = new Int32Array(values.buffer, values.byteOffset, n * 2);
    const out = scratch !== undefined ? scratch(n) : new Float64Array(n);
    if (storage === 'unsigned' || values instanceof BigUint64Array) {
      for (let i = 0; i < n; i++)
        out[i] = ((words[2 * i + 1] ?? 0) >>> 0) * 4294967296 + ((words[2 * i] ?? 0) >>> 0);
    } else {
      for (let i = 0; i < n; i++) out[i] = (words[2 * i + 1] ?? 0) * 4294967296 + ((words[2 * i] ?? 0) >>> 0);
    }
    return out;
  }
  if (values instanceof Int32Array && storage === 'unsigned') {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = (values[i] ?? 0) >>> 0;
    return out;
  }
  if (ArrayBuffer.isView(values)) return Float64Array.from(values as ArrayLike<number>);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (storage === 'float16' && v instanceof Uint8Array) out[i] = halfFloat(v);
    else if (typeof v === 'number' || typeof v === 'bigint') out[i] = Number(v);
    else throw new Error('unexpected numeric value');
  }
  return out;
}

/** An IEEE 754 half-precision float from its two little-endian bytes. */
function halfFloat(bytes: Uint8Array): number {
  const bits = ((bytes[1] ?? 0) << 8) | (bytes[0] ?? 0);
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
