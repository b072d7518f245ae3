/**
 * Profile and drift numbers against the reference tools: pandas / numpy for the profile,
 * Evidently 0.7's own stat tests and scipy for drift (fixtures from
 * test/fixtures/profile/generate.py, run with the benchmark venv).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { DriftRule } from '../../src/core/spec/types';
import { categoricalDrift, numericDrift } from '../../src/data/column-drift';
import { profileDataset } from '../../src/data/profile-dataset';
import type { DatasetProfile } from '../../src/data/profile-dataset';
import type { NumberColumnProfile, StringColumnProfile, BooleanColumnProfile } from '../../src/data/report';

const DIR = join(__dirname, '../fixtures/profile');

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
interface Expected {
  profile: Record<string, Record<string, unknown>>;
  drift: Record<string, { kind: 'numeric' | 'categorical' } & Record<string, Num>>;
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected;

function num(x: Num): number {
  return typeof x === 'number' ? x : Number(x);
}

/** Equal within 1e-6, relative to the larger magnitude (absolute near zero). */
function expectClose(actual: number | null | undefined, want: number, what: string): void {
  const a = actual ?? NaN;
  const tol = 1e-6 * Math.max(1, Math.abs(want));
  if (!(Math.abs(a - want) <= tol)) throw new Error(`${what}: got ${a}, expected ${want}`);
}

let reference: DatasetProfile;
let current: DatasetProfile;

beforeAll(async () => {
  // A small batch size, so every statistic is folded across many batches.
  reference = await profileDataset(join(DIR, 'reference.arrow'), { allowedRoots: [DIR], batchRows: 3000 });
  current = await profileDataset(join(DIR, 'current.arrow'), { allowedRoots: [DIR], batchRows: 3000 });
});

function profilerOf(p: DatasetProfile, name: string) {
  const found = p.profilers.find((x) => x.column.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

describe('column profile equals pandas / numpy', () => {
  for (const name of ['normal', 'shift', 'lognormal', 'counts', 'ints']) {
    it(`numeric column ${name}`, () => {
      const want = expected.profile[name] as Record<string, number> & {
        quantiles: Array<{ q: number; value: number }>;
      };
      const got = profilerOf(current, name).profile() as NumberColumnProfile;
      expect(got.kind).toBe('number');
      expect(got.count).toBe(want.count);
      expect(got.nulls).toBe(want.nulls);
      expect(got.nan).toBe(want.nan);
      expect(got.posInf).toBe(want.posInf);
      expect(got.negInf).toBe(want.negInf);
      expect(got.zeros).toBe(want.zeros);
      expect(got.distinct).toEqual({ count: want.distinct, exact: true });
      expectClose(got.min, want.min as number, `${name} min`);
      expectClose(got.max, want.max as number, `${name} max`);
      expectClose(got.mean, want.mean as number, `${name} mean`);
      expectClose(got.std, want.std as number, `${name} std`);
      expect(got.quantilesExact).toBe(true);
      want.quantiles.forEach((q, i) => expectClose(got.quantiles[i]?.value, q.value, `${name} q${q.q}`));
    });
  }

  for (const name of ['plan', 'region']) {
    it(`string column ${name}`, () => {
      const want = expected.profile[name] as {
        count: number;
        nulls: number;
        distinct: number;
        top: Array<{ value: string; count: number }>;
        minLength: number;
        maxLength: number;
        meanLength: number;
      };
      const got = profilerOf(current, name).profile() as StringColumnProfile;
      expect(got.kind).toBe('string');
      expect(got.count).toBe(want.count);
      expect(got.nulls).toBe(want.nulls);
      expect(got.distinct).toEqual({ count: want.distinct, exact: true });
      expect(got.topValues).toEqual(want.top);
      expect(got.minLength).toBe(want.minLength);
      expect(got.maxLength).toBe(want.maxLength);
      expectClose(got.meanLength, want.meanLength, `${name} meanLength`);
    });
  }

  it('boolean column flag', () => {
    const want = expected.profile.flag as {
      count: number;
      nulls: number;
      trueCount: number;
      falseCount: number;
    };
    const got = profilerOf(current, 'flag').profile() as BooleanColumnProfile;
    expect(got).toMatchObject(want);
  });
});

describe('drift equals Evidently, scipy and TFDV', () => {
  for (const [name, want] of Object.entries(expected.drift)) {
    it(`${want.kind} column ${name}`, () => {
      const ref = profilerOf(reference, name);
      const cur = profilerOf(current, name);
      const rule: DriftRule =
        want.kind === 'numeric'
          ? { method: 'wasserstein', threshold: 0.1 }
          : { method: 'jensenshannon', threshold: 0.1 };
      const drift = want.kind === 'numeric' ? numericDrift(ref, cur, rule) : categoricalDrift(ref, cur, rule);
      expect(drift.approximate).toBe(false);
      for (const [stat, value] of Object.entries(want)) {
        if (stat === 'kind') continue;
        expectClose(drift.statistics[stat], num(value as Num), `${name} ${stat}`);
      }
    });
  }
});
