/**
 * How the command line turns an error into one line on stderr and an exit code: never a stack
 * trace alone. Shared by the full program and the light data-command program.
 */
import { MlcdError } from '../core/errors';
import { EXIT_CODES } from '../core/release';

/** An error the CLI reports as one line with an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * Prints `err` (commander's own exits print nothing more) and returns the exit code.
 * @param describe - the message of an unexpected error, causes included
 */
export function reportCliError(err: unknown, describe: (err: unknown) => string): number {
  const e = err as { code?: string; exitCode?: number };
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
  if (e.code?.startsWith('commander.')) return EXIT_CODES.usage;
  if (err instanceof CliError) {
    console.error(`mlcd: ${err.message}`);
    return err.exitCode;
  }
  if (err instanceof MlcdError) {
    console.error(`mlcd: ${err.message}`);
    return err.type === 'SpecInvalid' ? EXIT_CODES.usage : EXIT_CODES.infrastructure;
  }
  console.error(`mlcd: ${describe(err)}`);
  return EXIT_CODES.infrastructure;
}
