#!/usr/bin/env bash
# The main job, end to end on this machine: install, build, start a local RTMP server
# (nginx-rtmp on 127.0.0.1), publish 10 s of rtmp-push's test pattern (moving picture,
# frame counter, clock, tone) to it, record the stream with rtmp-dump and play it with
# rtmp-play (in a window when there is a display), and show what was saved.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/setup.sh
bash scripts/build.sh
build=${RTMPKIT_BUILD:-$root/build}

work=$(mktemp -d /tmp/rtmpkit-demo.XXXXXX)
export RTMPKIT_NGINX_PORT=${RTMPKIT_NGINX_PORT:-19450} RTMPKIT_NGINX_HTTP_PORT=${RTMPKIT_NGINX_HTTP_PORT:-18180}
export RTMPKIT_NMS_PORT=${RTMPKIT_NMS_PORT:-19451} RTMPKIT_NMS_HTTP_PORT=${RTMPKIT_NMS_HTTP_PORT:-18101}
# The other listeners of scripts/servers.sh too, so the demo can run beside the tests.
export RTMPKIT_NMS_AUTH_PORT=${RTMPKIT_NMS_AUTH_PORT:-19452}
export RTMPKIT_NGINX_TLS_PORT=${RTMPKIT_NGINX_TLS_PORT:-19543} RTMPKIT_NMS_TLS_PORT=${RTMPKIT_NMS_TLS_PORT:-19544}
export RTMPKIT_NGINX_TLS_EXPIRED_PORT=${RTMPKIT_NGINX_TLS_EXPIRED_PORT:-19545}
export RTMPKIT_NGINX_TLS_WRONG_PORT=${RTMPKIT_NGINX_TLS_WRONG_PORT:-19546}
export RTMPKIT_NGINX_TLS_SELF_PORT=${RTMPKIT_NGINX_TLS_SELF_PORT:-19547}
cleanup() { bash scripts/servers.sh stop "$work/servers" >/dev/null 2>&1 || true; }
trap cleanup EXIT
bash scripts/servers.sh start "$work/servers"
url=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live/demo

echo "demo: rtmp-push publishes 10 s of its test pattern; rtmp-dump records it, rtmp-play plays it"
"$build/cli/rtmp-dump" -v "$url" -o "$work/recorded.flv" &
dump=$!
# A window with sound where there is a display; else decode only, with the stats.
play_args=(--stats)
[ -n "${DISPLAY:-}" ] || play_args+=(--no-display)
"$build/cli/rtmp-play" "${play_args[@]}" "$url" 2>"$work/play-stats.txt" &
play=$!
sleep 1
"$build/cli/rtmp-push" -v --duration 10 testsrc "$url"
wait "$dump"
wait "$play" || true
echo "demo: rtmp-play's last stats line:"
grep -v '^$' "$work/play-stats.txt" | tail -n 1 | sed 's/^/  /'

echo "demo: saved $work/recorded.flv:"
ffprobe -v error -count_packets -show_entries format=duration,size:stream=codec_name,width,height,nb_read_packets \
  -of default=noprint_wrappers=1 "$work/recorded.flv" | sed 's/^/  /'
echo "demo: done; files in $work"
