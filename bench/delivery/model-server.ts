/**
 * The model server of bench/delivery, a copy of test/fixtures/serving/echo-model-server without
 * its test knobs: answers `POST /predict` `{"rows": [...]}` with each row's own `score` (0.5
 * when absent) and `GET /healthz`. It does next to no work, so what the bench measures is HTTP
 * and routing, not a model.
 *
 * With `--model DIR` it plays a model version: DIR/serve_fault.json (written by release-jobs.ts)
 * may make every prediction fail (`{"kind": "errors"}`, HTTP 500) or answer late
 * (`{"kind": "slow", "latencyMs": 400}`), the bad candidates of the breach-to-rollback part.
 *
 * Usage: node dist/bench/delivery/model-server.js --port N [--model DIR]
 */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { serveFaultSchema, type ServeFault } from './serve-fault';

const args = process.argv.slice(2);
const portArg = args[args.indexOf('--port') + 1];
const port = Number(portArg);
if (args.indexOf('--port') < 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
  process.stderr.write(
    `model-server: --port must be a TCP port 1..65535, got ${JSON.stringify(portArg ?? null)}\n`,
  );
  process.exit(2);
}

/** The version's fault: none without --model or without the file; a broken file stops the server. */
function readFault(): ServeFault {
  const i = args.indexOf('--model');
  if (i < 0) return { kind: 'none' };
  const dir = args[i + 1];
  if (dir === undefined) {
    process.stderr.write('model-server: --model needs a directory\n');
    process.exit(2);
  }
  const path = join(dir, 'serve_fault.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { kind: 'none' };
  }
  const parsed = serveFaultSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    process.stderr.write(`model-server: ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}\n`);
    process.exit(2);
  }
  return parsed.data;
}
const fault = readFault();

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { ok: true });
  if (req.method !== 'POST' || req.url !== '/predict') {
    return send(res, 404, { error: `no route ${req.method ?? '?'} ${req.url ?? '?'}` });
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let rows: unknown;
    try {
      rows = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { rows?: unknown }).rows;
    } catch {
      return send(res, 400, { error: 'body is not JSON' });
    }
    if (!Array.isArray(rows)) return send(res, 400, { error: 'body must be {"rows": [...]}' });
    if (fault.kind === 'errors') return send(res, 500, { error: 'serve fault: errors' });
    const answer = {
      scores: rows.map((r: unknown) => {
        const score = typeof r === 'object' && r !== null ? (r as { score?: unknown }).score : undefined;
        return typeof score === 'number' ? score : 0.5;
      }),
    };
    if (fault.kind === 'slow') setTimeout(() => send(res, 200, answer), fault.latencyMs);
    else send(res, 200, answer);
  });
});
server.listen(port, '127.0.0.1');

const stop = (): void => void server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Never outlive the bench: exit when the parent (the daemon in run.ts) is gone.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500).unref();
