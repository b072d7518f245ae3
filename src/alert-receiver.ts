/**
 * The Alertmanager receiver: an HTTP endpoint for Alertmanager's webhook (`webhook_configs`)
 * that turns each firing alert with a `model` label into a `rollback` signal to that model's
 * deployment workflow (`deployment/<model>`), the single writer of its traffic. Resolved alerts
 * and alerts without a model label are acknowledged and skipped.
 *
 * Plain `node:http`, as the serving daemon: one route of JSON needs no framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { RollbackRequest } from './core/release';
import { rollbackSignal, workflowIds } from '../workflows/definitions';

/** The path Alertmanager posts to: `url: http://<host>:9095/alerts`. */
export const ALERTS_PATH = '/alerts';

/** `by` of the rollback requests the receiver sends. */
export const ROLLBACK_BY = 'alertmanager';

/** Largest webhook body read, bytes (1 MiB; Alertmanager's `max_alerts` keeps bodies smaller). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** How long one signal may take before the alert is reported failed, ms. */
export const DEFAULT_SIGNAL_TIMEOUT_MS = 5_000;

/** Alerts remembered as signalled, so Alertmanager's repeats do not roll back twice. */
export const DEFAULT_REMEMBERED_ALERTS = 10_000;

// --- the webhook payload (Alertmanager's format version 4) ----------------------------------------

const labelSet = z.record(z.string());
const alertStatus = z.enum(['firing', 'resolved']);

/** One alert of the webhook. Unknown fields are kept (they travel as evidence). */
export const alertmanagerAlertSchema = z
  .object({
    status: alertStatus,
    labels: labelSet,
    annotations: labelSet.default({}),
    startsAt: z
      .string()
      .datetime({ offset: true, message: 'expected an RFC 3339 time such as 2025-01-01T02:00:00Z' }),
    endsAt: z.string().optional(),
    generatorURL: z.string().optional(),
    fingerprint: z.string().optional(),
  })
  .passthrough();
export type AlertmanagerAlert = z.infer<typeof alertmanagerAlertSchema>;

/** The webhook body Alertmanager posts (`version: "4"`). */
export const alertmanagerWebhookSchema = z
  .object({
    version: z.literal('4', {
      errorMap: () => ({ message: 'expected "4" (Alertmanager webhook format version 4)' }),
    }),
    status: alertStatus,
    receiver: z.string().optional(),
    groupKey: z.string().optional(),
    truncatedAlerts: z.number().int().nonnegative().optional(),
    groupLabels: labelSet.optional(),
    commonLabels: labelSet.optional(),
    commonAnnotations: labelSet.optional(),
    externalURL: z.string().optional(),
    alerts: z.array(alertmanagerAlertSchema),
  })
  .passthrough();
export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhookSchema>;

/** A payload that is not Alertmanager's webhook: every problem with its path, value and expectation. */
export class AlertPayloadError extends Error {
  constructor(readonly problems: string[]) {
    super(`not an Alertmanager webhook payload: ${problems.join('; ')}`);
    this.name = 'AlertPayloadError';
  }
}

/**
 * Validates a parsed webhook body.
 * @throws AlertPayloadError naming each field (`alerts[0].startsAt`), what it was and what was expected
 */
export function parseAlertmanagerWebhook(body: unknown): AlertmanagerWebhook {
  const parsed = alertmanagerWebhookSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.reduce<string>(
      (p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${k}` : k),
      '',
    );
    const value = valueAt(body, issue.path);
    const missing = value === undefined;
    const expected = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
    const message = missing ? `missing, ${expected}` : issue.message;
    return `${path || '(body)'}: ${message}${missing ? '' : ` (got ${shorten(value)})`}`;
  });
  if (parsed.error.issues.length > 10) problems.push(`and ${parsed.error.issues.length - 10} more`);
  throw new AlertPayloadError(problems);
}

function valueAt(root: unknown, path: Array<string | number>): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

function shorten(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// --- what to do with one alert -----------------------------------------------------------------------

/** Model names as the spec allows them (`model:`); anything else cannot name a deployment. */
const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The decision for one alert: signal a rollback, or acknowledge and skip (with why). */
export type AlertDecision =
  | { kind: 'rollback'; model: string; workflowId: string; request: RollbackRequest }
  | { kind: 'skip'; reason: string };

/**
 * Firing with a `model` label: a rollback of `deployment/<model>` about the alert's `version`
 * label (when present, the deployment ignores it unless that version still serves), with the
 * `summary` (or `description`) annotation as the reason, `startsAt` as the breach time and the
 * alert as evidence. Anything else is skipped.
 */
export function decideAlert(alert: AlertmanagerAlert): AlertDecision {
  if (alert.status === 'resolved') return { kind: 'skip', reason: 'resolved: nothing to roll back' };
  const model = alert.labels.model;
  if (model === undefined || model === '')
    return { kind: 'skip', reason: 'no model label: cannot tell which deployment to roll back' };
  if (!MODEL_NAME.test(model)) {
    return {
      kind: 'skip',
      reason: `model label "${model}" is not a model name (lowercase letters, digits, '.', '_', '-'; at most 63)`,
    };
  }
  const alertname = alert.labels.alertname;
  const text = alert.annotations.summary ?? alert.annotations.description;
  const reason =
    alertname && text ? `${alertname}: ${text}` : (text ?? alertname ?? 'alert without alertname or summary');
  const version = alert.labels.version;
  const request: RollbackRequest = {
    by: ROLLBACK_BY,
    reason,
    breachAt: Date.parse(alert.startsAt),
    evidence: { alert },
    ...(version !== undefined && version !== '' ? { version } : {}),
  };
  return { kind: 'rollback', model, workflowId: workflowIds.deployment(model), request };
}

// --- signalling ------------------------------------------------------------------------------------

/** Sends `rollback` to a deployment workflow; a fake in tests. */
export interface RollbackSignaller {
  /**
   * Resolves `signalled`, or `not_found` when no such workflow is running; rejects on anything
   * else (Temporal unreachable, a timeout), which the receiver answers with 503 so Alertmanager retries.
   */
  signalRollback(workflowId: string, request: RollbackRequest): Promise<'signalled' | 'not_found'>;
}

/** The signaller over a Temporal client; each signal is bounded by `timeoutMs`. */
export function temporalRollbackSignaller(
  client: Client,
  timeoutMs = DEFAULT_SIGNAL_TIMEOUT_MS,
): RollbackSignaller {
  return {
    async signalRollback(workflowId, request) {
      try {
        await client.withDeadline(Date.now() + timeoutMs, () =>
          client.workflow.getHandle(workflowId).signal(rollbackSignal, request),
        );
        return 'signalled';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'not_found';
        throw err;
      }
    },
  };
}

/** What the receiver did with one alert. */
export interface AlertResult {
  /** Position in the payload's `alerts`. */
  index: number;
  fingerprint?: string;
  alertname?: string;
  model?: string;
  /**
   * `signalled`: rollback sent; `duplicate`: this firing was signalled before; `skipped`: resolved,
   * no or bad model label; `not_found`: no running deployment workflow; `failed`: the signal failed.
   */
  action: 'signalled' | 'duplicate' | 'skipped' | 'not_found' | 'failed';
  workflowId?: string;
  detail: string;
}

/** The response body of a webhook call. */
export interface AlertReceiverResponse {
  received: number;
  signalled: number;
  results: AlertResult[];
}

/** Options of {@link createAlertHandler}. */
export interface AlertHandlerOptions {
  signaller: RollbackSignaller;
  /** Firings remembered as signalled (oldest forgotten first). Default {@link DEFAULT_REMEMBERED_ALERTS}. */
  rememberAlerts?: number;
  /** One line per signalled or failed alert. Default: none. */
  log?: (line: string) => void;
}

/**
 * The receiver's logic without HTTP: a parsed JSON body in, a status and a body out. 200 with
 * a result per alert; 400 when the body is not a webhook payload; 503 when any signal failed
 * for a reason that may pass (Alertmanager retries 5xx; the alerts already signalled are then
 * answered `duplicate`).
 */
export function createAlertHandler(
  o: AlertHandlerOptions,
): (body: unknown) => Promise<{ status: number; body: AlertReceiverResponse | { error: string } }> {
  const remember = o.rememberAlerts ?? DEFAULT_REMEMBERED_ALERTS;
  // Firing episodes already signalled, in insertion order; Alertmanager re-sends a firing alert
  // every repeat_interval and whenever its group changes.
  const signalled = new Map<string, string>();
  const log = o.log ?? (() => undefined);

  const one = async (alert: AlertmanagerAlert, index: number): Promise<AlertResult> => {
    const base = {
      index,
      ...(alert.fingerprint !== undefined ? { fingerprint: alert.fingerprint } : {}),
      ...(alert.labels.alertname !== undefined ? { alertname: alert.labels.alertname } : {}),
      ...(alert.labels.model ? { model: alert.labels.model } : {}),
    };
    const decision = decideAlert(alert);
    if (decision.kind === 'skip') return { ...base, action: 'skipped', detail: decision.reason };
    const key = `${alert.fingerprint ?? JSON.stringify(Object.entries(alert.labels).sort())}@${alert.startsAt}`;
    const before = signalled.get(key);
    if (before !== undefined) {
      return {
        ...base,
        action: 'duplicate',
        workflowId: decision.workflowId,
        detail: `this firing (since ${alert.startsAt}) was signalled at ${before}`,
      };
    }
    try {
      const outcome = await o.signaller.signalRollback(decision.workflowId, decision.request);
      if (outcome === 'not_found') {
        return {
          ...base,
          action: 'not_found',
          workflowId: decision.workflowId,
          detail: `no running deployment workflow ${decision.workflowId}: model ${decision.model} has no deployment here`,
        };
      }
      signalled.set(key, new Date().toISOString());
      if (signalled.size > remember) signalled.delete(signalled.keys().next().value as string);
      log(
        `rollback sent to ${decision.workflowId}${decision.request.version ? ` about v${decision.request.version}` : ''}: ${decision.request.reason ?? ''}`,
      );
      return {
        ...base,
        action: 'signalled',
        workflowId: decision.workflowId,
        detail: `rollback sent to ${decision.workflowId}${decision.request.version ? ` about v${decision.request.version}` : ''}: ${decision.request.reason ?? ''}`,
      };
    } catch (err) {
      const message = describe(err);
      log(`rollback to ${decision.workflowId} failed: ${message}`);
      return {
        ...base,
        action: 'failed',
        workflowId: decision.workflowId,
        detail: `rollback signal to ${decision.workflowId} failed: ${message}`,
      };
    }
  };

  return async (body) => {
    let payload: AlertmanagerWebhook;
    try {
      payload = parseAlertmanagerWebhook(body);
    } catch (err) {
      if (err instanceof AlertPayloadError) return { status: 400, body: { error: err.message } };
      throw err;
    }
    const results = await Promise.all(payload.alerts.map(one));
    const response: AlertReceiverResponse = {
      received: results.length,
      signalled: results.filter((r) => r.action === 'signalled').length,
      results,
    };
    return { status: results.some((r) => r.action === 'failed') ? 503 : 200, body: response };
  };
}

/** The message with its causes, never a bare stack. */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 4; depth++) {
    if (!(e instanceof Error)) {
      parts.push(typeof e === 'string' ? e : JSON.stringify(e));
      break;
    }
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
    e = e.cause;
  }
  return parts.join(': ');
}

// --- HTTP --------------------------------------------------------------------------------------------

/** Options of {@link startAlertReceiver}. */
export interface AlertReceiverOptions extends AlertHandlerOptions {
  /** Interface to listen on; default 127.0.0.1 (0.0.0.0 to take alerts from other hosts). */
  host?: string;
  /** Port; 0 lets the OS pick (see the returned `url`). */
  port: number;
  /** Largest body read, bytes; 413 beyond. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
}

/** A running receiver. */
export interface AlertReceiver {
  /** Base URL, e.g. `http://127.0.0.1:9095`; Alertmanager posts to `${url}/alerts`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the receiver: `POST /alerts` (the webhook), `GET /healthz`; 404 elsewhere. */
export async function startAlertReceiver(o: AlertReceiverOptions): Promise<AlertReceiver> {
  const host = o.host ?? '127.0.0.1';
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const handleAlerts = createAlertHandler(o);
  const server = createServer((req, res) => {
    route(req, res, handleAlerts, maxBodyBytes).catch((err: unknown) => {
      o.log?.(`internal error on ${req.method ?? '?'} ${req.url ?? '?'}: ${describe(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: `internal error: ${describe(err)}` });
      else res.destroy();
    });
  });
  // A slow or stalled client cannot hold a connection for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await listen(server, o.port, host);
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: Error): void =>
      reject(new Error(`alert receiver cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  handleAlerts: ReturnType<typeof createAlertHandler>,
  maxBodyBytes: number,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://receiver').pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  if (path === '/healthz')
    return method === 'GET' ? sendJson(res, 200, { ok: true }) : methodNotAllowed(res, method, 'GET');
  if (path !== ALERTS_PATH)
    return sendJson(res, 404, { error: `no route ${method} ${path}: Alertmanager posts to ${ALERTS_PATH}` });
  if (method !== 'POST') return methodNotAllowed(res, method, 'POST');

  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBodyBytes) return tooLarge(res, maxBodyBytes);
  const body = await readBody(req, maxBodyBytes);
  if (body === 'too_large') return tooLarge(res, maxBodyBytes);
  if (body.length === 0)
    return sendJson(res, 400, {
      error: 'request body must be the Alertmanager webhook JSON, got an empty body',
    });
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    return sendJson(res, 400, { error: `request body is not valid JSON: ${(err as Error).message}` });
  }
  const answer = await handleAlerts(json);
  sendJson(res, answer.status, answer.body);
}

/** The whole body, or `too_large` once it passes `max` (the rest is read and dropped). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > max) return;
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        resolve('too_large');
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(res: ServerResponse, max: number): void {
  // Close the connection: the rest of the body is not worth reading.
  sendJson(
    res,
    413,
    { error: `request body larger than ${max} bytes (set max_alerts in the Alertmanager webhook config)` },
    { connection: 'close' },
  );
}

function methodNotAllowed(res: ServerResponse, method: string, allowed: string): void {
  sendJson(res, 405, { error: `method ${method} not allowed here, use ${allowed}` }, { allow: allowed });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
