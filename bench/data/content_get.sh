#!/usr/bin/env bash
# GET /api/v1/content/{id} through the gateway with wrk: metadata on SQLite and on
# PostgreSQL, each without and with the read-through cache (cache.so: memory backend for
# SQLite, a private redis-server for PostgreSQL), and nginx serving a static file with the
# same JSON body, side by side.
# Usage: bench/data/content_get.sh [build dir (default: build)] [seconds (default: 10)]
# Needs: wrk, nginx, redis-server, PostgreSQL 15 binaries, a built streamgate with gateway +
# metadata + cache + monitor and the test_identity test plugin (to create the record). Prints a
# Markdown table and the load average before and after the runs.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
SECS="${2:-10}"
THREADS=2
CONNS=32
PGBIN=/usr/lib/postgresql/15/bin
WORK=$(mktemp -d /tmp/sg-bench-data.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# Plugins: only what this path needs (symlinks, as the tests do).
mkdir -p "$WORK/plugins"
for id in gateway metadata cache monitor; do ln -s "$BUILD/lib/streamgate/plugins/$id.so" "$WORK/plugins/"; done
ln -s "$BUILD/lib/streamgate/test-plugins/test_identity.so" "$WORK/plugins/"

# $1 = name, $2 = database JSON, $3 = cache section (default: cache.so disabled, so
# metadata runs without a cache); prints "port"
run_streamgate() {
  local name=$1 db=$2 cache=${3:-'{"enabled": false}'} port
  port=$(free_port)
  mkdir -p "$WORK/$name"
  cat >"$WORK/$name/config.yaml" <<JSON
{"server": {"data_dir": "$WORK/$name/data", "plugin_dir": "$WORK/plugins", "dev_mode": true},
 "logging": {"level": "warn"},
 "database": $db,
 "plugins": {"gateway": {"host": "127.0.0.1", "port": $port}, "cache": $cache,
             "metadata": {"cache_ttl_ms": 30000}, "monitor": {"admin_allow_loopback": true}}}
JSON
  "$BUILD/bin/streamgate" --config "$WORK/$name/config.yaml" >"$WORK/$name/log" 2>&1 &
  PIDS+=($!)
  wait_port "$port" || { cat "$WORK/$name/log" >&2; exit 1; }
  echo "$port"
}

create_content() {  # $1 = port; prints the id
  local body
  for _ in $(seq 100); do
    body=$(curl -s -X POST "http://127.0.0.1:$1/api/v1/content" \
      -H 'Authorization: Bearer test.0x1111111111111111111111111111111111111111' \
      -H 'Content-Type: application/json' \
      -d '{"title":"Benchmark clip","description":"A typical description of a video.","tags":["bench","data"]}') || true
    if [[ "$body" == *'"id"'* ]]; then
      python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$body"
      return
    fi
    sleep 0.1
  done
  echo "cannot create content: $body" >&2
  exit 1
}

measure() {  # $1 = label, $2 = url; prints a table row
  local out rps p50 p99
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "$2")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "| $1 | $rps | $p50 | $p99 |"
}

# --- SQLite
sq_port=$(run_streamgate sqlite '{"driver": "sqlite", "sqlite_path": "'"$WORK"'/sqlite/data/streamgate.db"}')
sq_id=$(create_content "$sq_port")
curl -s "http://127.0.0.1:$sq_port/api/v1/content/$sq_id" >"$WORK/body.json"
sqc_port=$(run_streamgate sqlite-cache \
  '{"driver": "sqlite", "sqlite_path": "'"$WORK"'/sqlite-cache/data/streamgate.db"}' \
  '{"backend": "memory"}')
sqc_id=$(create_content "$sqc_port")

# --- PostgreSQL (private server; as the postgres user when run as root)
pg_port=$(free_port)
as_pg=()
mkdir -p "$WORK/pg"
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
  chown postgres "$WORK/pg"
fi
"${as_pg[@]}" "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
"${as_pg[@]}" "$PGBIN/postgres" -D "$WORK/pg/data" -p "$pg_port" -k "$WORK/pg" \
  -c listen_addresses=127.0.0.1 >"$WORK/pg/log" 2>&1 &
PIDS+=($!)
wait_port "$pg_port"
sleep 0.5
pgs_port=$(run_streamgate postgres '{"driver": "postgres", "postgres_url": "postgresql://postgres@127.0.0.1:'"$pg_port"'/postgres"}')
pg_id=$(create_content "$pgs_port")

# --- PostgreSQL + cache on a private redis-server (no persistence), same database
rd_port=$(free_port)
redis-server --port "$rd_port" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
wait_port "$rd_port"
pgc_port=$(run_streamgate postgres-cache \
  '{"driver": "postgres", "postgres_url": "postgresql://postgres@127.0.0.1:'"$pg_port"'/postgres"}' \
  '{"backend": "redis", "redis": {"url": "redis://127.0.0.1:'"$rd_port"'"}}')
pgc_id=$(create_content "$pgc_port")

# Cached rows must answer the same bytes as the uncached ones (ids and times differ, size not).
for p in "$sqc_port/api/v1/content/$sqc_id" "$pgc_port/api/v1/content/$pgc_id"; do
  size=$(curl -s "http://127.0.0.1:$p" | wc -c)
  [ "$size" -eq "$(wc -c <"$WORK/body.json")" ] || { echo "body size differs for $p" >&2; exit 1; }
done

# --- nginx with a static body of the same size
ng_port=$(free_port)
mkdir -p "$WORK/nginx/html"
cp "$WORK/body.json" "$WORK/nginx/html/content.json"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/json json; }
  server { listen 127.0.0.1:$ng_port; root $WORK/nginx/html; }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
wait_port "$ng_port"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "GET /api/v1/content/{id}: wrk -t$THREADS -c$CONNS -d${SECS}s, body $(wc -c <"$WORK/body.json") bytes, $(nproc) cores"
echo
echo "| target | req/s | p50 | p99 |"
echo "|---|---|---|---|"
measure "streamgate + SQLite" "http://127.0.0.1:$sq_port/api/v1/content/$sq_id"
measure "streamgate + SQLite + cache (memory)" "http://127.0.0.1:$sqc_port/api/v1/content/$sqc_id"
measure "streamgate + PostgreSQL" "http://127.0.0.1:$pgs_port/api/v1/content/$pg_id"
measure "streamgate + PostgreSQL + cache (Redis)" "http://127.0.0.1:$pgc_port/api/v1/content/$pgc_id"
measure "nginx static file" "http://127.0.0.1:$ng_port/content.json"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Proof the cached rows were served by the cache: metadata's cache counters (its health, in
# monitor's plugin list).
for p in "sqlite-cache $sqc_port" "postgres-cache $pgc_port"; do
  set -- $p
  curl -s "http://127.0.0.1:$2/api/v1/admin/plugins" | python3 -c '
import json, sys
c = next(p for p in json.load(sys.stdin) if p["id"] == "metadata")["health"]["cache"]
print("%s: metadata cache hits=%d misses=%d errors=%d" % (sys.argv[1], c["hits"], c["misses"], c["errors"]))
if not c.get("enabled") or c["hits"] == 0: sys.exit("the cache served nothing")' "$1"
done
