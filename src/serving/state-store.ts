import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { DeployRequest, Weights } from '../backends/traffic/types';

/** File name of the daemon's state under its state directory. */
export const STATE_FILE = 'serving-state.json';

/** What the daemon persists: enough to re-spawn every version and re-apply every model's weights. */
export interface ServingState {
  models: Record<string, { versions: Record<string, DeployRequest>; weights: Weights }>;
}

const servingSpecSchema = z.object({
  command: z.array(z.string()).min(1),
  env: z.record(z.string()),
  cwd: z.string().min(1),
  startupTimeoutMs: z.number().positive(),
});

/** Validates the deploy body (`{ artifactUri, serving }`) of the admin API and the state file. */
export const deployBodySchema = z.object({
  artifactUri: z.string().min(1),
  serving: servingSpecSchema,
});

const stateSchema = z.object({
  version: z.literal(1),
  models: z.record(
    z.object({
      versions: z.record(deployBodySchema.extend({ model: z.string(), version: z.string() })),
      weights: z.record(z.number()),
    }),
  ),
});

/**
 * Reads and writes `<stateDir>/serving-state.json`. Writes go to a temporary file that is then
 * renamed over the old one, so a crash mid-write leaves the previous state, never half of one.
 * Synchronous on purpose: the file is small and ordering between writes is then trivially kept.
 */
export class StateStore {
  /** Absolute path of the state file. */
  readonly path: string;

  constructor(readonly stateDir: string) {
    this.path = join(stateDir, STATE_FILE);
  }

  /** The persisted state; empty when there is no file yet. Throws naming the file when it is unreadable. */
  load(): ServingState {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { models: {} };
      throw new Error(`cannot read serving state ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`serving state ${this.path} is not valid JSON (${(e as Error).message}); fix or remove it`, { cause: e });
    }
    const parsed = stateSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`serving state ${this.path} is invalid at ${issue?.path.join('.') ?? '(root)'}: ${issue?.message ?? 'unknown'}; fix or remove it`);
    }
    return { models: parsed.data.models };
  }

  /** Replaces the persisted state atomically (write temporary file, rename). */
  save(state: ServingState): void {
    mkdirSync(this.stateDir, { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, ...state }, null, 2) + '\n');
    renameSync(tmp, this.path);
  }
}
