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

/**
 * Reads the whole body (bounded by {@link MAX_BODY_BYTES}); 413 beyond.
 *
 * Plain 'data' / 'end' listeners rather than `for await`: the async iterator costs a few promises,
 * an end-of-stream watcher and about 2.5 KB of garbage per request, which on the prediction path
 * at 1,000 requests/s showed in the router's CPU and GC (bench/delivery). A one-chunk body (the
 * usual case) is returned as is, without a copy.
 */
export function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.resume(); // drain the rest unread, so the answer can still be written
        reject(new HttpError(413, `request body larger than ${maxBytes} bytes`));
        return;
      }
      if (first === null) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(more !== null ? Buffer.concat(more, size) : (first ?? Buffer.alloc(0)));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      // Closed before its end: the client went away mid-body (no 'error' is emitted for that).
      cleanup();
      reject(new HttpError(400, 'request closed before its body ended'));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
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
