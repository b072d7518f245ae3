/**
 * The Alertmanager receiver: payload validation that names the field, the per-alert decision
 * (rollback or skip, and why), the answers to a whole webhook call with a fake signaller
 * (signalled, duplicate, not found, failed → 503), and the HTTP server on 127.0.0.1.
 */
import { request } from 'node:http';
import type { RollbackRequest } from '../../src/core/release';
import {
  AlertPayloadError,
  createAlertHandler,
  decideAlert,
  parseAlertmanagerWebhook,
  startAlertReceiver,
  type AlertReceiver,
  type AlertReceiverResponse,
  type RollbackSignaller,
} from '../../src/alert-receiver';
import { parseListenAddress } from '../../src/cli/alert-receiver-command';

/** An alert as Alertmanager sends it, with overrides. */
function alert(
  over: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): Record<string, unknown> {
  return {
    status: 'firing',
    labels: { alertname: 'ChurnErrorRate', model: 'churn', version: '3', severity: 'page', ...labels },
    annotations: { summary: 'error rate 12% over 5m', description: 'v3 of churn answers 12% errors' },
    startsAt: '2025-03-01T02:00:00.123456789Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=...',
    fingerprint: 'a1b2c3d4e5f60718',
    ...over,
  };
}

function webhook(
  alerts: Array<Record<string, unknown>>,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="ChurnErrorRate"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'mlcd',
    groupLabels: { alertname: 'ChurnErrorRate' },
    commonLabels: { alertname: 'ChurnErrorRate' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
    ...over,
  };
}

/** A signaller that records its calls and answers from `answer`. */
function fakeSignaller(
  answer: (workflowId: string) => Promise<'signalled' | 'not_found'> = async () => 'signalled',
) {
  const calls: Array<{ workflowId: string; request: RollbackRequest }> = [];
  const signaller: RollbackSignaller = {
    async signalRollback(workflowId, req) {
      calls.push({ workflowId, request: req });
      return answer(workflowId);
    },
  };
  return { signaller, calls };
}

describe('parseAlertmanagerWebhook', () => {
  test('accepts a version 4 payload and defaults missing annotations to none', () => {
    const p = parseAlertmanagerWebhook(webhook([alert({ annotations: undefined })]));
    expect(p.alerts).toHaveLength(1);
    expect(p.alerts[0]?.annotations).toEqual({});
    expect(p.alerts[0]?.labels.model).toBe('churn');
  });

  test('names the field, the value and what was expected', () => {
    const bad = webhook(
      [alert({ startsAt: 'yesterday' }), alert({ labels: undefined }), alert({ status: 'pending' })],
      { version: '3' },
    );
    let caught: unknown;
    try {
      parseAlertmanagerWebhook(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AlertPayloadError);
    const message = (caught as Error).message;
    expect(message).toContain('version: expected "4" (Alertmanager webhook format version 4) (got "3")');
    expect(message).toContain(
      'alerts[0].startsAt: expected an RFC 3339 time such as 2025-01-01T02:00:00Z (got "yesterday")',
    );
    expect(message).toContain('alerts[1].labels: missing, expected object');
    expect(message).toMatch(/alerts\[2\]\.status: .*'firing' \| 'resolved'.* \(got "pending"\)/);
  });

  test('rejects a body that is not an object', () => {
    expect(() => parseAlertmanagerWebhook([1, 2])).toThrow(
      '(body): Expected object, received array (got [1,2])',
    );
  });
});

describe('decideAlert', () => {
  test('a firing alert with a model label rolls that deployment back about its version, with summary, breach time and the alert as evidence', () => {
    const a = parseAlertmanagerWebhook(webhook([alert()])).alerts[0]!;
    expect(decideAlert(a)).toEqual({
      kind: 'rollback',
      model: 'churn',
      workflowId: 'deployment/churn',
      request: {
        by: 'alertmanager',
        version: '3',
        reason: 'ChurnErrorRate: error rate 12% over 5m',
        breachAt: Date.parse('2025-03-01T02:00:00.123Z'),
        evidence: { alert: a },
      },
    });
  });

  test('without a version label the request is about whatever serves; the description stands in for a missing summary', () => {
    const a = parseAlertmanagerWebhook(
      webhook([
        alert({
          annotations: { description: 'latency p99 800 ms' },
          labels: { alertname: 'Slow', model: 'churn' },
        }),
      ]),
    ).alerts[0]!;
    const d = decideAlert(a);
    expect(d.kind).toBe('rollback');
    if (d.kind !== 'rollback') return;
    expect(d.request).not.toHaveProperty('version');
    expect(d.request.reason).toBe('Slow: latency p99 800 ms');
  });

  test('the alertname alone is the reason when there are no annotations', () => {
    const a = parseAlertmanagerWebhook(webhook([alert({ annotations: {} })])).alerts[0]!;
    const d = decideAlert(a);
    expect(d.kind === 'rollback' && d.request.reason).toBe('ChurnErrorRate');
  });

  test.each([
    ['a resolved alert', alert({ status: 'resolved' }), 'resolved: nothing to roll back'],
    [
      'an alert without a model label',
      alert({ labels: { alertname: 'DiskFull' } }),
      'no model label: cannot tell which deployment to roll back',
    ],
    [
      'an alert with an empty model label',
      alert({}, { model: '' }),
      'no model label: cannot tell which deployment to roll back',
    ],
    [
      'a model label that is no model name',
      alert({}, { model: 'Churn Model' }),
      'model label "Churn Model" is not a model name',
    ],
  ])('%s is skipped, saying why', (_name, raw, reason) => {
    const a = parseAlertmanagerWebhook(webhook([raw])).alerts[0]!;
    const d = decideAlert(a);
    expect(d.kind).toBe('skip');
    expect(d.kind === 'skip' && d.reason).toContain(reason);
  });
});

describe('createAlertHandler', () => {
  test('signals each firing alert with a model once, skips the rest and says what it did', async () => {
    const { signaller, calls } = fakeSignaller();
    const handle = createAlertHandler({ signaller });
    const body = webhook([
      alert(),
      alert({ status: 'resolved', fingerprint: 'ff01' }),
      alert({ labels: { alertname: 'NodeDown' }, fingerprint: 'ff02' }),
      alert({ fingerprint: 'ff03' }, { model: 'fraud', version: '7' }),
    ]);
    const answer = await handle(body);
    expect(answer.status).toBe(200);
    const r = answer.body as AlertReceiverResponse;
    expect(r.received).toBe(4);
    expect(r.signalled).toBe(2);
    expect(r.results.map((x) => [x.index, x.action, x.workflowId])).toEqual([
      [0, 'signalled', 'deployment/churn'],
      [1, 'skipped', undefined],
      [2, 'skipped', undefined],
      [3, 'signalled', 'deployment/fraud'],
    ]);
    expect(r.results[1]?.detail).toBe('resolved: nothing to roll back');
    expect(r.results[2]?.detail).toBe('no model label: cannot tell which deployment to roll back');
    expect(r.results[0]?.detail).toBe(
      'rollback sent to deployment/churn about v3: ChurnErrorRate: error rate 12% over 5m',
    );
    expect(calls.map((c) => [c.workflowId, c.request.version, c.request.by])).toEqual([
      ['deployment/churn', '3', 'alertmanager'],
      ['deployment/fraud', '7', 'alertmanager'],
    ]);
  });

  test("Alertmanager's repeat of the same firing is answered duplicate and not signalled again; a new firing is", async () => {
    const { signaller, calls } = fakeSignaller();
    const handle = createAlertHandler({ signaller });
    await handle(webhook([alert()]));
    const again = (await handle(webhook([alert()]))).body as AlertReceiverResponse;
    expect(again.results[0]?.action).toBe('duplicate');
    expect(again.signalled).toBe(0);
    expect(calls).toHaveLength(1);
    const refired = (await handle(webhook([alert({ startsAt: '2025-03-02T02:00:00Z' })])))
      .body as AlertReceiverResponse;
    expect(refired.results[0]?.action).toBe('signalled');
    expect(calls).toHaveLength(2);
  });

  test('remembers at most rememberAlerts firings, forgetting the oldest', async () => {
    const { signaller, calls } = fakeSignaller();
    const handle = createAlertHandler({ signaller, rememberAlerts: 1 });
    await handle(webhook([alert({ fingerprint: 'one' })]));
    await handle(webhook([alert({ fingerprint: 'two' })]));
    const r = (await handle(webhook([alert({ fingerprint: 'one' })]))).body as AlertReceiverResponse;
    expect(r.results[0]?.action).toBe('signalled');
    expect(calls).toHaveLength(3);
  });

  test('a deployment that does not exist is reported for that alert; the others are still signalled', async () => {
    const { signaller } = fakeSignaller(async (id) =>
      id === 'deployment/ghost' ? 'not_found' : 'signalled',
    );
    const answer = await createAlertHandler({ signaller })(
      webhook([alert({}, { model: 'ghost' }), alert({ fingerprint: 'x' })]),
    );
    expect(answer.status).toBe(200);
    const r = answer.body as AlertReceiverResponse;
    expect(r.results.map((x) => x.action)).toEqual(['not_found', 'signalled']);
    expect(r.results[0]?.detail).toBe(
      'no running deployment workflow deployment/ghost: model ghost has no deployment here',
    );
  });

  test('a failed signal answers 503 so Alertmanager retries; the retry signals it then', async () => {
    let down = true;
    const { signaller, calls } = fakeSignaller(async () => {
      if (down)
        throw new Error('Failed to signal', { cause: new Error('14 UNAVAILABLE: connection refused') });
      return 'signalled';
    });
    const handle = createAlertHandler({ signaller });
    const first = await handle(webhook([alert()]));
    expect(first.status).toBe(503);
    const r = first.body as AlertReceiverResponse;
    expect(r.results[0]?.action).toBe('failed');
    expect(r.results[0]?.detail).toBe(
      'rollback signal to deployment/churn failed: Failed to signal: 14 UNAVAILABLE: connection refused',
    );
    down = false;
    const retry = await handle(webhook([alert()]));
    expect(retry.status).toBe(200);
    expect((retry.body as AlertReceiverResponse).results[0]?.action).toBe('signalled');
    expect(calls).toHaveLength(2);
  });

  test('a body of the wrong shape is a 400 naming the problem, and nothing is signalled', async () => {
    const { signaller, calls } = fakeSignaller();
    const answer = await createAlertHandler({ signaller })({ alerts: 'none' });
    expect(answer.status).toBe(400);
    expect((answer.body as { error: string }).error).toContain('version: missing, expected "4"');
    expect((answer.body as { error: string }).error).toContain(
      'alerts: Expected array, received string (got "none")',
    );
    expect(calls).toHaveLength(0);
  });
});

describe('the HTTP receiver on 127.0.0.1', () => {
  let receiver: AlertReceiver;
  const fake = fakeSignaller();

  beforeAll(async () => {
    receiver = await startAlertReceiver({ port: 0, signaller: fake.signaller, maxBodyBytes: 1024 });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const post = (path: string, body: string): Promise<Response> =>
    fetch(`${receiver.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  test('POST /alerts answers 200 with what it did', async () => {
    const res = await post(
      '/alerts',
      JSON.stringify(webhook([alert({ fingerprint: 'http-1' }), alert({ status: 'resolved' })])),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const r = (await res.json()) as AlertReceiverResponse;
    expect(r.results.map((x) => x.action)).toEqual(['signalled', 'skipped']);
    expect(fake.calls.at(-1)?.workflowId).toBe('deployment/churn');
  });

  test('bad JSON is a 400 saying so', async () => {
    const res = await post('/alerts', '{"version": "4", ');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^request body is not valid JSON: /);
  });

  test('an empty body is a 400', async () => {
    const res = await post('/alerts', '');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('empty body');
  });

  test('another path is a 404, another method a 405 naming the allowed one', async () => {
    const notFound = await post('/api/v2/alerts', '{}');
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: string }).error).toBe(
      'no route POST /api/v2/alerts: Alertmanager posts to /alerts',
    );
    const wrongMethod = await fetch(`${receiver.url}/alerts`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    const health = await fetch(`${receiver.url}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
  });

  test('a body above the limit is a 413, declared or streamed', async () => {
    const calls = fake.calls.length;
    const declared = await post(
      '/alerts',
      JSON.stringify(webhook([alert({ annotations: { summary: 'x'.repeat(2000) } })])),
    );
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: string }).error).toContain('larger than 1024 bytes');

    // Chunked, with no content-length: the limit is enforced while reading.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${receiver.url}/alerts`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write('x'.repeat(700));
      req.end('x'.repeat(700));
    });
    expect(streamed.status).toBe(413);
    expect(streamed.body).toContain('larger than 1024 bytes');
    expect(fake.calls.length).toBe(calls);
  });
});

describe('parseListenAddress', () => {
  test.each([
    ['127.0.0.1:9095', { host: '127.0.0.1', port: 9095 }],
    ['0.0.0.0:9095', { host: '0.0.0.0', port: 9095 }],
    ['[::1]:9095', { host: '::1', port: 9095 }],
    ['9095', { host: '127.0.0.1', port: 9095 }],
  ])('%s', (value, expected) => {
    expect(parseListenAddress(value)).toEqual(expected);
  });

  test.each(['localhost', '127.0.0.1:99999', '::1:9095', ''])(
    '"%s" is refused naming the expected form',
    (value) => {
      expect(() => parseListenAddress(value)).toThrow(
        `--listen "${value}": expected host:port such as 127.0.0.1:9095`,
      );
    },
  );
});
