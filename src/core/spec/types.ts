/**
 * The compiled release spec: what `compileReleaseSpec` returns after validating a spec file.
 * Every duration is in milliseconds, every path is absolute, every default is filled in, so the
 * rest of mlcd trusts this type without re-checking. It is plain JSON: it travels as workflow input.
 *
 * Runtime placeholders that stay in commands and are filled by the activity that runs them:
 * `{python}` (the project venv's interpreter), `{train}`, `{eval}`, `{output}` (training output
 * dir), `{model}` (a model artifact dir), `{data}` (input data file), `{predictions}` (output
 * predictions file), `{port}` (the port a model server must listen on).
 */

import type { NotificationKind } from '../../backends/notifier/types';
import type { ComparisonOp, GateRule } from '../gate-rules';

/** Backend kinds per concern; closed sets, extended by later backends. */
export const JOB_RUNNER_KINDS = ['local'] as const;
export type JobRunnerKind = (typeof JOB_RUNNER_KINDS)[number];
export const REGISTRY_KINDS = ['local', 'mlflow'] as const;
export type RegistryKind = (typeof REGISTRY_KINDS)[number];
export const TRAFFIC_KINDS = ['local'] as const;
export type TrafficKind = (typeof TRAFFIC_KINDS)[number];
export const METRICS_KINDS = ['local', 'prometheus'] as const;
export type MetricsKind = (typeof METRICS_KINDS)[number];
/** Default address of a Prometheus server (`backends.metrics.kind: prometheus`). */
export const DEFAULT_PROMETHEUS_URL = 'http://127.0.0.1:9090';
/**
 * The PromQL templates of the Prometheus metrics source, by name; `backends.metrics.queries`
 * overrides any of them (defaults and meaning in src/backends/metrics/prometheus.ts).
 */
export const PROMQL_QUERY_NAMES = ['requests', 'errors', 'latencyMs', 'labeled', 'correct', 'predictionBuckets'] as const;
export type PromqlQueryName = (typeof PROMQL_QUERY_NAMES)[number];
/** Placeholders a PromQL template may hold, filled at each query (`{params.x}` is filled at compile time). */
export const PROMQL_PLACEHOLDERS = ['model', 'version', 'window', 'quantile'] as const;
export const NOTIFIER_KINDS = ['log', 'webhook'] as const;
export type NotifierKind = (typeof NOTIFIER_KINDS)[number];

/** Column types the validator knows. `integer` accepts whole numbers only. */
export const COLUMN_TYPES = ['number', 'integer', 'string', 'boolean'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnRule {
  type: ColumnType;
  /** The column must exist. Default true. */
  required: boolean;
  /** Nulls allowed at all. Default false. */
  nullable: boolean;
  /** With nullable: the largest share of nulls accepted, 0..1. Default 1. */
  maxNullFraction: number;
  /** Inclusive numeric domain. */
  min?: number;
  max?: number;
  /** Categorical domain: every non-null value must be one of these. */
  values?: Array<string | number | boolean>;
  /** Every non-null value occurs once. Default false. */
  unique: boolean;
}

/** Drift statistics a column can be judged by. */
export const DRIFT_METHODS = ['psi', 'ks', 'wasserstein', 'jensenshannon', 'chisquare', 'linf'] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];
/** Methods for numeric columns; `chisquare` and `linf` compare category shares. */
export const NUMERIC_DRIFT_METHODS = ['psi', 'ks', 'wasserstein', 'jensenshannon'] as const;
/** Methods for categorical (string and boolean) columns. */
export const CATEGORICAL_DRIFT_METHODS = ['psi', 'chisquare', 'jensenshannon', 'linf'] as const;
/** p-value tests: drift when p < threshold. The others are distances: drift when >= threshold. */
export const P_VALUE_DRIFT_METHODS: readonly DriftMethod[] = ['ks', 'chisquare'];

/** How one column's drift is judged. */
export interface DriftRule {
  method: DriftMethod;
  threshold: number;
}

/** Drift of each column against the reference dataset (runs when `data.reference` is set). */
export interface DriftSpec {
  enabled: boolean;
  /** Default rule of numeric columns. */
  numeric: DriftRule;
  /** Default rule of string and boolean columns. */
  categorical: DriftRule;
  /** Per-column overrides; `false` leaves a column out (ids, timestamps). */
  columns: Record<string, DriftRule | false>;
  /** Severity of a drifted column. */
  columnSeverity: 'error' | 'warning';
  /** Dataset rule: fail when more than this share of the judged columns drifted. */
  maxDriftedShare: number;
}

/** Table and column rules, all resolved (what a schema file holds, defaults filled). */
export interface SchemaRules {
  /** Row-count bounds, inclusive. minRows defaults to 1. */
  minRows: number;
  maxRows?: number;
  columns: Record<string, ColumnRule>;
  /** Columns present in the data but absent from `columns` are accepted. Default true. */
  allowExtraColumns: boolean;
}

/**
 * The spec's `validation` section. Table rules left out fall back to the schema file's, then to
 * SPEC_DEFAULTS; inline `columns` win over the schema file's per column (see `resolveSchemaRules`).
 */
export interface ValidationSpec {
  minRows?: number;
  maxRows?: number;
  columns: Record<string, ColumnRule>;
  allowExtraColumns?: boolean;
  /** Schema file (absolute), read by the validator. */
  schemaFile?: string;
  /** The expectations file (GE suite JSON or mlcd YAML list), absolute; read by the validator. */
  expectationsFile?: string;
  drift: DriftSpec;
}

export interface JobSpec {
  /** argv; element 0 is the program. Runtime placeholders allowed (see top of file). */
  command: string[];
  env: Record<string, string>;
  /** Working directory, absolute. Defaults to the spec file's directory. */
  cwd: string;
  /** Kill the job after this long. Default 1 h. */
  timeoutMs: number;
}

/** The binary metrics a release evaluates (all are computed; `evaluation.metrics` picks those shown). */
export const METRIC_NAMES = [
  'auc_roc',
  'average_precision',
  'log_loss',
  'brier',
  'precision',
  'recall',
  'f1',
  'accuracy',
  'balanced_accuracy',
  'ece',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface EvaluationSpec {
  /** Column of the predictions file holding the 0/1 label. Default `label`. */
  labelColumn: string;
  /** Column holding the positive-class probability. Default `score`. */
  scoreColumn: string;
  /** score >= threshold predicts the positive class. Default 0.5. */
  threshold: number;
  metrics: MetricName[];
  /** Columns of the predictions file to slice every metric by (gates may name their slices). */
  slices: string[];
  /** The bootstrap behind rules judged "with confidence". */
  intervals: { rounds: number; seed: number; level: number };
  /**
   * What an inconclusive gate (an interval straddling a bound) does: `fail` the release, ask a
   * human through the approval step (`approve`), even when approval is not otherwise required,
   * or gather more data (`more-data`): wait `moreData.waitMs`, score both models on the eval
   * set again (a labelled feed that has grown meanwhile) and judge again, at most
   * `moreData.attempts` times, then fail.
   */
  inconclusive: InconclusiveAction;
  moreData: { waitMs: number; attempts: number };
}

export const INCONCLUSIVE_ACTIONS = ['fail', 'approve', 'more-data'] as const;
export type InconclusiveAction = (typeof INCONCLUSIVE_ACTIONS)[number];

/** A compiled gate rule (see src/core/gate-rules.ts). */
export type { ComparisonOp, GateRule };

export interface ApprovalSpec {
  required: boolean;
  /** How long a release waits for a human before it stops. Default 24 h. */
  timeoutMs: number;
}

export interface ServingSpec {
  /** Model server command; must serve `POST /predict` and `GET /healthz` on `{port}`. */
  command: string[];
  env: Record<string, string>;
  cwd: string;
  /** How long a new model server may take to answer /healthz. Default 60 s. */
  startupTimeoutMs: number;
}

/** Thresholds that judge one version's live metrics over a window. */
export interface HealthThresholds {
  /** Requests needed in the window before a verdict; fewer is "no data yet". Default 20. */
  minRequests: number;
  /** Largest accepted error share, 0..1. Default 0.05. */
  maxErrorRate: number;
  /** Largest accepted p99 latency. Default 500 ms. */
  maxLatencyP99Ms: number;
}

/** One canary step: a one-of, handled by one exhaustive switch. */
export type CanaryStep =
  | { kind: 'setWeight'; weight: number }
  /** Hold the current weight this long, analysing every `analysis.intervalMs`. */
  | { kind: 'bake'; durationMs: number }
  /** Hold until a `promote` signal (or `abort` / `rollback`). Analysis keeps running. */
  | { kind: 'pause' };

export interface CanaryPlan {
  /**
   * Hold the rollout before its first traffic shift (candidate deployed, 0 %) until a `promote`
   * signal. Default false; absent in rollouts recorded before it existed.
   */
  confirm?: boolean;
  steps: CanaryStep[];
  analysis: HealthThresholds & {
    intervalMs: number;
    /** Window of live metrics each check reads. Default = intervalMs. */
    windowMs: number;
    /** Failed checks (in total) that trigger rollback. Default 1. */
    failureLimit: number;
    /*
     * The fields below are absent in rollouts recorded before canary checks existed; the
     * deployment workflow then judges the thresholds above alone.
     */
    /** Failed checks in a row that trigger rollback. Default: failureLimit. */
    consecutiveFailureLimit?: number;
    /**
     * Rules over live metrics comparing the canary with stable on the same window, judged with
     * the gate engine (see src/core/canary-analysis.ts), besides maxErrorRate and maxLatencyP99Ms.
     */
    checks?: GateRule[];
    /** Feedback labels an accuracy check needs on each side it reads. Default 20. */
    minLabels?: number;
    /** Confidence level of `with confidence` checks. Default 0.95. */
    confidenceLevel?: number;
  };
}

export interface MonitorSpec extends HealthThresholds {
  enabled: boolean;
  intervalMs: number;
  windowMs: number;
  /** How long the post-promotion guard watches a version. Default 7 days. */
  durationMs: number;
  /** Consecutive failed checks that trigger rollback. Default 1. */
  failureLimit: number;
  /**
   * Absolute rules over live metrics judged besides the thresholds (see canary-analysis.ts),
   * e.g. `accuracy >= 0.8`. Absent in watches recorded before monitor checks existed.
   */
  checks?: GateRule[];
  /** Feedback labels an accuracy check needs. Default 20. */
  minLabels?: number;
  /**
   * Live input drift: the rows the promoted version served, judged against `data.reference`
   * with the validation engine's drift settings (`validation.drift`). Absent in watches recorded
   * before it existed; inactive when the spec has no reference.
   */
  drift?: MonitorDriftSpec;
}

/** The monitor's live input drift check. */
export interface MonitorDriftSpec {
  enabled: boolean;
  /** How often the served rows are judged. Default 5 min. */
  intervalMs: number;
  /** Newest served rows judged each time. Default 2 000. */
  sampleRows: number;
  /** Fewer served rows than this are not judged. Default 200. */
  minRows: number;
  /** Start a retraining release (one at a time per model) when the rows drifted. Default true. */
  retrain: boolean;
  /**
   * Least time between two retrainings the monitor starts, so a drift that persists (or a
   * retraining that fails its gates) does not start one every interval. Default 1 h.
   */
  retrainCooldownMs: number;
}

/** The model registry: a local directory, or an MLflow tracking server's model registry. */
export type RegistryBackendSpec =
  | { kind: 'local'; /** absolute; default <MLCD_HOME>/registry */ path?: string }
  | {
      kind: 'mlflow';
      /**
       * http(s) base URL of the MLflow tracking server, e.g. `http://127.0.0.1:5000`, without a
       * trailing slash. Credentials come from MLFLOW_TRACKING_TOKEN / _USERNAME / _PASSWORD.
       */
      trackingUri: string;
    };

export interface BackendsSpec {
  jobs: { kind: JobRunnerKind };
  registry: RegistryBackendSpec;
  traffic: { kind: TrafficKind; /** local serving daemon; default http://127.0.0.1:8710 */ url: string };
  metrics: {
    kind: MetricsKind;
    /** kind local: the serving daemon (default http://127.0.0.1:8710); kind prometheus: the Prometheus server (default http://127.0.0.1:9090). */
    url: string;
    /** kind prometheus only: PromQL templates replacing the defaults, by name. */
    queries?: Partial<Record<PromqlQueryName, string>>;
  };
  /**
   * Notifications: log lines (default), or a Slack-compatible webhook (docs/notifications.md).
   * `url`, `urlEnv` and `events` belong to kind webhook, which has exactly one of url / urlEnv.
   */
  notifier: {
    kind: NotifierKind;
    /** The webhook URL, `{params.x}` substituted. It carries a token and travels in history: prefer urlEnv. */
    url?: string;
    /** Name of the environment variable holding the webhook URL, read by the worker at each send. */
    urlEnv?: string;
    /** Kinds that are sent; absent: every kind. */
    events?: NotificationKind[];
  };
}

export interface ReleaseSpec {
  apiVersion: 'mlcd/v1';
  /** Model name: lowercase letters, digits, '-', '_' and '.'; starts with a letter or digit. */
  model: string;
  /** Absolute directory of the spec file; relative paths in the file resolve against it. */
  specDir: string;
  /** sha256 of the canonical JSON of the spec as written plus params: lineage. */
  specHash: string;
  /** Parameters after defaults and `--param` overrides; `{params.x}` is substituted at compile time. */
  params: Record<string, string>;
  data: {
    train: string;
    eval: string;
    reference?: string;
    /** Absolute directories data paths must stay within. Default: the spec dir. */
    allowedRoots: string[];
  };
  validation: ValidationSpec;
  training: JobSpec;
  scoring: JobSpec;
  evaluation: EvaluationSpec;
  gates: GateRule[];
  approval: ApprovalSpec;
  serving: ServingSpec;
  canary: CanaryPlan;
  monitor: MonitorSpec;
  backends: BackendsSpec;
}
