/**
 * mlcd's side of bench/evaluate: reads a predictions file with mlcd's reader and times aucRoc,
 * averagePrecision and bootstrapAuc (the compiled modules under dist/). Prints one JSON object.
 *
 * Usage: node bench/evaluate/run_mlcd.js <predictions.arrow> <bootstrap rounds>
 */
'use strict';
const { resolve } = require('node:path');

const dist = resolve(__dirname, '../../dist/src/metrics');
const { readPredictions } = require(`${dist}/predictions.js`);
const { aucRoc, averagePrecision } = require(`${dist}/binary.js`);
const { bootstrapAuc } = require(`${dist}/bootstrap.js`);

async function main() {
  const [path, roundsText] = process.argv.slice(2);
  const rounds = Number(roundsText);
  const seconds = (t) => Number(process.hrtime.bigint() - t) / 1e9;
  let t = process.hrtime.bigint();
  const { labels, scores } = await readPredictions(path, 'label', 'score');
  const read = seconds(t);
  t = process.hrtime.bigint();
  const auc = aucRoc(labels, scores);
  const aucS = seconds(t);
  t = process.hrtime.bigint();
  const ap = averagePrecision(labels, scores);
  const apS = seconds(t);
  let bootstrap = null;
  let bootS = 0;
  if (rounds > 0) {
    t = process.hrtime.bigint();
    bootstrap = bootstrapAuc(labels, scores, { rounds, seed: 0 });
    bootS = seconds(t);
  }
  process.stdout.write(
    JSON.stringify({
      tool: 'mlcd',
      rows: labels.length,
      read_s: read,
      auc_s: aucS,
      ap_s: apS,
      bootstrap_rounds: rounds,
      bootstrap_s: bootS,
      auc,
      average_precision: ap,
      interval: bootstrap ? [bootstrap.interval.lower, bootstrap.interval.upper] : null,
    }) + '\n',
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
