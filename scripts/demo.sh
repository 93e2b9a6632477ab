#!/usr/bin/env bash
# The main job, end to end on this machine: install, build, start a local RTMP server
# (nginx-rtmp on 127.0.0.1), publish a 10 s test pattern with tone to it, record the
# stream with rtmp-dump, and show what was saved.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/setup.sh
bash scripts/build.sh
build=${RTMPKIT_BUILD:-$root/build}

work=$(mktemp -d /tmp/rtmpkit-demo.XXXXXX)
export RTMPKIT_NGINX_PORT=${RTMPKIT_NGINX_PORT:-19450} RTMPKIT_NGINX_HTTP_PORT=${RTMPKIT_NGINX_HTTP_PORT:-18180}
export RTMPKIT_NMS_PORT=${RTMPKIT_NMS_PORT:-19451} RTMPKIT_NMS_HTTP_PORT=${RTMPKIT_NMS_HTTP_PORT:-18101}
cleanup() { bash scripts/servers.sh stop "$work/servers" >/dev/null 2>&1 || true; }
trap cleanup EXIT
bash scripts/servers.sh start "$work/servers"
url=rtmp://127.0.0.1:$RTMPKIT_NGINX_PORT/live/demo

echo "demo: making a 10 s test pattern (H.264 + AAC)"
ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 \
  -t 10 -c:v libx264 -preset veryfast -bf 0 -g 30 -pix_fmt yuv420p -c:a aac -f flv "$work/pattern.flv"

echo "demo: recording $url with rtmp-dump while ffmpeg publishes it"
"$build/cli/rtmp-dump" -v "$url" -o "$work/recorded.flv" &
dump=$!
sleep 1
ffmpeg -nostdin -hide_banner -loglevel error -re -i "$work/pattern.flv" -c copy -f flv "$url"
wait "$dump"

echo "demo: saved $work/recorded.flv:"
ffprobe -v error -count_packets -show_entries format=duration,size:stream=codec_name,width,height,nb_read_packets \
  -of default=noprint_wrappers=1 "$work/recorded.flv" | sed 's/^/  /'
if [ -n "${DISPLAY:-}" ] && command -v ffplay >/dev/null; then
  echo "demo: playing it back (close the window to finish)"
  ffplay -hide_banner -loglevel error -autoexit "$work/recorded.flv" || true
fi
echo "demo: done; files in $work"
