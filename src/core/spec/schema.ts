/**
 * The zod schema of the spec FILE format (`mlcd.yaml`, see examples/churn/mlcd.yaml). It checks
 * structure and value domains, fills defaults, converts durations to milliseconds and parses gate
 * rules; `compileReleaseSpec` then substitutes parameters and resolves paths. Objects are strict:
 * an unknown key (a typo) is an error naming it. Pure: importable from workflows.
 */
import { z } from 'zod';
import { DEFAULT_CONFIDENCE_LEVEL, DEFAULT_MIN_LABELS, parseCanaryCheck } from '../canary-analysis';
import { GATE_METRICS, parseGateRule } from '../gate-rules';
import type { SpecIssue } from '../errors';
// A pure module (a const list and types), so the spec stays importable from workflows.
import { NOTIFICATION_KINDS } from '../../backends/notifier/types';
import { DURATION_FORMS, parseDuration } from './durations';
import {
  CATEGORICAL_DRIFT_METHODS,
  COLUMN_TYPES,
  DEFAULT_PROMETHEUS_URL,
  DRIFT_METHODS,
  INCONCLUSIVE_ACTIONS,
  NUMERIC_DRIFT_METHODS,
  JOB_RUNNER_KINDS,
  METRICS_KINDS,
  METRIC_NAMES,
  NOTIFIER_KINDS,
  PROMQL_QUERY_NAMES,
  REGISTRY_KINDS,
  TRAFFIC_KINDS,
} from './types';
import type { CanaryStep, DriftRule, DriftSpec, GateRule, MonitorDriftSpec, MonitorSpec } from './types';

/**
 * Default address of the local serving daemon. Duplicates `DEFAULT_SERVING_URL` of src/config.ts
 * because src/core must stay free of Node imports.
 */
export const DEFAULT_SERVING_URL = 'http://127.0.0.1:8710';

/** Defaults of the spec file format, in the compiled units (ms, fractions). */
export const SPEC_DEFAULTS = {
  minRows: 1,
  allowExtraColumns: true,
  columnRequired: true,
  columnNullable: false,
  maxNullFraction: 1,
  columnUnique: false,
  driftEnabled: true,
  /** Evidently's defaults for large samples: normed Wasserstein and Jensen–Shannon at 0.1. */
  driftNumeric: { method: 'wasserstein', threshold: 0.1 } as DriftRule,
  driftCategorical: { method: 'jensenshannon', threshold: 0.1 } as DriftRule,
  driftColumnSeverity: 'error' as DriftSpec['columnSeverity'],
  maxDriftedShare: 0.5,
  jobTimeoutMs: 3_600_000,
  labelColumn: 'label',
  scoreColumn: 'score',
  threshold: 0.5,
  metrics: ['auc_roc', 'precision', 'recall', 'f1', 'accuracy'] as Array<(typeof METRIC_NAMES)[number]>,
  bootstrapRounds: 1000,
  bootstrapSeed: 0,
  confidenceLevel: 0.95,
  inconclusive: 'fail' as (typeof INCONCLUSIVE_ACTIONS)[number],
  moreDataWaitMs: 3_600_000,
  moreDataAttempts: 3,
  approvalRequired: false,
  approvalTimeoutMs: 24 * 3_600_000,
  startupTimeoutMs: 60_000,
  minRequests: 20,
  maxErrorRate: 0.05,
  maxLatencyP99Ms: 500,
  failureLimit: 1,
  minLabels: DEFAULT_MIN_LABELS,
  analysisConfidence: DEFAULT_CONFIDENCE_LEVEL,
  monitorEnabled: true,
  monitorDrift: { enabled: true, intervalMs: 5 * 60_000, sampleRows: 2_000, minRows: 200, retrain: true, retrainCooldownMs: 3_600_000 },
  monitorDurationMs: 7 * 24 * 3_600_000,
  servingUrl: DEFAULT_SERVING_URL,
} as const;

// ---------------------------------------------------------------------------------------------
// Building blocks

/** Prefix of the message of an unknown-key issue; `specIssuesFromZod` reads the allowed keys back. */
const ALLOWED_FIELDS = 'allowed fields: ';

/** A strict object whose unknown-key error lists the allowed fields. */
function strictObject<T extends z.ZodRawShape>(shape: T): z.ZodObject<T, 'strict'> {
  return z.object(shape).strict(ALLOWED_FIELDS + Object.keys(shape).join(', '));
}

/** A duration (see durations.ts) → whole milliseconds, at least `min` ms. */
function duration(min = 1): z.ZodEffects<z.ZodType<string | number>, number> {
  const expected = `expected ${DURATION_FORMS}`;
  return z
    .custom<string | number>((v) => typeof v === 'string' || typeof v === 'number', { message: expected })
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: expected });
        return z.NEVER;
      }
      if (ms < min) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a duration of at least ${min}ms` });
        return z.NEVER;
      }
      return ms;
    });
}

/** A string; numbers and booleans are accepted and turned into their string form (YAML `8080`). */
const scalarString = z
  .custom<string | number | boolean>((v) => ['string', 'number', 'boolean'].includes(typeof v), {
    message: 'expected a string',
  })
  .transform((v) => String(v));

const nonEmpty = z.string().min(1, 'expected a non-empty string');
const fraction = z
  .number()
  .finite()
  .min(0, 'expected a fraction between 0 and 1')
  .max(1, 'expected a fraction between 0 and 1');

const command = z
  .array(scalarString)
  .min(1, 'expected a non-empty argv list: [program, arg, ...]')
  .superRefine((argv, ctx) => {
    if (argv[0] === '')
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'the program (element 0) must not be empty',
        path: [0],
      });
  });

const envMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
  scalarString,
);

const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/?#]+(?:\/\S*)?$/, `expected an http(s) URL such as ${DEFAULT_SERVING_URL}`)
  .transform((u) => u.replace(/\/+$/, ''));

// ---------------------------------------------------------------------------------------------
// Sections

const columnRule = strictObject({
  type: z.enum(COLUMN_TYPES),
  required: z.boolean().default(SPEC_DEFAULTS.columnRequired),
  nullable: z.boolean().default(SPEC_DEFAULTS.columnNullable),
  maxNullFraction: fraction.default(SPEC_DEFAULTS.maxNullFraction),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
  values: z
    .array(z.union([z.string(), z.number().finite(), z.boolean()]))
    .min(1, 'expected at least one allowed value')
    .optional(),
  unique: z.boolean().default(SPEC_DEFAULTS.columnUnique),
}).superRefine((c, ctx) => {
  if (c.min !== undefined && c.max !== undefined && c.min > c.max) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `min (${c.min}) must not be greater than max (${c.max})`,
      path: ['max'],
    });
  }
});

/** Default threshold of each drift method: Evidently's (p-value 0.05, distances 0.1). */
export const DEFAULT_DRIFT_THRESHOLDS: Readonly<Record<DriftRule['method'], number>> = {
  ks: 0.05,
  chisquare: 0.05,
  psi: 0.1,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  linf: 0.1,
};

/** Drift threshold: a p-value for ks / chisquare, a distance for the others; default per method. */
const driftRule = (methods: readonly DriftRule['method'][]) =>
  strictObject({
    method: z.enum(methods as [DriftRule['method'], ...DriftRule['method'][]]),
    threshold: z.number().finite().min(0, 'expected a threshold >= 0').optional(),
  }).transform((r): DriftRule => ({
    method: r.method,
    threshold: r.threshold ?? DEFAULT_DRIFT_THRESHOLDS[r.method],
  }));

const drift = strictObject({
  enabled: z.boolean().default(SPEC_DEFAULTS.driftEnabled),
  numeric: driftRule(NUMERIC_DRIFT_METHODS).default(SPEC_DEFAULTS.driftNumeric),
  categorical: driftRule(CATEGORICAL_DRIFT_METHODS).default(SPEC_DEFAULTS.driftCategorical),
  columns: z.record(nonEmpty, z.union([z.literal(false), driftRule(DRIFT_METHODS)])).default({}),
  columnSeverity: z.enum(['error', 'warning']).default(SPEC_DEFAULTS.driftColumnSeverity),
  maxDriftedShare: fraction.default(SPEC_DEFAULTS.maxDriftedShare),
});

/** Table-level rules of a schema file (defaults filled) and of the spec (defaults left out). */
const tableRuleFields = {
  minRows: z.number().int().min(0),
  maxRows: z.number().int().min(0),
  allowExtraColumns: z.boolean(),
};

function rowBoundsOrdered(
  v: { minRows?: number | undefined; maxRows?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  if (v.maxRows !== undefined && v.maxRows < (v.minRows ?? 0)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `maxRows (${v.maxRows}) must not be less than minRows (${v.minRows ?? 0})`,
      path: ['maxRows'],
    });
  }
}

/**
 * A schema file (`mlcd schema infer` writes one): the table and column rules of the spec's
 * `validation` section, with a version so the format can evolve.
 */
export const schemaFileSchema = strictObject({
  schemaVersion: z.literal(1).default(1),
  minRows: tableRuleFields.minRows.default(SPEC_DEFAULTS.minRows),
  maxRows: tableRuleFields.maxRows.optional(),
  allowExtraColumns: tableRuleFields.allowExtraColumns.default(SPEC_DEFAULTS.allowExtraColumns),
  columns: z.record(nonEmpty, columnRule),
}).superRefine(rowBoundsOrdered);

/**
 * The spec's `validation` section. Table rules have no defaults here: with a schema file they
 * fall back to the file's, without one to SPEC_DEFAULTS (the validator resolves them).
 */
const validation = strictObject({
  minRows: tableRuleFields.minRows.optional(),
  maxRows: tableRuleFields.maxRows.optional(),
  allowExtraColumns: tableRuleFields.allowExtraColumns.optional(),
  columns: z.record(nonEmpty, columnRule).default({}),
  /** A schema file; its column rules apply under the inline `columns`, which win per column. */
  schema: nonEmpty.optional(),
  /** Great Expectations suite JSON, or mlcd's YAML/JSON list of expectations. */
  expectations: nonEmpty.optional(),
  drift: drift.default({}),
}).superRefine(rowBoundsOrdered);

const job = strictObject({
  command,
  env: envMap.default({}),
  cwd: nonEmpty.optional(),
  timeout: duration().default(SPEC_DEFAULTS.jobTimeoutMs),
}).transform(({ timeout, ...rest }) => ({ ...rest, timeoutMs: timeout }));

const evaluation = strictObject({
  label: nonEmpty.default(SPEC_DEFAULTS.labelColumn),
  score: nonEmpty.default(SPEC_DEFAULTS.scoreColumn),
  threshold: fraction.default(SPEC_DEFAULTS.threshold),
  metrics: z
    .array(z.enum(METRIC_NAMES))
    .min(1, 'expected at least one metric')
    .default([...SPEC_DEFAULTS.metrics]),
  slices: z.array(nonEmpty).default([]),
  intervals: strictObject({
    rounds: z
      .number()
      .int('expected a whole number')
      .min(100, 'expected at least 100 rounds')
      .max(100_000, 'expected at most 100000 rounds')
      .default(SPEC_DEFAULTS.bootstrapRounds),
    seed: z
      .number()
      .int('expected a whole number')
      .min(0, 'expected a number >= 0')
      .default(SPEC_DEFAULTS.bootstrapSeed),
    level: z
      .number()
      .gt(0.5, 'expected a level above 0.5')
      .lt(1, 'expected a level below 1')
      .default(SPEC_DEFAULTS.confidenceLevel),
  }).default({}),
  inconclusive: z.enum(INCONCLUSIVE_ACTIONS).default(SPEC_DEFAULTS.inconclusive),
  moreData: strictObject({
    wait: duration().default(SPEC_DEFAULTS.moreDataWaitMs),
    attempts: z
      .number()
      .int('expected a whole number')
      .min(1, 'expected at least 1 attempt')
      .max(100, 'expected at most 100 attempts')
      .default(SPEC_DEFAULTS.moreDataAttempts),
  }).default({}),
})
  .superRefine((e, ctx) => {
    if (e.label === e.score) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `label and score must be different columns, both are "${e.label}"`,
        path: ['score'],
      });
    }
    e.metrics.forEach((m, i) => {
      if (e.metrics.indexOf(m) !== i)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `metric "${m}" is listed twice`,
          path: ['metrics', i],
        });
    });
    e.slices.forEach((c, i) => {
      if (c === e.label || c === e.score)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `slice column "${c}" is the ${c === e.label ? 'label' : 'score'} column`,
          path: ['slices', i],
        });
      else if (e.slices.indexOf(c) !== i)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `slice column "${c}" is listed twice`,
          path: ['slices', i],
        });
    });
  })
  .transform((e) => ({
    labelColumn: e.label,
    scoreColumn: e.score,
    threshold: e.threshold,
    metrics: e.metrics,
    slices: e.slices,
    intervals: e.intervals,
    inconclusive: e.inconclusive,
    moreData: { waitMs: e.moreData.wait, attempts: e.moreData.attempts },
  }));

const gate = z.string().transform((text, ctx): GateRule => {
  try {
    return parseGateRule(text);
  } catch (e) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: e instanceof Error ? e.message : String(e) });
    return z.NEVER;
  }
});

const approval = strictObject({
  required: z.boolean().default(SPEC_DEFAULTS.approvalRequired),
  timeout: duration().default(SPEC_DEFAULTS.approvalTimeoutMs),
}).transform((a) => ({ required: a.required, timeoutMs: a.timeout }));

const serving = strictObject({
  command,
  env: envMap.default({}),
  cwd: nonEmpty.optional(),
  startupTimeout: duration().default(SPEC_DEFAULTS.startupTimeoutMs),
}).transform(({ startupTimeout, ...rest }) => ({ ...rest, startupTimeoutMs: startupTimeout }));

const healthFields = {
  minRequests: z.number().int().min(1).default(SPEC_DEFAULTS.minRequests),
  maxErrorRate: fraction.default(SPEC_DEFAULTS.maxErrorRate),
  maxLatencyP99Ms: z.number().finite().positive().default(SPEC_DEFAULTS.maxLatencyP99Ms),
  failureLimit: z.number().int().min(1).default(SPEC_DEFAULTS.failureLimit),
};

function windowNotShorter(v: { interval: number; window?: number | undefined }, ctx: z.RefinementCtx): void {
  if (v.window !== undefined && v.window < v.interval) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `window (${v.window}ms) must not be shorter than interval (${v.interval}ms)`,
      path: ['window'],
    });
  }
}

const canaryCheck = z.string().transform((text, ctx): GateRule => {
  try {
    return parseCanaryCheck(text);
  } catch (e) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: e instanceof Error ? e.message : String(e) });
    return z.NEVER;
  }
});

const analysis = strictObject({
  interval: duration(),
  window: duration().optional(),
  ...healthFields,
  /** Failed checks in a row that roll back; default: failureLimit. */
  consecutiveFailureLimit: z.number().int().min(1).optional(),
  /** Rules over live metrics, canary against stable on the same window (see canary-analysis.ts). */
  checks: z.array(canaryCheck).default([]),
  minLabels: z.number().int().min(1).default(SPEC_DEFAULTS.minLabels),
  /** Confidence level of the `with confidence` checks. */
  confidence: z.number().gt(0.5).lt(1).default(SPEC_DEFAULTS.analysisConfidence),
})
  .superRefine(windowNotShorter)
  .transform(({ interval, window, consecutiveFailureLimit, confidence, ...t }) => ({
    ...t,
    intervalMs: interval,
    windowMs: window ?? interval,
    consecutiveFailureLimit: consecutiveFailureLimit ?? t.failureLimit,
    confidenceLevel: confidence,
  }));

const STEP_KINDS = ['setWeight', 'bake', 'pause'] as const;
const STEP_FORMS = 'expected one step: {setWeight: <integer 0..100>}, {bake: <duration>} or {pause: {}}';

/** One canary step, a one-of: `setWeight: N` | `bake: <duration>` | `pause: {}` (or null / true). */
const step = z.unknown().transform((v, ctx): CanaryStep => {
  const fail = (message: string, path: Array<string | number> = []): never => {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message, path });
    return z.NEVER;
  };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(STEP_FORMS);
  const keys = Object.keys(v);
  if (keys.length !== 1) {
    return fail(
      keys.length === 0
        ? STEP_FORMS
        : `a step has exactly one of setWeight, bake, pause; got ${keys.join(', ')}`,
    );
  }
  const key = keys[0] as string;
  const value = (v as Record<string, unknown>)[key];
  switch (key) {
    case 'setWeight':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
        return fail('expected an integer weight from 0 to 100 (percent of traffic)', [key]);
      }
      return { kind: 'setWeight', weight: value };
    case 'bake': {
      const ms = parseDuration(value);
      if (ms === undefined || ms < 1) return fail(`expected ${DURATION_FORMS}, at least 1ms`, [key]);
      return { kind: 'bake', durationMs: ms };
    }
    case 'pause': {
      const empty =
        value === null ||
        value === true ||
        (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);
      if (!empty)
        return fail(
          'expected {} (or null / true): a pause holds until a promote signal and takes no options',
          [key],
        );
      return { kind: 'pause' };
    }
    default:
      return fail(`unknown step kind "${key}"${didYouMean(key, STEP_KINDS)}; ${STEP_FORMS}`, [key]);
  }
});

const steps = z
  .array(step)
  .min(1, 'expected at least one step')
  .superRefine((list, ctx) => {
    // Refinements also run over partly invalid input: skip ordering checks when a step is invalid.
    if (list.some((s) => typeof (s as Partial<CanaryStep> | undefined)?.kind !== 'string')) return;
    let weight: number | undefined;
    let lastWeightAt = -1;
    list.forEach((s, i) => {
      switch (s.kind) {
        case 'setWeight':
          if (weight !== undefined && s.weight < weight) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              message: `weights must not decrease: ${s.weight} follows ${weight}`,
              path: [i, 'setWeight'],
            });
          }
          weight = s.weight;
          lastWeightAt = i;
          break;
        case 'bake':
        case 'pause':
          if (weight === undefined) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              message: `a ${s.kind} step needs a setWeight step before it`,
              path: [i, s.kind],
            });
          }
          break;
      }
    });
    if (weight !== 100) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          weight === undefined
            ? 'steps must contain a setWeight step ending at 100'
            : `the last setWeight must be 100 (full rollout), got ${weight}`,
        path: lastWeightAt >= 0 ? [lastWeightAt, 'setWeight'] : [],
      });
    }
  });

/** `confirm: true` holds the rollout, candidate deployed at 0 %, until a `promote` signal. */
const canary = strictObject({ confirm: z.boolean().default(false), analysis, steps });

/** A monitor check: a canary check with an absolute bound (after promotion there is no stable to compare with). */
const monitorCheck = canaryCheck.superRefine((rule, ctx) => {
  if (rule.kind !== 'absolute' || rule.name === 'prediction_psi')
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `monitor check "${rule.text}": after promotion there is no stable version to compare with; give an absolute bound${rule.name === 'prediction_psi' ? ' on error_rate, latency or accuracy' : ''}`,
    });
});

const monitor = strictObject({
  enabled: z.boolean().default(SPEC_DEFAULTS.monitorEnabled),
  interval: duration(),
  window: duration().optional(),
  duration: duration().default(SPEC_DEFAULTS.monitorDurationMs),
  ...healthFields,
  /** Absolute rules over live metrics besides the thresholds, e.g. `accuracy >= 0.8`. */
  checks: z.array(monitorCheck).default([]),
  minLabels: z.number().int().min(1).default(SPEC_DEFAULTS.minLabels),
  drift: strictObject({
    enabled: z.boolean().default(SPEC_DEFAULTS.monitorDrift.enabled),
    interval: duration().default(SPEC_DEFAULTS.monitorDrift.intervalMs),
    sampleRows: z.number().int().min(1).max(100_000).default(SPEC_DEFAULTS.monitorDrift.sampleRows),
    minRows: z.number().int().min(1).default(SPEC_DEFAULTS.monitorDrift.minRows),
    retrain: z.boolean().default(SPEC_DEFAULTS.monitorDrift.retrain),
    retrainCooldown: duration().default(SPEC_DEFAULTS.monitorDrift.retrainCooldownMs),
  })
    .transform(({ interval, retrainCooldown, ...d }): MonitorDriftSpec => ({ ...d, intervalMs: interval, retrainCooldownMs: retrainCooldown }))
    .default({}),
})
  .superRefine(windowNotShorter)
  .transform(({ interval, window, duration: d, ...t }): MonitorSpec => ({
    ...t,
    intervalMs: interval,
    windowMs: window ?? interval,
    durationMs: d,
  }));

const backends = strictObject({
  jobs: strictObject({ kind: z.enum(JOB_RUNNER_KINDS).default('local') }).default({}),
  registry: strictObject({
    kind: z.enum(REGISTRY_KINDS).default('local'),
    /** kind local only. */
    path: nonEmpty.optional(),
    /** kind mlflow only (required there); an http(s) URL, checked after `{params.x}` substitution. */
    trackingUri: nonEmpty.optional(),
  }).default({}),
  traffic: strictObject({
    kind: z.enum(TRAFFIC_KINDS).default('local'),
    url: httpUrl.default(DEFAULT_SERVING_URL),
  }).default({}),
  metrics: strictObject({
    kind: z.enum(METRICS_KINDS).default('local'),
    /** Default by kind: the serving daemon (local), DEFAULT_PROMETHEUS_URL (prometheus). */
    url: httpUrl.optional(),
    /** kind prometheus only: PromQL templates replacing the defaults (placeholders checked by compileReleaseSpec). */
    queries: strictObject(
      Object.fromEntries(PROMQL_QUERY_NAMES.map((name) => [name, nonEmpty.optional()])) as {
        [K in (typeof PROMQL_QUERY_NAMES)[number]]: z.ZodOptional<typeof nonEmpty>;
      },
    ).optional(),
  })
    .superRefine((m, ctx) => {
      if (m.queries !== undefined && m.kind !== 'prometheus')
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `only used by backends.metrics.kind prometheus; kind ${m.kind} reads the serving daemon's own counters`,
          path: ['queries'],
        });
    })
    .transform(({ url, ...m }) => ({
      ...m,
      url: url ?? (m.kind === 'prometheus' ? DEFAULT_PROMETHEUS_URL : DEFAULT_SERVING_URL),
    }))
    .default({}),
  /** Fields other than kind belong to kind webhook, which takes exactly one of url / urlEnv. */
  notifier: strictObject({
    kind: z.enum(NOTIFIER_KINDS).default('log'),
    // Not `httpUrl`: a webhook URL is an endpoint, not a base URL, so a trailing slash stays.
    url: z
      .string()
      .regex(
        /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/,
        'expected an http(s) URL such as https://hooks.slack.com/services/T000/B000/XXXX',
      )
      .optional(),
    urlEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name such as SLACK_WEBHOOK_URL')
      .optional(),
    events: z
      .array(z.enum(NOTIFICATION_KINDS))
      .min(1, `expected at least one of: ${NOTIFICATION_KINDS.join(', ')}`)
      .optional(),
  })
    .superRefine((n, ctx) => {
      const fieldIssue = (field: 'url' | 'urlEnv' | 'events', message: string): void =>
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field], message });
      if (n.kind === 'webhook') {
        if (n.url !== undefined && n.urlEnv !== undefined)
          fieldIssue('urlEnv', 'give url or urlEnv, not both (urlEnv keeps the URL and its token out of workflow history)');
        else if (n.url === undefined && n.urlEnv === undefined)
          fieldIssue(
            'urlEnv',
            'required when backends.notifier.kind is webhook (or url): the name of the environment variable holding the webhook URL on the worker, e.g. SLACK_WEBHOOK_URL',
          );
        return;
      }
      for (const field of ['url', 'urlEnv', 'events'] as const)
        if (n[field] !== undefined)
          fieldIssue(field, 'only used by backends.notifier.kind webhook; set kind: webhook or remove it');
    })
    .default({}),
});

/** Metrics measured beside the predictions (the model directory's size, the scoring job's latency report). */
const MODEL_METRICS: ReadonlySet<string> = new Set(['model_size_mb', 'latency_p50_ms', 'latency_p99_ms']);
const FAIRNESS_METRICS: ReadonlySet<string> = new Set([
  'demographic_parity_difference',
  'equal_opportunity_difference',
]);

/** Why a parsed gate cannot be evaluated for a binary release with these slice columns, if it cannot. */
function gateProblem(g: GateRule, slices: readonly string[]): string | undefined {
  const binary = (METRIC_NAMES as readonly string[]).includes(g.name);
  if (g.name === 'error_rate' || g.name === 'prediction_psi')
    return `${g.name} is a live serving metric; judge it in the canary analysis (canary.analysis.checks)`;
  if (!binary && !MODEL_METRICS.has(g.name) && !FAIRNESS_METRICS.has(g.name)) {
    const kinds = Object.keys(GATE_METRICS).filter(
      (m) =>
        (METRIC_NAMES as readonly string[]).includes(m) || MODEL_METRICS.has(m) || FAIRNESS_METRICS.has(m),
    );
    return `${g.name} is a multiclass or regression metric; a release evaluates a binary classifier (gate metrics: ${kinds.join(', ')})`;
  }
  const s = g.selector;
  if (MODEL_METRICS.has(g.name) && s.kind !== 'overall')
    return `${g.name} is a property of the model, not of a class or slice`;
  if (s.kind === 'class' && s.class !== '0' && s.class !== '1')
    return `a binary classifier has classes 0 and 1, not "${s.class}"`;
  if (
    (s.kind === 'slice' || s.kind === 'worst' || s.kind === 'gap' || s.kind === 'column') &&
    !slices.includes(s.column)
  )
    return `slice column "${s.column}" is not in evaluation.slices${slices.length > 0 ? ` (${slices.join(', ')})` : ''}`;
  if (g.on === 'interval' && MODEL_METRICS.has(g.name))
    return `${g.name} has no confidence interval (it is measured once, not per row); drop "with confidence"`;
  return undefined;
}

/**
 * The spec file schema. Output ("draft"): defaults filled, durations in ms, gates parsed; paths
 * still as written and `{params.x}` not yet substituted. A missing `monitor` section inherits the
 * canary analysis settings (interval, window, thresholds, failureLimit), enabled, for 7 days.
 */
export const releaseSpecSchema = strictObject({
  apiVersion: z.literal('mlcd/v1'),
  model: z
    .string()
    .max(63, 'expected at most 63 characters')
    .regex(
      /^[a-z0-9][a-z0-9._-]*$/,
      "expected lowercase letters, digits, '-', '_' or '.', starting with a letter or digit",
    ),
  params: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a parameter name (letters, digits, _)'),
      scalarString,
    )
    .default({}),
  data: strictObject({
    train: nonEmpty,
    eval: nonEmpty,
    reference: nonEmpty.optional(),
    allowedRoots: z.array(nonEmpty).min(1, 'expected at least one directory').optional(),
  }),
  validation,
  training: job,
  scoring: job,
  evaluation: evaluation.default({}),
  gates: z.array(gate).default([]),
  approval: approval.default({}),
  serving,
  canary,
  monitor: monitor.optional(),
  backends: backends.default({}),
})
  .superRefine((s, ctx) => {
    s.gates.forEach((g, i) => {
      // Refinements also run over partly invalid input: an unparsable gate has no metric.
      if (typeof (g as Partial<GateRule> | undefined)?.metric !== 'string') return;
      const problem = gateProblem(g, s.evaluation.slices);
      if (problem !== undefined)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `gate "${g.text}": ${problem}`,
          path: ['gates', i],
        });
    });
  })
  .transform(({ monitor: m, ...s }) => {
    const a = s.canary.analysis;
    const inherited: MonitorSpec = {
      enabled: SPEC_DEFAULTS.monitorEnabled,
      intervalMs: a.intervalMs,
      windowMs: a.windowMs,
      durationMs: SPEC_DEFAULTS.monitorDurationMs,
      minRequests: a.minRequests,
      maxErrorRate: a.maxErrorRate,
      maxLatencyP99Ms: a.maxLatencyP99Ms,
      failureLimit: a.failureLimit,
      checks: [],
      minLabels: a.minLabels,
      drift: { ...SPEC_DEFAULTS.monitorDrift },
    };
    return { ...s, monitor: m ?? inherited };
  });

/** What the schema returns: see `releaseSpecSchema`. */
export type SpecDraft = z.output<typeof releaseSpecSchema>;
/** The spec file format as written (before defaults and conversions). */
export type SpecFileInput = z.input<typeof releaseSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Issues

/** `canary.steps[2].bake`-style path; keys that are not identifiers are quoted: `columns["a b"]`. */
export function formatIssuePath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** The value at `path` inside `raw`, or undefined. */
export function valueAtPath(raw: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur: unknown = raw;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** JSON of `value`, shortened to 80 characters; undefined stays undefined. */
export function shortJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let s: string;
  try {
    const json: string | undefined = JSON.stringify(value); // undefined for functions and symbols
    s = json ?? typeof value;
  } catch {
    s = typeof value === 'bigint' ? value.toString() : typeof value;
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(
        up + 1,
        (prev[j - 1] as number) + 1,
        diag + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
      );
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/**
 * ` (did you mean "x"?)` for the closest candidate within edit distance 2 (case-insensitive), or
 * the first candidate that starts with `word` (e.g. "str" → "string"); else ''.
 */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best: string | undefined =
    word.length >= 2
      ? candidates.find((c) => c !== word && c.toLowerCase().startsWith(word.toLowerCase()))
      : undefined;
  let bestD = best === undefined ? 3 : 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

function describeType(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/**
 * Messages for issues that carry no message of their own: they say what was expected. Pass as
 * `errorMap` to `releaseSpecSchema.safeParse`; explicit messages in the schema win.
 */
export const specErrorMap: z.ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined')
        return { message: `required field is missing (expected ${describeType(issue.expected)})` };
      return { message: `expected ${describeType(issue.expected)}, got ${issue.received}` };
    case z.ZodIssueCode.invalid_literal:
      return { message: `expected ${JSON.stringify(issue.expected)}` };
    case z.ZodIssueCode.invalid_enum_value:
      return {
        message: `expected one of: ${issue.options.join(', ')}${typeof issue.received === 'string' ? didYouMean(issue.received, issue.options.map(String)) : ''}`,
      };
    case z.ZodIssueCode.too_small:
      return { message: boundMessage(issue.type, 'at least', issue.inclusive ? '>=' : '>', issue.minimum) };
    case z.ZodIssueCode.too_big:
      return { message: boundMessage(issue.type, 'at most', issue.inclusive ? '<=' : '<', issue.maximum) };
    case z.ZodIssueCode.not_finite:
      return { message: 'expected a finite number' };
    case z.ZodIssueCode.invalid_union:
      return { message: 'expected a string, a number or a boolean' };
    default:
      return { message: ctx.defaultError };
  }
};

/** "expected at least 1 item(s)", "expected a value >= 0", … for a size or value bound. */
function boundMessage(type: string, words: string, op: string, bound: unknown): string {
  const b = String(bound);
  if (type === 'array') return `expected ${words} ${b} item(s)`;
  if (type === 'string') return `expected ${words} ${b} character(s)`;
  return `expected a value ${op} ${b}`;
}

/**
 * Turns zod issues into `SpecIssue`s: dotted path, a message saying what was expected, the
 * offending value from `raw` (JSON, ≤ 80 chars). An unknown key becomes one issue per key, at the
 * key's path, with a did-you-mean suggestion and the allowed fields.
 */
export function specIssuesFromZod(issues: readonly z.ZodIssue[], raw: unknown): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const issue of issues) {
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      const allowed = issue.message.startsWith(ALLOWED_FIELDS)
        ? issue.message.slice(ALLOWED_FIELDS.length).split(', ')
        : [];
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const value = shortJson(valueAtPath(raw, path));
        out.push({
          path: formatIssuePath(path),
          message: `unknown field "${key}"${didYouMean(key, allowed)}; ${issue.message}`,
          ...(value !== undefined ? { value } : {}),
        });
      }
      continue;
    }
    const value = shortJson(valueAtPath(raw, issue.path));
    out.push({
      path: formatIssuePath(issue.path),
      message: issue.message,
      ...(value !== undefined ? { value } : {}),
    });
  }
  return out;
}
