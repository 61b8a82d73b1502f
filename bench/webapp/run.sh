#!/usr/bin/env bash
# The web app's page weight and time to first frame of a ready video on loopback:
# streamgate on a free port serving web/dist, a 10 s 720p clip uploaded and transcoded,
# then bench/webapp/first_frame.mjs in headless chromium. Builds nothing (scripts/build-web.sh
# and the plugins must be built).
#
#   BUILD_DIR=build RUNS=7 bench/webapp/run.sh
source "$(dirname "$0")/../http/lib.sh"
[ -x "$BUILD_DIR/bin/streamgate" ] || die "$BUILD_DIR/bin/streamgate not built"
[ -f "$REPO_ROOT/web/dist/index.html" ] || die "web/dist not built (scripts/build-web.sh)"
command -v ffmpeg >/dev/null || die "ffmpeg not found"
command -v node >/dev/null || die "node not found"

CLIP="${CLIP:-${TMPDIR:-/tmp}/sg-bench-webapp/clip-720p-10s.mp4}"
if [ ! -s "$CLIP" ]; then
  mkdir -p "$(dirname "$CLIP")"
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1280x720:rate=30" \
    -f lavfi -i "sine=frequency=330:sample_rate=48000" -t 10 -c:v libx264 -preset veryfast \
    -pix_fmt yuv420p -c:a aac -movflags +faststart "$CLIP.part.mp4"
  mv "$CLIP.part.mp4" "$CLIP"
fi

SG_PORT="$(free_port)"
BASE="http://127.0.0.1:$SG_PORT"
SG_EXTRA=$(cat <<JSON
{"gateway": {"static": {"dir": "$REPO_ROOT/web/dist", "mount": "/",
   "cache_rules": [{"path_prefix": "/assets/", "cache_control": "public, max-age=31536000, immutable"}]}},
 "auth": {"domains": ["127.0.0.1:$SG_PORT"], "cookie": {"secure": false}},
 "transcoder": {"preset": "veryfast"},
 "streaming": {"watch_page": "$REPO_ROOT/web/dist/index.html"}}
JSON
)
start_streamgate "$SG_PORT" "$SG_EXTRA" gateway cache auth metadata worker upload transcoder streaming monitor
echo "streamgate pid $SG_PID on :$SG_PORT; load before: $LOAD_BEFORE" >&2
T="$(node "$REPO_ROOT/scripts/dev-signin.js" "$BASE" 2>/dev/null)" || die "sign-in failed"
ID=$(curl -sf -H "Authorization: Bearer $T" --data-binary @"$CLIP" \
  "$BASE/api/v1/uploads?filename=clip.mp4&title=first-frame-bench" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["content_id"])') || die "upload failed"
for _ in $(seq 600); do
  st=$(curl -sf "$BASE/api/v1/content/$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
  [ "$st" = ready ] && break
  [ "$st" = failed ] && die "transcode failed"
  sleep 0.2
done
[ "$st" = ready ] || die "not ready in time"
node "$REPO_ROOT/bench/webapp/first_frame.mjs" --base "$BASE" --id "$ID" --runs "${RUNS:-7}"
