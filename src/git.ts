import { execFile } from 'node:child_process';

/** The commit HEAD points to in the git checkout holding `dir`, or undefined outside one. */
export function gitCommitOf(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeout: 5000 }, (err, stdout) => {
      resolve(err ? undefined : stdout.trim() || undefined);
    });
  });
}
