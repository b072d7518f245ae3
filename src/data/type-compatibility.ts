import type { ColumnType } from '../core/spec/types';

import type { ColumnSchema } from './readers/types';

/**
 * How a column's storage type relates to the type a rule asks for:
 * `ok` — compatible as stored; `whole` — an `integer` rule on a floating-point column, accepted
 * when every value is a whole number (so a pandas int column that gained a NaN, and with it
 * float64, is judged by its values); `mismatch` — incompatible, value checks are skipped.
 */
export type TypeCompatibility = 'ok' | 'whole' | 'mismatch';

/**
 * Judges a column against a rule type. An all-null column is compatible with every type (the
 * nulls check judges it).
 */
export function typeCompatibility(ruleType: ColumnType, column: ColumnSchema): TypeCompatibility {
  if (column.kind === 'null') return 'ok';
  switch (ruleType) {
    case 'number':
      return column.kind === 'number' ? 'ok' : 'mismatch';
    case 'integer':
      if (column.kind !== 'number') return 'mismatch';
      return column.integer ? 'ok' : 'whole';
    case 'string':
      return column.kind === 'string' ? 'ok' : 'mismatch';
    case 'boolean':
      return column.kind === 'boolean' ? 'ok' : 'mismatch';
  }
}
