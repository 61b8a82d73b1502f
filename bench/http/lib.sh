#!/usr/bin/env bash
# Shared helpers for the HTTP load scripts: start StreamGate and nginx on loopback in a
# private temp dir, drive them with wrk, print a side-by-side table. Sourced, not run.
# Nothing here builds anything: StreamGate comes from $BUILD_DIR (default: build).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$REPO_ROOT/$BUILD_DIR" ;; esac
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
# Server worker threads/processes: both servers get the same number (default = cores).
SERVER_WORKERS="${SERVER_WORKERS:-$(nproc)}"
# nginx worker_connections (per worker process).
NGINX_WORKER_CONNECTIONS="${NGINX_WORKER_CONNECTIONS:-4096}"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sg-bench.XXXXXX")"
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK" >&2; fi
}
trap cleanup EXIT INT TERM

die() { echo "error: $*" >&2; exit 1; }

require_tools() {
  command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
  command -v nginx >/dev/null || die "nginx not found (apt-get install nginx)"
  [ -x "$BUILD_DIR/bin/streamgate" ] || die "$BUILD_DIR/bin/streamgate not built (BUILD_DIR=$BUILD_DIR)"
  [ -f "$BUILD_DIR/lib/streamgate/plugins/gateway.so" ] || die "gateway.so not built in $BUILD_DIR"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for_port() {
  local port="$1" pid="$2" name="$3" log="$4"
  for _ in $(seq 200); do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; die "$name exited during start-up"; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  cat "$log" >&2
  die "$name did not listen on $port"
}

# start_streamgate <port> <extra plugins JSON for plugins.*> <plugin ids...>
# Loads only the listed plugins (symlinked into a private folder). The access log and the
# info-level log are off so StreamGate does the same work as nginx with access_log off.
start_streamgate() {
  local port="$1" plugins_json="$2"; shift 2
  local dir="$WORK/streamgate"
  mkdir -p "$dir/data" "$dir/plugins"
  local id
  for id in "$@"; do
    [ -f "$BUILD_DIR/lib/streamgate/plugins/$id.so" ] || die "$id.so not built in $BUILD_DIR"
    ln -sf "$BUILD_DIR/lib/streamgate/plugins/$id.so" "$dir/plugins/$id.so"
  done
  python3 - "$dir" "$port" "$plugins_json" "$SERVER_WORKERS" >"$dir/streamgate.yaml" <<'PY'
import json, sys
d, port, extra, workers = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
gateway = {"host": "127.0.0.1", "port": port, "threads": workers, "access_log": False}
gateway.update(extra.pop("gateway", {}))
cfg = {
  "server": {"data_dir": d + "/data", "plugin_dir": d + "/plugins", "dev_mode": True},
  "logging": {"level": "warn"},
  "database": {"driver": "sqlite", "sqlite_path": d + "/data/streamgate.db"},
  "plugins": dict({"gateway": gateway}, **extra),
}
print(json.dumps(cfg, indent=2))
PY
  "$BUILD_DIR/bin/streamgate" --config "$dir/streamgate.yaml" >"$dir/streamgate.log" 2>&1 &
  PIDS+=("$!")
  SG_PID="$!"
  wait_for_port "$port" "$!" streamgate "$dir/streamgate.log"
}

# start_nginx <port> <server block body>
start_nginx() {
  local port="$1" body="$2"
  local dir="$WORK/nginx"
  mkdir -p "$dir/logs" "$dir/tmp"
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user root;"
  cat >"$dir/nginx.conf" <<EOF2
$user_line
worker_processes $SERVER_WORKERS;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections $NGINX_WORKER_CONNECTIONS; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
$body
  }
}
EOF2
  nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/logs/stdout.log" 2>&1 &
  PIDS+=("$!")
  NG_PID="$!"
  wait_for_port "$port" "$!" nginx "$dir/logs/error.log"
}

# check_url <url> <expected status>: one request with curl to fail fast on a wrong setup.
check_url() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' "$1")" || die "curl $1 failed"
  [ "$code" = "$2" ] || die "$1 answered $code, expected $2"
}

# Converts a wrk duration ("812.00us", "1.20ms", "2.01s") to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n = n * 60000;
    else if (v ~ /s$/) n = n * 1000;
    printf "%.3f", n }'
}

# CPU time (user + system, in clock ticks) used so far by a process and its direct
# children (nginx workers are children of the master; StreamGate is one process).
cpu_ticks() {
  local root="$1" total=0 p fields
  for p in "$root" $(ps -o pid= --ppid "$root" 2>/dev/null); do
    [ -r "/proc/$p/stat" ] || continue
    # Fields after the last ')': utime and stime are fields 14 and 15 of the whole line.
    fields="$(sed 's/.*) //' "/proc/$p/stat")"
    total=$(( total + $(awk '{print $12 + $13}' <<<"$fields") ))
  done
  echo "$total"
}

# run_wrk <name> <url> <server pid>: warm-up, then the measured run; sets <name>_RPS, _P50,
# _P90, _P99 (ms), _ERRORS, _CPU_US (server CPU microseconds per request — robust to other
# load on the machine, unlike req/s) and saves the raw output in $WORK/<name>.wrk.
run_wrk() {
  local name="$1" url="$2" pid="$3"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null
  local t0; t0="$(cpu_ticks "$pid")"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$WORK/$name.wrk"
  local t1; t1="$(cpu_ticks "$pid")"
  local out; out="$(cat "$WORK/$name.wrk")"
  printf -v "${name}_RPS" '%s' "$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  printf -v "${name}_P50" '%s' "$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
  printf -v "${name}_P90" '%s' "$(to_ms "$(awk '$1 == "90%" {print $2}' <<<"$out")")"
  printf -v "${name}_P99" '%s' "$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
  local errors non2xx
  errors="$(awk '/Socket errors:/ {gsub(",",""); print $4+$6+$8+$10}' <<<"$out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")"
  printf -v "${name}_ERRORS" '%s' "$(( ${errors:-0} + ${non2xx:-0} ))"
  local requests
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  printf -v "${name}_CPU_US" '%s' "$(awk -v d="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN { if (n > 0) printf "%.1f", d / hz * 1e6 / n; else print "n/a" }')"
  if [ -n "${VERBOSE:-}" ]; then echo "--- $name"; echo "$out"; fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2fx", a / b }'; }

# print_table <title>: StreamGate (sg_*) vs nginx (ng_*), ratios StreamGate / nginx.
print_table() {
  echo
  echo "== $1"
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP); server workers: $SERVER_WORKERS; cores: $(nproc)"
  printf '%-12s %14s %14s %10s\n' "" "StreamGate" "nginx" "SG/nginx"
  printf '%-12s %14s %14s %10s\n' "req/s" "$sg_RPS" "$ng_RPS" "$(ratio "$sg_RPS" "$ng_RPS")"
  printf '%-12s %14s %14s %10s\n' "p50 ms" "$sg_P50" "$ng_P50" "$(ratio "$sg_P50" "$ng_P50")"
  printf '%-12s %14s %14s %10s\n' "p90 ms" "$sg_P90" "$ng_P90" "$(ratio "$sg_P90" "$ng_P90")"
  printf '%-12s %14s %14s %10s\n' "p99 ms" "$sg_P99" "$ng_P99" "$(ratio "$sg_P99" "$ng_P99")"
  printf '%-12s %14s %14s %10s\n' "CPU us/req" "$sg_CPU_US" "$ng_CPU_US" "$(ratio "$sg_CPU_US" "$ng_CPU_US")"
  printf '%-12s %14s %14s\n' "errors" "$sg_ERRORS" "$ng_ERRORS"
  echo "load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
}
