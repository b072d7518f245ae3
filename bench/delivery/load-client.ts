/**
 * The load client of bench/delivery, run by run.ts as its own process so that its event loop
 * shares nothing with the router it measures. Takes one JSON argument (the options of
 * `runOpenLoop`, rows instead of bodies) and prints one JSON line: the `OpenLoopResult`.
 *
 * Usage: node dist/bench/delivery/load-client.js '<json>'
 */
import { z } from 'zod';
import { runOpenLoop } from './open-loop';

const positive = z.number().finite().positive();

/** What run.ts sends; validated here because it crosses a process boundary. */
export const loadClientConfigSchema = z.object({
  url: z.string().url(),
  rows: z.array(z.record(z.unknown())).min(1),
  ratePerSecond: positive.max(100_000),
  warmupMs: z.number().finite().min(0).max(60_000),
  durationMs: positive.max(600_000),
  connections: z.number().int().min(1).max(1024),
  maxInFlight: z.number().int().min(1).max(100_000),
  requestTimeoutMs: positive.max(60_000),
  drainTimeoutMs: z.number().finite().min(0).max(60_000),
  requiredHeader: z.string().min(1).optional(),
  timingHeader: z.string().min(1).optional(),
});

/** The configuration of one client run. */
export type LoadClientConfig = z.infer<typeof loadClientConfigSchema>;

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error("usage: load-client '<json config>'");
  let json: unknown;
  try {
    json = JSON.parse(arg);
  } catch (e) {
    throw new Error(`load-client: the argument is not JSON: ${(e as Error).message}`);
  }
  const parsed = loadClientConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `load-client: config invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`,
    );
  }
  const { rows, ...rest } = parsed.data;
  // One row per request, as in the issue; every body serialised once, before the clock starts.
  const bodies = rows.map((row) => Buffer.from(JSON.stringify({ rows: [row] })));
  const result = await runOpenLoop({ ...rest, bodies });
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
