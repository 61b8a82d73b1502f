#!/usr/bin/env bash
# Streaming: StreamGate's /stream/{id}/... (token-gated content, ?token=) side by side with
# nginx serving a copy of the same media folder (sendfile on). Builds nothing.
#
#   BUILD_DIR=build bench/streaming/run.sh
#
# Steps (see bench/streaming/README.md):
#   prep  clip (ffmpeg CLI, cached in $TMPDIR/sg-bench-streaming/), streamgate on a free port with a
#         temp data dir, sign in, upload, wait ready, PATCH token_gated, playback token as owner
#   a     1 MiB segment: SG /stream/<id>/<rung>/seg-00001.m4s?token=  vs nginx plain file
#   b     master.m3u8:   SG tokenised (rewritten per request)        vs nginx plain master
#   c     PLAYERS keep-alive players, one segment every 4 s for PLAYERS_SECONDS (players.mjs)
# Knobs: ROUNDS=3 DURATION=10s WARMUP=2s CONNECTIONS=64 PLAYERS=1000 PLAYERS_SECONDS=60
#        PLAYERS_RUNG=<rung for step c; default the top one, e.g. 360p>
#        SERVER_CPUS=0 CLIENT_CPUS=1 SERVER_WORKERS=1 CLIP=<mp4> SKIP_PLAYERS=1 SKIP_MASTER=1 VERBOSE=1
#
# Pinning (2-core machine): both servers run on SERVER_CPUS with SERVER_WORKERS workers
# (gateway threads / nginx worker_processes; default 1 core, 1 worker each), the load
# generator (wrk -t1, node) on CLIENT_CPUS. Only one server is under load at a time.
export SERVER_WORKERS="${SERVER_WORKERS:-1}"
export THREADS="${THREADS:-1}"
source "$(dirname "$0")/../http/lib.sh"
require_tools
command -v ffmpeg >/dev/null || die "ffmpeg not found"
command -v node >/dev/null || die "node not found"
command -v taskset >/dev/null || die "taskset not found (util-linux)"

SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"
ROUNDS="${ROUNDS:-3}"
PLAYERS="${PLAYERS:-1000}"
PLAYERS_SECONDS="${PLAYERS_SECONDS:-60}"
HERE="$REPO_ROOT/bench/streaming"
# Cached outside the repository (about 100 MB: per-frame noise at CRF 20).
CLIP="${CLIP:-${TMPDIR:-/tmp}/sg-bench-streaming/clip-1080p30-24s.mp4}"

# Every wrk call (lib.sh's run_wrk too) runs pinned to the client CPUs.
WRK_BIN="$(type -P wrk)"
wrk() { taskset -c "$CLIENT_CPUS" "$WRK_BIN" "$@"; }

# ---------------------------------------------------------------- prep
if [ ! -s "$CLIP" ]; then
  mkdir -p "$(dirname "$CLIP")"
  echo "generating $CLIP (1920x1080 30 fps, 24 s, testsrc2 + noise, H.264 + AAC)"
  ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=30" \
    -f lavfi -i "sine=frequency=330:sample_rate=48000" \
    -filter_complex "[0:v]noise=alls=6:allf=t,format=yuv420p[v]" \
    -map "[v]" -map 1:a -t 24 -c:v libx264 -preset veryfast -crf 20 -g 60 \
    -c:a aac -b:a 128k -movflags +faststart "$CLIP.part.mp4"
  mv "$CLIP.part.mp4" "$CLIP"
fi

SG_PORT="$(free_port)"
NG_PORT="$(free_port)"
BASE="http://127.0.0.1:$SG_PORT"
SG_EXTRA=$(cat <<JSON
{"gateway": {"limits": {"max_connections": 10000}},
 "auth": {"domains": ["127.0.0.1:$SG_PORT"]},
 "transcoder": {"preset": "ultrafast"},
 "upload": {"require_auth": true}}
JSON
)
start_streamgate "$SG_PORT" "$SG_EXTRA" gateway cache auth metadata worker upload transcoder streaming
echo "streamgate pid $SG_PID on :$SG_PORT (workdir $WORK)"
# Provenance: the build tree may be rebuilt by others while this runs; say what was loaded.
echo "binaries: repo HEAD $(git -C "$REPO_ROOT" log -1 --format=%h 2>/dev/null || echo '?');" \
  "$(cd "$BUILD_DIR" && for f in bin/streamgate lib/streamgate/plugins/{gateway,auth,metadata,streaming}.so; do
       printf '%s %s %s; ' "${f##*/}" "$(date -u -r "$f" +%H:%M:%S)" "$(sha256sum "$f" | cut -c1-8)"; done)"

T="$(node "$REPO_ROOT/scripts/dev-signin.js" "$BASE" 2>/dev/null)" || die "sign-in failed"
[ -n "$T" ] || die "sign-in printed no token"
ID=$(curl -sf -H "Authorization: Bearer $T" --data-binary @"$CLIP" \
  "$BASE/api/v1/uploads?filename=$(basename "$CLIP")&title=streaming-bench" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["content_id"])') || die "upload failed"
echo "content $ID: transcoding"
for i in $(seq 600); do
  st=$(curl -sf -H "Authorization: Bearer $T" "$BASE/api/v1/content/$ID" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
  [ "$st" = ready ] && break
  [ "$st" = failed ] && die "transcode failed: $(curl -s -H "Authorization: Bearer $T" "$BASE/api/v1/content/$ID")"
  sleep 1
done
[ "$st" = ready ] || die "content not ready after 600 s (status $st)"
echo "content $ID ready after ~${i} s"
code=$(curl -s -o "$WORK/patch.json" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $T" \
  -H 'Content-Type: application/json' \
  -d '{"visibility":"token_gated","gate":{"chain_id":1,"contract":"0x5FbDB2315678afecb367f032d93F642f64180aa3","standard":"erc721","token_id":"1","min_balance":1}}' \
  "$BASE/api/v1/content/$ID")
[ "$code" = 200 ] || die "PATCH token_gated answered $code: $(cat "$WORK/patch.json")"
sleep 0.5
PB=$(curl -sf -H "Authorization: Bearer $T" "$BASE/api/v1/content/$ID/playback") || die "playback failed"
PT=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"] or "")' "$PB")
[ -n "$PT" ] || die "no playback token in $PB"

MEDIA="$WORK/streamgate/data/media/$ID"
[ -f "$MEDIA/master.m3u8" ] || die "no master.m3u8 in $MEDIA"
# The highest video rung (the first variant of the master playlist).
RUNG=$(awk '!/^#/ && NF {print; exit}' "$MEDIA/master.m3u8" | cut -d/ -f1)
SEG="$RUNG/seg-00001.m4s"
[ -f "$MEDIA/$SEG" ] || die "no $SEG in $MEDIA ($(ls "$MEDIA"))"
orig_size=$(stat -c %s "$MEDIA/$SEG")
# Exactly 1 MiB made of the real segment's bytes repeated and truncated (not a playable
# segment any more; the server does not parse it).
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); n = 1 << 20
open(sys.argv[2], "wb").write((d * (n // len(d) + 1))[:n])' "$MEDIA/$SEG" "$WORK/seg.1m"
[ "$(stat -c %s "$WORK/seg.1m")" = 1048576 ] || die "could not make the 1 MiB segment"
mv "$WORK/seg.1m" "$MEDIA/$SEG"
mkdir -p "$WORK/www/media"
cp -a "$MEDIA" "$WORK/www/media/$ID"
start_nginx "$NG_PORT" "    root $WORK/www;
    types { application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; video/mp4 mp4; application/dash+xml mpd; }"

# Pin: every thread of StreamGate, the nginx master and its workers, to the server CPUs.
taskset -a -pc "$SERVER_CPUS" "$SG_PID" >/dev/null
for p in "$NG_PID" $(ps -o pid= --ppid "$NG_PID"); do taskset -a -pc "$SERVER_CPUS" "$p" >/dev/null; done

SG_SEG="$BASE/stream/$ID/$SEG?token=$PT"
NG_SEG="http://127.0.0.1:$NG_PORT/media/$ID/$SEG"
SG_MASTER="$BASE/stream/$ID/master.m3u8?token=$PT"
NG_MASTER="http://127.0.0.1:$NG_PORT/media/$ID/master.m3u8"
check_url "$SG_SEG" 200
check_url "$NG_SEG" 200
check_url "$SG_MASTER" 200
check_url "$NG_MASTER" 200
check_url "$BASE/stream/$ID/$SEG" 401
cmp <(curl -s "$SG_SEG") "$MEDIA/$SEG" || die "StreamGate served different segment bytes"
cmp <(curl -s "$NG_SEG") "$MEDIA/$SEG" || die "nginx served different segment bytes"
curl -s "$SG_MASTER" >"$WORK/master.sg"
grep -q "token=" "$WORK/master.sg" || die "the SG master playlist carries no token"
echo "rung $RUNG; segment $SEG: ${orig_size} B real -> 1048576 B; master: plain $(stat -c %s "$MEDIA/master.m3u8") B, tokenised $(stat -c %s "$WORK/master.sg") B; token ${#PT} chars"
echo "pinning: servers on CPU $SERVER_CPUS ($SERVER_WORKERS worker each), wrk -t$THREADS / node on CPU $CLIENT_CPUS"

# ---------------------------------------------------------------- a, b
# Per-CPU busy share (0..100 %) between two /proc/stat snapshots, for every CPU: "cpu0 cpu1 ..".
cpu_snapshot() { awk '/^cpu[0-9]/ {b=$2+$3+$4+$7+$8; t=b+$5+$6+$9; print $1, b, t}' /proc/stat; }
cpu_busy() {
  awk 'NR==FNR {b[$1]=$2; t[$1]=$3; next} {d=$3-t[$1]; if (d<=0) d=1; printf "%s%s=%.0f%%", sep, $1, 100*($2-b[$1])/d; sep=" "} END {print ""}' "$1" "$2"
}

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
# measure <case> <server> <url> <pid>
measure() {
  local case="$1" srv="$2" url="$3" pid="$4"
  cpu_snapshot >"$WORK/cpu0"
  run_wrk m "$url" "$pid"   # (the CPU snapshot spans warm-up + run; the busy % is indicative)
  cpu_snapshot >"$WORK/cpu1"
  local busy; busy="$(cpu_busy "$WORK/cpu0" "$WORK/cpu1")"
  local mb; mb="$(awk '/^Transfer\/sec:/ {print $2}' "$WORK/m.wrk")"
  cp "$WORK/m.wrk" "$WORK/$case-$srv-$ROUND.wrk"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$srv" "$ROUND" "$m_RPS" "$m_P50" "$m_P99" \
    "$m_CPU_US" "$m_ERRORS" "$mb" "$busy" >>"$RESULTS"
  printf '  %-8s %-6s round %s: %10s req/s  p50 %8s ms  p99 %8s ms  CPU %7s us/req  errors %s  %s  [%s]\n' \
    "$case" "$srv" "$ROUND" "$m_RPS" "$m_P50" "$m_P99" "$m_CPU_US" "$m_ERRORS" "$mb" "$busy"
}

echo
echo "== a/b: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP), $ROUNDS rounds, alternating"
for ROUND in $(seq "$ROUNDS"); do
  if [ $((ROUND % 2)) = 1 ]; then order="sg ng"; else order="ng sg"; fi
  for s in $order; do
    if [ "$s" = sg ]; then measure segment sg "$SG_SEG" "$SG_PID"; else measure segment nginx "$NG_SEG" "$NG_PID"; fi
  done
  [ -n "${SKIP_MASTER:-}" ] && continue
  for s in $order; do
    if [ "$s" = sg ]; then measure master sg "$SG_MASTER" "$SG_PID"; else measure master nginx "$NG_MASTER" "$NG_PID"; fi
  done
done

python3 - "$RESULTS" <<'PY'
import sys, statistics as st
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(case, srv, col):
    v = [float(r[col]) for r in rows if r[0] == case and r[1] == srv and r[col] not in ("", "n/a")]
    return st.median(v) if v else float("nan")
print("\n== medians (StreamGate / nginx)")
print(f"{'':10} {'':8} {'SG':>10} {'nginx':>10} {'ratio':>7}")
for case in ("segment", "master"):
    for name, col in (("req/s", 3), ("p50 ms", 4), ("p99 ms", 5), ("CPU us/req", 6)):
        a, b = med(case, "sg", col), med(case, "nginx", col)
        print(f"{case:10} {name:10} {a:10.2f} {b:10.2f} {a / b if b else float('nan'):6.2f}x")
    errs = sum(int(r[7]) for r in rows if r[0] == case)
    print(f"{case:10} errors     {errs}")
PY

# ---------------------------------------------------------------- c
if [ -z "${SKIP_PLAYERS:-}" ]; then
  echo
  echo "== c: $PLAYERS keep-alive players, one segment every 4 s, ${PLAYERS_SECONDS} s (ulimit -n $(ulimit -n); gateway max_connections 10000)"
  ulimit -n 65536 2>/dev/null || true
  [ "$(ulimit -n)" -gt $((PLAYERS + 100)) ] || die "ulimit -n $(ulimit -n) is too low for $PLAYERS players"
  # The players walk the real segments of the rung (seg-00001 is the 1 MiB one).
  PRUNG="${PLAYERS_RUNG:-$RUNG}"
  nseg=$(ls "$MEDIA/$PRUNG" | grep -c '^seg-.*\.m4s$')
  echo "players fetch $PRUNG/seg-00001..$(printf %05d "$nseg").m4s ($(du -cb "$MEDIA/$PRUNG"/seg-*.m4s | awk 'END {printf "%.0f", $1}') B in all)"
  # Fresh peak: VmHWM := VmRSS (the wrk runs above raised it).
  echo 5 >"/proc/$SG_PID/clear_refs" 2>/dev/null || echo "(could not reset VmHWM)"
  sg_t0="$(cpu_ticks "$SG_PID")"
  cpu_snapshot >"$WORK/cpu0"
  taskset -c "$CLIENT_CPUS" node "$HERE/players.mjs" --base "$BASE" --id "$ID" --rung "$PRUNG" \
    --segments "$nseg" --token "$PT" --players "$PLAYERS" --seconds "$PLAYERS_SECONDS" \
    --interval 4 --pid "$SG_PID" | tee "$WORK/players.json"
  cpu_snapshot >"$WORK/cpu1"
  sg_t1="$(cpu_ticks "$SG_PID")"
  nreq=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$WORK/players.json")
  echo "streamgate CPU during the players: $(awk -v d=$((sg_t1 - sg_t0)) -v hz="$(getconf CLK_TCK)" -v s="$PLAYERS_SECONDS" -v n="$nreq" 'BEGIN{printf "%.1f s (%.1f %% of one core), %.0f us/req", d/hz, 100*d/hz/s, d/hz*1e6/n}'); per-CPU busy: $(cpu_busy "$WORK/cpu0" "$WORK/cpu1")"
fi
echo
echo "load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
