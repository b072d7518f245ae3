import type { ServingDaemon } from './daemon';

/**
 * Makes a daemon process stop its model servers however it ends: on SIGTERM / SIGINT it closes
 * the daemon (graceful stop of every server) and exits with 0; on any other exit it SIGKILLs
 * them synchronously. Returns a function that removes the handlers.
 * Kept apart from `startServingDaemon` so tests and embedders do not get process-wide handlers.
 */
export function installShutdownHandlers(daemon: ServingDaemon, opts: { exit?: (code: number) => void; log?: (line: string) => void } = {}): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const log = opts.log ?? ((line: string) => void process.stderr.write(`[mlcd serve] ${line}\n`));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${signal} again: killing model servers now`);
      daemon.killChildrenNow();
      exit(1);
      return;
    }
    stopping = true;
    log(`${signal}: stopping model servers`);
    daemon.close().then(
      () => exit(0),
      (e: unknown) => {
        log(`shutdown failed: ${(e as Error).message}`);
        daemon.killChildrenNow();
        exit(1);
      },
    );
  };
  const onExit = (): void => daemon.killChildrenNow();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('exit', onExit);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('exit', onExit);
  };
}
