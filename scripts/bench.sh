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

bash scripts/servers.sh start "$work/servers" >/dev/null
what=${1:-all}
case $what in
  record|all) bench_record ;;
  *) echo "bench: unknown benchmark '$what' (record, all)" >&2; exit 2 ;;
esac
