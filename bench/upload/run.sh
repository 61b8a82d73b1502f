#!/usr/bin/env bash
# Upload benchmark: 1 GiB over loopback with two tus clients, tus-js-client (Node, 64 MiB
# PATCHes) and curl (tus_curl.sh: one PATCH, a cheap client), against
#   (1) streamgate upload.so (gateway + test identity + upload), and
#   (2) @tus/server + @tus/file-store (Node),
# plus (3) a plain sequential disk write of the same bytes (dd conv=fsync).
# Both servers stay up; each round uploads with every client to (1) then (2), so slow
# phases of a shared machine hit both. Reports the median MB/s over the rounds, the median
# of the per-round ratios, server CPU seconds per upload, and each server's RSS growth
# (VmHWM after all rounds minus VmRSS at idle).
# Usage: [BENCH_DIR=/dev/shm] [ROUNDS=5] [CLIENTS="tus-js-client curl"] [PARALLEL=16]
#        [UPLOAD_EXTRA=', "buffer_bytes": 1048576'] bench/upload/run.sh [build dir] [size MiB] [chunk MiB]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"  # absolute: the plugin symlinks must resolve from $WORK
SIZE_MB="${2:-1024}"
CHUNK_MB="${3:-64}"
CHUNK=$((CHUNK_MB * 1024 * 1024))
ROUNDS="${ROUNDS:-5}"
CLIENTS="${CLIENTS:-tus-js-client curl}"
PARALLEL="${PARALLEL:-1}"  # curl only: this many uploads of the file at once
TOKEN="test.0xA11CE00000000000000000000000000000000001"
# BENCH_DIR=/dev/shm measures the pipeline without the disk (fsync is free on tmpfs).
WORK="$(mktemp -d "${BENCH_DIR:-/tmp}/sg-bench-upload.XXXXXX")"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
# CPU seconds (user + system) the process has used so far: robust to a loaded machine.
cpu_s() { python3 -c "import os,sys; f=open('/proc/$1/stat').read().rsplit(')',1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))"; }
mbps_of() { python3 -c 'import json,sys; print(round(json.load(sys.stdin)["mbps"],1))'; }

echo "# generating ${SIZE_MB} MiB of random data" >&2
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$WORK/src.bin"
sync

# --- (3) plain disk write -------------------------------------------------------------
# The source stays in the page cache, as it does for the uploads: dd measures the write.
# Three runs, median: this VM's disk swings several-fold between runs.
DD_RUNS=()
for _ in 1 2 3; do
  start=$(date +%s.%N)
  dd if="$WORK/src.bin" of="$WORK/dd.out" bs=4M conv=fsync status=none
  end=$(date +%s.%N)
  DD_RUNS+=("$(python3 -c "print(round($SIZE_MB*1048576/1e6/($end-$start),1))")")
  rm -f "$WORK/dd.out"
done
DD_MBPS=$(printf '%s\n' "${DD_RUNS[@]}" | sort -n | sed -n 2p)
echo "# dd conv=fsync runs: ${DD_RUNS[*]} MB/s" >&2

# --- (1) streamgate, (2) @tus/server: both started once -----------------------------------
SG_PORT=$(free_port)
mkdir -p "$WORK/sg/plugins" "$WORK/sg/data"
for p in gateway upload; do ln -s "$BUILD/lib/streamgate/plugins/$p.so" "$WORK/sg/plugins/$p.so"; done
ln -s "$BUILD/lib/streamgate/test-plugins/test_identity.so" "$WORK/sg/plugins/test_identity.so"
cat > "$WORK/sg/streamgate.yaml" <<YAML
{"server": {"data_dir": "$WORK/sg/data", "plugin_dir": "$WORK/sg/plugins", "dev_mode": true},
 "logging": {"level": "warn"},
 "database": {"driver": "sqlite", "sqlite_path": "$WORK/sg/data/streamgate.db"},
 "plugins": {"gateway": {"host": "127.0.0.1", "port": $SG_PORT, "access_log": false},
             "upload": {"max_size": 4294967296, "owner_quota": 0${UPLOAD_EXTRA:-}}}}
YAML
"$BUILD/bin/streamgate" --config "$WORK/sg/streamgate.yaml" > "$WORK/sg/log" 2>&1 &
SG_PID=$!; PIDS+=("$SG_PID")
NODE_PORT=$(free_port)
mkdir -p "$WORK/node-store"
node "$HERE/tus_node_server.js" "$NODE_PORT" "$WORK/node-store" > "$WORK/node.log" 2>&1 &
NODE_PID=$!; PIDS+=("$NODE_PID")
wait_port "$SG_PORT"; wait_port "$NODE_PORT"
SG_RSS0=$(rss_kb "$SG_PID"); NODE_RSS0=$(rss_kb "$NODE_PID")

# upload <client> <endpoint> <pid> [token] -> "MB/s server-CPU-s"
upload() {
  local client="$1" endpoint="$2" pid="$3" token="${4:-}" out c0
  c0=$(cpu_s "$pid")
  if [ "$client" = curl ] && [ "$PARALLEL" -gt 1 ]; then
    # PARALLEL uploads of the file at once: aggregate MB/s over the wall time of all.
    local start end i
    start=$(date +%s%N)
    for i in $(seq 1 "$PARALLEL"); do "$HERE/tus_curl.sh" "$endpoint" "$WORK/src.bin" $token > /dev/null & done
    wait
    end=$(date +%s%N)
    out="{\"mbps\": $(python3 -c "print($PARALLEL*$SIZE_MB*1048576/1e6/(($end-$start)/1e9))")}"
  elif [ "$client" = curl ]; then
    out=$("$HERE/tus_curl.sh" "$endpoint" "$WORK/src.bin" $token)
  else
    out=$(node "$HERE/tus_upload.js" "$endpoint" "$WORK/src.bin" "$CHUNK" $token)
  fi
  echo "$(echo "$out" | mbps_of) $(python3 -c "print(round($(cpu_s "$pid")-$c0,2))")"
}

: > "$WORK/rows"
for round in $(seq 1 "$ROUNDS"); do
  for client in $CLIENTS; do
    sg=$(upload "$client" "http://127.0.0.1:$SG_PORT/files/" "$SG_PID" "$TOKEN")
    rm -rf "$WORK"/sg/data/uploads/*/data  # keep tmpfs from filling; records stay
    nd=$(upload "$client" "http://127.0.0.1:$NODE_PORT/files" "$NODE_PID")
    rm -rf "$WORK"/node-store/*
    echo "$round $client $sg $nd" | tee -a "$WORK/rows" >&2
  done
done
SG_HWM=$(hwm_kb "$SG_PID"); NODE_HWM=$(hwm_kb "$NODE_PID")

echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg), dir: $WORK, $ROUNDS rounds" >&2
python3 - "$WORK/rows" "$SIZE_MB" "$CHUNK_MB" "$DD_MBPS" "$SG_RSS0" "$SG_HWM" "$NODE_RSS0" "$NODE_HWM" "$PARALLEL" <<'PY'
import statistics as st, sys
rows_file, size, chunk, dd, sg0, sgh, nd0, ndh, parallel = sys.argv[1:]
rows = [l.split() for l in open(rows_file) if l.strip()]
dd = float(dd)
print("| client | target | MB/s median (min-max) | server CPU s per round (median) |")
print("|---|---|---|---|")
summary = []
for client in dict.fromkeys(r[1] for r in rows):
    rs = [r for r in rows if r[1] == client]
    sg = [float(r[2]) for r in rs]; sgc = [float(r[3]) for r in rs]
    nd = [float(r[4]) for r in rs]; ndc = [float(r[5]) for r in rs]
    what = f"tus-js-client, {chunk} MiB PATCHes" if client == "tus-js-client" else "curl, one PATCH"
    if client == "curl" and int(parallel) > 1:
        what = f"{parallel} x curl at once, one PATCH each (aggregate)"
    print(f"| {what} | streamgate upload.so | {st.median(sg):.1f} ({min(sg):.1f}-{max(sg):.1f}) | {st.median(sgc):.2f} |")
    print(f"| {what} | @tus/server + FileStore | {st.median(nd):.1f} ({min(nd):.1f}-{max(nd):.1f}) | {st.median(ndc):.2f} |")
    ratios = [a / b for a, b in zip(sg, nd)]
    summary.append(f"{client}: streamgate / @tus/server = {st.median(ratios):.2f}x (per-round {min(ratios):.2f}-{max(ratios):.2f}x), "
                   f"{st.median(ndc) / max(st.median(sgc), 0.01):.2f}x less server CPU; streamgate / disk = {st.median(sg) / dd:.2f}x")
print(f"| - | dd bs=4M conv=fsync (median of 3) | {dd} | - |")
print()
print(f"RSS idle -> peak: streamgate {int(sg0)/1024:.1f} -> {int(sgh)/1024:.1f} MiB (growth {(int(sgh)-int(sg0))/1024:.1f}), "
      f"@tus/server {int(nd0)/1024:.1f} -> {int(ndh)/1024:.1f} MiB (growth {(int(ndh)-int(nd0))/1024:.1f}); {size} MiB per upload")
for line in summary:
    print(line)
PY
