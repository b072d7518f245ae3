import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from './types';

/** Largest request body the daemon reads, bytes (10 MiB). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** An HTTP answer other than success, thrown by a handler and rendered as `{ error }` JSON. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The model version the error concerns, echoed in the body and the version header. */
    readonly version?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Reads the whole body (bounded by {@link MAX_BODY_BYTES}); 413 beyond. */
export async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > maxBytes) throw new HttpError(413, `request body larger than ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Reads and parses a JSON body; 400 naming the problem when it is not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  if (body.length === 0) throw new HttpError(400, 'request body must be JSON, got an empty body');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (e) {
    throw new HttpError(400, `request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Writes `body` as JSON (NaN and ±Infinity become null, as JSON.stringify does). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes a JSON error body. */
export function sendError(res: ServerResponse, status: number, message: string, version?: string): void {
  const body: ErrorBody = version === undefined ? { error: message } : { error: message, version };
  sendJson(res, status, body, version === undefined ? {} : { 'x-mlcd-version': version });
}
