#!/usr/bin/env bash
# Side-by-side benchmarks: our commands and their usual peers on the same stream, in the
# same run; what counts are the ratios (ours / theirs), not absolute figures.
#
#   scripts/bench.sh            # all benchmarks
#   scripts/bench.sh record     # recording: rtmp-dump vs rtmpdump vs ffmpeg -c copy
#
# Env: BENCH_SECONDS (20), RTMPKIT_BUILD (build), ports as in scripts/servers.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${RTMPKIT_BUILD:-$root/build}
seconds=${BENCH_SECONDS:-20}
export RTMPKIT_NGINX_PORT=${RTMPKIT_NGINX_PORT:-19550} RTMPKIT_NGINX_HTTP_PORT=${RTMPKIT_NGINX_HTTP_PORT:-18280}
export RTMPKIT_NMS_PORT=${RTMPKIT_NMS_PORT:-19551} RTMPKIT_NMS_HTTP_PORT=${RTMPKIT_NMS_HTTP_PORT:-18201}
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

# A 1080p30 H.264 (6 Mbit/s) + AAC file of $seconds seconds, made once.
media_1080p() {
  local f=$cache/1080p30-6M-${seconds}s.flv
  if [ ! -s "$f" ]; then
    echo "bench: generating $f" >&2
    ffmpeg -nostdin -hide_banner -loglevel error -y \
      -f lavfi -i "testsrc2=size=1920x1080:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
      -t "$seconds" -c:v libx264 -preset ultrafast -b:v 6M -maxrate 6M -bufsize 12M -g 60 -bf 0 \
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

# A 1080p30 6 Mbit/s FLV of $1 seconds (H.264 + AAC), made once.
media_1080p_long() {
  local secs=$1 f=$cache/1080p30-6M-${1}s.flv
  if [ ! -s "$f" ]; then
    echo "bench: generating $f (once)" >&2
    ffmpeg -nostdin -hide_banner -loglevel error -y \
      -f lavfi -i "testsrc2=size=1920x1080:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
      -t "$secs" -c:v libx264 -preset ultrafast -b:v 6M -maxrate 6M -bufsize 12M -g 60 -bf 0 \
      -pix_fmt yuv420p -c:a aac -b:a 128k -f flv "$f.tmp"
    mv "$f.tmp" "$f"
  fi
  echo "$f"
}

# timed NAME CMD...: runs CMD in the foreground under GNU time; sets WALL CPU RSS_MB.
timed() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || true
  read -r WALL u s rss <"$work/$name.time"
  CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  RSS_MB=$(awk -v r="$rss" 'BEGIN { printf "%.1f", r / 1024 }')
}

bench_push() {
  local src url base=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live
  src=$(media_1080p_long 120)
  echo
  echo "== unpaced publish, -c copy: 2 min of 1080p30 6 Mbit/s FLV ($(du -m "$src" | cut -f1) MB) to nginx-rtmp"
  printf '%-10s %8s %8s %12s\n' tool wall_s cpu_s peak_rss_MB
  declare -A wall cpu rss
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
  echo "== encoding: 20 s of a 720p30 test pattern + tone to H.264 veryfast / AAC, live-paced, to nginx-rtmp"
  printf '%-10s %8s %12s %14s %12s\n' tool cpu_s peak_rss_MB late_median_ms late_p95_ms
  for tool in rtmp-push ffmpeg; do
    local name=enc-$tool-$$
    # The receiver waits on the stream first; it reads the publisher's start time from a
    # file when the first frame arrives.
    ( "$build/cli/rtmp-dump" -q "$base/$name" -o - 2>/dev/null | python3 scripts/flv_latency.py "$work/start-$tool" >"$work/lat-$tool" ) &
    local recv=$!
    sleep 1
    date +%s.%N >"$work/start-$tool"
    if [ "$tool" = rtmp-push ]; then
      timed "$tool" "$build/cli/rtmp-push" -q --duration 20 --size 1280x720 --fps 30 --preset veryfast "testsrc" "$base/$name"
    else
      timed "$tool" ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i "testsrc2=size=1280x720:rate=30" \
        -re -f lavfi -i "sine=frequency=1000:sample_rate=48000" -t 20 -c:v libx264 -preset veryfast -b:v 2500k \
        -g 60 -c:a aac -b:a 128k -f flv "$base/$name"
    fi
    wait "$recv" 2>/dev/null || true
    printf '%-10s %8s %12s %14s %12s\n' "$tool" "$CPU" "$RSS_MB" \
      "$(sed -n 's/.*median_ms=\([^ ]*\).*/\1/p' "$work/lat-$tool")" "$(sed -n 's/.*p95_ms=\([^ ]*\).*/\1/p' "$work/lat-$tool")"
    cpu[$tool]=$CPU
  done
  echo "late = arrival at a receiver (rtmp-dump through nginx) minus the frame's due time from the publisher's start"
  echo "ratio rtmp-push/ffmpeg: cpu $(ratio "${cpu[rtmp-push]}" "${cpu[ffmpeg]}")"
}

bash scripts/servers.sh start "$work/servers" >/dev/null
what=${1:-all}
case $what in
  record) bench_record ;;
  push) bench_push ;;
  all) bench_record; bench_push ;;
  *) echo "bench: unknown benchmark '$what' (record, push, all)" >&2; exit 2 ;;
esac
