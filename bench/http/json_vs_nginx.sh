#!/usr/bin/env bash
# A small JSON answer: StreamGate's /health (monitor plugin, answered on the network
# thread) vs nginx `return 200 '{"status":"ok"}'`. Measures per-request overhead: parsing,
# routing, middleware, the ABI hop into the plugin and the response write.
#
#   BUILD_DIR=build bench/http/json_vs_nginx.sh
# Knobs: THREADS=2 CONNECTIONS=64 DURATION=10s WARMUP=2s SERVER_WORKERS=<cores> VERBOSE=1
source "$(dirname "$0")/lib.sh"
require_tools
[ -f "$BUILD_DIR/lib/streamgate/plugins/monitor.so" ] || die "monitor.so not built in $BUILD_DIR"

SG_PORT="$(free_port)"
NG_PORT="$(free_port)"
start_streamgate "$SG_PORT" '{}' gateway monitor
start_nginx "$NG_PORT" "    location = /health { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"

check_url "http://127.0.0.1:$SG_PORT/health" 200
check_url "http://127.0.0.1:$NG_PORT/health" 200

run_wrk sg "http://127.0.0.1:$SG_PORT/health" "$SG_PID"
run_wrk ng "http://127.0.0.1:$NG_PORT/health" "$NG_PID"
print_table "small JSON (/health)"
