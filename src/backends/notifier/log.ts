import type { Notification, Notifier } from './types';

/**
 * Writes each notification as one human-readable line:
 * `<kind> <model>: <text> [release <id>] {details as compact JSON}`.
 * The embedded default; the spec selects it with `backends.notifier.kind: log`.
 */
export class LogNotifier implements Notifier {
  /** Backend kind as named in the spec (`backends.notifier.kind`). */
  readonly kind = 'log';

  /** @param write - where lines go; `console.log` by default. */
  constructor(private readonly write: (line: string) => void = console.log) {}

  /** Nothing to check: writing a line cannot be misconfigured. */
  async check(): Promise<void> {}

  /** Writes one line; newlines in the text are folded so the line stays one line. */
  async notify(n: Notification): Promise<void> {
    let line = `${n.kind} ${n.model}: ${n.text.replace(/\s*\n\s*/g, ' ')}`;
    if (n.releaseId) line += ` [release ${n.releaseId}]`;
    if (n.details && Object.keys(n.details).length > 0) line += ` ${JSON.stringify(n.details)}`;
    this.write(line);
    return Promise.resolve();
  }
}
