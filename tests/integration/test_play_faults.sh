#!/usr/bin/env bash
# The fault matrix rows of rtmp-play and the rtmp-push server restart (issue 9), against
# real nginx-rtmp through tests/servers/fault_proxy.py, as test_faults.sh does for
# rtmp-dump: a black hole (bytes stop, no FIN or RST), 1-byte reads and writes with a
# reset among them, and an nginx of our own killed and restarted under a push. The player
# runs headless (--no-display --stats=json); its stats lines say what it did (state,
# reconnects, frames decoded). Each case prints a MATRIX line: fault, command, what the
# user saw, exit status, frames lost, outage. The A/V case plays in a window with sound:
# the file runs itself under its own Xvfb (xvfb-run), with SDL's disk audio driver.
if [ -z "${RTMPKIT_PLAY_UNDER_XVFB:-}" ]; then
    export RTMPKIT_PLAY_UNDER_XVFB=1
    exec timeout -k 5 300 xvfb-run -a -s "-screen 0 640x480x24" bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
it_setup play_faults
need_servers

PLAY=$BUILD/cli/rtmp-play
PUSH=$BUILD/cli/rtmp-push
FPS=25
PROXY_PORT=$((NGINX_PORT + 130))   # 19480 with the default ports
CTL_PORT=$((NGINX_PORT + 131))
MEDIA=$(gen_media faults 20 320x240 $FPS) || { fail media "gen_media failed"; it_finish; exit 1; }
SHORT=$(gen_media faults-short 4 320x240 $FPS) || { fail media "gen_media failed"; it_finish; exit 1; }

# start_proxy [ARGS...]: fault_proxy.py on PROXY_PORT in front of nginx, control on CTL_PORT.
start_proxy() { fault_proxy "$T/proxy-$RANDOM.log" "$NGINX_PORT" --timeout 120 "$@"; }

# json_field FILE KEY: the values of KEY in the player's --stats=json lines, one a line.
json_field() { grep -o "\"$2\":[^,}]*" "$1" | cut -d: -f2- | tr -d '"'; }
# last_field FILE KEY: the last value (0 when none yet).
last_field() { local v; v=$(json_field "$1" "$2" | tail -n1); echo "${v:-0}"; }

matrix() { echo "MATRIX | $1 | $2 | $3 | exit $4 | $5 frames lost | outage ${6} ms"; }

# play_bg CASE URL [OPTIONS...]: rtmp-play --no-display --stats=json -v in the background
# (stats and log in $T/CASE.err, the totals line in $T/CASE.out). Sets PID.
play_bg() {
    local c=$1 url=$2; shift 2
    timeout -k 2 90 "$PLAY" --no-display --stats=json -v "$@" "$url" >"$T/$c.out" 2>"$T/$c.err" &
    PID=$!
    IT_PIDS+=("$PID")
}

# frames_lost FILE: frames the player's timeline should hold at FPS (from the first media
# at 0 to the newest, edge_ms: an outage is kept as a gap in that time) minus the frames
# it decoded, from the last stats line.
frames_lost() {
    awk -v e="$(last_field "$1" edge_ms)" -v n="$(last_field "$1" video_frames)" -v fps=$FPS \
        'BEGIN { print int(e * fps / 1000 + 0.5) + 1 - n }'
}

# stop_player PID: SIGINT (the user's stop), then the exit status.
stop_player() {
    kill -INT "$1" 2>/dev/null
    wait_pid "$1" 10
}

# 1. A black hole under a playing rtmp-play: no byte arrives, no FIN or RST. The idle
#    timeout (--timeout 6) calls it a lost connection, retried (state reconnecting, the
#    reconnects count grows), never the end of the stream: 6 s is beyond the 5 s without
#    media after which a headless player used to say "the stream has ended" (now the
#    server must answer for that). After heal the player plays on (the new connection was
#    never in the hole), and SIGINT ends it with status 0.
name=$(uniq_name blackhole)
publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
start_proxy
play_bg blackhole "rtmp://127.0.0.1:$PROXY_PORT/live/$name" --reconnect 5 --timeout 6
wait_for "test \$(last_field '$T/blackhole.err' video_frames) -ge $((2 * FPS))" 20
t_hole=$(date +%s.%N)
proxy_cmd blackhole
wait_for "test \$(last_field '$T/blackhole.err' reconnects) -ge 1" 20
outage=$(awk -v s="$(seconds_since "$t_hole")" 'BEGIN { print int(s * 1000) }')
proxy_cmd heal
at_resume=$(last_field "$T/blackhole.err" video_frames)
wait_for "test \$(last_field '$T/blackhole.err' video_frames) -ge $((at_resume + 2 * FPS))" 20
kill -0 "$PID" 2>/dev/null; alive=$?
stop_player "$PID"; rc=$?
check blackhole-still-running test "$alive" = 0
check blackhole-exit-status test "$rc" = 0
check blackhole-timeout-is-a-fault grep -q 'TIMEOUT); reconnecting in' "$T/blackhole.err"
check blackhole-not-an-end sh -c "! grep -q 'stream has ended\|stream ended' '$T/blackhole.err'"
check blackhole-state-shown grep -Eq '"state":"(reconnecting|waiting)"' "$T/blackhole.err"
check blackhole-reconnects-counted test "$(last_field "$T/blackhole.err" reconnects)" -ge 1
check blackhole-plays-after test "$(last_field "$T/blackhole.err" video_frames)" -ge $((at_resume + 2 * FPS))
lost=$(frames_lost "$T/blackhole.err")
matrix "black hole (nginx), --timeout 6" rtmp-play "$(grep -m1 'reconnecting in' "$T/blackhole.err" |
    sed 's/.*WARN[^:]*: //' | cut -c1-70)" "$rc" "$lost" "$outage"
stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

# 2. 1-byte reads and writes all along (fault_proxy.py --bytewise): every message reaches
#    the player in 1-byte pieces. (a) Started before the publisher, which sends a 4 s file
#    and leaves: nginx's end of the stream comes after the last media on the same TCP
#    stream, so every frame the publisher sent is decoded: no tolerance. (b) A reset
#    777 bytes into a message, under a looping publisher: reconnected, plays on.
start_proxy --bytewise
name=$(uniq_name bytewise)
play_bg bytewise "rtmp://127.0.0.1:$PROXY_PORT/live/$name"
wait_for "grep -q 'capabilities' '$T/bytewise.err'" 15
publish_ffmpeg "$SHORT" "$NGINX_URL/live/$name"
wait_publisher 30
wait_pid "$PID" 40; rc=$?
want_v=$(count_packets "$SHORT" v); want_a=$(count_packets "$SHORT" a)
got_v=$(sed -n 's/^decoded .*video_frames=\([0-9]*\).*/\1/p' "$T/bytewise.out")
got_a=$(sed -n 's/^decoded .*audio_frames=\([0-9]*\).*/\1/p' "$T/bytewise.out")
check bytewise-exit-status test "$rc" = 0
check bytewise-every-video-frame test "${got_v:-x}" = "$want_v"
check bytewise-every-audio-frame test "${got_a:-x}" = "$want_a"
check bytewise-ended-by-server grep -q 'stream ended (' "$T/bytewise.err"
matrix "1-byte reads/writes, publisher leaves" rtmp-play "$got_v of $want_v video, $got_a of $want_a audio frames" \
    "$rc" "$(( want_v - ${got_v:-0} ))" 0

name=$(uniq_name bytereset)
publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
play_bg bytereset "rtmp://127.0.0.1:$PROXY_PORT/live/$name" --reconnect 5
wait_for "test \$(last_field '$T/bytereset.err' video_frames) -ge $((2 * FPS))" 20
t_cut=$(date +%s.%N)
proxy_cmd "reset 777"
wait_for "test \$(last_field '$T/bytereset.err' reconnects) -ge 1" 20
outage=$(awk -v s="$(seconds_since "$t_cut")" 'BEGIN { print int(s * 1000) }')
at_resume=$(last_field "$T/bytereset.err" video_frames)
wait_for "test \$(last_field '$T/bytereset.err' video_frames) -ge $((at_resume + 2 * FPS))" 20
kill -0 "$PID" 2>/dev/null; alive=$?
stop_player "$PID"; rc=$?
check bytereset-still-running test "$alive" = 0
check bytereset-exit-status test "$rc" = 0
check bytereset-reconnected grep -q 'playing again after' "$T/bytereset.err"
check bytereset-plays-after test "$(last_field "$T/bytereset.err" video_frames)" -ge $((at_resume + 2 * FPS))
check bytereset-not-an-end sh -c "! grep -q 'stream has ended\|stream ended' '$T/bytereset.err'"
matrix "1-byte reads/writes + reset" rtmp-play "$(grep -m1 'reconnecting in' "$T/bytereset.err" |
    sed 's/.*WARN[^:]*: //' | cut -c1-70)" "$rc" "$(frames_lost "$T/bytereset.err")" "$outage"
stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

# 3. A/V sync across a reset, in a window with sound (the audio clock is the master): the
#    picture shown right after the player resumed is one of the new connection's, due by
#    the clock. The bound on the largest offset (av_max_ms) in every stats line, the lines
#    of the cut included: under 600 ms. A picture from before the cut shown against the
#    clock after it (as the player did: 1.1-2.0 s in a soak) is off by the gap the cut left
#    in the stream's time less a frame interval at most: the gap is at least the first
#    reconnect wait (1 s - 20 % = 800 ms), so such a picture is off by 760 ms or more. A
#    picture shown when the clock reaches it is off by the window's wake-up only (under
#    50 ms in test_play.sh); the 160 ms and more between leave room for a loaded machine.
name=$(uniq_name avcut)
publish_ffmpeg --loop "$MEDIA" "$NGINX_URL/live/$name"; wait_published 10
start_proxy
SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=$T/avcut.raw timeout -k 2 90 "$PLAY" --stats=json -v \
    "rtmp://127.0.0.1:$PROXY_PORT/live/$name" >"$T/avcut.out" 2>"$T/avcut.err" &
PID=$!
IT_PIDS+=("$PID")
# audio_lines FILE: the stats lines with the audio clock as the master and frames shown
# against it, from the third line on (the first two are the start-up).
audio_lines() { grep '^{' "$1" | tail -n +3 | grep '"master":"audio"' | grep '"av_samples":[1-9]'; }
wait_for "test \$(audio_lines '$T/avcut.err' | wc -l) -ge 3" 20
t_cut=$(date +%s.%N)
proxy_cmd reset
wait_for "test \$(last_field '$T/avcut.err' reconnects) -ge 1" 20
outage=$(awk -v s="$(seconds_since "$t_cut")" 'BEGIN { print int(s * 1000) }')
wait_for "test \$(audio_lines '$T/avcut.err' | grep -c '\"reconnects\":1') -ge 3" 20
kill -0 "$PID" 2>/dev/null; alive=$?
stop_player "$PID"; rc=$?
av_max=$(audio_lines "$T/avcut.err" | json_field /dev/stdin av_max_ms |
    awk '{ v = $1 < 0 ? -$1 : $1; if (v > m) m = v } END { print m + 0 }')
check avcut-still-running test "$alive" = 0
check avcut-exit-status test "$rc" = 0
check avcut-reconnected grep -q 'playing again after' "$T/avcut.err"
check avcut-plays-after test "$(audio_lines "$T/avcut.err" | grep -c '"reconnects":1')" -ge 3
check avcut-av-offset-small between "$av_max" 0 599
matrix "reset (window, audio clock)" rtmp-play "largest A/V offset $av_max ms (every line, the cut's too)" "$rc" \
    "$(frames_lost "$T/avcut.err")" "$outage"
stop_pid "$PROXY_PID"; stop_pid "$PUBLISH_PID"

# 4. rtmp-push to an nginx of our own (other ports: test_faults.sh's own servers, 100
#    ports further), killed (SIGKILL, master and worker) and started again a second later:
#    the push reconnects by itself and ends with status 0; a recording made after the
#    restart has the stream: frames, timestamps that never go back, clean decoding. The
#    recording is 6 s long: a recorder that joins just after a keyframe gets video only
#    from the next one (GOP 2 s), audio at once; 3 s of video is what it must still have.
own=$T/own-servers own_port=$((NGINX_PORT + 1100))   # 20450.. with the default ports
own_servers() { servers_at "$own_port" "$own" "$1"; }
# kill_own_nginx: SIGKILL to our nginx's master and its workers; until its port is closed.
kill_own_nginx() {
    local master; master=$(cat "$own/nginx.pid")
    kill -KILL "$master" $(ps -o pid= --ppid "$master") 2>/dev/null
    wait_for "! it_port_open $own_port" 10
}
if own_servers start; then
    name=$(uniq_name pushrestart)
    run_bg "$T/pushrestart.log" timeout -k 2 60 "$PUSH" -v --duration 14 --size 320x240 --fps $FPS testsrc \
        "rtmp://127.0.0.1:$own_port/live/$name"
    pid=$BG_PID
    sleep 3
    t_kill=$(date +%s.%N)
    kill_own_nginx
    sleep 1
    timeout 10 nginx -e "$own/nginx-error.log" -p "$own" -c "$own/nginx.conf" >>"$T/own-servers.log" 2>&1
    wait_for "grep -q 'publishing again' '$T/pushrestart.log'" 20
    outage=$(awk -v s="$(seconds_since "$t_kill")" 'BEGIN { print int(s * 1000) }')
    record_ffmpeg "rtmp://127.0.0.1:$own_port/live/$name" "$T/pushrestart.flv" 6
    wait_pid "$pid" 40; rc=$?
    check push-restart-exit-status test "$rc" = 0
    check push-restart-reconnect-logged sh -c "grep -q 'reconnecting in' '$T/pushrestart.log' &&
        grep -q 'sent [0-9.]* s (1 reconnect)' '$T/pushrestart.log'"
    check push-restart-recording-frames test "$(count_packets "$T/pushrestart.flv" v)" -ge $((3 * FPS))
    check push-restart-recording-monotonic check_monotonic "$T/pushrestart.flv" 100000
    check push-restart-recording-decodes test -z "$(decode_errors "$T/pushrestart.flv")"
    totals=$(grep -o 'sent [0-9.]* s.*' "$T/pushrestart.log" | tail -n1)
    lost=$(echo "$totals" | awk -v fps=$FPS '{ split($2, s, " "); for (i = 1; i <= NF; i++) if ($(i + 1) == "video") v = $i
        print int($2 * fps + 0.5) - v }')
    matrix "server killed and restarted (nginx)" rtmp-push "$(grep -m1 'reconnecting in' "$T/pushrestart.log" |
        sed 's/.*WARN[^:]*: //' | cut -c1-70)" "$rc" "$lost" "$outage"
    own_servers stop
else
    fail push-restart-servers "could not start a second nginx: $(tail -3 "$T/own-servers.log")"
fi

it_finish
