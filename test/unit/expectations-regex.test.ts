// Python outcomes come from test/fixtures/expectations/generate.py (`re.search`, pandas
// `astype(str)`); regenerate, never edit by hand.
import {
  compilePythonRegex,
  PythonRegexError,
  translatePythonRegex,
} from '../../src/expectations/python-regex';
import { pythonNumberStr } from '../../src/expectations/python-str';
import type { NumberStyle } from '../../src/expectations/python-str';
import fixture from '../fixtures/expectations/ge-results.json';

describe('Python regex translated to JS: re.search outcomes equal Python', () => {
  const strings = fixture.regex.strings;
  it.each(fixture.regex.cases.map((c) => [c.pattern, c.matches] as const))('%s', (pattern, matches) => {
    const re = compilePythonRegex(pattern);
    const got = strings.map((s) => re.test(s));
    const diffs = strings.filter((_, i) => got[i] !== matches[i]).map((s) => JSON.stringify(s));
    expect(diffs).toEqual([]);
  });

  it('GE-typical patterns compile to what one would expect', () => {
    expect(compilePythonRegex(String.raw`^\d{3}-\d{2}-\d{4}$`).test('123-45-6789')).toBe(true);
    expect(compilePythonRegex(String.raw`^[A-Z]{2}\d{6}$`).test('AB123456')).toBe(true);
    expect(
      compilePythonRegex(String.raw`(?P<year>\d{4})-(?P<month>\d{2})`).exec('on 2024-05-01')?.groups,
    ).toEqual({ year: '2024', month: '05' });
    expect(compilePythonRegex('(?i)^yes|no$').test('YES')).toBe(true);
  });
});

describe('Python-only syntax is rejected with a clear reason', () => {
  it.each([
    ['(?x) a b', 'verbose mode (?x) is not supported'],
    ['a(?i)b', 'global flags such as (?i) must be at the start of the pattern'],
    ['(?i:a)b', 'scoped inline flags (?i:…) are not supported'],
    ['(a)?(?(1)b|c)', 'conditional groups'],
    ['(?>ab)', 'atomic groups'],
    ['a*+', 'possessive quantifiers'],
    ['a{2}+', 'possessive quantifiers'],
    [String.raw`\N{EM DASH}`, 'named characters'],
    [String.raw`[\W\d]`, String.raw`\W inside a character class`],
    [String.raw`\q`, String.raw`bad escape \q`],
    ['[abc', 'unterminated character set'],
    ['*a', 'nothing to repeat'],
    ['(a', 'Unterminated group'],
  ])('%s', (pattern, reason) => {
    let error: unknown;
    try {
      translatePythonRegex(pattern);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PythonRegexError);
    expect((error as PythonRegexError).message).toContain(JSON.stringify(pattern));
    expect((error as PythonRegexError).reason).toContain(reason);
  });

  it('(?a) keeps \\d, \\w and \\W ASCII, also inside classes', () => {
    expect(compilePythonRegex(String.raw`(?a)^\w+$`).test('Zürich')).toBe(false);
    expect(compilePythonRegex(String.raw`^\w+$`).test('Zürich')).toBe(true);
    expect(compilePythonRegex(String.raw`(?a)[\W]`).test('é')).toBe(true);
  });
});

describe('str(value) as pandas astype(str) writes it', () => {
  const styles: Array<[keyof typeof fixture.pythonStr, NumberStyle]> = [
    ['float64', 'float64'],
    ['float32', 'float32'],
    ['float16', 'float16'],
    ['int64', 'integer'],
  ];
  describe.each(styles)('%s', (key, style) => {
    it.each(fixture.pythonStr[key].map((c) => [c.str, c.value] as const))('%s', (str, value) => {
      expect(pythonNumberStr(value, style)).toBe(str);
    });
  });

  it('non-finite values', () => {
    expect(pythonNumberStr(Infinity, 'float64')).toBe('inf');
    expect(pythonNumberStr(-Infinity, 'float32')).toBe('-inf');
    expect(pythonNumberStr(NaN, 'float64')).toBe('nan');
  });
});
