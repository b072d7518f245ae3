/**
 * The native peer of the router in bench:delivery: nginx (Debian's nginx-light) as a reverse
 * proxy to the same model server, through a keep-alive upstream pool, forwarding as the bare
 * forwarder does. What it adds over calling the model server directly is the hop itself (a second
 * process, loopback TCP twice, the kernel's scheduling) at a native proxy's CPU cost, so the bench
 * can tell the machine's price for any hop from Node's HTTP (the bare forwarder) and from the
 * router's own work.
 *
 * nginx runs as one process (`master_process off`), so its CPU time is that one pid's, in a
 * private prefix directory (config, logs, temp paths), never as a daemon.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/serving/free-port';

export interface NginxForwarder {
  /** `http://127.0.0.1:<port>`; any path is forwarded to the model server's `/predict`. */
  url: string;
  /** The nginx process (its CPU time is the peer's). */
  pid: number;
  close(): Promise<void>;
}

/** How long nginx may take to answer its first request. */
const START_TIMEOUT_MS = 10_000;

/** The configuration: one process, no access log, every path to `<upstream>/predict`. */
export function nginxConfig(prefix: string, port: number, upstream: URL): string {
  const upstreamHost = upstream.hostname.replace(/^\[(.*)\]$/, '[$1]');
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  upstream model_server {
    server ${upstreamHost}:${upstream.port};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      rewrite ^ /predict break;
      proxy_pass http://model_server;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}

/** Starts nginx forwarding to `<upstream>/predict` on a free port of 127.0.0.1; resolves once it answers. */
export async function startNginxForwarder(nginx: string, upstream: string): Promise<NginxForwarder> {
  const prefix = mkdtempSync(join(tmpdir(), 'mlcd-bench-nginx-'));
  const port = await freePort();
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, nginxConfig(prefix, port, new URL(upstream)));
  // -e: the error log from the start, before the config is read (else the packaged default path).
  const child: ChildProcess = spawn(nginx, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
  );
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  // The bench may end without close() (an uncaught error): nginx must not outlive it.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const cleanUp = (): void => {
    process.removeListener('exit', killOnExit);
    rmSync(prefix, { recursive: true, force: true });
  };
  const why = (what: string): Error => {
    let log = '';
    try {
      log = readFileSync(join(prefix, 'error.log'), 'utf8');
    } catch {
      // no log yet
    }
    return new Error(`nginx (${nginx}) ${what}: ${(stderr + log).trim().slice(-600) || 'no output'}`);
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      const outcome = await Promise.race([
        exited.then((how) => ({ kind: 'exited' as const, how })),
        spawnFailed.then((err) => ({ kind: 'failed' as const, err })),
        fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
          () => ({ kind: 'up' as const }),
          () => ({ kind: 'not yet' as const }),
        ),
      ]);
      // Any HTTP answer (even a 404 or 502 from the model server) means nginx is listening.
      if (outcome.kind === 'up') break;
      if (outcome.kind === 'exited') throw why(`ended (${outcome.how}) before answering`);
      if (outcome.kind === 'failed') throw why(`could not start: ${outcome.err.message}`);
      if (Date.now() > deadline) throw why(`did not answer on ${url} within ${START_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    child.kill('SIGKILL');
    await Promise.race([exited, spawnFailed]);
    cleanUp();
    throw e;
  }
  return {
    url,
    pid: child.pid as number,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // nginx's fast shutdown
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      cleanUp();
    },
  };
}
