/**
 * Shared pieces of expectation results: the common fields, the `expected` value of bounds, and
 * short number / interval / set renderings for the one-line messages.
 */
import type { IssueValue } from '../data/report';

import type { BetweenKwargs, Expectation, ExpectationResult } from './types';

/** The fields every result carries, from the expectation. */
export function resultBase(e: Expectation): Pick<ExpectationResult, 'type' | 'kwargs' | 'severity'> {
  return { type: e.type, kwargs: e.kwargs as unknown as Record<string, IssueValue>, severity: e.severity };
}

/** A number for a message: integers as is, others to 6 significant digits. */
export function fmt(v: number | null): string {
  if (v === null) return 'null';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/** A percentage for a message, e.g. `7.708%`. */
export function pct(fraction: number): string {
  return `${String(Number((fraction * 100).toPrecision(4)))}%`;
}

/** Bounds as an interval: `[0, 120]`, `(0, 120)`, `>= 0`, `< 5`, `any value`. */
export function interval(b: BetweenKwargs): string {
  const { min_value: lo, max_value: hi } = b;
  if (lo === null && hi === null) return 'any value';
  if (lo === null) return `${b.strict_max ? '<' : '<='} ${fmt(hi)}`;
  if (hi === null) return `${b.strict_min ? '>' : '>='} ${fmt(lo)}`;
  return `${b.strict_min ? '(' : '['}${fmt(lo)}, ${fmt(hi)}${b.strict_max ? ')' : ']'}`;
}

/** What lies outside the bounds: `outside [0, 120]`, `< 0` (for `>= 0`), `>= 5` (for `< 5`). */
export function outside(b: BetweenKwargs): string {
  const { min_value: lo, max_value: hi } = b;
  if (lo !== null && hi !== null) return `outside ${interval(b)}`;
  if (lo !== null) return `${b.strict_min ? '<=' : '<'} ${fmt(lo)}`;
  if (hi !== null) return `${b.strict_max ? '>=' : '>'} ${fmt(hi)}`;
  return 'none';
}

/** `{min, max}` plus the strict flags when set, as `expected` carries bounds. */
export function expectedBounds(b: BetweenKwargs, extra: Record<string, IssueValue> = {}): IssueValue {
  return {
    min: b.min_value,
    max: b.max_value,
    ...(b.strict_min ? { strictMin: true } : {}),
    ...(b.strict_max ? { strictMax: true } : {}),
    ...extra,
  };
}

/** Whether `v` lies within the bounds (GE's `_validate_metric_value_between` comparison). */
export function withinBounds(v: number, b: BetweenKwargs): boolean {
  const aboveMin = b.min_value === null || (b.strict_min ? v > b.min_value : v >= b.min_value);
  const belowMax = b.max_value === null || (b.strict_max ? v < b.max_value : v <= b.max_value);
  return aboveMin && belowMax;
}

/** `{a, b, c, … (12 values)}`, for messages. */
export function setText(values: ReadonlyArray<string | number | boolean>, max = 8): string {
  const shown = values.slice(0, max).map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
  return `{${shown.join(', ')}${values.length > max ? `, … (${values.length} values)` : ''}}`;
}
