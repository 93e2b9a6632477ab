#!/usr/bin/env bash
# rtmp-push through link faults (issue 9, item 5, rtmp-push's rows): the link to the server
# cut for ~2 s by tests/servers/stall_proxy.py (every connection closed, new ones refused
# for 2 s), with nginx-rtmp and node-media-server behind it. The proxy records what
# rtmp-push sent on each connection (rtmp_capture.py checks the resume: @setDataFrame and
# sequence headers again, a keyframe first, timestamps never back, nothing twice), and an
# ffmpeg recorder on the server's own port, started before, is what a viewer got (frames
# before and after the cut, monotonic, decodable). Permanent failures stop at once.
# Prints "FIGURE ..." lines: an outage of X s cost N frames.
# node-media-server 4.4 resumes a publish from the same address within its grace window
# and shifts the new publisher's timestamps by the last ones it relayed (it expects a
# publisher to restart at 0): its players see the stream time jump by the time before the
# cut on top of the real gap. The capture shows what rtmp-push sent; the recording's gap
# is printed, not checked.
. "$(dirname "$0")/lib.sh"
it_setup push_faults
need_servers

PUSH=$BUILD/cli/rtmp-push
PROXY_PORT=${RTMPKIT_PUSH_FAULTS_PROXY_PORT:-19396}
NMS_AUTH_PORT=${RTMPKIT_NMS_AUTH_PORT:-19352}
SERVERS_DIR=${IT_SERVERS_DIR:-${RTMPKIT_SERVERS_DIR:-}}
FPS=25
FRAME_MS=40
CUT_S=2

if [ ! -x "$PUSH" ]; then
    fail build "$PUSH not built"
    it_finish; exit 1
fi
SRC10=$(gen_media push10 10)   # 320x240, 25 fps, GOP 1 s, AAC
if [ ! -s "$SRC10" ]; then
    fail gen_media "could not generate the source"; it_finish; exit 1
fi

# start_proxy LABEL TARGET_PORT: the cutting proxy in front of a server, recording into
# $T/LABEL-cap (sets PROXY_PID, PROXY_LOG, CAP).
start_proxy() {
    CAP=$T/$1-cap
    PROXY_LOG=$T/$1-proxy.log
    mkdir -p "$CAP"
    run_bg "$PROXY_LOG" python3 "$IT_ROOT/tests/servers/stall_proxy.py" --port "$PROXY_PORT" \
        --target "$2" --stall 1 --cut "$CUT_S" --timeout 90 --record "$CAP"
    PROXY_PID=$BG_PID
    wait_for "grep -q listening '$PROXY_LOG'" 10
}

# start_recorder URL OUT: ffmpeg -c copy from the server's own port, started before the
# publisher; it stops 6 s after the data stops (longer than any outage here).
start_recorder() {
    REC_LOG=$2.rec.log
    timeout -k 2 120 ffmpeg -nostdin -hide_banner -v debug -rw_timeout 6000000 \
        -i "$1" -c copy -f flv -y "$2" >"$REC_LOG" 2>&1 &
    REC_PID=$!
    IT_PIDS+=("$REC_PID")
    wait_for "grep -q 'Sending play command' '$REC_LOG'" 10 ||
        echo "start_recorder: ffmpeg did not start playing $1: $(tail -n 2 "$REC_LOG")" >&2
    sleep 0.3
}

# video_times FILE: the video packets' dts, ms, one a line.
video_times() {
    timeout 60 ffprobe -v error -select_streams v:0 -show_entries packet=dts -of csv=p=0 "$1" 2>/dev/null |
        cut -d, -f1 | grep -E '^-?[0-9]+$'
}

# largest_gap FILE: "GAP_MS AT_MS" of the largest step between video packets.
largest_gap() {
    video_times "$1" | awk 'NR > 1 && $1 - prev > gap { gap = $1 - prev; at = prev } { prev = $1 }
                            END { printf "%d %d\n", gap, at }'
}

# no_decode_errors FILE: decodes cleanly, or says how not.
no_decode_errors() {
    local e
    e=$(decode_errors "$1")
    [ -z "$e" ] || { echo "$e" | head -n3; return 1; }
}

# before_after FILE AT_MS MIN_BEFORE MIN_AFTER: at least so many video packets up to AT_MS
# and after it.
before_after() {
    local before after
    before=$(video_times "$1" | awk -v at="$2" '$1 <= at' | wc -l)
    after=$(video_times "$1" | awk -v at="$2" '$1 > at' | wc -l)
    [ "$before" -ge "$3" ] && [ "$after" -ge "$4" ] ||
        { echo "video packets before the gap at $2 ms: $before, after: $after"; return 1; }
}

# no_retry_after PATTERN LOG: a line matches PATTERN and no attempt is logged after it.
no_retry_after() {
    local at last
    at=$(grep -n -- "$1" "$2" | head -n1 | cut -d: -f1)
    last=$(grep -n 'reconnecting in' "$2" | tail -n1 | cut -d: -f1)
    [ -n "$at" ] || { echo "no /$1/ in $2: $(tail -n 3 "$2")"; return 1; }
    [ -z "$last" ] || [ "$last" -lt "$at" ] || { echo "an attempt after /$1/: $(tail -n 3 "$2")"; return 1; }
}

# cut_case LABEL TARGET_PORT DIRECT_URL CUT_AFTER_S TIMEOUT_S PUSH_ARGS...: rtmp-push
# through the proxy (URL last), the link cut CUT_AFTER_S s in; checks and figures.
cut_case() {
    local label=$1 target=$2 direct=$3 cut_after=$4 tmo=$5; shift 5
    local name rec log pid t0 t_cut t_back outage rc summary gap expected got lost rec_gap attempts
    name=$(uniq_name "$label")
    rec=$T/$label.flv
    log=$T/$label-push.log
    start_proxy "$label" "$target"
    start_recorder "$direct/live/$name" "$rec"
    t0=$(date +%s.%N)
    run_bg "$log" timeout -k 2 "$tmo" "$PUSH" -v "$@" "rtmp://127.0.0.1:$PROXY_PORT/live/$name"
    pid=$BG_PID
    sleep "$cut_after"
    t_cut=$(date +%s.%N)
    kill -USR2 "$PROXY_PID"
    wait_for "grep -q '^connection 2' '$PROXY_LOG'" 20
    outage=$(seconds_since "$t_cut")
    wait_pid "$pid" "$tmo"; rc=$?
    wait_pid "$REC_PID" 15
    stop_pid "$PROXY_PID"

    check "$label-exit-0" test "$rc" = 0
    check "$label-ran-whole" between "$(seconds_since "$t0")" "$(awk -v c="$cut_after" 'BEGIN { print c + 3 }')" "$tmo"
    check "$label-link-was-cut" sh -c "grep -q '^cut' '$PROXY_LOG' && grep -q '^refused' '$PROXY_LOG'"
    # One log line per attempt (the refused ones and the one that worked), then the resume.
    attempts=$(grep -c 'reconnecting in [0-9.]* s (attempt [0-9]*)' "$log")
    check "$label-attempts-logged" sh -c "[ $attempts -ge 2 ] && grep -Eq 'publishing again after $attempts attempts' '$log'"
    check "$label-totals-say-reconnect" grep -q 'sent [0-9.]* s (1 reconnect):' "$log"
    summary=$(python3 "$IT_ROOT/tests/integration/rtmp_capture.py" "$CAP")
    check "$label-resume-as-sent" python3 "$IT_ROOT/tests/integration/rtmp_capture.py" "$CAP"
    gap=$(echo "$summary" | head -n1 | sed -n 's/.*gaps_ms=\([0-9-]*\).*/\1/p')
    got=$(echo "$summary" | head -n1 | sed -n 's/.* video=\([0-9]*\).*/\1/p')
    expected=$(echo "$summary" | head -n1 | sed -n 's/.*last_video_ms=\([0-9]*\).*/\1/p')
    expected=$(( ${expected:-0} / FRAME_MS + 1 ))
    lost=$(( expected - ${got:-0} ))
    # The gap in the stream's time is time really lost (never closed up): at least the
    # outage less the 2 s the publisher held, at most the outage plus a GOP and a bit.
    check "$label-gap-is-real-time" between "${gap:-0}" "$(awk -v o="$outage" 'BEGIN { print (o - 2.0) * 1000 - 500 }')" \
        "$(awk -v o="$outage" 'BEGIN { print (o + 2.5) * 1000 }')"
    check "$label-frames-lost-match-gap" between "$lost" "$(( ${gap:-0} / FRAME_MS - 3 ))" "$(( ${gap:-0} / FRAME_MS + 3 ))"
    # What a viewer recorded on the server's own port.
    check "$label-recording-decodes" no_decode_errors "$rec"
    check "$label-recording-monotonic" check_monotonic "$rec" 100000
    rec_gap=$(largest_gap "$rec")
    check "$label-recording-before-and-after" before_after "$rec" "${rec_gap#* }" $(( (cut_after - 2) * FPS )) $((2 * FPS))
    echo "FIGURE $label: an outage of ${outage} s (cut to connection 2) cost $lost video frames at $FPS fps" \
         "(capture: $got of $expected sent, stream gap ${gap} ms; recording: $(count_packets "$rec" v) video" \
         "packets, largest gap ${rec_gap% *} ms; push: $(grep -o 'sent [0-9.]* s.*' "$log" | tail -n1))"
}

# 1. testsrc (a live-paced source) to nginx: cut 6 s in, 16 s in all.
cut_case nginx-testsrc "$NGINX_PORT" "$NGINX_URL" 6 40 --duration 16 --size 320x240 --fps $FPS testsrc

# 2. A file in real time to nginx (10 s, keyframe every second): cut 4 s in.
cut_case nginx-file "$NGINX_PORT" "$NGINX_URL" 4 40 "$SRC10"

# 3. testsrc to node-media-server.
cut_case nms-testsrc "$NMS_PORT" "$NMS_URL" 6 40 --duration 16 --size 320x240 --fps $FPS testsrc

# 4. --reconnect 0: the cut ends the push at once with "connection lost" (11).
name=$(uniq_name noretry)
start_proxy noretry "$NGINX_PORT"
run_bg "$T/noretry.log" timeout -k 2 40 "$PUSH" --reconnect 0 --size 320x240 --fps $FPS testsrc \
    "rtmp://127.0.0.1:$PROXY_PORT/live/$name"
pid=$BG_PID
sleep 4
t_cut=$(date +%s.%N)
kill -USR2 "$PROXY_PID"
wait_pid "$pid" 30; rc=$?
took=$(seconds_since "$t_cut")
stop_pid "$PROXY_PID"
check noretry-exit-11 test "$rc" = 11
check noretry-at-once between "$took" 0 2
check noretry-no-attempt sh -c "! grep -q 'reconnecting in' '$T/noretry.log' && grep -qi 'connection lost\|closed the connection' '$T/noretry.log'"

# 5. Permanent errors stop at once, whatever the policy: an unknown application on nginx
#    (7), a first connection refused (no server: 3)...
expect_error unknown-app 17 'unknown application' timeout 20 "$PUSH" -q --duration 3 testsrc "$NGINX_URL/nosuchapp/x"
expect_error first-connect-refused 4 'refused' timeout 20 "$PUSH" -q --duration 3 testsrc "rtmp://127.0.0.1:$PROXY_PORT/live/x"

# ... and a resume the server refuses: node-media-server with publish auth, the sign valid
#    for the first publish and expired by the time of the reconnect (13). A close right
#    after Publish.Start on a reconnection may be a second fault, so it is retried three
#    times in a row before it counts as the refusal it is here.
SECRET=$(head -n1 "${SERVERS_DIR:-/nonexistent}/nms-auth-secret" 2>/dev/null)
if [ -z "$SECRET" ] || ! it_port_open "$NMS_AUTH_PORT"; then
    fail nms-expired-resume "no node-media-server with auth on 127.0.0.1:$NMS_AUTH_PORT or no secret"
else
    name=$(uniq_name expiring)
    expiry=$(($(date +%s) + 4))
    sign="$expiry-$(printf '%s' "/live/$name-$expiry-$SECRET" | md5sum | cut -d' ' -f1)"
    start_proxy expiring "$NMS_AUTH_PORT"
    run_bg "$T/expiring.log" timeout -k 2 40 "$PUSH" --size 320x240 --fps $FPS testsrc \
        "rtmp://127.0.0.1:$PROXY_PORT/live/$name?sign=$sign"
    pid=$BG_PID
    sleep 6
    t_cut=$(date +%s.%N)
    kill -USR2 "$PROXY_PID"
    wait_pid "$pid" 30; rc=$?
    took=$(seconds_since "$t_cut")
    stop_pid "$PROXY_PID"
    check nms-expired-resume-exit-13 test "$rc" = 13
    check nms-expired-resume-no-retry-after-refusal no_retry_after 'refused the stream (a wrong or expired token?)$' "$T/expiring.log"
    check nms-expired-resume-stops-soon between "$took" 0 20
    check nms-expired-resume-three-retries test "$(grep -c '(PUBLISH_REFUSED); reconnecting in' "$T/expiring.log")" = 3
    check nms-expired-sign-not-logged sh -c "! grep -q '$sign' '$T/expiring.log'"
fi

# 6. A second fault soon after the first, on a link of 1-byte reads and writes
#    (tests/servers/fault_proxy.py --bytewise): reset, then reset again a second after
#    the push published again. A close right after Publish.Start on a reconnection is
#    retried like any fault (it used to end the push as a refusal, status 13); the push
#    ends normally and nginx's recording goes on to the end.
name=$(uniq_name twice)
FP_PORT=$((PROXY_PORT + 10)); FP_CTL=$((PROXY_PORT + 11))
run_bg "$T/twice-proxy.log" python3 "$IT_ROOT/tests/servers/fault_proxy.py" --port "$FP_PORT" \
    --target "$NGINX_PORT" --control "$FP_CTL" --bytewise --timeout 90
fp=$BG_PID
wait_for "grep -q listening '$T/twice-proxy.log'" 10
start_recorder "$NGINX_URL/live/$name" "$T/twice.flv"
run_bg "$T/twice.log" timeout -k 2 60 "$PUSH" -v --duration 16 --size 320x240 --fps $FPS testsrc \
    "rtmp://127.0.0.1:$FP_PORT/live/$name"
pid=$BG_PID
sleep 5
echo reset >"/dev/tcp/127.0.0.1/$FP_CTL"
wait_for "grep -q 'publishing again' '$T/twice.log'" 20
sleep 1
echo reset >"/dev/tcp/127.0.0.1/$FP_CTL"
wait_pid "$pid" 60; rc=$?
wait_pid "$REC_PID" 15
stop_pid "$fp"
check twice-exit-0 test "$rc" = 0
check twice-reconnected-twice grep -q 'sent [0-9.]* s (2 reconnects)' "$T/twice.log"
check twice-recording-decodes no_decode_errors "$T/twice.flv"
check twice-recording-monotonic check_monotonic "$T/twice.flv" 100000
last=$(video_times "$T/twice.flv" | tail -n1)
check twice-recording-to-the-end test "${last:-0}" -ge 12000
echo "FIGURE twice: two resets a second apart over 1-byte reads and writes: $(count_packets "$T/twice.flv" v) of 400 video frames recorded, the last at ${last:-?} ms; push: $(grep -o 'sent [0-9.]* s.*' "$T/twice.log" | tail -n1); attempts for: $(grep -o '([A-Z_]*); reconnecting' "$T/twice.log" | cut -d';' -f1 | tr '\n' ' ')"

it_finish
