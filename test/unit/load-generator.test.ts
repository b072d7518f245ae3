/**
 * runLoad with many requests in flight on one abort signal: the caller's signal carries one
 * listener (not one per request: Node warns past 10), none afterwards, and an abort still stops
 * every request at once.
 */
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLoad } from '../../src/serving/load-generator';

let server: Server;
let url: string;

beforeAll(async () => {
  // A stand-in router: answers every prediction after 50 ms, so requests pile up in flight.
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(
        () =>
          res
            .writeHead(200, { 'content-type': 'application/json', 'x-mlcd-version': 'v1' })
            .end('{"scores":[0.5]}'),
        50,
      ),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('32 requests in flight listen through one listener on the caller signal, none left after', async () => {
  // Node warns (MaxListenersExceededWarning) past 10 listeners on one signal: one per request
  // in flight would pass it at 32. Sample the caller signal's listeners while the load runs.
  const ctl = new AbortController();
  let most = 0;
  const sampler = setInterval(
    () => (most = Math.max(most, getEventListeners(ctl.signal, 'abort').length)),
    5,
  );
  try {
    const r = await runLoad({
      url,
      model: 'm',
      rows: [{ x: 1 }],
      ratePerSecond: 2_000,
      durationMs: 5_000,
      maxRequests: 200,
      concurrency: 32,
      signal: ctl.signal,
    });
    expect(r).toMatchObject({ sent: 200, ok: 200, errors: 0, byVersion: { v1: 200 } });
  } finally {
    clearInterval(sampler);
  }
  expect(most).toBe(1);
  expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
});

test('an abort of the caller signal stops 32 requests in flight at once', async () => {
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 120);
  const t0 = Date.now();
  const r = await runLoad({
    url,
    model: 'm',
    rows: [{ x: 1 }],
    ratePerSecond: 1_000,
    durationMs: 30_000,
    maxRequests: 30_000,
    concurrency: 32,
    signal: ctl.signal,
  });
  expect(Date.now() - t0).toBeLessThan(1_000);
  expect(r.sent).toBeLessThan(200);
  expect(r.errors).toBe(0); // requests cancelled by the abort are not failures
});
