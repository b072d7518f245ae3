/**
 * Spec text → plain value, before `compileReleaseSpec`. YAML 1.2 (which includes JSON); a JSON
 * document is read with `JSON.parse` first. Kept apart from compile.ts so workflow code that
 * compiles an already-parsed spec does not bundle the YAML parser.
 */
import { LineCounter, parseDocument } from 'yaml';
import { SpecError } from '../errors';
import type { SpecIssue } from '../errors';

/**
 * Parses spec text (YAML or JSON). Duplicate keys are errors (a later key would silently win).
 * @param source the file name, for error messages.
 * @throws SpecError with one issue per syntax error, each message starting `line L, column C:`.
 */
export function parseSpecText(text: string, source: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Fall through: the YAML parser reports the error with a line and column.
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const issues: SpecIssue[] = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      const where = `line ${at.line}, column ${at.col}: `;
      return { path: '', message: `${where}${e.message.split('\n')[0] ?? e.message}` };
    });
    throw new SpecError(source, issues);
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}
