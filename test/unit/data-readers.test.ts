import { symlinkSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import {
  Bool,
  Dictionary,
  Float16,
  Float64,
  Int32,
  Int64,
  Int8,
  Table,
  Uint64,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { Dictionary as DictionaryType } from 'apache-arrow';

import { DataUnusableError } from '../../src/core/errors';
import { poolRecordBatchBodies } from '../../src/data/readers/arrow-body-pool';
import { arrowColumnBatch } from '../../src/data/readers/arrow-columns';
import { openDataset } from '../../src/data/readers/open-dataset';
import type { ColumnBatch, DataBatch } from '../../src/data/readers/types';
import { Utf8Interner } from '../../src/data/readers/utf8-interner';
import { makeTable, makeTempDir, readAll, writeArrow, writeText } from '../fixtures/data/arrow-fixtures';

const tmp = makeTempDir();
const roots = [tmp.dir];
afterAll(() => tmp.cleanup());

/** A column's values across batches, with null for nulls. */
function columnValues(batches: DataBatch[], name: string): unknown[] {
  const out: unknown[] = [];
  for (const b of batches) {
    const c: ColumnBatch | undefined = b.columns.get(name);
    if (!c) throw new Error(`no column ${name}`);
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

async function expectUnusable(p: Promise<unknown>, message: string): Promise<void> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataUnusableError);
  expect((err as Error).message).toBe(message);
}

const table = () =>
  makeTable(
    {
      id: { type: new Int64(), values: [1n, 2n, 3n, 4n, 5n] },
      x: { type: new Float64(), values: [0.5, null, NaN, Infinity, -2] },
      h: { type: new Float16(), values: [1.5, null, 2, 3, 4] },
      n: { type: new Int8(), values: [1, 2, null, 4, 5] },
      s: { type: new Utf8(), values: ['a', null, 'c', 'd', 'e'] },
      b: { type: new Bool(), values: [true, false, null, true, false] },
    },
    [2, 3],
  );

describe('Arrow reader', () => {
  it.each(['file', 'stream'] as const)(
    'reads the %s format batch by batch with schema, typed values and nulls',
    async (format) => {
      const path = writeArrow(tmp.path(`typed-${format}.arrow`), table(), format);
      const reader = await openDataset(path, { allowedRoots: roots });
      expect(reader.path).toBe(path);
      expect(reader.schema()).toEqual({
        format: format === 'file' ? 'arrow-file' : 'arrow-stream',
        columns: [
          { name: 'id', kind: 'number', sourceType: 'Int64', integer: true },
          { name: 'x', kind: 'number', sourceType: 'Float64', integer: false },
          { name: 'h', kind: 'number', sourceType: 'Float16', integer: false },
          { name: 'n', kind: 'number', sourceType: 'Int8', integer: true },
          { name: 's', kind: 'string', sourceType: 'Utf8', integer: false },
          { name: 'b', kind: 'boolean', sourceType: 'Bool', integer: false },
        ],
      });
      const batches = await readAll(reader);
      expect(batches.map((b) => [b.rowOffset, b.numRows])).toEqual([
        [0, 2],
        [2, 3],
      ]);
      expect(columnValues(batches, 'id')).toEqual([1, 2, 3, 4, 5]);
      expect(columnValues(batches, 'x')).toEqual([0.5, null, NaN, Infinity, -2]);
      expect(columnValues(batches, 'h')).toEqual([1.5, null, 2, 3, 4]);
      expect(columnValues(batches, 'n')).toEqual([1, 2, null, 4, 5]);
      expect(columnValues(batches, 's')).toEqual(['a', null, 'c', 'd', 'e']);
      expect(columnValues(batches, 'b')).toEqual([true, false, null, true, false]);
      expect(batches[1]?.columns.get('n')?.nullCount).toBe(1);
    },
  );

  it('decodes dictionary-encoded strings (one batch in a file; replaced per batch in a stream)', async () => {
    const dict = (sizes: number[]) =>
      makeTable(
        { d: { type: new Dictionary(new Utf8(), new Int32()), values: ['p', 'q', 'p', null, 'r'] } },
        sizes,
      );
    const cases: Array<[string, 'file' | 'stream', number[]]> = [
      ['dict.arrow', 'file', [5]],
      ['dict-stream.arrow', 'stream', [2, 3]],
    ];
    for (const [name, format, sizes] of cases) {
      const reader = await openDataset(writeArrow(tmp.path(name), dict(sizes), format), {
        allowedRoots: roots,
      });
      expect(reader.schema().columns).toEqual([
        {
          name: 'd',
          kind: 'string',
          sourceType: 'Dictionary<Int32, Utf8>',
          integer: false,
          dictionaryEncoded: true,
        },
      ]);
      expect(columnValues(await readAll(reader), 'd')).toEqual(['p', 'q', 'p', null, 'r']);
    }
  });

  it('reuses one buffer for the record batches of a file, dictionaries apart; streams not', async () => {
    const x = [0.5, 1.5, -2, 3.25, 4, 5.5, 6, -7.75, 8];
    const d = ['p', 'q', 'p', null, 'r', 'q', 'p', 'r', null];
    // Three record batches sharing one dictionary (the file format cannot replace one).
    const [whole] = makeTable({
      x: { type: new Float64(), values: x },
      d: { type: new Dictionary(new Utf8(), new Int32()), values: d },
    }).batches;
    if (whole === undefined) throw new Error('no batch');
    const t = new Table([whole.slice(0, 3), whole.slice(3, 6), whole.slice(6)]);
    for (const format of ['file', 'stream'] as const) {
      const reader = await openDataset(writeArrow(tmp.path(`pooled-${format}.arrow`), t, format), {
        allowedRoots: roots,
      });
      const buffers: ArrayBufferLike[] = [];
      const seen: unknown[][] = [];
      for await (const batch of reader.batches()) {
        const c = batch.columns.get('x');
        if (c?.kind !== 'number') throw new Error('x is not numeric');
        buffers.push(c.values.buffer);
        // Read while the batch is current, as the validator does.
        seen.push(columnValues([batch], 'x'), columnValues([batch], 'd'));
      }
      await reader.close();
      expect(seen).toEqual([
        x.slice(0, 3),
        d.slice(0, 3),
        x.slice(3, 6),
        d.slice(3, 6),
        x.slice(6),
        d.slice(6),
      ]);
      // File: one buffer, replaced only when a body outgrows it; stream: a buffer per batch.
      if (format === 'file') expect(new Set(buffers).size).toBeLessThan(3);
      else expect(new Set(buffers).size).toBe(3);
    }
  });

  it('does not pool when Arrow JS internals are not the expected ones', () => {
    expect(poolRecordBatchBodies({})).toBe(false);
    expect(poolRecordBatchBodies({ isFile: () => true, _impl: { _reader: {} } })).toBe(false);
  });

  it('hands out dictionary codes for Dictionary<*, Utf8> columns, aligned in sliced batches', async () => {
    const values = ['p', 'q', 'p', null, 'r', 'q', null, 'r', 'p'];
    const cases: Array<[string, 'file' | 'stream', number[], DictionaryType]> = [
      ['codes.arrow', 'file', [9], new Dictionary(new Utf8(), new Int32())],
      ['codes-int8.arrow', 'file', [9], new Dictionary(new Utf8(), new Int8())],
      ['codes-stream.arrow', 'stream', [4, 5], new Dictionary(new Utf8(), new Int32())],
    ];
    for (const [name, format, sizes, type] of cases) {
      const path = writeArrow(tmp.path(name), makeTable({ d: { type, values } }, sizes), format);
      // batchRows 2 slices every record batch, so the index buffer is read at an offset.
      const batches = await readAll(await openDataset(path, { allowedRoots: roots, batchRows: 2 }));
      const decoded: unknown[] = [];
      for (const b of batches) {
        const c = b.columns.get('d');
        if (c?.kind !== 'string' || !c.codes || !c.dictionary) throw new Error(`${name}: expected codes`);
        expect(c.codes).toHaveLength(b.numRows);
        for (let i = 0; i < c.length; i++) {
          const code = c.codes[i] ?? -1;
          expect([name, code < 0]).toEqual([name, c.nulls[i] === 1]);
          decoded.push(code < 0 ? null : c.dictionary[code]);
        }
      }
      expect([name, decoded]).toEqual([name, values]);
      // `values` still works, decoded from the codes on first access.
      expect([name, columnValues(batches, 'd')]).toEqual([name, values]);
    }
  });

  it('hands out plain Utf8 columns as codes into a per-batch dictionary of distinct values', async () => {
    const words = ['b', 'a', null, 'b', 'ü日本', '', 'a', 'x'.repeat(100), null, 'ü日本', '', 'b'];
    const path = writeArrow(
      tmp.path('plain-utf8.arrow'),
      makeTable({ s: { type: new Utf8(), values: words } }, [7, 5]),
    );
    const batches = await readAll(await openDataset(path, { allowedRoots: roots, batchRows: 4 }));
    expect(columnValues(batches, 's')).toEqual(words);
    for (const b of batches) {
      const c = b.columns.get('s') as unknown as {
        dictionary: string[];
        codes: Int32Array;
        nulls: Uint8Array;
      };
      expect(new Set(c.dictionary).size).toBe(c.dictionary.length);
      const decoded = Array.from(c.codes, (code, i) => (c.nulls[i] === 1 ? null : c.dictionary[code]));
      expect(decoded).toEqual(words.slice(b.rowOffset, b.rowOffset + b.numRows));
    }
  });

  it('hands out a plain Utf8 column with many values as codes that are the value ids', async () => {
    // 6,000-row batches of 5,000 distinct values: the first batch has a dictionary of its own,
    // the next ones (5,000 values held) use the ids as codes, into a dictionary of every value.
    const words = Array.from({ length: 18_000 }, (_, i) => (i % 13 === 0 ? null : `k${(i * 7919) % 5000}`));
    const path = writeArrow(
      tmp.path('ids-as-codes.arrow'),
      makeTable({ s: { type: new Utf8(), values: words } }, [6000, 6000, 6000]),
    );
    const batches = await readAll(await openDataset(path, { allowedRoots: roots }));
    expect(columnValues(batches, 's')).toEqual(words);
    const identity = batches.map((b) => {
      const c = b.columns.get('s');
      return c?.kind === 'string' && c.dictionaryIds?.identity === true;
    });
    expect(identity).toEqual([false, true, true]);
    const last = batches[2]?.columns.get('s');
    if (last?.kind !== 'string' || !last.dictionary || !last.codes) throw new Error('expected codes');
    expect(new Set(last.dictionary).size).toBe(5000);
  });

  it('falls back to a batch dictionary when a full interner cannot take a new value', () => {
    const interner = new Utf8Interner({ limits: { entries: 5000, bytes: 1 << 20 } });
    const first = Array.from({ length: 6000 }, (_, i) => `a${i}`);
    const second = Array.from({ length: 6000 }, (_, i) => (i % 2 === 0 ? `a${i}` : `b${i}`));
    const decode = (values: string[]) => {
      const vector = vectorFromArray(values, new Utf8());
      const c = arrowColumnBatch('string', vector, interner);
      if (c.kind !== 'string') throw new Error('not a string batch');
      return { values: [...c.values], identity: c.dictionaryIds?.identity === true };
    };
    expect(decode(first)).toEqual({ values: first, identity: false });
    // 5,000 values held: identity would be chosen, but half the values are new to a full interner.
    expect(interner.prefersIdentity(6000)).toBe(true);
    expect(decode(second)).toEqual({ values: second, identity: false });
    // Values it holds still come out with ids as codes.
    expect(decode(first.slice(0, 5000))).toEqual({ values: first.slice(0, 5000), identity: true });
  });

  it('slices record batches larger than batchRows, keeping values and nulls aligned', async () => {
    const path = writeArrow(tmp.path('sliced.arrow'), table());
    const batches = await readAll(await openDataset(path, { allowedRoots: roots, batchRows: 2 }));
    expect(batches.map((b) => [b.rowOffset, b.numRows])).toEqual([
      [0, 2],
      [2, 2],
      [4, 1],
    ]);
    expect(columnValues(batches, 'x')).toEqual([0.5, null, NaN, Infinity, -2]);
    expect(columnValues(batches, 'n')).toEqual([1, 2, null, 4, 5]);
    expect(columnValues(batches, 'b')).toEqual([true, false, null, true, false]);
  });

  it('converts Int64 and Uint64 to the nearest double, as Number(bigint), also in sliced batches', async () => {
    const signed = [
      0n,
      -1n,
      1n,
      2n ** 53n + 1n,
      2n ** 53n + 3n,
      -(2n ** 63n),
      2n ** 63n - 1n,
      null,
      -(2n ** 32n) - 7n,
    ];
    const unsigned = [
      0n,
      1n,
      2n ** 64n - 1n,
      2n ** 32n,
      null,
      2n ** 63n + 2049n,
      4294967295n,
      7n,
      2n ** 53n + 1n,
    ];
    const path = writeArrow(
      tmp.path('int64.arrow'),
      makeTable(
        { i: { type: new Int64(), values: signed }, u: { type: new Uint64(), values: unsigned } },
        [4, 5],
      ),
    );
    const batches = await readAll(await openDataset(path, { allowedRoots: roots, batchRows: 3 }));
    const asNumbers = (xs: Array<bigint | null>) => xs.map((x) => (x === null ? null : Number(x)));
    expect(columnValues(batches, 'i')).toEqual(asNumbers(signed));
    expect(columnValues(batches, 'u')).toEqual(asNumbers(unsigned));

    // Read as handed out: each column's converted values and nulls reuse one array from batch
    // to batch, with 0 (not an earlier batch's value) at null rows.
    const arrays = new Set<ArrayBufferLike>();
    const raw: Array<[number, number]> = [];
    const reader = await openDataset(path, { allowedRoots: roots, batchRows: 3 });
    for await (const b of reader.batches()) {
      const c = b.columns.get('i');
      if (c?.kind !== 'number') throw new Error('expected numbers for i');
      arrays.add(c.values.buffer);
      for (let i = 0; i < c.length; i++) raw.push([c.nulls[i] ?? -1, c.values[i] ?? NaN]);
    }
    await reader.close();
    expect(arrays.size).toBe(1);
    expect(raw).toEqual(signed.map((x) => (x === null ? [1, 0] : [0, Number(x)])));
  });

  it('accepts file:// URIs and .feather / .ipc extensions', async () => {
    const feather = writeArrow(tmp.path('t.feather'), table());
    const ipc = writeArrow(tmp.path('t.ipc'), table(), 'stream');
    for (const p of [pathToFileURL(feather).href, ipc]) {
      const batches = await readAll(await openDataset(p, { allowedRoots: roots }));
      expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(5);
    }
  });

  it('reads a file without a known extension when it starts with ARROW1', async () => {
    const path = writeArrow(tmp.path('blob'), table());
    const reader = await openDataset(path, { allowedRoots: roots });
    expect(reader.schema().format).toBe('arrow-file');
    await reader.close();
  });
});

describe('CSV reader', () => {
  const csv =
    'i,f,b,s,z,e\n1,1.5,true,x,01234,\n-2,nan,FALSE,,00042,\n3,,true,"a,b",7,\n4,-inf,false,y,8,\n5,1e3,,z,9,\n';

  it('infers integer, number, boolean, string and all-null columns; empty field is null', async () => {
    const path = writeText(tmp.path('infer.csv'), csv);
    const reader = await openDataset(path, { allowedRoots: roots });
    expect(reader.schema()).toEqual({
      format: 'csv',
      columns: [
        { name: 'i', kind: 'number', sourceType: 'integer', integer: true },
        { name: 'f', kind: 'number', sourceType: 'number', integer: false },
        { name: 'b', kind: 'boolean', sourceType: 'boolean', integer: false },
        { name: 's', kind: 'string', sourceType: 'string', integer: false },
        { name: 'z', kind: 'number', sourceType: 'integer', integer: true },
        { name: 'e', kind: 'null', sourceType: 'null', integer: false },
      ],
    });
    const batches = await readAll(reader);
    expect(columnValues(batches, 'i')).toEqual([1, -2, 3, 4, 5]);
    expect(columnValues(batches, 'f')).toEqual([1.5, NaN, null, -Infinity, 1000]);
    expect(columnValues(batches, 'b')).toEqual([true, false, true, false, null]);
    expect(columnValues(batches, 's')).toEqual(['x', null, 'a,b', 'y', 'z']);
    expect(columnValues(batches, 'e')).toEqual(['?', '?', '?', '?', '?'].map(() => null));
  });

  it('reads stringColumns as strings without inference, and batches by batchRows', async () => {
    const path = writeText(tmp.path('hint.csv'), csv);
    const reader = await openDataset(path, { allowedRoots: roots, stringColumns: ['z'], batchRows: 2 });
    expect(reader.schema().columns[4]).toEqual({
      name: 'z',
      kind: 'string',
      sourceType: 'string',
      integer: false,
    });
    const batches = await readAll(reader);
    expect(batches.map((b) => [b.rowOffset, b.numRows])).toEqual([
      [0, 2],
      [2, 2],
      [4, 1],
    ]);
    expect(columnValues(batches, 'z')).toEqual(['01234', '00042', '7', '8', '9']);
  });

  it('strips a UTF-8 BOM and reads non-ASCII text', async () => {
    const path = writeText(tmp.path('bom.csv'), '\ufeffname,n\nZürich,1\n東京,2\n');
    const batches = await readAll(await openDataset(path, { allowedRoots: roots }));
    expect(columnValues(batches, 'name')).toEqual(['Zürich', '東京']);
  });

  it('reads a header-only file as zero rows', async () => {
    const path = writeText(tmp.path('header-only.csv'), 'a,b\n');
    const reader = await openDataset(path, { allowedRoots: roots });
    expect(reader.schema().columns.map((c) => c.kind)).toEqual(['null', 'null']);
    expect(await readAll(reader)).toEqual([]);
  });
});

describe('unusable inputs throw DataUnusableError naming the file', () => {
  it('missing file', async () => {
    const path = tmp.path('nope.arrow');
    await expectUnusable(
      openDataset(path, { allowedRoots: roots }),
      `cannot read dataset ${path}: file not found`,
    );
  });

  it('empty file (Arrow and CSV)', async () => {
    for (const name of ['empty.arrow', 'empty.csv']) {
      const path = writeText(tmp.path(name), '');
      await expectUnusable(
        openDataset(path, { allowedRoots: roots }),
        `cannot read dataset ${path}: empty file (0 bytes)`,
      );
    }
  });

  it('path outside every allowed root, also through a symlink', async () => {
    const other = makeTempDir('mlcd-outside-');
    try {
      const outside = writeArrow(other.path('t.arrow'), table());
      await expectUnusable(
        openDataset(outside, { allowedRoots: roots }),
        `cannot read dataset ${outside}: path is outside the allowed data roots (${tmp.dir})`,
      );
      const link = tmp.path('link.arrow');
      symlinkSync(outside, link);
      await expectUnusable(
        openDataset(link, { allowedRoots: roots }),
        `cannot read dataset ${link} (-> ${outside}): path is outside the allowed data roots (${tmp.dir})`,
      );
      await expectUnusable(
        openDataset(other.path('missing.arrow'), { allowedRoots: roots }),
        `cannot read dataset ${other.path('missing.arrow')}: path is outside the allowed data roots (${tmp.dir})`,
      );
      await expectUnusable(
        openDataset(tmp.path('x/../../escape.arrow'), { allowedRoots: [tmp.path('x')] }),
        `cannot read dataset ${tmp.path('../escape.arrow')}: path is outside the allowed data roots (${tmp.path('x')})`,
      );
    } finally {
      other.cleanup();
    }
  });

  it('truncated Arrow file (cut in half)', async () => {
    const bytes = readFileSync(writeArrow(tmp.path('whole.arrow'), table()));
    const path = writeText(tmp.path('half.arrow'), bytes.subarray(0, bytes.length >> 1));
    await expectUnusable(
      openDataset(path, { allowedRoots: roots }),
      `cannot read dataset ${path}: truncated Arrow IPC file: it starts with the ARROW1 magic but does not end with it (${bytes.length >> 1} bytes)`,
    );
  });

  it('truncated Arrow stream (cut in half, or just its end-of-stream marker)', async () => {
    const bytes = readFileSync(writeArrow(tmp.path('whole-stream.arrow'), table(), 'stream'));
    for (const cut of [bytes.length >> 1, bytes.length - 8]) {
      const path = writeText(tmp.path(`cut-${cut}.arrow`), bytes.subarray(0, cut));
      await expectUnusable(
        openDataset(path, { allowedRoots: roots }),
        `cannot read dataset ${path}: not a complete Arrow IPC file or stream: no ARROW1 magic at the start and no end-of-stream marker at the end (${cut} bytes; truncated, or not Arrow)`,
      );
    }
  });

  it('garbage bytes', async () => {
    const path = writeText(tmp.path('garbage.arrow'), 'this is not an arrow file at all, just text\n');
    await expectUnusable(
      openDataset(path, { allowedRoots: roots }),
      `cannot read dataset ${path}: not a complete Arrow IPC file or stream: no ARROW1 magic at the start and no end-of-stream marker at the end (44 bytes; truncated, or not Arrow)`,
    );
  });

  it('garbage bytes that happen to end like a stream are reported as corrupt, with the cause kept', async () => {
    const path = writeText(
      tmp.path('garbage-eos.arrow'),
      Buffer.concat([Buffer.from('junkjunkjunk'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]),
    );
    const err: unknown = await openDataset(path, { allowedRoots: roots }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataUnusableError);
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot read dataset ${path}: corrupt Arrow IPC stream: .+`),
    );
    expect((err as Error).cause).toBeInstanceOf(Error);
  });

  it('a mid-body corruption surfaces from the batch iteration as DataUnusableError', async () => {
    const bytes = Buffer.from(readFileSync(writeArrow(tmp.path('ok-stream.arrow'), table(), 'stream')));
    // Overwrite the second record batch's metadata length with a huge value: schema and batch 1 read fine.
    const marker = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const positions: number[] = [];
    for (let i = bytes.indexOf(marker); i >= 0; i = bytes.indexOf(marker, i + 1)) positions.push(i);
    // messages: schema, batch 1, batch 2, EOS
    const second = positions[2];
    if (second === undefined) throw new Error('unexpected stream layout');
    bytes.writeInt32LE(0x7ffffff0, second + 4);
    const path = writeText(tmp.path('corrupt-mid.arrow'), bytes);
    const reader = await openDataset(path, { allowedRoots: roots });
    const err: unknown = await readAll(reader).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataUnusableError);
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot read dataset ${path}: corrupt Arrow IPC stream after row 2: `),
    );
  });

  it('Feather V1', async () => {
    const path = writeText(tmp.path('old.feather'), 'FEA1 some old feather bytes FEA1');
    await expectUnusable(
      openDataset(path, { allowedRoots: roots }),
      `cannot read dataset ${path}: Feather V1 files are not supported; rewrite as Feather V2 / Arrow IPC (pyarrow.feather.write_feather(version=2))`,
    );
  });

  it('CSV with a ragged row names the row and line', async () => {
    const path = writeText(tmp.path('ragged.csv'), 'a,b,c\n1,2,3\n4,5,6\n7,8\n9,10,11\n');
    await expectUnusable(
      openDataset(path, { allowedRoots: roots }),
      `cannot read dataset ${path}: ragged row: row 2 (line 4) has 2 fields, the header has 3`,
    );
  });

  it('CSV with invalid UTF-8 names the row, line and field', async () => {
    const path = writeText(
      tmp.path('bad-utf8.csv'),
      Buffer.concat([Buffer.from('a,b\nx,y\nok,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
    );
    await expectUnusable(
      openDataset(path, { allowedRoots: roots }),
      `cannot read dataset ${path}: invalid UTF-8 in row 1 (line 3), field 2`,
    );
  });

  it('CSV with an unclosed quote names the line', async () => {
    const path = writeText(tmp.path('quote.csv'), 'a,b\n1,"open\n2,3\n');
    const err: unknown = await openDataset(path, { allowedRoots: roots }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataUnusableError);
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot read dataset ${path}: malformed CSV at line \\d+: .*quote`, 'i'),
    );
  });

  it('CSV with a duplicate header name', async () => {
    const path = writeText(tmp.path('dup.csv'), 'a,b,a\n1,2,3\n');
    await expectUnusable(
      openDataset(path, { allowedRoots: roots }),
      `cannot read dataset ${path}: duplicate column name "a" in the header`,
    );
  });

  it('unsupported extension and URI scheme', async () => {
    const path = writeText(tmp.path('data.json'), '{}');
    await expectUnusable(
      openDataset(path, { allowedRoots: roots }),
      `cannot read dataset ${path}: unsupported file type .json; expected one of .arrow, .feather, .ipc, .arrows, .csv, .parquet, .pq`,
    );
    await expectUnusable(
      openDataset('s3://bucket/train.arrow', { allowedRoots: roots }),
      'cannot read dataset s3://bucket/train.arrow: unsupported URI scheme s3: only local paths and file:// URIs are read',
    );
  });

  it('a directory', async () => {
    await expectUnusable(
      openDataset(tmp.dir, { allowedRoots: roots }),
      `cannot read dataset ${tmp.dir}: not a regular file`,
    );
  });
});
