/**
 * The bench's native peer: a real nginx (Debian's nginx-light, installed by scripts/setup.sh)
 * relays a prediction to the model server's /predict and its answer back, and stops cleanly.
 */
import { existsSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNginx, startNginxForwarder, type NginxForwarder } from '../../bench/delivery/nginx-forwarder';

let upstream: Server;
let upstreamUrl: string;
let forwarder: NginxForwarder;
const seen: Array<{ method?: string; url?: string; body: string }> = [];
const nginx = findNginx('auto');

beforeAll(async () => {
  if (nginx === null)
    throw new Error('nginx is not installed: run `bash scripts/setup.sh` (apt-get install nginx-light)');
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method, url: req.url, body });
      const status = body.includes('"fail"') ? 500 : 200;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ echoed: body === '' ? null : (JSON.parse(body) as unknown) }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  forwarder = await startNginxForwarder(nginx, upstreamUrl);
});

afterAll(async () => {
  await forwarder?.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

test('relays the body to /predict and the status and body back, over reused upstream connections', async () => {
  const connections = new Set<string>();
  upstream.on('connection', (s) => connections.add(`${s.remotePort}`));
  for (let i = 0; i < 5; i++) {
    const ok = await fetch(`${forwarder.url}/v1/models/bench/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"rows":[{"x":${i}}]}`,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ echoed: { rows: [{ x: i }] } });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/predict', body: `{"rows":[{"x":${i}}]}` });
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
  await expect(startNginxForwarder(fake, upstreamUrl)).rejects.toThrow(
    /ended \(exit code 1\).*pretend failure/s,
  );
});

test('findNginx: an explicit path must exist; auto looks on PATH and in /usr/sbin', () => {
  expect(() => findNginx('/nonexistent/nginx')).toThrow(/ENOENT/);
  expect(findNginx('auto', '')).toBe(nginx); // found in /usr/sbin even with an empty PATH
});
