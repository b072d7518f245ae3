/**
 * Python `re` patterns (what GE's `regex` kwargs hold: pandas runs `str.contains(regex)`, i.e.
 * `re.search`) translated into an equivalent JavaScript `RegExp` with the `u` flag.
 *
 * Translated so the match is the same as Python's on `str` values:
 * - `(?P<name>…)` → `(?<name>…)`, `(?P=name)` → `\k<name>`, `(?#comment)` dropped;
 * - global flags at the start, `(?i)` `(?m)` `(?s)` `(?a)` `(?u)` (also combined: `(?im)`);
 * - `\d` `\w` `\s` `\b` (and negations) are Unicode-aware in Python: `\d` → `\p{Nd}`,
 *   `\w` → `[\p{L}\p{N}_]`, `\s` → Python's whitespace set, `\b` → a word boundary over that `\w`;
 *   under `(?a)` they stay ASCII;
 * - `.` excludes only `\n` (JS also excludes `\r`, U+2028, U+2029); `$` also matches before a
 *   final `\n`; under `(?m)`, `^` / `$` break lines at `\n` only; `\A` / `\Z` are input start / end
 *   (the JS `m` flag is never set, so JS `^` / `$` are the input's ends; lookarounds such as
 *   `(?<![\s\S])` are avoided because V8 tries them between the halves of a surrogate pair);
 * - Python escapes JS `u` mode rejects: `\-` `\@` `\#` … (any escaped punctuation), `\U0001F600`,
 *   octal `\012`, `\a`; a `{` that is not a quantifier is a literal; `{,n}` means `{0,n}`.
 *
 * Rejected with a clear message (no JS equivalent): `(?x)` verbose mode, `(?L)`, scoped flags
 * `(?i:…)`, conditionals `(?(1)…)`, atomic groups `(?>…)`, possessive quantifiers `*+`, `\N{…}`,
 * and `\D` `\W` `\S` inside a character class (unless `(?a)`).
 *
 * Known remaining difference: case-insensitive matching uses JS simple case folding, which agrees
 * with Python's for all but a handful of characters (e.g. Python also folds `ſ` to `s` only in
 * some versions).
 */

/** A Python pattern that cannot be translated. */
export class PythonRegexError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`cannot use Python regex ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'PythonRegexError';
  }
}

/** The translated pattern. */
export interface TranslatedRegex {
  source: string;
  flags: string;
}

const WORD = '\\p{L}\\p{N}_';
const SPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Characters JS `u` mode allows after a backslash outside a class (besides letters/digits). */
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

interface Flags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
  ascii: boolean;
}

/**
 * Translates a Python `re` pattern into a JS `RegExp` source and flags with the same `re.search`
 * semantics on strings.
 * @throws PythonRegexError for Python-only syntax, or when the result does not compile in JS
 */
export function translatePythonRegex(pattern: string): TranslatedRegex {
  const flags: Flags = { ignoreCase: false, multiline: false, dotAll: false, ascii: false };
  let i = 0;
  const fail = (reason: string): never => {
    throw new PythonRegexError(pattern, reason);
  };

  // Global inline flags: only at the very start (Python 3.11 rejects them elsewhere).
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(pattern.slice(i));
    if (!m) break;
    for (const f of m[1] ?? '') {
      if (f === 'i') flags.ignoreCase = true;
      else if (f === 'm') flags.multiline = true;
      else if (f === 's') flags.dotAll = true;
      else if (f === 'a') flags.ascii = true;
      else if (f === 'x') fail('verbose mode (?x) is not supported; remove the whitespace and comments');
      else if (f === 'L') fail('locale mode (?L) is not supported');
    }
    i += m[0].length;
  }

  const word = flags.ascii ? 'A-Za-z0-9_' : WORD;
  const wordClass = `[${word}]`;
  const notWordClass = `[^${word}]`;
  const digit = flags.ascii ? '0-9' : '\\p{Nd}';
  const space = flags.ascii ? '\\t-\\r ' : SPACE;
  const boundary = `(?:(?<=${wordClass})(?!${wordClass})|(?<!${wordClass})(?=${wordClass}))`;
  const notBoundary = `(?:(?<=${wordClass})(?=${wordClass})|(?<!${wordClass})(?!${wordClass}))`;

  let out = '';
  /** Whether the last emitted item can take a quantifier. */
  let quantifiable = false;
  let lastWasQuantifier = false;

  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const { text, next, atom } = translateEscape(pattern, i, false);
      out += text;
      i = next;
      quantifiable = atom;
      lastWasQuantifier = false;
      continue;
    }
    if (c === '[') {
      const { text, next } = translateClass(pattern, i);
      out += text;
      i = next;
      quantifiable = true;
      lastWasQuantifier = false;
      continue;
    }
    if (c === '(') {
      const rest = pattern.slice(i);
      let m: RegExpExecArray | null;
      if (rest.startsWith('(?#')) {
        const end = pattern.indexOf(')', i);
        if (end < 0) fail('unterminated comment (?#');
        i = end + 1;
        continue;
      }
      if ((m = /^\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest))) {
        out += `(?<${m[1] ?? ''}>`;
        i += m[0].length;
      } else if ((m = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest))) {
        out += `\\k<${m[1] ?? ''}>`;
        i += m[0].length;
        quantifiable = true;
        lastWasQuantifier = false;
        continue;
      } else if (/^\(\?(?:[:=!]|<[=!])/.test(rest)) {
        const len = rest.startsWith('(?<') ? 4 : 3;
        out += rest.slice(0, len);
        i += len;
      } else if (rest.startsWith('(?<')) {
        // Python 3.12+ does not take (?<name>…) either, but JS does: keep it.
        out += '(?<';
        i += 3;
      } else if (rest.startsWith('(?(')) {
        fail('conditional groups (?(id)yes|no) are not supported');
      } else if (rest.startsWith('(?>')) {
        fail('atomic groups (?>…) are not supported');
      } else if (rest.startsWith('(?P')) {
        fail(`unknown extension ${rest.slice(0, 4)}`);
      } else if (/^\(\?[aiLmsux-]+[:)]/.test(rest)) {
        fail(
          rest.includes(':') && /^\(\?[aiLmsux-]+:/.test(rest)
            ? 'scoped inline flags (?i:…) are not supported; put global flags such as (?i) at the start'
            : 'global flags such as (?i) must be at the start of the pattern',
        );
      } else if (rest.startsWith('(?')) {
        fail(`unknown extension ${rest.slice(0, 3)}`);
      } else {
        out += '(';
        i += 1;
      }
      quantifiable = false;
      lastWasQuantifier = false;
      continue;
    }
    if (c === ')') {
      out += ')';
      i++;
      quantifiable = true;
      lastWasQuantifier = false;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      if (lastWasQuantifier) {
        if (c === '+') fail('possessive quantifiers (*+, ++, ?+, {m,n}+) are not supported');
        if (c === '?') {
          out += '?'; // lazy
          i++;
          lastWasQuantifier = false;
          continue;
        }
        fail(`multiple repeat at position ${i}`);
      }
      if (!quantifiable) fail(`nothing to repeat at position ${i}`);
      out += c;
      i++;
      lastWasQuantifier = true;
      quantifiable = false;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(pattern.slice(i));
      const isQuantifier = m !== null && ((m[1] ?? '') !== '' || (m[2] !== undefined && (m[3] ?? '') !== ''));
      if (m && isQuantifier) {
        if (lastWasQuantifier) fail('possessive quantifiers (*+, ++, ?+, {m,n}+) are not supported');
        if (!quantifiable) fail(`nothing to repeat at position ${i}`);
        const lo = m[1] === '' ? '0' : (m[1] ?? '0');
        out += m[2] === undefined ? `{${lo}}` : `{${lo},${m[3] ?? ''}}`;
        i += m[0].length;
        lastWasQuantifier = true;
        quantifiable = false;
        continue;
      }
      out += '\\{';
      i++;
      quantifiable = true;
      lastWasQuantifier = false;
      continue;
    }
    lastWasQuantifier = false;
    quantifiable = true;
    i++;
    switch (c) {
      case '}':
        out += '\\}';
        break;
      case ']':
        out += '\\]';
        break;
      case '.':
        out += flags.dotAll ? '[\\s\\S]' : '[^\\n]';
        break;
      case '^':
        out += flags.multiline ? '(?:^|(?<=\\n))' : '^';
        quantifiable = false;
        break;
      case '$':
        out += flags.multiline ? '(?=\\n|$)' : '(?:$|(?=\\n$))';
        quantifiable = false;
        break;
      case '|':
        out += '|';
        quantifiable = false;
        break;
      case '/':
        out += '\\/';
        break;
      default:
        out += c;
    }
  }

  const jsFlags = flags.ignoreCase ? 'iu' : 'u';
  try {
    new RegExp(out, jsFlags);
  } catch (e) {
    fail(e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e));
  }
  return { source: out, flags: jsFlags };

  /** One escape sequence at `at` (a backslash); inside a class when `inClass`. */
  function translateEscape(
    p: string,
    at: number,
    inClass: boolean,
  ): { text: string; next: number; atom: boolean } {
    const e = p[at + 1];
    if (e === undefined) return fail('bad escape (end of pattern)');
    const next = at + 2;
    switch (e) {
      case 'd':
        return { text: inClass ? digit : `[${digit}]`, next, atom: true };
      case 'D':
        if (inClass && !flags.ascii) fail('\\D inside a character class is not supported');
        return { text: inClass ? '\\D' : `[^${digit}]`, next, atom: true };
      case 'w':
        return { text: inClass ? word : wordClass, next, atom: true };
      case 'W':
        if (inClass && !flags.ascii) fail('\\W inside a character class is not supported');
        return { text: inClass ? '\\W' : notWordClass, next, atom: true };
      case 's':
        return { text: inClass ? space : `[${space}]`, next, atom: true };
      case 'S':
        if (inClass && !flags.ascii) fail('\\S inside a character class is not supported');
        return { text: inClass ? '\\S' : `[^${space}]`, next, atom: true };
      case 'b':
        return inClass ? { text: '\\x08', next, atom: true } : { text: boundary, next, atom: false };
      case 'B':
        if (inClass) fail('bad escape \\B inside a character class');
        return { text: notBoundary, next, atom: false };
      case 'A':
        if (inClass) fail('bad escape \\A inside a character class');
        return { text: '^', next, atom: false };
      case 'Z':
        if (inClass) fail('bad escape \\Z inside a character class');
        return { text: '$', next, atom: false };
      case 'a':
        return { text: '\\x07', next, atom: true };
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
        return { text: `\\${e}`, next, atom: true };
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(p.slice(next));
        if (!m) fail('incomplete escape \\x');
        return { text: `\\x${m?.[0] ?? ''}`, next: next + 2, atom: true };
      }
      case 'u': {
        const m = /^[0-9A-Fa-f]{4}/.exec(p.slice(next));
        if (!m) fail('incomplete escape \\u');
        return { text: `\\u${m?.[0] ?? ''}`, next: next + 4, atom: true };
      }
      case 'U': {
        const m = /^[0-9A-Fa-f]{8}/.exec(p.slice(next));
        if (!m) fail('incomplete escape \\U');
        const cp = parseInt(m?.[0] ?? '0', 16);
        if (cp > 0x10ffff) fail(`bad escape \\U${m?.[0] ?? ''}`);
        return { text: `\\u{${cp.toString(16)}}`, next: next + 8, atom: true };
      }
      case 'N':
        return fail('named characters \\N{…} are not supported; write the character itself');
      default:
        break;
    }
    if (e >= '0' && e <= '9') {
      // Octal: \0, \0oo, or three octal digits; otherwise a backreference (outside classes).
      const oct = /^(0[0-7]{0,2}|[0-3][0-7]{2})/.exec(p.slice(at + 1));
      if (oct) {
        return { text: `\\u{${parseInt(oct[0], 8).toString(16)}}`, next: at + 1 + oct[0].length, atom: true };
      }
      if (inClass) fail(`bad escape \\${e} inside a character class`);
      const ref = /^[1-9][0-9]?/.exec(p.slice(at + 1));
      const digits = ref?.[0] ?? e;
      return { text: `\\${digits}`, next: at + 1 + digits.length, atom: true };
    }
    if (/[A-Za-z]/.test(e)) fail(`bad escape \\${e}`);
    // Any other escaped character is itself in Python.
    if (inClass)
      return {
        text: e === '-' || e === ']' || e === '\\' || e === '^' ? `\\${e}` : literalInClass(e),
        next,
        atom: true,
      };
    return { text: JS_SYNTAX.has(e) ? `\\${e}` : e, next, atom: true };
  }

  /** A character class starting at `at` ('['), up to its closing ']'. */
  function translateClass(p: string, at: number): { text: string; next: number } {
    let j = at + 1;
    let text = '[';
    if (p[j] === '^') {
      text += '^';
      j++;
    }
    // A ']' right after '[' or '[^' is a literal in Python.
    if (p[j] === ']') {
      text += '\\]';
      j++;
    }
    while (j < p.length && p[j] !== ']') {
      const ch = p[j] as string;
      if (ch === '\\') {
        const { text: t, next } = translateEscape(p, j, true);
        text += t;
        j = next;
        continue;
      }
      text += ch === '-' ? '-' : literalInClass(ch);
      j++;
    }
    if (j >= p.length) fail(`unterminated character set at position ${at}`);
    return { text: `${text}]`, next: j + 1 };
  }

  function literalInClass(ch: string): string {
    return ch === '[' || ch === '/' || ch === '{' || ch === '}' || ch === '(' || ch === ')' || ch === '|'
      ? `\\${ch}`
      : ch;
  }
}

/**
 * Compiles a Python `re` pattern into a JS RegExp (see `translatePythonRegex`); `test(value)`
 * is then `re.search(pattern, value) is not None`.
 */
export function compilePythonRegex(pattern: string): RegExp {
  const { source, flags } = translatePythonRegex(pattern);
  return new RegExp(source, flags);
}
