#!/usr/bin/env bash
# `npm run bench:validate [-- --rows N --tools ge,evidently,pandas,mlcd --formats arrow,parquet]`
#
# Benchmarks mlcd's data validation engine against Great Expectations, Evidently and plain
# pandas/scipy on the same generated files. This script only makes sure the benchmark venv
# ($MLCD_HOME/bench-venv, default ./.mlcd/bench-venv, separate from the project venv) holds
# bench/validate/requirements.txt, re-installing only when that file changed; driver.py then builds
# mlcd if needed, generates the data, runs each tool in its own process and writes results.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
home="${MLCD_HOME:-$root/.mlcd}"
venv="$home/bench-venv"
reqs=bench/validate/requirements.txt
mkdir -p "$home"

stamp="$venv/.mlcd-bench-requirements.sha256"
want=$( (cat "$reqs"; python3 --version) | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bench:validate: installing the benchmark's Python packages into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$reqs"
  echo "$want" > "$stamp"
fi

# A fresh clone has no node_modules yet: the driver's `npm run build` needs them.
if [ ! -d node_modules ]; then
  echo "bench:validate: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

exec "$venv/bin/python" bench/validate/driver.py "$@"
