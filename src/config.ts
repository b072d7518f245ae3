import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where mlcd keeps its state: the Temporal SQLite file, job state and logs, the local registry,
 * the serving daemon's state, release artifacts. `MLCD_HOME`, default `./.mlcd` of the project.
 */
export function mlcdHome(): string {
  return resolve(process.env.MLCD_HOME ?? join(projectRoot(), '.mlcd'));
}

/** The project root: the directory holding package.json above dist/ or src/. */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

/**
 * The venv `scripts/setup.sh` made: under MLCD_HOME, or the project's `.mlcd/venv` when
 * MLCD_HOME points elsewhere (tests, a second state dir).
 */
export function venvBin(): string | undefined {
  return [join(mlcdHome(), 'venv', 'bin'), join(projectRoot(), '.mlcd', 'venv', 'bin')].find((d) => existsSync(d));
}

/** The Python that runs example jobs and model servers: `MLCD_PYTHON`, else the venv's, else python3. */
export function pythonPath(): string {
  if (process.env.MLCD_PYTHON) return process.env.MLCD_PYTHON;
  const bin = venvBin();
  return bin ? join(bin, 'python') : 'python3';
}

/** Paths under MLCD_HOME, in one place so every process agrees. */
export const statePaths = {
  jobs: () => join(mlcdHome(), 'jobs'),
  registry: () => join(mlcdHome(), 'registry'),
  /** Local copies of remote registry artifacts (e.g. MLflow), one directory per version. */
  registryCache: () => join(mlcdHome(), 'registry-cache'),
  artifacts: () => join(mlcdHome(), 'artifacts'),
  serving: () => join(mlcdHome(), 'serving'),
  temporalDb: () => join(mlcdHome(), 'temporal.db'),
  run: () => join(mlcdHome(), 'run'),
};

/** Default address of the local serving daemon (defined with the spec defaults, which need it too). */
export { DEFAULT_SERVING_URL } from './core/spec/schema';
