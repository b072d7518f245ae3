import type { ServingDaemon } from '../../src/serving/daemon';
import { installShutdownHandlers } from '../../src/serving/shutdown';

function fakeDaemon(closeResult: Promise<void> = Promise.resolve()) {
  const calls: string[] = [];
  const daemon: ServingDaemon = {
    url: 'http://127.0.0.1:0',
    dataPlane: 'node',
    controlUrl: 'http://127.0.0.1:0',
    dataPlanePid: null,
    close: () => {
      calls.push('close');
      return closeResult;
    },
    killChildrenNow: () => void calls.push('kill'),
  };
  return { daemon, calls };
}

describe('installShutdownHandlers', () => {
  it('closes the daemon on SIGTERM, then exits 0; a second signal kills the children and exits 1', async () => {
    const { daemon, calls } = fakeDaemon(new Promise(() => undefined)); // a close that hangs
    const exits: number[] = [];
    const remove = installShutdownHandlers(daemon, { exit: (c) => exits.push(c), log: () => undefined });
    try {
      process.emit('SIGTERM');
      expect(calls).toEqual(['close']);
      process.emit('SIGINT');
      expect(calls).toEqual(['close', 'kill']);
      expect(exits).toEqual([1]);
    } finally {
      remove();
    }
  });

  it('exits 0 once close resolves, and removes its handlers', async () => {
    const { daemon, calls } = fakeDaemon();
    const exits: number[] = [];
    const before = process.listenerCount('SIGTERM');
    const beforeExit = process.listenerCount('exit');
    const remove = installShutdownHandlers(daemon, { exit: (c) => exits.push(c), log: () => undefined });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM');
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['close']);
    expect(exits).toEqual([0]);
    remove();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(process.listenerCount('exit')).toBe(beforeExit);
  });
});
