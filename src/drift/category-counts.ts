import { DriftInputError } from './errors';

/** Count per category: a Map or a plain record of category → count. */
export type CategoryCounts = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

/** Reference and current counts over the union of their categories, in the same order. */
export interface AlignedCategoryCounts {
  /** Union of categories: reference order first, then categories only seen in current. */
  readonly categories: readonly string[];
  /** Reference count per category (0 where the category is missing). */
  readonly reference: Float64Array;
  /** Current count per category (0 where the category is missing). */
  readonly current: Float64Array;
}

function entriesOf(counts: CategoryCounts, argument: string): [string, number][] {
  const entries: [string, number][] =
    counts instanceof Map
      ? [...(counts as ReadonlyMap<string, number>).entries()]
      : Object.entries(counts as Readonly<Record<string, number>>);
  for (const [category, count] of entries) {
    if (!Number.isFinite(count) || count < 0) {
      throw new DriftInputError(
        argument,
        `count for category ${JSON.stringify(category)} must be finite and >= 0 (got ${count})`,
      );
    }
  }
  return entries;
}

/**
 * Aligns two category → count tables over the union of their categories; a category missing
 * from one side counts 0 there. Feed the result to {@link chiSquare}-style functions, or to
 * `psi` / `jensenShannonDistance` for categorical drift.
 * @throws DriftInputError naming the argument on a negative or non-finite count
 */
export function alignCategoryCounts(
  refCounts: CategoryCounts,
  curCounts: CategoryCounts,
): AlignedCategoryCounts {
  const ref = new Map(entriesOf(refCounts, 'refCounts'));
  const cur = new Map(entriesOf(curCounts, 'curCounts'));
  const categories = [...ref.keys()];
  for (const category of cur.keys()) if (!ref.has(category)) categories.push(category);
  return {
    categories,
    reference: Float64Array.from(categories, (c) => ref.get(c) ?? 0),
    current: Float64Array.from(categories, (c) => cur.get(c) ?? 0),
  };
}
