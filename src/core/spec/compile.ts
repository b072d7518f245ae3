/**
 * The spec compiler: raw spec (parsed YAML/JSON) → `ReleaseSpec`, validated once at the boundary
 * so the rest of mlcd trusts the compiled type. Pure (no fs, no node:path, no node:crypto): the
 * pipeline workflow may call it. Every problem becomes a `SpecIssue`; one `SpecError` carries them all.
 */
import { SpecError } from '../errors';
import type { SpecIssue } from '../errors';
import { placeholdersIn } from '../placeholders';
import { isAbsolutePosix, isWithinPosix, normalizePosix, resolvePosix } from './posix-path';
import {
  formatIssuePath,
  releaseSpecSchema,
  shortJson,
  specErrorMap,
  specIssuesFromZod,
  valueAtPath,
} from './schema';
import { canonicalJson, sha256Hex } from './sha256';
import { PROMQL_PLACEHOLDERS, PROMQL_QUERY_NAMES } from './types';
import type { JobSpec, PromqlQueryName, ReleaseSpec } from './types';
import type { SpecDraft } from './schema';

/** Placeholders filled when a job or model server starts; they stay in compiled commands and env. */
export const RUNTIME_PLACEHOLDERS = [
  'python',
  'train',
  'eval',
  'output',
  'model',
  'data',
  'predictions',
  'port',
] as const;

/** Options of `compileReleaseSpec`. */
export interface CompileOptions {
  /** Where the spec came from (a file path), for error messages. */
  source: string;
  /** Absolute POSIX directory that relative paths in the spec resolve against. */
  specDir: string;
  /** `--param name=value` overrides; each name must be declared in the spec's `params`. */
  params?: Readonly<Record<string, string>>;
}

type Path = Array<string | number>;

/**
 * Validates and compiles a parsed spec file:
 * 1. structure, domains and defaults (`releaseSpecSchema`), durations → ms, gates → `GateRule`s;
 * 2. merges `params` overrides (unknown name → issue at `params.<name>`);
 * 3. substitutes `{params.x}` in data paths, commands, env, cwd, registry path and URLs (the MLflow
 *    `backends.registry.trackingUri` is then checked to be an http(s) URL); runtime
 *    placeholders (`RUNTIME_PLACEHOLDERS`) stay in commands and env, anything else is an issue;
 * 4. resolves data paths, allowedRoots, cwd (default specDir) and the registry path against
 *    `specDir` into absolute POSIX paths and checks that data paths lie inside allowedRoots
 *    (default: specDir). This is a string check: symlinks are for the data loader to re-check.
 *
 * `specHash` is the sha256 of the canonical JSON of `{ raw, params }` (params after overrides).
 * @throws SpecError with every issue found (structural issues first stop the later steps).
 * @throws TypeError when `opts.specDir` is not absolute (a caller bug, not a spec problem).
 */
export function compileReleaseSpec(raw: unknown, opts: CompileOptions): ReleaseSpec {
  if (!isAbsolutePosix(opts.specDir))
    throw new TypeError(`specDir must be an absolute POSIX path, got "${opts.specDir}"`);
  const specDir = normalizePosix(opts.specDir);

  const parsed = releaseSpecSchema.safeParse(raw, { errorMap: specErrorMap });
  if (!parsed.success) throw new SpecError(opts.source, specIssuesFromZod(parsed.error.issues, raw));
  const draft = parsed.data;

  const issues: SpecIssue[] = [];
  const issue = (path: Path, message: string, value: unknown = valueAtPath(raw, path)): void => {
    const v = shortJson(value);
    issues.push({ path: formatIssuePath(path), message, ...(v !== undefined ? { value: v } : {}) });
  };

  // 2. parameters
  const params: Record<string, string> = { ...draft.params };
  const declared = Object.keys(draft.params);
  for (const [name, value] of Object.entries(opts.params ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(draft.params, name)) {
      issue(
        ['params', name],
        `unknown parameter "${name}" given as an override; declared parameters: ${declared.length > 0 ? declared.join(', ') : '(none)'}`,
        value,
      );
    } else {
      params[name] = value;
    }
  }

  // 3. placeholders
  const runtime: readonly string[] = RUNTIME_PLACEHOLDERS;
  const fill = (text: string, path: Path, allowRuntime: boolean): string => {
    for (const name of placeholdersIn(text)) {
      if (name.startsWith('params.')) {
        const key = name.slice('params.'.length);
        if (!Object.prototype.hasOwnProperty.call(params, key)) {
          issue(
            path,
            `unknown parameter {${name}}; declared parameters: ${declared.length > 0 ? declared.join(', ') : '(none)'}`,
          );
        }
      } else if (!allowRuntime || !runtime.includes(name)) {
        issue(
          path,
          allowRuntime
            ? `unknown placeholder {${name}}; expected {params.<name>} or one of ${runtime.map((r) => `{${r}}`).join(', ')}`
            : `placeholder {${name}} cannot be filled here; only {params.<name>} is allowed`,
        );
      }
    }
    return text.replace(/\{params\.([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, key: string) =>
      Object.prototype.hasOwnProperty.call(params, key) ? (params[key] as string) : whole,
    );
  };

  // 4. paths. `resolvePath` returns undefined (after recording an issue) for an unusable path.
  const resolvePath = (text: string, path: Path): string | undefined => {
    const before = issues.length;
    let p = fill(text, path, false);
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(p);
    if (scheme) {
      if ((scheme[1] as string).toLowerCase() !== 'file') {
        issue(path, `only local paths (or file:// URIs) are supported, got a ${scheme[1] as string}:// URI`);
      }
      p = p.slice(scheme[0].length);
    }
    return issues.length > before ? undefined : resolvePosix(specDir, p);
  };

  const allowedRoots = (draft.data.allowedRoots ?? ['.']).map(
    (r, i) => resolvePath(r, ['data', 'allowedRoots', i]) ?? r,
  );
  const dataPath = (field: 'train' | 'eval' | 'reference', text: string): string => {
    const path: Path = ['data', field];
    const abs = resolvePath(text, path);
    if (abs === undefined) return text;
    if (!allowedRoots.some((root) => isWithinPosix(root, abs))) {
      issue(
        path,
        `path ${abs} is outside the allowed data roots (${allowedRoots.join(', ')}); add its directory to data.allowedRoots`,
      );
    }
    return abs;
  };
  const data: ReleaseSpec['data'] = {
    train: dataPath('train', draft.data.train),
    eval: dataPath('eval', draft.data.eval),
    ...(draft.data.reference !== undefined ? { reference: dataPath('reference', draft.data.reference) } : {}),
    allowedRoots,
  };

  const compileJob = (
    section: 'training' | 'scoring' | 'serving',
    j: { command: string[]; env: Record<string, string>; cwd?: string | undefined },
  ): Pick<JobSpec, 'command' | 'env' | 'cwd'> => ({
    command: j.command.map((a, i) => fill(a, [section, 'command', i], true)),
    env: Object.fromEntries(Object.entries(j.env).map(([k, v]) => [k, fill(v, [section, 'env', k], true)])),
    cwd: j.cwd !== undefined ? (resolvePath(j.cwd, [section, 'cwd']) ?? j.cwd) : specDir,
  });

  const b = draft.backends;
  const backends: ReleaseSpec['backends'] = {
    jobs: { kind: b.jobs.kind },
    registry: compileRegistry(b.registry, { resolvePath, fill, issue, issueCount: () => issues.length }),
    traffic: { kind: b.traffic.kind, url: fill(b.traffic.url, ['backends', 'traffic', 'url'], false) },
    metrics: compileMetrics(b.metrics, { fill, issue }),
    notifier: {
      kind: b.notifier.kind,
      ...(b.notifier.url !== undefined
        ? { url: fill(b.notifier.url, ['backends', 'notifier', 'url'], false) }
        : {}),
      ...(b.notifier.urlEnv !== undefined ? { urlEnv: b.notifier.urlEnv } : {}),
      ...(b.notifier.events !== undefined ? { events: b.notifier.events } : {}),
    },
  };

  const spec: ReleaseSpec = {
    apiVersion: draft.apiVersion,
    model: draft.model,
    specDir,
    specHash: sha256Hex(canonicalJson({ raw, params })),
    params,
    data,
    validation: compileValidation(draft.validation, resolvePath),
    training: { ...compileJob('training', draft.training), timeoutMs: draft.training.timeoutMs },
    scoring: { ...compileJob('scoring', draft.scoring), timeoutMs: draft.scoring.timeoutMs },
    evaluation: draft.evaluation,
    gates: draft.gates,
    approval: draft.approval,
    serving: { ...compileJob('serving', draft.serving), startupTimeoutMs: draft.serving.startupTimeoutMs },
    canary: draft.canary,
    monitor: draft.monitor,
    backends,
  };

  if (issues.length > 0) throw new SpecError(opts.source, issues);
  return spec;
}

/** The helpers of `compileReleaseSpec` that `compileRegistry` uses. */
interface RegistryCompileContext {
  resolvePath: (text: string, path: Path) => string | undefined;
  fill: (text: string, path: Path, allowRuntime: boolean) => string;
  issue: (path: Path, message: string, value?: unknown) => void;
  issueCount: () => number;
}

/**
 * `backends.registry`: kind local resolves `path` against the spec; kind mlflow requires
 * `trackingUri`, substitutes `{params.x}` in it and checks it is an http(s) URL without credentials,
 * query or fragment (trailing slashes dropped). Each field belongs to one kind only.
 */
function compileRegistry(
  r: SpecDraft['backends']['registry'],
  ctx: RegistryCompileContext,
): ReleaseSpec['backends']['registry'] {
  const at = (field: 'path' | 'trackingUri'): Path => ['backends', 'registry', field];
  if (r.kind === 'mlflow') {
    if (r.path !== undefined) {
      ctx.issue(
        at('path'),
        'only used by backends.registry.kind local; kind mlflow stores models on the MLflow server',
      );
    }
    if (r.trackingUri === undefined) {
      ctx.issue(
        at('trackingUri'),
        'required when backends.registry.kind is mlflow: the http(s) URL of the MLflow tracking server, e.g. http://127.0.0.1:5000',
      );
      return { kind: 'mlflow', trackingUri: '' };
    }
    const before = ctx.issueCount();
    const uri = ctx.fill(r.trackingUri, at('trackingUri'), false);
    if (ctx.issueCount() === before) {
      const problem = trackingUriProblem(uri);
      if (problem !== undefined) {
        ctx.issue(
          at('trackingUri'),
          uri === r.trackingUri ? problem : `${problem}; after substitution it is ${JSON.stringify(uri)}`,
        );
      }
    }
    return { kind: 'mlflow', trackingUri: uri.replace(/\/+$/, '') };
  }
  if (r.trackingUri !== undefined) {
    ctx.issue(at('trackingUri'), 'only used by backends.registry.kind mlflow; set kind: mlflow or remove it');
  }
  const path = r.path !== undefined ? ctx.resolvePath(r.path, at('path')) : undefined;
  return { kind: 'local', ...(path !== undefined ? { path } : {}) };
}

/** Why `uri` cannot be an MLflow tracking URI, or undefined when it can. */
function trackingUriProblem(uri: string): string | undefined {
  const m = /^https?:\/\/([^\s/?#]+)([^\s]*)$/i.exec(uri);
  if (!m) return 'expected an http(s) URL of the MLflow tracking server, e.g. http://127.0.0.1:5000';
  if ((m[1] as string).includes('@')) {
    return (
      'credentials do not belong in the spec (it is hashed into lineage and kept in workflow history); ' +
      "set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD in the worker's environment"
    );
  }
  if (/[?#]/.test(m[2] as string))
    return 'expected a base URL without a query or fragment, e.g. http://127.0.0.1:5000';
  return undefined;
}

/** The helpers of `compileReleaseSpec` that `compileMetrics` uses. */
interface MetricsCompileContext {
  fill: (text: string, path: Path, allowRuntime: boolean) => string;
  issue: (path: Path, message: string, value?: unknown) => void;
}

/**
 * `backends.metrics`: `{params.x}` substituted in `url` and in the PromQL templates of `queries`
 * (kind prometheus only, checked by the schema). A template may also hold the query placeholders
 * (`PROMQL_PLACEHOLDERS`), filled at each query; `latencyMs` must hold `{quantile}`.
 */
function compileMetrics(
  m: SpecDraft['backends']['metrics'],
  ctx: MetricsCompileContext,
): ReleaseSpec['backends']['metrics'] {
  const url = ctx.fill(m.url, ['backends', 'metrics', 'url'], false);
  if (m.queries === undefined) return { kind: m.kind, url };
  const queryPlaceholders: readonly string[] = PROMQL_PLACEHOLDERS;
  const queries: Partial<Record<PromqlQueryName, string>> = {};
  for (const name of PROMQL_QUERY_NAMES) {
    const text = m.queries[name];
    if (text === undefined) continue;
    const path: Path = ['backends', 'metrics', 'queries', name];
    const names = placeholdersIn(text);
    const unknown = names.filter((p) => !p.startsWith('params.') && !queryPlaceholders.includes(p));
    for (const p of unknown) {
      ctx.issue(
        path,
        `unknown placeholder {${p}}; expected {params.<name>} or one of ${queryPlaceholders.map((q) => `{${q}}`).join(', ')}`,
      );
    }
    if (name === 'latencyMs' && !names.includes('quantile'))
      ctx.issue(path, 'must contain {quantile}: the same template gives the p50 and the p99 latency');
    // `fill` on each {params.x} alone: it substitutes it, or records the unknown parameter.
    queries[name] = text.replace(/\{params\.[A-Za-z_][A-Za-z0-9_]*\}/g, (token) => ctx.fill(token, path, false));
  }
  return { kind: m.kind, url, queries };
}

/** The `validation` section with its schema and expectations files resolved against the spec. */
function compileValidation(
  v: SpecDraft['validation'],
  resolvePath: (text: string, path: Path) => string | undefined,
): ReleaseSpec['validation'] {
  const { schema, expectations, ...rest } = v;
  const schemaFile = schema !== undefined ? resolvePath(schema, ['validation', 'schema']) : undefined;
  const expectationsFile =
    expectations !== undefined ? resolvePath(expectations, ['validation', 'expectations']) : undefined;
  return {
    ...rest,
    ...(schemaFile !== undefined ? { schemaFile } : {}),
    ...(expectationsFile !== undefined ? { expectationsFile } : {}),
  };
}
