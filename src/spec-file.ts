/**
 * Node-side entry to the spec compiler: reads a spec file from disk and compiles it. The pure
 * compiler lives in src/core/spec/ (importable from workflows); this file owns the I/O.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SpecError } from './core/errors';
import { compileReleaseSpec } from './core/spec/compile';
import { parseSpecText } from './core/spec/parse-text';
import type { ReleaseSpec } from './core/spec/types';

/**
 * Reads, parses and compiles a spec file. Relative paths in the spec resolve against the file's
 * directory; `source` in errors is the absolute path.
 * @param path spec file (YAML or JSON), relative to the current directory or absolute.
 * @param params `--param name=value` overrides; each must be declared in the spec.
 * @throws SpecError when the file is missing or unreadable, is not valid YAML/JSON, or does not compile.
 */
export async function loadReleaseSpecFile(path: string, params?: Record<string, string>): Promise<ReleaseSpec> {
  return (await readReleaseSpecFile(path, params)).spec;
}

/** A spec file as written (`raw`, what a workflow is started with) and compiled. */
export interface SpecFile {
  raw: unknown;
  spec: ReleaseSpec;
  /** Absolute directory of the file. */
  specDir: string;
}

/** Like `loadReleaseSpecFile`, also returning the parsed file and its directory. */
export async function readReleaseSpecFile(path: string, params?: Record<string, string>): Promise<SpecFile> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `spec file not found: ${abs}`
        : code === 'EISDIR'
          ? `spec path is a directory, expected a file such as ${abs}/mlcd.yaml`
          : `cannot read spec file ${abs}: ${e instanceof Error ? e.message : String(e)}`;
    throw new SpecError(abs, [{ path: '', message }], { cause: e });
  }
  const raw = parseSpecText(text, abs);
  const specDir = dirname(abs);
  const spec = compileReleaseSpec(raw, {
    source: abs,
    specDir,
    ...(params !== undefined ? { params } : {}),
  });
  return { raw, spec, specDir };
}
