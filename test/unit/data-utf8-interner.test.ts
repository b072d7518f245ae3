import { NOT_INTERNED, Utf8Interner } from '../../src/data/readers/utf8-interner';

const encoder = new TextEncoder();

/** Values as one UTF-8 buffer with offsets, as an Arrow Utf8 column holds them. */
function column(values: readonly string[]): { bytes: Uint8Array; offsets: number[] } {
  const parts = values.map((v) => encoder.encode(v));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const offsets = [0];
  for (const p of parts) {
    bytes.set(p, offsets[offsets.length - 1]);
    offsets.push((offsets[offsets.length - 1] as number) + p.length);
  }
  return { bytes, offsets };
}

/** Codes every value in batches of `size`; returns the decoded values and the dictionaries. */
function roundTrip(interner: Utf8Interner, values: readonly string[], size: number) {
  const { bytes, offsets } = column(values);
  const decoded: string[] = [];
  const dictionaries: string[][] = [];
  for (let start = 0; start < values.length; start += size) {
    interner.beginBatch();
    const codes: number[] = [];
    for (let i = start; i < Math.min(values.length, start + size); i++) {
      codes.push(interner.code(bytes, offsets[i] as number, offsets[i + 1] as number));
    }
    const { dictionary } = interner.finishBatch();
    for (const c of codes) decoded.push(dictionary[c] as string);
    dictionaries.push(dictionary);
  }
  return { decoded, dictionaries };
}

describe('Utf8Interner', () => {
  it('decodes ASCII, multi-byte, empty and long values exactly, each batch with a distinct-value dictionary', () => {
    const values: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const k = (i * 7919) % 3001;
      values.push(
        k % 5 === 0 ? `ü${k}日本` : k % 7 === 0 ? '' : k % 11 === 0 ? `long-${'x'.repeat(60)}-${k}` : `u${k}`,
      );
    }
    const { decoded, dictionaries } = roundTrip(new Utf8Interner(), values, 4096);
    expect(decoded).toEqual(values);
    for (const d of dictionaries) expect(new Set(d).size).toBe(d.length);
  });

  it('keeps every entry id through the table growing from 1k to 128k slots, short and long values alike', () => {
    const interner = new Utf8Interner();
    const values = Array.from({ length: 60_000 }, (_, i) =>
      i % 3 === 0 ? `a-rather-long-value-${i}` : i % 3 === 1 ? `u${i}` : `ab${i}\u0000`,
    );
    const { bytes, offsets } = column(values);
    const first = values.map((_, i) =>
      interner.intern(bytes, offsets[i] as number, offsets[i + 1] as number),
    );
    expect(first).toEqual(values.map((_, i) => i));
    const again = values.map((_, i) =>
      interner.intern(bytes, offsets[i] as number, offsets[i + 1] as number),
    );
    expect(again).toEqual(first);
    expect(values.map((_, i) => interner.entryString(i))).toEqual(values);
  });

  it('keeps decoding correctly once full: values it holds are found, new ones decoded on their own', () => {
    const values = Array.from({ length: 5000 }, (_, i) => `v${(i * 31) % 1200}`);
    const small = new Utf8Interner({ limits: { entries: 100, bytes: 512 } });
    const { decoded } = roundTrip(small, values, 300);
    expect(decoded).toEqual(values);
    expect(small.intern(encoder.encode('v0'), 0, 2)).toBe(0);
    expect(small.intern(encoder.encode('v999'), 0, 4)).toBe(NOT_INTERNED);
  });

  it('in fatal mode throws on invalid UTF-8, short or long', () => {
    const interner = new Utf8Interner({ fatal: true });
    interner.beginBatch();
    expect(() => interner.code(Uint8Array.from([0x61, 0xff]), 0, 2)).toThrow('not valid');
    const long = new Uint8Array(100).fill(0x61);
    long[50] = 0xc3;
    expect(() => interner.code(long, 0, 100)).toThrow('not valid');
  });

  it('tells apart values that pack alike: trailing zero bytes, 12 against 13 bytes, one byte past 12', () => {
    const values = [
      'a',
      'a\u0000',
      'a\u0000\u0000',
      'abcdefghijkl',
      'abcdefghijklm',
      'abcdefghijklz',
      '',
      '\u0000',
    ];
    const { decoded, dictionaries } = roundTrip(new Utf8Interner(), [...values, ...values], 100);
    expect(decoded).toEqual([...values, ...values]);
    expect(dictionaries[0]).toEqual(values);
  });

  it('tells apart values that differ in one byte and invalid UTF-8 decodes as TextDecoder does', () => {
    const interner = new Utf8Interner();
    const bytes = Uint8Array.from([0x61, 0x62, 0x61, 0x63, 0xff, 0x61]);
    interner.beginBatch();
    const ab = interner.code(bytes, 0, 2);
    const ac = interner.code(bytes, 2, 4);
    const bad = interner.code(bytes, 4, 6);
    const { dictionary } = interner.finishBatch();
    expect(ab).not.toBe(ac);
    expect([dictionary[ab], dictionary[ac]]).toEqual(['ab', 'ac']);
    expect(dictionary[bad]).toBe(new TextDecoder().decode(bytes.subarray(4, 6)));
  });
});
