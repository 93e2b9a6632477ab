#!/usr/bin/env bash
# Several streams over one connection. two_streams (tests/integration/two_streams.c, the
# library's public API only) plays two streams over one connection and records each to
# its own FLV file while ffmpeg publishes two different sources (sizes, rates, lengths)
# to nginx; ffprobe checks that each file holds its own stream's packets, size and length,
# so streams crossed or mixed on the way fail.
# nginx-rtmp (like node-media-server) serves one stream per connection: it answers every
# createStream with message stream id 1. So the two streams come through an edge that
# serves several per connection (tests/servers/multi_stream_edge.py, one origin
# connection to nginx per stream); and straight from nginx, the second stream must fail
# alone, with a clear message, while the first is recorded whole.
. "$(dirname "$0")/lib.sh"
it_setup streams
need_servers

TWO=$BUILD/tests/two_streams
EDGE="$IT_ROOT/tests/servers/multi_stream_edge.py"
STAT_URL=http://127.0.0.1:$NGINX_HTTP_PORT/stat
SRC_A=$(gen_media streams-a 4 320x240 25)
SRC_B=$(gen_media streams-b 6 640x360 30)

# players NAME: how many clients play NAME in nginx's app live (/stat).
players() {
    timeout 10 python3 - "$STAT_URL" "$1" <<'PY'
import sys, urllib.request, xml.etree.ElementTree as ET
root = ET.fromstring(urllib.request.urlopen(sys.argv[1], timeout=5).read())
n = 0
for app in root.iter("application"):
    if app.findtext("name") == "live":
        for s in app.iter("stream"):
            if s.findtext("name") == sys.argv[2]:
                n += sum(1 for c in s.iter("client") if c.find("publishing") is None)
print(n)
PY
}

# frame_size FILE: "WxH" of the first video stream.
frame_size() {
    timeout 30 ffprobe -v error -select_streams v:0 -show_entries stream=width,height \
        -of csv=s=x:p=0 "$1" 2>/dev/null | head -n1
}

# last_dts FILE: the DTS of the last video packet, in ms.
last_dts() { packet_times "$1" v | tail -n1 | cut -d' ' -f1; }

# same_length SRC OUT: OUT's last video DTS is SRC's, within 100 ms.
same_length() {
    local want; want=$(last_dts "$1")
    [ -n "$want" ] || { echo "no video packets in $1"; return 1; }
    between "$(last_dts "$2")" $((want - 100)) $((want + 100))
}

# exited RC WANT LOG: RC is WANT, else the log's last lines say why.
exited() { [ "$1" = "$2" ] || { echo "exit $1, wanted $2: $(tail -n3 "$3")"; return 1; }; }

# record_two URL NAME_A NAME_B OUT_A OUT_B: two_streams in the background (sets TWO_PID,
# log $T/two-NAME_A.log), back once nginx lists a player for each name that can have
# one (both through the edge, the first only straight from nginx).
record_two() {
    run_bg "$T/two-$2.log" timeout -k 2 60 "$TWO" "$1" "$2" "$3" "$4" "$5" 45
    TWO_PID=$BG_PID
    wait_for "[ \"\$(players '$2')\" -ge 1 ]" 10
}

# ---- two streams through the edge ----
run_bg "$T/edge.log" python3 "$EDGE" --port 0 --origin "$NGINX_URL/live" --timeout 120
wait_for "grep -q '^listening' '$T/edge.log'" 10
edge_port=$(sed -n 's/^listening [0-9.]*:\([0-9]*\)$/\1/p' "$T/edge.log" | head -n1)
name_a=$(uniq_name streams-a)
name_b=$(uniq_name streams-b)
out_a=$T/a.flv
out_b=$T/b.flv
record_two "rtmp://127.0.0.1:$edge_port/live" "$name_a" "$name_b" "$out_a" "$out_b"
wait_for "[ \"\$(players '$name_b')\" -ge 1 ]" 10   # the files start at the first frame
publish_ffmpeg "$SRC_A" "$NGINX_URL/live/$name_a"
pub_a=$PUBLISH_PID
publish_ffmpeg "$SRC_B" "$NGINX_URL/live/$name_b"
pub_b=$PUBLISH_PID
wait_publisher 60 "$pub_a"
wait_publisher 60 "$pub_b"
wait_pid "$TWO_PID" 20
rc=$?
check exit-status exited "$rc" 0 "$T/two-$name_a.log"
check one-connection test "$(grep -c 'client connection from' "$T/edge.log")" = 1
check two-relays test "$(grep -c "relaying .* onto message stream [12]$" "$T/edge.log")" = 2
check a-frame-size test "$(frame_size "$out_a")" = 320x240
check b-frame-size test "$(frame_size "$out_b")" = 640x360
check a-same-packets same_packets "$SRC_A" "$out_a"
check b-same-packets same_packets "$SRC_B" "$out_b"
check a-same-length same_length "$SRC_A" "$out_a"
check b-same-length same_length "$SRC_B" "$out_b"
check a-monotonic check_monotonic "$out_a"
check b-monotonic check_monotonic "$out_b"

# ---- straight from nginx: one stream per connection ----
name_c=$(uniq_name streams-c)
name_d=$(uniq_name streams-d)
record_two "$NGINX_URL/live" "$name_c" "$name_d" "$T/c.flv" "$T/d.flv"
publish_ffmpeg "$SRC_A" "$NGINX_URL/live/$name_c"
wait_publisher 60
wait_pid "$TWO_PID" 20
rc=$?
check nginx-exit-status exited "$rc" 1 "$T/two-$name_c.log"
check nginx-second-refused grep -q "$name_d: the server gave this stream message stream id 1, which stream 0 has already: it serves one stream per connection" "$T/two-$name_c.log"
check nginx-first-same-packets same_packets "$SRC_A" "$T/c.flv"
it_finish
