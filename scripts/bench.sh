#!/usr/bin/env bash
# Side-by-side benchmarks: our commands and their usual peers on the same stream, in the
# same run; what counts are the ratios (ours / theirs), not absolute figures.
#
#   scripts/bench.sh            # all benchmarks
#   scripts/bench.sh record     # recording: rtmp-dump vs rtmpdump vs ffmpeg -c copy
#   scripts/bench.sh push       # publishing: rtmp-push vs ffmpeg (unpaced copy; live encoding)
#   scripts/bench.sh scale-push # one input encoded once to 1, 2, 4 destinations: CPU; one
#                               # destination stalled: what the others delivered
#   scripts/bench.sh scale      # many streams: one rtmp-dump recording N streams vs N rtmpdump
#                               # processes (BENCH_SCALE_N: "50 100 200 300", BENCH_SCALE_SECONDS: 30,
#                               # BENCH_SCALE_RTMPDUMP_N: 50)
#   scripts/bench.sh play       # playing: rtmp-play vs ffplay and mpv (first picture, glass to
#                               # glass, rtmp-play's latency budget, CPU, memory)
#   scripts/bench.sh soak       # 30 min push -> nginx -> play + dump with a reset every 5 min
#                               # (not in all): memory, A/V offset, latency, frames lost per outage
#   scripts/bench.sh codecs     # Enhanced RTMP codecs (not in all): each video x audio pair encoded
#                               # by rtmp-push through node-media-server and nginx-rtmp (recorded,
#                               # decoded, capabilities echoed); encoding CPU per video codec vs
#                               # ffmpeg with the same encoder settings (BENCH_CODEC_PAIRS,
#                               # BENCH_MATRIX_SECONDS: 4, BENCH_CODECS, BENCH_CODEC_KBPS: 2500,
#                               # BENCH_CODEC_PRESET: veryfast, BENCH_CODEC_RUNS: 3)
#
# Env: BENCH_SECONDS (20), RTMPKIT_BUILD (build), ports as in scripts/servers.sh; for play:
# BENCH_PLAYERS (all: rtmp-play rtmp-play-100 ffplay ffplay-lowdelay mpv-lowlatency),
# BENCH_PLAY_SAMPLES (40 screenshots each), BENCH_BUDGET_SECONDS (60), BENCH_PLAY_SECONDS (30).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${RTMPKIT_BUILD:-$root/build}
seconds=${BENCH_SECONDS:-20}
export RTMPKIT_NGINX_PORT=${RTMPKIT_NGINX_PORT:-19550} RTMPKIT_NGINX_HTTP_PORT=${RTMPKIT_NGINX_HTTP_PORT:-18280}
export RTMPKIT_NMS_PORT=${RTMPKIT_NMS_PORT:-19551} RTMPKIT_NMS_HTTP_PORT=${RTMPKIT_NMS_HTTP_PORT:-18201}
# Every other listener of scripts/servers.sh too, so a benchmark can run beside the tests.
export RTMPKIT_NMS_AUTH_PORT=${RTMPKIT_NMS_AUTH_PORT:-19552}
export RTMPKIT_NGINX_TLS_PORT=${RTMPKIT_NGINX_TLS_PORT:-19643} RTMPKIT_NMS_TLS_PORT=${RTMPKIT_NMS_TLS_PORT:-19644}
export RTMPKIT_NGINX_TLS_EXPIRED_PORT=${RTMPKIT_NGINX_TLS_EXPIRED_PORT:-19645}
export RTMPKIT_NGINX_TLS_WRONG_PORT=${RTMPKIT_NGINX_TLS_WRONG_PORT:-19646}
export RTMPKIT_NGINX_TLS_SELF_PORT=${RTMPKIT_NGINX_TLS_SELF_PORT:-19647}
# bench.sh scale fans one stream out to 300 players (and each one's connection).
export RTMPKIT_NGINX_CONNECTIONS=${RTMPKIT_NGINX_CONNECTIONS:-1024}
cache=${RTMPKIT_BENCH_DIR:-/tmp/rtmpkit-bench}
mkdir -p "$cache"
work=$(mktemp -d /tmp/rtmpkit-bench-run.XXXXXX)
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  bash "$root/scripts/servers.sh" stop "$work/servers" >/dev/null 2>&1 || true
}
trap cleanup EXIT

command -v rtmpdump >/dev/null && command -v ffmpeg >/dev/null || bash scripts/setup.sh
[ -x "$build/cli/rtmp-dump" ] || bash scripts/build.sh

# media_1080p [SECONDS]: a 1080p30 H.264 (6 Mbit/s) + AAC file ($seconds by default),
# made once.
media_1080p() {
  local secs=${1:-$seconds}
  local f=$cache/1080p30-6M-${secs}s.flv
  if [ ! -s "$f" ]; then
    echo "bench: generating $f" >&2
    ffmpeg -nostdin -hide_banner -loglevel error -y \
      -f lavfi -i "testsrc2=size=1920x1080:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
      -t "$secs" -c:v libx264 -preset ultrafast -b:v 6M -maxrate 6M -bufsize 12M -g 60 -bf 0 \
      -pix_fmt yuv420p -c:a aac -b:a 128k -f flv "$f.tmp"
    mv "$f.tmp" "$f"
  fi
  echo "$f"
}

# measure NAME CMD...: runs CMD in the background under GNU time; sets PID_<NAME> to the
# command's own pid (not time's) so that it can be signalled.
declare -A TIME_PID CMD_PID
measure() {
  local name=$1; shift
  /usr/bin/time -f "%U %S %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  TIME_PID[$name]=$!
  local i
  for i in $(seq 50); do
    CMD_PID[$name]=$(pgrep -P "${TIME_PID[$name]}" | head -n1 || true)
    [ -n "${CMD_PID[$name]}" ] && return 0
    sleep 0.1
  done
}

# cpu_rss NAME: "cpu_seconds peak_rss_MB" from GNU time's output.
cpu_rss() {
  awk '/^[0-9.]+ [0-9.]+ [0-9]+$/ { printf "%.3f %.1f", $1 + $2, $3 / 1024 }' "$work/$1.time"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

bench_record() {
  local src url name t_end
  src=$(media_1080p)
  name=bench$$
  url=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live/$name
  echo
  echo "== recording: ${seconds} s of 1080p30 6 Mbit/s H.264 + AAC, published with ffmpeg -re through nginx-rtmp"
  measure rtmp-dump "$build/cli/rtmp-dump" -q "$url" -o "$work/rtmp-dump.flv"
  measure rtmpdump rtmpdump -q --live -r "$url" -o "$work/rtmpdump.flv"
  measure ffmpeg ffmpeg -nostdin -hide_banner -loglevel error -i "$url" -c copy -f flv -y "$work/ffmpeg.flv"
  sleep 1
  ffmpeg -nostdin -hide_banner -loglevel error -re -i "$src" -c copy -f flv "$url"
  t_end=$(date +%s.%N)
  # Who exits by itself within 10 s of the publisher's end? Stop the others with SIGINT.
  local tool exited
  declare -A exits
  for i in $(seq 100); do
    for tool in rtmp-dump rtmpdump ffmpeg; do
      if [ -z "${exits[$tool]:-}" ] && ! kill -0 "${CMD_PID[$tool]}" 2>/dev/null; then
        exits[$tool]=$(awk -v a="$(date +%s.%N)" -v b="$t_end" 'BEGIN { printf "yes (%.1f s)", a - b }')
      fi
    done
    sleep 0.1
  done
  for tool in rtmp-dump rtmpdump ffmpeg; do
    [ -n "${exits[$tool]:-}" ] || { exits[$tool]="no"; kill -INT "${CMD_PID[$tool]}" 2>/dev/null || true; }
  done
  # ffmpeg blocked in a read can ignore SIGINT: SIGKILL after 5 s (time still reports).
  for i in $(seq 50); do
    pgrep -P $$ -x time >/dev/null || break
    sleep 0.1
  done
  for tool in rtmp-dump rtmpdump ffmpeg; do kill -KILL "${CMD_PID[$tool]}" 2>/dev/null || true; done
  for tool in rtmp-dump rtmpdump ffmpeg; do wait "${TIME_PID[$tool]}" 2>/dev/null || true; done

  printf '%-10s %8s %12s %10s %10s  %s\n' tool cpu_s peak_rss_MB video_pkts audio_pkts "exits when the stream ends"
  declare -A cpu rss
  for tool in rtmp-dump rtmpdump ffmpeg; do
    read -r cpu[$tool] rss[$tool] <<<"$(cpu_rss "$tool")"
    printf '%-10s %8s %12s %10s %10s  %s\n' "$tool" "${cpu[$tool]}" "${rss[$tool]}" \
      "$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$work/$tool.flv" 2>/dev/null)" \
      "$(ffprobe -v error -select_streams a:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$work/$tool.flv" 2>/dev/null)" \
      "${exits[$tool]}"
  done
  echo "source: $(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$src") video packets"
  echo "ratios rtmp-dump/rtmpdump: cpu $(ratio "${cpu[rtmp-dump]}" "${cpu[rtmpdump]}"), peak rss $(ratio "${rss[rtmp-dump]}" "${rss[rtmpdump]}")"
  echo "ratios rtmp-dump/ffmpeg:   cpu $(ratio "${cpu[rtmp-dump]}" "${cpu[ffmpeg]}"), peak rss $(ratio "${rss[rtmp-dump]}" "${rss[ffmpeg]}")"
}

# media_scale: a 720p30 H.264 (2 Mbit/s) + AAC file of BENCH_SCALE_SECONDS, made once.
media_scale() {
  local secs=$1 f
  f=$cache/720p30-2M-${secs}s.flv
  if [ ! -s "$f" ]; then
    echo "bench: generating $f" >&2
    ffmpeg -nostdin -hide_banner -loglevel error -y \
      -f lavfi -i "testsrc2=size=1280x720:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
      -t "$secs" -c:v libx264 -preset ultrafast -b:v 2M -maxrate 2M -bufsize 4M -g 60 -bf 0 \
      -pix_fmt yuv420p -c:a aac -b:a 128k -f flv "$f.tmp"
    mv "$f.tmp" "$f"
  fi
  echo "$f"
}

# scale_lost DIR N SRC: frames missing over the N files of DIR against SRC's video packets.
scale_lost() {
  local dir=$1 n=$2 src=$3 want got lost=0 f
  want=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$src")
  for f in $(seq 1 "$n"); do
    got=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$dir/$f.flv" 2>/dev/null || echo 0)
    lost=$((lost + want - ${got:-0}))
  done
  echo "$lost"
}

# One rtmp-dump recording N players of one live stream fanned out by nginx-rtmp (started
# before the publisher: every file should hold every frame), against N rtmpdump processes
# for N = BENCH_SCALE_RTMPDUMP_N, in the same run.
bench_scale() {
  local secs=${BENCH_SCALE_SECONDS:-30} ns=${BENCH_SCALE_N:-50 100 200 300} rn=${BENCH_SCALE_RTMPDUMP_N:-50}
  local src n url name dir cpu rss lost i ours_cpu="" ours_rss=""
  src=$(media_scale "$secs")
  echo
  echo "== many streams: ${secs} s of 720p30 2 Mbit/s through nginx-rtmp to N players"
  printf '%-22s %5s %10s %14s %14s %14s %10s\n' tool N cpu_s cpu_ms/stream/s peak_rss_MB rss_MB/stream lost_frames
  for n in $ns; do
    name=scale$$-$n
    url=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live/$name
    dir=$work/scale-$n
    mkdir -p "$dir"
    for i in $(seq 1 "$n"); do echo "$url $dir/$i.flv"; done >"$dir/list"
    measure "scale-$n" "$build/cli/rtmp-dump" -q --from "$dir/list"
    sleep 2
    ffmpeg -nostdin -hide_banner -loglevel error -re -i "$src" -c copy -f flv "$url"
    wait "${TIME_PID[scale-$n]}" 2>/dev/null || true
    read -r cpu rss <<<"$(cpu_rss "scale-$n")"
    lost=$(scale_lost "$dir" "$n" "$src")
    printf '%-22s %5s %10s %14s %14s %14s %10s\n' "rtmp-dump (1 process)" "$n" "$cpu" \
      "$(awk -v c="$cpu" -v n="$n" -v s="$secs" 'BEGIN { printf "%.2f", c * 1000 / n / s }')" "$rss" \
      "$(awk -v r="$rss" -v n="$n" 'BEGIN { printf "%.2f", r / n }')" "$lost"
    [ "$n" = "$rn" ] && { ours_cpu=$cpu; ours_rss=$rss; }
    rm -f "$dir"/*.flv
  done
  # rtmpdump: one process per stream, each under GNU time.
  n=$rn
  name=scale$$-rtmpdump
  url=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live/$name
  dir=$work/scale-rtmpdump
  mkdir -p "$dir"
  local -a tpids=()
  for i in $(seq 1 "$n"); do
    /usr/bin/time -f "%U %S %M" -o "$dir/$i.time" rtmpdump -q --live -r "$url" -o "$dir/$i.flv" >/dev/null 2>&1 &
    tpids+=($!)
  done
  sleep 2
  ffmpeg -nostdin -hide_banner -loglevel error -re -i "$src" -c copy -f flv "$url"
  # They exit by themselves at the stream's end; those that do not get a SIGINT (by pid).
  for i in $(seq 100); do
    pgrep -P $$ -x time >/dev/null || break
    sleep 0.1
  done
  for i in "${tpids[@]}"; do
    kill -INT $(pgrep -P "$i") 2>/dev/null || true
  done
  for i in "${tpids[@]}"; do wait "$i" 2>/dev/null || true; done
  cpu=$(cat "$dir"/*.time | awk '/^[0-9.]+ [0-9.]+ [0-9]+$/ { c += $1 + $2 } END { printf "%.3f", c }')
  rss=$(cat "$dir"/*.time | awk '/^[0-9.]+ [0-9.]+ [0-9]+$/ { r += $3 } END { printf "%.1f", r / 1024 }')
  lost=$(scale_lost "$dir" "$n" "$src")
  printf '%-22s %5s %10s %14s %14s %14s %10s\n' "rtmpdump ($n processes)" "$n" "$cpu" \
    "$(awk -v c="$cpu" -v n="$n" -v s="$secs" 'BEGIN { printf "%.2f", c * 1000 / n / s }')" "$rss (sum)" \
    "$(awk -v r="$rss" -v n="$n" 'BEGIN { printf "%.2f", r / n }')" "$lost"
  [ -n "$ours_cpu" ] && echo "ratios rtmp-dump/rtmpdump at N=$n: cpu $(ratio "$ours_cpu" "$cpu"), peak rss $(ratio "$ours_rss" "$rss")"
}


# timed NAME CMD...: runs CMD in the foreground under GNU time; sets WALL CPU RSS_MB.
# A run that fails is reported, and makes the whole benchmark exit non-zero: figures of a
# command that gave up early would look excellent.
BENCH_FAILED=0
timed() {
  local name=$1 rc=0; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "bench: $name failed (exit $rc): $(grep -v '^Command exited' "$work/$name.err" | tail -n 1)" >&2
    BENCH_FAILED=1
  fi
  read -r WALL u s rss < <(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$work/$name.time")
  CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  RSS_MB=$(awk -v r="$rss" 'BEGIN { printf "%.1f", r / 1024 }')
}

bench_push() {
  local src url base=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live
  src=$(media_1080p 120)
  echo
  echo "== unpaced publish, -c copy: 2 min of 1080p30 6 Mbit/s FLV ($(du -m "$src" | cut -f1) MB) to nginx-rtmp"
  printf '%-10s %8s %8s %12s\n' tool wall_s cpu_s peak_rss_MB
  declare -A wall cpu rss late
  local run tool
  for run in 1 2 3; do
    timed rtmp-push "$build/cli/rtmp-push" -q --no-pace "$src" "$base/np-ours-$run-$$"
    wall[rtmp-push]+="$WALL "; cpu[rtmp-push]+="$CPU "; rss[rtmp-push]=$RSS_MB
    timed ffmpeg ffmpeg -nostdin -hide_banner -loglevel error -i "$src" -c copy -f flv "$base/np-ffmpeg-$run-$$"
    wall[ffmpeg]+="$WALL "; cpu[ffmpeg]+="$CPU "; rss[ffmpeg]=$RSS_MB
  done
  median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  for tool in rtmp-push ffmpeg; do
    wall[$tool]=$(echo "${wall[$tool]}" | median); cpu[$tool]=$(echo "${cpu[$tool]}" | median)
    printf '%-10s %8s %8s %12s\n' "$tool" "${wall[$tool]}" "${cpu[$tool]}" "${rss[$tool]}"
  done
  echo "(median of 3 runs each, alternating)"
  echo "ratios rtmp-push/ffmpeg: wall $(ratio "${wall[rtmp-push]}" "${wall[ffmpeg]}"), cpu $(ratio "${cpu[rtmp-push]}" "${cpu[ffmpeg]}"), peak rss $(ratio "${rss[rtmp-push]}" "${rss[ffmpeg]}")"

  echo
  echo "== encoding: 20 s of lavfi testsrc2 720p30 + a 1 kHz tone to H.264 veryfast 2500k GOP 60 / AAC 128k, live-paced, to nginx-rtmp"
  echo "   (the same generated input and settings for both; rtmp-push's own testsrc for reference)"
  printf '%-16s %8s %12s %14s %12s\n' tool cpu_s peak_rss_MB late_median_ms late_p95_ms
  local lavfi_v="testsrc2=size=1280x720:rate=30" lavfi_a="sine=frequency=1000:sample_rate=48000"
  for tool in rtmp-push ffmpeg rtmp-push-testsrc; do
    local name=enc-$tool-$$
    # The receiver waits on the stream first; it reads the publisher's start time from a
    # file when the first frame arrives.
    ( "$build/cli/rtmp-dump" -q "$base/$name" -o - 2>/dev/null | python3 scripts/flv_latency.py "$work/start-$tool" >"$work/lat-$tool" ) &
    local recv=$!
    sleep 1
    date +%s.%N >"$work/start-$tool"
    case $tool in
    rtmp-push)
      timed "$tool" "$build/cli/rtmp-push" -q --pace --duration 20 -f lavfi "$lavfi_v" -f lavfi "$lavfi_a" \
        --preset veryfast --video-bitrate 2500 --gop 60 --audio-bitrate 128 "$base/$name" ;;
    ffmpeg)
      timed "$tool" ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i "$lavfi_v" \
        -re -f lavfi -i "$lavfi_a" -t 20 -c:v libx264 -preset veryfast -b:v 2500k \
        -g 60 -c:a aac -b:a 128k -f flv "$base/$name" ;;
    rtmp-push-testsrc)
      timed "$tool" "$build/cli/rtmp-push" -q --duration 20 --size 1280x720 --fps 30 --preset veryfast "testsrc" "$base/$name" ;;
    esac
    wait "$recv" 2>/dev/null || true
    cpu[$tool]=$CPU late[$tool]=$(sed -n 's/.*median_ms=\([^ ]*\).*/\1/p' "$work/lat-$tool")
    printf '%-16s %8s %12s %14s %12s\n' "$tool" "$CPU" "$RSS_MB" "${late[$tool]}" \
      "$(sed -n 's/.*p95_ms=\([^ ]*\).*/\1/p' "$work/lat-$tool")"
  done
  echo "late = arrival at a receiver (rtmp-dump through nginx) minus the frame's due time from the publisher's start"
  echo "ratios rtmp-push/ffmpeg (same input): cpu $(ratio "${cpu[rtmp-push]}" "${cpu[ffmpeg]}"), late median $(ratio "${late[rtmp-push]:-}" "${late[ffmpeg]:-}")"
}

# Playing: time to first picture and glass-to-glass latency (median, 95th percentile) of
# rtmp-play (default, and --latency 100), ffplay (default, and -fflags nobuffer -flags
# low_delay -framedrop) and mpv --profile=low-latency (Debian's mpv, installed here when
# missing) on one live stream through node-media-server, one player at a time on a
# private Xvfb; then rtmp-play's latency budget against what the screen shows; then CPU
# and peak RSS of each while playing 1080p30 through nginx-rtmp. Latency is read off the
# screen: rtmp-push testsrc draws each frame's number as a strip of blocks
# (tests/integration/strip_reader.py reads it off the window) and sends its wall clock
# once a second (onFI, recorded here by rtmp-dump): the frame's time on the publisher's
# clock is subtracted from the time of the screenshot (its middle). The publisher paces
# its frames, so its own delay (capture to sending) is not in the figures.
PLAYERS_ALL="rtmp-play rtmp-play-100 ffplay ffplay-lowdelay mpv-lowlatency"

# play_cmd TOOL URL: the command line of one player.
play_cmd() {
  case $1 in
    rtmp-play) echo "$build/cli/rtmp-play -q $2" ;;
    rtmp-play-100) echo "$build/cli/rtmp-play -q --latency 100 $2" ;;
    ffplay) echo "ffplay -hide_banner -nostats $2" ;;
    ffplay-lowdelay) echo "ffplay -hide_banner -nostats -fflags nobuffer -flags low_delay -framedrop $2" ;;
    mpv-lowlatency) echo "mpv --no-terminal --profile=low-latency --ao=sdl $2" ;;
  esac
}

# stats LIST: "median p95" (nearest rank) of the numbers in LIST, or "n/a n/a".
stats() {
  echo "$1" | tr ' ' '\n' | { grep -E '^-?[0-9]+$' || true; } | sort -n |
    awk '{ v[n++] = $1 } END { if (!n) { print "n/a n/a"; exit }
         i = int(0.95 * n + 0.999999) - 1; print v[int((n - 1) / 2)], v[i] }'
}

# ratio_line LABEL A B GOAL: "LABEL A/B = R (goal <= GOAL)".
ratio_line() {
  printf '%-58s %s\n' "$1" "$(num_ratio "$2" "$3") (goal <= $4)"
}

bench_play() {
  local play_seconds=${BENCH_PLAY_SECONDS:-30} samples=${BENCH_PLAY_SAMPLES:-40}
  local disp=$((100 + RANDOM % 400)) name url tool nms=rtmp://127.0.0.1:$RTMPKIT_NMS_PORT/live
  local -a players
  read -r -a players <<<"${BENCH_PLAYERS:-$PLAYERS_ALL}"
  [ -x "$build/cli/rtmp-play" ] || { echo "bench: $build/cli/rtmp-play not built" >&2; return 1; }
  if [[ " ${players[*]} " == *" mpv-lowlatency "* ]] && ! command -v mpv >/dev/null; then
    echo "bench: installing mpv (Debian's) for the comparison" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mpv >/dev/null 2>&1 ||
      { echo "bench: mpv not installable: left out" >&2; read -r -a players <<<"$(echo "${players[*]}" | sed 's/mpv-lowlatency//')"; }
  fi
  Xvfb ":$disp" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
  local xvfb=$!
  export DISPLAY=:$disp SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=/dev/null
  sleep 1
  name=benchplay$$
  url=$nms/$name
  echo
  echo "== playing: rtmp-push testsrc 640x360 30 fps (x264 ultrafast, GOP 2 s) + AAC through node-media-server"
  # The recording first: its onFI timecodes give the publisher's clock for each frame.
  "$build/cli/rtmp-dump" -q "$url" -o "$work/play.flv" 2>/dev/null &
  local dump=$!
  sleep 0.5
  "$build/cli/rtmp-push" -q --preset ultrafast --size 640x360 --fps 30 --duration 3600 testsrc "$url" \
    >"$work/play-publisher.log" 2>&1 &
  local publisher=$!
  sleep 3
  local read_secs
  read_secs=$(awk -v n="$samples" 'BEGIN { printf "%.1f", 4 + n * 0.15 }')
  for tool in "${players[@]}"; do
    local pid win="" i
    echo "$(date +%s%3N)" >"$work/start-$tool"
    # shellcheck disable=SC2046
    $(play_cmd "$tool" "$url") >"$work/play-$tool.log" 2>&1 &
    pid=$!
    for i in $(seq 200); do
      win=$(xwininfo -root -tree 2>/dev/null | grep -F "$name" | head -n1 | awk '{ print $1 }' || true)
      [ -n "$win" ] && break
      sleep 0.05
    done
    python3 tests/integration/strip_reader.py "${win:-0}" 640x360 "$read_secs" 0.05 >"$work/strip-$tool.txt" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  kill -TERM "$publisher" "$dump" 2>/dev/null || true
  wait "$publisher" "$dump" 2>/dev/null || true
  for tool in "${players[@]}"; do
    python3 tests/integration/strip_latency.py "$work/play.flv" "$work/strip-$tool.txt" 30 >"$work/g2g-$tool.txt" || true
  done
  python3 - "$work" "$samples" "${players[@]}" >"$work/play-table.txt" <<'PY'
import sys
work, samples, players = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def q(v, p):
    v = sorted(v)
    return '%.0f' % v[max(0, min(len(v) - 1, int(p * len(v) + 0.999999) - 1))] if v else 'n/a'
print('%-16s %16s %14s %14s %10s' % ('player', 'first_picture_ms', 'g2g_median_ms', 'g2g_p95_ms', 'samples'))
for p in players:
    start = int(open('%s/start-%s' % (work, p)).read())
    first, lat = None, []
    for line in open('%s/g2g-%s.txt' % (work, p)):
        t, n, g = line.split()
        if n == '-':
            continue
        first = first or int(t)
        if int(t) >= first + 3000 and len(lat) < samples:
            lat.append(int(g))
    print('%-16s %16s %14s %14s %10d' % (p, first - start if first else 'timeout', q(lat, 0.5), q(lat, 0.95), len(lat)))
PY
  cat "$work/play-table.txt"
  echo "(first picture: from the player's start to the first screenshot showing a frame; glass to glass: the"
  echo " publisher's clock for the frame on screen (its onFI, recorded by rtmp-dump) to the screenshot, $samples"
  echo " screenshots from 3 s after the first picture, each up to a frame interval after the picture was shown)"
  local -A ttfp lat_med
  while read -r tool f m _; do ttfp[$tool]=$f; lat_med[$tool]=$m; done < <(tail -n +2 "$work/play-table.txt")
  ratio_line "glass to glass, rtmp-play --latency 100 / ffplay low-delay:" "${lat_med[rtmp-play-100]:-}" "${lat_med[ffplay-lowdelay]:-}" 0.8
  ratio_line "glass to glass, rtmp-play / ffplay low-delay:" "${lat_med[rtmp-play]:-}" "${lat_med[ffplay-lowdelay]:-}" 1.0
  ratio_line "glass to glass, rtmp-play --latency 100 / mpv low-latency:" "${lat_med[rtmp-play-100]:-}" "${lat_med[mpv-lowlatency]:-}" 1.0
  ratio_line "first picture, rtmp-play / ffplay:" "${ttfp[rtmp-play]:-}" "${ttfp[ffplay]:-}" 0.5
  ratio_line "first picture, rtmp-play --latency 100 / ffplay:" "${ttfp[rtmp-play-100]:-}" "${ttfp[ffplay]:-}" 0.5
  ratio_line "first picture, rtmp-play --latency 100 / ffplay low-delay:" "${ttfp[rtmp-play-100]:-}" "${ttfp[ffplay-lowdelay]:-}" 0.5

  bench_play_budget
  bench_play_cpu "$play_seconds" "${players[@]}"
  kill -TERM "$xvfb" 2>/dev/null || true
}

# rtmp-play --latency 100's budget against the screen: rtmp-push testsrc (its frame number
# in blocks, onFI timecodes once a second) through node-media-server, read off the window
# for BENCH_BUDGET_SECONDS (60) by tests/integration/strip_reader.py; the publisher's clock
# for each frame from an rtmp-dump recording's onFI.
bench_play_budget() {
  local secs=${BENCH_BUDGET_SECONDS:-60} name=budget$$ nms=rtmp://127.0.0.1:$RTMPKIT_NMS_PORT/live
  echo
  echo "== rtmp-play --latency 100's latency budget vs the screen: rtmp-push testsrc 640x360 30 fps (x264 ultrafast) through node-media-server, ${secs} s"
  "$build/cli/rtmp-dump" -q "$nms/$name" -o "$work/budget.flv" 2>/dev/null &
  local dump=$!
  sleep 0.5
  "$build/cli/rtmp-push" -q --preset ultrafast --size 640x360 --fps 30 --duration $((secs + 15)) testsrc "$nms/$name" \
    >"$work/budget-push.log" 2>&1 &
  local push=$!
  sleep 1
  "$build/cli/rtmp-play" --latency 100 --stats=json --duration $((secs + 8)) --title "budget-$name" "$nms/$name" \
    2>"$work/budget-play.err" >/dev/null &
  local play=$! win="" i
  for i in $(seq 100); do
    win=$(xwininfo -root -tree | grep "\"budget-$name\"" | head -n1 | awk '{ print $1 }' || true)
    [ -n "$win" ] && break
    sleep 0.1
  done
  sleep 5
  python3 tests/integration/strip_reader.py "${win:-0}" 640x360 "$secs" 0.1 >"$work/budget-strip.txt" 2>/dev/null || true
  wait "$play" 2>/dev/null || true
  kill -TERM "$push" "$dump" 2>/dev/null || true
  wait "$push" "$dump" 2>/dev/null || true
  python3 tests/integration/strip_latency.py "$work/budget.flv" "$work/budget-strip.txt" 30 >"$work/budget-g2g.txt" || true
  python3 - "$work/budget-g2g.txt" "$work/budget-play.err" <<'PY'
import json, sys
def q(v, p):
    v = sorted(v)
    return v[max(0, min(len(v) - 1, int(p * len(v) + 0.999999) - 1))] if v else float('nan')
rows = [l.split() for l in open(sys.argv[1])]
screen = [int(r[2]) for r in rows if r[1] != '-']
lines = [json.loads(l) for l in open(sys.argv[2]) if l.startswith('{')]
steady = [s for s in lines if s['t_ms'] >= 5000 and 'latency_ms' in s and 'send_arrive_ms' in s]
def med(key):
    return q([s[key] for s in steady], 0.5)
print("screenshots read: %d of %d; budget lines: %d" % (len(screen), len(rows), len(steady)))
print("%-34s %8s %8s" % ("glass to glass (ms)", "median", "p95"))
print("%-34s %8.0f %8.0f" % ("read off the screen", q(screen, 0.5), q(screen, 0.95)))
print("%-34s %8.0f %8.0f" % ("rtmp-play's budget (latency_ms)", med('latency_ms'), q([s.get('latency_p95_ms', 0) for s in steady], 0.5)))
for key in ('send_arrive', 'arrive_decode', 'decode_show', 'wait', 'overdue', 'held', 'audio_device'):
    print("  %-32s %8.0f %8.0f" % (key, med(key + '_ms'), q([s.get(key + '_p95_ms', 0) for s in steady], 0.5)))
stages = med('send_arrive_ms') + med('arrive_decode_ms') + med('decode_show_ms')
print("stages' medians add up to %.0f ms; the budget's glass to glass is %.0f ms: %+.0f ms (goal: within 20)"
      % (stages, med('latency_ms'), stages - med('latency_ms')))
# A screenshot sees a picture between 0 and a frame interval after it was shown: 17 ms
# later on average at 30 fps.
d = q(screen, 0.5) - med('latency_ms')
print("screen minus budget glass to glass: %+.0f ms; less the picture's mean age on screen (17 ms): %+.0f ms"
      " (goal: within 20)" % (d, d - 17))
if lines:
    last, first = lines[-1], next((s for s in lines if s['t_ms'] >= 5000), lines[0])
    shown = last['shown'] - first['shown']
    late, rep = last['late'] - first['late'], last['repeated'] - first['repeated']
    print("pictures from 5 s in: %d shown, %d late (%.2f%%), %d repeated (%.2f%%), %d dropped (goal: < 1%% late"
          " or repeated)" % (shown, late, 100.0 * late / max(1, shown), rep, 100.0 * rep / max(1, shown),
                             last['dropped'] - first['dropped']))
PY
}

# bench_play_cpu SECONDS PLAYERS...: CPU and peak memory, 1080p30 for SECONDS s, one
# player at a time.
bench_play_cpu() {
  local play_seconds=$1 src tool url; shift
  src=$(seconds=$((play_seconds + 5)); media_1080p)
  echo
  echo "== playing 1080p30 6 Mbit/s H.264 + AAC for $play_seconds s, one player at a time (window on Xvfb, audio to SDL's disk driver)"
  declare -A cpu rss
  for tool in "$@"; do
    url=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live/benchhd$$$tool
    # shellcheck disable=SC2046
    measure "play-$tool" $(play_cmd "$tool" "$url")
    sleep 1
    ffmpeg -nostdin -hide_banner -loglevel error -re -i "$src" -t "$play_seconds" -c copy -f flv "$url" || true
    kill -TERM "${CMD_PID[play-$tool]}" 2>/dev/null || true
    # A player blocked in a read may not end on SIGTERM (mpv): SIGKILL after 5 s.
    local i
    for i in $(seq 50); do kill -0 "${CMD_PID[play-$tool]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${CMD_PID[play-$tool]}" 2>/dev/null || true
    wait "${TIME_PID[play-$tool]}" 2>/dev/null || true
    read -r cpu[$tool] rss[$tool] <<<"$(cpu_rss "play-$tool")"
  done
  printf '%-16s %8s %12s\n' player cpu_s peak_rss_MB
  for tool in "$@"; do
    printf '%-16s %8s %12s\n' "$tool" "${cpu[$tool]}" "${rss[$tool]}"
  done
  local other
  for other in ffplay ffplay-lowdelay mpv-lowlatency; do
    [ -n "${cpu[$other]:-}" ] || continue
    printf 'ratios rtmp-play --latency 100/%-16s cpu %s, peak rss %s\n' "$other:" \
      "$(num_ratio "${cpu[rtmp-play-100]:-}" "${cpu[$other]}")" "$(num_ratio "${rss[rtmp-play-100]:-}" "${rss[$other]}")"
  done
}

# One input to several destinations: rtmp-push encoding its testsrc (720p30, veryfast)
# to 1, 2 and 4 streams on nginx-rtmp (two rounds, alternating; the median CPU of each),
# then to 4 with the last one through tests/servers/fault_proxy.py black-holed for 5 s
# and cut: what the other three delivered, counted by rtmp-dump recorders (goal: every
# frame). Goal: CPU with 4 destinations at most 1.2 x CPU with 1 (the encoding is done
# once; each destination only adds its sending).
bench_scale_push() {
  local base=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live n round i tool urls
  local proxy_port=${BENCH_PROXY_PORT:-19597} ctl_port=${BENCH_PROXY_CTL_PORT:-19598}
  local -a enc=(--duration "$seconds" --size 1280x720 --fps 30 --preset veryfast testsrc)
  declare -A cpus
  median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  echo
  echo "== one input, several destinations: rtmp-push testsrc 720p30 veryfast, $seconds s, to N streams on nginx-rtmp"
  for round in 1 2; do
    for n in 1 2 4; do
      urls=()
      for ((i = 1; i <= n; i++)); do urls+=("$base/scale-$n-$round-$i-$$"); done
      timed "push-$n" "$build/cli/rtmp-push" -q "${enc[@]}" "${urls[@]}"
      cpus[$n]+="$CPU "
    done
  done
  printf '%-14s %8s\n' destinations cpu_s
  for n in 1 2 4; do
    cpus[$n]=$(echo "${cpus[$n]}" | median)
    printf '%-14s %8s\n' "$n" "${cpus[$n]}"
  done
  echo "(median of 2 runs each, alternating)"
  echo "ratios: cpu 2/1 $(ratio "${cpus[2]}" "${cpus[1]}"), cpu 4/1 $(ratio "${cpus[4]}" "${cpus[1]}") (goal <= 1.2)"

  echo
  echo "== 4 destinations, the 4th through a proxy black-holed 4 s in for 5 s, then cut; rtmp-dump records each"
  python3 tests/servers/fault_proxy.py --port "$proxy_port" --target "$RTMPKIT_NGINX_PORT" \
    --control "$ctl_port" --timeout $((seconds + 60)) >"$work/proxy.log" 2>&1 &
  for i in $(seq 50); do grep -q listening "$work/proxy.log" && break; sleep 0.1; done
  urls=()
  local -a recs=()
  for i in 1 2 3 4; do
    # The 4th recorder waits out the cut (--wait) and is stopped after the push.
    "$build/cli/rtmp-dump" -q $([ "$i" = 4 ] && echo --wait) "$base/stall-$i-$$" -o "$work/stall-$i.flv" \
      2>"$work/stall-rec-$i.err" &
    recs+=($!)
    if [ "$i" = 4 ]; then urls+=("rtmp://127.0.0.1:$proxy_port/live/stall-$i-$$"); else urls+=("$base/stall-$i-$$"); fi
  done
  sleep 1
  "$build/cli/rtmp-push" -v --timeout 3 "${enc[@]}" "${urls[@]}" 2>"$work/stall-push.err" &
  local push=$!
  sleep 4; echo blackhole >"/dev/tcp/127.0.0.1/$ctl_port"
  sleep 5; echo reset >"/dev/tcp/127.0.0.1/$ctl_port"
  wait "$push" || { echo "bench: the push with a stalled destination failed: $(tail -n 1 "$work/stall-push.err")" >&2; BENCH_FAILED=1; }
  sleep 3; kill -INT "${recs[3]}" 2>/dev/null || true
  for i in 1 2 3 4; do wait "${recs[$((i - 1))]}" 2>/dev/null || true; done
  printf '%-12s %14s %14s\n' destination video_recorded video_sent
  for i in 1 2 3 4; do
    printf '%-12s %14s %14s\n' "$i$([ "$i" = 4 ] && echo ' (stalled)')" \
      "$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$work/stall-$i.flv" 2>/dev/null)" \
      "$(grep -E "destination #$i " "$work/stall-push.err" | sed -n 's/.*, \([0-9]*\) video and.*/\1/p')"
  done
  echo "expected video frames: $((seconds * 30)); summary:"
  grep -E 'destination #[0-9] .*: sent' "$work/stall-push.err" | sed 's/^/  /'
}

# num_ratio A B: A / B, or n/a when either is not a number.
num_ratio() {
  if [[ "$1" =~ ^[0-9.]+$ && "$2" =~ ^[0-9.]+$ ]]; then ratio "$1" "$2"; else echo n/a; fi
}

# A soak, not a race: rtmp-push testsrc -> nginx-rtmp -> rtmp-play (Xvfb) and rtmp-dump,
# all three through one fault proxy that resets every connection every SOAK_RESET_MINUTES
# (5), for SOAK_MINUTES (30). Reports each command's peak RSS at 5 minutes and at the end,
# rtmp-play's A/V offset and glass-to-glass latency per 5 minutes, reconnects, and the
# frames lost per outage (sent by the publisher minus recorded by rtmp-dump).
bench_soak() {
  local minutes=${SOAK_MINUTES:-30} every=${SOAK_RESET_MINUTES:-5}
  local proxy_port=$((RTMPKIT_NGINX_PORT + 40)) control=$((RTMPKIT_NGINX_PORT + 41))
  local disp=$((100 + RANDOM % 400)) name=soak$$ url
  url=rtmp://127.0.0.1:$proxy_port/live/$name
  echo
  echo "== soak: rtmp-push testsrc 640x360 30 fps -> nginx-rtmp -> rtmp-play and rtmp-dump for $minutes min,"
  echo "   every connection reset by a proxy every $every min"
  python3 tests/servers/fault_proxy.py --port "$proxy_port" --target "$RTMPKIT_NGINX_PORT" --control "$control" \
    --timeout $((minutes * 60 + 300)) \
    >"$work/soak-proxy.log" 2>&1 &
  local proxy=$! i
  for i in $(seq 50); do grep -q listening "$work/soak-proxy.log" && break; sleep 0.1; done
  Xvfb ":$disp" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
  local xvfb=$!
  sleep 1
  "$build/cli/rtmp-push" -q --size 640x360 --fps 30 --duration $((minutes * 60 + 60)) \
    --stats=json --stats-file "$work/soak-push.json" testsrc "$url" >"$work/soak-push.log" 2>&1 &
  local push=$!
  sleep 2
  "$build/cli/rtmp-dump" -q --stats=json --stats-file "$work/soak-dump.json" "$url" -o "$work/soak.flv" \
    >"$work/soak-dump.log" 2>&1 &
  local dump=$!
  DISPLAY=:$disp SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=/dev/null \
    "$build/cli/rtmp-play" --stats=json "$url" >"$work/soak-play.log" 2>"$work/soak-play.json" &
  local play=$!
  local start=$SECONDS next_reset=$((every * 60)) rss5="" resets=0
  hwm() { local p; for p in "$@"; do awk '/VmHWM/ { printf "%.1f ", $2 / 1024 }' "/proc/$p/status" 2>/dev/null || printf 'gone '; done; }
  while [ $((SECONDS - start)) -lt $((minutes * 60)) ]; do
    sleep 5
    local t=$((SECONDS - start))
    [ -z "$rss5" ] && [ "$t" -ge 300 ] && rss5=$(hwm "$push" "$dump" "$play")
    if [ "$t" -ge "$next_reset" ] && [ "$t" -lt $((minutes * 60 - 30)) ]; then
      echo "reset" >"/dev/tcp/127.0.0.1/$control" && resets=$((resets + 1))
      next_reset=$((next_reset + every * 60))
    fi
  done
  local rss_end
  rss_end=$(hwm "$push" "$dump" "$play")
  [ -n "$rss5" ] || rss5=$rss_end
  kill -INT "$push" 2>/dev/null || true
  wait "$push" 2>/dev/null || true
  sleep 3
  kill -INT "$dump" "$play" 2>/dev/null || true
  wait "$dump" "$play" 2>/dev/null || true
  kill -TERM "$proxy" "$xvfb" 2>/dev/null || true
  read -r -a r5 <<<"$rss5"; read -r -a re <<<"$rss_end"
  printf '%-10s %16s %16s %11s\n' command peak_rss_5min_MB peak_rss_end_MB reconnects
  local last
  for c in push dump play; do
    case $c in push) i=0 ;; dump) i=1 ;; play) i=2 ;; esac
    last=$( { [ "$c" = play ] && grep '^{' "$work/soak-play.json" || cat "$work/soak-$c.json"; } | tail -n 1)
    printf '%-10s %16s %16s %11s\n' "rtmp-$c" "${r5[$i]}" "${re[$i]}" "$(echo "$last" | sed -n 's/.*"reconnects":\([0-9]*\).*/\1/p')"
  done
  python3 - "$work" "$resets" "$every" <<'PY'
import json, subprocess, sys
work, resets, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def lines(path):
    out = []
    for l in open(path, errors="replace"):
        if l.startswith("{"):
            try: out.append(json.loads(l))
            except ValueError: pass
    return out
push = lines(work + "/soak-push.json")
sent = push[-1]["video_frames"] if push else 0
# Frames lost: the recording keeps each outage as the time that passed, so every frame
# interval missing from its video timestamps is a frame lost (the start is not counted).
pts = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts",
                      "-of", "csv=p=0", work + "/soak.flv"], capture_output=True, text=True).stdout.split()
pts = sorted(int(p) for p in pts if p.lstrip("-").isdigit())
gaps = [b - a for a, b in zip(pts, pts[1:]) if b - a > 50]
lost = sum(round(g / (1000 / 30)) - 1 for g in gaps)
print("resets: %d; video frames sent by rtmp-push %d (dropped by it %d), recorded by rtmp-dump %d;"
      % (resets, sent, push[-1]["dropped"] if push else 0, len(pts)))
print("gaps in the recording: %s ms: %d frames lost, %.1f per outage"
      % (" ".join(str(g) for g in gaps) or "none", lost, lost / resets if resets else lost))
play = [l for l in lines(work + "/soak-play.json") if l.get("state") == "playing"]
def med(v):
    v = sorted(v); return v[len(v) // 2] if v else None
# nginx-rtmp does not pass the publisher's onFI on, so no glass to glass here: the
# player's own part of the latency (newest media received to the picture shown).
print("%-12s %14s %14s %14s %18s" % ("play minutes", "av_offset_ms", "av_max_ms", "held_median_ms", "audio_silence_ms"))
span = every * 60000
for k in range(0, (play[-1]["t_ms"] // span + 1) if play else 0):
    part = [l for l in play if k * span <= l["t_ms"] < (k + 1) * span]
    if part:
        print("%-12s %14s %14s %14s %18s" % ("%d-%d" % (k * every, (k + 1) * every),
              med([l["av_offset_ms"] for l in part]), max(abs(l["av_max_ms"]) for l in part),
              med([l["held_ms"] for l in part if "held_ms" in l]), part[-1].get("audio_silence_ms")))
PY
}

# Codecs (issue 10). First a matrix: rtmp-push encodes its testsrc to each video x audio
# pair (BENCH_CODEC_PAIRS) for BENCH_MATRIX_SECONDS (4), live-paced, and publishes it in one
# run to three destinations: node-media-server (app live), nginx-rtmp app live (wait_key
# on, its default) and app nowaitkey (wait_key off); on each an rtmp-dump and an rtmp-play
# --no-display started before the push. Per destination: frames recorded and decoded
# against those sent, the FourCCs of the recorded sequence starts (tests/integration/
# flvinfo.py), and the Enhanced RTMP capabilities the server echoed (rtmp-push -v).
# Then CPU: each video codec encoded by rtmp-push against ffmpeg with the same encoder and
# the settings rtmp-push gives it (codecs/push/encode.c), on the same generated input.
CODEC_PAIRS_ALL="h264:aac h264:opus h264:flac hevc:aac hevc:opus hevc:flac av1:aac av1:opus av1:flac vp9:aac vp9:opus vp9:flac h264+enhanced:aac"

# codec_recording FLV: "video_frames audio_frames video_start audio_start" of a recording,
# a start as its FourCC, "(legacy)" after it for a legacy FLV header, "-" when none.
codec_recording() {
  python3 - "$1" "$root/tests/integration" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[2])
import flvinfo
data = open(sys.argv[1], "rb").read() if os.path.exists(sys.argv[1]) else b""
frames, start = {"v": 0, "a": 0}, {"v": "-", "a": "-"}
if data[:3] == b"FLV":
    for ttype, ts, body in flvinfo.tags(data):
        if ttype not in (8, 9) or not body:
            continue
        enhanced = (ttype == 9 and body[0] & 0x80) or (ttype == 8 and body[0] >> 4 == 9)
        kind = "v" if ttype == 9 else "a"
        for track, fourcc, packet, key, cts, payload in (
                flvinfo.enhanced_tracks(ttype, body) if enhanced else [flvinfo.legacy_track(ttype, body)]):
            if packet == "frame":
                frames[kind] += 1
            elif packet == "start" and start[kind] == "-":
                start[kind] = fourcc + ("" if enhanced else "(legacy)")
print(frames["v"], frames["a"], start["v"], start["a"])
PY
}

bench_codecs_matrix() {
  local secs=${BENCH_MATRIX_SECONDS:-4} pair v a d i name pid
  local -a pairs dests=(nms nginx nginx-nowaitkey) urls opts pids
  local -A caps
  read -r -a pairs <<<"${BENCH_CODEC_PAIRS:-$CODEC_PAIRS_ALL}"
  echo
  echo "== codec matrix: rtmp-push testsrc 640x360 30 fps encoded to each pair, $secs s live-paced, one push to three"
  echo "   destinations: node-media-server app live, nginx-rtmp app live (wait_key on, its default), nginx-rtmp"
  echo "   app nowaitkey (wait_key off); on each an rtmp-dump and an rtmp-play --no-display started 1 s before"
  printf '%-18s %-16s %-8s %11s %11s %-16s %-16s %11s\n' pair server arrived video_rec audio_rec video_start \
    audio_start decoded_v/a
  for pair in "${pairs[@]}"; do
    v=${pair%%:*} a=${pair##*:} opts=()
    [ "$v" = h264+enhanced ] && { v=h264; opts=(--enhanced); }
    name=codecs-${pair//[:+]/-}-$$
    urls=("rtmp://127.0.0.1:$RTMPKIT_NMS_PORT/live/$name" "rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live/$name"
          "rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/nowaitkey/$name")
    pids=()
    for i in 0 1 2; do
      "$build/cli/rtmp-dump" -q "${urls[$i]}" -o "$work/$name-$i.flv" 2>"$work/$name-$i.dump.err" &
      pids+=($!)
      "$build/cli/rtmp-play" --no-display "${urls[$i]}" >"$work/$name-$i.play.log" 2>&1 &
      pids+=($!)
    done
    sleep 1
    timeout -k 2 $((secs + 60)) "$build/cli/rtmp-push" -v --duration "$secs" --size 640x360 --fps 30 \
      --video-codec "$v" --audio-codec "$a" "${opts[@]}" testsrc "${urls[@]}" >"$work/$name.push.log" 2>&1 ||
      { echo "bench: the push of $pair failed: $(grep -v '^Svt' "$work/$name.push.log" | tail -n 1)" >&2; BENCH_FAILED=1; }
    # Recorders and players end by themselves when the stream ends (rtmp-dump at the
    # latest after its 5 s --end-timeout); those that do not get a SIGINT after 15 s.
    for i in $(seq 150); do
      local running=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && running=1; done
      [ "$running" = 0 ] && break
      sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for i in 0 1 2; do
      local sent_v sent_a rec_v rec_a start_v start_a dec_v dec_a arrived
      read -r sent_v sent_a < <(sed -n "s/.*destination #$((i + 1)) .*: sent [0-9.]* s, \([0-9]*\) video and \([0-9]*\) audio frames.*/\1 \2/p" \
        "$work/$name.push.log" | head -n1; echo)
      read -r rec_v rec_a start_v start_a <<<"$(codec_recording "$work/$name-$i.flv")"
      dec_v=$(sed -n 's/^decoded .*video_frames=\([0-9]*\).*/\1/p' "$work/$name-$i.play.log")
      dec_a=$(sed -n 's/^decoded .*audio_frames=\([0-9]*\).*/\1/p' "$work/$name-$i.play.log")
      if [ -z "$sent_v" ] || [ "$rec_v$rec_a" = 00 ]; then arrived=no
      elif [ "$rec_v" = "$sent_v" ] && [ "$rec_a" = "$sent_a" ] && [ "${dec_v:-}" = "$sent_v" ] &&
           [ "${dec_a:-}" = "$sent_a" ]; then arrived=yes
      else arrived=partly
      fi
      printf '%-18s %-16s %-8s %11s %11s %-16s %-16s %11s\n' "$pair" "${dests[$i]}" "$arrived" \
        "$rec_v/${sent_v:-?}" "$rec_a/${sent_a:-?}" "$start_v" "$start_a" "${dec_v:-?}/${dec_a:-?}"
      d=$(sed -n "s/^rtmp-push #$((i + 1)): server's Enhanced RTMP capabilities: //p" "$work/$name.push.log" | head -n1)
      caps[${dests[$i]}]+="${d:-(not connected)}"$'\n'
    done
  done
  echo "(arrived: yes = every frame sent was recorded and decoded by the player; video_rec, audio_rec: frames"
  echo " recorded / sent; *_start: the FourCC of the first sequence start in the recording, (legacy) for a legacy"
  echo " FLV header; decoded: frames rtmp-play --no-display decoded, video/audio)"
  echo "Enhanced RTMP capabilities each server echoed in its connect _result (rtmp-push -v; \"none\": no"
  echo "fourCcList, videoFourCcInfoMap, audioFourCcInfoMap or capsEx in it), over the ${#pairs[@]} connections each:"
  for d in "${dests[@]}"; do
    printf '  %-16s %s\n' "$d:" "$(printf '%s' "${caps[$d]}" | sort | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%s (%d)", sep, substr($0, 2), n; sep = ", " }')"
  done
}

# codec_ffmpeg_args CODEC KBPS GOP PRESET: ffmpeg's encoder options for what rtmp-push
# sets for CODEC (codecs/push/encode.c: video_options, venc_setup): x264's preset names
# mapped to SVT-AV1 presets and libvpx cpu-used as its table does, maxrate = bitrate and
# a buffer of 2 s except for SVT-AV1 (VBR). rtmp-push sets no thread count, so each
# encoder has the one avcodec_alloc_context3 gives it: 0 (auto) for libx264, whose
# defaults say so, 1 for the others; ffmpeg's own default is auto for every encoder.
codec_ffmpeg_args() {
  local codec=$1 kbps=$2 gop=$3 preset=$4 svt vpx
  case $preset in
    ultrafast) svt=12 vpx=8 ;; superfast) svt=11 vpx=8 ;; veryfast) svt=10 vpx=7 ;; faster) svt=9 vpx=6 ;;
    fast) svt=8 vpx=5 ;; medium) svt=6 vpx=4 ;; slow) svt=4 vpx=3 ;; slower) svt=3 vpx=2 ;;
    veryslow) svt=2 vpx=1 ;; placebo) svt=1 vpx=0 ;; *) svt=10 vpx=7 ;;
  esac
  local rc="-b:v ${kbps}k -maxrate ${kbps}k -bufsize $((2 * kbps))k"
  case $codec in
    h264) echo "-c:v libx264 -preset $preset -profile:v high $rc" ;;
    hevc) echo "-c:v libx265 -preset $preset -x265-params log-level=error $rc" ;;
    av1) echo "-c:v libsvtav1 -preset $svt -b:v ${kbps}k" ;;
    vp9) echo "-c:v libvpx-vp9 -deadline realtime -cpu-used $vpx -row-mt 1 $rc" ;;
  esac | sed "s/\$/ -g $gop -pix_fmt yuv420p -threads $([ "$codec" = h264 ] && echo 0 || echo 1)/"
}

# frames_of NAME: the video frames a run encoded (rtmp-push -v's summary, ffmpeg -progress).
frames_of() {
  { sed -n 's/.*sent [0-9.]* s[:,] \([0-9]*\) video.*/\1/p' "$work/$1.err"
    sed -n 's/^frame=\([0-9]*\)/\1/p' "$work/$1.progress" 2>/dev/null || true; } | tail -n 1
}

bench_codecs_cpu() {
  local kbps=${BENCH_CODEC_KBPS:-2500} gop=60 preset=${BENCH_CODEC_PRESET:-veryfast} runs=${BENCH_CODEC_RUNS:-3}
  local codec tool run
  local lavfi="testsrc2=size=1280x720:rate=30,format=yuv420p" base=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live
  local -a codecs ffargs
  local -A cpu rss FRAMES
  read -r -a codecs <<<"${BENCH_CODECS:-h264 hevc av1 vp9}"
  echo
  echo "== encoding CPU: $seconds s of lavfi $lavfi, video only, ${kbps}k, GOP $gop, preset $preset,"
  echo "   unpaced (as fast as it encodes: the same $((seconds * 30)) frames for each)"
  echo "   rtmp-push: -f lavfi '$lavfi' --no-audio --duration $seconds --video-codec C --video-bitrate $kbps --gop $gop --preset $preset, to nginx-rtmp"
  echo "   rtmp-push testsrc: its own test source (a different picture: reference only) --size 1280x720 --fps 30 --no-pace"
  echo "   ffmpeg: the same lavfi input and what rtmp-push sets for the encoder (codecs/push/encode.c):"
  for codec in "${codecs[@]}"; do
    printf '     %-5s %s\n' "$codec:" "$(codec_ffmpeg_args "$codec" "$kbps" "$gop" "$preset")"
  done
  echo "   (-threads: rtmp-push sets none, so each encoder has libavcodec's default for it: auto (0) for libx264, 1 for"
  echo "   the others; x265 and SVT-AV1 still run threads of their own); ffmpeg 5.1 cannot send Enhanced RTMP, so for"
  echo "   hevc, av1 and vp9 it encodes to -f null - (no muxing, no sending); for h264 it sends -f flv to nginx-rtmp;"
  echo "   \"ffmpeg auto\": the same without -threads, ffmpeg's own default (auto); for h264 the same command again"
  echo "   median of $runs runs each (tools alternating; peak RSS: the largest)"
  printf '%-6s %-18s %7s %8s %8s %12s\n' codec tool frames wall_s cpu_s peak_rss_MB
  median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  for codec in "${codecs[@]}"; do
    read -r -a ffargs <<<"$(codec_ffmpeg_args "$codec" "$kbps" "$gop" "$preset")"
    local -A walls=() cpus=() rsss=()
    for run in $(seq "$runs"); do
    for tool in rtmp-push ffmpeg rtmp-push-testsrc ffmpeg-auto; do
      local n=cpu-$codec-$tool-$run out=(-f null -)
      [ "$codec" = h264 ] && out=(-f flv "$base/codecs-$n-$$")
      case $tool in
        rtmp-push)
          timed "$n" "$build/cli/rtmp-push" -v --no-audio --duration "$seconds" -f lavfi "$lavfi" --video-codec "$codec" \
            --video-bitrate "$kbps" --gop "$gop" --preset "$preset" "$base/codecs-cpu-$codec-$run-$$" ;;
        rtmp-push-testsrc)
          timed "$n" "$build/cli/rtmp-push" -v --no-audio --no-pace --duration "$seconds" --size 1280x720 --fps 30 \
            --video-codec "$codec" --video-bitrate "$kbps" --gop "$gop" --preset "$preset" testsrc \
            "$base/codecs-cpu-ts-$codec-$run-$$" ;;
        ffmpeg)
          timed "$n" ffmpeg -nostdin -hide_banner -loglevel error -progress "$work/$n.progress" -f lavfi -i "$lavfi" \
            -t "$seconds" "${ffargs[@]}" "${out[@]}" ;;
        ffmpeg-auto)
          timed "$n" ffmpeg -nostdin -hide_banner -loglevel error -progress "$work/$n.progress" -f lavfi -i "$lavfi" \
            -t "$seconds" "${ffargs[@]:0:${#ffargs[@]}-2}" "${out[@]}" ;;
      esac
      walls[$tool]+="$WALL " cpus[$tool]+="$CPU " rsss[$tool]+="$RSS_MB "
      FRAMES[$tool]=$(frames_of "$n")
    done
    done
    for tool in rtmp-push ffmpeg rtmp-push-testsrc ffmpeg-auto; do
      cpu[$codec-$tool]=$(echo "${cpus[$tool]}" | median)
      rss[$codec-$tool]=$(echo "${rsss[$tool]}" | tr ' ' '\n' | grep . | sort -g | tail -n 1)
      printf '%-6s %-18s %7s %8s %8s %12s\n' "$codec" "${tool/ffmpeg-auto/ffmpeg auto}" "${FRAMES[$tool]}" \
        "$(echo "${walls[$tool]}" | median)" "${cpu[$codec-$tool]}" "${rss[$codec-$tool]}"
    done
  done
  echo "ratios rtmp-push/ffmpeg (same input, same encoder settings):"
  for codec in "${codecs[@]}"; do
    printf '  %-5s cpu %s, peak rss %s;  vs ffmpeg auto: cpu %s;  rtmp-push testsrc/ffmpeg: cpu %s\n' "$codec" \
      "$(ratio "${cpu[$codec-rtmp-push]}" "${cpu[$codec-ffmpeg]}")" "$(ratio "${rss[$codec-rtmp-push]}" "${rss[$codec-ffmpeg]}")" \
      "$(ratio "${cpu[$codec-rtmp-push]}" "${cpu[$codec-ffmpeg-auto]}")" \
      "$(ratio "${cpu[$codec-rtmp-push-testsrc]}" "${cpu[$codec-ffmpeg]}")"
  done
  echo "CPU per codec against h264 (rtmp-push): $(for codec in "${codecs[@]}"; do printf '%s %s  ' "$codec" \
    "$(ratio "${cpu[$codec-rtmp-push]}" "${cpu[h264-rtmp-push]:-0}")"; done)"
}

bench_codecs() {
  bench_codecs_matrix
  bench_codecs_cpu
}

bash scripts/servers.sh start "$work/servers" >/dev/null
what=${1:-all}
case $what in
  record) bench_record ;;
  push) bench_push ;;
  play) bench_play ;;
  soak) bench_soak ;;
  scale-push) bench_scale_push ;;
  scale) bench_scale ;;
  codecs) bench_codecs ;;
  all) bench_record; bench_push; bench_play ;;
  *) echo "bench: unknown benchmark '$what' (record, push, play, soak, scale, scale-push, codecs, all)" >&2; exit 2 ;;
esac
[ "$BENCH_FAILED" = 0 ] || { echo "bench: some runs failed: their figures do not count" >&2; exit 1; }
