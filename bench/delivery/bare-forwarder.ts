/**
 * The peer of the router in bench:delivery: the least a Node HTTP forwarder can do. It reads a
 * request's body, POSTs it to one model server through a keep-alive node:http agent set up as the
 * router's (src/serving/upstream.ts) and relays status and body: no routing, no request ids, no
 * validation, no stats or metrics. What the router adds beyond this is its own work; what this
 * adds over calling the model server directly is Node's HTTP and the extra hop.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BareForwarder {
  /** `http://127.0.0.1:<port>`; any path is forwarded to the model server's `/predict`. */
  url: string;
  close(): Promise<void>;
}

/** Starts a forwarder to `<upstream>/predict` on a free port of 127.0.0.1. */
export async function startBareForwarder(upstream: string): Promise<BareForwarder> {
  const target = new URL('/predict', upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256, noDelay: true });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const up = request(
        {
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.byteLength },
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            const text = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
            res.writeHead(answer.statusCode ?? 502, {
              'content-type': 'application/json',
              'content-length': text.byteLength,
            });
            res.end(text);
          });
        },
      );
      up.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: err.message }));
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
