/**
 * `mlcd`: the command line. The data commands (`validate`, `schema`, `evaluate`) go to a light program that
 * does not load Temporal; everything else to the full one (program.ts).
 */
import { EXIT_CODES } from '../core/release';

const DATA_COMMANDS: ReadonlySet<string> = new Set(['validate', 'schema', 'evaluate']);

export async function main(argv: string[]): Promise<number> {
  const command = argv[2];
  if (command !== undefined && DATA_COMMANDS.has(command)) return (await import('./data-main')).main(argv);
  return (await import('./program')).main(argv);
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = EXIT_CODES.infrastructure;
    },
  );
}
