import { createHash } from 'node:crypto';
import type { Weights } from '../backends/traffic/types';

/** Why a weights change was refused: `invalid` (HTTP 400) or `conflict` with the deployment (HTTP 409). */
export interface WeightsProblem {
  kind: 'invalid' | 'conflict';
  message: string;
}

/** What the daemon knows of a model's versions when it validates weights. */
export interface VersionHealth {
  deployed: boolean;
  healthy: boolean;
}

/**
 * Checks a weights change for `model`: every value a whole percent 0..100, the sum exactly 100,
 * every version with weight > 0 deployed and healthy. An empty map is valid: the model takes no
 * traffic (a first release rolled back has no stable version to return to). Returns the first problem, or null.
 * Pure, so the rule is tested on its own.
 */
export function validateWeights(
  model: string,
  weights: unknown,
  versionHealth: (version: string) => VersionHealth,
): WeightsProblem | null {
  if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) {
    return { kind: 'invalid', message: 'weights must be an object of version → integer percent' };
  }
  const entries = Object.entries(weights as Record<string, unknown>);
  let sum = 0;
  for (const [version, w] of entries) {
    if (version === '') return { kind: 'invalid', message: 'weights: version name must not be empty' };
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 100) {
      return { kind: 'invalid', message: `weight of version ${version} must be an integer 0..100, got ${JSON.stringify(w)}` };
    }
    sum += w;
  }
  if (entries.length === 0) return null;
  if (sum !== 100) return { kind: 'invalid', message: `weights of model ${model} must sum to 100, got ${sum}` };
  for (const [version, w] of entries) {
    if ((w as number) === 0) continue;
    const h = versionHealth(version);
    if (!h.deployed) return { kind: 'conflict', message: `version ${version} of model ${model} is not deployed; deploy it before giving it weight` };
    if (!h.healthy) return { kind: 'conflict', message: `version ${version} of model ${model} is not healthy; it cannot take weight` };
  }
  return null;
}

/**
 * A weights map compiled for routing: the versions with weight > 0 in name order and their
 * cumulative shares. Built once per weights change, so a request does not sort the versions.
 */
export interface WeightedRoute {
  readonly versions: readonly string[];
  /** `cumulative[i]`: the sum of the weights of `versions[0..i]`, percent. */
  readonly cumulative: readonly number[];
}

/** Compiles `weights` for {@link pickRoute}; O(versions · log versions). */
export function compileRoute(weights: Readonly<Weights>): WeightedRoute {
  const versions: string[] = [];
  const cumulative: number[] = [];
  let sum = 0;
  for (const version of Object.keys(weights).sort()) {
    const w = weights[version] ?? 0;
    if (w <= 0) continue;
    sum += w;
    versions.push(version);
    cumulative.push(sum);
  }
  return { versions, cumulative };
}

/**
 * The version of a compiled route that takes a request: the first whose cumulative share covers
 * `fraction` (0 ≤ fraction < 1). Undefined when no version has weight. O(versions), no allocation.
 */
export function pickRoute(route: WeightedRoute, fraction: number): string | undefined {
  const point = fraction * 100;
  const n = route.versions.length;
  for (let i = 0; i < n; i++) if (point < (route.cumulative[i] as number)) return route.versions[i];
  return route.versions[n - 1]; // only reached through rounding at the top end
}

/**
 * The version that takes a request: walks the versions with weight > 0 in name order and returns
 * the one whose cumulative share covers `fraction` (0 ≤ fraction < 1). Undefined when no version
 * has weight. Name order keeps the mapping stable, so sticky keys stay put while weights hold.
 * The router compiles the weights once per change instead ({@link compileRoute}, {@link pickRoute}).
 */
export function pickVersion(weights: Readonly<Weights>, fraction: number): string | undefined {
  return pickRoute(compileRoute(weights), fraction);
}

/** A stable fraction in [0, 1) from a route key (first 48 bits of its SHA-256). */
export function routeKeyFraction(key: string): number {
  const digest = createHash('sha256').update(key).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}
