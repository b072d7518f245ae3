/**
 * The webhook notifier against a real HTTP receiver on 127.0.0.1: the Slack-compatible payload of
 * each kind, retries (5xx, 429, a dropped connection) and their bounds, no retry on other statuses,
 * the events filter, urlEnv read at each send, check() errors; and the `notify` activity, which
 * turns any delivery failure into a logged `{ delivered: false }` result.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

import { createActivities } from '../../activities';
import { createBackendProvider } from '../../src/backends/factory';
import type { BackendProvider } from '../../src/backends/factory';
import { NOTIFICATION_KINDS } from '../../src/backends/notifier/types';
import type { Notification, NotificationKind } from '../../src/backends/notifier/types';
import { WebhookDeliveryError, WebhookNotifier, webhookPayload } from '../../src/backends/notifier/webhook';
import type { WebhookPayload } from '../../src/backends/notifier/webhook';
import { BackendError } from '../../src/core/errors';
import type { ReleaseSpec } from '../../src/core/spec/types';

/** The token-bearing part of a Slack webhook URL: it must never appear in a message. */
const SECRET_PATH = '/services/T000/B000/SECRETTOKEN';

interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  /** The webhook URL, with SECRET_PATH. */
  url: string;
  requests: Captured[];
  close(): Promise<void>;
}

/** Answers request number `index` (0-based); leaving `res` alone makes the request hang. */
type Reply = (index: number, req: IncomingMessage, res: ServerResponse) => void;

const ok: Reply = (_i, _req, res) => {
  res.end('ok');
};

/** An HTTP server on 127.0.0.1 (port 0) that records every request, then replies with `reply`. */
async function startReceiver(reply: Reply = ok): Promise<Receiver> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const index = requests.length;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      reply(index, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${SECRET_PATH}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // hanging requests too
        server.close(() => resolve());
      }),
  };
}

const receivers: Receiver[] = [];
async function receiver(reply?: Reply): Promise<Receiver> {
  const r = await startReceiver(reply);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const rolledBack: Notification = {
  kind: 'rolled_back',
  model: 'churn',
  releaseId: 'release/churn/7',
  text: 'v7: error rate 0.3 > 0.05; v6 serves 100%',
  details: { evidence: { errorRate: 0.3, requests: 120 } },
};

/** The rejection of `p`, which must reject. */
async function rejectionOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return e as Error;
  }
  throw new Error('expected a rejection, the promise resolved');
}

/** A fresh environment variable name per test, removed afterwards. */
let envCounter = 0;
const envNames: string[] = [];
function envName(): string {
  const name = `MLCD_TEST_WEBHOOK_URL_${process.pid}_${++envCounter}`;
  envNames.push(name);
  return name;
}
afterEach(() => {
  for (const name of envNames.splice(0)) delete process.env[name];
});

describe('webhookPayload: Slack-compatible JSON', () => {
  test('text, one attachment with colour and fields, and the notification under mlcd', () => {
    const now = new Date('2025-01-02T03:04:05.000Z');
    expect(webhookPayload(rolledBack, now)).toEqual({
      text: ':rotating_light: churn rolled back: v7: error rate 0.3 &gt; 0.05; v6 serves 100%',
      attachments: [
        {
          color: '#E01E5A',
          fallback: ':rotating_light: churn rolled back: v7: error rate 0.3 > 0.05; v6 serves 100%',
          text: 'v7: error rate 0.3 &gt; 0.05; v6 serves 100%',
          fields: [
            { title: 'Model', value: 'churn', short: true },
            { title: 'Release', value: 'release/churn/7', short: true },
            { title: 'Kind', value: 'rolled_back', short: true },
          ],
          footer: 'mlcd',
          ts: 1735787045,
        },
      ],
      mlcd: { ...rolledBack, sentAt: '2025-01-02T03:04:05.000Z' },
    });
  });

  test('a multi-line text is one line in `text`; string details (the gate report) go in code blocks', () => {
    const p = webhookPayload({
      kind: 'gate_failed',
      model: 'churn',
      text: 'gate failed for churn\n  (release/churn/8)',
      details: { gate: 'FAIL auc_roc >= 0.70: 0.51', count: 3 },
    });
    expect(p.text).toBe(':no_entry: churn gate failed: gate failed for churn (release/churn/8)');
    expect(p.attachments[0]?.text).toBe(
      'gate failed for churn\n  (release/churn/8)\n*gate*\n```FAIL auc_roc &gt;= 0.70: 0.51```',
    );
    expect(p.attachments[0]?.fields[1]).toEqual({ title: 'Release', value: '-', short: true });
    expect(p.mlcd.details).toEqual({ gate: 'FAIL auc_roc >= 0.70: 0.51', count: 3 });
  });
});

describe('WebhookNotifier: what is posted', () => {
  const looks: Record<NotificationKind, [emoji: string, color: string, label: string]> = {
    gate_failed: [':no_entry:', '#D93F0B', 'gate failed'],
    approval_needed: [':raised_hand:', '#ECB22E', 'approval needed'],
    promoted: [':white_check_mark:', '#2EB67D', 'promoted'],
    rolled_back: [':rotating_light:', '#E01E5A', 'rolled back'],
    release_failed: [':x:', '#A30200', 'release failed'],
  };

  test.each(NOTIFICATION_KINDS.map((k) => [k]))(
    '%s: one JSON POST with its emoji, colour and fields',
    async (kind) => {
      const r = await receiver();
      const n: Notification = {
        kind,
        model: 'churn',
        releaseId: 'release/churn/7',
        text: `churn v7 ${kind}`,
      };
      await new WebhookNotifier({ url: r.url }).notify(n);
      expect(r.requests).toHaveLength(1);
      const req = r.requests[0] as Captured;
      expect(req.method).toBe('POST');
      expect(req.path).toBe(SECRET_PATH);
      expect(req.headers['content-type']).toBe('application/json');
      const [emoji, color, label] = looks[kind];
      const body = JSON.parse(req.body);
      expect(body).toEqual({
        text: `${emoji} churn ${label}: churn v7 ${kind}`,
        attachments: [
          {
            color,
            fallback: `${emoji} churn ${label}: churn v7 ${kind}`,
            text: `churn v7 ${kind}`,
            fields: [
              { title: 'Model', value: 'churn', short: true },
              { title: 'Release', value: 'release/churn/7', short: true },
              { title: 'Kind', value: kind, short: true },
            ],
            footer: 'mlcd',
            ts: expect.any(Number),
          },
        ],
        mlcd: { ...n, sentAt: expect.any(String) },
      });
      expect(Math.abs(body.attachments[0].ts - Date.now() / 1000)).toBeLessThan(60);
    },
  );

  test('every kind has its own colour', () => {
    const colors = NOTIFICATION_KINDS.map(
      (kind) => webhookPayload({ kind, model: 'm', text: 't' }).attachments[0]?.color,
    );
    expect(new Set(colors).size).toBe(NOTIFICATION_KINDS.length);
  });

  test('the events filter: other kinds are not posted at all', async () => {
    const r = await receiver();
    const n = new WebhookNotifier({ url: r.url, events: ['rolled_back', 'gate_failed'] });
    expect(n.sends('promoted')).toBe(false);
    expect(n.sends('rolled_back')).toBe(true);
    await n.notify({ kind: 'promoted', model: 'churn', text: 'v7 promoted' });
    await n.notify({ kind: 'approval_needed', model: 'churn', text: 'waits' });
    expect(r.requests).toHaveLength(0);
    await n.notify(rolledBack);
    expect(r.requests.map((q) => (JSON.parse(q.body) as WebhookPayload).mlcd.kind)).toEqual(['rolled_back']);
  });
});

describe('WebhookNotifier: retries and their bounds', () => {
  test('a 500 is retried, and the next success ends the send', async () => {
    const r = await receiver((i, _req, res) => {
      res.statusCode = i === 0 ? 500 : 200;
      res.end(i === 0 ? 'boom' : 'ok');
    });
    await new WebhookNotifier({ url: r.url, backoffMs: 10 }).notify(rolledBack);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]?.body).toBe(r.requests[0]?.body);
  });

  test('a 429 is retried after its Retry-After', async () => {
    const r = await receiver((i, _req, res) => {
      if (i === 0) res.writeHead(429, { 'retry-after': '1' }).end('rate_limited');
      else res.end('ok');
    });
    const started = Date.now();
    await new WebhookNotifier({ url: r.url, backoffMs: 10 }).notify(rolledBack);
    expect(r.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });

  test('a dropped connection (network error) is retried', async () => {
    const r = await receiver((i, req, res) => {
      if (i === 0) req.socket.destroy();
      else res.end('ok');
    });
    await new WebhookNotifier({ url: r.url, backoffMs: 10 }).notify(rolledBack);
    expect(r.requests).toHaveLength(2);
  });

  test('a 400 is not retried; the error names kind, model, host, status and body, not the token', async () => {
    const r = await receiver((_i, _req, res) => {
      res.statusCode = 400;
      res.end('invalid_payload');
    });
    const err = await rejectionOf(new WebhookNotifier({ url: r.url, backoffMs: 10 }).notify(rolledBack));
    expect(r.requests).toHaveLength(1);
    expect(err).toBeInstanceOf(WebhookDeliveryError);
    const host = new URL(r.url).host;
    expect(err.message).toMatch(
      new RegExp(
        `^webhook notifier: rolled_back for churn not delivered to http://${host}/… after 1 attempt\\(s\\) in \\d+ ms: ` +
          'HTTP 400 Bad Request: invalid_payload; not retried: the same request would fail again$',
      ),
    );
    expect(err.message).not.toContain('SECRETTOKEN');
    expect((err as WebhookDeliveryError).status).toBe(400);
    expect((err as WebhookDeliveryError).attempts).toBe(1);
    expect((err as WebhookDeliveryError).retryable).toBe(false);
  });

  test('a redirect is reported, not followed (a followed POST would arrive as a GET)', async () => {
    const r = await receiver((_i, _req, res) => {
      res.writeHead(301, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    });
    const err = await rejectionOf(new WebhookNotifier({ url: r.url, backoffMs: 10 }).notify(rolledBack));
    expect(r.requests).toHaveLength(1);
    expect(err.message).toMatch(/after 1 attempt\(s\) in \d+ ms: HTTP 301 Moved Permanently; not retried/);
  });

  test('a receiver that keeps failing gets `attempts` requests, then a retryable error', async () => {
    const r = await receiver((_i, _req, res) => {
      res.statusCode = 503;
      res.end('down for maintenance');
    });
    const err = await rejectionOf(new WebhookNotifier({ url: r.url, backoffMs: 10 }).notify(rolledBack));
    expect(r.requests).toHaveLength(3);
    expect(err.message).toMatch(
      /after 3 attempt\(s\) in \d+ ms: HTTP 503 Service Unavailable: down for maintenance$/,
    );
    expect((err as WebhookDeliveryError).retryable).toBe(true);
  });

  test('a receiver that never answers: each request times out and the whole send stays within its bound', async () => {
    const r = await receiver(() => undefined);
    const started = Date.now();
    const err = await rejectionOf(
      new WebhookNotifier({
        url: r.url,
        attempts: 10,
        attemptTimeoutMs: 200,
        totalTimeoutMs: 700,
        backoffMs: 0,
      }).notify(rolledBack),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(650);
    expect(elapsed).toBeLessThan(2_000);
    // 200 + 200 + 200 + the 100 ms left: four requests, not ten.
    expect(r.requests.length).toBeGreaterThanOrEqual(3);
    expect(r.requests.length).toBeLessThanOrEqual(4);
    expect(err.message).toMatch(/ms: no answer within \d+ ms$/);
  });

  test('a Retry-After beyond the bound ends the send at once instead of waiting', async () => {
    const r = await receiver((_i, _req, res) => {
      res.writeHead(429, { 'retry-after': '60' }).end('rate_limited');
    });
    const started = Date.now();
    const err = await rejectionOf(
      new WebhookNotifier({ url: r.url, totalTimeoutMs: 2_000 }).notify(rolledBack),
    );
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(r.requests).toHaveLength(1);
    expect(err.message).toMatch(
      /HTTP 429 Too Many Requests: rate_limited; no retry: waiting 60000 ms would pass the 2000 ms bound$/,
    );
  });
});

describe('WebhookNotifier: configuration', () => {
  test('urlEnv is read at each send, not when the notifier is built', async () => {
    const [a, b] = [await receiver(), await receiver()];
    const name = envName();
    const n = new WebhookNotifier({ urlEnv: name, backoffMs: 10 });
    expect((await rejectionOf(n.check())).message).toBe(
      `backends.notifier.urlEnv: environment variable ${name} is not set on this worker; set it to the webhook URL (http or https)`,
    );
    process.env[name] = a.url;
    await n.check();
    await n.notify(rolledBack);
    process.env[name] = b.url;
    await n.notify(rolledBack);
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);
  });

  test('check() posts nothing', async () => {
    const r = await receiver();
    await new WebhookNotifier({ url: r.url }).check();
    expect(r.requests).toHaveLength(0);
  });

  test('check() names what is missing or wrong, never the secret value', async () => {
    const name = envName();
    const cases: Array<[WebhookNotifier, string]> = [
      [
        new WebhookNotifier({}),
        'backends.notifier: kind webhook needs urlEnv (the name of an environment variable holding the webhook URL) or url',
      ],
      [
        new WebhookNotifier({ url: 'https://h/x', urlEnv: name }),
        'backends.notifier: give url or urlEnv, not both',
      ],
      [
        new WebhookNotifier({ url: 'ftp://hooks.example.com/x' }),
        'backends.notifier.url does not hold an http(s) URL; expected e.g. https://hooks.slack.com/services/T000/B000/XXXX',
      ],
      [
        new WebhookNotifier({ urlEnv: name }),
        `backends.notifier.urlEnv: environment variable ${name} does not hold an http(s) URL; expected e.g. https://hooks.slack.com/services/T000/B000/XXXX`,
      ],
    ];
    process.env[name] = 'hooks.slack.com/services/SECRETTOKEN';
    for (const [notifier, message] of cases) {
      const err = await rejectionOf(notifier.check());
      expect(err).toBeInstanceOf(BackendError);
      expect(err.message).toBe(message);
      expect((err as BackendError).retryable).toBe(false);
    }
    process.env[name] = '  ';
    expect((await rejectionOf(new WebhookNotifier({ urlEnv: name }).check())).message).toContain(
      'is not set',
    );
  });

  test('a configuration error fails notify() without a request', async () => {
    const name = envName();
    const err = await rejectionOf(new WebhookNotifier({ urlEnv: name }).notify(rolledBack));
    expect(err.message).toContain(`environment variable ${name} is not set`);
  });

  test('options of the wrong type or range are refused when built, naming the option', () => {
    expect(
      () => new WebhookNotifier({ url: 'http://h/x', events: ['rolledback' as NotificationKind] }),
    ).toThrow(/^webhook notifier: invalid options: events\.0: /);
    expect(() => new WebhookNotifier({ url: 'http://h/x', attempts: 0 })).toThrow(
      /^webhook notifier: invalid options: attempts: /,
    );
    expect(() => new WebhookNotifier({ urlEnv: 'NOT-A-NAME' })).toThrow(
      'webhook notifier: invalid options: urlEnv: expected an environment variable name such as SLACK_WEBHOOK_URL',
    );
  });

  test('the backend factory builds it for kind webhook', () => {
    const n = createBackendProvider().notifier({
      kind: 'webhook',
      urlEnv: 'SLACK_WEBHOOK_URL',
      events: ['promoted'],
    });
    expect(n).toBeInstanceOf(WebhookNotifier);
    expect(n.kind).toBe('webhook');
    expect((n as WebhookNotifier).sends('promoted')).toBe(true);
    expect((n as WebhookNotifier).sends('rolled_back')).toBe(false);
  });
});

describe('the notify activity is best effort', () => {
  const backendsWith = (notifier: ReleaseSpec['backends']['notifier']): ReleaseSpec['backends'] => ({
    jobs: { kind: 'local' },
    registry: { kind: 'local' },
    traffic: { kind: 'local', url: 'http://127.0.0.1:1' },
    metrics: { kind: 'local', url: 'http://127.0.0.1:1' },
    notifier,
  });

  /** Runs the activity in a mock activity context whose logger records warnings. */
  async function runNotify(
    provider: BackendProvider,
    backends: ReleaseSpec['backends'],
  ): Promise<{ result: unknown; warnings: Array<{ message: string; meta?: LogMetadata }> }> {
    const warnings: Array<{ message: string; meta?: LogMetadata }> = [];
    const logger: Logger = {
      log: (level: LogLevel, message: string, meta?: LogMetadata) => {
        if (level === 'WARN') warnings.push({ message, ...(meta ? { meta } : {}) });
      },
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string, meta?: LogMetadata) => {
        logger.log('WARN', message, meta);
      },
      error: () => undefined,
    };
    const activities = createActivities({
      backends: provider,
      client: () => {
        throw new Error('the notify activity needs no Temporal client');
      },
    });
    const env = new MockActivityEnvironment(undefined, { logger });
    const result = await env.run(activities.notify, { backends, notification: rolledBack });
    return { result, warnings };
  }

  test('delivered: the webhook answered', async () => {
    const r = await receiver();
    const { result, warnings } = await runNotify(
      createBackendProvider(),
      backendsWith({ kind: 'webhook', url: r.url }),
    );
    expect(result).toEqual({ delivered: true });
    expect(warnings).toEqual([]);
    expect(r.requests).toHaveLength(1);
  });

  test('a webhook that keeps failing: resolves with delivered false and the reason, logged', async () => {
    const r = await receiver((_i, _req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const { result, warnings } = await runNotify(
      createBackendProvider(),
      backendsWith({ kind: 'webhook', url: r.url }),
    );
    expect(r.requests).toHaveLength(3);
    expect(result).toEqual({
      delivered: false,
      error: expect.stringMatching(
        /^webhook notifier: rolled_back for churn not delivered .* HTTP 500 Internal Server Error: boom$/,
      ),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe(`notification not delivered: ${(result as { error: string }).error}`);
    expect(warnings[0]?.meta).toMatchObject({
      notifier: 'webhook',
      kind: 'rolled_back',
      model: 'churn',
      releaseId: 'release/churn/7',
    });
  });

  test('a misconfigured webhook (urlEnv not set) resolves with delivered false', async () => {
    const name = envName();
    const { result } = await runNotify(
      createBackendProvider(),
      backendsWith({ kind: 'webhook', urlEnv: name }),
    );
    expect(result).toEqual({
      delivered: false,
      error: `backends.notifier.urlEnv: environment variable ${name} is not set on this worker; set it to the webhook URL (http or https)`,
    });
  });

  test('a notifier that cannot even be built resolves with delivered false', async () => {
    const provider: BackendProvider = {
      ...createBackendProvider(),
      notifier: () => {
        throw new BackendError('backends.notifier.kind: unknown backend kind "pager"', false);
      },
    };
    const { result, warnings } = await runNotify(provider, backendsWith({ kind: 'log' }));
    expect(result).toEqual({
      delivered: false,
      error: 'backends.notifier.kind: unknown backend kind "pager"',
    });
    expect(warnings).toHaveLength(1);
  });
});
