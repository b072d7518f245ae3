import { DriftInputError, type NumericVector } from './errors';
import { proportions } from './proportions';

/** scipy `special.rel_entr(x, y)` for x, y >= 0. */
function relEntr(x: number, y: number): number {
  if (x === 0) return 0;
  if (y === 0) return Infinity;
  return x * Math.log(x / y);
}

/**
 * Jensen–Shannon distance (the square root of the divergence, natural log, so in [0, √ln 2])
 * between two count or probability vectors, equal to `scipy.spatial.distance.jensenshannon(p, q)`:
 * both inputs are normalised to sum to 1 first.
 * @param p - reference counts or probabilities per bin/category
 * @param q - current counts or probabilities, aligned with `p`
 * @throws DriftInputError naming the argument on empty, negative, all-zero or misaligned input
 */
export function jensenShannonDistance(p: NumericVector, q: NumericVector): number {
  if (q.length !== p.length)
    throw new DriftInputError('q', `length ${q.length} differs from p length ${p.length}`);
  const pn = proportions(p, 'p');
  const qn = proportions(q, 'q');
  let left = 0;
  let right = 0;
  for (let i = 0; i < pn.length; i++) {
    const a = pn[i] as number;
    const b = qn[i] as number;
    const m = (a + b) / 2;
    left += relEntr(a, m);
    right += relEntr(b, m);
  }
  return Math.sqrt(Math.max(0, (left + right) / 2));
}
