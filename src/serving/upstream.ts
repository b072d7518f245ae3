/**
 * The router's calls to model servers: `POST <endpoint>/predict` over node:http with one pooled
 * keep-alive agent. The global fetch (undici behind web streams) cost about 0.6 ms of CPU per
 * forwarded request here, which at 1,000 requests/s on two cores queued requests for tens of
 * milliseconds (bench/delivery); node:http with a pooled agent costs about a sixth of that.
 */
import { Agent, request, type RequestOptions } from 'node:http';

/** An upstream answer: status and the whole body as text. */
export interface UpstreamAnswer {
  status: number;
  text: string;
}

/** Raised when the model server did not answer in time; `name` is `TimeoutError`, like fetch's. */
export class UpstreamTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Where a URL points, as node:http takes it. */
interface Target {
  hostname: string;
  port: string;
  path: string;
}

/** Parsed URLs kept at most; there is one per deployed version, so this is only a guard. */
const MAX_TARGETS = 1_024;

export class UpstreamClient {
  /**
   * `noDelay`: Nagle off, as the daemon's own server sockets have it. A request larger than one
   * segment otherwise keeps its last partial segment until the model server ACKs the others,
   * which a server waiting for the whole request may delay (delayed ACK, up to 40 ms on Linux).
   */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256, noDelay: true });
  /**
   * URLs parsed once: handing `request` a string makes it parse a WHATWG URL and convert it into
   * options on every call (about 1 KB of garbage and a few µs per forwarded prediction).
   */
  private readonly targets = new Map<string, Target>();

  /** POSTs `body` (JSON) to `url`; rejects on a connection error or after `timeoutMs`. */
  post(url: string, body: string | Uint8Array, timeoutMs: number): Promise<UpstreamAnswer> {
    const target = this.target(url);
    return new Promise((resolve, reject) => {
      const options: RequestOptions = {
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        method: 'POST',
        agent: this.agent,
        headers: { 'content-type': 'application/json', 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength },
      };
      const req = request(options);
      const timer = setTimeout(() => req.destroy(new UpstreamTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('response', (res) => {
        // Buffers, decoded once at the end: cheaper than a string decoder per answer, and a
        // multi-byte character split across chunks still decodes right.
        let first: Buffer | null = null;
        let more: Buffer[] | null = null;
        res.on('data', (chunk: Buffer) => {
          if (first === null) first = chunk;
          else (more ??= [first]).push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const whole = more !== null ? Buffer.concat(more) : first;
          const text = whole === null ? '' : whole.toString('utf8');
          resolve({ status: res.statusCode ?? 0, text });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      req.end(body);
    });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private target(url: string): Target {
    let t = this.targets.get(url);
    if (t === undefined) {
      const u = new URL(url);
      // An IPv6 literal comes bracketed in `hostname`; node:http wants it bare.
      t = { hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port, path: `${u.pathname}${u.search}` };
      if (this.targets.size >= MAX_TARGETS) this.targets.clear();
      this.targets.set(url, t);
    }
    return t;
  }
}
