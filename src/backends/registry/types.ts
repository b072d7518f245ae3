/** Aliases a registry keeps per model. */
export const MODEL_ALIASES = ['production', 'previous', 'candidate'] as const;
export type ModelAlias = (typeof MODEL_ALIASES)[number];

/** Where a version came from: enough to reproduce it. */
export interface ModelLineage {
  /** Workflow id and run id of the release that made it. */
  releaseId: string;
  specHash: string;
  /** sha256 of each data file used, by role (train, eval, reference). */
  dataFingerprints: Record<string, string>;
  /** git commit of the training code, when the spec dir is in a git checkout. */
  codeCommit?: string;
}

export interface ModelVersion {
  model: string;
  /** Registry-assigned, increasing: "1", "2", ... */
  version: string;
  /** Absolute path or URI of the model artifact directory as stored by the registry. */
  artifactUri: string;
  /** Epoch ms. */
  createdAt: number;
  lineage: ModelLineage;
  /** Free-form JSON: metrics, gate report, validation summary, status (e.g. rejected). */
  metadata: Record<string, unknown>;
}

export interface RegisterRequest {
  model: string;
  /** Directory holding the trained model; the registry copies it. */
  artifactDir: string;
  /** The same key registers once: a retried activity gets the version it made before. */
  idempotencyKey: string;
  lineage: ModelLineage;
  metadata: Record<string, unknown>;
}

/** Options of {@link ModelRegistry.localArtifacts}. */
export interface LocalArtifactsOptions {
  /**
   * Where a remote registry keeps downloaded copies. Default `<MLCD_HOME>/registry-cache` (see
   * docs/registry-mlflow.md); the local registry ignores it.
   */
  cacheDir?: string;
  /**
   * The version's `artifactUri` as the caller recorded it (a deployment's state, a resolved alias).
   * When given, a complete cached copy is answered without asking a remote registry, so serving a
   * version again (a rollback) does not depend on the registry being up; and a version whose URI
   * differs is refused: its number names another model (e.g. `backends.registry` changed).
   */
  artifactUri?: string;
}

export interface ModelRegistry {
  readonly kind: string;
  check(): Promise<void>;
  register(req: RegisterRequest): Promise<ModelVersion>;
  getVersion(model: string, version: string): Promise<ModelVersion | undefined>;
  listVersions(model: string): Promise<ModelVersion[]>;
  /** The version an alias points to, or undefined. */
  resolveAlias(model: string, alias: ModelAlias): Promise<ModelVersion | undefined>;
  /**
   * Sets (string) or clears (null) several aliases: one atomic write in the local registry; in
   * MLflow, writes ordered so that a failure midway never leaves `production` unset (see
   * docs/registry-mlflow.md).
   */
  setAliases(model: string, aliases: Partial<Record<ModelAlias, string | null>>): Promise<void>;
  /** Shallow-merges into a version's metadata. */
  updateMetadata(model: string, version: string, patch: Record<string, unknown>): Promise<void>;
  /**
   * A directory on this machine holding the version's artifact files, for what needs them on disk
   * (a scoring job's or a model server's `{model}`). The local registry answers its own copy; a
   * remote registry downloads into a cache once (to a temporary directory, then renamed, so the
   * answered directory is always complete) and answers that copy afterwards. Callers must not
   * modify it.
   *
   * @throws BackendError (non-retryable) naming the version when it does not exist, or when its
   *   `artifactUri` is not the one the caller recorded (see {@link LocalArtifactsOptions}).
   */
  localArtifacts(model: string, version: string, options?: LocalArtifactsOptions): Promise<string>;
}
