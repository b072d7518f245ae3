// Reference values come from test/fixtures/drift/generate.py (scipy / numpy, Evidently's
// PSI and chi-square conventions). Regenerate with the venv python, never edit by hand.
import fixture from '../fixtures/drift/drift-reference.json';
import {
  alignCategoryCounts,
  chiSquare,
  chiSquareSurvival,
  histogram,
  jensenShannonDistance,
  kolmogorovSurvivalN,
  ksTwoSample,
  lInfinityDistance,
  numericBins,
  psi,
  smirnovSurvival,
  wassersteinDistance,
} from '../../src/drift';

const TOL = 1e-6;

/** Within 1e-6 absolute, or 1e-6 relative for values far below 1 (tiny p-values). */
function expectClose(actual: number, expectedValue: number | string): void {
  // The fixture writes non-finite numbers as strings ("Infinity", "NaN").
  const expected = Number(expectedValue);
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  const err = Math.abs(actual - expected);
  const ok = err <= TOL && (Math.abs(expected) >= 1e-3 || err <= TOL * Math.abs(expected) || err < 1e-300);
  if (!ok) throw new Error(`expected ${expected}, got ${actual} (abs err ${err})`);
}

describe('numeric drift matches scipy / numpy', () => {
  describe.each(fixture.numeric.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const ref = Float64Array.from(c.reference);
    const cur = Float64Array.from(c.current);

    it('ks statistic equals scipy ks_2samp exactly, p-value within 1e-6 (method=asymp)', () => {
      const r = ksTwoSample(ref, cur);
      expect(r.statistic).toBe(c.ks.statistic);
      expectClose(r.pValue, c.ks.pValue);
    });

    it('wasserstein distance equals scipy', () => {
      expectClose(wassersteinDistance(ref, cur), c.wasserstein);
    });

    it('bin edges equal numpy histogram_bin_edges of the pooled sample', () => {
      const edges = numericBins(ref, cur, c.nBins);
      expect(edges).toHaveLength(c.edges.length);
      edges.forEach((e, i) => expectClose(e, c.edges[i] as number));
    });

    it('histogram counts equal numpy histogram', () => {
      const edges = Float64Array.from(c.edges);
      expect(Array.from(histogram(ref, edges))).toEqual(c.refCounts);
      expect(Array.from(histogram(cur, edges))).toEqual(c.curCounts);
    });

    it('psi and jensen-shannon on the bins match', () => {
      expectClose(psi(c.refCounts, c.curCounts), c.psi);
      expectClose(jensenShannonDistance(c.refCounts, c.curCounts), c.jensenShannon);
    });
  });
});

describe('categorical drift matches Evidently / scipy / TFDV', () => {
  // The JSON's inferred type marks absent categories as `undefined`; they are just absent.
  const cases = fixture.categorical.map((c) => ({
    ...c,
    refCounts: c.refCounts as unknown as Record<string, number>,
    curCounts: c.curCounts as unknown as Record<string, number>,
  }));
  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const refMap = new Map(Object.entries(c.refCounts));

    it('aligns categories over the union', () => {
      expect(alignCategoryCounts(refMap, c.curCounts).categories).toEqual(c.categories);
    });

    it('chi-square equals scipy chisquare with expected = reference proportion × current total', () => {
      const r = chiSquare(refMap, c.curCounts);
      expectClose(r.statistic, c.chiSquare.statistic);
      expectClose(r.pValue, c.chiSquare.pValue);
    });

    it('l-infinity, psi and jensen-shannon on proportions match', () => {
      expectClose(lInfinityDistance(c.refCounts, c.curCounts), c.lInfinity);
      const aligned = alignCategoryCounts(c.refCounts, c.curCounts);
      expectClose(psi(aligned.reference, aligned.current), c.psi);
      expectClose(jensenShannonDistance(aligned.reference, aligned.current), c.jensenShannon);
    });
  });
});

describe('special functions match scipy', () => {
  it.each(fixture.kstwoSf.map((c) => [c.n, c.x, c.sf] as const))('kstwo.sf(%p, n=%p)', (n, x, sf) => {
    expectClose(kolmogorovSurvivalN(n, x), sf);
  });
  it.each(fixture.smirnovSf.map((c) => [c.n, c.x, c.sf] as const))('smirnov(%p, %p)', (n, x, sf) => {
    expectClose(smirnovSurvival(n, x), sf);
  });
  it.each(fixture.chi2Sf.map((c) => [c.x, c.df, c.sf] as const))('chi2.sf(%p, df=%p)', (x, df, sf) => {
    expectClose(chiSquareSurvival(x, df), sf);
  });
});
