/**
 * `{name}` placeholders in commands and paths. Pure: the spec compiler fills `{params.x}`,
 * activities and the serving daemon fill the runtime ones.
 */

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/** Names of the placeholders in `text`, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/**
 * Replaces every `{name}` whose name is in `values`; others are left as they are, so a later
 * stage can fill them. Use `assertFilled` once everything should be resolved.
 */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

/** fillPlaceholders over an argv. */
export function fillCommand(argv: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return argv.map((a) => fillPlaceholders(a, values));
}

/** Throws naming the first placeholder still present in `argv`. */
export function assertFilled(argv: readonly string[], what: string): void {
  for (const a of argv) {
    const left = placeholdersIn(a);
    if (left.length > 0) throw new Error(`${what}: placeholder {${left[0]}} has no value in "${a}"`);
  }
}
