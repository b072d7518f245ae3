/**
 * Durations as written in a spec file: `"500ms"`, `"2s"`, `"20m"`, `"1h"`, `"7d"`, compounds such
 * as `"1h30m"`, decimals such as `"1.5h"`, or a plain number of milliseconds. Pure: importable
 * from workflows.
 */

/** Milliseconds per unit suffix. */
export const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A duration unit suffix. */
export type DurationUnit = keyof typeof DURATION_UNITS_MS;

/** The accepted forms, for error messages. */
export const DURATION_FORMS =
  'a duration like "500ms", "2s", "20m", "1h", "7d" (or "1h30m") or a number of milliseconds';

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/**
 * Parses a duration to whole milliseconds (rounded to the nearest ms).
 * Returns `undefined` when `value` is not a duration (negative, non-finite, unknown unit, empty);
 * callers turn that into an error naming the field.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(PART)) {
    total += Number(m[1]) * DURATION_UNITS_MS[m[2] as DurationUnit];
  }
  return Math.round(total);
}

/**
 * Formats milliseconds for humans, largest units first: `4000` → `"4s"`, `5400000` → `"1h30m"`,
 * `1500` → `"1s500ms"`, `0` → `"0ms"`. Round-trips through `parseDuration`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0ms';
  const parts: string[] = [];
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = DURATION_UNITS_MS[unit];
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return (ms < 0 ? '-' : '') + parts.join('');
}
