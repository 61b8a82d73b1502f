#!/usr/bin/env bash
# Upload benchmark: 1 GiB over loopback with tus-js-client against
#   (1) streamgate upload.so (gateway + test identity + upload),
#   (2) @tus/server + @tus/file-store (Node), and
#   (3) a plain sequential disk write of the same bytes (dd conv=fsync).
# Reports MB/s and the server's peak RSS (VmHWM) and RSS growth during the upload.
# Usage: [BENCH_DIR=/dev/shm] [UPLOAD_EXTRA=', "buffer_bytes": 16777216'] bench/upload/run.sh [build dir] [size MiB] [chunk MiB]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"  # absolute: the plugin symlinks must resolve from $WORK
SIZE_MB="${2:-1024}"
CHUNK_MB="${3:-64}"
CHUNK=$((CHUNK_MB * 1024 * 1024))
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

echo "# generating ${SIZE_MB} MiB of random data" >&2
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$WORK/src.bin"
sync

# --- (3) plain disk write -------------------------------------------------------------
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
start=$(date +%s.%N)
dd if="$WORK/src.bin" of="$WORK/dd.out" bs=4M conv=fsync status=none
end=$(date +%s.%N)
DD_MBPS=$(python3 -c "print(round($SIZE_MB*1048576/1e6/($end-$start),1))")
rm -f "$WORK/dd.out"

# --- (1) streamgate ---------------------------------------------------------------------
PORT=$(free_port)
mkdir -p "$WORK/sg/plugins" "$WORK/sg/data"
for p in gateway upload; do ln -s "$BUILD/lib/streamgate/plugins/$p.so" "$WORK/sg/plugins/$p.so"; done
ln -s "$BUILD/lib/streamgate/test-plugins/test_identity.so" "$WORK/sg/plugins/test_identity.so"
cat > "$WORK/sg/streamgate.yaml" <<YAML
{"server": {"data_dir": "$WORK/sg/data", "plugin_dir": "$WORK/sg/plugins", "dev_mode": true},
 "logging": {"level": "warn"},
 "database": {"driver": "sqlite", "sqlite_path": "$WORK/sg/data/streamgate.db"},
 "plugins": {"gateway": {"host": "127.0.0.1", "port": $PORT, "access_log": false},
             "upload": {"max_size": 4294967296, "owner_quota": 0${UPLOAD_EXTRA:-}}}}
YAML
"$BUILD/bin/streamgate" --config "$WORK/sg/streamgate.yaml" > "$WORK/sg/log" 2>&1 &
SG_PID=$!; PIDS+=("$SG_PID")
wait_port "$PORT"
SG_RSS0=$(rss_kb "$SG_PID"); SG_CPU0=$(cpu_s "$SG_PID")
SG_OUT=$(node "$HERE/tus_upload.js" "http://127.0.0.1:$PORT/files/" "$WORK/src.bin" "$CHUNK" "test:0xA11CE00000000000000000000000000000000001")
SG_HWM=$(hwm_kb "$SG_PID"); SG_CPU=$(python3 -c "print(round($(cpu_s "$SG_PID")-$SG_CPU0,2))")
SG_MBPS=$(echo "$SG_OUT" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["mbps"],1))')
kill "$SG_PID"; wait "$SG_PID" 2>/dev/null || true
rm -rf "$WORK/sg/data"

# --- (2) @tus/server FileStore -------------------------------------------------------------
PORT2=$(free_port)
mkdir -p "$WORK/node-store"
node "$HERE/tus_node_server.js" "$PORT2" "$WORK/node-store" > "$WORK/node.log" 2>&1 &
NODE_PID=$!; PIDS+=("$NODE_PID")
wait_port "$PORT2"
NODE_RSS0=$(rss_kb "$NODE_PID"); NODE_CPU0=$(cpu_s "$NODE_PID")
NODE_OUT=$(node "$HERE/tus_upload.js" "http://127.0.0.1:$PORT2/files" "$WORK/src.bin" "$CHUNK")
NODE_HWM=$(hwm_kb "$NODE_PID"); NODE_CPU=$(python3 -c "print(round($(cpu_s "$NODE_PID")-$NODE_CPU0,2))")
NODE_MBPS=$(echo "$NODE_OUT" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["mbps"],1))')
kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true

echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg), dir: $WORK" >&2
python3 - "$SIZE_MB" "$CHUNK_MB" "$DD_MBPS" "$SG_MBPS" "$SG_RSS0" "$SG_HWM" "$NODE_MBPS" "$NODE_RSS0" "$NODE_HWM" "$SG_CPU" "$NODE_CPU" <<'PY'
import sys
size, chunk, dd, sg, sg0, sgh, nd, nd0, ndh, sgc, ndc = sys.argv[1:]
dd, sg, nd = float(dd), float(sg), float(nd)
print(f"| target | MB/s | server CPU s | server RSS idle -> peak (MiB) | RSS growth (MiB) |")
print(f"|---|---|---|---|---|")
print(f"| streamgate upload.so (tus, {chunk} MiB PATCHes) | {sg} | {sgc} | {int(sg0)/1024:.1f} -> {int(sgh)/1024:.1f} | {(int(sgh)-int(sg0))/1024:.1f} |")
print(f"| @tus/server + FileStore (Node) | {nd} | {ndc} | {int(nd0)/1024:.1f} -> {int(ndh)/1024:.1f} | {(int(ndh)-int(nd0))/1024:.1f} |")
print(f"| dd bs=4M conv=fsync (disk) | {dd} | - | - | - |")
print(f"\nstreamgate / @tus/server = {sg/nd:.2f}x MB/s, {float(ndc)/max(float(sgc),0.01):.2f}x less server CPU; streamgate / disk = {sg/dd:.2f}x ({size} MiB)")
PY
