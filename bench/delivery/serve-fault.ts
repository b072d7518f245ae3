/**
 * How a bench model version misbehaves when served: the contract between release-jobs.ts (which
 * writes it into the model directory at training) and model-server.ts (which reads it at start).
 * Kept in the model directory, like the example model's serve_fault.json, so the stable version
 * keeps serving well while a bad candidate beside it fails.
 */
import { z } from 'zod';

export const SERVE_FAULT_KINDS = ['none', 'errors', 'slow'] as const;

export const serveFaultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  /** Every prediction answers HTTP 500. */
  z.object({ kind: z.literal('errors') }),
  /** Every prediction answers after `latencyMs`. */
  z.object({ kind: z.literal('slow'), latencyMs: z.number().int().min(1).max(60_000) }),
]);
export type ServeFault = z.infer<typeof serveFaultSchema>;
