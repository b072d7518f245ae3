import type { ColumnAggregateSource } from '../expectations/types';

import type { DatasetProfile } from './profile-dataset';

/** The aggregate statistics Great Expectations-style expectations read, from a dataset profile. */
export function profilerAggregates(profile: DatasetProfile): ColumnAggregateSource {
  const byName = new Map(profile.profilers.map((p) => [p.column.name, p]));
  const get = (column: string) => byName.get(column);
  const numeric = (column: string) => {
    const p = get(column);
    return p !== undefined && p.column.kind === 'number' && p.finite > 0 ? p : undefined;
  };
  return {
    rows: profile.rows,
    nonMissing: (column) => get(column)?.nonMissing ?? 0,
    mean: (column) => numeric(column)?.mean() ?? null,
    stdev: (column) => numeric(column)?.stdev() ?? null,
    quantile: (column, q) => numeric(column)?.quantile(q) ?? null,
    min: (column) => numeric(column)?.min ?? null,
    max: (column) => numeric(column)?.max ?? null,
    distinct: (column) => get(column)?.distinctCount() ?? { count: 0, exact: true },
  };
}
