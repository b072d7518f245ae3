import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { statePaths } from '../../config';
import { BackendError } from '../../core/errors';
import { fetchErrorText, isFetchTimeout } from '../fetch-errors';
import { MODEL_ALIASES } from './types';
import type {
  LocalArtifactsOptions,
  ModelAlias,
  ModelLineage,
  ModelRegistry,
  ModelVersion,
  RegisterRequest,
} from './types';

/**
 * Tag keys mlcd writes on MLflow model versions (and runs). Lineage strings are stored as they are,
 * structured values JSON-encoded; every `metadata` key is its own tag, its value JSON-encoded.
 */
export const MLFLOW_TAGS = {
  /** The caller's idempotency key, as given. */
  idempotencyKey: 'mlcd.idempotencyKey',
  /** sha256 (hex) of the idempotency key: what register searches by (safe inside a filter string). */
  idempotencyKeySha256: 'mlcd.idempotencyKeySha256',
  releaseId: 'mlcd.lineage.releaseId',
  specHash: 'mlcd.lineage.specHash',
  /** JSON object: role → sha256. */
  dataFingerprints: 'mlcd.lineage.dataFingerprints',
  /** Absent when the lineage has no commit. */
  codeCommit: 'mlcd.lineage.codeCommit',
  /** Prefix of one tag per metadata key: `mlcd.metadata.<key>` = JSON value. */
  metadataPrefix: 'mlcd.metadata.',
} as const;

/**
 * Largest model-version tag value MLflow accepts, in characters (Unicode code points):
 * `MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH` of MLflow 3.x. Longer values are refused before anything is
 * written (see {@link MlflowModelRegistry}).
 */
export const MLFLOW_TAG_VALUE_LIMIT = 100_000;
/** Largest tag key MLflow accepts, in characters. */
export const MLFLOW_TAG_KEY_LIMIT = 250;
/** Metadata keys that become tag keys verbatim: MLflow allows only these characters in tag keys. */
const METADATA_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Model names are interpolated into search filters; the same rule as the local registry. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const VERSION = /^[1-9][0-9]*$/;
/** Prefix of the experiment holding the runs whose artifacts back the model versions. */
const EXPERIMENT_PREFIX = 'mlcd/';
/** Subdirectory of a run's artifacts that holds the registered model directory. */
const MODEL_ARTIFACT_PATH = 'model';
const PAGE_SIZE = 1000;
/** The REST endpoints used, under the tracking URI. */
const API = {
  searchModels: '/api/2.0/mlflow/registered-models/search',
  createModel: '/api/2.0/mlflow/registered-models/create',
  getModel: '/api/2.0/mlflow/registered-models/get',
  alias: '/api/2.0/mlflow/registered-models/alias',
  createVersion: '/api/2.0/mlflow/model-versions/create',
  getVersion: '/api/2.0/mlflow/model-versions/get',
  searchVersions: '/api/2.0/mlflow/model-versions/search',
  deleteVersion: '/api/2.0/mlflow/model-versions/delete',
  setTag: '/api/2.0/mlflow/model-versions/set-tag',
  deleteTag: '/api/2.0/mlflow/model-versions/delete-tag',
  getExperiment: '/api/2.0/mlflow/experiments/get-by-name',
  createExperiment: '/api/2.0/mlflow/experiments/create',
  searchRuns: '/api/2.0/mlflow/runs/search',
  createRun: '/api/2.0/mlflow/runs/create',
  updateRun: '/api/2.0/mlflow/runs/update',
  /** The artifact proxy (`mlflow server --serve-artifacts`): list with `?path=`, PUT/GET `/<path>`. */
  artifacts: '/api/2.0/mlflow-artifacts/artifacts',
} as const;

/** Options of {@link MlflowModelRegistry}. */
export interface MlflowModelRegistryOptions {
  /** Base URL of the MLflow tracking server, e.g. `http://127.0.0.1:5000` (a trailing `/` is ignored). */
  trackingUri: string;
  /** Bearer token (what MLflow clients read from `MLFLOW_TRACKING_TOKEN`). */
  token?: string;
  /** Basic-auth user and password (`MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`). */
  username?: string;
  password?: string;
  /** Timeout of one REST call, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Timeout of one artifact file upload or download, in ms. Default 600 000 (10 min). */
  artifactTimeoutMs?: number;
  /**
   * Where {@link MlflowModelRegistry.localArtifacts} keeps downloaded versions when the call names
   * no directory. Default `<MLCD_HOME>/registry-cache`, read at each call.
   */
  cacheDir?: string;
}

/**
 * A call to the MLflow server failed: the message names the operation, the method and URL, the HTTP
 * status and MLflow's error code and message; `cause` keeps the network error or the response body.
 * Retryable for network failures, timeouts, 408, 429 and 5xx; not for other statuses.
 */
export class MlflowRegistryError extends BackendError {
  constructor(
    /** What mlcd was doing, e.g. `create model version churn`. */
    readonly operation: string,
    /** `METHOD url` of the failed request (credentials never appear: they travel in headers). */
    readonly url: string,
    /** HTTP status, or undefined when no response arrived. */
    readonly status: number | undefined,
    /** MLflow's `error_code` (e.g. `RESOURCE_DOES_NOT_EXIST`), when the body carried one. */
    readonly errorCode: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `mlflow registry: ${operation} failed: ${url} → ${status !== undefined ? `HTTP ${status}` : 'no response'}` +
        `${errorCode !== undefined ? ` ${errorCode}` : ''}: ${detail}`,
      status === undefined || status === 408 || status === 429 || status >= 500,
      options,
    );
  }
}

/** The credentials an MLflow client takes from the environment (`MLFLOW_TRACKING_*`). */
export function mlflowAuthFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<MlflowModelRegistryOptions, 'token' | 'username' | 'password'> {
  return {
    ...(env.MLFLOW_TRACKING_TOKEN ? { token: env.MLFLOW_TRACKING_TOKEN } : {}),
    ...(env.MLFLOW_TRACKING_USERNAME ? { username: env.MLFLOW_TRACKING_USERNAME } : {}),
    ...(env.MLFLOW_TRACKING_PASSWORD ? { password: env.MLFLOW_TRACKING_PASSWORD } : {}),
  };
}

/** MLflow REST shapes (the fields mlcd reads). */
interface MlflowTag {
  key: string;
  value?: string;
}
interface MlflowModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number | string;
  source?: string;
  run_id?: string;
  tags?: MlflowTag[];
}
interface MlflowRunInfo {
  run_id: string;
  experiment_id: string;
  artifact_uri?: string;
  lifecycle_stage?: string;
}
interface MlflowExperiment {
  experiment_id: string;
  lifecycle_stage?: string;
}
interface MlflowFileInfo {
  path: string;
  is_dir?: boolean;
}

interface RequestOptions {
  query?: Record<string, string>;
  json?: unknown;
  blob?: Blob;
  timeoutMs?: number;
  /** Answer undefined instead of throwing on 404 (MLflow's RESOURCE_DOES_NOT_EXIST). */
  allowNotFound?: boolean;
}

/**
 * The model registry on an MLflow tracking server, over its REST API (`/api/2.0/mlflow/...`).
 *
 * - **Artifacts.** `register` creates a run in the experiment `mlcd/<model>`, uploads the artifact
 *   directory file by file through the server's artifact proxy (`PUT /api/2.0/mlflow-artifacts/
 *   artifacts/...`, so the server needs `--serve-artifacts`, the default), and creates the model
 *   version with `source` = `<run artifact URI>/model` and that `run_id`: the only kind of source
 *   MLflow 3 accepts for an artifact mlcd holds locally (a `file://` source must lie inside the
 *   run's own local artifact directory, which a remote client cannot write).
 *   `artifactUri` is that source, e.g. `mlflow-artifacts:/1/<run>/artifacts/model`;
 *   {@link downloadArtifacts} materialises it in a given directory, {@link localArtifacts} in a
 *   cache under MLCD_HOME that release steps reuse (the baseline scored, a model server's `{model}`).
 * - **Lineage and metadata** are model-version tags ({@link MLFLOW_TAGS}); each metadata key is one
 *   tag so `updateMetadata` (a shallow merge) writes only the keys it is given. A tag value holds at
 *   most {@link MLFLOW_TAG_VALUE_LIMIT} characters: a longer one is refused with a non-retryable
 *   BackendError naming the key before anything is written. Metadata keys must match
 *   `[A-Za-z0-9_][A-Za-z0-9_.-]*` (MLflow's tag-key alphabet).
 * - **Idempotency.** The version carries the key and its sha256 as tags, written atomically with the
 *   version by `create model version`; a retried register finds it by a tag search and returns it.
 *   The run is found again by the same tag, so a retry after a crash mid-upload re-uploads into the
 *   same run. Two concurrent registers with one key may both create a version: each then searches
 *   again, both return the lowest-numbered one and the other deletes its own duplicate.
 * - **Aliases** are MLflow registered-model aliases. MLflow sets one alias per call, so
 *   `setAliases` orders its writes: sets of `previous` / `candidate`, then the set of `production`
 *   (one overwrite: it moves, never disappears), then clears of `previous` / `candidate`, and a
 *   clear of `production` last. A failure midway leaves extra pointers, never `production` pointing
 *   at nothing when it pointed somewhere; the retried call completes it (every write is idempotent).
 */
export class MlflowModelRegistry implements ModelRegistry {
  /** Backend kind as named in the spec (`backends.registry.kind`). */
  readonly kind = 'mlflow';
  /** The tracking server's base URL, without a trailing slash. */
  readonly trackingUri: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly artifactTimeoutMs: number;
  private readonly cacheDir: string | undefined;
  /** Downloads under way in this process, by cache directory: concurrent callers share one. */
  private readonly downloads = new Map<string, Promise<string>>();

  /** @param options - where the server is and how to authenticate; see {@link MlflowModelRegistryOptions}. */
  constructor(options: MlflowModelRegistryOptions) {
    let url: URL;
    try {
      url = new URL(options.trackingUri);
    } catch (err) {
      const shown = JSON.stringify(options.trackingUri);
      throw new BackendError(`mlflow registry: invalid tracking URI ${shown}`, false, { cause: err });
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
      throw new BackendError(
        `mlflow registry: tracking URI must be an http(s) URL without credentials, got ${JSON.stringify(redact(url))}`,
        false,
      );
    }
    this.trackingUri = options.trackingUri.replace(/\/+$/, '');
    this.headers = {};
    if (options.token) this.headers.authorization = `Bearer ${options.token}`;
    else if (options.username !== undefined || options.password !== undefined)
      this.headers.authorization = `Basic ${Buffer.from(`${options.username ?? ''}:${options.password ?? ''}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.artifactTimeoutMs = options.artifactTimeoutMs ?? 600_000;
    this.cacheDir = options.cacheDir;
  }

  /**
   * Preflight: the registry API answers, and the server proxies artifacts (`register` uploads
   * through it).
   *
   * @throws MlflowRegistryError naming the URL when the server is unreachable or refuses.
   */
  async check(): Promise<void> {
    await this.request('check registry API', 'GET', API.searchModels, { query: { max_results: '1' } });
    await this.request('check artifact proxy (mlflow server --serve-artifacts)', 'GET', API.artifacts, {
      query: { path: '' },
    });
  }

  /**
   * Uploads `artifactDir` as the next version of `model` (creating the registered model if absent),
   * with lineage and metadata as tags. The same `idempotencyKey` returns the version it made before.
   *
   * @throws BackendError (non-retryable) on an invalid model name, a missing artifact directory, a
   *   metadata key MLflow cannot hold or a tag value over {@link MLFLOW_TAG_VALUE_LIMIT}.
   * @throws MlflowRegistryError when a call to the server fails.
   */
  async register(req: RegisterRequest): Promise<ModelVersion> {
    const model = checkModelName(req.model);
    const keyHash = createHash('sha256').update(req.idempotencyKey).digest('hex');
    const tags: MlflowTag[] = [
      { key: MLFLOW_TAGS.idempotencyKey, value: req.idempotencyKey },
      { key: MLFLOW_TAGS.idempotencyKeySha256, value: keyHash },
      ...lineageTags(req.lineage),
      ...metadataTags(req.metadata).filter((t): t is Required<MlflowTag> => t.value !== undefined),
    ];
    for (const t of tags) checkTag(model, t);

    const before = await this.versionsByKey(model, keyHash);
    if (before[0]) return toModelVersion(before[0]);

    const files = await listFiles(req.artifactDir, model);
    await this.ensureRegisteredModel(model);
    const experimentId = await this.ensureExperiment(model);
    const run = await this.runForKey(model, experimentId, keyHash);
    const runArtifacts = proxyPath(run, this.trackingUri);
    for (const rel of files) {
      await this.request(
        `upload artifact ${rel} of model ${model}`,
        'PUT',
        `${API.artifacts}/${encodePath(`${runArtifacts}/${MODEL_ARTIFACT_PATH}/${rel}`)}`,
        { blob: await openAsBlob(join(req.artifactDir, rel)), timeoutMs: this.artifactTimeoutMs },
      );
    }
    await this.request(`finish run ${run.run_id} of model ${model}`, 'POST', API.updateRun, {
      json: { run_id: run.run_id, status: 'FINISHED', end_time: Date.now() },
    });

    const created = await this.request<{ model_version: MlflowModelVersion }>(
      `create model version of ${model}`,
      'POST',
      API.createVersion,
      {
        json: {
          name: model,
          source: `${(run.artifact_uri ?? '').replace(/\/+$/, '')}/${MODEL_ARTIFACT_PATH}`,
          run_id: run.run_id,
          tags,
          description: `registered by mlcd release ${req.lineage.releaseId}`,
        },
      },
    );
    const mine = created!.model_version;

    // A concurrent register with the same key may have created a version too: the lowest wins.
    const winner = (await this.versionsByKey(model, keyHash))[0] ?? mine;
    if (winner.version !== mine.version) {
      // Best effort: a duplicate left behind (crash here) is listed but never returned by register.
      const json = { name: model, version: mine.version };
      await this.request(
        `delete duplicate version ${mine.version} of ${model}`,
        'DELETE',
        API.deleteVersion,
        { json },
      ).catch(() => undefined);
    }
    return toModelVersion(winner);
  }

  /** The version, or undefined when the model or version does not exist. */
  async getVersion(model: string, version: string): Promise<ModelVersion | undefined> {
    checkModelName(model);
    if (!VERSION.test(version)) return undefined;
    const res = await this.request<{ model_version: MlflowModelVersion }>(
      `get version ${version} of ${model}`,
      'GET',
      API.getVersion,
      { query: { name: model, version }, allowNotFound: true },
    );
    return res ? toModelVersion(res.model_version) : undefined;
  }

  /** Every version of `model`, oldest first (numeric order); empty for an unknown model. */
  async listVersions(model: string): Promise<ModelVersion[]> {
    const found = await this.searchVersions(`list versions of ${model}`, `name='${checkModelName(model)}'`);
    return found.map(toModelVersion);
  }

  /** The version `alias` points to, or undefined when the alias (or the model) is unset. */
  async resolveAlias(model: string, alias: ModelAlias): Promise<ModelVersion | undefined> {
    checkModelName(model);
    // registered-models/get lists the aliases; GET registered-models/alias answers an unset alias
    // with a 400 that only its message tells apart from a bad request.
    const res = await this.request<{
      registered_model: { aliases?: Array<{ alias: string; version: string }> };
    }>(`get registered model ${model}`, 'GET', API.getModel, { query: { name: model }, allowNotFound: true });
    const version = res?.registered_model.aliases?.find((a) => a.alias === alias)?.version;
    return version === undefined ? undefined : this.getVersion(model, version);
  }

  /**
   * Sets (string) or clears (null) several aliases; aliases not named keep their value. MLflow
   * writes one alias per call: see the class comment for the order that keeps `production` safe.
   *
   * @throws BackendError (non-retryable) naming the alias for an unknown alias or a version that
   *   does not exist (checked before any write).
   * @throws MlflowRegistryError when a write fails (earlier writes stay; a retry completes them).
   */
  async setAliases(model: string, aliases: Partial<Record<ModelAlias, string | null>>): Promise<void> {
    checkModelName(model);
    const entries = Object.entries(aliases) as Array<[string, string | null | undefined]>;
    for (const [alias, version] of entries) {
      if (!(MODEL_ALIASES as readonly string[]).includes(alias)) {
        throw new BackendError(
          `registry ${model}: unknown alias ${JSON.stringify(alias)} (expected one of ${MODEL_ALIASES.join(', ')})`,
          false,
        );
      }
      if (typeof version === 'string' && !(await this.getVersion(model, version))) {
        throw new BackendError(
          `registry ${model}: cannot point alias ${alias} at version ${JSON.stringify(version)}: no such version`,
          false,
        );
      }
    }
    for (const [alias, version] of orderAliasWrites(entries)) {
      if (version === null) {
        await this.request(`clear alias ${alias} of ${model}`, 'DELETE', API.alias, {
          json: { name: model, alias },
          allowNotFound: true,
        });
      } else {
        await this.request(`set alias ${alias} of ${model} to version ${version}`, 'POST', API.alias, {
          json: { name: model, alias, version },
        });
      }
    }
  }

  /**
   * Shallow-merges `patch` into the version's metadata: one tag write per key (a key whose value is
   * `undefined` is removed). Not atomic across keys: a failure midway leaves the keys before it
   * written; the retried call writes them all again.
   *
   * @throws BackendError (non-retryable) when the version does not exist, a key is not a valid tag
   *   key or a value is over {@link MLFLOW_TAG_VALUE_LIMIT}.
   */
  async updateMetadata(model: string, version: string, patch: Record<string, unknown>): Promise<void> {
    checkModelName(model);
    const tags = metadataTags(patch);
    for (const t of tags) checkTag(model, t);
    if (!(await this.getVersion(model, version))) {
      throw new BackendError(
        `registry ${model}: cannot update metadata of version ${JSON.stringify(version)}: no such version`,
        false,
      );
    }
    for (const t of tags) {
      if (t.value === undefined) {
        await this.request(`delete tag ${t.key} of ${model} version ${version}`, 'DELETE', API.deleteTag, {
          json: { name: model, version, key: t.key },
          allowNotFound: true,
        });
      } else {
        await this.request(`set tag ${t.key} of ${model} version ${version}`, 'POST', API.setTag, {
          json: { name: model, version, key: t.key, value: t.value },
        });
      }
    }
  }

  /**
   * Downloads the artifact directory of a version into `destDir` (created; existing files are
   * overwritten) through the artifact proxy, and returns `destDir`.
   *
   * @throws BackendError (non-retryable) when the version does not exist or its source is not an
   *   `mlflow-artifacts:` URI.
   */
  async downloadArtifacts(model: string, version: string, destDir: string): Promise<string> {
    const v = await this.getVersion(model, version);
    if (!v)
      throw new BackendError(
        `registry ${model}: cannot download version ${JSON.stringify(version)}: no such version`,
        false,
      );
    const dest = resolve(destDir);
    await this.downloadTree(v, dest);
    return dest;
  }

  /**
   * A local copy of the version's artifacts, downloaded once into the cache:
   * `<cacheDir>/<model>/<version>-<key>`, where `<key>` is the first 16 hex digits of the sha256 of
   * the version's source URI (its `artifactUri`), so a version number reused by another server (or
   * after the registered model was deleted and re-created) gets its own directory, never a stale
   * copy.
   *
   * The first call downloads into a temporary directory beside the target
   * (`.<version>-<key>.<pid>.<random>.tmp`) and renames it into place: once the directory exists it
   * is complete, and later calls (from any process sharing the cache) answer it after the one REST
   * call that reads the version, or with no call at all when `options.artifactUri` names the source.
   * Concurrent calls in one process share one download; racing processes each download and the
   * first rename wins. A failed download leaves nothing behind; a temporary directory of a process
   * that died mid-download is removed by the next download of that version.
   *
   * @param options - `cacheDir` (default: the constructor's `cacheDir`, else
   *   `<MLCD_HOME>/registry-cache`) and the `artifactUri` the caller recorded; see
   *   {@link LocalArtifactsOptions}.
   * @throws BackendError (non-retryable) when the version does not exist, its source is not the
   *   recorded one or not an `mlflow-artifacts:` URI, or it holds no file.
   * @throws MlflowRegistryError when a call to the server fails (retryable for network errors and 5xx).
   */
  async localArtifacts(model: string, version: string, options: LocalArtifactsOptions = {}): Promise<string> {
    checkModelName(model);
    const cacheRoot = resolve(options.cacheDir ?? this.cacheDir ?? statePaths.registryCache());
    const targetOf = (uri: string): string =>
      join(cacheRoot, model, `${version}-${createHash('sha256').update(uri).digest('hex').slice(0, 16)}`);
    const recorded = options.artifactUri;
    // A complete copy of the source the caller recorded: no need to ask the server.
    if (recorded !== undefined && VERSION.test(version) && (await isDirectory(targetOf(recorded))))
      return targetOf(recorded);

    const v = await this.getVersion(model, version);
    if (!v)
      throw new BackendError(
        `registry ${model}: cannot get the artifacts of version ${JSON.stringify(version)}: no such version`,
        false,
      );
    if (recorded !== undefined && v.artifactUri !== recorded) throw uriMismatch(v, recorded);
    const target = targetOf(v.artifactUri);
    let pending = this.downloads.get(target);
    if (!pending) {
      pending = this.fillCache(v, target).finally(() => this.downloads.delete(target));
      this.downloads.set(target, pending);
    }
    return pending;
  }

  /** Downloads `v` into `target` unless a complete copy is there: to a temporary directory, then renamed. */
  private async fillCache(v: ModelVersion, target: string): Promise<string> {
    if (await isDirectory(target)) return target;
    const parent = dirname(target);
    const prefix = `.${basename(target)}.`;
    try {
      await mkdir(parent, { recursive: true });
    } catch (err) {
      throw new BackendError(`mlflow registry: cannot create the artifact cache ${parent}`, true, {
        cause: err,
      });
    }
    await removeAbandonedDownloads(parent, prefix);
    const staging = join(parent, `${prefix}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const files = await this.downloadTree(v, staging);
      if (files === 0) {
        throw new BackendError(
          `mlflow registry: version ${v.version} of ${v.model} has no artifact files at ${v.artifactUri}`,
          false,
        );
      }
      await rename(staging, target);
      return target;
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      // Another process renamed its complete copy into place first: use that one.
      if (await isDirectory(target)) return target;
      if (err instanceof BackendError) throw err;
      throw new BackendError(
        `mlflow registry: cannot store the artifacts of ${v.model} version ${v.version} in ${target}`,
        true,
        { cause: err },
      );
    }
  }

  /** Downloads every artifact file of `v` into `dest` (created; existing files overwritten); answers the file count. */
  private async downloadTree(v: ModelVersion, dest: string): Promise<number> {
    const { model, version } = v;
    const root = artifactPathOf(v.artifactUri, `version ${version} of ${model}`);
    let files = 0;
    const walk = async (rel: string): Promise<void> => {
      const listing = await this.request<{ files?: MlflowFileInfo[] }>(
        `list artifacts of ${model} version ${version}`,
        'GET',
        API.artifacts,
        { query: { path: rel ? `${root}/${rel}` : root } },
      );
      await mkdir(join(dest, rel), { recursive: true });
      for (const f of listing?.files ?? []) {
        const name = f.path.split('/').pop() ?? '';
        if (name === '' || name === '.' || name === '..') continue;
        const child = rel ? `${rel}/${name}` : name;
        if (f.is_dir) {
          await walk(child);
          continue;
        }
        const res = await this.fetchRaw(
          `download artifact ${child} of ${model} version ${version}`,
          'GET',
          `${API.artifacts}/${encodePath(`${root}/${child}`)}`,
          {},
          this.artifactTimeoutMs,
        );
        const target = join(dest, child);
        await mkdir(dirname(target), { recursive: true });
        if (res.body) await pipeline(Readable.fromWeb(res.body), createWriteStream(target));
        else await pipeline(Readable.from([]), createWriteStream(target));
        files++;
      }
    };
    await walk('');
    return files;
  }

  private async ensureRegisteredModel(model: string): Promise<void> {
    try {
      await this.request(`create registered model ${model}`, 'POST', API.createModel, {
        json: { name: model },
      });
    } catch (err) {
      if (!(err instanceof MlflowRegistryError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
    }
  }

  private async ensureExperiment(model: string): Promise<string> {
    const name = `${EXPERIMENT_PREFIX}${model}`;
    const get = async (): Promise<MlflowExperiment | undefined> =>
      (
        await this.request<{ experiment: MlflowExperiment }>(
          `get experiment ${name}`,
          'GET',
          API.getExperiment,
          { query: { experiment_name: name }, allowNotFound: true },
        )
      )?.experiment;
    let exp = await get();
    if (!exp) {
      try {
        const created = await this.request<{ experiment_id: string }>(
          `create experiment ${name}`,
          'POST',
          API.createExperiment,
          { json: { name } },
        );
        return created!.experiment_id;
      } catch (err) {
        // Created concurrently by another register: use that one.
        if (!(err instanceof MlflowRegistryError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
        exp = await get();
      }
    }
    if (!exp) throw new BackendError(`mlflow registry: experiment ${name} exists but cannot be read`, true);
    if (exp.lifecycle_stage === 'deleted') {
      throw new BackendError(
        `mlflow registry: experiment ${name} (id ${exp.experiment_id}) is deleted; restore it (mlflow experiments restore) so mlcd can register ${model}`,
        false,
      );
    }
    return exp.experiment_id;
  }

  /** The run a previous attempt with this key created, or a new one. */
  private async runForKey(model: string, experimentId: string, keyHash: string): Promise<MlflowRunInfo> {
    const found = await this.request<{ runs?: Array<{ info: MlflowRunInfo }> }>(
      `search runs of ${model}`,
      'POST',
      API.searchRuns,
      {
        json: {
          experiment_ids: [experimentId],
          filter: `tags.\`${MLFLOW_TAGS.idempotencyKeySha256}\` = '${keyHash}'`,
          run_view_type: 'ACTIVE_ONLY',
          max_results: 1,
        },
      },
    );
    const previous = found?.runs?.[0]?.info;
    if (previous) return previous;
    const created = await this.request<{ run: { info: MlflowRunInfo } }>(
      `create run for ${model}`,
      'POST',
      API.createRun,
      {
        json: {
          experiment_id: experimentId,
          run_name: `register-${model}`,
          start_time: Date.now(),
          tags: [
            { key: MLFLOW_TAGS.idempotencyKeySha256, value: keyHash },
            { key: 'mlcd.model', value: model },
          ],
        },
      },
    );
    return created!.run.info;
  }

  /** Versions of `model` carrying the key hash tag, lowest version first. */
  private versionsByKey(model: string, keyHash: string): Promise<MlflowModelVersion[]> {
    return this.searchVersions(
      `find version of ${model} by idempotency key`,
      `name='${model}' AND tags.\`${MLFLOW_TAGS.idempotencyKeySha256}\` = '${keyHash}'`,
    );
  }

  /** All pages of a model-version search, in numeric version order. */
  private async searchVersions(operation: string, filter: string): Promise<MlflowModelVersion[]> {
    const all: MlflowModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.request<{ model_versions?: MlflowModelVersion[]; next_page_token?: string }>(
        operation,
        'GET',
        API.searchVersions,
        {
          query: { filter, max_results: String(PAGE_SIZE), ...(pageToken ? { page_token: pageToken } : {}) },
        },
      );
      all.push(...(page?.model_versions ?? []));
      pageToken = page?.next_page_token || undefined;
    } while (pageToken);
    return all.sort((a, b) => Number(a.version) - Number(b.version));
  }

  /** One REST call; the parsed JSON body, or undefined for an allowed 404. */
  private async request<T = unknown>(
    operation: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    opts: RequestOptions = {},
  ): Promise<T | undefined> {
    let res: Response;
    try {
      res = await this.fetchRaw(operation, method, path, opts, opts.timeoutMs ?? this.timeoutMs);
    } catch (err) {
      // Only MLflow's own "not found": a 404 page of something that is not MLflow stays an error.
      if (
        opts.allowNotFound &&
        err instanceof MlflowRegistryError &&
        err.errorCode === 'RESOURCE_DOES_NOT_EXIST'
      )
        return undefined;
      throw err;
    }
    const text = await res.text();
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new MlflowRegistryError(
        operation,
        `${method} ${this.url(path, opts.query)}`,
        res.status,
        undefined,
        `response is not JSON: ${text.slice(0, 200)}`,
        { cause: err },
      );
    }
  }

  /** One HTTP exchange; a non-2xx answer becomes an MlflowRegistryError. */
  private async fetchRaw(
    operation: string,
    method: string,
    path: string,
    opts: Pick<RequestOptions, 'query' | 'json' | 'blob'>,
    timeoutMs: number,
  ): Promise<Response> {
    const url = this.url(path, opts.query);
    const headers: Record<string, string> = { ...this.headers };
    let body: string | Blob | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.blob !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = opts.blob;
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const detail = isFetchTimeout(err)
        ? `no answer within ${timeoutMs} ms`
        : `${fetchErrorText(err)} (is the MLflow server running at ${this.trackingUri}?)`;
      throw new MlflowRegistryError(operation, `${method} ${url}`, undefined, undefined, detail, {
        cause: err,
      });
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let errorCode: string | undefined;
    let message = text.slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (typeof parsed.error_code === 'string') errorCode = parsed.error_code;
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Not MLflow's JSON error shape (a proxy's HTML page, a plain-text 503): keep the raw text.
    }
    throw new MlflowRegistryError(
      operation,
      `${method} ${url}`,
      res.status,
      errorCode,
      message || res.statusText,
      { cause: new Error(text || res.statusText) },
    );
  }

  private url(path: string, query?: Record<string, string>): string {
    const qs = query ? new URLSearchParams(query).toString() : '';
    return `${this.trackingUri}${path}${qs ? `?${qs}` : ''}`;
  }
}

/**
 * The writes of a `setAliases` call in the order that keeps `production` safe: sets of the other
 * aliases, the set of `production`, clears of the other aliases, the clear of `production`.
 * Exported for the unit test of the order.
 */
export function orderAliasWrites(
  entries: ReadonlyArray<readonly [string, string | null | undefined]>,
): Array<[string, string | null]> {
  const defined = entries.filter((e): e is [string, string | null] => e[1] !== undefined);
  const rank = ([alias, version]: [string, string | null]): number =>
    (version === null ? 2 : 0) + (alias === 'production' ? 1 : 0);
  return [...defined].sort((a, b) => rank(a) - rank(b));
}

function checkModelName(model: string): string {
  if (typeof model !== 'string' || !MODEL_NAME.test(model)) {
    throw new BackendError(
      `invalid model name ${JSON.stringify(model)}: expected 1-200 characters of [A-Za-z0-9._-], starting with a letter or digit`,
      false,
    );
  }
  return model;
}

function lineageTags(l: ModelLineage): MlflowTag[] {
  return [
    { key: MLFLOW_TAGS.releaseId, value: l.releaseId },
    { key: MLFLOW_TAGS.specHash, value: l.specHash },
    { key: MLFLOW_TAGS.dataFingerprints, value: JSON.stringify(l.dataFingerprints ?? {}) },
    ...(l.codeCommit !== undefined ? [{ key: MLFLOW_TAGS.codeCommit, value: l.codeCommit }] : []),
  ];
}

/** One tag per metadata key; `value` undefined means "remove the key". */
function metadataTags(metadata: Record<string, unknown>): MlflowTag[] {
  return Object.entries(metadata).map(([key, value]) => {
    if (!METADATA_KEY.test(key)) {
      throw new BackendError(
        `mlflow registry: metadata key ${JSON.stringify(key)} cannot be an MLflow tag key; expected [A-Za-z0-9_][A-Za-z0-9_.-]*`,
        false,
      );
    }
    return {
      key: `${MLFLOW_TAGS.metadataPrefix}${key}`,
      value: value === undefined ? undefined : JSON.stringify(value),
    };
  });
}

function checkTag(model: string, t: MlflowTag): void {
  if (t.key.length > MLFLOW_TAG_KEY_LIMIT) {
    throw new BackendError(
      `mlflow registry ${model}: tag key ${t.key} is longer than ${MLFLOW_TAG_KEY_LIMIT} characters`,
      false,
    );
  }
  const length = t.value === undefined ? 0 : [...t.value].length;
  if (length > MLFLOW_TAG_VALUE_LIMIT) {
    throw new BackendError(
      `mlflow registry ${model}: tag ${t.key} holds ${length} characters, over MLflow's limit of ${MLFLOW_TAG_VALUE_LIMIT} per model-version tag value; ` +
        'store large reports as files and keep a summary or a URI in the metadata',
      false,
    );
  }
}

function toModelVersion(v: MlflowModelVersion): ModelVersion {
  const tags = new Map((v.tags ?? []).map((t) => [t.key, t.value ?? '']));
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of tags) {
    if (!key.startsWith(MLFLOW_TAGS.metadataPrefix)) continue;
    metadata[key.slice(MLFLOW_TAGS.metadataPrefix.length)] = parseJsonOr(value, value);
  }
  const fingerprints = parseJsonOr<unknown>(tags.get(MLFLOW_TAGS.dataFingerprints) ?? '{}', {});
  const codeCommit = tags.get(MLFLOW_TAGS.codeCommit);
  return {
    model: v.name,
    version: String(v.version),
    artifactUri: v.source ?? '',
    createdAt: Number(v.creation_timestamp ?? 0),
    // Versions registered outside mlcd have no lineage tags: empty strings, not a failure.
    lineage: {
      releaseId: tags.get(MLFLOW_TAGS.releaseId) ?? '',
      specHash: tags.get(MLFLOW_TAGS.specHash) ?? '',
      dataFingerprints:
        fingerprints !== null && typeof fingerprints === 'object' && !Array.isArray(fingerprints)
          ? (fingerprints as Record<string, string>)
          : {},
      ...(codeCommit !== undefined ? { codeCommit } : {}),
    },
    metadata,
  };
}

function parseJsonOr<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Relative POSIX paths of every file under `dir` (symlinks followed), sorted. */
async function listFiles(dir: string, model: string): Promise<string[]> {
  const missing = (err?: unknown): BackendError =>
    new BackendError(
      `registry ${model}: artifact directory ${dir} does not exist or is not a directory`,
      false,
      { ...(err !== undefined ? { cause: err } : {}) },
    );
  try {
    if (!(await stat(dir)).isDirectory()) throw missing();
  } catch (err) {
    throw err instanceof BackendError ? err : missing(err);
  }
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      const s = await stat(join(dir, child));
      // Sockets, FIFOs and devices are not part of a model.
      if (!s.isDirectory() && !s.isFile()) continue;
      if (/[#\\]/.test(name)) {
        throw new BackendError(
          `registry ${model}: artifact path ${child} in ${dir} contains '#' or '\\', which MLflow's artifact store refuses; rename it`,
          false,
        );
      }
      if (s.isDirectory()) await walk(child);
      else out.push(child);
    }
  };
  try {
    await walk('');
  } catch (err) {
    if (err instanceof BackendError) throw err;
    throw new BackendError(`registry ${model}: cannot read artifact directory ${dir}`, true, { cause: err });
  }
  return out;
}

/** The artifact-proxy path of a run's artifact root (`mlflow-artifacts:/1/<run>/artifacts` → `1/<run>/artifacts`). */
function proxyPath(run: MlflowRunInfo, trackingUri: string): string {
  const uri = run.artifact_uri ?? '';
  if (!uri.startsWith('mlflow-artifacts:')) {
    throw new BackendError(
      `mlflow registry: the server at ${trackingUri} stores run artifacts at ${JSON.stringify(uri)} and does not proxy them; ` +
        'start it with --serve-artifacts and an mlflow-artifacts: artifact root (the default) so mlcd can upload models',
      false,
    );
  }
  return artifactPathOf(uri, `run ${run.run_id}`);
}

/** `mlflow-artifacts:/a/b` or `mlflow-artifacts://host:port/a/b` → `a/b`. */
function artifactPathOf(uri: string, what: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*?)\/*$/.exec(uri);
  if (!m)
    throw new BackendError(
      `mlflow registry: ${what} has source ${JSON.stringify(uri)}, not an mlflow-artifacts: URI`,
      false,
    );
  return m[1] as string;
}

/** The version's artifact URI is not the one the caller recorded: its number names another model. */
function uriMismatch(v: ModelVersion, recorded: string): BackendError {
  return new BackendError(
    `registry ${v.model}: version ${v.version} holds ${v.artifactUri}, not the recorded ${recorded}: ` +
      'the version number names another model here (did backends.registry change?)',
    false,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Removes the temporary download directories in `parent` named `<prefix><pid>.<random>.tmp` whose
 * process is gone (a worker killed mid-download); those of live processes are left alone.
 */
async function removeAbandonedDownloads(parent: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return typeof err === 'object' && err !== null && 'code' in err && err.code === 'EPERM';
  }
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.username) copy.username = '***';
  if (copy.password) copy.password = '***';
  return copy.href;
}
