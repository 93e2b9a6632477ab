#!/usr/bin/env bash
# Two rows of the fault matrix (issue 9) that happen on a reconnect, for rtmp-dump (live),
# rtmp-push (testsrc) and rtmp-play --no-display, against nginx-rtmp through
# tests/servers/fault_proxy.py, ffmpeg publishing a file in a loop (for dump and play):
#  1. The host name stops resolving (transient): the command runs in a mount namespace of
#     its own with a private hosts file over /etc/hosts (unshare -m + mount --bind: root;
#     CI runs as root, elsewhere this fails, it does not skip) that names
#     rtmpkit-dns.test; the name is removed, the connection reset, the attempts fail on the
#     name (twice, logged with the reason), the name comes back and the command resumes.
#  2. The certificate stops verifying (permanent): rtmps:// through the proxy to nginx's
#     TLS port with the good certificate, then the proxy's new connections go to a port
#     with a bad one (`target PORT`) and the connection is reset: one error line naming
#     the certificate's fault, exit status 15, no attempt after it.
#  3. A reconnect attempt that takes long (rtmp-push): the connection is reset and the
#     proxy's new connections go to tests/servers/stall_proxy.py --at-connect, whose
#     handshake answers SLOW s late; the push goes on reading its input and printing its
#     stats meanwhile (the attempt connects in a thread of its own), then publishes again.
# Each case checks the content before and after the fault (rtmp-dump's file; what nginx
# relayed of rtmp-push's stream; the frames rtmp-play decoded, from its --stats=json) and
# prints a MATRIX line: fault, command, what it said, exit status, frames lost, outage.
source "$(dirname "$0")/lib.sh"
it_setup reconnect_faults
need_servers

DUMP=$BUILD/cli/rtmp-dump
PUSH=$BUILD/cli/rtmp-push
PLAY=$BUILD/cli/rtmp-play
FLVINFO=$IT_ROOT/tests/integration/flvinfo.py
SERVERS_DIR=${IT_SERVERS_DIR:-${RTMPKIT_SERVERS_DIR:-}}
CA=$SERVERS_DIR/tls/ca.pem
NGINX_TLS_PORT=${RTMPKIT_NGINX_TLS_PORT:-19443}
EXPIRED_PORT=${RTMPKIT_NGINX_TLS_EXPIRED_PORT:-19445}
WRONG_PORT=${RTMPKIT_NGINX_TLS_WRONG_PORT:-19446}
SELF_PORT=${RTMPKIT_NGINX_TLS_SELF_PORT:-19447}
PROXY_PORT=$((NGINX_PORT + 130))   # 19480 with the default ports
CTL_PORT=$((NGINX_PORT + 131))
HOST=rtmpkit-dns.test
HOSTS=$T/hosts
FPS=25

for cmd in "$DUMP" "$PUSH" "$PLAY"; do
    [ -x "$cmd" ] || { fail build "$cmd not built"; it_finish; exit 1; }
done
[ -s "$CA" ] || { fail tls-files "no test CA at '$CA' (RTMPKIT_SERVERS_DIR not set to the servers' DIR?)"; it_finish; exit 1; }

# The private hosts file, edited in place only (a new inode is not seen through the bind mount).
name_off() { grep -v " $HOST\$" "$HOSTS" >"$HOSTS.tmp"; cat "$HOSTS.tmp" >"$HOSTS"; }
name_on() { name_off; echo "127.0.0.1 $HOST" >>"$HOSTS"; }
# in_ns CMD...: exec CMD with $HOSTS as its /etc/hosts (in a subshell: run_bg, $(...)).
in_ns() { exec unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$HOSTS" "$@"; }
cat /etc/hosts >"$HOSTS"
name_on
if ! out=$(in_ns getent hosts $HOST 2>&1) || ! name_off || (in_ns getent hosts $HOST >/dev/null 2>&1); then
    fail private-hosts "cannot give a command a hosts file of its own (unshare -m and mount --bind need root): ${out:-$HOST still resolves without its line}"
    it_finish; exit 1
fi
name_on

MEDIA=$(gen_media reconnect-faults 10 320x240 $FPS) || { fail media "gen_media failed"; it_finish; exit 1; }
LIVE=$(uniq_name live)   # what rtmp-dump and rtmp-play play, all along
PUBLISH_MAX=150 publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$LIVE"
wait_published 10 || { fail publish "ffmpeg did not publish: $(tail -2 "$PUBLISH_LOG")"; it_finish; exit 1; }

# start_proxy LABEL TARGET_PORT: fault_proxy.py on PROXY_PORT (log $T/LABEL-proxy.log).
start_proxy() { fault_proxy "$T/$1-proxy.log" "$2" --timeout 100; }

# start_recorder URL OUT: rtmp-dump --wait of what nginx relays, on its own port, started
# before the publisher (it waits through the publisher's outages). stop_recorder N: once
# the publisher has left N times, SIGTERM (the file is finished, exit 0).
start_recorder() {
    REC=$2
    run_bg "$REC.log" timeout -k 2 100 "$DUMP" -v --wait "$1" -o "$REC"
    REC_PID=$BG_PID
    wait_for "grep -q 'connected to application' '$REC.log'" 10
    sleep 0.3
}
stop_recorder() {
    wait_for "[ \$(grep -c 'stream ended' '$REC.log') -ge $1 ]" 10
    stop_pid "$REC_PID"
}

json_field() { grep '^{' "$1" | grep -o "\"$2\":[^,}]*" | cut -d: -f2- | tr -d '"'; }
# stat_now LOG KEY: KEY of the last stats line so far.
stat_now() { json_field "$1" "$2" | tail -n1; }

# gap_facts FILE: "frames gap_ms lost before after" of the video track: its largest gap,
# the frames that gap should hold at FPS, the frames before and after it.
gap_facts() {
    packet_times "$1" v | awk -v fps=$FPS '
        { d = $1 + 0; if (n && d - last > gap) { gap = d - last; before = n } last = d; n++ }
        END { lost = int(gap * fps / 1000 + 0.5) - 1; if (lost < 0) lost = 0
              printf "%d %d %d %d %d\n", n, gap, lost, before, n - before }'
}

# content_ok FILE: one FLV cut at a whole tag, monotonic, decoding cleanly; says why not.
# For two publishes joined by rtmp-dump --wait that includes the join: the second starts
# where the first's last frames end (an audio frame that began 1 ms after the last one
# would overlap it, which the null muxer calls a non-monotonic dts).
content_ok() {
    local errs
    [ -s "$1" ] || { echo "no $1"; return 1; }
    python3 "$FLVINFO" "$1" | grep -q 'complete=1' || { echo "not whole tags: $(python3 "$FLVINFO" "$1")"; return 1; }
    check_monotonic "$1" 100000 || return 1
    errs=$(decode_errors "$1")
    [ -z "$errs" ] || { echo "$errs" | head -n3; return 1; }
}

# dns_outage LOG [HOLD_S]: the name removed and the connection reset; two attempts fail on
# the name (and HOLD_S s pass), then it is back, until the command says it plays or
# publishes again. Sets OUTAGE_MS.
dns_outage() {
    local t0
    name_off
    t0=$(date +%s.%N)
    proxy_cmd reset
    wait_for "[ \$(grep -c 'resolve $HOST.*(DNS); reconnecting in' '$1') -ge 2 ]" 30
    wait_for "between \$(seconds_since $t0) ${2:-0} 1000" 30
    name_on
    wait_for "grep -Eq '(playing|publishing) again after' '$1'" 30
    OUTAGE_MS=$(awk -v s="$(seconds_since "$t0")" 'BEGIN { printf "%d", s * 1000 }')
}

# dns_logged CASE LOG: attempts that failed on the name, then the resume after them.
dns_logged() {
    local n
    n=$(grep -c "cannot resolve $HOST: .*(DNS); reconnecting in [0-9.]* s (attempt [0-9]*" "$2")
    check "$1-dns-attempts-logged" test "$n" -ge 2
    check "$1-resumed-after-them" grep -Eq "(playing|publishing) again after $((n + 1)) attempts" "$2"
}

# cert_stopped CASE LOG PATTERN: one error line naming the certificate's fault (PATTERN),
# the reset's one attempt and none after it (one connection after the first through the proxy).
cert_stopped() {
    check "$1-one-error-line" test "$(grep -c 'verification failed' "$2")" = 1
    check "$1-names-the-fault" grep -Eq "certificate verification failed.*$3" "$2"
    check "$1-one-attempt" test "$(grep -c 'reconnecting in' "$2")" = 1
    check "$1-none-after-it" test "$(grep -c '^connection' "$PROXY_LOG")" = 2
}

matrix() { echo "MATRIX | $1 | $2 | $3 | exit $4 | $5 frames lost | outage $6"; }
said() { grep -m1 "$1" "$2" | sed 's/^rtmp-[a-z]*: \(warning: \|error: \)\?//' | cut -c1-120; }

# ---- 1. DNS failure on reconnect ----

# rtmp-dump: one file, the outage kept as a gap, frames after it.
start_proxy dns-dump "$NGINX_PORT"
run_bg "$T/dns-dump.log" in_ns timeout -k 2 60 "$DUMP" -v --duration 11 --stats=json \
    "rtmp://$HOST:$PROXY_PORT/live/$LIVE" -o "$T/dns-dump.flv"
pid=$BG_PID
wait_for "[ \"\$(stat_now '$T/dns-dump.log' video_frames)\" -ge $FPS ]" 15
dns_outage "$T/dns-dump.log"
wait_pid "$pid" 60; rc=$?
stop_pid "$PROXY_PID"
check dns-dump-exit-0 test "$rc" = 0
dns_logged dns-dump "$T/dns-dump.log"
check dns-dump-content content_ok "$T/dns-dump.flv"
read -r n gap lost before after <<<"$(gap_facts "$T/dns-dump.flv")"
echo "  dns-dump: $n frames, $before before the gap of $gap ms, $after after; outage $OUTAGE_MS ms"
check dns-dump-gap-is-outage between "$gap" $((OUTAGE_MS / 2)) $((OUTAGE_MS + 2000))
check dns-dump-frames-before test "$before" -ge "$FPS"
check dns-dump-frames-after test "$after" -ge $((2 * FPS))
check dns-dump-every-frame-counted test "$(stat_now "$T/dns-dump.log" video_frames)" = "$n"
matrix "DNS failure on reconnect" rtmp-dump "$(said '(DNS); reconnecting' "$T/dns-dump.log")" "$rc" "$lost" "$OUTAGE_MS ms (gap $gap ms)"

# rtmp-push testsrc: what nginx relayed goes on after the outage (the recorder joins the
# publishes, closing the gap: the frames lost are those rtmp-push dropped meanwhile).
# The default preset, with B-frames: the recorder starts the second publish after the
# first's last picture is shown, so that the file decodes without a picture out of order.
name=$(uniq_name dns-push)
start_proxy dns-push "$NGINX_PORT"
start_recorder "$NGINX_URL/live/$name" "$T/dns-push.flv"
run_bg "$T/dns-push.log" in_ns timeout -k 2 60 "$PUSH" -v --duration 11 --stats=json --size 320x240 \
    --fps $FPS testsrc "rtmp://$HOST:$PROXY_PORT/live/$name"
pid=$BG_PID
wait_for "[ \"\$(stat_now '$T/dns-push.log' video_frames)\" -ge $((2 * FPS)) ]" 15
before=$(stat_now "$T/dns-push.log" video_frames)
dns_outage "$T/dns-push.log"
wait_pid "$pid" 60; rc=$?
stop_recorder 2; stop_pid "$PROXY_PID"
check dns-push-exit-0 test "$rc" = 0
dns_logged dns-push "$T/dns-push.log"
check dns-push-totals-say-reconnect grep -q 'sent [0-9.]* s (1 reconnect):' "$T/dns-push.log"
check dns-push-relayed-content content_ok "$T/dns-push.flv"
check dns-push-recorder-saw-the-outage test "$(grep -c 'stream ended' "$T/dns-push.flv.log")" = 2
sent=$(stat_now "$T/dns-push.log" video_frames)
n=$(count_packets "$T/dns-push.flv" v)
echo "  dns-push: $before video frames sent before, $sent in all, nginx relayed $n; outage $OUTAGE_MS ms"
check dns-push-frames-after-sent test $((sent - before)) -ge $((2 * FPS))
# The frames in flight when the connection is reset may be lost: a second's worth.
check dns-push-frames-relayed test "$n" -ge $((sent - FPS))
matrix "DNS failure on reconnect" rtmp-push "$(said '(DNS); reconnecting' "$T/dns-push.log")" "$rc" \
    "$(stat_now "$T/dns-push.log" dropped) audio+video" "$OUTAGE_MS ms"

# rtmp-play --no-display (which reconnects only when asked): frames decoded after an
# outage longer than its 5 s without media that end a stream (they do not count while it
# reconnects). --duration counts from each connection's first media.
start_proxy dns-play "$NGINX_PORT"
run_bg "$T/dns-play.log" in_ns timeout -k 2 60 "$PLAY" -v --no-display --reconnect 10 --duration 6 \
    --stats=json "rtmp://$HOST:$PROXY_PORT/live/$LIVE"
pid=$BG_PID
wait_for "[ \"\$(stat_now '$T/dns-play.log' video_frames)\" -ge $FPS ]" 15
dns_outage "$T/dns-play.log" 5.5
wait_pid "$pid" 60; rc=$?
stop_pid "$PROXY_PID"
check dns-play-exit-0 test "$rc" = 0
check dns-play-not-an-end test -z "$(grep 'stream has ended' "$T/dns-play.log")"
dns_logged dns-play "$T/dns-play.log"
# The frames decoded on the first connection: the last stats line before the reconnect.
before=$(grep '^{' "$T/dns-play.log" | grep '"reconnects":0' | tail -n1 | grep -o '"video_frames":[0-9]*' | cut -d: -f2)
after=$(($(stat_now "$T/dns-play.log" video_frames) - ${before:-0}))
echo "  dns-play: ${before:-0} frames decoded before, $after after; outage $OUTAGE_MS ms"
check dns-play-stats-reconnects test "$(stat_now "$T/dns-play.log" reconnects)" = 1
check dns-play-frames-before test "${before:-0}" -ge "$FPS"
check dns-play-frames-after test "$after" -ge $((2 * FPS))
check dns-play-totals grep -q "^decoded video_frames=$(stat_now "$T/dns-play.log" video_frames) " "$T/dns-play.log"
matrix "DNS failure on reconnect" rtmp-play "$(said '(DNS); reconnecting' "$T/dns-play.log")" "$rc" "-" "$OUTAGE_MS ms"

# ---- 2. A certificate that stops verifying on reconnect ----

# cert_fault: new connections to the bad port, the open one reset.
cert_fault() { proxy_cmd "target $1"; proxy_cmd reset; }

# rtmp-dump: stops at once; the file holds what came before, cut at a whole tag.
start_proxy cert-dump "$NGINX_TLS_PORT"
run_bg "$T/cert-dump.log" timeout -k 2 60 "$DUMP" -v --ca-file "$CA" --stats=json \
    "rtmps://localhost:$PROXY_PORT/live/$LIVE" -o "$T/cert-dump.flv"
pid=$BG_PID
wait_for "[ \"\$(stat_now '$T/cert-dump.log' video_frames)\" -ge $((2 * FPS)) ]" 15
cert_fault "$EXPIRED_PORT"
wait_pid "$pid" 30; rc=$?
stop_pid "$PROXY_PID"
check cert-dump-exit-15 test "$rc" = 15
cert_stopped cert-dump "$T/cert-dump.log" expired
check cert-dump-content content_ok "$T/cert-dump.flv"
n=$(count_packets "$T/cert-dump.flv" v)
echo "  cert-dump: $n video frames recorded before the fault"
check cert-dump-frames-before test "$n" -ge $((2 * FPS))
check cert-dump-every-frame-counted test "$(stat_now "$T/cert-dump.log" video_frames)" = "$n"
matrix "certificate stops verifying on reconnect (expired)" rtmp-dump "$(said 'verification failed' "$T/cert-dump.log")" "$rc" - -

# rtmp-push: stops at once; what it had sent before reached nginx.
name=$(uniq_name cert-push)
start_proxy cert-push "$NGINX_TLS_PORT"
start_recorder "$NGINX_URL/live/$name" "$T/cert-push.flv"
run_bg "$T/cert-push.log" timeout -k 2 60 "$PUSH" -v --ca-file "$CA" --stats=json --size 320x240 \
    --fps $FPS testsrc "rtmps://localhost:$PROXY_PORT/live/$name"
pid=$BG_PID
wait_for "[ \"\$(stat_now '$T/cert-push.log' video_frames)\" -ge $((3 * FPS)) ]" 15
sent=$(stat_now "$T/cert-push.log" video_frames)
cert_fault "$WRONG_PORT"
wait_pid "$pid" 30; rc=$?
stop_recorder 1; stop_pid "$PROXY_PID"
check cert-push-exit-15 test "$rc" = 15
cert_stopped cert-push "$T/cert-push.log" 'host name mismatch'
check cert-push-relayed-content content_ok "$T/cert-push.flv"
n=$(count_packets "$T/cert-push.flv" v)
echo "  cert-push: $sent video frames sent a moment before the fault, nginx relayed $n"
# The frames in flight when the connection is reset may be lost: a second's worth.
check cert-push-frames-before-delivered test "$n" -ge $((sent - FPS))
matrix "certificate stops verifying on reconnect (wrong name)" rtmp-push "$(said 'verification failed' "$T/cert-push.log")" "$rc" - -

# rtmp-play --no-display: stops at once; it had decoded frames before.
start_proxy cert-play "$NGINX_TLS_PORT"
run_bg "$T/cert-play.log" timeout -k 2 60 "$PLAY" -v --no-display --reconnect 10 --ca-file "$CA" --stats=json \
    "rtmps://localhost:$PROXY_PORT/live/$LIVE"
pid=$BG_PID
wait_for "[ \"\$(stat_now '$T/cert-play.log' video_frames)\" -ge $((2 * FPS)) ]" 15
cert_fault "$SELF_PORT"
wait_pid "$pid" 30; rc=$?
stop_pid "$PROXY_PID"
check cert-play-exit-15 test "$rc" = 15
cert_stopped cert-play "$T/cert-play.log" self-signed
n=$(sed -n 's/^decoded video_frames=\([0-9]*\) .*/\1/p' "$T/cert-play.log")
echo "  cert-play: ${n:-no} video frames decoded before the fault"
check cert-play-frames-before test "${n:-0}" -ge $((2 * FPS))
matrix "certificate stops verifying on reconnect (self-signed)" rtmp-play "$(said 'verification failed' "$T/cert-play.log")" "$rc" - -

# 3. rtmp-push, a reconnect attempt whose handshake answers SLOW s late: no stats line
#    waits for it (a push blocked in the attempt would print none for SLOW s), at least
#    SLOW lines say it is reconnecting, and what nginx relays goes on after it.
SLOW=4 SLOW_PORT=$((NGINX_PORT + 132))
name=$(uniq_name slow-push)
start_proxy slow-push "$NGINX_PORT"
run_bg "$T/slow-proxy.log" python3 "$IT_ROOT/tests/servers/stall_proxy.py" --port "$SLOW_PORT" \
    --target "$NGINX_PORT" --stall "$SLOW" --at-connect --timeout 60
SLOW_PID=$BG_PID
wait_for "grep -q '^listening' '$T/slow-proxy.log'" 10 || fail slow-push-proxy "stall_proxy.py did not start"
start_recorder "$NGINX_URL/live/$name" "$T/slow-push.flv"
run_bg "$T/slow-push.log" timeout -k 2 60 "$PUSH" -v --duration 12 --stats=json --size 320x240 \
    --fps $FPS --preset ultrafast testsrc "rtmp://127.0.0.1:$PROXY_PORT/live/$name"
pid=$BG_PID
wait_for "[ \"\$(stat_now '$T/slow-push.log' video_frames)\" -ge $((2 * FPS)) ]" 15
before=$(stat_now "$T/slow-push.log" video_frames)
t0=$(date +%s.%N)
proxy_cmd "target $SLOW_PORT"; proxy_cmd reset
wait_for "grep -q 'publishing again' '$T/slow-push.log'" 20
OUTAGE_MS=$(awk -v s="$(seconds_since "$t0")" 'BEGIN { print int(s * 1000) }')
wait_pid "$pid" 40; rc=$?
stop_recorder 2; stop_pid "$PROXY_PID"; stop_pid "$SLOW_PID"
check slow-push-exit-0 test "$rc" = 0
check slow-push-attempt-was-slow grep -q '^stall' "$T/slow-proxy.log"
check slow-push-one-attempt grep -q 'publishing again after 1 attempt$' "$T/slow-push.log"
gap=$(longest_stats_gap "$T/slow-push.log")
reconnecting=$(grep -c '"state":"reconnecting"' "$T/slow-push.log")
echo "  slow-push: longest wait between stats lines $gap ms; $reconnecting lines reconnecting; outage $OUTAGE_MS ms"
check slow-push-stats-went-on test "$gap" -lt $((SLOW * 1000 - 500))
check slow-push-reconnecting-lines test "$reconnecting" -ge "$SLOW"
check slow-push-relayed-content content_ok "$T/slow-push.flv"
sent=$(stat_now "$T/slow-push.log" video_frames)
n=$(count_packets "$T/slow-push.flv" v)
echo "  slow-push: $before video frames sent before, $sent in all, nginx relayed $n"
check slow-push-frames-after-sent test $((sent - before)) -ge $((2 * FPS))
check slow-push-frames-relayed test "$n" -ge $((sent - FPS))
matrix "reconnect attempt answered ${SLOW} s late" rtmp-push "longest wait between stats lines $gap ms" "$rc" \
    "$(stat_now "$T/slow-push.log" dropped) audio+video" "$OUTAGE_MS ms"

stop_pid "$PUBLISH_PID"
it_finish
