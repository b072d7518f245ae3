import { readHybrid } from '../../src/data/readers/parquet-column-chunk';

/** ULEB128 of a run header. */
function varint(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n % 128;
    n = Math.floor(n / 128);
    if (n === 0) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A bit-packed run of `values` (a multiple of 8), least significant bit first, as the spec writes it. */
function bitPackedRun(values: number[], width: number): number[] {
  const bytes = new Array<number>((values.length * width) / 8).fill(0);
  values.forEach((v, i) => {
    for (let b = 0; b < width; b++) {
      if (Math.floor(v / 2 ** b) % 2 === 1) {
        const bit = i * width + b;
        bytes[bit >> 3] = (bytes[bit >> 3] as number) | (1 << (bit & 7));
      }
    }
  });
  return [...varint(((values.length / 8) << 1) | 1), ...bytes];
}

function rleRun(value: number, count: number, width: number): number[] {
  const out = varint(count << 1);
  for (let k = 0; k < (width + 7) >> 3; k++) out.push(Math.floor(value / 2 ** (8 * k)) % 256);
  return out;
}

/** A deterministic pseudo-random sequence below 2^width. */
function valuesBelow(width: number, n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return width === 0 ? 0 : Math.floor((x / 2 ** 32) * 2 ** width);
  });
}

describe('readHybrid (RLE / bit-packed hybrid decoding)', () => {
  it.each(Array.from({ length: 33 }, (_, w) => w))(
    'decodes bit-packed and RLE runs of width %i, up to the last byte of the buffer',
    (width) => {
      const packed = valuesBelow(width, 8 * 37, width + 1);
      const repeated = valuesBelow(width, 1, width + 99)[0] as number;
      const tail = valuesBelow(width, 16, width + 7);
      // Runs: bit-packed, RLE, and a bit-packed run that ends the buffer (its last values read
      // from fewer than four bytes).
      const bytes = Uint8Array.from([
        ...bitPackedRun(packed, width),
        ...rleRun(repeated, 5, width),
        ...bitPackedRun(tail, width),
      ]);
      const want = [...packed, ...Array<number>(5).fill(repeated), ...tail];
      const out = new Int32Array(want.length);
      readHybrid(bytes, 0, bytes.length, width, out, 'test values');
      expect(Array.from(out, (v) => v >>> 0)).toEqual(want);
    },
  );

  it('decodes into bytes (levels) and counts the values equal to countOf', () => {
    const levels = valuesBelow(1, 64, 3);
    const bytes = Uint8Array.from([...bitPackedRun(levels, 1), ...rleRun(1, 10, 1), ...rleRun(0, 6, 1)]);
    const out = new Uint8Array(80);
    const ones = readHybrid(bytes, 0, bytes.length, 1, out, 'levels', 1);
    expect(Array.from(out)).toEqual([...levels, ...Array<number>(10).fill(1), ...Array<number>(6).fill(0)]);
    expect(ones).toBe(levels.filter((v) => v === 1).length + 10);
  });

  it('rejects an RLE value wider than the bit width, and data that ends early', () => {
    expect(() =>
      readHybrid(Uint8Array.from(rleRun(9, 4, 3)), 0, 2, 3, new Int32Array(4), 'dictionary indices'),
    ).toThrow('dictionary indices: run value 9 does not fit its bit width 3');
    const run = Uint8Array.from(bitPackedRun(valuesBelow(5, 8, 1), 5));
    expect(() => readHybrid(run, 0, run.length, 5, new Int32Array(16), 'levels')).toThrow(
      'levels: the data ends after 8 of 16 values',
    );
  });
});
