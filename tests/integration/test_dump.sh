#!/usr/bin/env bash
# rtmp-dump against real servers (nginx-rtmp, node-media-server) with ffmpeg as the
# publisher and ffprobe / flvinfo.py as independent verifiers.
. "$(dirname "$0")/lib.sh"
it_setup dump
need_servers

DUMP=$BUILD/cli/rtmp-dump
FLVINFO="python3 $IT_LIB_DIR/flvinfo.py"
SCRIPTED="$IT_ROOT/tests/servers/scripted_server.py"
SRC=$(gen_media dump8 8 640x360 30)
SRC_B=$(gen_media dump6b 6 640x360 30 bframes)

# info FILE KEY: one fact from flvinfo.py
info() { $FLVINFO "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# same_content SRC OUT: the same packets (lib.sh same_packets), timestamps from 0 and
# monotonic.
same_content() {
    local mono
    same_packets "$1" "$2" || return 1
    mono=$(check_monotonic "$2" 0) || { echo "timestamps: $mono"; return 1; }
}

# record_live SERVER_URL NAME SRC: rtmp-dump started first, then ffmpeg publishes SRC;
# sets DUMP_RC and LAG (seconds between the publisher's end and rtmp-dump's).
record_live() {
    local url=$1/live/$2 src=$3 out=$T/$2.flv
    run_bg "$T/$2.log" "$DUMP" -v "$url" -o "$out"
    local dump_pid=$BG_PID
    sleep 0.5
    publish_ffmpeg "$src" "$url"
    wait_publisher 60
    local stopped; stopped=$(date +%s.%N)
    wait_pid "$dump_pid" 20; DUMP_RC=$?
    LAG=$(seconds_since "$stopped")
}

for server in nginx nms; do
    if [ $server = nginx ]; then base=$NGINX_URL; else base=$NMS_URL; fi
    name=$(uniq_name "frames-$server")
    record_live "$base" "$name" "$SRC"
    out=$T/$name.flv
    check "$server-exit-status" test "$DUMP_RC" = 0
    # nginx says StreamEOF at once; node-media-server says nothing: --end-timeout (5 s).
    check "$server-exits-by-itself" between "$LAG" 0 8
    check "$server-same-frames-and-bytes" same_content "$SRC" "$out"
    check "$server-metadata-duration" awk -v d="$(info "$out" meta_duration)" 'BEGIN { exit !(d > 7.5 && d < 8.5) }'
    check "$server-metadata-filesize" test "$(info "$out" meta_filesize)" = "$(stat -c %s "$out").0"
done

# B-frames: composition times reach the file unchanged.
name=$(uniq_name bframes)
record_live "$NGINX_URL" "$name" "$SRC_B"
check bframes-exit-status test "$DUMP_RC" = 0
check bframes-same-frames-and-bytes same_content "$SRC_B" "$T/$name.flv"
check bframes-pts-match cmp -s <(packet_times "$SRC_B" v | awk '{ print $2 - $1 }') \
    <(packet_times "$T/$name.flv" v | awk '{ print $2 - $1 }')

# Standard output, through a pipe.
name=$(uniq_name stdout)
( "$DUMP" -q "$NGINX_URL/live/$name" -o - 2>"$T/stdout.err" | cat >"$T/stdout.flv"
  echo "${PIPESTATUS[0]}" >"$T/stdout.rc" ) &
pipe_pid=$!
sleep 0.5
publish_ffmpeg "$SRC" "$NGINX_URL/live/$name"
wait_publisher 60
wait_pid $pipe_pid 20
check stdout-exit-status test "$(cat "$T/stdout.rc" 2>/dev/null)" = 0
check stdout-same-frames same_content "$SRC" "$T/stdout.flv"

# The progress line: on a terminal (script(1) gives it one), not with -q, not in a pipe.
name=$(uniq_name progress)
publish_ffmpeg --loop "$SRC" "$NGINX_URL/live/$name"
wait_published 10
timeout 20 script -q -c "'$DUMP' --duration 2 '$NGINX_URL/live/$name' -o '$T/progress.flv'" "$T/tty.txt" >/dev/null 2>&1
timeout 20 script -q -c "'$DUMP' -q --duration 2 '$NGINX_URL/live/$name' -o '$T/progress.flv'" "$T/tty-q.txt" >/dev/null 2>&1
timeout 20 "$DUMP" --duration 2 "$NGINX_URL/live/$name" -o "$T/progress.flv" 2>"$T/notty.txt"
check progress-on-tty grep -q 'recorded 00:00:0[12] .*kbit/s' "$T/tty.txt"
check progress-quiet test -z "$(grep recorded "$T/tty-q.txt")"
check progress-not-in-pipe test ! -s "$T/notty.txt"
stop_pid "$PUBLISH_PID"

# --duration stops on its own while the publisher goes on.
name=$(uniq_name duration)
publish_ffmpeg --loop "$SRC" "$NGINX_URL/live/$name"
wait_published 10
timeout 20 "$DUMP" -q --duration 3 "$NGINX_URL/live/$name" -o "$T/duration.flv"
check duration-exit-status test $? = 0
check duration-length awk -v t="$(info "$T/duration.flv" last_ts)" 'BEGIN { exit !(t >= 3000 && t < 3500) }'
check duration-monotonic check_monotonic "$T/duration.flv" 0
stop_pid "$PUBLISH_PID"

# SIGTERM: the file is finished (duration, size) and the exit status is 0.
name=$(uniq_name sigterm)
publish_ffmpeg --loop "$SRC" "$NGINX_URL/live/$name"
wait_published 10
run_bg "$T/sigterm.log" "$DUMP" "$NGINX_URL/live/$name" -o "$T/sigterm.flv"
# The file grows tag by tag from the start, not in blocks of a buffer: sampled every
# 0.1 s for 3 s it shows many sizes (a 256 KiB buffer, as ffmpeg's, would show two).
for i in $(seq 30); do stat -c %s "$T/sigterm.flv" 2>/dev/null || echo 0; sleep 0.1; done >"$T/sizes.txt"
check early-bytes-on-disk test "$(sed -n 15p "$T/sizes.txt")" -gt 0
check bytes-reach-disk-per-tag test "$(sort -u "$T/sizes.txt" | wc -l)" -ge 15
stop_pid "$BG_PID"
check sigterm-exit-status test $? = 0
check sigterm-metadata-duration awk -v d="$(info "$T/sigterm.flv" meta_duration)" 'BEGIN { exit !(d > 2 && d < 4.5) }'
check sigterm-metadata-filesize test "$(info "$T/sigterm.flv" meta_filesize)" = "$(stat -c %s "$T/sigterm.flv").0"
check sigterm-complete test "$(info "$T/sigterm.flv" complete)" = 1
check sigterm-decodes test -z "$(decode_errors "$T/sigterm.flv")"

# kill -9: what is on disk is whole tags (at most the last one cut) and plays.
run_bg "$T/kill9.log" "$DUMP" "$NGINX_URL/live/$name" -o "$T/kill9.flv"
sleep 3
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
check kill9-whole-tags awk -v t="$(info "$T/kill9.flv" trailing)" -v n="$(info "$T/kill9.flv" tags)" \
    'BEGIN { exit !(n > 100 && t < 300000) }'
# Every whole video tag on disk is a packet ffprobe reads (the tags less the one AVC
# sequence header), and there are more than a second's worth of them.
kill9_tags=$(info "$T/kill9.flv" video)
check kill9-readable test "$(count_packets "$T/kill9.flv" v)" = "$((kill9_tags - 1))"
check kill9-recorded test "$kill9_tags" -gt 30
check kill9-decodes test -z "$(decode_errors "$T/kill9.flv" | grep -v -i 'truncat\|end of file\|partial')"

# SIGINT (Ctrl-C) finishes the file as SIGTERM does; --live asks for the live stream only.
run_bg "$T/sigint.log" "$DUMP" -vv --live "$NGINX_URL/live/$name" -o "$T/sigint.flv"
sleep 3
kill -INT "$BG_PID"
wait_pid "$BG_PID" 10
check sigint-exit-status test $? = 0
check sigint-live-requested grep -q 'sent play (start -1,' "$T/sigint.log"
check sigint-metadata-duration awk -v d="$(info "$T/sigint.flv" meta_duration)" 'BEGIN { exit !(d > 1.5 && d < 4.5) }'
check sigint-complete test "$(info "$T/sigint.flv" complete)" = 1
stop_pid "$PUBLISH_PID"

# --wait: the publisher stops and comes back; both parts land in one file.
name=$(uniq_name wait)
SRC2=$(gen_media dump2 2 320x240 25)
run_bg "$T/wait.log" "$DUMP" -v --wait "$NGINX_URL/live/$name" -o "$T/wait.flv"
sleep 0.5
publish_ffmpeg "$SRC2" "$NGINX_URL/live/$name"; wait_publisher 30
sleep 1
check wait-still-running kill -0 "$BG_PID"
publish_ffmpeg "$SRC2" "$NGINX_URL/live/$name"; wait_publisher 30
sleep 1
stop_pid "$BG_PID"
check wait-both-parts test "$(count_packets "$T/wait.flv" v)" = $((2 * $(count_packets "$SRC2" v)))
check wait-monotonic check_monotonic "$T/wait.flv" 0
check wait-second-part-follows awk -v t="$(info "$T/wait.flv" last_ts)" 'BEGIN { exit !(t > 3500 && t < 4500) }'

# A recorded stream (nginx's vod app): all of it, then rtmp-dump exits by itself.
VOD=$(ls "${IT_SERVERS_DIR:-${RTMPKIT_SERVERS_DIR:-/nonexistent}}"/vod/sample.flv 2>/dev/null | head -n1)
[ -n "$VOD" ] || fail vod-source "the servers' vod/sample.flv is not found (RTMPKIT_SERVERS_DIR unset?)"
timeout 30 "$DUMP" -q --recorded "$NGINX_URL/vod/sample.flv" -o "$T/vod.flv"
rc=$?
check vod-exit-status test $rc = 0
check vod-video-frames awk -v n="$(count_packets "$T/vod.flv" v)" 'BEGIN { exit !(n == 125) }'
check vod-decodes test -z "$(decode_errors "$T/vod.flv")"
[ -n "$VOD" ] && check vod-same-content same_content "$VOD" "$T/vod.flv"

# --start 2 into the 5 s recorded stream: nginx seeks only in files with a keyframe index,
# to a keyframe at or after the time asked, so 1 to 3 s of the 5 come, timestamps from 0.
# (nginx sends no sequence headers after a seek: what it sends is not decodable alone.)
if [ -n "$VOD" ]; then
    ffmpeg -nostdin -loglevel error -y -i "$VOD" -c copy -flvflags add_keyframe_index "$(dirname "$VOD")/indexed.flv"
    timeout 30 "$DUMP" -q --recorded --start 2 "$NGINX_URL/vod/indexed.flv" -o "$T/vod-start.flv"
    check vod-start-exit-status test $? = 0
    check vod-start-frames awk -v n="$(info "$T/vod-start.flv" video)" 'BEGIN { exit !(n >= 25 && n <= 75) }'
    check vod-start-from-zero awk -v t="$(info "$T/vod-start.flv" first_ts)" 'BEGIN { exit !(t == 0) }'
fi

# IPv6: nginx also listens on [::1] (scripts/servers.sh) where the machine has it.
if grep -q ' lo$' /proc/net/if_inet6 2>/dev/null; then
    timeout 30 "$DUMP" -q -6 --recorded "rtmp://[::1]:$NGINX_PORT/vod/sample.flv" -o "$T/ipv6.flv"
    check ipv6-exit-status test $? = 0
    check ipv6-video-frames awk -v n="$(count_packets "$T/ipv6.flv" v)" 'BEGIN { exit !(n == 125) }'
else
    fail ipv6 "this machine has no IPv6 loopback: rtmp://[::1] cannot be tested"
fi

# ---- --help, --version ----

timeout 5 "$DUMP" --help >"$T/help.out" 2>"$T/help.err"
check help-exit-status test $? = 0
check help-usage grep -q '^Usage: rtmp-dump rtmp://' "$T/help.out"
check help-lists-options grep -q -- '--output FILE' "$T/help.out"
timeout 5 "$DUMP" --version >"$T/version.out" 2>&1
check version-exit-status test $? = 0
check version-line grep -qE '^rtmp-dump [0-9]+\.[0-9]+\.[0-9]+$' "$T/version.out"

# ---- errors: one clear line, the documented exit status, no hang ----

expect_error bad-url 2 'invalid RTMP URL' "$DUMP" http://example.com/x -o "$T/x.flv"
expect_error bad-option 2 'unknown option' "$DUMP" --bogus "$NGINX_URL/live/x"
expect_error bad-number 2 'timeout' "$DUMP" --timeout abc "$NGINX_URL/live/x"
expect_error refused 4 'refused' "$DUMP" rtmp://127.0.0.1:1/live/x -o "$T/x.flv"
expect_error dns 3 'resolve' "$DUMP" rtmp://no-such-host.invalid/live/x -o "$T/x.flv"
expect_error not-found 8 'StreamNotFound|not found' "$DUMP" "$NGINX_URL/strict/$(uniq_name nobody)" -o "$T/x.flv"
expect_error unknown-app 17 'unknown application' "$DUMP" "$NGINX_URL/noapp/x" -o "$T/x.flv"
# (--reconnect 0: a silent link is otherwise retried, see test_faults.sh)
expect_error idle-timeout 5 'no answer|no data|timed out' "$DUMP" --reconnect 0 --timeout 2 "$NGINX_URL/live/$(uniq_name idle)" -o "$T/idle.flv"
check no-file-without-stream test ! -e "$T/x.flv"
name=$(uniq_name full)
publish_ffmpeg --loop "$SRC" "$NGINX_URL/live/$name"
wait_published 10
expect_error disk-full 19 'cannot write.*No space' "$DUMP" "$NGINX_URL/live/$name" -o /dev/full
stop_pid "$PUBLISH_PID"

port=19370
for mode in syn-drop silent handshake-then-silent connect-then-silent bad-version close reject-connect reject-plain invalid-app bad-chunk chunk-size-zero many-streams; do
    port=$((port + 1))
    run_bg "$T/scripted-$mode.log" python3 "$SCRIPTED" --port $port --mode "$mode" --timeout 30
    wait_for "grep -q listening '$T/scripted-$mode.log'" 10
    case $mode in
    # A host that never answers the SYN: --connect-timeout ends the connect itself.
    syn-drop) want=5; pattern='connecting to 127\.0\.0\.1 port [0-9]+ timed out after 2000 ms' ;;
    silent|handshake-then-silent|connect-then-silent) want=5; pattern='handshake|timed out|no answer' ;;
    bad-version) want=6; pattern='handshake' ;;
    close) want=6; pattern='closed' ;;
    # Each kind of refusal has its status: authentication, a plain refusal, no such app.
    reject-connect) want=16; pattern='authmod=adobe' ;;
    reject-plain) want=7; pattern='Connect.Rejected: Connection refused' ;;
    invalid-app) want=17; pattern='InvalidApp' ;;
    # More chunk streams than our cap is a safety limit (18), not malformed data (9).
    many-streams) want=18; pattern='chunk streams' ;;
    *) want=9; pattern='chunk|protocol|stream' ;;
    esac
    expect_error "scripted-$mode" $want "$pattern" "$DUMP" --connect-timeout 2 "rtmp://127.0.0.1:$port/live/x" -o "$T/x.flv"
    stop_pid "$BG_PID"
done

# 32-bit wire time wrapping mid-stream (extended timestamps before it): the file's time
# goes on from 0 in 23 ms steps, never back to 0.
port=$((port + 1))
run_bg "$T/scripted-wrap.log" python3 "$SCRIPTED" --port $port --mode wrap --timeout 30
wait_for "grep -q listening '$T/scripted-wrap.log'" 10
timeout 20 "$DUMP" -q --connect-timeout 2 "rtmp://127.0.0.1:$port/live/x" -o "$T/wrap.flv"
check wrap-exit-status test $? = 0
check wrap-frames test "$(info "$T/wrap.flv" audio)" = 31
check wrap-last-time test "$(info "$T/wrap.flv" last_ts)" = $((29 * 23))
check wrap-monotonic check_monotonic "$T/wrap.flv" 0
stop_pid "$BG_PID"

# Secrets never reach the log, at the highest verbosity.
"$DUMP" -vv --timeout 2 --reconnect 1 --reconnect-max-delay 1 "rtmp://user:pa55word@127.0.0.1:$NGINX_PORT/live/$(uniq_name key)?token=T0PSECRET" \
    -o "$T/secret.flv" >"$T/secret.out" 2>&1
check secrets-redacted test -z "$(grep -E 'pa55word|T0PSECRET' "$T/secret.out")"

it_finish
