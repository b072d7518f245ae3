#!/usr/bin/env bash
# Records the replay-test histories: runs every demo scenario on a fresh local stack, then
# exports each workflow's history to test/replay/histories/<type>--<name>.json.
# Re-run after a deliberate, versioned (patched) workflow change.
set -euo pipefail
cd "$(dirname "$0")/.."
export MLCD_HOME="${MLCD_HOME:-$(mktemp -d)}"
temporal=".mlcd/venv/bin/temporal"
out=test/replay/histories
npm run build --silent
node dist/src/cli/main.js dev stop >/dev/null || true
for s in happy bad-data bad-model slow-canary degrade; do
  node dist/src/cli/main.js demo --scenario "$s" | tee "$MLCD_HOME/demo-$s.log"
done
mkdir -p "$out"
rm -f "$out"/*.json
# File names carry the workflow id ('/' as '~'): the replay test needs it.
export_history() {
  local file="$1--${2//\//"~"}.json"
  "$temporal" workflow show --workflow-id "$2" --output json --address 127.0.0.1:7233 > "$out/$file"
}
"$temporal" workflow list --query "WorkflowType='mlPipeline' AND MlcdModel='churn'" --output json --address 127.0.0.1:7233 \
  | python3 -c 'import json,sys; [print(w["execution"]["workflowId"]) for w in json.load(sys.stdin)]' | while read -r id; do
  export_history mlPipeline "$id"
done
export_history modelDeployment deployment/churn
export_history modelMonitor monitor/churn
node dist/src/cli/main.js dev stop
ls -l "$out"
