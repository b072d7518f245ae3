/**
 * mlcd's side of bench/evaluate: reads a predictions file with mlcd's reader and times aucRoc,
 * averagePrecision and bootstrapAuc. Prints one JSON object. Compiled with the project (`npm run
 * build` puts it at dist/bench/evaluate/run-mlcd.js).
 *
 * Usage: node dist/bench/evaluate/run-mlcd.js <predictions.arrow> <bootstrap rounds>
 */
import { aucRoc, averagePrecision } from '../../src/metrics/binary';
import { bootstrapAuc } from '../../src/metrics/bootstrap';
import type { BootstrapResult } from '../../src/metrics/bootstrap';
import { readPredictions } from '../../src/metrics/predictions';

const seconds = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

async function main(): Promise<void> {
  const [path, roundsText] = process.argv.slice(2);
  if (path === undefined) throw new Error('usage: run-mlcd <predictions.arrow> <bootstrap rounds>');
  const rounds = Number(roundsText ?? '0');
  let t = process.hrtime.bigint();
  const { labels, scores } = await readPredictions(path, 'label', 'score');
  const readS = seconds(t);
  t = process.hrtime.bigint();
  const auc = aucRoc(labels, scores);
  const aucS = seconds(t);
  t = process.hrtime.bigint();
  const ap = averagePrecision(labels, scores);
  const apS = seconds(t);
  let bootstrap: BootstrapResult | undefined;
  let bootstrapS = 0;
  if (rounds > 0) {
    t = process.hrtime.bigint();
    bootstrap = bootstrapAuc(labels, scores, { rounds, seed: 0 });
    bootstrapS = seconds(t);
  }
  process.stdout.write(
    JSON.stringify({
      tool: 'mlcd',
      rows: labels.length,
      read_s: readS,
      auc_s: aucS,
      ap_s: apS,
      bootstrap_rounds: rounds,
      bootstrap_s: bootstrapS,
      auc,
      average_precision: ap,
      interval: bootstrap ? [bootstrap.interval.lower, bootstrap.interval.upper] : null,
    }) + '\n',
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
