/**
 * A few pure POSIX path helpers for the spec compiler. `node:path` is not available to workflow
 * code (src/core is imported by Temporal workflows), so the compiler resolves paths with these.
 * They work on strings only: no symlinks are followed (the data loader re-checks real paths).
 */

/** Whether `p` is absolute (starts with `/`). */
export function isAbsolutePosix(p: string): boolean {
  return p.startsWith('/');
}

/**
 * Normalizes an absolute path: collapses `//`, removes `.` segments, resolves `..` (never above
 * `/`) and drops a trailing slash. `"/a/./b/../c/"` → `"/a/c"`.
 */
export function normalizePosix(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/**
 * Resolves `p` against the absolute directory `base`: an absolute `p` is only normalized, a
 * relative one is joined to `base` first. `resolvePosix('/spec', 'data/x.arrow')` → `"/spec/data/x.arrow"`.
 */
export function resolvePosix(base: string, p: string): string {
  if (!isAbsolutePosix(base)) throw new TypeError(`base directory must be absolute, got "${base}"`);
  return normalizePosix(isAbsolutePosix(p) ? p : `${base}/${p}`);
}

/** Whether the normalized absolute path `p` is `root` itself or lies below it. */
export function isWithinPosix(root: string, p: string): boolean {
  const r = normalizePosix(root);
  const q = normalizePosix(p);
  return q === r || q.startsWith(r === '/' ? '/' : `${r}/`);
}
