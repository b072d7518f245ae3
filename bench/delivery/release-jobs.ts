/**
 * The no-op jobs of the bench's release part: training and scoring that do next to nothing, so a
 * release's wall time is mlcd's and Temporal's orchestration (plus validation, evaluation and
 * starting a model server), not a model's.
 *
 *   train --out DIR [--fault none|errors|slow]
 *       writes DIR/model and DIR/baseline: model.json and serve_fault.json (see serve-fault.ts)
 *   score --model DIR --data FILE --out FILE
 *       reads the bench CSV (release-project.ts) and writes the predictions as Arrow IPC:
 *       `label` and `score` = logistic(x), the same for every version
 *
 * Usage: node dist/bench/delivery/release-jobs.js <train|score> …
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { SERVE_FAULT_KINDS, type ServeFault } from './serve-fault';

/** How late a `slow` version answers: well over the bench spec's 250 ms latency bound. */
export const SLOW_FAULT_LATENCY_MS = 400;

/** The score every version gives a row: a fixed function of `x`, so any two versions tie. */
export function benchScore(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** A bad command line or input: the CLI prints the message alone and exits 2. */
export class ReleaseJobError extends Error {}

/** Writes `<out>/model` and `<out>/baseline`; only the model carries `fault`. */
export function trainBench(out: string, fault: ServeFault): void {
  for (const name of ['model', 'baseline']) {
    const dir = join(out, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ kind: 'logistic', feature: 'x' }));
    // Only the candidate misbehaves; the baseline is scored, never served.
    writeFileSync(join(dir, 'serve_fault.json'), JSON.stringify(name === 'model' ? fault : { kind: 'none' }));
  }
}

/** Scores the bench CSV at `data` into Arrow IPC `out`: `label` and `score` per row. */
export function scoreBench(data: string, out: string): void {
  const lines = readFileSync(data, 'utf8').trim().split('\n');
  const header = (lines[0] ?? '').split(',');
  const xAt = header.indexOf('x');
  const labelAt = header.indexOf('label');
  if (xAt < 0 || labelAt < 0)
    throw new ReleaseJobError(`score: ${data} has no x or label column (header: ${lines[0] ?? ''})`);
  const n = lines.length - 1;
  const label = new Int32Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const cells = (lines[i + 1] as string).split(',');
    const x = Number(cells[xAt]);
    const y = Number(cells[labelAt]);
    if (!Number.isFinite(x) || (y !== 0 && y !== 1))
      throw new ReleaseJobError(`score: ${data} line ${i + 2}: expected a number x and a label 0 or 1`);
    label[i] = y;
    scores[i] = benchScore(x);
  }
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp`;
  writeFileSync(tmp, tableToIPC(tableFromArrays({ label, score: scores }), 'file'));
  renameSync(tmp, out);
}

/** The fault `train --fault <kind>` writes. */
export function faultOf(kind: string): ServeFault {
  if (!(SERVE_FAULT_KINDS as readonly string[]).includes(kind))
    throw new ReleaseJobError(
      `train: --fault must be one of ${SERVE_FAULT_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
    );
  return kind === 'slow'
    ? { kind: 'slow', latencyMs: SLOW_FAULT_LATENCY_MS }
    : { kind: kind as 'none' | 'errors' };
}

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  if (command === 'train') {
    const { values } = parseArgs({
      args: rest,
      options: { out: { type: 'string' }, fault: { type: 'string', default: 'none' } },
      strict: true,
    });
    if (values.out === undefined) throw new ReleaseJobError('train: --out DIR is required');
    trainBench(values.out, faultOf(values.fault));
  } else if (command === 'score') {
    const { values } = parseArgs({
      args: rest,
      options: { model: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    });
    if (values.model === undefined || values.data === undefined || values.out === undefined)
      throw new ReleaseJobError('score: --model, --data and --out are required');
    scoreBench(values.data, values.out);
  } else
    throw new ReleaseJobError(`expected a command, train or score; got ${JSON.stringify(command ?? null)}`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`release-jobs: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
}
