#!/usr/bin/env bash
# rtmp-push INPUT URL URL URL (issue 11, item 3): one input, read once, sent to several
# destinations on nginx-rtmp and node-media-server, each recorded by a recorder started
# before the push. The destinations that nothing disturbs must get every frame of the
# source (ffprobe packet counts, bytes and timestamps against the source), while another
# one goes through tests/servers/fault_proxy.py, black-holed (a stalled link) and then
# cut, and comes back. Then testsrc, encoded once, to two servers and to a port where
# nothing listens: both recordings hold the very same packets, the dead destination
# fails alone and the run's exit status is its documented one. The keys come from
# --key-file lines or the URLs, and stay out of the log and the stats.
# Prints "FIGURE ..." lines: what the disturbed destination sent and lost.
. "$(dirname "$0")/lib.sh"
it_setup multipush
need_servers

PUSH=$BUILD/cli/rtmp-push
DUMP=$BUILD/cli/rtmp-dump
PROXY_PORT=${RTMPKIT_MULTIPUSH_PROXY_PORT:-19397}
CTL_PORT=${RTMPKIT_MULTIPUSH_CTL_PORT:-19398}
CHECK_KEYS="python3 $IT_ROOT/tests/check_stats_keys.py"

if [ ! -x "$PUSH" ] || [ ! -x "$DUMP" ]; then
    fail build "$PUSH or $DUMP not built"
    it_finish; exit 1
fi
SRC=$(gen_media mpush8 8 640x360 30)   # H.264 (GOP 1 s) + AAC
if [ ! -s "$SRC" ]; then
    fail gen_media "could not generate the source"; it_finish; exit 1
fi

# start_recorder URL OUT: ffmpeg -c copy, started before the publisher (sets REC_PID); it
# stops 6 s after the data stops.
start_recorder() {
    local log=$2.rec.log
    timeout -k 2 90 ffmpeg -nostdin -hide_banner -v debug -rw_timeout 6000000 \
        -i "$1" -c copy -f flv -y "$2" >"$log" 2>&1 &
    REC_PID=$!
    IT_PIDS+=("$REC_PID")
    wait_for "grep -q 'Sending play command' '$log'" 10 ||
        echo "start_recorder: ffmpeg did not start playing $1: $(tail -n 2 "$log")" >&2
}

# rel_times FILE v|a: each packet's "dts pts" from the stream's first dts (a recording
# may start its clock anywhere; the steps between packets must be the source's).
rel_times() {
    packet_times "$1" "$2" | awk 'NR == 1 { t0 = $1 } { print $1 - t0, $2 - t0 }'
}

# every_frame SRC OUT: OUT has all of SRC's packets, the same bytes, at the same times.
every_frame() {
    local why
    why=$(same_packets "$1" "$2") || { echo "$why"; return 1; }
    cmp -s <(rel_times "$1" v) <(rel_times "$2" v) || { echo "video timestamps differ"; return 1; }
    cmp -s <(rel_times "$1" a) <(rel_times "$2" a) || { echo "audio timestamps differ"; return 1; }
}

# video_times FILE: the video packets' dts, ms, one a line.
video_times() {
    timeout 60 ffprobe -v error -select_streams v:0 -show_entries packet=dts -of csv=p=0 "$1" 2>/dev/null |
        cut -d, -f1 | grep -E '^-?[0-9]+$'
}

# before_after FILE MIN_BEFORE MIN_AFTER: so many video packets before the largest gap
# between two of them, and after it.
before_after() {
    video_times "$1" | awk -v b="$2" -v a="$3" '
        NR > 1 && $1 - prev > gap { gap = $1 - prev; at = NR - 1 } { prev = $1 }
        END { if (at < b || NR - at < a) { printf "%d video packets before the gap of %d ms, %d after\n", at, gap, NR - at; exit 1 } }'
}

# no_decode_errors FILE: decodes cleanly, or says how not.
no_decode_errors() {
    local e
    e=$(decode_errors "$1")
    [ -z "$e" ] || { echo "$e" | head -n3; return 1; }
}

# same_recordings A B: the same video and audio packets (bytes), at the same steps.
same_recordings() {
    [ -s "$1" ] && [ -s "$2" ] || { echo "no recording"; return 1; }
    cmp -s <(video_md5s "$1" v) <(video_md5s "$2" v) || { echo "video packets differ"; return 1; }
    cmp -s <(video_md5s "$1" a) <(video_md5s "$2" a) || { echo "audio packets differ"; return 1; }
    cmp -s <(rel_times "$1" v) <(rel_times "$2" v) || { echo "video timestamps differ"; return 1; }
}

# summary_of LOG N: the summary line of destination #N.
summary_of() { grep -E "^rtmp-push: destination #$2 .*: sent " "$1" | tail -n1; }

# ---- 1. A file to three destinations; the third black-holed, then cut, and back. ----
n1=$(uniq_name mp-nginx); n2=$(uniq_name mp-nms); n3=$(uniq_name mp-proxied)
fault_proxy "$T/proxy.log" "$NGINX_PORT" --timeout 120
start_recorder "$NGINX_URL/live/$n1" "$T/rec1.flv"; rec1=$REC_PID
start_recorder "$NMS_URL/live/$n2" "$T/rec2.flv"; rec2=$REC_PID
start_recorder "$NGINX_URL/live/$n3" "$T/rec3.flv"; rec3=$REC_PID
sleep 0.3
# Keys: #1 in its URL, #2 from the key file, #3 in its URL (empty lines).
printf '\n%s\n\n' "$n2" >"$T/keys"
run_bg "$T/push1.log" timeout -k 2 60 "$PUSH" -v --timeout 2 --stats-file "$T/push1.json" --key-file "$T/keys" \
    "$SRC" "$NGINX_URL/live/$n1" "$NMS_URL/live" "rtmp://127.0.0.1:$PROXY_PORT/live/$n3"
push=$BG_PID
sleep 2
proxy_cmd blackhole     # the link of #3 takes nothing: its writes pile up
sleep 3
proxy_cmd reset         # and is cut: #3 connects again through the proxy
wait_pid "$push" 60; rc=$?
wait_pid "$rec1" 15; wait_pid "$rec2" 15; wait_pid "$rec3" 15
stop_pid "$PROXY_PID"

check file-exit-0 test "$rc" = 0
check file-nginx-every-frame every_frame "$SRC" "$T/rec1.flv"
check file-nms-every-frame every_frame "$SRC" "$T/rec2.flv"
check file-proxy-was-cut sh -c "grep -q '^blackhole' '$T/proxy.log' && grep -q '^reset' '$T/proxy.log' && grep -q '^connection 2' '$T/proxy.log'"
check file-proxied-decodes no_decode_errors "$T/rec3.flv"
check file-proxied-monotonic check_monotonic "$T/rec3.flv" 100000
check file-proxied-before-and-after before_after "$T/rec3.flv" 30 30
for i in 1 2; do
    check "file-summary-$i" sh -c "summary=\$(grep -E '^rtmp-push: destination #$i .*: sent ' '$T/push1.log');
        echo \"\$summary\" | grep -q '0 dropped, 0 reconnects; ended normally'"
done
check file-summary-3 sh -c "grep -E '^rtmp-push: destination #3 .*: sent ' '$T/push1.log' | grep -Eq '[1-9][0-9]* reconnects?; ended normally'"
# The summaries count what the recordings hold.
v=$(count_packets "$SRC" v); a=$(count_packets "$SRC" a)
check file-summary-counts sh -c "grep -E '^rtmp-push: destination #1 ' '$T/push1.log' | grep -q ' $v video and $a audio frames'"
# --stats-file: one object per destination per second, keys as the man page says.
check file-stats-keys $CHECK_KEYS "$BUILD/man/rtmp-push.1" "$T/push1.json" --min 12
check file-stats-per-destination python3 - "$T/push1.json" "$n2" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
dests = sorted({r["destination"] for r in rows})
last = {r["destination"]: r for r in rows}
assert len(dests) == 3, dests
assert all(d.endswith("/***") for d in dests), dests
assert all(last[d]["state"] == "done" for d in dests), last
assert sum(1 for r in rows if r["destination"] == dests[0]) >= 5, "fewer than 5 lines for one destination"
assert sys.argv[2] not in open(sys.argv[1]).read(), "a key in the stats"
EOF
check file-key-not-logged sh -c "! grep -qF '$n2' '$T/push1.log'"
echo "FIGURE multipush-proxied: $(summary_of "$T/push1.log" 3 | sed 's/^rtmp-push: //');" \
     "recorded $(count_packets "$T/rec3.flv" v) of $v video packets"

# ---- 2. testsrc encoded once to nginx, node-media-server and a dead port. ----
n4=$(uniq_name mp-src-nginx); n5=$(uniq_name mp-src-nms)
run_bg "$T/dump4.log" timeout -k 2 60 "$DUMP" -q "$NGINX_URL/live/$n4" -o "$T/rec4.flv"
rec4=$BG_PID
start_recorder "$NMS_URL/live/$n5" "$T/rec5.flv"; rec5=$REC_PID
sleep 0.5
timeout -k 2 60 "$PUSH" -v --duration 4 --size 320x240 --fps 25 testsrc \
    "$NGINX_URL/live/$n4" "$NMS_URL/live/$n5" "rtmp://127.0.0.1:1/live/dead" >"$T/push2.out" 2>"$T/push2.log"
rc=$?
wait_pid "$rec4" 20; wait_pid "$rec5" 15
check src-exit-first-failure test "$rc" = 4
check src-dead-fails-alone sh -c "grep -E '^rtmp-push: destination #3 ' '$T/push2.log' | grep -q 'failed (exit status 4): .*refused' &&
    grep -E '^rtmp-push: destination #1 ' '$T/push2.log' | grep -q 'ended normally' &&
    grep -E '^rtmp-push: destination #2 ' '$T/push2.log' | grep -q 'ended normally'"
check src-frames between "$(count_packets "$T/rec4.flv" v)" 99 101
# Encoded once: both servers got the very same packets.
check src-encoded-once same_recordings "$T/rec4.flv" "$T/rec5.flv"

# ---- 3. SIGINT: every destination unpublishes, the run ends 0. ----
n6=$(uniq_name mp-int-nginx); n7=$(uniq_name mp-int-nms)
run_bg "$T/push3.log" timeout -k 2 60 "$PUSH" -v --size 320x240 --fps 25 testsrc "$NGINX_URL/live/$n6" "$NMS_URL/live/$n7"
push=$BG_PID
wait_for "[ \$(grep -c 'publishing to' '$T/push3.log') = 2 ]" 20
sleep 1
kill -INT "$push"
wait_pid "$push" 20; rc=$?
check int-exit-0 test "$rc" = 0
check int-both-interrupted sh -c "[ \$(grep -Ec '^rtmp-push: destination #[12] .*: sent [1-9].*; interrupted\$' '$T/push3.log') = 2 ]"

# ---- 4. Usage: keys that do not fit the URLs. ----
printf 'onlyone\n' >"$T/key1"
expect_error key-file-short 2 'has 1 line for 2 URLs' "$PUSH" -q --key-file "$T/key1" testsrc "$NGINX_URL/live" "$NMS_URL/live"
expect_error key-one-stream 2 'several URLs' "$PUSH" -q --key k1234 testsrc "$NGINX_URL/live" "$NMS_URL/live"

it_finish
