#!/usr/bin/env bash
# sortFloat64 of the working tree against the one at a git revision (default HEAD), side by
# side in one process on the same arrays: prints ns/value for both and their ratio.
#   bash bench/sort-float64/run.sh [revision]
set -euo pipefail
cd "$(dirname "$0")/../.."
rev="${1:-HEAD}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/baseline"
git show "$rev:src/sketch/sort-float64.ts" > "$out/baseline/sort-float64.ts"
npx tsc --outDir "$out/js" --rootDir . --module commonjs --target es2022 --strict --skipLibCheck \
  --types node test/fixtures/sketch/bench-sort.ts src/sketch/sort-float64.ts
npx tsc --outDir "$out/baseline-js" --module commonjs --target es2022 --strict --skipLibCheck \
  "$out/baseline/sort-float64.ts"
echo "baseline: $rev; candidate: working tree"
node "$out/js/test/fixtures/sketch/bench-sort.js" "$out/baseline-js/sort-float64.js" "$out/js/src/sketch/sort-float64.js"
