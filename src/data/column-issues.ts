import type { ColumnAccumulator } from './column-accumulator';
import type { IssueValue, ValidationIssue } from './report';
import type { RowSample } from './row-sample';

/**
 * Turns what an accumulator gathered into the issues of one ruled column, in a fixed order:
 * type, nulls, non-finite values, range, domain. Every issue is an error.
 *
 * @param file - the dataset's resolved path, carried by every issue
 * @param acc - the column's accumulator after the last batch
 * @param observed - the column's finite minimum and maximum (from its profile), for range messages
 */
export function columnIssues(
  file: string,
  acc: ColumnAccumulator,
  observed: { min: number; max: number },
): ValidationIssue[] {
  const { rule, column, stats: s } = acc;
  if (!rule) return [];
  const name = column.name;
  const issues: ValidationIssue[] = [];
  const issue = (check: ValidationIssue['check'], message: string, extra: Partial<ValidationIssue>): void => {
    issues.push({
      severity: 'error',
      check,
      file,
      column: name,
      message: `column ${name}: ${message}`,
      ...extra,
    });
  };

  if (acc.compatibility === 'mismatch') {
    issue('type', `expected ${rule.type}, found ${column.sourceType}`, {
      observed: column.sourceType,
      expected: rule.type,
    });
  } else if (s.nonWhole.count > 0) {
    issue(
      'type',
      `expected integer, but ${values(s.nonWhole.count)} of the ${column.sourceType} column ${are(s.nonWhole.count)} not whole numbers${firstRows(s.nonWhole)}`,
      {
        observed: column.sourceType,
        expected: rule.type,
        rows: s.nonWhole.toIssueRows(),
      },
    );
  }

  const nulls = s.nulls.count;
  if (!rule.nullable && nulls > 0) {
    issue('nulls', `${plural(nulls, 'null')} in a non-nullable column${firstRows(s.nulls)}`, {
      observed: nulls,
      expected: 0,
      rows: s.nulls.toIssueRows(),
    });
  } else if (rule.nullable && nulls > 0 && nulls / s.rows > rule.maxNullFraction) {
    const fraction = nulls / s.rows;
    issue(
      'nulls',
      `${plural(nulls, 'null')} (${percent(fraction)}) exceed maxNullFraction ${rule.maxNullFraction}${firstRows(s.nulls)}`,
      {
        observed: { nulls, fraction },
        expected: { maxNullFraction: rule.maxNullFraction },
        rows: s.nulls.toIssueRows(),
      },
    );
  }

  if (acc.compatibility === 'mismatch') return issues;

  if (s.nonFinite.count > 0) {
    const kinds = [
      s.nan > 0 ? `${s.nan} NaN` : '',
      s.posInf > 0 ? `${s.posInf} +Infinity` : '',
      s.negInf > 0 ? `${s.negInf} -Infinity` : '',
    ].filter((k) => k !== '');
    issue(
      'non_finite',
      `${plural(s.nonFinite.count, 'non-finite value')} (${kinds.join(', ')})${firstRows(s.nonFinite)}`,
      {
        observed: { nan: s.nan, posInf: s.posInf, negInf: s.negInf },
        expected: 'finite numbers',
        rows: s.nonFinite.toIssueRows(),
      },
    );
  }

  if (s.outOfRange.count > 0) {
    const expected: { [key: string]: IssueValue } = {};
    if (rule.min !== undefined) expected.min = rule.min;
    if (rule.max !== undefined) expected.max = rule.max;
    let bound: string;
    let seen: string;
    if (rule.min !== undefined && rule.max !== undefined) {
      bound = `outside [${rule.min}, ${rule.max}]`;
      seen = `observed min ${observed.min}, max ${observed.max}`;
    } else if (rule.min !== undefined) {
      bound = `below the minimum ${rule.min}`;
      seen = `observed min ${observed.min}`;
    } else {
      bound = `above the maximum ${String(rule.max)}`;
      seen = `observed max ${observed.max}`;
    }
    issue('range', `${values(s.outOfRange.count)} ${bound} (${seen})${firstRows(s.outOfRange)}`, {
      observed: { min: observed.min, max: observed.max },
      expected,
      rows: s.outOfRange.toIssueRows(),
    });
  }

  if (s.unknown.count > 0 && rule.values !== undefined) {
    const examples = s.unknownExamples
      .map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)))
      .join(', ');
    issue(
      'domain',
      `${values(s.unknown.count)} not in [${rule.values.map(String).join(', ')}] (e.g. ${examples})${firstRows(s.unknown)}`,
      {
        observed: [...s.unknownExamples],
        expected: [...rule.values],
        rows: s.unknown.toIssueRows(),
      },
    );
  }
  return issues;
}

function firstRows(sample: RowSample): string {
  if (sample.first.length === 0) return '';
  return `, first ${sample.first.length === 1 ? 'row' : 'rows'} ${sample.first.join(', ')}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function values(n: number): string {
  return plural(n, 'value');
}

function are(n: number): string {
  return n === 1 ? 'is' : 'are';
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
