#!/usr/bin/env bash
# Benchmark client #2: tus with curl. Creates the upload (POST Upload-Length), then sends
# the whole file as ONE PATCH, so the client costs little CPU (one read + one send per byte)
# and the server's own speed shows. Prints {"bytes":n,"ms":t,"mbps":x} like tus_upload.js.
# Usage: tus_curl.sh <endpoint> <file> [token]
set -euo pipefail
endpoint="$1"; file="$2"; token="${3:-}"
size=$(stat -c %s "$file")
auth=(); [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
location=$(curl -sS -i -X POST "${auth[@]}" -H "Tus-Resumable: 1.0.0" -H "Upload-Length: $size" \
  "$endpoint" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
case "$location" in
  http*) url="$location" ;;
  /*) url="$(echo "$endpoint" | sed -E 's|^(https?://[^/]+).*|\1|')$location" ;;
  *) echo "tus_curl.sh: no Location from $endpoint" >&2; exit 1 ;;
esac
start=$(date +%s%N)
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PATCH "${auth[@]}" -H "Tus-Resumable: 1.0.0" \
  -H "Upload-Offset: 0" -H "Content-Type: application/offset+octet-stream" -H "Expect:" \
  -T "$file" "$url")
end=$(date +%s%N)
[ "$code" = 204 ] || { echo "tus_curl.sh: PATCH answered $code" >&2; exit 1; }
python3 -c "import json; ms=($end-$start)/1e6; print(json.dumps({'bytes': $size, 'ms': ms, 'mbps': $size/1e6/(ms/1000)}))"
