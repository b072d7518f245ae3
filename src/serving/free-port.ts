import { createServer } from 'node:net';

/**
 * A TCP port that is free on `host` right now (the OS picks it). The caller hands it to a child
 * that binds it a moment later; the race with another process taking it meanwhile is accepted
 * (a lost race shows up as a failed start with the child's stderr).
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error(`could not pick a free port on ${host}`))));
    });
  });
}
