#!/usr/bin/env bash
# Enhanced RTMP ReconnectRequest, end to end. The scripted server (--mode
# reconnect-request) asks mid-stream to move to the real nginx-rtmp:
# 1. rtmp-push, absolute tcUrl: every frame reaches the scripted server (before the
#    keyframe where the publisher moves) or nginx (from it on), in order, none twice;
#    nginx's stream (recorded there) starts with a keyframe, its timestamps step like the
#    source's and never go back; the key is in no log line.
# 1b. rtmp-push to a new place that is slow to connect to (nginx behind
#    stall_proxy.py --at-connect: the handshake's answer comes STALL s late): the input
#    goes on being read and sent on the old connection meanwhile, and the move is made at
#    a keyframe once the new place publishes. move_check as in 1, the old place carried
#    the first keyframe after the request (a connect that blocked the input moves at
#    that keyframe), no stats line is STALL s late, nothing dropped.
# 1c. rtmp-push to a new place that refuses a second publisher of the stream (the
#    scripted server itself, each connect to it TSTALL s slow): the old connection ends
#    first, then the new place is published at, the input read meanwhile (no stats line
#    TSTALL s late); the old and the new connection's frames are the source's, none lost
#    or twice, the new one's from a keyframe on.
# 2. rtmp-dump, relative tcUrl ("//127.0.0.1:PORT/live") where a publisher is live: one
#    file that holds the scripted server's audio, then nginx's stream; timestamps never
#    go back.
# 3. rtmp-play --no-display follows too (the scripted server's audio to its end, then
#    nginx's stream, another clock), and decodes nginx's video.
# 3b. make before break on one clock: two scripted servers (play-flv --epoch) serve the
#    source as one live stream at two places; the first asks to move to the second after
#    AFTER video frames and goes on; the second starts a player at its next keyframe, as
#    nginx does (a move that left the old place at once would lose the frames before
#    it). rtmp-dump's file holds every frame of the source once, its timestamps step like
#    the source's (the switch aligned on the wire times); rtmp-play decodes every video
#    and audio frame of the source.
# 3c. the same when the new place starts each player at 0 (play-flv --rebase, as
#    nginx-rtmp does): another clock, a few seconds from the old one. The switch is
#    aligned on the first frame both places sent (the same bytes), whose times give the
#    offset between the clocks: every frame once, timestamps stepping like the source's.
#    rtmp-dump also with a source without video (aligned on an audio frame; the request
#    after AFTER audio frames).
# 4. --reconnect 0: connect announces no Reconnect bit in capsEx, and the request is not
#    followed: the recording holds the scripted server's whole stream.
# 5. Hostile tcUrls (another scheme, 2000 bytes, control bytes): one warning line, no
#    control byte on stderr, and the recording goes on to the end of the stream.
. "$(dirname "$0")/lib.sh"
it_setup reconnect_request
need_servers

DUMP=$BUILD/cli/rtmp-dump
PUSH=$BUILD/cli/rtmp-push
PLAY=$BUILD/cli/rtmp-play
SCRIPTED="$IT_ROOT/tests/servers/scripted_server.py"
FLVINFO="$IT_LIB_DIR/flvinfo.py"
for cmd in "$DUMP" "$PUSH" "$PLAY"; do
    [ -x "$cmd" ] || { fail build "$cmd not built"; it_finish; exit 1; }
done
SRC=$(gen_media move 4)
[ -s "$SRC" ] || { fail gen_media "could not generate the source"; it_finish; exit 1; }
AFTER=40   # the scripted server's media before its request

# start_scripted TAG TCURL [ARGS...]: a scripted server asking to move to TCURL; sets
# SPORT and SLOG.
start_scripted() {
    local tag=$1 url=$2; shift 2
    SLOG=$T/scripted-$tag.log
    run_bg "$SLOG" python3 "$SCRIPTED" --port 0 --mode reconnect-request --reconnect-url "$url" \
        --request-after "$AFTER" --media "$SRC" --timeout 60 "$@"
    SPORT=""
    wait_for "grep -q '^listening' '$SLOG'" 10 &&
        SPORT=$(sed -n 's/^listening [0-9.]*:\([0-9]*\)$/\1/p' "$SLOG" | head -n1)
    [ -n "$SPORT" ] || fail "scripted-$tag" "the scripted server did not start: $(head -c 300 "$SLOG")"
}

# audio_md5s FILE [N]: the md5 of the first N (all) AAC frames' payloads.
audio_md5s() {
    python3 "$FLVINFO" --frames "$1" | awk '$1 == "a" && $4 == "frame" { print $9 }' | head -n "${2:-1000000}"
}

# caps_ex LOG: the capsEx of the last connect the scripted server logged.
caps_ex() {
    sed -n 's/.*connect announces.*capsEx=\([0-9]*\).*/\1/p' "$1" | tail -n1
}

# stats_went_on NAME STATS STALL WHAT OUT: a push whose new place was STALL s slow went on
# reading its input: no wait of STALL s (less half a second) between the lines of its
# --stats-file STATS. Prints a FIGURE line (WHAT, the wait, OUT); checks NAME-stats-went-on.
stats_went_on() {
    local name=$1 stats=$2 stall=$3 what=$4 out=$5 gap
    gap=$(longest_stats_gap "$stats")
    echo "FIGURE $name: $what; longest wait between stats lines ${gap} ms; $out"
    if [ "$gap" -lt $((stall * 1000 - 500)) ]; then
        pass "$name-stats-went-on"
    else
        fail "$name-stats-went-on" "no stats line for $gap ms: the input waited for the new place"
    fi
}

# 1. push, make before break -------------------------------------------------------
NAME=$(uniq_name move)
mkdir -p "$T/rec"
start_scripted push "$NGINX_URL/live" --record "$T/rec"
if [ -n "$SPORT" ]; then
    run_bg "$T/nginx-dump.log" timeout 40 "$DUMP" -v "$NGINX_URL/live/$NAME" -o "$T/nginx.flv"
    NDUMP=$BG_PID
    # the recording at nginx plays (and waits for the publisher: idle streams) before the push
    wait_for "grep -q 'Enhanced RTMP capabilities' '$T/nginx-dump.log'" 20 ||
        fail push "the recording at nginx did not start: $(tail -2 "$T/nginx-dump.log")"
    timeout 40 "$PUSH" -v "$SRC" "rtmp://127.0.0.1:$SPORT/live/$NAME" >"$T/push.out" 2>"$T/push.log"
    rc=$?
    wait_pid "$NDUMP" 20
    if [ $rc != 0 ]; then
        fail push "exit $rc: $(tail -3 "$T/push.log")"
    elif ! grep -q "publishing at rtmp://127.0.0.1:$NGINX_PORT/live/\*\*\*" "$T/push.log"; then
        fail push "no move: $(tail -5 "$T/push.log")"
    else
        check push-frames python3 "$IT_LIB_DIR/move_check.py" "$T/rec/conn-0.bin" "$T/nginx.flv" "$SRC"
        check push-monotonic check_monotonic "$T/nginx.flv"
        if grep -q "$NAME" "$T/push.log"; then fail push-key "the key is in the log"; else pass push-key; fi
    fi
fi

# 1b. push, the new place slow to connect to ---------------------------------------
SLOW_PORT=$((NGINX_PORT + 60))   # 19410 with the default ports
STALL=3
SRC6=$(gen_media move 6)
NAME=$(uniq_name moveslow)
mkdir -p "$T/rec-slow"
run_bg "$T/slow-proxy.log" python3 "$IT_ROOT/tests/servers/stall_proxy.py" --port "$SLOW_PORT" \
    --target "$NGINX_PORT" --stall "$STALL" --at-connect --timeout 60
SPROXY=$BG_PID
wait_for "grep -q '^listening' '$T/slow-proxy.log'" 10 || fail push-slow "the proxy did not start"
start_scripted push-slow "rtmp://127.0.0.1:$SLOW_PORT/live" --record "$T/rec-slow"
if [ -n "$SPORT" ] && [ -s "$SRC6" ]; then
    run_bg "$T/nginx-slow-dump.log" timeout 40 "$DUMP" -v "$NGINX_URL/live/$NAME" -o "$T/nginx-slow.flv"
    NDUMP=$BG_PID
    wait_for "grep -q 'Enhanced RTMP capabilities' '$T/nginx-slow-dump.log'" 20 ||
        fail push-slow "the recording at nginx did not start: $(tail -2 "$T/nginx-slow-dump.log")"
    timeout 40 "$PUSH" -v --stats-file "$T/slow-stats.json" "$SRC6" "rtmp://127.0.0.1:$SPORT/live/$NAME" \
        >"$T/push-slow.out" 2>"$T/push-slow.log"
    rc=$?
    wait_pid "$NDUMP" 20
    if [ $rc != 0 ]; then
        fail push-slow "exit $rc: $(tail -3 "$T/push-slow.log")"
    elif ! grep -q "publishing at rtmp://127.0.0.1:$SLOW_PORT/live/\*\*\*" "$T/push-slow.log"; then
        fail push-slow "no move: $(tail -5 "$T/push-slow.log")"
    else
        out=$(python3 "$IT_LIB_DIR/move_check.py" "$T/rec-slow/conn-0.bin" "$T/nginx-slow.flv" "$SRC6")
        rc=$?
        [ $rc = 0 ] && pass push-slow-frames || fail push-slow-frames "$out"
        old_video=$(sed -n 's/.*old_video=\([0-9]*\).*/\1/p' <<<"$out")
        key_after=$(( (AFTER / 25 + 1) * 25 ))   # the source's first keyframe after the request
        if [ "${old_video:-0}" -gt "$key_after" ]; then
            pass push-slow-old-went-on
        else
            fail push-slow-old-went-on "the old place got $old_video video frames, not past frame $key_after: $out"
        fi
        stats_went_on push-slow "$T/slow-stats.json" "$STALL" "move ${STALL} s slow" "$out"
        grep -q "sent .*, 0 dropped" "$T/push-slow.log" && pass push-slow-none-dropped ||
            fail push-slow-none-dropped "$(grep 'sent ' "$T/push-slow.log")"
        check push-slow-monotonic check_monotonic "$T/nginx-slow.flv"
    fi
fi
stop_pid "$SPROXY" >/dev/null

# 1c. push, the new place refuses a second publisher --------------------------------
# The request names the scripted server itself, behind stall_proxy.py --at-each-connect
# (every connection's answer comes TSTALL s late): the move's connection is refused
# (BadName: the stream is ours), so the old connection ends first, and the attempts that
# follow publish at the new place without pausing the input.
TAKEN_PORT=$((NGINX_PORT + 61))
TSTALL=3
SRC10=$(gen_media move 10)
NAME=$(uniq_name movetaken)
mkdir -p "$T/rec-taken"
start_scripted push-taken "rtmp://127.0.0.1:$TAKEN_PORT/live" --record "$T/rec-taken" --request-once
if [ -n "$SPORT" ] && [ -s "$SRC10" ]; then
    run_bg "$T/taken-proxy.log" python3 "$IT_ROOT/tests/servers/stall_proxy.py" --port "$TAKEN_PORT" \
        --target "$SPORT" --stall "$TSTALL" --at-each-connect --timeout 60
    TPROXY=$BG_PID
    wait_for "grep -q '^listening' '$T/taken-proxy.log'" 10 || fail push-taken "the proxy did not start"
    # the queue holds the whole outage (two slow connects): nothing is to be lost
    timeout 40 "$PUSH" -v --queue 9000 --stats-file "$T/taken-stats.json" "$SRC10" \
        "rtmp://127.0.0.1:$SPORT/live/$NAME" >"$T/push-taken.out" 2>"$T/push-taken.log"
    rc=$?
    stop_pid "$TPROXY" >/dev/null
    if [ $rc != 0 ]; then
        fail push-taken "exit $rc: $(tail -3 "$T/push-taken.log")"
    elif ! grep -q "refuses a second publisher" "$T/push-taken.log" ||
         ! grep -q "publishing at rtmp://127.0.0.1:$TAKEN_PORT/live/\*\*\*" "$T/push-taken.log"; then
        fail push-taken "no break before make: $(tail -5 "$T/push-taken.log")"
    else
        pass push-taken
        # conn-0 the old connection, conn-1 the move's (refused), conn-2 the new place's
        refused=$(grep -c "refused: taken" "$SLOG")
        [ "$refused" = 1 ] && [ "$(ls "$T/rec-taken" | wc -l)" = 3 ] && pass push-taken-refused-once ||
            fail push-taken-refused-once "$refused refusals; $(ls "$T/rec-taken")"
        out=$(python3 "$IT_LIB_DIR/move_check.py" "$T/rec-taken/conn-0.bin" "$T/rec-taken/conn-2.bin" "$SRC10")
        [ $? = 0 ] && pass push-taken-frames || fail push-taken-frames "$out"
        stats_went_on push-taken "$T/taken-stats.json" "$TSTALL" "every connect ${TSTALL} s slow" "$out"
    fi
fi

# 2. dump follows a relative tcUrl into one file -----------------------------------
NAME=$(uniq_name move)
run_bg "$T/live-push.log" timeout 40 "$PUSH" -v --loop 4 "$SRC" "$NGINX_URL/live/$NAME"
LIVE=$BG_PID
wait_for "grep -q 'Enhanced RTMP capabilities' '$T/live-push.log'" 20 ||
    fail live-push "the publisher at nginx did not start: $(tail -2 "$T/live-push.log")"
start_scripted dump "//127.0.0.1:$NGINX_PORT/live"
if [ -n "$SPORT" ]; then
    timeout 30 "$DUMP" -v "rtmp://127.0.0.1:$SPORT/live/$NAME" -o "$T/follow.flv" --duration 3 \
        >"$T/dump.out" 2>"$T/dump.log"
    rc=$?
    info=$(python3 "$FLVINFO" "$T/follow.flv" 2>&1)
    if [ $rc != 0 ] || ! grep -q "reconnected where the server asked" "$T/dump.log"; then
        fail dump "exit $rc, no move: $(tail -3 "$T/dump.log")"
    elif ! [[ "$info" =~ video=([1-9][0-9]*) ]]; then
        fail dump "no video from nginx in the file: $info"
    elif ! cmp -s <(audio_md5s "$T/follow.flv" "$AFTER") <(audio_md5s "$SRC" "$AFTER"); then
        fail dump "the file does not start with the scripted server's $AFTER audio frames"
    else
        pass dump
        check dump-monotonic check_monotonic "$T/follow.flv"
    fi
    [ "$(caps_ex "$SLOG")" != "" ] && (( $(caps_ex "$SLOG") & 1 )) && pass dump-caps ||
        fail dump-caps "connect did not announce Reconnect: capsEx $(caps_ex "$SLOG")"
fi

# 3. play --no-display follows -----------------------------------------------------
start_scripted play "$NGINX_URL/live"
if [ -n "$SPORT" ]; then
    timeout 30 "$PLAY" -v --no-display --duration 4 "rtmp://127.0.0.1:$SPORT/live/$NAME" \
        >"$T/play.out" 2>"$T/play.log"
    rc=$?
    frames=$(sed -n 's/.*decoded \([0-9]*\) video frames.*/\1/p' "$T/play.log" | tail -n1)
    if [ $rc != 0 ] || ! grep -q "playing at rtmp://127.0.0.1:$NGINX_PORT/live/$NAME" "$T/play.log"; then
        fail play "exit $rc, no move: $(tail -3 "$T/play.log")"
    elif [ "${frames:-0}" -lt 1 ]; then
        fail play "no video decoded from nginx: $(tail -2 "$T/play.log")"
    else
        pass play
    fi
fi
stop_pid "$LIVE" >/dev/null

# 3b. dump and play, make before break on one clock --------------------------------
# start_flv TAG [ARGS...]: a play-flv server of $src; sets FPORT.
start_flv() {
    local tag=$1; shift
    run_bg "$T/flv-$tag.log" python3 "$SCRIPTED" --port 0 --mode play-flv --flv "$src" --timeout 60 "$@"
    FPORT=""
    wait_for "grep -q '^listening' '$T/flv-$tag.log'" 10 &&
        FPORT=$(sed -n 's/^listening [0-9.]*:\([0-9]*\)$/\1/p' "$T/flv-$tag.log" | head -n1)
    [ -n "$FPORT" ] || fail "flv-$tag" "the scripted server did not start: $(head -c 300 "$T/flv-$tag.log")"
}
# frames_of FILE v|a: the coded frames of a track.
frames_of() { python3 "$FLVINFO" --frames "$1" | awk -v t="$2" '$1 == t && $4 == "frame"' | wc -l; }
# 3c's source is 8 s: a switch misaligned by the new place's offset (2 s) would lose frames
# before the old place's end.
SRC8=$(gen_media move 8)
SRC8A=$(gen_media move 8 320x240 25 novideo)
for run in dump play dump-rebased play-rebased dump-audio-rebased; do
    who=${run%%-*} rebase=() src=$SRC
    suffix=${run#"$who"}
    case $run in
        *-audio-rebased) rebase=(--rebase) src=$SRC8A ;;
        *-rebased) rebase=(--rebase) src=$SRC8 ;;
    esac
    SRC_VIDEO=$(frames_of "$src" v) SRC_AUDIO=$(frames_of "$src" a)
    EPOCH=$(python3 -c 'import time; print(time.time() + 1)')   # begins about when we play (from 0 s)
    start_flv "$run-new" --epoch "$EPOCH" --no-gop-cache "${rebase[@]}"   # from its next keyframe, as nginx
    NEWP=$FPORT
    start_flv "$run-old" --epoch "$EPOCH" --reconnect-url "rtmp://127.0.0.1:$NEWP/live" --request-after "$AFTER"
    OLDP=$FPORT
    [ -n "$NEWP" ] && [ -n "$OLDP" ] || continue
    if [ $who = dump ]; then
        rec=$T/aligned$suffix.flv log=$T/aligned$suffix.log
        timeout 30 "$DUMP" -v "rtmp://127.0.0.1:$OLDP/live/one" -o "$rec" >"$T/aligned$suffix.out" 2>"$log"
        rc=$?
        out=$(python3 "$IT_LIB_DIR/move_check.py" --recording "$rec" "$src")
        if [ $rc != 0 ] || ! grep -q "reconnected where the server asked.*aligned" "$log"; then
            fail "dump-aligned$suffix" "exit $rc, no aligned move: $(tail -3 "$log")"
        elif ! grep -q "^recorded" <<<"$out" || [ "$(wc -l <<<"$out")" != 1 ]; then
            fail "dump-aligned$suffix" "$out"
        else
            pass "dump-aligned$suffix"
        fi
        echo "FIGURE dump-aligned$suffix: $out"
    else
        log=$T/aligned-play$suffix.log
        timeout 30 "$PLAY" -v --no-display "rtmp://127.0.0.1:$OLDP/live/one" >"$T/aligned-play$suffix.out" 2>"$log"
        rc=$?
        frames=$(sed -n 's/.*decoded \([0-9]*\) video frames.*/\1/p' "$log" | tail -n1)
        audio=$(sed -n 's/.*decoded [0-9]* video frames.*, \([0-9]*\) audio frames.*/\1/p' "$log" | tail -n1)
        if [ $rc != 0 ] || ! grep -q "playing at rtmp://127.0.0.1:$NEWP/live/one" "$log"; then
            fail "play-aligned$suffix" "exit $rc, no move: $(tail -3 "$log")"
        elif [ "${frames:-0}" != "$SRC_VIDEO" ] || [ "${audio:-0}" != "$SRC_AUDIO" ]; then
            fail "play-aligned$suffix" "decoded ${frames:-0} video and ${audio:-0} audio frames, the source has $SRC_VIDEO and $SRC_AUDIO"
        else
            pass "play-aligned$suffix"
        fi
    fi
done

# 4. --reconnect 0: not announced, not followed ------------------------------------
start_scripted nobit "$NGINX_URL/live"
if [ -n "$SPORT" ]; then
    timeout 30 "$DUMP" -v --reconnect 0 "rtmp://127.0.0.1:$SPORT/live/x" -o "$T/nobit.flv" \
        >"$T/nobit.out" 2>"$T/nobit.log"
    rc=$?
    caps=$(caps_ex "$SLOG")
    if [ $rc != 0 ] || [ -z "$caps" ] || (( caps & 1 )); then
        fail no-bit "exit $rc, capsEx ${caps:-none}: $(tail -2 "$T/nobit.log")"
    elif grep -q "playing at" "$T/nobit.log" || [ "$(audio_md5s "$T/nobit.flv" | wc -l)" != $((AFTER + 20)) ]; then
        fail no-bit "the request was followed, or the stream is not whole: $(python3 "$FLVINFO" "$T/nobit.flv")"
    else
        pass no-bit
    fi
fi

# 5. hostile tcUrls: refused in one line, the stream goes on -----------------------
for hostile in "http://127.0.0.1:$NGINX_PORT/live" @long @control; do
    tag=${hostile//[^a-z]/}
    tag=${tag:0:8}
    start_scripted "$tag" "$hostile"
    [ -n "$SPORT" ] || continue
    timeout 30 "$DUMP" "rtmp://127.0.0.1:$SPORT/live/x" -o "$T/$tag.flv" >"$T/$tag.out" 2>"$T/$tag.err"
    rc=$?
    if [ $rc != 0 ] || [ "$(wc -l <"$T/$tag.err")" != 1 ] || ! grep -qE "refused|ignored" "$T/$tag.err"; then
        fail "hostile-$tag" "exit $rc, not one refusal line: $(head -c 300 "$T/$tag.err")"
    elif LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$T/$tag.err"; then
        fail "hostile-$tag" "control bytes on stderr"
    elif [ "$(audio_md5s "$T/$tag.flv" | wc -l)" != $((AFTER + 20)) ]; then
        fail "hostile-$tag" "the stream did not go on: $(python3 "$FLVINFO" "$T/$tag.flv")"
    else
        pass "hostile-$tag"
    fi
done

it_finish
