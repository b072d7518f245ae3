/**
 * The bench's native peer: a real nginx (Debian's nginx-light, installed by scripts/setup.sh)
 * relays a prediction to the model server's /predict and its answer back, and stops cleanly.
 */
import { existsSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginxForwarder, type NginxForwarder } from '../../bench/delivery/nginx-forwarder';
import { findNginx } from '../../src/serving/nginx/binary';
import { startEchoUpstream, type EchoUpstream } from '../fixtures/serving/echo-upstream';

let upstream: EchoUpstream;
let forwarder: NginxForwarder;
const nginx = findNginx('auto');

beforeAll(async () => {
  if (nginx === null)
    throw new Error('nginx is not installed: run `bash scripts/setup.sh` (apt-get install nginx-light)');
  upstream = await startEchoUpstream();
  forwarder = await startNginxForwarder(nginx, upstream.url);
});

afterAll(async () => {
  await forwarder?.close();
  await upstream.close();
});

test('relays the body to /predict and the status and body back, over reused upstream connections', async () => {
  const connections = new Set<string>();
  upstream.server.on('connection', (s) => connections.add(`${s.remotePort}`));
  for (let i = 0; i < 5; i++) {
    const ok = await fetch(`${forwarder.url}/v1/models/bench/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"rows":[{"x":${i}}]}`,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ echoed: { rows: [{ x: i }] } });
    expect(upstream.seen.at(-1)).toEqual({ method: 'POST', url: '/predict', body: `{"rows":[{"x":${i}}]}` });
  }
  // keepalive in the upstream block: sequential requests share one connection to the model server.
  expect(connections.size).toBeLessThanOrEqual(1);
  const failed = await fetch(`${forwarder.url}/predict`, { method: 'POST', body: '{"rows":[{"x":"fail"}]}' });
  expect(failed.status).toBe(500);
  expect(await failed.json()).toEqual({ echoed: { rows: [{ x: 'fail' }] } });
});

test('answers 502 when the model server is gone, and close() ends nginx', async () => {
  const gone = await startNginxForwarder(nginx as string, 'http://127.0.0.1:1');
  const pid = gone.pid;
  try {
    const r = await fetch(`${gone.url}/predict`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(502);
  } finally {
    await gone.close();
  }
  expect(existsSync(`/proc/${pid}`)).toBe(false);
});

test('a binary that is not nginx fails the start with what it printed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-nginx-'));
  const fake = join(dir, 'nginx');
  writeFileSync(fake, '#!/bin/sh\necho "nginx: [emerg] pretend failure" >&2\nexit 1\n');
  chmodSync(fake, 0o755);
  expect(findNginx(fake)).toBe(fake);
  await expect(startNginxForwarder(fake, upstream.url)).rejects.toThrow(
    /ended \(exit code 1\).*pretend failure/s,
  );
});

test('findNginx: an explicit path must exist; auto looks on PATH and in /usr/sbin', () => {
  expect(() => findNginx('/nonexistent/nginx')).toThrow(/ENOENT/);
  expect(findNginx('auto', '')).toBe(nginx); // found in /usr/sbin even with an empty PATH
});
