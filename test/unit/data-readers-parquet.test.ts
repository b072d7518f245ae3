import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { pythonPath } from '../../src/config';
import { DataUnusableError } from '../../src/core/errors';
import { openDataset } from '../../src/data/readers/open-dataset';
import type { ColumnBatch, DataBatch } from '../../src/data/readers/types';
import { makeTempDir, readAll, writeText } from '../fixtures/data/arrow-fixtures';

/** What test/fixtures/data/parquet-fixtures.py prints: the table as pyarrow reads it back, and layout facts. */
interface Written {
  typed: Record<string, unknown[]>;
  rowGroups: Record<string, number[]>;
  chunks: Record<string, { start: number; dataPageOffset: number; size: number }>;
}

const tmp = makeTempDir('mlcd-parquet-');
const roots = [tmp.dir];
let written: Written;

beforeAll(() => {
  const script = join(__dirname, '..', 'fixtures', 'data', 'parquet-fixtures.py');
  written = JSON.parse(execFileSync(pythonPath(), [script, tmp.dir], { encoding: 'utf8' })) as Written;
});
afterAll(() => tmp.cleanup());

/** A column's values across batches: null for nulls, '?' for opaque values. */
function columnValues(batches: DataBatch[], name: string): unknown[] {
  const out: unknown[] = [];
  for (const b of batches) {
    const c: ColumnBatch | undefined = b.columns.get(name);
    if (!c) throw new Error(`no column ${name}`);
    expect(c.length).toBe(b.numRows);
    for (let i = 0; i < c.length; i++) {
      if (c.nulls[i] === 1) out.push(null);
      else if (c.kind === 'number') out.push(c.values[i]);
      else if (c.kind === 'string') out.push(c.values[i]);
      else if (c.kind === 'boolean') out.push(c.values[i] === 1);
      else out.push('?');
    }
  }
  return out;
}

/** pyarrow's values with the fixture script's encoding of non-finite floats undone. */
function expected(name: string): unknown[] {
  const values = written.typed[name];
  if (!values) throw new Error(`fixture has no column ${name}`);
  return values.map((v) =>
    v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v,
  );
}

async function unusable(p: Promise<unknown>): Promise<Error> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataUnusableError);
  return err as Error;
}

// s, ls and d are written dictionary-encoded (pyarrow's default), plain with use_dictionary off.
const TYPED_SCHEMA = [
  { name: 'i64', kind: 'number', sourceType: 'INT64', integer: true },
  { name: 'i32', kind: 'number', sourceType: 'INT32', integer: true },
  { name: 'i8', kind: 'number', sourceType: 'INT8', integer: true },
  { name: 'u32', kind: 'number', sourceType: 'UINT32', integer: true },
  { name: 'f64', kind: 'number', sourceType: 'DOUBLE', integer: false },
  { name: 'f32', kind: 'number', sourceType: 'FLOAT', integer: false },
  { name: 's', kind: 'string', sourceType: 'STRING', integer: false, dictionaryEncoded: true },
  { name: 'ls', kind: 'string', sourceType: 'STRING', integer: false, dictionaryEncoded: true },
  { name: 'd', kind: 'string', sourceType: 'STRING', integer: false, dictionaryEncoded: true },
  { name: 'plain', kind: 'string', sourceType: 'STRING', integer: false },
  { name: 'b', kind: 'boolean', sourceType: 'BOOLEAN', integer: false },
  { name: 'n', kind: 'null', sourceType: 'NULL', integer: false },
  { name: 'dec', kind: 'other', sourceType: 'DECIMAL(10,2)', integer: false },
  { name: 'ts', kind: 'other', sourceType: 'TIMESTAMP(MILLIS)', integer: false },
  { name: 'lst', kind: 'other', sourceType: 'LIST', integer: false },
];

describe('Parquet reader', () => {
  it.each(['typed-snappy', 'typed-zstd', 'typed-gzip-v2', 'uncompressed'])(
    'reads %s with the schema and values pyarrow wrote, splitting row groups by batchRows',
    async (name) => {
      const path = tmp.path(`${name}.parquet`);
      expect(written.rowGroups[name]).toEqual([4, 4, 2]);
      const reader = await openDataset(path, { allowedRoots: roots, batchRows: 3 });
      expect(reader.path).toBe(path);
      expect(reader.schema()).toEqual({ format: 'parquet', columns: TYPED_SCHEMA });
      const batches = await readAll(reader);
      // Row groups of 4, 4, 2 rows; batches of at most 3 never span a row group.
      expect(batches.map((b) => [b.rowOffset, b.numRows])).toEqual([
        [0, 3],
        [3, 1],
        [4, 3],
        [7, 1],
        [8, 2],
      ]);
      for (const column of ['i64', 'i32', 'i8', 'u32', 'f64', 'f32', 's', 'ls', 'd', 'plain', 'b', 'n'])
        expect([column, columnValues(batches, column)]).toEqual([column, expected(column)]);
      // -0 survives (toEqual tells 0 from -0).
      expect(Object.is(columnValues(batches, 'f64')[9], -0)).toBe(true);
      // Opaque columns: the null mask only; a null list is null, an empty list is not.
      for (const column of ['dec', 'ts', 'lst'])
        expect([column, columnValues(batches, column)]).toEqual([
          column,
          expected(column).map((v) => (v === null ? null : '?')),
        ]);
      expect(batches[0]?.columns.get('f64')?.nullCount).toBe(1);
      expect(batches[0]?.columns.get('n')?.nullCount).toBe(3);
    },
  );

  it('reads row groups larger than batchRows, many pages each, and a dictionary that overflows into plain pages', async () => {
    const path = tmp.path('many-pages.parquet');
    expect(written.rowGroups['many-pages']).toEqual([12_000, 12_000, 6_000]);
    const batches = await readAll(await openDataset(path, { allowedRoots: roots, batchRows: 5_000 }));
    expect(batches.map((b) => b.numRows)).toEqual([5_000, 5_000, 2_000, 5_000, 5_000, 2_000, 5_000, 1_000]);
    const rows = Array.from({ length: 30_000 }, (_, i) => i);
    expect(columnValues(batches, 'i')).toEqual(rows.map((i) => i * 3 - 7));
    expect(columnValues(batches, 'x')).toEqual(rows.map((i) => (i % 11 === 0 ? null : i / 8)));
    expect(columnValues(batches, 'k')).toEqual(rows.map((i) => (i % 13 === 0 ? null : `k${i % 37}`)));
    expect(columnValues(batches, 'id')).toEqual(rows.map((i) => `id${i}`));
    expect(columnValues(batches, 'flag')).toEqual(rows.map((i) => (i % 17 === 0 ? null : i % 3 === 0)));
    expect(columnValues(batches, 'r')).toEqual(
      rows.map((i) => (i % 7 === 0 ? null : ((i * 2654435761) % 2 ** 32) / 2 ** 32 + i)),
    );
    // The low-cardinality column is dictionary-encoded throughout: every batch has codes.
    for (const b of batches) expect(b.columns.get('k')).toHaveProperty('codes');
    // The overflowing one comes out as codes too, dictionary and plain pages alike, and a value
    // has one stable id in every batch and row group.
    const idOf = new Map<string, number>();
    let conflicts = 0;
    for (const b of batches) {
      const c = b.columns.get('id');
      if (c?.kind !== 'string' || !c.dictionary || !c.dictionaryIds)
        throw new Error('expected codes and ids for id');
      c.dictionary.forEach((v, code) => {
        const id = c.dictionaryIds?.ids[code] ?? -1;
        if (idOf.has(v) && idOf.get(v) !== id) conflicts++;
        idOf.set(v, id);
      });
    }
    expect(conflicts).toBe(0);
    expect(idOf.size).toBe(30_000);
  });

  it("reuses each column's batch arrays from batch to batch, with 0 (not an earlier value) at nulls", async () => {
    const reader = await openDataset(tmp.path('many-pages.parquet'), {
      allowedRoots: roots,
      batchRows: 5_000,
    });
    const seen = new Set<ArrayBufferLike>();
    let rowOffset = 0;
    for await (const b of reader.batches()) {
      const x = b.columns.get('x');
      if (x?.kind !== 'number') throw new Error('expected numbers for x');
      seen.add(x.values.buffer);
      for (let i = 0; i < x.length; i++) {
        const row = rowOffset + i;
        expect([row, x.nulls[i], x.values[i]]).toEqual(row % 11 === 0 ? [row, 1, 0] : [row, 0, row / 8]);
      }
      rowOffset += b.numRows;
    }
    await reader.close();
    expect(rowOffset).toBe(30_000);
    expect(seen.size).toBe(1);
  });

  it('hands out dictionary codes for dictionary-encoded string columns, -1 at nulls, values decoded lazily', async () => {
    // Read as handed out (not through readAll's copies), to see the lazy `values` getter: each
    // batch is checked before the next, whose arrays may reuse its own.
    const reader = await openDataset(tmp.path('typed-snappy.parquet'), { allowedRoots: roots, batchRows: 3 });
    const decoded: unknown[] = [];
    const plain: unknown[] = [];
    let firstDictionary: unknown;
    for await (const b of reader.batches()) {
      const c = b.columns.get('d');
      if (c?.kind !== 'string' || !c.codes || !c.dictionary) throw new Error('expected codes for column d');
      expect(Object.getOwnPropertyDescriptor(c, 'values')?.get).toBeInstanceOf(Function);
      expect(c.codes).toHaveLength(b.numRows);
      for (let i = 0; i < c.length; i++) {
        const code = c.codes[i] ?? -1;
        expect(code < 0).toBe(c.nulls[i] === 1);
        decoded.push(code < 0 ? null : c.dictionary[code]);
      }
      // The batches of one row group share the column chunk's dictionary.
      if (b.rowOffset === 0) firstDictionary = c.dictionary;
      if (b.rowOffset === 3) expect(c.dictionary).toBe(firstDictionary);
      // Written with use_dictionary off for this column: plain pages, read through the interner
      // into codes of a per-batch dictionary of distinct values.
      const p = b.columns.get('plain');
      if (p?.kind !== 'string' || !p.codes || !p.dictionary)
        throw new Error('expected codes for column plain');
      expect(new Set(p.dictionary).size).toBe(p.dictionary.length);
      for (let i = 0; i < p.length; i++) plain.push(p.nulls[i] === 1 ? null : p.dictionary[p.codes[i] ?? -1]);
    }
    await reader.close();
    expect(decoded).toEqual(expected('d'));
    expect(plain).toEqual(expected('plain'));
  });

  it('reads less common types and encodings: UINT64, FLOAT16, INT96, struct, map, REQUIRED, delta and byte-stream-split pages', async () => {
    const reader = await openDataset(tmp.path('exotic.parquet'), { allowedRoots: roots });
    expect(reader.schema().columns.map((c) => [c.name, c.kind, c.sourceType])).toEqual([
      ['u64', 'number', 'UINT64'],
      ['h', 'number', 'FLOAT16'],
      ['ts96', 'other', 'INT96'],
      ['st', 'other', 'STRUCT'],
      ['m', 'other', 'MAP'],
      ['bss', 'number', 'DOUBLE'],
      ['dbp', 'number', 'INT64'],
      ['dlba', 'string', 'STRING'],
      ['dba', 'string', 'STRING'],
      ['date', 'other', 'DATE'],
      ['fsb', 'other', 'FIXED_LEN_BYTE_ARRAY(2)'],
      ['req', 'number', 'INT32'],
    ]);
    const batches = await readAll(reader);
    expect(columnValues(batches, 'u64')).toEqual([0, 2 ** 64, null, 2 ** 63]);
    expect(columnValues(batches, 'h')).toEqual([1.5, null, -2, 65504]);
    expect(columnValues(batches, 'bss')).toEqual([1.25, null, 3.5, -0.5]);
    expect(columnValues(batches, 'dbp')).toEqual([10, null, 30, -40]);
    expect(columnValues(batches, 'dlba')).toEqual(['x', null, 'yy', 'zzz']);
    expect(columnValues(batches, 'dba')).toEqual(['abc', 'abd', null, 'abe']);
    expect(columnValues(batches, 'req')).toEqual([1, 2, 3, 4]);
    // Opaque: a null struct or map is null; an empty map, or a struct of nulls, is not.
    for (const column of ['ts96', 'st', 'm', 'date', 'fsb'])
      expect([column, columnValues(batches, column)]).toEqual([
        column,
        column === 'ts96' ? ['?', '?', null, '?'] : ['?', null, '?', '?'],
      ]);
  });

  it('reads a table without rows as a schema and no batches', async () => {
    const reader = await openDataset(tmp.path('empty-table.parquet'), { allowedRoots: roots });
    expect(reader.schema().columns.map((c) => c.kind)).toEqual(['number', 'string']);
    expect(await readAll(reader)).toEqual([]);
  });

  it('reads a file without a known extension when it starts with PAR1', async () => {
    const path = tmp.path('blob');
    copyFileSync(tmp.path('typed-snappy.parquet'), path);
    const reader = await openDataset(path, { allowedRoots: roots });
    expect(reader.schema().format).toBe('parquet');
    expect((await readAll(reader)).reduce((n, b) => n + b.numRows, 0)).toBe(10);
  });

  it('also takes the .pq extension', async () => {
    const path = tmp.path('t.pq');
    copyFileSync(tmp.path('typed-zstd.parquet'), path);
    expect(columnValues(await readAll(await openDataset(path, { allowedRoots: roots })), 's')).toEqual(
      expected('s'),
    );
  });
});

describe('unusable Parquet inputs throw DataUnusableError naming the file', () => {
  const whole = (): Buffer => readFileSync(tmp.path('typed-snappy.parquet'));

  it('empty file', async () => {
    const path = writeText(tmp.path('empty.parquet'), '');
    expect((await unusable(openDataset(path, { allowedRoots: roots }))).message).toBe(
      `cannot read dataset ${path}: empty file (0 bytes)`,
    );
  });

  it('truncated file: cut in the middle, or just its footer magic', async () => {
    const bytes = whole();
    for (const cut of [bytes.length >> 1, bytes.length - 4]) {
      const path = writeText(tmp.path(`cut-${cut}.parquet`), bytes.subarray(0, cut));
      expect((await unusable(openDataset(path, { allowedRoots: roots }))).message).toBe(
        `cannot read dataset ${path}: truncated Parquet file: it starts with the PAR1 magic but does not end with it (${cut} bytes)`,
      );
    }
  });

  it('a file that is not Parquet', async () => {
    const path = writeText(tmp.path('text.parquet'), 'id,value\n1,2\n');
    expect((await unusable(openDataset(path, { allowedRoots: roots }))).message).toBe(
      `cannot read dataset ${path}: not a Parquet file: it does not start with the PAR1 magic (13 bytes)`,
    );
  });

  it('a footer length beyond the file, and a corrupt footer', async () => {
    const bytes = Buffer.from(whole());
    const long = Buffer.from(bytes);
    long.writeUInt32LE(bytes.length, bytes.length - 8);
    const longPath = writeText(tmp.path('footer-long.parquet'), long);
    expect((await unusable(openDataset(longPath, { allowedRoots: roots }))).message).toBe(
      `cannot read dataset ${longPath}: corrupt Parquet footer: its length ${bytes.length} does not fit in the file (${bytes.length} bytes; truncated?)`,
    );
    const garbled = Buffer.from(bytes);
    const footerLength = bytes.readUInt32LE(bytes.length - 8);
    garbled.fill(0xee, bytes.length - 8 - footerLength, bytes.length - 8 - footerLength + 16);
    const garbledPath = writeText(tmp.path('footer-garbled.parquet'), garbled);
    const err = await unusable(openDataset(garbledPath, { allowedRoots: roots }));
    expect(err.message).toMatch(
      new RegExp(`^cannot read dataset ${garbledPath}: corrupt Parquet footer: .+`),
    );
    expect(err.cause).toBeDefined();
  });

  it('corrupt bytes in a column chunk surface from the iteration, naming the row group and column', async () => {
    const cases: Array<[string, string, Buffer, string]> = [];
    // The page header of column f64 in row group 0 overwritten.
    const header = Buffer.from(whole());
    const f64 = written.chunks.snappy_f64_rg0;
    if (!f64) throw new Error('fixture lacks chunk offsets');
    header.fill(0xff, f64.dataPageOffset, f64.dataPageOffset + 6);
    cases.push(['header.parquet', 'row group 0, column "f64" (rows 0..3)', header, 'unreadable page header']);
    // The end of that page's snappy-compressed body.
    const body = Buffer.from(whole());
    body.fill(0xff, f64.start + f64.size - 12, f64.start + f64.size);
    cases.push(['body.parquet', 'row group 0, column "f64" (rows 0..3)', body, 'page at byte']);
    // Uncompressed: dictionary indices of column d in row group 1 pointing past its dictionary.
    const raw = Buffer.from(readFileSync(tmp.path('uncompressed.parquet')));
    const d = written.chunks.uncompressed_d_rg1;
    if (!d) throw new Error('fixture lacks chunk offsets');
    raw.fill(0x7f, d.start + d.size - 3, d.start + d.size);
    cases.push(['indices.parquet', 'row group 1, column "d" (rows 4..7)', raw, '']);
    for (const [name, where, bytes, detail] of cases) {
      const path = writeText(tmp.path(name), bytes);
      const reader = await openDataset(path, { allowedRoots: roots });
      const err = await unusable(readAll(reader));
      expect([name, err.message]).toEqual([
        name,
        expect.stringMatching(
          new RegExp(`^cannot read dataset ${path}: corrupt Parquet data in ${escape(where)}: .*${detail}`),
        ),
      ]);
    }
  });

  it('random byte damage anywhere: a DataUnusableError or a clean read, never another error', async () => {
    // A fixed-seed linear congruential generator: the same damage on every run.
    let seed = 20_251_126;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const files = ['typed-snappy', 'typed-zstd', 'typed-gzip-v2', 'uncompressed'].map((f) =>
      readFileSync(tmp.path(`${f}.parquet`)),
    );
    const outcomes = { read: 0, unusable: 0 };
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(files[i % files.length] ?? Buffer.alloc(0));
      for (let k = 0; k < 1 + (i % 4); k++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const path = writeText(tmp.path('damaged.parquet'), bytes);
      try {
        await readAll(await openDataset(path, { allowedRoots: roots, batchRows: 3 }));
        outcomes.read++;
      } catch (err) {
        if (!(err instanceof DataUnusableError)) throw err;
        expect(err.message.startsWith(`cannot read dataset ${path}: `)).toBe(true);
        outcomes.unusable++;
      }
    }
    expect(outcomes.unusable).toBeGreaterThan(100);
  });

  it('a column chunk that lies outside the file', async () => {
    const bytes = Buffer.from(readFileSync(tmp.path('uncompressed.parquet')));
    // Drop the data of row group 0's first chunk by shifting the file: offsets in the footer no
    // longer match, which shows either as an out-of-range chunk or as corrupt pages.
    const i64 = written.chunks.uncompressed_i64_rg0;
    if (!i64) throw new Error('fixture lacks chunk offsets');
    const cut = Buffer.concat([bytes.subarray(0, 4), bytes.subarray(4 + i64.size)]);
    const path = writeText(tmp.path('shifted.parquet'), cut);
    const err = await unusable(openDataset(path, { allowedRoots: roots }).then(readAll));
    expect(err.message).toMatch(
      new RegExp(
        `^cannot read dataset ${path}: corrupt Parquet (footer|data in row group \\d+, column "\\w+")`,
      ),
    );
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
