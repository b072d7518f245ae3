/** The one reading of a prediction request's body, shared by the Node router and the nginx prediction log. */

const PREDICT_BODY_SHAPE = 'prediction body must be { "rows": [ { "<feature>": <value>, ... } ] }';

/** The rows of `{ "rows": [ {...}, ... ] }`, or why the body is not that (a client mistake). */
export function predictRows(body: string): { rows: Array<Record<string, unknown>> } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { problem: `prediction body is not valid JSON: ${(e as Error).message}` };
  }
  const rows = typeof json === 'object' && json !== null ? (json as { rows?: unknown }).rows : undefined;
  if (!Array.isArray(rows)) return { problem: PREDICT_BODY_SHAPE };
  for (let i = 0; i < rows.length; i++) {
    const r: unknown = rows[i];
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return { problem: PREDICT_BODY_SHAPE };
  }
  return { rows: rows as Array<Record<string, unknown>> };
}
