/** The spec's `backends.notifier`: kind log (default) or webhook, url / urlEnv, events, and the errors. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { SpecError } from '../../src/core/errors';
import type { SpecIssue } from '../../src/core/errors';
import { compileReleaseSpec } from '../../src/core/spec/compile';
import { parseSpecText } from '../../src/core/spec/parse-text';
import { NOTIFIER_KINDS } from '../../src/core/spec/types';

const SPEC_DIR = resolve(__dirname, '../../examples/churn');
const SPEC_FILE = resolve(SPEC_DIR, 'mlcd.yaml');

type RawSpec = Record<string, any>;

/** The example spec with `backends.notifier` replaced (removed when undefined), and extra params. */
function withNotifier(notifier: unknown, params?: Record<string, string>): RawSpec {
  const raw = parseSpecText(readFileSync(SPEC_FILE, 'utf8'), SPEC_FILE) as RawSpec;
  if (notifier === undefined) delete raw.backends.notifier;
  else raw.backends.notifier = notifier;
  if (params) raw.params = { ...raw.params, ...params };
  return raw;
}

const compile = (raw: unknown, overrides?: Record<string, string>) =>
  compileReleaseSpec(raw, {
    source: 'mlcd.yaml',
    specDir: SPEC_DIR,
    ...(overrides ? { params: overrides } : {}),
  });

/** The issues of the SpecError that compiling `raw` throws. */
function issuesOf(raw: unknown, overrides?: Record<string, string>): SpecIssue[] {
  try {
    compile(raw, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).issues;
  }
  throw new Error('expected a SpecError, the spec compiled');
}

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXX';
const KINDS = 'gate_failed, approval_needed, promoted, rolled_back, release_failed';
const ONLY_WEBHOOK = 'only used by backends.notifier.kind webhook; set kind: webhook or remove it';

describe('backends.notifier compiles', () => {
  test('the notifier kinds are log and webhook', () => {
    expect(NOTIFIER_KINDS).toEqual(['log', 'webhook']);
  });

  test('kind log, written or by default, compiles to just the kind', () => {
    expect(compile(withNotifier({ kind: 'log' })).backends.notifier).toEqual({ kind: 'log' });
    expect(compile(withNotifier(undefined)).backends.notifier).toEqual({ kind: 'log' });
    expect(compile(withNotifier({})).backends.notifier).toEqual({ kind: 'log' });
  });

  test('kind webhook with urlEnv, and with events', () => {
    expect(compile(withNotifier({ kind: 'webhook', urlEnv: 'SLACK_WEBHOOK_URL' })).backends.notifier).toEqual(
      {
        kind: 'webhook',
        urlEnv: 'SLACK_WEBHOOK_URL',
      },
    );
    expect(
      compile(withNotifier({ kind: 'webhook', urlEnv: '_HOOK2', events: ['rolled_back', 'gate_failed'] }))
        .backends.notifier,
    ).toEqual({ kind: 'webhook', urlEnv: '_HOOK2', events: ['rolled_back', 'gate_failed'] });
  });

  test('kind webhook with url: kept as written, a trailing slash and a query included', () => {
    for (const url of [SLACK, 'http://127.0.0.1:8065/hooks/abc/', 'https://chat.example.com/hooks?token=t']) {
      expect(compile(withNotifier({ kind: 'webhook', url })).backends.notifier).toEqual({
        kind: 'webhook',
        url,
      });
    }
  });

  test('{params.x} in url is substituted, and --param overrides it', () => {
    const raw = withNotifier(
      { kind: 'webhook', url: 'https://{params.chat_host}/hooks/mlcd' },
      { chat_host: 'chat.example.com' },
    );
    expect(compile(raw).backends.notifier).toEqual({
      kind: 'webhook',
      url: 'https://chat.example.com/hooks/mlcd',
    });
    expect(compile(raw, { chat_host: 'chat.internal:8065' }).backends.notifier).toEqual({
      kind: 'webhook',
      url: 'https://chat.internal:8065/hooks/mlcd',
    });
  });

  test('the compiled notifier is plain JSON (it travels in workflow input)', () => {
    const n = compile(withNotifier({ kind: 'webhook', urlEnv: 'HOOK', events: ['promoted'] })).backends
      .notifier;
    expect(JSON.parse(JSON.stringify(n))).toEqual(n);
  });
});

describe('backends.notifier errors name the field', () => {
  test('kind webhook without url or urlEnv', () => {
    expect(issuesOf(withNotifier({ kind: 'webhook' }))).toEqual([
      {
        path: 'backends.notifier.urlEnv',
        message:
          'required when backends.notifier.kind is webhook (or url): the name of the environment variable holding the webhook URL on the worker, e.g. SLACK_WEBHOOK_URL',
      },
    ]);
  });

  test('kind webhook with both url and urlEnv', () => {
    expect(issuesOf(withNotifier({ kind: 'webhook', url: SLACK, urlEnv: 'SLACK_WEBHOOK_URL' }))).toEqual([
      {
        path: 'backends.notifier.urlEnv',
        message: 'give url or urlEnv, not both (urlEnv keeps the URL and its token out of workflow history)',
        value: '"SLACK_WEBHOOK_URL"',
      },
    ]);
  });

  test('url, urlEnv and events belong to kind webhook: with kind log (written or default) each is an issue', () => {
    expect(issuesOf(withNotifier({ kind: 'log', url: SLACK }))).toEqual([
      { path: 'backends.notifier.url', message: ONLY_WEBHOOK, value: JSON.stringify(SLACK) },
    ]);
    expect(issuesOf(withNotifier({ urlEnv: 'SLACK_WEBHOOK_URL', events: ['promoted'] }))).toEqual([
      { path: 'backends.notifier.urlEnv', message: ONLY_WEBHOOK, value: '"SLACK_WEBHOOK_URL"' },
      { path: 'backends.notifier.events', message: ONLY_WEBHOOK, value: '["promoted"]' },
    ]);
  });

  test('url must be an http(s) URL', () => {
    const expected = 'expected an http(s) URL such as https://hooks.slack.com/services/T000/B000/XXXX';
    for (const url of ['hooks.slack.com/services/T000', 'ftp://chat.example.com/hook', '', 'https:// x']) {
      expect(issuesOf(withNotifier({ kind: 'webhook', url }))).toEqual([
        { path: 'backends.notifier.url', message: expected, value: JSON.stringify(url) },
      ]);
    }
    expect(issuesOf(withNotifier({ kind: 'webhook', url: 8080 }))).toEqual([
      { path: 'backends.notifier.url', message: 'expected a string, got number', value: '8080' },
    ]);
  });

  test('an unknown parameter in url', () => {
    expect(issuesOf(withNotifier({ kind: 'webhook', url: 'https://{params.nope}/hook' }))).toEqual([
      {
        path: 'backends.notifier.url',
        message: 'unknown parameter {params.nope}; declared parameters: data_dir, train_fault, serve_fault',
        value: '"https://{params.nope}/hook"',
      },
    ]);
  });

  test('urlEnv must be an environment variable name', () => {
    for (const urlEnv of ['SLACK-WEBHOOK', '1HOOK', '', '$HOOK']) {
      expect(issuesOf(withNotifier({ kind: 'webhook', urlEnv }))).toEqual([
        {
          path: 'backends.notifier.urlEnv',
          message: 'expected an environment variable name such as SLACK_WEBHOOK_URL',
          value: JSON.stringify(urlEnv),
        },
      ]);
    }
  });

  test('events: known kinds (with a suggestion), at least one', () => {
    expect(
      issuesOf(withNotifier({ kind: 'webhook', urlEnv: 'H', events: ['promoted', 'rolledback'] })),
    ).toEqual([
      {
        path: 'backends.notifier.events[1]',
        message: `expected one of: ${KINDS} (did you mean "rolled_back"?)`,
        value: '"rolledback"',
      },
    ]);
    expect(issuesOf(withNotifier({ kind: 'webhook', urlEnv: 'H', events: [] }))).toEqual([
      { path: 'backends.notifier.events', message: `expected at least one of: ${KINDS}`, value: '[]' },
    ]);
  });

  test('an unknown kind or field gets the allowed values', () => {
    expect(issuesOf(withNotifier({ kind: 'slack', urlEnv: 'H' }))).toEqual([
      { path: 'backends.notifier.kind', message: 'expected one of: log, webhook', value: '"slack"' },
    ]);
    expect(issuesOf(withNotifier({ kind: 'webhok', urlEnv: 'H' }))).toEqual([
      {
        path: 'backends.notifier.kind',
        message: 'expected one of: log, webhook (did you mean "webhook"?)',
        value: '"webhok"',
      },
    ]);
    expect(issuesOf(withNotifier({ kind: 'webhook', urlenv: 'H' }))).toEqual([
      {
        path: 'backends.notifier.urlenv',
        message: 'unknown field "urlenv" (did you mean "urlEnv"?); allowed fields: kind, url, urlEnv, events',
        value: '"H"',
      },
      // The misspelt field does not count as urlEnv, so the webhook still lacks one.
      {
        path: 'backends.notifier.urlEnv',
        message:
          'required when backends.notifier.kind is webhook (or url): the name of the environment variable holding the webhook URL on the worker, e.g. SLACK_WEBHOOK_URL',
      },
    ]);
  });
});
