import { kolmogorovCdfDurbin } from './kolmogorov-durbin';
import { kolmogorovCdfPelzGood } from './kolmogorov-pelz-good';
import { kolmogorovCdfPomeranz } from './kolmogorov-pomeranz';
import { smirnovSurvival } from './smirnov';

const LOG_2PI = Math.log(2 * Math.PI);
// B_{2j}/(2j)/(2j-1) for j = 8..1, highest power first (numpy polyval order).
const STIRLING_COEFFS = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

function logNFactorialOverNPowN(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING_COEFFS) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

const clip = (p: number): number => Math.min(1, Math.max(0, p));

/**
 * Survival function P(Dₙ ≥ x) of the two-sided one-sample Kolmogorov–Smirnov statistic for a
 * sample of size `n` (scipy `stats.kstwo.sf(x, n)`).
 *
 * Faithful port of scipy's `_kolmogn(n, x, cdf=False)`: the Simard & L'Ecuyer (2011) choice
 * between the Ruben–Gambino closed forms, 2·smirnov, Durbin's matrix algorithm, the Pomeranz
 * recursion and the Pelz–Good asymptotic series.
 * @param n - sample size, a positive integer
 * @param x - the statistic, in [0, 1]
 */
export function kolmogorovSurvivalN(n: number, x: number): number {
  if (Number.isNaN(x) || !Number.isInteger(n) || n <= 0) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialOverNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip(1 - prob);
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  if (x >= 0.5) return clip(2 * smirnovSurvival(n, x));

  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) return clip(1 - kolmogorovCdfDurbin(n, x));
    if (nxsquared <= 4) return clip(1 - kolmogorovCdfPomeranz(n, x));
    return clip(2 * smirnovSurvival(n, x));
  }
  if (nxsquared >= 370) return 0;
  if (nxsquared >= 2.2) return clip(2 * smirnovSurvival(n, x));
  const cdf = n <= 100000 && n * x ** 1.5 <= 1.4 ? kolmogorovCdfDurbin(n, x) : kolmogorovCdfPelzGood(n, x);
  return clip(1 - cdf);
}
