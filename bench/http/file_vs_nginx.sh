#!/usr/bin/env bash
# The same 1 MiB file served by StreamGate (gateway static folder: sendfile path) and by
# nginx (sendfile on), both on loopback, driven by wrk with identical settings.
#
#   BUILD_DIR=build bench/http/file_vs_nginx.sh
# Knobs: THREADS=2 CONNECTIONS=64 DURATION=10s WARMUP=2s SERVER_WORKERS=<cores> VERBOSE=1
# Goal: StreamGate req/s >= 1.0x nginx, p99 <= 1.2x nginx.
source "$(dirname "$0")/lib.sh"
require_tools

mkdir -p "$WORK/www"
head -c $((1024 * 1024)) /dev/urandom >"$WORK/www/file.bin"

SG_PORT="$(free_port)"
NG_PORT="$(free_port)"
start_streamgate "$SG_PORT" "{\"gateway\": {\"static\": {\"dir\": \"$WORK/www\", \"mount\": \"/\"}}}" gateway
start_nginx "$NG_PORT" "    root $WORK/www;"

check_url "http://127.0.0.1:$SG_PORT/file.bin" 200
check_url "http://127.0.0.1:$NG_PORT/file.bin" 200
cmp <(curl -s "http://127.0.0.1:$SG_PORT/file.bin") "$WORK/www/file.bin" \
  || die "StreamGate served different bytes"

run_wrk sg "http://127.0.0.1:$SG_PORT/file.bin" "$SG_PID"
run_wrk ng "http://127.0.0.1:$NG_PORT/file.bin" "$NG_PID"
print_table "1 MiB static file"
