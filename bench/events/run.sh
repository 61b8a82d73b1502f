#!/usr/bin/env bash
# Live events: what N idle GET /api/v1/events streams cost the server (RSS per stream, CPU
# while idle with heartbeats) and how long one event takes to reach all of them.
#
#   BUILD_DIR=build STREAMS=5000 IDLE_SECONDS=30 bench/events/run.sh
#
# The server runs pinned to SERVER_CPUS (default 0) with one gateway thread, the client
# (node, streams.mjs) on CLIENT_CPUS (default 1). Heartbeats every HEARTBEAT seconds (5).
export SERVER_WORKERS="${SERVER_WORKERS:-1}"
source "$(dirname "$0")/../http/lib.sh"
command -v node >/dev/null || die "node not found"
STREAMS="${STREAMS:-5000}"
IDLE_SECONDS="${IDLE_SECONDS:-30}"
HEARTBEAT="${HEARTBEAT:-5}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"

port="$(free_port)"
start_streamgate "$port" \
  "{\"monitor\": {\"events\": {\"heartbeat_seconds\": $HEARTBEAT, \"max_connections\": $((STREAMS + 100))}}, \"gateway\": {\"rate_limit\": {\"enabled\": false}, \"limits\": {\"max_connections\": $((STREAMS + 100))}}}" \
  gateway monitor auth metadata
taskset -pc "$SERVER_CPUS" "$SG_PID" >/dev/null
token="$(node "$REPO_ROOT/scripts/dev-signin.js" "http://127.0.0.1:$port" | tail -n 1)"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SG_PID/status"; }
rss0="$(rss_kib)"
ticks0="$(cpu_ticks "$SG_PID")"
out="$(taskset -c "$CLIENT_CPUS" node "$REPO_ROOT/bench/events/streams.mjs" \
        "http://127.0.0.1:$port" "$token" "$STREAMS" "$IDLE_SECONDS" 2>"$WORK/streams.err" &
      client=$!
      # Sample RSS and CPU once every stream is open and idle (half-way through the idle wait).
      sleep $(( IDLE_SECONDS / 2 + 10 ))
      echo "RSS $(rss_kib) TICKS $(cpu_ticks "$SG_PID")" >"$WORK/mid"
      sleep $(( IDLE_SECONDS / 4 ))
      echo "RSS $(rss_kib) TICKS $(cpu_ticks "$SG_PID")" >"$WORK/late"
      wait $client)"
cat "$WORK/streams.err" >&2
read -r _ rss1 _ ticks1 <"$WORK/mid"
read -r _ rss2 _ ticks2 <"$WORK/late"
hz="$(getconf CLK_TCK)"
idle_window=$(( IDLE_SECONDS / 4 ))
echo "result: $out"
awk -v s="$STREAMS" -v r0="$rss0" -v r1="$rss1" -v t1="$ticks1" -v t2="$ticks2" -v hz="$hz" \
    -v w="$idle_window" 'BEGIN {
  printf "streams %d: RSS %.1f MiB -> %.1f MiB (%.2f KiB per stream)\n", s, r0/1024, r1/1024, (r1-r0)/s;
  printf "idle CPU (heartbeats): %.2f %% of one core over %d s\n", 100*(t2-t1)/hz/w, w;
}'
