import type { DriftRule, DriftSpec, SchemaRules } from '../core/spec/types';
import { CATEGORICAL_DRIFT_METHODS, NUMERIC_DRIFT_METHODS } from '../core/spec/types';

import { PROFILE_CATEGORY_COUNTERS } from './column-profiler';
import { categoricalDrift, numericDrift } from './column-drift';
import type { DatasetProfile } from './profile-dataset';
import type { ColumnDrift, DriftReport } from './report';

/**
 * Drift of every comparable column of `current` against `reference`, and the dataset rule.
 * A column is judged when both files have it with the same kind (number, or string / boolean)
 * and both hold values; the spec can leave one out (`drift.columns.<name>: false`). Columns with
 * a `unique` rule are identifiers and are not judged.
 */
export function datasetDrift(
  reference: DatasetProfile,
  current: DatasetProfile,
  spec: DriftSpec,
  rules: SchemaRules,
): DriftReport {
  const refByName = new Map(reference.profilers.map((p) => [p.column.name, p]));
  const columns: ColumnDrift[] = [];
  const skipped: DriftReport['skipped'] = [];
  for (const cur of current.profilers) {
    const name = cur.column.name;
    const override = Object.hasOwn(spec.columns, name) ? spec.columns[name] : undefined;
    const skip = (reason: string): void => {
      skipped.push({ column: name, reason });
    };
    if (override === false) {
      skip('left out by drift.columns');
      continue;
    }
    if (override === undefined && Object.hasOwn(rules.columns, name) && rules.columns[name]?.unique) {
      skip('a unique column (an identifier)');
      continue;
    }
    const ref = refByName.get(name);
    if (!ref) {
      skip('not in the reference');
      continue;
    }
    const numeric = cur.column.kind === 'number';
    const categorical = cur.column.kind === 'string' || cur.column.kind === 'boolean';
    if (!numeric && !categorical) {
      skip(`a ${cur.column.sourceType} column is not compared`);
      continue;
    }
    if (ref.column.kind !== cur.column.kind) {
      skip(`type changed from ${ref.column.sourceType} to ${cur.column.sourceType}`);
      continue;
    }
    const has = (p: typeof cur) => (numeric ? p.finite > 0 : p.nonMissing > 0);
    if (!has(ref) || !has(cur)) {
      skip(`no values in the ${!has(ref) ? 'reference' : 'current data'}`);
      continue;
    }
    if (categorical && !(ref.categories.isExact && cur.categories.isExact)) {
      // Beyond the exact category capacity only the heavy hitters are counted: shares over
      // them would compare two different sets of categories, not two distributions.
      skip(
        `high cardinality (about ${Math.round(Math.max(ref.distinctEstimate(), cur.distinctEstimate()))} distinct values): ` +
          `category shares are tracked exactly up to ${PROFILE_CATEGORY_COUNTERS} values`,
      );
      continue;
    }
    const rule: DriftRule = override ?? (numeric ? spec.numeric : spec.categorical);
    const allowed: readonly string[] = numeric ? NUMERIC_DRIFT_METHODS : CATEGORICAL_DRIFT_METHODS;
    if (!allowed.includes(rule.method)) {
      skip(
        `method ${rule.method} does not apply to a ${numeric ? 'numeric' : 'categorical'} column; use one of ${allowed.join(', ')}`,
      );
      continue;
    }
    columns.push(numeric ? numericDrift(ref, cur, rule) : categoricalDrift(ref, cur, rule));
  }
  return driftSummary(reference.file, reference.rows, columns, skipped, spec.maxDriftedShare);
}

/** The dataset rule over judged columns (also used to merge the parts of a parallel run). */
export function driftSummary(
  reference: string,
  referenceRows: number,
  columns: ColumnDrift[],
  skipped: DriftReport['skipped'],
  maxDriftedShare: number,
): DriftReport {
  const driftedColumns = columns.filter((c) => c.drifted).length;
  const judgedColumns = columns.length;
  const driftedShare = judgedColumns > 0 ? driftedColumns / judgedColumns : 0;
  return {
    reference,
    referenceRows,
    columns,
    skipped,
    driftedColumns,
    judgedColumns,
    driftedShare,
    maxDriftedShare,
    datasetDrift: driftedShare > maxDriftedShare,
  };
}
