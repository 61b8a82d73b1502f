#!/usr/bin/env bash
# Is the API still responsive while a transcode runs? wrk on /health against a running
# streamgate, first idle, then while it transcodes a clip uploaded through the API (the
# transcoder's defaults: one job, nice 10). Prints both latency distributions and the job's
# progress line.
#
#   build/bin/streamgate --config config/streamgate.yaml &      # (make run)
#   bench/transcode/api_latency.sh [base URL] [clip]
# The clip defaults to bench/data/transcode/clip-v1-1080p30-60s.mp4 (made by run.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
base=${1:-http://127.0.0.1:8080}
clip=${2:-$root/bench/data/transcode/clip-v1-1080p30-60s.mp4}
[ -f "$clip" ] || { echo "no clip at $clip (run bench/transcode/run.sh once)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }

measure() {
  wrk -t1 -c8 -d10s --latency "$base/health" | grep -E "^\s+(50|90|99)%|Requests/sec"
}

echo "== idle"
measure
token=$(node "$root/scripts/dev-signin.js" "$base" 2>/dev/null)
id=$(curl -sf -H "Authorization: Bearer $token" --data-binary @"$clip" \
  "$base/api/v1/uploads?filename=$(basename "$clip")&title=api-latency" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["content_id"])')
for _ in $(seq 1 50); do
  state=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/jobs?type=transcode" |
    ID="$id" python3 -c 'import json,sys,os; print(next((j["state"] for j in json.load(sys.stdin)["items"] if j["payload"]["content_id"]==os.environ["ID"]), ""))' 2>/dev/null || true)
  [ "$state" = running ] && break
  sleep 0.2
done
sleep 2
echo "== during the transcode of $id (load: $(cut -d' ' -f1-3 /proc/loadavg))"
measure
curl -sf -H "Authorization: Bearer $token" "$base/api/v1/jobs?type=transcode" |
  python3 -c 'import json,sys; [print("job:", j["state"], j["progress"], "%", j["progress_message"]) for j in json.load(sys.stdin)["items"]]'
