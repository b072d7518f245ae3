import { createHash, randomBytes } from 'node:crypto';
import {
  cp,
  link,
  mkdir,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { BackendError } from '../../core/errors';
import { MODEL_ALIASES } from './types';
import type {
  LocalArtifactsOptions,
  ModelAlias,
  ModelLineage,
  ModelRegistry,
  ModelVersion,
  RegisterRequest,
} from './types';

/** Model names become directory names. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const VERSION = /^[1-9][0-9]*$/;

/** Options of {@link LocalModelRegistry}. */
export interface LocalModelRegistryOptions {
  /** Registry root directory; created on demand. */
  root: string;
}

/** Content of `keys/<sha256(idempotencyKey)>.json`. */
interface KeyRecord {
  idempotencyKey: string;
  version: string;
}

/**
 * A model registry in a local directory:
 *
 * ```
 * <root>/<model>/versions/<n>/artifact/       copy of the registered artifactDir
 * <root>/<model>/versions/<n>/version.json    the ModelVersion
 * <root>/<model>/aliases.json                 { production?: "n", previous?: "n", candidate?: "n" }
 * <root>/<model>/keys/<sha256(key)>.json      idempotency key → version
 * ```
 *
 * Version numbers are allocated by an atomic `mkdir` of `versions/<n>`; the key → version link is
 * created with an atomic hard link, so two registers with one key agree on one version; every JSON
 * file is written to a temporary file and renamed. A register that crashed after allocating its
 * number is finished by the retry with the same key. A version directory without `version.json`
 * and without a key pointing at it is an abandoned allocation and is not listed.
 *
 * `updateMetadata` is a read-modify-write without a lock: the release that owns a version is its
 * only writer.
 */
export class LocalModelRegistry implements ModelRegistry {
  /** Backend kind as named in the spec (`backends.registry.kind`). */
  readonly kind = 'local';
  private readonly root: string;

  /** @param options - where the registry lives; see {@link LocalModelRegistryOptions}. */
  constructor(options: LocalModelRegistryOptions) {
    this.root = resolve(options.root);
  }

  /** Preflight: the root directory exists (or can be created) and is writable. */
  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      const probe = join(this.root, `.probe-${process.pid}-${randomBytes(4).toString('hex')}`);
      await writeFile(probe, 'ok');
      await unlink(probe);
    } catch (err) {
      throw new BackendError(`local registry: ${this.root} is not writable`, false, { cause: err });
    }
  }

  /**
   * Copies `artifactDir` into the registry as the next version of `model`. The same
   * `idempotencyKey` returns the version it registered before without copying again (and
   * completes it if that attempt crashed half-way).
   *
   * @throws BackendError (non-retryable) on an invalid model name or a missing artifact directory.
   */
  async register(req: RegisterRequest): Promise<ModelVersion> {
    const modelDir = this.modelDir(req.model);
    const keyPath = join(
      modelDir,
      'keys',
      `${createHash('sha256').update(req.idempotencyKey).digest('hex')}.json`,
    );

    const known = await readJson<KeyRecord>(keyPath);
    if (known) return this.finish(req, known.version);

    try {
      if (!(await stat(req.artifactDir)).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new BackendError(
        `registry ${req.model}: artifact directory ${req.artifactDir} does not exist or is not a directory`,
        false,
        { cause: err },
      );
    }
    await mkdir(join(modelDir, 'versions'), { recursive: true });
    await mkdir(join(modelDir, 'keys'), { recursive: true });
    const version = await this.allocate(modelDir);

    // Claim the key for this version: link() fails if another register claimed it first.
    const tmp = tmpName(keyPath);
    await writeFile(
      tmp,
      `${JSON.stringify({ idempotencyKey: req.idempotencyKey, version } satisfies KeyRecord, null, 2)}\n`,
    );
    try {
      await link(tmp, keyPath);
    } catch (err) {
      if (errCode(err) !== 'EEXIST')
        throw new BackendError(`registry ${req.model}: cannot write ${keyPath}`, true, { cause: err });
      await rmdir(join(modelDir, 'versions', version)).catch(() => undefined);
      const winner = await readJson<KeyRecord>(keyPath);
      if (!winner)
        throw new BackendError(`registry ${req.model}: unreadable idempotency record ${keyPath}`, true);
      return this.finish(req, winner.version);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    return this.finish(req, version);
  }

  /** The version, or undefined when it does not exist (or was never completed). */
  async getVersion(model: string, version: string): Promise<ModelVersion | undefined> {
    if (!VERSION.test(version)) return undefined;
    return readJson<ModelVersion>(join(this.modelDir(model), 'versions', version, 'version.json'));
  }

  /** Every completed version of `model`, oldest first (numeric order); empty for an unknown model. */
  async listVersions(model: string): Promise<ModelVersion[]> {
    const names = await readdirOrEmpty(join(this.modelDir(model), 'versions'));
    const numbers = names.filter((n) => VERSION.test(n)).sort((a, b) => Number(a) - Number(b));
    const versions = await Promise.all(numbers.map((n) => this.getVersion(model, n)));
    return versions.filter((v): v is ModelVersion => v !== undefined);
  }

  /** The version `alias` points to, or undefined when the alias is unset. */
  async resolveAlias(model: string, alias: ModelAlias): Promise<ModelVersion | undefined> {
    const aliases = await this.readAliases(model);
    const version = aliases[alias];
    return version === undefined ? undefined : this.getVersion(model, version);
  }

  /**
   * Sets (string) or clears (null) several aliases in one atomic write of `aliases.json`;
   * aliases not named keep their value.
   *
   * @throws BackendError (non-retryable) naming the alias for an unknown alias or a version that
   *   does not exist.
   */
  async setAliases(model: string, aliases: Partial<Record<ModelAlias, string | null>>): Promise<void> {
    const modelDir = this.modelDir(model);
    const next = await this.readAliases(model);
    for (const [alias, version] of Object.entries(aliases) as [string, string | null | undefined][]) {
      if (!(MODEL_ALIASES as readonly string[]).includes(alias)) {
        throw new BackendError(
          `registry ${model}: unknown alias ${JSON.stringify(alias)} (expected one of ${MODEL_ALIASES.join(', ')})`,
          false,
        );
      }
      if (version === undefined) continue;
      if (version === null) {
        delete next[alias as ModelAlias];
        continue;
      }
      if (!(await this.getVersion(model, version))) {
        throw new BackendError(
          `registry ${model}: cannot point alias ${alias} at version ${JSON.stringify(version)}: no such version`,
          false,
        );
      }
      next[alias as ModelAlias] = version;
    }
    await mkdir(modelDir, { recursive: true });
    await writeJson(join(modelDir, 'aliases.json'), next);
  }

  /**
   * Shallow-merges `patch` into the version's metadata.
   *
   * @throws BackendError (non-retryable) when the version does not exist.
   */
  async updateMetadata(model: string, version: string, patch: Record<string, unknown>): Promise<void> {
    const current = await this.getVersion(model, version);
    if (!current)
      throw new BackendError(
        `registry ${model}: cannot update metadata of version ${JSON.stringify(version)}: no such version`,
        false,
      );
    const updated: ModelVersion = { ...current, metadata: { ...current.metadata, ...patch } };
    await writeJson(join(this.modelDir(model), 'versions', version, 'version.json'), updated);
  }

  /**
   * The registry's own copy of the version's artifact (`versions/<n>/artifact`): already local, so
   * nothing is copied (`options.cacheDir` is ignored).
   *
   * @throws BackendError (non-retryable) when the version does not exist, its artifact URI is not
   *   `options.artifactUri` (when given) or its artifact directory is gone.
   */
  async localArtifacts(model: string, version: string, options: LocalArtifactsOptions = {}): Promise<string> {
    const v = await this.getVersion(model, version);
    if (!v)
      throw new BackendError(
        `registry ${model}: cannot get the artifacts of version ${JSON.stringify(version)}: no such version`,
        false,
      );
    if (options.artifactUri !== undefined && options.artifactUri !== v.artifactUri) {
      throw new BackendError(
        `registry ${model}: version ${version} holds ${v.artifactUri}, not the recorded ${options.artifactUri}: ` +
          'the version number names another model here (did backends.registry change?)',
        false,
      );
    }
    try {
      if (!(await stat(v.artifactUri)).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new BackendError(
        `registry ${model}: the artifact directory ${v.artifactUri} of version ${version} is missing`,
        false,
        { cause: err },
      );
    }
    return v.artifactUri;
  }

  private modelDir(model: string): string {
    if (typeof model !== 'string' || !MODEL_NAME.test(model)) {
      throw new BackendError(
        `invalid model name ${JSON.stringify(model)}: expected 1-200 characters of [A-Za-z0-9._-], starting with a letter or digit`,
        false,
      );
    }
    return join(this.root, model);
  }

  private async readAliases(model: string): Promise<Partial<Record<ModelAlias, string>>> {
    return (
      (await readJson<Partial<Record<ModelAlias, string>>>(join(this.modelDir(model), 'aliases.json'))) ?? {}
    );
  }

  /** Next free version number: one above the highest directory, then mkdir until one is ours. */
  private async allocate(modelDir: string): Promise<string> {
    const versionsDir = join(modelDir, 'versions');
    const names = await readdirOrEmpty(versionsDir);
    let n = Math.max(0, ...names.filter((x) => VERSION.test(x)).map(Number)) + 1;
    for (;;) {
      try {
        await mkdir(join(versionsDir, String(n)));
        return String(n);
      } catch (err) {
        if (errCode(err) !== 'EEXIST')
          throw new BackendError(`registry: cannot allocate ${join(versionsDir, String(n))}`, true, {
            cause: err,
          });
        n++;
      }
    }
  }

  /** Completes version `version` for `req` unless version.json exists already; returns what is on disk. */
  private async finish(req: RegisterRequest, version: string): Promise<ModelVersion> {
    const versionDir = join(this.modelDir(req.model), 'versions', version);
    const done = await readJson<ModelVersion>(join(versionDir, 'version.json'));
    if (done) return done;

    const artifact = join(versionDir, 'artifact');
    if (!(await exists(artifact))) {
      // Copy next to the target, then rename: a crash never leaves a partial `artifact`.
      const staging = tmpName(artifact);
      try {
        await mkdir(versionDir, { recursive: true });
        await cp(req.artifactDir, staging, { recursive: true, errorOnExist: true, force: false });
        await rename(staging, artifact);
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        // Another attempt with the same key renamed its copy first: keep that one.
        if (!(await exists(artifact))) {
          throw new BackendError(
            `registry ${req.model}: cannot copy ${req.artifactDir} to ${artifact}`,
            !isMissing(err),
            { cause: err },
          );
        }
      }
    }
    const record: ModelVersion = {
      model: req.model,
      version,
      artifactUri: artifact,
      createdAt: Date.now(),
      lineage: cloneLineage(req.lineage),
      metadata: { ...req.metadata },
    };
    // Create-once (link fails if it exists): racing attempts with one key all return the first record.
    await createJson(join(versionDir, 'version.json'), record);
    return (await readJson<ModelVersion>(join(versionDir, 'version.json'))) ?? record;
  }
}

function cloneLineage(l: ModelLineage): ModelLineage {
  return JSON.parse(JSON.stringify(l)) as ModelLineage;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function isMissing(err: unknown): boolean {
  return errCode(err) === 'ENOENT';
}

function tmpName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw new BackendError(`registry: cannot list ${dir}`, true, { cause: err });
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new BackendError(`registry: cannot read ${path}`, true, { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new BackendError(`registry: ${path} is not valid JSON`, false, { cause: err });
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = tmpName(path);
  try {
    await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new BackendError(`registry: cannot write ${path}`, true, { cause: err });
  }
}

/** Writes `path` only if it does not exist yet, atomically (tmp file + hard link). */
async function createJson(path: string, value: unknown): Promise<void> {
  const tmp = tmpName(path);
  try {
    await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
    await link(tmp, path);
  } catch (err) {
    if (errCode(err) !== 'EEXIST')
      throw new BackendError(`registry: cannot write ${path}`, true, { cause: err });
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
