import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runOpenLoop } from '../../bench/delivery/open-loop';

/** A server on 127.0.0.1 answering after `delayMs`, with an optional header. */
async function server(delayMs: number, header?: string): Promise<{ url: string; srv: Server; seen: () => number }> {
  let seen = 0;
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen++;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', ...(header ? { [header]: 'v1' } : {}) });
        res.end('{"scores":[0.5]}');
      }, delayMs).unref(); // a test that gives up on an answer must not wait for it
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/predict`, srv, seen: () => seen };
}
const close = (srv: Server) => new Promise<void>((r) => srv.close(() => r()));
const base = { bodies: [Buffer.from('{"rows":[{}]}')], warmupMs: 200, connections: 8, maxInFlight: 1000, requestTimeoutMs: 2000, drainTimeoutMs: 2000 };

it('sends the offered rate, measures only after the warm-up, and times latency from the scheduled send', async () => {
  const s = await server(0);
  try {
    const r = await runOpenLoop({ ...base, url: s.url, ratePerSecond: 200, durationMs: 1000 });
    expect(r).toMatchObject({ offered: 200, ok: 200, errors: 0, dropped: 0 });
    expect(s.seen()).toBe(240); // 40 warm-up requests + 200 measured
    expect(r.achievedPerSecond).toBeGreaterThan(180);
    expect(r.latencyMs.count).toBe(200);
    expect(r.latencyMs.p50).toBeGreaterThanOrEqual(r.serviceMs.p50);
  } finally {
    await close(s.srv);
  }
});

it('accounts for coordinated omission: with one connection and a 20 ms server, waits pile up in the latency and the achieved rate falls', async () => {
  const s = await server(20);
  try {
    const r = await runOpenLoop({ ...base, warmupMs: 0, connections: 1, url: s.url, ratePerSecond: 100, durationMs: 1000 });
    // 100/s offered, 50/s served: the last requests wait about half a second for the connection.
    expect(r.latencyMs.p99).toBeGreaterThan(300);
    expect(r.achievedPerSecond).toBeLessThan(80);
  } finally {
    await close(s.srv);
  }
});

it('times from the scheduled send: a 300 ms stall of the client shows in the latency, not in the service time', async () => {
  const s = await server(0);
  try {
    const stall = setTimeout(() => {
      const until = performance.now() + 300;
      while (performance.now() < until); // the client's event loop is blocked: requests due now go out late
    }, 400);
    const r = await runOpenLoop({ ...base, warmupMs: 0, url: s.url, ratePerSecond: 100, durationMs: 1000 });
    clearTimeout(stall);
    expect(r.ok).toBe(100);
    expect(r.latencyMs.max).toBeGreaterThan(250); // the first request due in the stall waited it out
    expect(r.latencyMs.p90).toBeGreaterThan(50); // about 30 of 100 requests were due during it
    expect(r.serviceMs.p90).toBeLessThan(50);
    expect(r.sendLagMs.max).toBeGreaterThan(250);
  } finally {
    await close(s.srv);
  }
});

it('counts an answer without the required header as failed, and requests beyond maxInFlight as dropped', async () => {
  const s = await server(300);
  try {
    const r = await runOpenLoop({ ...base, warmupMs: 0, url: s.url, ratePerSecond: 100, durationMs: 500, maxInFlight: 10, requiredHeader: 'x-mlcd-version' });
    expect(r.offered).toBe(50);
    expect(r.ok).toBe(0);
    expect(r.dropped).toBeGreaterThan(0);
    expect(r.errors + r.dropped).toBe(50);
    expect(r.firstError).toBeDefined();
  } finally {
    await close(s.srv);
  }
});

it('gives up on requests unanswered at the end of the drain and counts them as errors', async () => {
  const s = await server(5000);
  try {
    const t0 = Date.now();
    const r = await runOpenLoop({ ...base, warmupMs: 0, url: s.url, ratePerSecond: 50, durationMs: 200, requestTimeoutMs: 10_000, drainTimeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r).toMatchObject({ offered: 10, ok: 0, errors: 10 });
    expect(r.firstError).toMatch(/unfinished 300 ms after the last was due/);
  } finally {
    s.srv.closeAllConnections();
    await close(s.srv);
  }
});

it("summarizes the server's own time from a timing header, and fails an answer without a number in it", async () => {
  let seen = 0;
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen++;
      // Answers 1..100 (after 20 warm-up requests) report 0.01 … 1.00 ms; the 101st and later none.
      const n = seen - 20;
      const value = n >= 1 && n <= 100 ? (n / 100).toFixed(3) : n > 100 ? 'soon' : '0.5';
      res.writeHead(200, { 'content-type': 'application/json', 'x-own-ms': value });
      res.end('{"scores":[0.5]}');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/predict`;
  try {
    const r = await runOpenLoop({ ...base, connections: 1, url, ratePerSecond: 100, warmupMs: 200, durationMs: 1100, timingHeader: 'X-Own-Ms' });
    expect(r).toMatchObject({ offered: 110, ok: 100, errors: 10 });
    expect(r.firstError).toContain('no time in ms in the x-own-ms header');
    expect(r.headerMs).toMatchObject({ count: 100, p50: 0.5, p99: 0.99, max: 1 });
    const without = await runOpenLoop({ ...base, url, ratePerSecond: 100, warmupMs: 0, durationMs: 100 });
    expect(without.headerMs).toBeUndefined();
  } finally {
    await close(srv);
  }
});
