#!/usr/bin/env bash
# Side-by-side benchmarks: our commands and their usual peers on the same stream, in the
# same run; what counts are the ratios (ours / theirs), not absolute figures.
#
#   scripts/bench.sh            # all benchmarks
#   scripts/bench.sh record     # recording: rtmp-dump vs rtmpdump vs ffmpeg -c copy
#   scripts/bench.sh push       # publishing: rtmp-push vs ffmpeg (unpaced copy; live encoding)
#   scripts/bench.sh play       # playing: rtmp-play vs ffplay (first frame, latency, CPU, memory)
#
# Env: BENCH_SECONDS (20), RTMPKIT_BUILD (build), ports as in scripts/servers.sh.
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

# Playing: time to first frame and steady end-to-end latency of rtmp-play and ffplay
# (default, and -fflags nobuffer -flags low_delay -framedrop) on one live stream through
# nginx-rtmp, one player at a time on a private Xvfb; then CPU and peak RSS of each while
# playing 1080p30 for $play_seconds s (all at once, same stream). Latency is read off the
# screen: the publisher draws its wall-clock time (ms, 20 bits) as black/white blocks
# into each frame (setpts from RTCTIME, geq), a screenshot decodes the blocks of the frame
# shown and subtracts it from the time of the screenshot.
# play_ratios LABEL1 ARRAY1 LABEL2 ARRAY2: rtmp-play over each ffplay variant measured.
play_ratios() {
  local -n first=$2 second=$4
  local other
  for other in ffplay ffplay-lowdelay; do
    [ -n "${first[rtmp-play]:-}" ] && [ -n "${first[$other]:-}" ] || continue
    printf 'ratios rtmp-play/%-16s %s %s, %s %s\n' "$other:" "$1" "$(num_ratio "${first[rtmp-play]}" "${first[$other]}")" \
      "$3" "$(num_ratio "${second[rtmp-play]:-}" "${second[$other]:-}")"
  done
}

# num_ratio A B: A / B, or n/a when either is not a number.
num_ratio() {
  if [[ "$1" =~ ^[0-9.]+$ && "$2" =~ ^[0-9.]+$ ]]; then ratio "$1" "$2"; else echo n/a; fi
}

bench_play() {
  local play_seconds=${BENCH_PLAY_SECONDS:-30} disp=$((100 + RANDOM % 400)) name url base_us tool
  local -a players
  read -r -a players <<<"${BENCH_PLAYERS:-rtmp-play ffplay ffplay-lowdelay}"
  [ -x "$build/cli/rtmp-play" ] || { echo "bench: $build/cli/rtmp-play not built" >&2; return 1; }
  Xvfb ":$disp" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
  local xvfb=$!
  export DISPLAY=:$disp SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=/dev/null
  sleep 1
  name=benchplay$$
  url=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live/$name
  base_us=$(date +%s%6N)
  echo
  echo "== playing: 640x360 30 fps H.264 (x264 ultrafast zerolatency, GOP 1 s) + AAC, ffmpeg -re through nginx-rtmp"
  ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi \
    -i "color=c=gray:s=640x360:r=30,setpts='(RTCTIME-$base_us)/(TB*1000000)',geq=lum='if(lt(Y,64),255*mod(floor(T*1000/pow(2,floor(X/32))),2),128)':cb=128:cr=128" \
    -f lavfi -i "sine=f=440:r=48000" -c:v libx264 -preset ultrafast -tune zerolatency -g 30 -pix_fmt yuv420p \
    -c:a aac -b:a 128k -f flv "$url" >"$work/play-publisher.log" 2>&1 &
  local publisher=$!
  sleep 3
  # play_cmd TOOL URL: the command line of one player.
  play_cmd() {
    case $1 in
      rtmp-play) echo "$build/cli/rtmp-play -q $2" ;;
      ffplay) echo "ffplay -hide_banner -nostats $2" ;;
      ffplay-lowdelay) echo "ffplay -hide_banner -nostats -fflags nobuffer -flags low_delay -framedrop $2" ;;
    esac
  }
  # shown_ms: decodes the publisher's clock from the player's window on a screenshot;
  # prints "capture_time_ms shown_ms" or nothing.
  shown_ms() {
    local geo x y t0 t1 bits
    geo=$(xwininfo -root -tree 2>/dev/null | grep -E ' 640x360\+' | head -n1 | awk '{ print $NF }' || true)
    [ -n "$geo" ] || return 0
    x=$(echo "$geo" | cut -d+ -f2); y=$(echo "$geo" | cut -d+ -f3)
    t0=$(date +%s%3N)
    import -window root "$work/play-shot.png" 2>/dev/null || return 0
    t1=$(date +%s%3N)
    bits=$(convert "$work/play-shot.png" -crop "640x1+$x+$((y + 32))" +repage -scale '20x1!' -depth 8 gray:- 2>/dev/null | od -An -tu1 -v)
    # All blocks grey: nothing shown yet.
    echo "$bits" | awk -v t=$(((t0 + t1) / 2)) -v base=$((base_us / 1000)) '
      { for (i = 1; i <= NF; i++) { v[n++] = $i } }
      END { ms = 0; grey = 0
            for (i = 0; i < n; i++) { if (v[i] > 96 && v[i] < 160) grey++; if (v[i] >= 128) ms += 2 ^ i }
            if (n != 20 || grey > 3) exit
            now = (t - base) % 1048576; lat = now - ms; if (lat < 0) lat += 1048576
            print t, lat }'
  }
  declare -A ttff lat
  for tool in "${players[@]}"; do
    local start pid i s lats=""
    start=$(date +%s%3N)
    # shellcheck disable=SC2046
    $(play_cmd "$tool" "$url") >"$work/play-$tool.log" 2>&1 &
    pid=$!
    ttff[$tool]=timeout
    for i in $(seq 300); do
      s=$(shown_ms)
      if [ -n "$s" ]; then ttff[$tool]=$(( ${s%% *} - start )); break; fi
      sleep 0.02
    done
    sleep 3
    for i in $(seq 10); do
      s=$(shown_ms)
      [ -n "$s" ] && lats+="${s#* } "
      sleep 0.4
    done
    lat[$tool]=$(echo "$lats" | tr ' ' '\n' | { grep . || true; } | sort -n | awk '{ a[n++] = $1 } END { if (n) print a[int(n / 2)]; else print "n/a" }')
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  kill -TERM "$publisher" 2>/dev/null || true
  wait "$publisher" 2>/dev/null || true
  printf '%-16s %14s %20s\n' player first_frame_ms "latency_ms (median)"
  for tool in "${players[@]}"; do
    printf '%-16s %14s %20s\n' "$tool" "${ttff[$tool]}" "${lat[$tool]}"
  done
  play_ratios "first frame" ttff "latency" lat

  # CPU and peak memory: 1080p30 for $play_seconds s, one player at a time.
  local src
  src=$(seconds=$((play_seconds + 5)); media_1080p)
  echo
  echo "== playing 1080p30 6 Mbit/s H.264 + AAC for $play_seconds s, one player at a time (window on Xvfb, audio to SDL's disk driver)"
  declare -A cpu rss
  for tool in "${players[@]}"; do
    url=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live/${name}hd$tool
    # shellcheck disable=SC2046
    measure "play-$tool" $(play_cmd "$tool" "$url")
    sleep 1
    ffmpeg -nostdin -hide_banner -loglevel error -re -i "$src" -t "$play_seconds" -c copy -f flv "$url" || true
    kill -TERM "${CMD_PID[play-$tool]}" 2>/dev/null || true
    wait "${TIME_PID[play-$tool]}" 2>/dev/null || true
    read -r cpu[$tool] rss[$tool] <<<"$(cpu_rss "play-$tool")"
  done
  printf '%-16s %8s %12s\n' player cpu_s peak_rss_MB
  for tool in "${players[@]}"; do
    printf '%-16s %8s %12s\n' "$tool" "${cpu[$tool]}" "${rss[$tool]}"
  done
  play_ratios "cpu" cpu "peak rss" rss
  kill -TERM "$xvfb" 2>/dev/null || true
}

bash scripts/servers.sh start "$work/servers" >/dev/null
what=${1:-all}
case $what in
  record) bench_record ;;
  push) bench_push ;;
  play) bench_play ;;
  all) bench_record; bench_push; bench_play ;;
  *) echo "bench: unknown benchmark '$what' (record, push, play, all)" >&2; exit 2 ;;
esac
[ "$BENCH_FAILED" = 0 ] || { echo "bench: some runs failed: their figures do not count" >&2; exit 1; }
