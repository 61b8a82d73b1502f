#!/usr/bin/env bash
# Memory held by idle keep-alive connections: open N connections, send one request on each
# (StreamGate's /health from monitor.so, nginx `return 200 '{"status":"ok"}'`), read the
# answer and keep the socket open. Reports the server's RSS before and after and the delta
# per connection, StreamGate and nginx side by side (nginx: master + workers summed).
#
#   BUILD_DIR=build bench/http/idle_connections.sh
# Knobs: N=5000 SETTLE=3 (seconds idle before the "after" reading) SERVER_WORKERS=<cores>. Each run starts fresh servers (a second batch on the
# same process would reuse the memory the first one freed): repeat runs, not batches.
source "$(dirname "$0")/lib.sh"
require_tools
[ -f "$BUILD_DIR/lib/streamgate/plugins/monitor.so" ] || die "monitor.so not built in $BUILD_DIR"

N="${N:-5000}"
SETTLE="${SETTLE:-3}"
# Room for N sockets in the client and in each server (children inherit the limit).
ulimit -n $((N + 1024)) || die "cannot raise the open-file limit to $((N + 1024))"
export NGINX_WORKER_CONNECTIONS=$((N + 256))

SG_PORT="$(free_port)"
NG_PORT="$(free_port)"
start_streamgate "$SG_PORT" \
  "{\"gateway\": {\"limits\": {\"max_connections\": $((N + 256)), \"idle_timeout_ms\": 600000}}}" \
  gateway monitor
start_nginx "$NG_PORT" "    location = /health { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"

check_url "http://127.0.0.1:$SG_PORT/health" 200
check_url "http://127.0.0.1:$NG_PORT/health" 200

# hold <port> <pids...>: prints "<rss_before_kib> <rss_after_kib> <connections>".
hold() {
  python3 - "$N" "$SETTLE" "$@" <<'PY'
import os, selectors, socket, sys, time

n, settle, port = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
pids = [int(p) for p in sys.argv[4:]]

def rss_kib():
    total = 0
    for pid in pids:
        procs = [pid]
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                procs += [int(c) for c in f.read().split()]
        except OSError:
            pass
        for p in procs:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
    return total

request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
time.sleep(0.5)
before = rss_kib()
socks, sel = [], selectors.DefaultSelector()
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    s.setblocking(False)
    socks.append(s)
    sel.register(s, selectors.EVENT_READ, bytearray())
    # Read answers as they come so the servers' send queues stay empty.
    if i % 256 == 255 or i == n - 1:
        pending = len(sel.get_map())
        deadline = time.time() + 30
        while pending > (0 if i == n - 1 else 256) and time.time() < deadline:
            for key, _ in sel.select(timeout=1):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                key.data.extend(data)
                head, sep, body = bytes(key.data).partition(b"\r\n\r\n")
                if not data:
                    sys.exit("server closed a connection")
                if sep:
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        k, _, v = line.partition(b":")
                        if k.strip().lower() == b"content-length":
                            length = int(v)
                    if len(body) >= length:
                        sel.unregister(key.fileobj)
                        pending -= 1
if sel.get_map():
    sys.exit(f"{len(sel.get_map())} answers missing")
time.sleep(settle)  # idle: answers written, buffers released
after = rss_kib()
# Still open and idle?
alive = 0
for s in socks:
    try:
        alive += 1 if s.recv(1, socket.MSG_PEEK) else 0
    except BlockingIOError:
        alive += 1
print(before, after, alive)
for s in socks:
    s.close()
PY
}

echo
echo "== idle keep-alive connections: N=$N, ${SETTLE}s after one /health request each; server workers: $SERVER_WORKERS; cores: $(nproc)"
printf '%-11s %12s %12s %12s %14s\n' server "RSS before" "RSS after" "open conns" "KiB per conn"
for side in StreamGate nginx; do
  if [ "$side" = StreamGate ]; then out="$(hold "$SG_PORT" "$SG_PID")"; else out="$(hold "$NG_PORT" "$NG_PID")"; fi
  read -r before after alive <<<"$out"
  printf '%-11s %8.1f MiB %8.1f MiB %12s %14s\n' "$side" \
    "$(awk -v k="$before" 'BEGIN{print k/1024}')" "$(awk -v k="$after" 'BEGIN{print k/1024}')" \
    "$alive" "$(awk -v a="$after" -v b="$before" -v n="$alive" 'BEGIN{ if (n > 0) printf "%.2f", (a-b)/n; else print "n/a" }')"
done
echo "load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
