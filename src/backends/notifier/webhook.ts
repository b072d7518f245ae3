import { setTimeout as sleep } from 'node:timers/promises';

import { z } from 'zod';

import { BackendError } from '../../core/errors';
import { NOTIFICATION_KINDS } from './types';
import type { Notification, NotificationKind, Notifier } from './types';

/** Options of {@link WebhookNotifier}. Exactly one of `url` and `urlEnv`, checked by `check()` and each send. */
export interface WebhookNotifierOptions {
  /** The webhook URL (http or https). A Slack URL carries a token: prefer `urlEnv`. */
  url?: string;
  /** Name of the environment variable holding the webhook URL, read at each send and check. */
  urlEnv?: string;
  /** Kinds that are sent; others are dropped without a request. Default: every kind. */
  events?: readonly NotificationKind[];
  /** Requests per notification at most, the first included. Default 3. */
  attempts?: number;
  /** Timeout of one request, in ms. Default 4 000. */
  attemptTimeoutMs?: number;
  /** Bound of a whole send, retries and waits included, in ms. Default 10 000. */
  totalTimeoutMs?: number;
  /** Wait before the first retry, in ms; doubled before each further one. Default 500. */
  backoffMs?: number;
}

/** Environment variable names as POSIX shells accept them. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const optionsSchema = z
  .object({
    url: z.string().optional(),
    urlEnv: z
      .string()
      .regex(ENV_NAME, 'expected an environment variable name such as SLACK_WEBHOOK_URL')
      .optional(),
    events: z.array(z.enum(NOTIFICATION_KINDS)).optional(),
    attempts: z.number().int().min(1).max(10).default(3),
    attemptTimeoutMs: z.number().int().positive().default(4_000),
    totalTimeoutMs: z.number().int().positive().default(10_000),
    backoffMs: z.number().int().min(0).default(500),
  })
  .strict();

/** How each kind looks in chat: Slack emoji shortcode, attachment colour (hex: Mattermost and Rocket.Chat want hex), label. */
const LOOK: Record<NotificationKind, { emoji: string; color: string; label: string }> = {
  gate_failed: { emoji: ':no_entry:', color: '#D93F0B', label: 'gate failed' },
  approval_needed: { emoji: ':raised_hand:', color: '#ECB22E', label: 'approval needed' },
  promoted: { emoji: ':white_check_mark:', color: '#2EB67D', label: 'promoted' },
  rolled_back: { emoji: ':rotating_light:', color: '#E01E5A', label: 'rolled back' },
  release_failed: { emoji: ':x:', color: '#A30200', label: 'release failed' },
};

/** The JSON body of one webhook request: Slack's incoming-webhook format plus mlcd's own data. */
export interface WebhookPayload {
  /** One line for people, e.g. `:rotating_light: churn rolled back: v7: error rate 0.3 > 0.05; v6 serves 100%`. */
  text: string;
  attachments: Array<{
    color: string;
    fallback: string;
    /** The full notification text and its string details (e.g. the gate report) in code blocks. */
    text: string;
    fields: Array<{ title: string; value: string; short: boolean }>;
    footer: string;
    /** Unix time of the send, in seconds. */
    ts: number;
  }>;
  /** The notification as mlcd built it, for receivers other than chat (Slack ignores unknown keys). */
  mlcd: Notification & { sentAt: string };
}

/** Slack's mrkdwn needs `&`, `<` and `>` escaped; a gate report ("auc_roc >= 0.7") has them. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The request body for `n`, sent at `now`. */
export function webhookPayload(n: Notification, now: Date = new Date()): WebhookPayload {
  const look = LOOK[n.kind];
  const oneLine = n.text.replace(/\s*\n\s*/g, ' ');
  const text = `${look.emoji} ${n.model} ${look.label}: ${oneLine}`;
  const blocks = Object.entries(n.details ?? {})
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([key, value]) => `*${escapeMrkdwn(key)}*\n\`\`\`${escapeMrkdwn(value)}\`\`\``);
  return {
    text: escapeMrkdwn(text),
    attachments: [
      {
        color: look.color,
        fallback: text,
        text: [escapeMrkdwn(n.text), ...blocks].join('\n'),
        fields: [
          { title: 'Model', value: escapeMrkdwn(n.model), short: true },
          { title: 'Release', value: escapeMrkdwn(n.releaseId ?? '-'), short: true },
          { title: 'Kind', value: n.kind, short: true },
        ],
        footer: 'mlcd',
        ts: Math.floor(now.getTime() / 1000),
      },
    ],
    mlcd: { ...n, sentAt: now.toISOString() },
  };
}

/**
 * The URL for messages: scheme and host only. The path (and query) of a webhook URL carries its
 * token, and these messages reach logs and workflow history.
 */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' && url.search === '' ? '/' : '/…'}`;
}

/**
 * A notification could not be delivered. The message names the kind, the model, the redacted
 * URL, the attempts and the last problem; `status` is the last HTTP status, if any answer came.
 */
export class WebhookDeliveryError extends BackendError {
  constructor(
    message: string,
    /** Last HTTP status; undefined after a network error or a timeout. */
    readonly status: number | undefined,
    /** Requests made. */
    readonly attempts: number,
    retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, retryable, options);
  }
}

/** One request's outcome. */
type Attempt =
  | { ok: true }
  | {
      ok: false;
      retryable: boolean;
      problem: string;
      status?: number;
      retryAfterMs?: number;
      cause?: unknown;
    };

/**
 * Posts notifications as Slack-compatible JSON (Slack incoming webhooks; Mattermost and Rocket.Chat
 * accept the same body). Retries network errors, timeouts, 408, 429 and 5xx with doubling backoff
 * (or a longer `Retry-After`), at most `attempts` requests within `totalTimeoutMs`; any other
 * status fails at once. The spec selects
 * it with `backends.notifier.kind: webhook`.
 *
 * The retry loop is written here rather than taken from ky or p-retry: both are ESM-only and this
 * project is CommonJS, and the loop is a few lines over the global fetch.
 */
export class WebhookNotifier implements Notifier {
  /** Backend kind as named in the spec. */
  readonly kind = 'webhook';
  private readonly o: z.output<typeof optionsSchema>;

  /** @throws BackendError (not retryable) naming an option of the wrong type or range. */
  constructor(opts: WebhookNotifierOptions) {
    const parsed = optionsSchema.safeParse(opts);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
      throw new BackendError(`webhook notifier: invalid options: ${problems.join('; ')}`, false);
    }
    this.o = parsed.data;
  }

  /** Whether notifications of `kind` are sent (the `events` filter). */
  sends(kind: NotificationKind): boolean {
    return this.o.events === undefined || this.o.events.includes(kind);
  }

  /**
   * Checks the configuration without posting: one of url / urlEnv, the variable set on this
   * worker, an http(s) URL.
   * @throws BackendError (not retryable) naming the field or variable and what is expected.
   */
  async check(): Promise<void> {
    this.resolveUrl();
    return Promise.resolve();
  }

  /**
   * Posts `n` unless the `events` filter drops it.
   * @throws WebhookDeliveryError when no attempt succeeded; BackendError on a configuration error.
   */
  async notify(n: Notification): Promise<void> {
    if (!this.sends(n.kind)) return;
    const url = this.resolveUrl();
    const body = JSON.stringify(webhookPayload(n));
    const started = Date.now();
    const deadline = started + this.o.totalTimeoutMs;
    let made = 0;
    let last: Extract<Attempt, { ok: false }> | undefined;
    let stopped = '';
    while (made < this.o.attempts) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      made++;
      const outcome = await post(url, body, Math.min(this.o.attemptTimeoutMs, remaining));
      if (outcome.ok) return;
      last = outcome;
      if (!outcome.retryable) break;
      if (made === this.o.attempts) break;
      const wait = Math.max(this.o.backoffMs * 2 ** (made - 1), outcome.retryAfterMs ?? 0);
      const left = deadline - Date.now();
      if (left <= 0) break; // the bound is reached: the last problem says why
      if (wait >= left) {
        stopped = `; no retry: waiting ${wait} ms would pass the ${this.o.totalTimeoutMs} ms bound`;
        break;
      }
      await sleep(wait);
    }
    const elapsed = Date.now() - started;
    const why = last === undefined ? `no time left within ${this.o.totalTimeoutMs} ms` : last.problem;
    const noRetry =
      last !== undefined && !last.retryable ? '; not retried: the same request would fail again' : '';
    throw new WebhookDeliveryError(
      `webhook notifier: ${n.kind} for ${n.model} not delivered to ${redactUrl(url)} after ${made} attempt(s) in ${elapsed} ms: ${why}${noRetry}${stopped}`,
      last?.status,
      made,
      last?.retryable ?? true,
      { cause: last?.cause },
    );
  }

  /** The URL to post to, read now (so `urlEnv` follows the worker's environment). */
  private resolveUrl(): URL {
    const { url, urlEnv } = this.o;
    if (url !== undefined) {
      if (urlEnv !== undefined)
        throw new BackendError('backends.notifier: give url or urlEnv, not both', false);
      return httpUrl(url, 'backends.notifier.url');
    }
    if (urlEnv === undefined) {
      throw new BackendError(
        'backends.notifier: kind webhook needs urlEnv (the name of an environment variable holding the webhook URL) or url',
        false,
      );
    }
    const value = process.env[urlEnv]?.trim();
    if (value === undefined || value === '') {
      throw new BackendError(
        `backends.notifier.urlEnv: environment variable ${urlEnv} is not set on this worker; set it to the webhook URL (http or https)`,
        false,
      );
    }
    // The value is a secret: the message names the variable, never what it holds.
    return httpUrl(value, `backends.notifier.urlEnv: environment variable ${urlEnv}`);
  }
}

/** `text` as an http(s) URL, or a BackendError saying `what` does not hold one. */
function httpUrl(text: string, what: string): URL {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new BackendError(
      `${what} does not hold an http(s) URL; expected e.g. https://hooks.slack.com/services/T000/B000/XXXX`,
      false,
    );
  }
  return u;
}

/** `Retry-After` in ms when it is a number of seconds (what Slack sends with a 429). */
function retryAfterMs(res: Response): number | undefined {
  const header = res.headers.get('retry-after');
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

/** One POST; never throws. */
async function post(url: URL, body: string, timeoutMs: number): Promise<Attempt> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      // A redirected POST would turn into a GET without the body: report the 3xx instead.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read the body either way: it frees the connection, and an error body says what is wrong.
    const text = await res.text();
    if (res.ok) return { ok: true };
    const detail = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    const after = res.status === 429 ? retryAfterMs(res) : undefined;
    return {
      ok: false,
      retryable,
      status: res.status,
      problem: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${detail ? `: ${detail}` : ''}`,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: unknown; message?: unknown } };
    const problem =
      e.name === 'TimeoutError' || e.name === 'AbortError'
        ? `no answer within ${timeoutMs} ms`
        : `network error: ${typeof e.cause?.code === 'string' ? `${e.cause.code} ` : ''}${typeof e.cause?.message === 'string' ? e.cause.message : e.message}`;
    return { ok: false, retryable: true, problem, cause: err };
  }
}
