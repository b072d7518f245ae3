import { snappyCompress, snappyUncompress } from 'hysnappy';

import { snappyDecode, snappyDecodedLength } from '../../src/data/readers/snappy-block';

/** Deterministic bytes: `kind` picks incompressible noise, short repeats, or text-like runs. */
function sample(kind: 'noise' | 'repeats' | 'text', n: number, seed: number): Uint8Array {
  let x = seed;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 24;
  };
  const out = new Uint8Array(n);
  if (kind === 'noise') for (let i = 0; i < n; i++) out[i] = next();
  else if (kind === 'repeats') for (let i = 0; i < n; i++) out[i] = i % 3 === 0 ? next() % 4 : 7;
  else {
    const words = ['region_1', 'u000123', 'US', 'mobile', 'active', 'segment_b'];
    let i = 0;
    while (i < n) for (const ch of words[next() % words.length] ?? '') if (i < n) out[i++] = ch.charCodeAt(0);
  }
  return out;
}

function decode(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(snappyDecodedLength(block));
  snappyDecode(block, out);
  return out;
}

describe('snappyDecode', () => {
  it.each([
    ['noise', 0],
    ['noise', 1],
    ['noise', 100_000],
    ['repeats', 70_000],
    ['text', 200_000],
    ['text', 23],
  ] as const)('decodes what a snappy compressor wrote: %s, %i bytes', (kind, n) => {
    const data = sample(kind, n, n + 1);
    const block = snappyCompress(data);
    expect(Buffer.from(decode(block)).equals(Buffer.from(data))).toBe(true);
    // The same bytes as the wasm decoder the reader falls back on.
    expect(Buffer.from(decode(block)).equals(Buffer.from(snappyUncompress(block, n)))).toBe(true);
  });

  it('decodes literals with inline, 1- and 2-byte lengths and copies with 1-, 2- and 4-byte offsets', () => {
    const block = Uint8Array.from([
      ...[0x80, 0x03], // preamble: 384 bytes
      ...[0x0c, 97, 98, 99, 100], // literal "abcd"
      ...[0x01, 4], // copy, 1-byte offset: 4 bytes from 4 back
      ...[0x1e, 8, 0], // copy, 2-byte offset: 8 bytes from 8 back
      ...[0x07, 16, 0, 0, 0], // copy, 4-byte offset: 2 bytes from 16 back
      ...[0xf0, 59, ...new Array<number>(60).fill(122)], // literal of 60 'z', 1-byte length
      ...[0x09, 1], // copy, 1-byte offset 1: 6 bytes repeating the last one
      ...[0xf4, 0x2b, 0x01, ...new Array<number>(300).fill(113)], // literal of 300 'q', 2-byte length
    ]);
    const text = 'abcd'.repeat(4) + 'ab' + 'z'.repeat(66) + 'q'.repeat(300);
    expect(Buffer.from(decode(block)).toString('latin1')).toBe(text);
  });

  it('rejects corrupt blocks with an Error, never reading or writing out of bounds', () => {
    const good = snappyCompress(sample('text', 5_000, 3));
    const out = new Uint8Array(5_000);
    expect(() => snappyDecode(good, new Uint8Array(4_999))).toThrow('the page header says 4999');
    expect(() => snappyDecode(good.subarray(0, good.length - 3), out)).toThrow(/snappy: /);
    expect(() => snappyDecode(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), out)).toThrow(
      'snappy: invalid length preamble',
    );
    expect(() => snappyDecode(Uint8Array.from([8, 0x01, 9, 0, 0, 0]), new Uint8Array(8))).toThrow(
      'snappy: copy offset 9 at output byte 0',
    );
    // Random damage: an Error with a snappy message or (rarely) other bytes, never anything else.
    let x = 7;
    for (let trial = 0; trial < 300; trial++) {
      const bad = good.slice();
      for (let k = 0; k < 3; k++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        bad[x % bad.length] = x >>> 24;
      }
      try {
        snappyDecode(bad, out);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(/^snappy: /);
      }
    }
  });
});
