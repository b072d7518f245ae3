import { promises as fs } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';

import { datasetUnusable } from './dataset-unusable';

/** A dataset path after resolution: real path and size, known to be a regular file. */
export interface ResolvedDataPath {
  /** Absolute, symlinks resolved. */
  realPath: string;
  /** In bytes. */
  size: number;
}

/**
 * Turns a local path or `file://` URI into an absolute path (relative paths resolve against
 * the process's working directory; the spec compiler already makes them absolute).
 *
 * @throws DataUnusableError for another URI scheme or a malformed `file:` URI
 */
export function toLocalPath(pathOrUri: string): string {
  if (/^file:/i.test(pathOrUri)) {
    try {
      return fileURLToPath(pathOrUri);
    } catch (err) {
      throw datasetUnusable(pathOrUri, 'not a valid file:// URI', err);
    }
  }
  // A scheme of two or more letters (one letter is a Windows drive) that is not `file:`.
  const scheme = /^([a-z][a-z0-9+.-]+):\/\//i.exec(pathOrUri);
  if (scheme)
    throw datasetUnusable(
      pathOrUri,
      `unsupported URI scheme ${scheme[1]}: only local paths and file:// URIs are read`,
    );
  return nodePath.resolve(pathOrUri);
}

/**
 * Resolves a dataset path and checks it may be read: symlinks are resolved with `realpath`
 * (for the file and for the roots) before the containment check, so a link cannot lead outside
 * the allowed roots. The file must exist, be a regular file and be non-empty.
 *
 * @param pathOrUri - a local path or a `file://` URI
 * @param allowedRoots - absolute directories; the file must lie within one of them
 * @throws DataUnusableError naming the path (and the roots, when outside them)
 */
export async function resolveDataPath(
  pathOrUri: string,
  allowedRoots: readonly string[],
): Promise<ResolvedDataPath> {
  const local = toLocalPath(pathOrUri);
  const roots = await Promise.all(allowedRoots.map(realRoot));
  const outside = (p: string): Error =>
    datasetUnusable(
      p,
      roots.length === 0
        ? 'no allowed data roots are configured (data.allowedRoots)'
        : `path is outside the allowed data roots (${roots.join(', ')})`,
    );

  let realPath: string;
  try {
    realPath = await fs.realpath(local);
  } catch (err) {
    // Outside-the-roots takes precedence: do not tell whether a file outside them exists.
    if (!roots.some((r) => isWithin(r, local))) throw outside(local);
    if (isNodeError(err) && err.code === 'ENOENT') throw datasetUnusable(local, 'file not found');
    throw datasetUnusable(local, 'cannot resolve path', err);
  }
  if (!roots.some((r) => isWithin(r, realPath)))
    throw outside(realPath === local ? local : `${local} (-> ${realPath})`);

  let stat;
  try {
    stat = await fs.stat(realPath);
  } catch (err) {
    throw datasetUnusable(realPath, 'cannot stat file', err);
  }
  if (!stat.isFile()) throw datasetUnusable(realPath, 'not a regular file');
  if (stat.size === 0) throw datasetUnusable(realPath, 'empty file (0 bytes)');
  return { realPath, size: stat.size };
}

async function realRoot(root: string): Promise<string> {
  const abs = nodePath.resolve(root);
  try {
    return await fs.realpath(abs);
  } catch {
    // A root that does not exist contains nothing real; keep it lexical for the message.
    return abs;
  }
}

function isWithin(root: string, p: string): boolean {
  const rel = nodePath.relative(root, p);
  if (rel === '') return true;
  return rel !== '..' && !rel.startsWith(`..${nodePath.sep}`) && !nodePath.isAbsolute(rel);
}

// Duck-typed: errors of Node's core modules fail `instanceof Error` across VM contexts (jest).
function isNodeError(err: unknown): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string';
}
