/** The bench's peer forwarder relays a prediction to the model server's /predict and its answer back, unchanged. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBareForwarder, type BareForwarder } from '../../bench/delivery/bare-forwarder';

let upstream: Server;
let forwarder: BareForwarder;
const seen: Array<{ method?: string; url?: string; body: string }> = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method, url: req.url, body });
      const status = body.includes('"fail"') ? 500 : 200;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ echoed: JSON.parse(body) as unknown }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  forwarder = await startBareForwarder(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await forwarder.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

test('relays the body to /predict and the status and body back', async () => {
  const ok = await fetch(`${forwarder.url}/v1/models/bench/predict`, {
    method: 'POST',
    body: '{"rows":[{"x":1}]}',
  });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ echoed: { rows: [{ x: 1 }] } });
  expect(seen.at(-1)).toEqual({ method: 'POST', url: '/predict', body: '{"rows":[{"x":1}]}' });
  const failed = await fetch(`${forwarder.url}/predict`, { method: 'POST', body: '{"rows":[{"x":"fail"}]}' });
  expect(failed.status).toBe(500);
  expect(await failed.json()).toEqual({ echoed: { rows: [{ x: 'fail' }] } });
});

test('answers 502 naming the error when the model server is gone', async () => {
  const gone = await startBareForwarder('http://127.0.0.1:1');
  try {
    const r = await fetch(`${gone.url}/predict`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(502);
    expect(((await r.json()) as { error: string }).error).toMatch(/ECONNREFUSED/);
  } finally {
    await gone.close();
  }
});
