#!/usr/bin/env bash
# The fault matrix: network and server faults made by tests/servers/fault_proxy.py (or by
# killing the server) while a command runs against real nginx-rtmp and node-media-server,
# with ffmpeg publishing a known file in a loop. Each command's cases are one function
# (dump_faults; push and play may add theirs). Each case checks what the user sees (exit
# status, the log lines) and the content after the fault: one file, timestamps that never
# go back, clean decoding, and the frames lost measured against the publisher's rate
# (the outage is kept as a gap in the timestamps, so lost = frames the gap should hold).
# Each case prints a MATRIX line: fault, command, exit status, frames lost, outage.
# DNS failure on a reconnect, against real servers, is in test_reconnect_faults.sh (the
# command gets a hosts file of its own, whose name is removed for a while); the policy
# alone is in tests/unit/test_session.c (an in-memory opener returns RTMPKIT_EDNS).
source "$(dirname "$0")/lib.sh"
it_setup faults
need_servers

DUMP=$BUILD/cli/rtmp-dump
FLVINFO=$IT_ROOT/tests/integration/flvinfo.py
FPS=25
PROXY_PORT=$((NGINX_PORT + 120))   # 19470 with the default ports
CTL_PORT=$((NGINX_PORT + 121))
MEDIA=$(gen_media faults 20 320x240 $FPS) || { fail media "gen_media failed"; it_finish; exit 1; }
SHORT=$(gen_media faults-short 4 320x240 $FPS) || { fail media "gen_media failed"; it_finish; exit 1; }

# start_proxy TARGET_PORT [ARGS...]: fault_proxy.py on PROXY_PORT, control on CTL_PORT.
start_proxy() {
    local target=$1; shift
    fault_proxy "$T/proxy-$target-$RANDOM.log" "$target" --timeout 200 "$@"
}

# recorded_bytes FILE: its size, 0 when absent.
recorded_bytes() { stat -c %s "$1" 2>/dev/null || echo 0; }

# frame_facts FILE: "frames span_ms max_gap_ms lost lost_in_gap" of the video track:
# lost = frames the span should hold at FPS minus those there; lost_in_gap = those the
# largest gap should hold.
frame_facts() {
    packet_times "$1" v | awk -v fps=$FPS '
        { d = $1 + 0; if (n == 0) first = d; else if (d - last > gap) gap = d - last; last = d; n++ }
        END {
            step = 1000 / fps; span = last - first
            lost = int(span / step + 0.5) + 1 - n; ingap = int(gap / step + 0.5) - 1
            if (ingap < 0) ingap = 0
            printf "%d %d %d %d %d\n", n, span, gap, lost, ingap }'
}

# check_recording CASE FILE MIN_GAP_MS: the content after a fault. One FLV that decodes
# cleanly, monotonic, metadata duration and size right; the frames lost are the outage's
# (at most 2 more), the outage is kept as a gap of at least MIN_GAP_MS, and at least 2 s
# of frames came after it. Sets LOST and GAP_MS.
check_recording() {
    local c=$1 file=$2 min_gap=$3 errs facts n span gap lost ingap info
    if [ ! -s "$file" ]; then fail "$c-file" "no $file"; LOST=?; GAP_MS=?; return; fi
    check "$c-monotonic" check_monotonic "$file"
    errs=$(decode_errors "$file")
    if [ -z "$errs" ]; then pass "$c-decodes"; else fail "$c-decodes" "$(echo "$errs" | head -3)"; fi
    info=$(python3 "$FLVINFO" "$file")
    check "$c-whole-tags" grep -q 'complete=1' <<<"$info"
    check "$c-metadata-size" test "$(sed -n 's/.*meta_filesize=\([0-9.]*\).*/\1/p' <<<"$info" | cut -d. -f1)" = \
        "$(recorded_bytes "$file")"
    check "$c-metadata-duration" between \
        "$(awk -v i="$info" 'BEGIN { split(i, kv, " "); for (k in kv) { split(kv[k], p, "=");
            f[p[1]] = p[2] } print f["meta_duration"] - f["last_ts"] / 1000 }')" -0.1 0.1
    facts=$(frame_facts "$file")
    read -r n span gap lost ingap <<<"$facts"
    LOST=$lost; GAP_MS=$gap
    echo "  $c: $n frames over $span ms, largest gap $gap ms, $lost lost ($ingap in the gap)"
    check "$c-lost-only-in-outage" test "$lost" -le $((ingap + 2))
    check "$c-gap-kept" test "$gap" -ge "$min_gap"
    check "$c-frames-after" test "$(packet_times "$file" v | awk -v g="$gap" '
        { d = $1 + 0; if (n++ && d - last == g) after = 0; else after++; last = d } END { print after + 0 }')" \
        -ge $((2 * FPS))
}

matrix() { echo "MATRIX | $1 | rtmp-dump | $2 | exit $3 | $4 frames lost | gap ${5} ms"; }

# dump_with_fault CASE URL SECONDS FAULT_AT [DUMP OPTIONS...]: rtmp-dump -v --duration
# through the proxy, the FAULT function called FAULT_AT s after the file appeared. Sets RC.
dump_with_fault() {
    local c=$1 url=$2 secs=$3 fault_at=$4; shift 4
    run_bg "$T/$c.log" timeout -k 2 90 "$DUMP" -v --duration "$secs" "$@" "$url" -o "$T/$c.flv"
    local pid=$BG_PID
    wait_for "test -s '$T/$c.flv'" 15
    sleep "$fault_at"
    fault
    wait_pid "$pid" 90; RC=$?
}

dump_faults() {
    local name

    # Connection reset in the middle of a message (RST after 3000 more bytes).
    name=$(uniq_name reset)
    publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
    start_proxy "$NGINX_PORT"
    fault() { proxy_cmd "reset 3000"; }
    dump_with_fault reset "rtmp://127.0.0.1:$PROXY_PORT/live/$name" 10 3
    check reset-exit-status test "$RC" = 0
    check reset-logged grep -q 'reconnecting in' "$T/reset.log"
    check reset-resumed grep -q 'reconnected (1 so far)' "$T/reset.log"
    check_recording reset "$T/reset.flv" 700
    matrix "reset mid-message (nginx)" "$(grep -m1 'reconnecting in' "$T/reset.log" | sed 's/.*WARN[^:]*: //' | cut -c1-70)" "$RC" "$LOST" "$GAP_MS"
    stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

    # --split: the same fault, a numbered file per connection.
    name=$(uniq_name split)
    publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
    start_proxy "$NGINX_PORT"
    fault() { proxy_cmd "reset"; }
    run_bg "$T/split.log" timeout -k 2 60 "$DUMP" -v --split "rtmp://127.0.0.1:$PROXY_PORT/live/$name" -o "$T/split.flv"
    local pid=$BG_PID
    wait_for "test -s '$T/split.flv'" 15; sleep 3; fault
    wait_for "test -s '$T/split-2.flv'" 15; sleep 3
    stop_pid "$pid"; RC=$?
    check split-exit-status test "$RC" = 0
    check split-two-files test -s "$T/split-2.flv"
    for f in split split-2; do
        check "$f-monotonic" check_monotonic "$T/$f.flv"
        check "$f-decodes" test -z "$(decode_errors "$T/$f.flv")"
        check "$f-starts-at-0" test "$(python3 "$FLVINFO" "$T/$f.flv" | sed -n 's/.*first_ts=\([0-9]*\).*/\1/p')" = 0
    done
    matrix "reset, --split" "two files, split.flv and split-2.flv" "$RC" "-" "-"
    stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

    # A black hole (no byte, no FIN or RST): media stops, the probe gets no answer: a
    # lost connection, retried; never "the stream has ended".
    name=$(uniq_name blackhole)
    publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
    start_proxy "$NGINX_PORT"
    fault() { proxy_cmd "blackhole"; }
    dump_with_fault blackhole "rtmp://127.0.0.1:$PROXY_PORT/live/$name" 12 3 --end-timeout 1.5
    check blackhole-exit-status test "$RC" = 0
    check blackhole-silent grep -q 'went silent' "$T/blackhole.log"
    check blackhole-not-an-end test -z "$(grep 'stream has ended' "$T/blackhole.log")"
    check blackhole-resumed grep -q 'reconnected (1 so far)' "$T/blackhole.log"
    check_recording blackhole "$T/blackhole.flv" 2500
    matrix "black hole (nginx), --end-timeout 1.5" "$(grep -m1 'went silent' "$T/blackhole.log" | sed 's/.*WARN[^:]*: //' | cut -c1-70)" "$RC" "$LOST" "$GAP_MS"
    stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

    # The same without the media watch: the idle read timeout (--timeout) catches it.
    name=$(uniq_name idle)
    publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
    start_proxy "$NGINX_PORT"
    dump_with_fault idle "rtmp://127.0.0.1:$PROXY_PORT/live/$name" 12 3 --end-timeout 0 --timeout 2
    check idle-exit-status test "$RC" = 0
    check idle-timeout-logged grep -q 'TIMEOUT); reconnecting' "$T/idle.log"
    check_recording idle "$T/idle.flv" 2000
    matrix "black hole (nginx), --end-timeout 0 --timeout 2" "$(grep -m1 'reconnecting in' "$T/idle.log" | sed 's/.*WARN[^:]*: //' | cut -c1-70)" "$RC" "$LOST" "$GAP_MS"
    stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

    # node-media-server says nothing when its publisher leaves: the probe is answered,
    # the recording ends with status 0 ...
    name=$(uniq_name nmsend)
    publish_ffmpeg "$SHORT" "$NMS_URL/live/$name"; wait_published 10
    run_bg "$T/nmsend.log" timeout -k 2 40 "$DUMP" -v --end-timeout 1.5 "$NMS_URL/live/$name" -o "$T/nmsend.flv"
    local dpid=$BG_PID
    wait_publisher 20
    wait_pid "$dpid" 30; RC=$?
    check nms-end-exit-status test "$RC" = 0
    check nms-end-logged grep -q 'server still answers: the stream has ended' "$T/nmsend.log"
    check nms-end-no-reconnect test -z "$(grep 'reconnecting in' "$T/nmsend.log")"
    matrix "publisher leaves node-media-server (no word)" "stream has ended, the server still answers" "$RC" "-" "-"

    # ... and a black hole in front of it is a fault, retried.
    name=$(uniq_name nmshole)
    publish_ffmpeg --loop "$MEDIA" "$NMS_URL/live/$name"; wait_published 10
    start_proxy "$NMS_PORT"
    fault() { proxy_cmd "blackhole"; }
    dump_with_fault nmshole "rtmp://127.0.0.1:$PROXY_PORT/live/$name" 12 3 --end-timeout 1.5
    check nmshole-exit-status test "$RC" = 0
    check nmshole-silent grep -q 'went silent' "$T/nmshole.log"
    check nmshole-resumed grep -q 'reconnected (1 so far)' "$T/nmshole.log"
    check_recording nmshole "$T/nmshole.flv" 2500
    matrix "black hole (node-media-server)" "reconnected after 'went silent'" "$RC" "$LOST" "$GAP_MS"
    stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

    # 1-byte reads and writes all along, then a reset in the middle of that.
    name=$(uniq_name bytewise)
    publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
    start_proxy "$NGINX_PORT" --bytewise
    fault() { proxy_cmd "reset 777"; }
    dump_with_fault bytewise "rtmp://127.0.0.1:$PROXY_PORT/live/$name" 10 3
    check bytewise-exit-status test "$RC" = 0
    check bytewise-resumed grep -q 'reconnected (1 so far)' "$T/bytewise.log"
    check_recording bytewise "$T/bytewise.flv" 700
    matrix "1-byte reads/writes + reset" "reconnected" "$RC" "$LOST" "$GAP_MS"
    stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

    # Refused for 4 s after a reset: the attempts meanwhile are refused and retried.
    name=$(uniq_name refuse)
    publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
    start_proxy "$NGINX_PORT"
    fault() { proxy_cmd "refuse 4"; }
    dump_with_fault refuse "rtmp://127.0.0.1:$PROXY_PORT/live/$name" 14 3
    check refuse-exit-status test "$RC" = 0
    check refuse-refused-logged grep -q 'REFUSED); reconnecting' "$T/refuse.log"
    check refuse-resumed grep -q 'reconnected (1 so far)' "$T/refuse.log"
    check_recording refuse "$T/refuse.flv" 3500
    matrix "reset, then refused for 4 s" "attempts refused, then reconnected" "$RC" "$LOST" "$GAP_MS"
    stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

    # The server killed and restarted: an nginx of our own (other ports), a publisher
    # that starts again when it can.
    local own=$T/own-servers own_port=$((NGINX_PORT + 1000))   # 20350.. with the default ports
    own_servers() { servers_at "$own_port" "$own" "$1"; }
    if own_servers start; then
        name=$(uniq_name restart)
        run_bg "$T/restart-publisher.log" timeout 120 bash -c "while :; do ffmpeg -nostdin -hide_banner \
            -loglevel error -re -stream_loop -1 -i '$MEDIA' -c copy -f flv rtmp://127.0.0.1:$own_port/live/$name; \
            sleep 0.3; done"
        local ppid=$BG_PID
        sleep 3
        fault() { own_servers stop; sleep 1; own_servers start; }
        dump_with_fault restart "rtmp://127.0.0.1:$own_port/live/$name" 16 3
        check restart-exit-status test "$RC" = 0
        check restart-resumed grep -q 'reconnected' "$T/restart.log"
        check_recording restart "$T/restart.flv" 1000
        matrix "server killed and restarted (nginx)" "$(grep -m1 'reconnecting in' "$T/restart.log" | sed 's/.*WARN[^:]*: //' | cut -c1-70)" "$RC" "$LOST" "$GAP_MS"
        stop_pid "$ppid"
        own_servers stop
    else
        fail restart-servers "could not start a second nginx: $(tail -3 "$T/own-servers.log")"
    fi

    # Disk full: a 300 KiB tmpfs of our own (needs root).
    local mnt=$T/small
    mkdir -p "$mnt"
    if mount -t tmpfs -o size=300k tmpfs "$mnt" 2>"$T/mount.err"; then
        name=$(uniq_name full)
        publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
        expect_error disk-full 19 "cannot write $mnt/out.flv: No space left on device" \
            "$DUMP" "$NGINX_URL/live/$name" -o "$mnt/out.flv"
        cp "$mnt/out.flv" "$T/full.flv" 2>/dev/null
        umount "$mnt"
        info=$(python3 "$FLVINFO" "$T/full.flv")
        echo "  disk-full: $info"
        check disk-full-whole-tags grep -q 'complete=1 trailing=0 prev_ok=1' <<<"$info"
        check disk-full-decodes test -z "$(decode_errors "$T/full.flv")"
        check disk-full-metadata-size test "$(sed -n 's/.*meta_filesize=\([0-9]*\).*/\1/p' <<<"$info")" = \
            "$(recorded_bytes "$T/full.flv")"
        matrix "disk full (300 KiB tmpfs)" "$(cat "$T/disk-full.err")" 19 "-" "-"
        stop_pid "$PUBLISH_PID"
    else
        fail disk-full-mount "cannot mount a tmpfs: $(cat "$T/mount.err")"
    fi

    # The reader of stdout goes away: status 0, no hang, no death by SIGPIPE.
    name=$(uniq_name pipe)
    publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
    local t0; t0=$(date +%s.%N)
    ( timeout -k 2 30 "$DUMP" -v "$NGINX_URL/live/$name" -o - 2>"$T/pipe.err"; echo $? >"$T/pipe.rc" ) |
        head -c 1000 >"$T/pipe.head"
    check pipe-exit-status test "$(cat "$T/pipe.rc")" = 0
    check pipe-quick between "$(seconds_since "$t0")" 0 10
    check pipe-logged grep -q 'closed it: recording stopped' "$T/pipe.err"
    check pipe-flv-head test "$(head -c 3 "$T/pipe.head")" = FLV
    matrix "stdout pipe closed by its reader" "recording stopped (info line)" "$(cat "$T/pipe.rc")" "-" "-"
    stop_pid "$PUBLISH_PID"
}

dump_faults
it_finish
