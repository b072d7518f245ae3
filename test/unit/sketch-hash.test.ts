// Hash vectors come from test/fixtures/sketch/generate.py: a pure-Python MurmurHash3 x86_32,
// itself checked there against published vectors. Regenerate with the venv python.
import fixture from '../fixtures/sketch/sketch-reference.json';
import { hashNumber, hashString } from '../../src/sketch';
import { FLOAT64_LOW_WORD, hashNumberWords, hashNumberWordsBatch } from '../../src/sketch/hash';
import { uniform01 } from '../fixtures/sketch/samples';

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

describe('hashString', () => {
  it.each(fixture.hashVectors.strings.map((v) => [JSON.stringify(v.s), v.seed, v.hash, v.s] as const))(
    'murmur3_32(utf16le(%s), seed %d) = %d',
    (_label, seed, hash, s) => {
      expect(hashString(s, seed)).toBe(hash);
    },
  );

  it('defaults the seed to 0 and returns a uint32', () => {
    expect(hashString('abc')).toBe(hashString('abc', 0));
    for (const s of ['a', 'zz', 'x'.repeat(33)]) {
      const h = hashString(s);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });

  it('avalanches: flipping one input bit flips about half of the output bits', () => {
    const r = uniform01(7);
    let flipped = 0;
    let trials = 0;
    for (let t = 0; t < 500; t++) {
      const codes = Array.from({ length: 6 }, () => Math.floor(r() * 65536));
      const base = hashString(String.fromCharCode(...codes));
      for (let bit = 0; bit < 16; bit++) {
        const other = codes.slice();
        other[t % 6] = (other[t % 6] as number) ^ (1 << bit);
        flipped += popcount((base ^ hashString(String.fromCharCode(...other))) >>> 0);
        trials++;
      }
    }
    expect(flipped / trials).toBeGreaterThan(15.5);
    expect(flipped / trials).toBeLessThan(16.5);
  });
});

describe('hashNumber', () => {
  it.each(fixture.hashVectors.numbers.map((v) => [String(v.v), v.seed, v.hash] as const))(
    'murmur3_32(float64le(%s), seed %d) = %d',
    (v, seed, hash) => {
      expect(hashNumber(Number(v), seed)).toBe(hash);
    },
  );

  it('hashes +0 and -0 equal, and every NaN equal', () => {
    expect(hashNumber(-0)).toBe(hashNumber(0));
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    u[0] = 1;
    u[1] = 0xfff00000; // a negative NaN with a payload
    expect(Number.isNaN(f[0])).toBe(true);
    expect(hashNumber(f[0] as number)).toBe(hashNumber(NaN));
    expect(hashNumber(-NaN, 5)).toBe(hashNumber(NaN, 5));
  });

  it('spreads consecutive integers evenly over the top 8 bits', () => {
    const buckets = new Float64Array(256);
    const n = 256 * 400;
    for (let i = 0; i < n; i++) {
      const b = hashNumber(i) >>> 24;
      buckets[b] = (buckets[b] as number) + 1;
    }
    // Chi-square with 255 degrees of freedom: mean 255, sd ≈ 22.6; 400 is > 6 sd out.
    let chi = 0;
    for (const c of buckets) chi += ((c - 400) * (c - 400)) / 400;
    expect(chi).toBeLessThan(400);
  });

  it('avalanches: flipping one bit of the float64 flips about half of the output bits', () => {
    const r = uniform01(11);
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    let flipped = 0;
    let trials = 0;
    for (let t = 0; t < 300; t++) {
      const v = (r() - 0.5) * 1e6;
      const base = hashNumber(v);
      for (let bit = 0; bit < 64; bit++) {
        f[0] = v;
        u[bit >>> 5] = (u[bit >>> 5] as number) ^ (1 << (bit & 31));
        const w = f[0];
        if (w === undefined) continue;
        if (Number.isNaN(w) || w === 0) continue;
        flipped += popcount((base ^ hashNumber(w)) >>> 0);
        trials++;
      }
    }
    expect(flipped / trials).toBeGreaterThan(15.5);
    expect(flipped / trials).toBeLessThan(16.5);
  });
});

describe('hashNumberWords', () => {
  it('equals hashNumber of the float64 whose words it is given, -0 and NaN payloads included', () => {
    const f64 = new Float64Array(1);
    const words = new Int32Array(f64.buffer);
    const lo = FLOAT64_LOW_WORD;
    const rng = uniform01(7);
    const values = [0, -0, NaN, Infinity, -Infinity, 1, -1, 2 ** 53, Number.MIN_VALUE, -Number.MAX_VALUE];
    for (let i = 0; i < 500; i++) values.push((rng() - 0.5) * 10 ** Math.floor(rng() * 20 - 10));
    for (const v of values) {
      f64[0] = v;
      expect(hashNumberWords(words[lo] as number, words[1 - lo] as number)).toBe(hashNumber(v));
    }
    // NaNs with other payloads and the sign bit set hash as the canonical NaN.
    for (const [w0, w1] of [
      [1, 0x7ff00000],
      [0, 0x7ff00001 | 0],
      [123, 0xfff80000 | 0],
      [-1, -1],
    ] as const) {
      words[lo] = w0;
      words[1 - lo] = w1;
      expect(Number.isNaN(f64[0])).toBe(true);
      expect(hashNumberWords(w0, w1)).toBe(hashNumber(NaN));
    }
  });
});

describe('hashNumberWordsBatch', () => {
  it('hashes rows [from, length) in place as hashNumber does, leaving null rows and the rest alone', () => {
    const values = Float64Array.from([1.5, -0, NaN, 7, -Infinity, 1e300, 42, 0.1]);
    const nulls = Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0]);
    const out = new Uint32Array(values.length).fill(99);
    hashNumberWordsBatch(new Int32Array(values.buffer), nulls, 1, 7, out);
    expect(Array.from(out)).toEqual([
      99,
      hashNumber(0),
      hashNumber(NaN),
      99,
      hashNumber(-Infinity),
      hashNumber(1e300),
      hashNumber(42),
      99,
    ]);
  });
});
