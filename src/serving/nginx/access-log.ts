/**
 * The daemon's end of the nginx data plane's prediction log: one JSON line per answered
 * prediction, sent by nginx as a syslog datagram to 127.0.0.1 (see config.ts). UDP, because
 * nginx then never waits on the daemon: the log is off the request path by construction. On
 * loopback a datagram is only lost when the daemon falls behind by a whole socket buffer; the
 * receiver counts what it could not read so that shows.
 */
import { createSocket, type Socket } from 'node:dgram';
import { LOG_TAG } from './config';

/** One prediction as nginx logged it. */
export interface LoggedPrediction {
  requestId: string;
  model: string;
  version: string;
  status: number;
  /** The model server's time (`$upstream_response_time`), else nginx's whole request time, ms (1 ms resolution). */
  ms: number;
  /** The request body; '' when there was none, '-' when it was longer than the capture limit. */
  requestBody: string;
  /** The answer's body; '' when none, '-' when longer than the capture limit. */
  responseBody: string;
}

/** One logged line, read: the prediction, or why the line is not one. */
export type ParsedLogLine = { ok: true; prediction: LoggedPrediction } | { ok: false; problem: string };

/** Fields of a log line, all strings (`escape=json` writes every variable as text). */
const FIELDS = ['id', 'm', 'v', 's', 'ut', 'rt', 'req', 'res'] as const;

/**
 * Reads one datagram: `<PRI>TIMESTAMP mlcd: {json}` (nginx's syslog with `nohostname`). Checked
 * field by field rather than with a schema library: it runs once per prediction.
 */
export function parseLogLine(datagram: string): ParsedLogLine {
  const marker = `${LOG_TAG}: {`;
  const at = datagram.indexOf(marker);
  if (at < 0) return { ok: false, problem: `not an mlcd log line: ${datagram.slice(0, 120)}` };
  let json: unknown;
  try {
    json = JSON.parse(datagram.slice(at + marker.length - 1));
  } catch (e) {
    return { ok: false, problem: `log line is not JSON (${(e as Error).message}): ${datagram.slice(0, 120)}` };
  }
  const o = json as Record<string, unknown>;
  for (const f of FIELDS) if (typeof o[f] !== 'string') return { ok: false, problem: `log line lacks "${f}": ${datagram.slice(0, 120)}` };
  const s = o as Record<(typeof FIELDS)[number], string>;
  const status = Number(s.s);
  if (!Number.isInteger(status) || status < 100 || status > 599) return { ok: false, problem: `log line status ${JSON.stringify(s.s)} is not an HTTP status` };
  if (s.m === '' || s.v === '') return { ok: false, problem: `log line names no model or version: ${datagram.slice(0, 120)}` };
  const seconds = lastNumber(s.ut) ?? lastNumber(s.rt);
  if (seconds === undefined) return { ok: false, problem: `log line has no time: ut ${JSON.stringify(s.ut)}, rt ${JSON.stringify(s.rt)}` };
  return {
    ok: true,
    prediction: { requestId: s.id, model: s.m, version: s.v, status, ms: seconds * 1000, requestBody: s.req, responseBody: s.res },
  };
}

/** The last number of nginx's `0.004` or `0.001, 0.003` (one per upstream tried); undefined for `-` or ''. */
function lastNumber(text: string): number | undefined {
  const comma = text.lastIndexOf(',');
  const last = (comma < 0 ? text : text.slice(comma + 1)).trim();
  if (last === '' || last === '-') return undefined;
  const n = Number(last);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A bound receiver. */
export interface AccessLogReceiver {
  /** The UDP port on 127.0.0.1 nginx sends to. */
  port: number;
  /** Lines that were not predictions (logged once each kind, counted always). */
  readonly rejected: number;
  close(): Promise<void>;
}

/** Binds a UDP socket on 127.0.0.1 (a free port) and calls `onPrediction` for every line. */
export async function startAccessLogReceiver(opts: {
  onPrediction: (p: LoggedPrediction) => void;
  log: (line: string) => void;
}): Promise<AccessLogReceiver> {
  const socket: Socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let rejected = 0;
  let warned = false;
  socket.on('message', (msg) => {
    const parsed = parseLogLine(msg.toString('utf8'));
    if (!parsed.ok) {
      rejected++;
      if (!warned) opts.log(`nginx prediction log: ${parsed.problem} (further bad lines are only counted)`);
      warned = true;
      return;
    }
    try {
      opts.onPrediction(parsed.prediction);
    } catch (e) {
      rejected++;
      opts.log(`nginx prediction log: recording ${parsed.prediction.requestId} failed: ${(e as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (e) => opts.log(`nginx prediction log socket: ${e.message}`));
  return {
    port: socket.address().port,
    get rejected() {
      return rejected;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
