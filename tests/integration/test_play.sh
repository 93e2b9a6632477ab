#!/usr/bin/env bash
# rtmp-play against nginx-rtmp with ffmpeg as the publisher: every frame decoded, the
# window under Xvfb shows the pattern, the disk audio driver records the tone, A/V sync
# from the player's own clocks, catching up after a stall, resolution change, publisher
# restart, reconnecting after the link is cut, audio-only and video-only streams, errors
# and exit codes.
# Runs itself under its own Xvfb (xvfb-run), so that screenshots see only the player.
if [ -z "${RTMPKIT_PLAY_UNDER_XVFB:-}" ]; then
    export RTMPKIT_PLAY_UNDER_XVFB=1
    exec timeout -k 5 600 xvfb-run -a -s "-screen 0 640x480x24" bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
it_setup play
need_servers

PLAY=$BUILD/cli/rtmp-play
SRC10=$(gen_media play10 10 320x240 25)
SRC20=$(gen_media play20 20 320x240 25)
SRC_A=$(gen_media playA 3 320x240 25)
SRC_B=$(gen_media playB 3 640x360 25)
SRC_NOAUDIO=$(gen_media play5 5 320x240 25 noaudio)
SRC_NOVIDEO=$(gen_media play5 5 320x240 25 novideo)
export SDL_AUDIODRIVER=disk

# json_field FILE KEY: the values of KEY in the player's --stats=json lines, one a line.
json_field() { grep -o "\"$2\":[^,}]*" "$1" | cut -d: -f2- | tr -d '"'; }

# headless_counts SRC NAME [OPTION]: rtmp-play --no-display [OPTION] started first, then
# ffmpeg publishes SRC; checks exit 0 and decoded frame counts equal to the source's
# packet counts (zero for the track --no-audio / --no-video turns off).
headless_counts() {
    local src=$1 name=$2 opt=${3:-} url=$NGINX_URL/live/$(uniq_name "$2") want_v want_a
    want_v=$(count_packets "$src" v); want_a=$(count_packets "$src" a)
    [ "$opt" = --no-video ] && want_v=0
    [ "$opt" = --no-audio ] && want_a=0
    run_bg "$T/$name.out" "$PLAY" --no-display ${opt:+"$opt"} "$url"
    local pid=$BG_PID
    sleep 0.5
    publish_ffmpeg "$src" "$url"
    wait_publisher 60
    wait_pid "$pid" 20
    local rc=$? line v a
    line=$(grep '^decoded ' "$T/$name.out")
    v=$(echo "$line" | sed -n 's/.*video_frames=\([0-9]*\).*/\1/p')
    a=$(echo "$line" | sed -n 's/.*audio_frames=\([0-9]*\).*/\1/p')
    check "$name-exit-status" test "$rc" = 0
    check "$name-every-video-frame" test "${v:-x}" = "$want_v"
    check "$name-every-audio-frame" test "${a:-x}" = "$want_a"
}

# 1. --no-display decodes every frame of a 10 s stream.
headless_counts "$SRC10" headless
headless_counts "$SRC_NOAUDIO" video-only
headless_counts "$SRC_NOVIDEO" audio-only
# --no-audio / --no-video on a stream that has both: nothing of that track, all of the other.
headless_counts "$SRC10" no-audio-flag --no-audio
headless_counts "$SRC10" no-video-flag --no-video
# Legacy FLV codecs decode too: Sorenson H.263 (codec id 2) video and MP3 audio.
SRC_LEGACY=$DATA/play-legacy-4s-h263-mp3.flv
if [ ! -s "$SRC_LEGACY" ]; then
    timeout 60 ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 \
        -f lavfi -i sine=frequency=440:sample_rate=44100 -t 4 -c:v flv -q:v 5 -g 25 \
        -c:a libmp3lame -b:a 96k -f flv "$SRC_LEGACY.tmp" && mv -f "$SRC_LEGACY.tmp" "$SRC_LEGACY"
fi
check legacy-source test "$(has_codecs "$SRC_LEGACY")" = "flv1 mp3"
headless_counts "$SRC_LEGACY" legacy-codecs

# 2. Resolution change mid-stream: one FLV whose second half has a new sequence header
#    (320x240 then 640x360), published in one session.
python3 - "$T/res.flv" "$SRC_A" "$SRC_B" <<'PY'
import struct, sys
def tags(path):
    d = open(path, 'rb').read()
    off = struct.unpack('>I', d[5:9])[0] + 4
    while off + 11 <= len(d):
        size = int.from_bytes(d[off+1:off+4], 'big')
        ts = int.from_bytes(d[off+4:off+7], 'big') | d[off+7] << 24
        yield d[off], ts, d[off+11:off+11+size]
        off += 11 + size + 4
out = open(sys.argv[1], 'wb')
out.write(b'FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00')
shift = 0
for i, path in enumerate(sys.argv[2:]):
    last = 0
    for t, ts, body in tags(path):
        if t == 18 and i > 0:
            continue   # one onMetaData
        ts += shift
        last = max(last, ts)
        out.write(bytes([t]) + len(body).to_bytes(3, 'big') + (ts & 0xFFFFFF).to_bytes(3, 'big') +
                  bytes([ts >> 24 & 0xFF]) + b'\0\0\0' + body + (11 + len(body)).to_bytes(4, 'big'))
    shift = last + 40
PY
headless_counts "$T/res.flv" resolution-change
# With a window: the picture follows the new size.
name=$(uniq_name res)
SDL_DISKAUDIOFILE=$T/res.raw run_bg "$T/res-window.err" "$PLAY" --stats=json "$NGINX_URL/live/$name"
pid=$BG_PID
sleep 0.5
publish_ffmpeg "$T/res.flv" "$NGINX_URL/live/$name"
wait_publisher 30
sleep 1
import -window root "$T/res.png"
stop_pid "$pid"; rc=$?
check resolution-change-window-exit-status test "$rc" = 0
check resolution-change-window-new-size grep -q '"video":"h264 640x360"' "$T/res-window.err"
# The window keeps its size; the 16:9 picture is letterboxed in it.
check resolution-change-window-shows-new-aspect test "$(convert "$T/res.png" -trim info: | awk '{ print $3 }')" = 320x180

# 3. Under Xvfb, a 35 s stream: screenshots, the tone, A/V sync over 30 s of stats.
SRC35=$(gen_media play35 35 320x240 25)
name=$(uniq_name window)
SDL_DISKAUDIOFILE=$T/window.raw run_bg "$T/window.err" "$PLAY" --stats=json --duration 33 "$NGINX_URL/live/$name"
pid=$BG_PID
sleep 0.5
publish_ffmpeg "$SRC35" "$NGINX_URL/live/$name"
sleep 5
import -window root "$T/shot1.png"
sleep 1
import -window root "$T/shot2.png"
wait_pid "$pid" 45; rc=$?
wait_publisher 45
check window-exit-status test "$rc" = 0

# The window's picture (the screen minus its black border) is a frame of the source:
# PSNR against the best-matching source frame, computed by ffmpeg.
screenshot_matches() {
    local shot=$1 crop=$T/crop-$(basename "$1")
    convert "$shot" -trim +repage "$crop" || return 1
    local size; size=$(identify -format '%wx%h' "$crop")
    [ "$size" = 320x240 ] || { echo "window picture is $size, not 320x240"; return 1; }
    local best
    best=$(timeout 120 ffmpeg -nostdin -hide_banner -loglevel error -i "$SRC35" -loop 1 -i "$crop" \
        -lavfi "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr=shortest=1:stats_file=-" -an -f null - 2>/dev/null |
        sed -n 's/.*psnr_avg:\([0-9.inf]*\).*/\1/p' | sort -g | tail -n1)
    awk -v b="$best" 'BEGIN { exit !(b == "inf" || b + 0 > 30) }' || { echo "best PSNR ${best:-none} dB <= 30"; return 1; }
}
check screenshot-shows-source-frame screenshot_matches "$T/shot1.png"
check screenshot-not-black test "$(convert "$T/shot1.png" -colorspace gray -format '%[fx:int(mean*255)]' info:)" -gt 20
check screenshots-differ test "$(compare -metric AE "$T/shot1.png" "$T/shot2.png" null: 2>&1 | cut -d' ' -f1)" -gt 1000

# The recorded output is the source's tone: 440 Hz dominant (Goertzel), same level.
timeout 60 ffmpeg -nostdin -v error -i "$SRC35" -vn -f s16le -ac 2 -ar 48000 "$T/src.raw"
tone_matches() {
    python3 - "$1" "$T/src.raw" <<'PY'
import array, math, sys
def load(p):
    a = array.array('h'); a.frombytes(open(p, 'rb').read()[: 48000 * 4 * 20]); return a
def mono(a, start, n):
    return [(a[2 * i] + a[2 * i + 1]) / 2 for i in range(start, start + n)]
def goertzel(x, f, rate=48000):
    k = 2 * math.cos(2 * math.pi * f / rate); s1 = s2 = 0.0
    for v in x:
        s0 = v + k * s1 - s2; s2 = s1; s1 = s0
    return s1 * s1 + s2 * s2 - k * s1 * s2
def rms(x):
    return math.sqrt(sum(v * v for v in x) / len(x)) if x else 0
out, src = load(sys.argv[1]), load(sys.argv[2])
# Skip leading silence (before the first sample arrived).
first = next((i for i in range(len(out) // 2) if abs(out[2 * i]) > 200), None)
if first is None:
    print("no sound recorded"); sys.exit(1)
n = 4800   # 100 ms windows
start = first + 48000 * 2
if (len(out) // 2) - start < 48000 * 5:
    print("recording too short: %.1f s" % (len(out) / 2 / 48000)); sys.exit(1)
freqs = [220, 330, 440, 550, 660, 880, 1760]
wins = 0
for w in range(20):
    x = mono(out, start + w * n * 2, n)
    p = {f: goertzel(x, f) for f in freqs}
    if max(p, key=p.get) == 440:
        wins += 1
if wins < 14:
    print("440 Hz dominant in only %d of 20 windows" % wins); sys.exit(1)
# Level: the source's RMS over a few seconds (the beeps included) vs the output's.
o = rms(mono(out, start, 48000 * 4)); s = rms(mono(src, 48000 * 2, 48000 * 4))
db = 20 * math.log10(o / s) if o > 0 and s > 0 else -99
if abs(db) > 1.5:
    print("level differs by %.1f dB (out %.0f, source %.0f)" % (db, o, s)); sys.exit(1)
PY
}
check audio-tone-and-level tone_matches "$T/window.raw"

# A/V: the offset between each frame's time and the audio clock when it was shown, over
# 30 s of stats lines, one a second (the first two seconds excluded: start-up).
av_in_sync() {
    local lines; lines=$(grep '"master":"audio"' "$T/window.err" | tail -n +3 | head -n 30)
    [ "$(echo "$lines" | grep -c '"av_samples":[1-9]')" -ge 28 ] || { echo "too few stats lines with audio master"; return 1; }
    echo "$lines" | json_field /dev/stdin av_max_ms | awk '{ v = $1 < 0 ? -$1 : $1; if (v > m) m = v }
        END { if (m >= 50) { print "A/V offset up to " m " ms"; exit 1 } }'
}
check av-within-50ms av_in_sync
# The offset above is measured against the clock that chose the frame, so it mostly checks
# the display loop. Two checks that do not lean on that: over the same 30 s the audio
# clock advances as fast as the wall clock (times the playback speed the line reports),
# less the silence played when the decoder fell behind (a loaded machine, a sanitizer),
# within 5 %: the tests' SDL disk audio driver sleeps one buffer's time per buffer
# (21 ms) without making up for the time its own work takes, so its device runs up to a
# few per cent slow on a loaded machine (2.5 % in two CI runs); a clock gone wrong is
# off by far more (standing still, twice as fast, stepping back),
# and the picture on screen when each line is printed (shown_pts_ms) is the one for the
# audio clock then: at most one frame interval (40 ms) + 50 ms behind it, never ahead.
audio_clock_real_speed() {
    grep '"master":"audio"' "$T/window.err" | tail -n +3 | head -n 30 | awk '
        { match($0, /"t_ms":[0-9]+/); t = substr($0, RSTART + 7, RLENGTH - 7) + 0
          match($0, /"clock_ms":-?[0-9]+/); c = substr($0, RSTART + 11, RLENGTH - 11) + 0
          match($0, /"speed":[0-9.]+/); sp = substr($0, RSTART + 8, RLENGTH - 8) + 0
          match($0, /"audio_silence_ms":[0-9]+/); si = substr($0, RSTART + 19, RLENGTH - 19) + 0 }
        NR > 1 { wall += t - lt; media += c - lc; want += (t - lt) * (sp + lsp) / 2 - (si - lsi) }
        { lt = t; lc = c; lsp = sp; lsi = si }
        END { if (NR < 28) { print "only " NR " lines"; exit 1 }
              d = media - want; if (d < 0) d = -d
              printf "audio clock %d ms over %d ms of wall time (%d ms expected; %d ms of silence before the last line)\n", media, wall, want, si
              exit !(d <= 0.05 * wall + 100) }'
}
check audio-clock-real-speed audio_clock_real_speed
video_follows_audio_clock() {
    grep '"master":"audio"' "$T/window.err" | tail -n +3 | head -n 30 | awk '
        { match($0, /"clock_ms":-?[0-9]+/); c = substr($0, RSTART + 11, RLENGTH - 11) + 0
          match($0, /"shown_pts_ms":-?[0-9]+/); v = substr($0, RSTART + 15, RLENGTH - 15) + 0
          n++; d = c - v; if (d < -10 || d > 90) { print "picture " d " ms behind the audio clock at " c; bad = 1 } }
        END { if (n < 28) { print "only " n " lines"; exit 1 }; exit bad }'
}
check video-follows-audio-clock video_follows_audio_clock

# 4. Latency: a steady stream played through a proxy that holds what the server sends for
#    2 s and then hands it over at once (the player's input stalls; the player runs on).
#    A few seconds later the buffer (edge_ms - clock_ms) is back within the target and
#    stays there, and the player has not exited. Once with ffmpeg through nginx and the
#    default target; once with rtmp-push testsrc through node-media-server and
#    --latency 300, where the onFI timecodes give the glass-to-glass latency too.
STALL_PORT=$((NGINX_PORT + 42))   # 19392 with the default ports
# stall_run LABEL SERVER_PORT STREAM OPTIONS...: plays rtmp://127.0.0.1:PROXY/live/STREAM
# with the proxy in front of SERVER_PORT, stalls it 5 s in, stops the player 13 s later.
# Logs in $T/LABEL.err and $T/LABEL-proxy.log.
stall_run() {
    local name=$1 target_port=$2 stream=$3; shift 3
    run_bg "$T/$name-proxy.log" python3 "$IT_ROOT/tests/servers/stall_proxy.py" --port $STALL_PORT \
        --target "$target_port" --stall 2 --timeout 60
    local proxy=$BG_PID
    wait_for "grep -q listening '$T/$name-proxy.log'" 10
    SDL_DISKAUDIOFILE=$T/$name.raw run_bg "$T/$name.err" "$PLAY" --stats=json "$@" \
        "rtmp://127.0.0.1:$STALL_PORT/live/$stream"
    local pid=$BG_PID
    sleep 5
    kill -USR1 "$proxy"
    sleep 13
    kill -0 "$pid" 2>/dev/null; STALL_ALIVE=$?
    stop_pid "$pid"; STALL_RC=$?
    stop_pid "$proxy"
}
# stall_checks LABEL TARGET: the checks on the stats lines of a stall_run.
stall_checks() {
    local name=$1 target=$2 err=$T/$1.err
    check "$name-still-running" test "$STALL_ALIVE" = 0
    check "$name-exit-status" test "$STALL_RC" = 0
    check "$name-target-in-stats" test "$(json_field "$err" target_ms | sort -u | tr '\n' ' ')" = "$target "
    check "$name-backlog-released" grep -q '^release [0-9]' "$T/$name-proxy.log"
    # The stall: a stats interval in which the live edge hardly moved while the player
    # kept printing a line a second (it was not stopped). From 3 s after the backlog came
    # in, every line is within the target: 0 <= buffer_ms <= target, and, when the
    # publisher sends timecodes, 0 <= latency_ms <= target too (encoding included).
    check "$name-back-within-target" awk -v target="$target" '
        function num(k,   r) { if (!match($0, "\"" k "\":-?[0-9]+")) return "none"
                              r = substr($0, RSTART, RLENGTH); sub(/.*:/, "", r); return r + 0 }
        /"t_ms"/ { t = num("t_ms"); e = num("edge_ms"); b = num("buffer_ms"); l = num("latency_ms")
          if (n++ && t - lt > 1500) { print "no stats line for " t - lt " ms: the player stalled"; bad = 1 }
          if (n > 3 && !stall && t - lt >= 900 && e - le < 300) { stall = 1; print "input stalled at " t " ms" }
          if (stall == 1 && e - le > 1500) { stall = 2; back = t; print "backlog in at " t " ms" }
          if (stall == 2 && t - back >= 3000) {
            after++
            if (b < 0 || b > target) { print "buffer " b " ms at " t " ms"; bad = 1 }
            if (l != "none" && (l < 0 || l > target)) { print "latency " l " ms at " t " ms"; bad = 1 }
          }
          lt = t; le = e }
        END { if (stall < 2) { print "no stall and release seen"; exit 1 }
              if (after < 6) { print "only " after " lines after the stall"; exit 1 }
              exit bad }' "$err"
    # Caught up by dropping what the stall made late (not by playing it all a bit faster):
    # audio_dropped_ms grows by more than 1 s from the line before the backlog came in
    # (the start may have dropped some already) to the last line.
    check "$name-caught-up-by-dropping" awk '
        function num(k,   r) { match($0, "\"" k "\":-?[0-9]+"); r = substr($0, RSTART, RLENGTH); sub(/.*:/, "", r); return r + 0 }
        /"t_ms"/ { e = num("edge_ms"); d = num("audio_dropped_ms")
          if (n++ > 3 && !jumped && e - le > 1500) { jumped = 1; before = ld }
          le = e; ld = d }
        END { if (!jumped) { print "no backlog seen"; exit 1 }
              print "dropped " ld - before " ms of audio after the stall"; exit !(ld - before > 1000) }' "$err"
}
name=$(uniq_name latency)
publish_ffmpeg --loop "$SRC10" "$NGINX_URL/live/$name"
wait_published 10
stall_run latency "$NGINX_PORT" "$name"
stop_pid "$PUBLISH_PID"
stall_checks latency 500
if [ -x "$BUILD/cli/rtmp-push" ]; then
    name=$(uniq_name latency300)
    run_bg "$T/latency300-push.log" "$BUILD/cli/rtmp-push" --duration 30 testsrc "$NMS_URL/live/$name"
    push_pid=$BG_PID
    sleep 1.5
    stall_run latency300 "$NMS_PORT" "$name" --latency 300
    stop_pid "$push_pid"
    stall_checks latency300 300
    check latency300-glass-to-glass-shown grep -q '"latency_ms":' "$T/latency300.err"
fi

# 5. Publisher restart: the player keeps its window, says it is waiting, and plays again.
name=$(uniq_name restart)
SDL_DISKAUDIOFILE=$T/restart.raw run_bg "$T/restart.err" "$PLAY" --stats=json "$NGINX_URL/live/$name"
pid=$BG_PID
sleep 0.5
publish_ffmpeg "$SRC_A" "$NGINX_URL/live/$name"
wait_publisher 30
sleep 1.5
xwininfo -root -tree >"$T/restart-windows.txt" 2>&1
shown_before=$(json_field "$T/restart.err" shown | tail -n1)
publish_ffmpeg "$SRC_B" "$NGINX_URL/live/$name"
wait_publisher 30
sleep 1
kill -0 "$pid" 2>/dev/null; alive=$?
stop_pid "$pid"; rc=$?
shown_after=$(json_field "$T/restart.err" shown | tail -n1)
check restart-still-running test "$alive" = 0
check restart-exit-status test "$rc" = 0
check restart-waiting-in-title grep -q 'waiting for the stream' "$T/restart-windows.txt"
check restart-plays-again test "${shown_after:-0}" -gt $((${shown_before:-0} + 50))

# edge_continues FILE MAX_JUMP_MS: the edge_ms of FILE's stats lines never goes back nor
# jumps by more than MAX_JUMP_MS from one line to the next (10 lines at least).
edge_continues() {
    json_field "$1" edge_ms | awk -v max="$2" 'NR > 1 && ($1 < last || $1 > last + max) {
            print "edge_ms " last " -> " $1; bad = 1 }
        { last = $1 }
        END { if (NR < 10) print "only " NR " stats lines"; exit bad || NR < 10 }'
}

# 5b. The link cut while a window plays: the proxy closes the connection and refuses new
#     ones for 2 s. The player says it is reconnecting (title, stats, log), connects again
#     by itself (its waits 1 s, then 1.5 s, each +-20 %: the second or third attempt gets
#     through) and shows
#     frames again; the live edge of its stats never goes back, nor jumps by more than
#     the cut.
name=$(uniq_name cut)
publish_ffmpeg --loop "$SRC10" "$NGINX_URL/live/$name"
wait_published 10
run_bg "$T/cut-proxy.log" python3 "$IT_ROOT/tests/servers/stall_proxy.py" --port $STALL_PORT \
    --target "$NGINX_PORT" --stall 1 --cut 2 --timeout 60
proxy=$BG_PID
wait_for "grep -q listening '$T/cut-proxy.log'" 10
SDL_DISKAUDIOFILE=$T/cut.raw run_bg "$T/cut.err" "$PLAY" -v --stats=json "rtmp://127.0.0.1:$STALL_PORT/live/$name"
pid=$BG_PID
sleep 5
kill -USR2 "$proxy"
sleep 1.5
xwininfo -root -tree >"$T/cut-windows.txt" 2>&1
shown_down=$(json_field "$T/cut.err" shown | tail -n1)
sleep 6.5
kill -0 "$pid" 2>/dev/null; alive=$?
stop_pid "$pid"; rc=$?
stop_pid "$proxy"
stop_pid "$PUBLISH_PID"
shown_after=$(json_field "$T/cut.err" shown | tail -n1)
check cut-still-running test "$alive" = 0
check cut-exit-status test "$rc" = 0
check cut-link-was-down sh -c "grep -q '^cut' '$T/cut-proxy.log' && grep -q '^refused' '$T/cut-proxy.log' &&
    grep -q '^connection 2' '$T/cut-proxy.log'"
check cut-reconnecting-in-title grep -q ' - reconnecting' "$T/cut-windows.txt"
check cut-waiting-in-stats grep -q '"waiting":true' "$T/cut.err"
check cut-logged-and-resumed sh -c "grep -Eq 'reconnecting in (0\.[89]|1\.[012]) s \(attempt 1\)' '$T/cut.err' &&
    grep -Eq 'reconnecting in 1\.[2-8] s \(attempt 2\)' '$T/cut.err' &&
    grep -Eq 'playing again after [23] attempts' '$T/cut.err'"
check cut-plays-again test "${shown_after:-0}" -gt $((${shown_down:-0} + 50))
check cut-edge-continues edge_continues "$T/cut.err" 6000

# 6. Glass-to-glass latency from the onFI timecode rtmp-push sends (node-media-server
#    passes data messages on; nginx-rtmp does not).
if [ -x "$BUILD/cli/rtmp-push" ]; then
    name=$(uniq_name g2g)
    run_bg "$T/g2g-push.log" "$BUILD/cli/rtmp-push" --duration 12 testsrc "$NMS_URL/live/$name"
    push_pid=$BG_PID
    sleep 1.5
    SDL_DISKAUDIOFILE=$T/g2g.raw timeout 30 "$PLAY" -vv --stats=json --duration 6 "$NMS_URL/live/$name" \
        >"$T/g2g.out" 2>"$T/g2g.err"; rc=$?
    stop_pid "$push_pid"
    check g2g-exit-status test "$rc" = 0
    # Same machine, same clock: the last values are the pipeline's latency, well under 1 s.
    check g2g-latency-shown sh -c "grep -o '\"latency_ms\":-\?[0-9]*' '$T/g2g.err' | cut -d: -f2 | tail -n 3 |
        awk '{ n++; if (\$1 < 0 || \$1 > 1000) bad = 1 } END { if (n < 2) print \"latency in \" n \" stats lines\"; exit bad || n < 2 }'"
fi

# 7. Keys and the window manager's close: volume down, mute, q; closing the window.
#    (No window manager on Xvfb: fullscreen (f) cannot be observed here.)
cat >"$T/xsend.py" <<'PY'
# xsend.py key KEYSYM | close  WINDOW_ID X Y: a key press (XTest, pointer moved over the
# window so that it has the focus) or a window manager's close request (WM_DELETE_WINDOW).
import ctypes, sys
from ctypes import c_int, c_long, c_ulong, c_void_p, c_char_p
x = ctypes.cdll.LoadLibrary('libX11.so.6')
xt = ctypes.cdll.LoadLibrary('libXtst.so.6')
x.XOpenDisplay.restype = c_void_p
x.XOpenDisplay.argtypes = [c_char_p]
x.XInternAtom.restype = c_ulong
x.XInternAtom.argtypes = [c_void_p, c_char_p, c_int]
x.XStringToKeysym.restype = c_ulong
x.XStringToKeysym.argtypes = [c_char_p]
x.XKeysymToKeycode.restype = ctypes.c_ubyte
x.XKeysymToKeycode.argtypes = [c_void_p, c_ulong]
x.XFlush.argtypes = [c_void_p]
x.XSync.argtypes = [c_void_p, c_int]
xt.XTestFakeMotionEvent.argtypes = [c_void_p, c_int, c_int, c_int, c_ulong]
xt.XTestFakeKeyEvent.argtypes = [c_void_p, ctypes.c_uint, c_int, c_ulong]

class ClientMessage(ctypes.Structure):
    _fields_ = [('type', c_int), ('serial', c_ulong), ('send_event', c_int), ('display', c_void_p),
                ('window', c_ulong), ('message_type', c_ulong), ('format', c_int), ('l', c_long * 5)]
class XEvent(ctypes.Union):
    _fields_ = [('xclient', ClientMessage), ('pad', c_long * 24)]
x.XSendEvent.argtypes = [c_void_p, c_ulong, c_int, c_long, ctypes.POINTER(XEvent)]

d = x.XOpenDisplay(None)
if not d:
    sys.exit("cannot open the display")
if sys.argv[1] == 'close':
    win = int(sys.argv[2], 16)
    ev = XEvent()
    ev.xclient.type = 33   # ClientMessage
    ev.xclient.window = win
    ev.xclient.message_type = x.XInternAtom(d, b'WM_PROTOCOLS', 0)
    ev.xclient.format = 32
    ev.xclient.l[0] = x.XInternAtom(d, b'WM_DELETE_WINDOW', 0)
    x.XSendEvent(d, win, 0, 0, ctypes.byref(ev))
else:
    keysym, cx, cy = sys.argv[2], int(sys.argv[4]), int(sys.argv[5])
    xt.XTestFakeMotionEvent(d, -1, cx, cy, 0)
    code = x.XKeysymToKeycode(d, x.XStringToKeysym(keysym.encode()))
    xt.XTestFakeKeyEvent(d, code, 1, 0)
    xt.XTestFakeKeyEvent(d, code, 0, 0)
x.XSync(d, 0)
PY
# player_window NAME: the X window id of the player playing stream NAME.
player_window() { xwininfo -root -tree | grep "\"rtmp://[^\"]*/$1\"" | head -n1 | awk '{ print $1 }'; }
name=$(uniq_name keys)
publish_ffmpeg "$SRC20" "$NGINX_URL/live/$name"
wait_published 10
SDL_DISKAUDIOFILE=$T/keys.raw run_bg "$T/keys.err" "$PLAY" "$NGINX_URL/live/$name"
pid=$BG_PID
wait_for "test -n \"\$(player_window $name)\"" 10
win=$(player_window "$name")
sleep 2
for i in 1 2 3 4 5; do python3 "$T/xsend.py" key Down "$win" 320 240; done
sleep 2
python3 "$T/xsend.py" key m "$win" 320 240
sleep 1.5
python3 "$T/xsend.py" key q "$win" 320 240
wait_pid "$pid" 5; rc=$?
stop_pid "$PUBLISH_PID"
check key-q-exits-0 test "$rc" = 0
# Peaks per half second: full level, then about half (5 x Down = 50%), then silence.
check keys-volume-and-mute python3 - "$T/keys.raw" <<'PY'
import array, sys
a = array.array('h'); a.frombytes(open(sys.argv[1], 'rb').read())
w = 24000
peaks = [max(abs(v) for v in a[2 * k * w:2 * (k + 1) * w]) for k in range(len(a) // (2 * w))]
if len(peaks) < 8:
    sys.exit("recording too short: %s" % peaks)
full = max(peaks[:4])
half = [i for i, p in enumerate(peaks) if 0.4 * full <= p <= 0.6 * full]
if not full or not half:
    sys.exit("no half-volume part: %s" % peaks)
if any(p > 0.7 * full for p in peaks[half[0]:]):
    sys.exit("louder than half after the volume went down: %s" % peaks)
if peaks[-1] != 0 or peaks[-2] != 0:
    sys.exit("not silent after mute: %s" % peaks)
PY
name=$(uniq_name close)
publish_ffmpeg "$SRC10" "$NGINX_URL/live/$name"
wait_published 10
SDL_DISKAUDIOFILE=$T/close.raw run_bg "$T/close.err" "$PLAY" "$NGINX_URL/live/$name"
pid=$BG_PID
wait_for "test -n \"\$(player_window $name)\"" 10
python3 "$T/xsend.py" close "$(player_window "$name")"
wait_pid "$pid" 5; rc=$?
stop_pid "$PUBLISH_PID"
check window-close-exits-0 test "$rc" = 0

# --volume 50 and --title T: the recorded level is half (-6 dB) of the source's (which
# volume 100 matches, see audio-tone-and-level), and the window manager sees the title.
name=$(uniq_name vol50)
SDL_DISKAUDIOFILE=$T/vol50.raw run_bg "$T/vol50.err" "$PLAY" --volume 50 --title "Cam one (test)" "$NGINX_URL/live/$name"
pid=$BG_PID
sleep 0.5
publish_ffmpeg "$SRC10" "$NGINX_URL/live/$name"
wait_for "xwininfo -root -tree | grep -q '\"Cam one (test)\"'" 10
win=$(xwininfo -root -tree | grep '"Cam one (test)"' | head -n1 | awk '{ print $1 }')
xprop -id "${win:-0}" WM_NAME _NET_WM_NAME >"$T/vol50-xprop.txt" 2>&1
sleep 7
stop_pid "$pid"; rc=$?
stop_pid "$PUBLISH_PID"
check volume-title-exit-status test "$rc" = 0
check title-is-the-option sh -c "grep -q '^_NET_WM_NAME(UTF8_STRING) = \"Cam one (test)\"\$' '$T/vol50-xprop.txt' &&
    grep -q '^WM_NAME([A-Z_]*) = \"Cam one (test)\"\$' '$T/vol50-xprop.txt'"
check title-hides-url sh -c "! xwininfo -root -tree | grep -q '/live/$name'"
check volume-50-is-half python3 - "$T/vol50.raw" "$T/src.raw" <<'PY'
import array, math, sys
def load(p):
    a = array.array('h'); a.frombytes(open(p, 'rb').read()); return a
def rms(a, start, n):
    x = [(a[2 * i] + a[2 * i + 1]) / 2 for i in range(start, start + n)]
    return math.sqrt(sum(v * v for v in x) / len(x)) if x else 0
out, src = load(sys.argv[1]), load(sys.argv[2])
first = next((i for i in range(len(out) // 2) if abs(out[2 * i]) > 100), None)
if first is None or len(out) // 2 < first + 48000 * 5:
    sys.exit("no sound, or too short: %.1f s" % (len(out) / 96000))
# 3 s from 1 s after the first sound: whole beep periods (1 s) of the same tone.
o, s = rms(out, first + 48000, 48000 * 3), rms(src, 48000 * 2, 48000 * 3)
db = 20 * math.log10(o / s) if o > 0 and s > 0 else -99
print("level %.1f dB against the source" % db)
sys.exit(abs(db + 6.02) > 1.5)
PY

# 8. Errors and exit codes, as for rtmp-dump.
timeout 20 "$PLAY" --no-display rtmp://127.0.0.1:1/live/x >"$T/refused.out" 2>&1; rc=$?
check refused-exit-4 test "$rc" = 4
timeout 20 "$PLAY" --no-display "http://nope" >"$T/badurl.out" 2>&1; rc=$?
check bad-url-exit-2 test "$rc" = 2
timeout 20 "$PLAY" --volume 200 "$NGINX_URL/live/x" >"$T/volume.out" 2>&1; rc=$?
check bad-volume-exit-2 test "$rc" = 2
# A target latency must be positive, and at least 50 ms (the device buffer and one frame).
for l in 0 -100 20; do
    timeout 20 "$PLAY" --no-display --latency "$l" "$NGINX_URL/live/x" >"$T/latency$l.out" 2>&1; rc=$?
    check "latency-$l-exit-2" sh -c "test $rc = 2 && grep -q -- '--latency' '$T/latency$l.out'"
done
timeout 20 "$PLAY" --no-display "rtmp://user:hunter2@127.0.0.1:1/live/x?token=s3cret" >"$T/secret.out" 2>&1
check secrets-not-logged sh -c "! grep -q 'hunter2\|s3cret' '$T/secret.out'"

it_finish
