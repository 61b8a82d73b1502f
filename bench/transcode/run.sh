#!/usr/bin/env bash
# Issue 12: StreamGate's in-process transcode (sg_transcode) against the ffmpeg CLI on the same
# 60 s 1080p30 clip with audio, the same ladder and the same encoder settings.
#
#   BUILD_DIR=build bench/transcode/run.sh
#
#   (a) sg      build/bin/sg_transcode <clip> <out> 720,480,360        (one process, one decode)
#   (b) cli     ONE ffmpeg: split=3 + scale per rung, three libx264 outputs + AAC, fMP4 HLS
#   (c) perrung one ffmpeg per rung, one after another (the seed's design; the AAC rendition
#               rides in the first, 720p, process), fMP4 HLS
#
# Same for all: libx264 preset $PRESET, 720p 2.8M/high, 480p 1.4M/main, 360p 0.8M/main,
# maxrate 1.5x, bufsize 2x, GOP = 4 s * fps with keyint_min = GOP, IDR forced on the 4 s
# grid (forced-idr), scenecut=0, closed GOP, libx264 threads auto, bicubic downscale of the
# 1080p picture, AAC-LC 128k 48 kHz stereo, 4 s fMP4 segments. StreamGate also writes a
# poster, a storyboard and HLS+DASH manifests (extra work the CLI runs do not do).
#
# Measured with /usr/bin/time -v: wall, CPU (user+sys) and peak RSS; for (c) wall and CPU
# are summed over the three processes and RSS is the largest of them. "others" is the CPU the
# rest of the machine used meanwhile (from /proc/stat, in cores): on a shared 2-core VM, wall
# times move with it, CPU times much less.
#
# Knobs: RUNS=3  PRESET=veryfast  QUALITY=1 (SSIM of (a) and (b) in the first run; 0 = off)
#        SG_ARGS="--threads-per-rung 2 ..." (extra sg_transcode flags)  ONLY="sg cli perrung"
#        DATA_DIR=bench/data/transcode (the clip cache; not committed)  KEEP=1 (keep outputs)
#        PROFILE=1 (per-thread CPU of sg_transcode from /proc/<pid>/task/*/stat)
# Needs: ffmpeg, ffprobe, /usr/bin/time (Debian package `time`, in install-deps.sh test).
# Goals: (a) wall <= 1.0x (b) (aim 0.9x), <= 0.5x (c); peak RSS <= 1.2x (b); SSIM not worse.
set -euo pipefail
set -f  # commands are built as words (filtergraphs contain [..]): no globbing

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
SG_BIN="$BUILD_DIR/bin/sg_transcode"
RUNS="${RUNS:-3}"
PRESET="${PRESET:-veryfast}"
QUALITY="${QUALITY:-1}"
SG_ARGS="${SG_ARGS:-}"
ONLY="${ONLY:-sg cli perrung}"
PROFILE="${PROFILE:-0}"
DATA_DIR="${DATA_DIR:-$ROOT/bench/data/transcode}"
CLIP="$DATA_DIR/clip-v1-1080p30-60s.mp4"

die() { echo "run.sh: $*" >&2; exit 1; }
for t in ffmpeg ffprobe; do command -v "$t" >/dev/null || die "$t missing (scripts/install-deps.sh test)"; done
[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install time (scripts/install-deps.sh test)"
[ -x "$SG_BIN" ] || die "$SG_BIN missing: cmake --build $BUILD_DIR --target sg_transcode"

WORK="$(mktemp -d /tmp/sg-tcbench.XXXXXX)"
if [ "${KEEP:-0}" = 1 ]; then echo "outputs kept in $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi

# ---------------------------------------------------------------------------------------------
# The clip. A deep Mandelbrot zoom level (rendered once at 2880x1620) is panned along a
# Lissajous path (global motion, like a handheld pan over a detailed scene: large flat
# gradients next to very fine, high-contrast detail), with testsrc2 (moving bars, gradient,
# timecode, small moving blocks) bouncing over it as a moving object, and light temporal
# noise (sensor grain: every frame differs, so no rung gets free skip blocks). Audio: a tone
# plus pink noise, stereo 48 kHz. Encoded like a phone upload: H.264 High, CRF 18, ~14 Mbit/s.
generate_clip() {
  mkdir -p "$DATA_DIR"
  local bg="$DATA_DIR/mandelbrot-2880x1620.png" tmp="$CLIP.part.mp4"
  echo "generating $CLIP (one-off, a few minutes on 2 cores)"
  if [ ! -s "$bg" ]; then
    ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
      -i "mandelbrot=size=2880x1620:rate=1:start_x=-0.743643887037151:start_y=0.131825904205330:start_scale=0.0005:maxiter=1024:outer=normalized_iteration_count:inner=period" \
      -frames:v 1 "$bg"
  fi
  ffmpeg -nostdin -hide_banner -loglevel error -y -i "$bg" \
    -f lavfi -i "testsrc2=size=640x360:rate=30" \
    -f lavfi -i "sine=frequency=330:sample_rate=48000" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.15:sample_rate=48000" \
    -filter_complex "[0:v]format=yuv420p,loop=loop=-1:size=1:start=0,setpts=N/30/TB,crop=1920:1080:x='480+440*sin(2*PI*t/20)':y='270+250*sin(2*PI*t/13)'[bg];[bg][1:v]overlay=x='100+1100*abs(sin(2*PI*t/17))':y='60+600*abs(sin(2*PI*t/11))':shortest=1,noise=alls=4:allf=t,format=yuv420p[v];[2:a][3:a]amix=inputs=2:duration=shortest,aformat=channel_layouts=stereo[a]" \
    -map "[v]" -map "[a]" -t 60 -r 30 -c:v libx264 -preset veryfast -crf 18 -g 60 \
    -c:a aac -b:a 192k -movflags +faststart "$tmp"
  mv "$tmp" "$CLIP"
}
[ -s "$CLIP" ] || generate_clip
[ "${PREPARE_ONLY:-0}" = 1 ] && { echo "clip ready: $CLIP"; exit 0; }

read -r SRC_W SRC_H FPS_NUM FPS_DEN < <(ffprobe -v error -select_streams v:0 \
  -show_entries stream=width,height,r_frame_rate -of csv=p=0 "$CLIP" | tr ',/' '  ')
GOP=$(( (4 * FPS_NUM + FPS_DEN / 2) / FPS_DEN ))
FPS="$FPS_NUM/$FPS_DEN"
# Rung sizes as StreamGate plans them: height h, width = even(round(W * h / H)).
rung_w() { echo $(( ((SRC_W * $1 * 2 + SRC_H * 2) / (SRC_H * 4)) * 2 )); }
W720=$(rung_w 720) W480=$(rung_w 480) W360=$(rung_w 360)

x264_opts() {  # <kbit/s> <profile>
  echo "-c:v libx264 -preset $PRESET -profile:v $2 -b:v ${1}k -maxrate $(($1 * 3 / 2))k" \
       "-bufsize $(($1 * 2))k -g $GOP -keyint_min $GOP -sc_threshold 0 -forced-idr 1" \
       "-force_key_frames expr:eq(mod(n,$GOP),0) -x264-params scenecut=0:open-gop=0"
}
hls_opts() {  # <dir>
  mkdir -p "$1"
  echo "-f hls -hls_time 4 -hls_playlist_type vod -hls_segment_type fmp4" \
       "-hls_fmp4_init_filename init.mp4 -hls_segment_filename $1/seg-%05d.m4s $1/index.m3u8"
}
AAC_OPTS="-c:a aac -profile:a aac_low -b:a 128k -ar 48000 -ac 2"
rung_filter() { echo "scale=$1:$2:flags=bicubic,setsar=1,format=yuv420p"; }
FF="ffmpeg -nostdin -hide_banner -loglevel error -y"

cmd_sg() { echo "$SG_BIN $SG_ARGS $CLIP $1 720,480,360"; }
cmd_cli() {
  local o="$1"
  echo "$FF -i $CLIP -filter_complex [0:v]fps=$FPS,split=3[s1][s2][s3];[s1]$(rung_filter "$W720" 720)[v720];[s2]$(rung_filter "$W480" 480)[v480];[s3]$(rung_filter "$W360" 360)[v360]" \
       "-map [v720] $(x264_opts 2800 high) $(hls_opts "$o/720p")" \
       "-map [v480] $(x264_opts 1400 main) $(hls_opts "$o/480p")" \
       "-map [v360] $(x264_opts 800 main) $(hls_opts "$o/360p")" \
       "-map 0:a $AAC_OPTS $(hls_opts "$o/audio")"
}
cmd_rung() {  # <out> <height> <width> <kbit/s> <profile> [audio]
  local o="$1" extra=""
  [ "${6:-}" = audio ] && extra="-map 0:a $AAC_OPTS $(hls_opts "$o/audio")"
  echo "$FF -i $CLIP -map 0:v -vf fps=$FPS,$(rung_filter "$3" "$2") $(x264_opts "$4" "$5")" \
       "$(hls_opts "$o/${2}p") $extra"
}

busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
HZ=$(getconf CLK_TCK)

# Per-thread CPU (utime+stime) of a running process, sampled every second until it exits (one
# `cat` per sample, so the sampler itself costs next to nothing); prints per thread: tid, CPU
# seconds, seconds after start when first seen. Threads that end early keep their last sample.
profile_threads() {  # <pid> <file>
  local pid="$1" out="$2" t0 raw="$2.raw"; t0=$(date +%s)
  set +f  # runs in its own subshell
  while kill -0 "$pid" 2>/dev/null; do
    cat /proc/"$pid"/task/*/stat 2>/dev/null | sed "s/^/$(( $(date +%s) - t0 )) /" >>"$raw" || true
    sleep 1
  done
  awk -v hz="$HZ" '{s=$1; t=$2; sub(/.*\) /, ""); c=$12+$13; if (!(t in first)) first[t]=s; if (c>cpu[t]) cpu[t]=c}
    END {for (t in cpu) printf "%s\t%.2f\t%d\n", t, cpu[t]/hz, first[t]}' "$raw" | sort -n >"$out"
}

# measure <label> <command...>: runs it under /usr/bin/time -v, appends
# "label wall cpu user sys rss_kb others_cores" to $WORK/m.tsv
measure() {
  local label="$1"; shift
  local b0 b1 tf="$WORK/time.$label.txt"
  b0=$(busy_jiffies)
  if [ "$PROFILE" = 1 ] && [ "$label" = sg ]; then
    /usr/bin/time -v -o "$tf" "$@" >"$WORK/out.$label.txt" 2>"$WORK/err.$label.txt" &
    local tpid=$! cpid=""
    for _ in $(seq 50); do cpid=$(pgrep -P "$tpid" || true); [ -n "$cpid" ] && break; sleep 0.1; done
    [ -n "$cpid" ] && profile_threads "$cpid" "$WORK/threads.$RUN.txt" &
    wait "$tpid" || die "$label failed: $(tail -5 "$WORK/err.$label.txt")"
    wait
  else
    /usr/bin/time -v -o "$tf" "$@" >"$WORK/out.$label.txt" 2>"$WORK/err.$label.txt" \
      || die "$label failed: $(tail -5 "$WORK/err.$label.txt")"
  fi
  b1=$(busy_jiffies)
  awk -v label="$label" -v busy="$(( b1 - b0 ))" -v hz="$HZ" -F': ' '
    /User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {r=$2}
    /Elapsed \(wall clock\)/ {n=split($2, p, ":"); w=0; for (i=1; i<=n; i++) w=w*60+p[i]}
    END {o=(busy/hz - u - s)/w; if (o<0) o=0; printf "%s\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%.2f\n", label, w, u+s, u, s, r, o}
  ' "$tf" >>"$WORK/m.tsv"
}

# Commands are word lists built by cmd_* (set -f above): splitting them is intended.
# shellcheck disable=SC2046
run_sg() {
  local o="$WORK/r$RUN/sg"; rm -rf "$o"
  measure sg $(cmd_sg "$o")
}
# shellcheck disable=SC2046
run_cli() {
  local o="$WORK/r$RUN/cli"; rm -rf "$o"
  measure cli $(cmd_cli "$o")
}
# shellcheck disable=SC2046
run_perrung() {
  local o="$WORK/r$RUN/perrung"; rm -rf "$o"
  measure pr720 $(cmd_rung "$o" 720 "$W720" 2800 high audio)
  measure pr480 $(cmd_rung "$o" 480 "$W480" 1400 main)
  measure pr360 $(cmd_rung "$o" 360 "$W360" 800 main)
}

# SSIM of one rung against the source scaled to the rung size with the same bicubic scaler
# (the rung's segments are concatenated to one fMP4 file first; both start at pts 0).
ssim_rung() {  # <dir with init.mp4 + seg-*.m4s> <w> <h> -> "Y All frames kbit/s"
  local d="$1" f="$WORK/rung.mp4"
  set +f; cat "$d/init.mp4" "$d"/seg-*.m4s >"$f"; set -f
  local kbps; kbps=$(ffprobe -v error -show_entries format=duration,size -of csv=p=0 "$f" \
    | awk -F, '{printf "%.0f", $2 * 8 / $1 / 1000}')
  ffmpeg -nostdin -hide_banner -i "$f" -i "$CLIP" -filter_complex \
    "[0:v]setpts=PTS-STARTPTS[d];[1:v]fps=$FPS,$(rung_filter "$2" "$3"),setpts=PTS-STARTPTS[r];[d][r]ssim=stats_file=$WORK/ssim.log" \
    -f null - 2>&1 | awk -v k="$kbps" '
      /SSIM Y:/ {for (i=1; i<=NF; i++) {if ($i ~ /^Y:/) y=substr($i,3); if ($i ~ /^All:/) a=substr($i,5)}}
      END {printf "%s %s %s", y, a, k}'
  printf ' %s\n' "$(wc -l <"$WORK/ssim.log")"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo); ffmpeg $(ffmpeg -version | awk 'NR==1{print $3}')"
echo "clip: $CLIP ($(ffprobe -v error -show_entries format=duration,bit_rate -of csv=p=0 "$CLIP")) ${SRC_W}x${SRC_H} @ $FPS, GOP $GOP"
echo "rungs: ${W720}x720 2800k, ${W480}x480 1400k, ${W360}x360 800k; preset $PRESET; sg_transcode args: '${SG_ARGS}'"
echo
echo "commands:"
echo "  (a) $(cmd_sg "\$OUT")"
echo "  (b) $(cmd_cli "\$OUT" | sed "s#$WORK#\$WORK#g")"
echo "  (c) $(cmd_rung "\$OUT" 720 "$W720" 2800 high audio | sed "s#$WORK#\$WORK#g")"
echo "      $(cmd_rung "\$OUT" 480 "$W480" 1400 main | sed "s#$WORK#\$WORK#g")"
echo "      $(cmd_rung "\$OUT" 360 "$W360" 800 main | sed "s#$WORK#\$WORK#g")"
echo

SUMMARY="$WORK/summary.tsv"
: >"$SUMMARY"
orders=("sg cli perrung" "cli perrung sg" "perrung sg cli")
for RUN in $(seq 1 "$RUNS"); do
  : >"$WORK/m.tsv"
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  order="${orders[$(( (RUN - 1) % 3 ))]}"
  echo "run $RUN: load average before: $load; order: $order"
  for v in $order; do
    case " $ONLY " in *" $v "*) "run_$v" ;; esac
  done
  # (c) = sum of the three processes (wall, CPU), max RSS, CPU-weighted "others"
  awk -F'\t' -v run="$RUN" -v load="$load" '
    $1 ~ /^pr/ {w+=$2; c+=$3; if ($6>r) r=$6; o+=$7*$2; next}
    {print run "\t" load "\t" $0}
    END {if (w>0) printf "%s\t%s\tperrung\t%.2f\t%.2f\t-\t-\t%d\t%.2f\n", run, load, w, c, r, o/w}
  ' "$WORK/m.tsv" >>"$SUMMARY"
  awk -F'\t' -v run="$RUN" '$1==run {printf "  %-8s wall %7.2f s  cpu %7.2f s  peak RSS %5d MiB  others %.2f cores\n", $3, $4, $5, $8/1024, $9}' "$SUMMARY"
  [ "$PROFILE" = 1 ] && [ -s "$WORK/threads.$RUN.txt" ] && {
    echo "  sg_transcode threads (tid, CPU s, first seen s):"; sed 's/^/    /' "$WORK/threads.$RUN.txt"; }
  if [ "$RUN" = 1 ] && [ "$QUALITY" = 1 ]; then
    echo "  quality (SSIM vs the source scaled to the rung size, bicubic; Y / All; kbit/s; frames):"
    for v in sg cli; do
      [ -d "$WORK/r1/$v/720p" ] || continue
      for h in 720 480 360; do
        w=$(rung_w "$h")
        read -r y a k n < <(ssim_rung "$WORK/r1/$v/${h}p" "$w" "$h")
        printf '    %-4s %4sp  SSIM Y %s  All %s  %5s kbit/s  %s frames\n' "$v" "$h" "$y" "$a" "$k" "$n"
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$h" "$y" "$a" "$k" "$n" >>"$WORK/quality.tsv"
      done
    done
  fi
  echo
done

echo "| run | load before | variant | wall s | CPU s | peak RSS MiB | others (cores) |"
echo "|---|---|---|---|---|---|---|"
awk -F'\t' '{printf "| %s | %s | %s | %.1f | %.1f | %d | %.2f |\n", $1, $2, $3, $4, $5, $8/1024, $9}' "$SUMMARY"
echo
echo "| run | wall (a)/(b) | wall (a)/(c) | CPU (a)/(b) | CPU (a)/(c) | RSS (a)/(b) |"
echo "|---|---|---|---|---|---|"
awk -F'\t' '
  {w[$1,$3]=$4; c[$1,$3]=$5; r[$1,$3]=$8; runs[$1]=1}
  function q(x, y) { return y > 0 ? sprintf("%.2fx", x / y) : "-" }
  END {for (k in runs) printf "| %s | %s | %s | %s | %s | %s |\n", k,
         q(w[k,"sg"], w[k,"cli"]), q(w[k,"sg"], w[k,"perrung"]),
         q(c[k,"sg"], c[k,"cli"]), q(c[k,"sg"], c[k,"perrung"]), q(r[k,"sg"], r[k,"cli"])}
' "$SUMMARY" | sort -t'|' -k2n
if [ -s "$WORK/quality.tsv" ]; then
  echo
  echo "| rung | SSIM Y (a) / (b) | SSIM All (a) / (b) | kbit/s (a) / (b) |"
  echo "|---|---|---|---|"
  awk '{y[$1,$2]=$3; a[$1,$2]=$4; k[$1,$2]=$5}
       END {for (h=720; h>=360; h-=120) if (h!=600) printf "| %dp | %s / %s | %s / %s | %s / %s |\n", h,
              y["sg",h], y["cli",h], a["sg",h], a["cli",h], k["sg",h], k["cli",h]}' "$WORK/quality.tsv"
fi
