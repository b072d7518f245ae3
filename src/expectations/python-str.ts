/**
 * `str(value)` as pandas `Series.astype(str)` writes it, which GE's regex and value-length
 * expectations apply to non-string columns: integers as `42`, float64 as Python `repr(float)`
 * (`1.0`, `0.1`, `1e+16`, `1e-05`), float32 / float16 with numpy's shortest digits for that width
 * and numpy's switch to scientific notation (at 1e6 for float32, 1e3 for float16), booleans as
 * `True` / `False`.
 */
import type { ColumnSchema } from '../data/readers/types';

/** How a numeric column's values are written. */
export type NumberStyle = 'integer' | 'float64' | 'float32' | 'float16';

/** The style of a numeric column, from its storage type. */
export function numberStyleOf(column: ColumnSchema): NumberStyle {
  if (column.integer) return 'integer';
  if (column.sourceType === 'Float32') return 'float32';
  if (column.sourceType === 'Float16') return 'float16';
  return 'float64';
}

/** `str(v)` for a value of a numeric column of the given style. */
export function pythonNumberStr(v: number, style: NumberStyle): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (style === 'integer' && Number.isInteger(v))
    return Math.abs(v) < 1e21 ? v.toFixed(0) : BigInt(v).toString();
  const { digits, exponent } = shortestDigits(v, style === 'integer' ? 'float64' : style);
  const upper = style === 'float32' ? 6 : style === 'float16' ? 3 : 16;
  const negative = v < 0 || Object.is(v, -0);
  // Python's float repr decides by the exponent of the shortest digits, numpy's float32 / float16
  // str by the value itself (float32(1e-4) is 9.99e-05 and prints as 1e-04).
  const a = Math.abs(v);
  const scientific =
    style === 'float64' || style === 'integer'
      ? exponent < -4 || exponent >= upper
      : a !== 0 && (a < 1e-4 || a >= 10 ** upper);
  return (negative ? '-' : '') + formatDigits(digits, exponent, scientific);
}

/** `str(b)` of a Python bool. */
export function pythonBoolStr(b: boolean): string {
  return b ? 'True' : 'False';
}

/**
 * Shortest decimal digits that read back as `v` at the given width, and the decimal exponent of
 * the first digit (`1.5` → digits "15", exponent 0).
 */
function shortestDigits(
  v: number,
  width: 'float64' | 'float32' | 'float16',
): { digits: string; exponent: number } {
  const a = Math.abs(v);
  if (a === 0) return { digits: '0', exponent: 0 };
  let text: string;
  if (width === 'float64') {
    text = a.toExponential(); // shortest round-trip digits
  } else {
    const round = width === 'float32' ? Math.fround : roundToFloat16;
    const maxDigits = width === 'float32' ? 9 : 5;
    text = a.toExponential(maxDigits - 1);
    for (let p = 1; p <= maxDigits; p++) {
      const candidate = a.toExponential(p - 1);
      if (round(Number(candidate)) === a) {
        text = candidate;
        break;
      }
    }
  }
  const [mantissa = '0', exp = '0'] = text.split('e');
  return { digits: mantissa.replace('.', '').replace(/0+$/, '') || '0', exponent: Number(exp) };
}

/** Digits with the decimal exponent of the first one, positional (`0.001`, `12.0`) or scientific. */
function formatDigits(digits: string, exponent: number, scientific: boolean): string {
  if (!scientific) {
    if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
    const intLen = exponent + 1;
    if (digits.length <= intLen) return `${digits}${'0'.repeat(intLen - digits.length)}.0`;
    return `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0] ?? ''}.${digits.slice(1)}` : digits;
  const sign = exponent < 0 ? '-' : '+';
  const e = Math.abs(exponent);
  return `${mantissa}e${sign}${e < 10 ? `0${e}` : String(e)}`;
}

/** Rounds to the nearest IEEE half-precision value (ties to even), as a float64. */
function roundToFloat16(x: number): number {
  const a = Math.abs(x);
  if (a >= 65520) return x > 0 ? Infinity : -Infinity;
  if (a === 0) return x;
  // Spacing of half-precision values around a: 2^(e-10) for normals, 2^-24 for subnormals.
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const ulp = 2 ** (e - 10);
  const q = a / ulp;
  let r = Math.round(q);
  if (q - Math.floor(q) === 0.5 && r % 2 === 1) r -= 1;
  return Math.sign(x) * r * ulp;
}
