/**
 * `mlcd alert-receiver [--listen 127.0.0.1:9095]`: runs the Alertmanager webhook receiver
 * (src/alert-receiver.ts) until SIGINT / SIGTERM, signalling rollbacks through Temporal.
 */
import type { Command } from 'commander';
import { EXIT_CODES } from '../core/release';
import { ALERTS_PATH, startAlertReceiver, temporalRollbackSignaller } from '../alert-receiver';
import { CliError } from './cli-error';
import type { WithClient } from './schedule-command';

/** Default `--listen`: loopback only; give 0.0.0.0:9095 for an Alertmanager on another host. */
export const DEFAULT_ALERT_RECEIVER_LISTEN = '127.0.0.1:9095';

/**
 * Parses `host:port` (`[::1]:9095` for IPv6; a bare port means 127.0.0.1).
 * @throws CliError naming the value and the expected form
 */
export function parseListenAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65_535) {
    throw new CliError(
      `--listen "${value}": expected host:port such as ${DEFAULT_ALERT_RECEIVER_LISTEN}, 0.0.0.0:9095 or [::1]:9095`,
      EXIT_CODES.usage,
    );
  }
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

/** Registers `mlcd alert-receiver` on the full program. */
export function registerAlertReceiverCommand(program: Command, withClient: WithClient): void {
  program
    .command('alert-receiver')
    .description(
      `receive Alertmanager webhooks on ${ALERTS_PATH}: a firing alert with a "model" label rolls that model back`,
    )
    .option('--listen <host:port>', 'address to listen on', DEFAULT_ALERT_RECEIVER_LISTEN)
    .action(async (o: { listen: string }) => {
      const { host, port } = parseListenAddress(o.listen);
      await withClient(async (client) => {
        const receiver = await startAlertReceiver({
          host,
          port,
          signaller: temporalRollbackSignaller(client),
          log: (line) => console.log(`[alert-receiver] ${line}`),
        });
        console.log(
          `alert receiver on ${receiver.url}${ALERTS_PATH}: point an Alertmanager webhook_configs url there; Ctrl-C stops it`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await receiver.close();
      });
    });
}
