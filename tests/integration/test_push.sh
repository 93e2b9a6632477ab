#!/usr/bin/env bash
# rtmp-push against real servers (nginx-rtmp, node-media-server), with the ffmpeg CLI as
# the independent recorder (started before the publisher, so no frame is missed) and
# ffprobe as the verifier; nginx's /stat page and its log show how the publisher left.
. "$(dirname "$0")/lib.sh"
it_setup push
need_servers

PUSH=$BUILD/cli/rtmp-push
SERVERS_DIR=${IT_SERVERS_DIR:-${RTMPKIT_SERVERS_DIR:-}}   # for nginx-error.log, if known
STAT_URL=http://127.0.0.1:$NGINX_HTTP_PORT/stat

if [ ! -x "$PUSH" ]; then
    fail build "$PUSH not built"
    it_finish; exit 1
fi

SRC=$(gen_media push8 8 640x360 30)
SRC_B=$(gen_media push8b 8 640x360 30 bframes)
SRC10=$(gen_media push10 10)
SRC2=$(gen_media push2 2)
if [ ! -s "$SRC" ] || [ ! -s "$SRC_B" ] || [ ! -s "$SRC10" ] || [ ! -s "$SRC2" ]; then
    fail gen_media "could not generate the sources"; it_finish; exit 1
fi

# ---- helpers ----

# nginx_stat NAME: "absent", "published" (a client publishes NAME in app live) or
# "idle" (listed, players only).
nginx_stat() {
    timeout 10 python3 - "$STAT_URL" "$1" <<'EOF'
import sys, urllib.request, xml.etree.ElementTree as ET
root = ET.fromstring(urllib.request.urlopen(sys.argv[1], timeout=5).read())
state = "absent"
for app in root.iter("application"):
    if app.findtext("name") != "live":
        continue
    for s in app.iter("stream"):
        if s.findtext("name") == sys.argv[2]:
            state = "idle"
            if any(c.find("publishing") is not None for c in s.iter("client")):
                state = "published"
print(state)
EOF
}

# nginx_clean_unpublish NAME: nginx's log shows the publisher of NAME deleting its stream
# before its connection went (a dropped connection logs "disconnect" first). Prints why not.
nginx_clean_unpublish() {
    local log=$SERVERS_DIR/nginx-error.log id
    id=$(grep -F "publish: name='$1'" "$log" | tail -n1 | sed -n 's/.* \*\([0-9]*\) publish: .*/\1/p')
    [ -n "$id" ] || { echo "no publish of '$1' in $log"; return 1; }
    grep -E "\*$id (deleteStream|disconnect)," "$log" | head -n1 | grep -q deleteStream ||
        { echo "nginx log: connection *$id disconnected before any deleteStream"; return 1; }
}

# unpublished NAME [players=0]: nginx no longer lists a publisher of NAME (bounded wait),
# no longer lists the stream at all when nobody plays it, and saw a clean unpublish.
unpublished() {
    local want=absent st
    [ "${2:-0}" = 1 ] && want=idle
    wait_for "[ \"\$(nginx_stat '$1')\" = $want ]" 3 ||
        { st=$(nginx_stat "$1"); echo "nginx /stat: stream '$1' is '$st', wanted '$want'"; return 1; }
    [ -z "$SERVERS_DIR" ] || nginx_clean_unpublish "$1"
}

# start_recorder URL OUT: ffmpeg -i URL -c copy OUT in the background, returns once it has
# asked for the stream (sets REC_PID, REC_LOG). nginx and NMS hold the player until a
# publisher comes. ffmpeg never ends by itself when a live stream stops (NMS does not even
# say so), and at a SIGINT while it waits for data it cannot finish the file (the first
# signal waits for a packet, the second aborts the writes too): so -rw_timeout, it stops
# after REC_IDLE s without data, having written the whole file.
REC_IDLE=2
start_recorder() {
    REC_LOG=$2.rec.log
    timeout -k 2 120 ffmpeg -nostdin -hide_banner -v debug -rw_timeout $((REC_IDLE * 1000000)) \
        -i "$1" -c copy -f flv -y "$2" >"$REC_LOG" 2>&1 &
    REC_PID=$!
    IT_PIDS+=("$REC_PID")
    wait_for "grep -q 'Sending play command' '$REC_LOG'" 10 ||
        echo "start_recorder: ffmpeg did not start playing $1: $(tail -n 2 "$REC_LOG")" >&2
    sleep 0.3  # the play command on its way to the server
}

# sigint PID: SIGINT once, like Ctrl-C, to the program that `timeout` (PID) runs. Not to
# timeout itself: it would pass the signal on twice (to its child and to its process group)
# and start its -k timer.
sigint() {
    local kid
    kid=$(awk '{ print $1 }' "/proc/$1/task/$1/children" 2>/dev/null)
    kill -INT "${kid:-$1}" 2>/dev/null
}

# stop_recorder: after the publisher ended, the recorder's idle timeout ends it (bounded).
stop_recorder() {
    wait_pid "$REC_PID" $((REC_IDLE * 3 + 4))
}

# push_fg LOG TIMEOUT ARGS...: run rtmp-push in the foreground; sets PUSH_RC and PUSH_WALL
# (seconds, wall time).
push_fg() {
    local log=$1 tmo=$2 t0; shift 2
    t0=$(date +%s.%N)
    timeout -k 2 "$tmo" "$PUSH" "$@" >"$log" 2>&1
    PUSH_RC=$?
    PUSH_WALL=$(seconds_since "$t0")
}

# push_bg LOG ARGS...: rtmp-push in the background (at most 120 s); sets PUSH_PID.
push_bg() {
    local log=$1; shift
    timeout -k 2 120 "$PUSH" "$@" >"$log" 2>&1 &
    PUSH_PID=$!
    IT_PIDS+=("$PUSH_PID")
}

# decodes_clean FILE: some video, no decode errors.
decodes_clean() {
    local errs
    [ "$(count_packets "$1" v)" -gt 0 ] || { echo "no video in '$1'"; return 1; }
    errs=$(decode_errors "$1")
    [ -z "$errs" ] || { echo "decode errors: $(echo "$errs" | head -3)"; return 1; }
}

# pts_ms FILE v|a: the pts of each packet (ms, for FLV and WebM/Matroska). (Not lib.sh's
# packet_times: ffprobe prints its fields pts first, whatever -show_entries asks.)
pts_ms() {
    timeout 60 ffprobe -v error -select_streams "$2:0" -show_entries packet=pts -of csv=p=0 "$1" 2>/dev/null |
        cut -d, -f1 | grep -v N/A
}
# span_ms FILE v|a: last pts - first pts; first_ms FILE v|a: the first (smallest) pts.
span_ms() { pts_ms "$1" "$2" | awk 'NR == 1 || $1 < lo { lo = $1 } NR == 1 || $1 > hi { hi = $1 } END { if (NR) print hi - lo }'; }
first_ms() { pts_ms "$1" "$2" | awk 'NR == 1 || $1 < lo { lo = $1 } END { if (NR) print lo }'; }

# cts_ms FILE: each video packet's composition time (pts - dts, ms), in file order, in any
# container (times in seconds; packets without a dts and side-data lines are left out).
cts_ms() {
    timeout 60 ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,dts_time -of csv=p=0 "$1" 2>/dev/null |
        awk -F, 'NF == 2 && $1 ~ /^-?[0-9.]+$/ && $2 ~ /^-?[0-9.]+$/ {
            d = ($1 - $2) * 1000; printf "%d\n", d < 0 ? d - 0.5 : d + 0.5 }'
}
# has_bframes_cts FILE: some video packets have a composition time (the source has B-frames,
# so a cts comparison that passes cannot be two columns of zeros).
has_bframes_cts() { [ "$(cts_ms "$1" | grep -cv '^0$')" -gt 0 ] || { echo "no packet of '$1' has a composition time"; return 1; }; }

# The cases run in groups of independent cases side by side (checks_bg: each on stream
# names and files of its own), so that their paced pushes and their recorders' idle
# timeouts pass at the same time; the groups one after the other: first the stream copies
# (light), then the encodings (two at a time), then the paced pushes whose wall time is
# checked, then --no-pace, SIGINT and the slow link with the rejections in the foreground.

# ---- 1. copy path: the same packets, byte for byte, on both servers ----

# copy_path CHECK SERVER_URL SRC NGINX(0|1)
copy_path() {
    local chk=$1 url src=$3 nginx=$4 out=$T/$1.flv
    url=$2/live/$(uniq_name "$1")
    start_recorder "$url" "$out"
    push_fg "$T/$chk.push.log" 60 "$src" "$url"
    check "$chk-exit-status" test "$PUSH_RC" = 0
    [ "$nginx" = 1 ] && check "$chk-unpublished-while-played" unpublished "${url##*/}" 1
    stop_recorder
    [ "$nginx" = 1 ] && check "$chk-stream-gone" unpublished "${url##*/}" 0
    check "$chk-same-packets-and-bytes" same_packets "$src" "$out"
}

# The same B-frame stream in MP4 and Matroska (ffmpeg -c copy), read by FFmpeg instead of
# our FLV reader: the same packets, and the composition times of the FLV it was made from
# (Matroska stores no dts: FFmpeg derives it, and the first frames have none).
copy_bframes_kind() {
    local kind=$1 src=$T/srcb.$1
    timeout 60 ffmpeg -nostdin -loglevel error -y -i "$SRC_B" -c copy "$src"
    copy_path "copy-bframes-$kind" "$NGINX_URL" "$src" 1
    check "copy-bframes-$kind-cts-kept" cmp -s <(cts_ms "$SRC_B") <(cts_ms "$T/copy-bframes-$kind.flv")
}

# FLV on stdin (FFmpeg's FLV demuxer, not our reader): byte-identical too.
flv_stdin() {
    local url out=$T/flv-stdin.flv
    url=$NGINX_URL/live/$(uniq_name flvstdin)
    start_recorder "$url" "$out"
    push_fg "$T/flv-stdin.push.log" 60 - "$url" < "$SRC_B"
    check flv-stdin-exit-status test "$PUSH_RC" = 0
    stop_recorder
    check flv-stdin-same-packets-and-bytes same_packets "$SRC_B" "$out"
    check flv-stdin-cts-kept cmp -s <(cts_ms "$SRC_B") <(cts_ms "$out")
}

# ---- 2. encode path: MPEG-2/MP3 (codecs RTMP cannot carry) becomes H.264/AAC ----
# (VP9/Opus, HEVC, AV1, FLAC, AC-3 are copied in Enhanced RTMP tags: test_enhanced.sh.)

ENC_SRC=$DATA/push-mpeg2-mp3-6s-640x360-30fps.mkv
encargs=(-c:v mpeg2video -b:v 2M -g 30 -c:a libmp3lame -b:a 128k -f matroska)
if [ ! -s "$ENC_SRC" ]; then
    timeout 120 ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30 \
        -f lavfi -i sine=frequency=440:beep_factor=4:sample_rate=48000 -t 6 -map 0:v -map 1:a \
        -pix_fmt yuv420p "${encargs[@]}" "$ENC_SRC.tmp" && mv -f "$ENC_SRC.tmp" "$ENC_SRC"
fi
encode_path() {
    local url out=$T/encode.flv src_frames src_span fa fv
    url=$NGINX_URL/live/$(uniq_name encode)
    start_recorder "$url" "$out"
    push_fg "$T/encode.push.log" 60 "$ENC_SRC" "$url"
    check encode-exit-status test "$PUSH_RC" = 0
    stop_recorder
    check encode-codecs test "$(has_codecs "$out")" = "h264 aac"
    check encode-decodes decodes_clean "$out"
    src_frames=$(count_frames "$ENC_SRC" v)
    check encode-frame-count between "$(count_frames "$out" v)" $((src_frames - 1)) $((src_frames + 1))
    src_span=$(span_ms "$ENC_SRC" v)
    check encode-duration between "$(span_ms "$out" v)" $((src_span - 34)) $((src_span + 34))
    fa=$(first_ms "$out" a); fv=$(first_ms "$out" v)
    check encode-av-start between "$(awk -v a="$fa" -v v="$fv" 'BEGIN { if (a != "" && v != "") print a - v }')" -50 50
}

# The encoding options, on an H.264/AAC source that would otherwise be copied: 640x360
# 30 fps 8 s becomes 320x240 15 fps (~120 frames), a keyframe every 15 frames and no
# other, ~400 kbit/s, x264's ultrafast preset (its SEI says cabac=0; veryfast has 1).
encode_opts() {
    local url out=$T/encode-opts.flv n keys kbps
    url=$NGINX_URL/live/$(uniq_name encopts)
    start_recorder "$url" "$out"
    push_fg "$T/encode-opts.push.log" 60 --encode --size 320x240 --fps 15 --gop 15 --preset ultrafast \
        --video-bitrate 400 "$SRC" "$url"
    check encode-opts-exit-status test "$PUSH_RC" = 0
    stop_recorder
    check encode-opts-decodes decodes_clean "$out"
    check encode-opts-size test "$(timeout 30 ffprobe -v error -select_streams v:0 -show_entries stream=width,height \
        -of csv=s=x:p=0 "$out" 2>/dev/null)" = 320x240
    check encode-opts-frame-rate test "$(timeout 30 ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate \
        -of csv=p=0 "$out" 2>/dev/null)" = 15/1
    n=$(count_frames "$out" v)
    check encode-opts-frame-count between "$n" 119 121
    check encode-opts-span between "$(span_ms "$out" v)" 7800 8034   # 120 frames 66.7 ms apart
    keys=$(timeout 60 ffprobe -v error -select_streams v:0 -show_entries packet=flags -of csv=p=0 "$out" 2>/dev/null |
        awk '$1 ~ /^[K_][D_]/ { if ($1 ~ /^K/) printf "%d ", n; n++ }')
    check encode-opts-gop test "$keys" = "$(seq -s ' ' 0 15 $((n - 1))) "
    kbps=$(timeout 60 ffprobe -v error -select_streams v:0 -show_entries packet=size -of csv=p=0 "$out" 2>/dev/null |
        awk '{ b += $1 } END { print b * 8 / 8 / 1000 }')
    check encode-opts-bitrate between "$kbps" 250 600
    check encode-opts-preset grep -qa 'x264 - core.* cabac=0 .*keyint=15 .*bitrate=400 ' "$out"
}

# ---- 3. MPEG-TS (Annex B H.264, ADTS AAC) through a pipe on stdin ----

TS=$DATA/push-ts-6s-640x360-30fps.ts
if [ ! -s "$TS" ]; then
    timeout 60 ffmpeg -nostdin -hide_banner -loglevel error -y -i "$(gen_media push6 6 640x360 30)" \
        -c copy -bsf:v h264_mp4toannexb -f mpegts "$TS.tmp" && mv -f "$TS.tmp" "$TS"
fi
# push_ts_stdin NAME TS: TS piped into rtmp-push, recorded by ffmpeg as $T/NAME.flv:
# exit status, clean decoding, every video frame.
push_ts_stdin() {
    local name=$1 ts=$2 url
    url=$NGINX_URL/live/$(uniq_name "$1")
    start_recorder "$url" "$T/$name.flv"
    push_fg "$T/$name.push.log" 60 - "$url" < <(timeout 60 cat "$ts")
    check "$name-exit-status" test "$PUSH_RC" = 0
    stop_recorder
    check "$name-decodes" decodes_clean "$T/$name.flv"
    check "$name-frame-count" test "$(count_frames "$T/$name.flv" v)" = "$(count_frames "$ts" v)"
}
ts_stdin() {
    push_ts_stdin ts-stdin "$TS"
    check ts-stdin-audio test "$(count_frames "$T/ts-stdin.flv" a)" -gt 0
}

# B-frames in MPEG-TS: Annex B converted, and the composition times carried (those of the
# FLV the TS was made from).
ts_bframes() {
    local ts_b=$T/srcb.ts
    timeout 60 ffmpeg -nostdin -loglevel error -y -i "$SRC_B" -c copy -bsf:v h264_mp4toannexb -f mpegts "$ts_b"
    push_ts_stdin ts-bframes "$ts_b"
    check ts-bframes-cts-kept cmp -s <(cts_ms "$SRC_B") <(cts_ms "$T/ts-bframes.flv")
}

# ---- 4. the built-in test pattern ----

frame_md5() {
    timeout 30 ffmpeg -nostdin -v error -i "$1" -ss "$2" -frames:v 1 -f rawvideo -pix_fmt gray - 2>/dev/null | md5sum
}
testsrc_case() {
    local url out=$T/testsrc.flv range m1 m2
    url=$NGINX_URL/live/$(uniq_name testsrc)
    start_recorder "$url" "$out"
    push_fg "$T/testsrc.push.log" 30 --duration 5 testsrc "$url"
    check testsrc-exit-status test "$PUSH_RC" = 0
    stop_recorder
    check testsrc-frames between "$(count_frames "$out" v)" 147 153
    check testsrc-30fps between "$(span_ms "$out" v)" 4833 5033   # 150 frames: 4967 ms
    check testsrc-audio between "$(span_ms "$out" a)" 4500 5200
    check testsrc-decodes decodes_clean "$out"
    # one frame as a picture: not one flat colour; and the clock moves (frames 1 s apart differ)
    timeout 30 ffmpeg -nostdin -v error -y -i "$out" -ss 1 -frames:v 1 "$T/testsrc1.png"
    range=$(timeout 30 ffprobe -v error -f lavfi -i "movie=$T/testsrc1.png,signalstats" \
        -show_entries frame_tags=lavfi.signalstats.YMIN,lavfi.signalstats.YMAX -of csv=p=0 2>/dev/null |
        awk -F, 'NR == 1 { print ($2 > $1 ? $2 - $1 : $1 - $2) }')
    check testsrc-picture-not-flat between "$range" 64 255
    m1=$(frame_md5 "$out" 1); m2=$(frame_md5 "$out" 2)
    check testsrc-picture-moves test -n "$m1" -a "$m1" != "$(echo -n | md5sum)" -a "$m1" != "$m2"
}

# A device-like live input through -f: libavdevice's lavfi, raw pictures encoded, for 3 s.
lavfi_case() {
    local url out=$T/lavfi.flv
    url=$NGINX_URL/live/$(uniq_name lavfi)
    start_recorder "$url" "$out"
    push_fg "$T/lavfi.push.log" 30 --duration 3 -f lavfi "testsrc=size=640x360:rate=30" "$url"
    check lavfi-exit-status test "$PUSH_RC" = 0
    stop_recorder
    check lavfi-codecs test "$(has_codecs "$out")" = "h264 none"
    check lavfi-frames between "$(count_frames "$out" v)" 88 92
    check lavfi-30fps between "$(span_ms "$out" v)" 2866 3000   # 90 frames: 2967 ms
    check lavfi-decodes decodes_clean "$out"
}

# ---- 5. pacing: real time by default, as fast as possible with --no-pace ----

paced() {
    local name
    name=$(uniq_name paced)
    push_fg "$T/paced.log" 30 "$SRC10" "$NGINX_URL/live/$name"
    check paced-exit-status test "$PUSH_RC" = 0
    check paced-wall-time between "$PUSH_WALL" 9.5 10.5
    check paced-unpublished unpublished "$name"
}
nopace() {
    local name
    name=$(uniq_name nopace)
    push_fg "$T/nopace.log" 30 --no-pace "$SRC10" "$NGINX_URL/live/$name"
    check nopace-exit-status test "$PUSH_RC" = 0
    check nopace-wall-time between "$PUSH_WALL" 0 5
    check nopace-unpublished unpublished "$name"
}
# --pace: stdin in real time too (6 s of MPEG-TS piped in at once take 6 s, all frames).
pace_stdin() {
    local name out=$T/pace-stdin.flv
    name=$(uniq_name pace-stdin)
    start_recorder "$NGINX_URL/live/$name" "$out"
    push_fg "$T/pace-stdin.log" 30 --pace - "$NGINX_URL/live/$name" < "$TS"
    stop_recorder
    check pace-stdin-exit-status test "$PUSH_RC" = 0
    check pace-stdin-wall-time between "$PUSH_WALL" 5.5 7.0
    check pace-stdin-frames test "$(count_frames "$out" v)" = "$(count_frames "$TS" v)"
}

# --loop 2: twice the frames, time going on across the repeat (FLV and MP4 inputs take
# different paths: the FLV reader and FFmpeg).
loop_case() {
    local input=$1 kind=${1##*.} name out
    name=$(uniq_name "loop-$kind")
    out=$T/loop-$kind.flv
    start_recorder "$NGINX_URL/live/$name" "$out"
    push_fg "$T/loop-$kind.log" 30 --loop 2 "$input" "$NGINX_URL/live/$name"
    stop_recorder
    check "loop-$kind-exit-status" test "$PUSH_RC" = 0
    check "loop-$kind-twice-the-frames" test "$(count_packets "$out" v)" = $((2 * $(count_packets "$SRC2" v)))
    check "loop-$kind-monotonic" check_monotonic "$out" 100
    check "loop-$kind-lasts-twice" between "$PUSH_WALL" 3.8 5
}

# ---- 6. rejections: documented exit status, one line, no hang ----

rejections() {
    local name first
    name=$(uniq_name inuse)
    push_bg "$T/inuse-first.log" --loop 0 "$SRC" "$NGINX_URL/live/$name"
    first=$PUSH_PID
    if wait_for "[ \"\$(nginx_stat '$name')\" = published ]" 10; then
        expect_error in-use 13 'BadName|already' "$PUSH" "$SRC" "$NGINX_URL/live/$name"
        check in-use-first-goes-on kill -0 "$first"
    else
        fail in-use "the first publisher of '$name' never showed on nginx: $(head -c 300 "$T/inuse-first.log")"
    fi
    sigint "$first"; wait_pid "$first" 5

    expect_error unknown-app 17 'unknown application' "$PUSH" "$SRC2" "$NGINX_URL/noapp/$(uniq_name key)"
    expect_error input-missing 12 'no such file|not found|cannot open|cannot read' \
        "$PUSH" "$T/does-not-exist.flv" "$NGINX_URL/live/$(uniq_name key)"
    printf 'this is not media\n%.0s' {1..200} >"$T/text.flv"
    expect_error input-text 12 'cannot (open|read) .*text\.flv: invalid data' \
        "$PUSH" "$T/text.flv" "$NGINX_URL/live/$(uniq_name key)"
    # A file FFmpeg opens, with a subtitle stream only.
    printf '1\n00:00:00,000 --> 00:00:01,000\nhello\n\n2\n00:00:01,500 --> 00:00:02,500\nworld\n' >"$T/sub.srt"
    timeout 30 ffmpeg -nostdin -loglevel error -y -i "$T/sub.srt" "$T/subtitles.mkv"
    check no-stream-input-is-subtitles test "$(timeout 30 ffprobe -v error -show_entries stream=codec_type \
        -of csv=p=0 "$T/subtitles.mkv" 2>/dev/null | tr '\n' ' ')" = "subtitle "
    expect_error no-stream 12 'subtitles\.mkv: no usable audio or video stream' \
        "$PUSH" "$T/subtitles.mkv" "$NGINX_URL/live/$(uniq_name key)"
    expect_error bad-url 2 'URL' "$PUSH" "$SRC2" http://example.com/live/x
    expect_error refused 4 'refused' "$PUSH" "$SRC2" rtmp://127.0.0.1:1/live/x
}

# ---- 7. SIGINT mid-stream: clean end, exit 0, the players got a good stream ----

sigint_case() {
    local name out=$T/sigint.flv t0 rc took
    name=$(uniq_name sigint)
    start_recorder "$NGINX_URL/live/$name" "$out"
    push_bg "$T/sigint.push.log" --loop 0 "$SRC" "$NGINX_URL/live/$name"
    sleep 4
    sigint "$PUSH_PID"
    t0=$(date +%s.%N)
    wait_pid "$PUSH_PID" 10; rc=$?
    took=$(seconds_since "$t0")
    check sigint-exit-status test "$rc" = 0
    check sigint-exits-fast between "$took" 0 3
    check sigint-unpublished unpublished "$name" 1
    stop_recorder
    check sigint-recording-decodes decodes_clean "$out"
    check sigint-recording-length between "$(count_packets "$out" v)" 60 150
}

# ---- 8. a link slower than the stream: frames are dropped, latency stays bounded ----

# A 2.5 Mbit/s paced stream through a proxy that passes 100 kB/s upstream. Without drops
# the 10 s file would need ~30 s and latency would grow without bound.
SRC_FAST=$(gen_media push10hi 10 1280x720 30 "bframes")
proxy_port=19390
# start_slow_proxy RATE LOG: slow_proxy.py in front of nginx on proxy_port (sets proxy_pid).
start_slow_proxy() {
    run_bg "$2" python3 "$IT_ROOT/tests/servers/slow_proxy.py" --port $proxy_port --target "$NGINX_PORT" --rate "$1" --timeout 120
    proxy_pid=$BG_PID
    wait_for "grep -q listening '$2'" 10
}
slow_link() {
    local name out dropped
    start_slow_proxy 100000 "$T/proxy.log"
    name=$(uniq_name slow)
    out=$T/slow.flv
    start_recorder "$NGINX_URL/live/$name" "$out"
    push_fg "$T/slow.log" 60 -v --queue 1000 "$SRC_FAST" "rtmp://127.0.0.1:$proxy_port/live/$name"
    stop_recorder
    check slow-exit-status test "$PUSH_RC" = 0
    check slow-bounded-time between "$PUSH_WALL" 9.5 16
    dropped=$(sed -n 's/.* \([0-9][0-9]*\) dropped$/\1/p' "$T/slow.log" | tail -n1)
    check slow-dropped-frames test "${dropped:-0}" -gt 0
    check slow-recording-decodes decodes_clean "$out"
    check slow-recording-has-fewer-frames between "$(count_packets "$out" v)" 10 "$(( $(count_packets "$SRC_FAST" v) - 1 ))"
    stop_pid "$proxy_pid"

    # A file piped in faster than real time through a link that keeps up with real time
    # (400 kB/s for a ~1 Mbit/s stream): the burst waits in the queue for seconds, yet no
    # frame is late for its moment, so none is dropped (a queue measured in media time did).
    start_slow_proxy 400000 "$T/proxy-burst.log"
    name=$(uniq_name burst)
    out=$T/burst.flv
    start_recorder "$NGINX_URL/live/$name" "$out"
    push_fg "$T/burst.log" 60 -v - "rtmp://127.0.0.1:$proxy_port/live/$name" < "$TS"
    stop_recorder
    check burst-exit-status test "$PUSH_RC" = 0
    check burst-none-dropped grep -q ', 0 dropped$' "$T/burst.log"
    check burst-all-frames test "$(count_frames "$out" v)" = "$(count_frames "$TS" v)"
    stop_pid "$proxy_pid"
}

# ---- 9. stream keys and tokens stay out of the logs, even at -vv ----

secrets_case() {
    local name
    name=$(uniq_name SECRETKEY123)
    push_fg "$T/secret.log" 30 -vv "$SRC2" "rtmp://127.0.0.1:$NGINX_PORT/live/$name?token=T0K3N"
    check secret-published test "$PUSH_RC" = 0 -a -s "$T/secret.log"
    check secrets-redacted test -z "$(grep -E 'SECRETKEY123|T0K3N' "$T/secret.log")"
}

# ---- 10. FLV data tags: only onMetaData goes out as "@setDataFrame" ----

# nginx takes any "@setDataFrame" message for the stream's metadata: an onCuePoint sent so
# replaced it, and nginx sent its players an onMetaData of width 0, height 0. A cue point
# goes out as it is (nginx passes it to nobody). The recorder is rtmp-dump, which keeps
# every data message nginx sends (ffmpeg writes an onMetaData of its own).
DUMP=$BUILD/cli/rtmp-dump
# with_cue_point SRC OUT MS: SRC with an onCuePoint data tag before the first tag at MS.
with_cue_point() {
    timeout 30 python3 - "$@" <<'EOF'
import struct, sys
src, dst, at = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = open(src, "rb").read()
pos = struct.unpack(">I", d[5:9])[0] + 4
out = bytearray(d[:pos])
def s(v): return b"\x02" + struct.pack(">H", len(v)) + v
body = (s(b"onCuePoint") + b"\x03" + struct.pack(">H", 4) + b"name" + s(b"rtmpkit-cue") +
        struct.pack(">H", 4) + b"time" + b"\x00" + struct.pack(">d", at / 1000) + b"\x00\x00\x09")
done = False
while pos + 11 <= len(d):
    size = struct.unpack(">I", b"\0" + d[pos + 1:pos + 4])[0]
    ts = struct.unpack(">I", b"\0" + d[pos + 4:pos + 7])[0]
    if not done and ts >= at:
        out += bytes([18]) + struct.pack(">I", len(body))[1:] + struct.pack(">I", at)[1:] + b"\0\0\0\0"
        out += body + struct.pack(">I", 11 + len(body))
        done = True
    out += d[pos:pos + 15 + size]
    pos += 15 + size
open(dst, "wb").write(out)
sys.exit(0 if done else 1)
EOF
}
# meta_widths FILE: the width in each onMetaData data tag of an FLV, one per line.
meta_widths() {
    timeout 30 python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
pos = struct.unpack(">I", d[5:9])[0] + 4
while pos + 11 <= len(d):
    size = struct.unpack(">I", b"\0" + d[pos + 1:pos + 4])[0]
    body = d[pos + 11:pos + 11 + size]
    if d[pos] & 0x1F == 18 and body.startswith(b"\x02\x00\x0aonMetaData"):
        i = body.find(b"\x00\x05width\x00")
        print("none" if i < 0 else "%g" % struct.unpack(">d", body[i + 8:i + 16])[0])
    pos += 15 + size
EOF
}
cue_case() {
    local name out dump_pid
    if with_cue_point "$SRC2" "$T/cue.flv" 1000; then
        name=$(uniq_name cue)
        out=$T/cue-dump.flv
        run_bg "$T/cue-dump.log" timeout -k 2 60 "$DUMP" -v --end-timeout 2 "$NGINX_URL/live/$name" -o "$out"
        dump_pid=$BG_PID
        wait_for "grep -q 'connected to application' '$T/cue-dump.log'" 10
        sleep 0.3   # the play command on its way
        push_fg "$T/cue.push.log" 30 "$T/cue.flv" "$NGINX_URL/live/$name"
        check cue-exit-status test "$PUSH_RC" = 0
        wait_pid "$dump_pid" 10
        check cue-recorded test "$(count_packets "$out" v)" = "$(count_packets "$SRC2" v)"
        check cue-metadata-kept test "$(meta_widths "$out" | sort -u | tr '\n' ' ')" = "320 "
    else
        fail cue-source "could not add a cue point to $SRC2"
    fi
}

# ---- the groups ----

checks_bg copy-nginx copy_path copy-nginx "$NGINX_URL" "$SRC" 1
checks_bg copy-nms copy_path copy-nms "$NMS_URL" "$SRC" 0
checks_bg copy-bframes-nginx copy_path copy-bframes-nginx "$NGINX_URL" "$SRC_B" 1
for kind in mp4 mkv; do checks_bg "copy-bframes-$kind" copy_bframes_kind "$kind"; done
checks_bg flv-stdin flv_stdin
checks_bg ts-stdin ts_stdin
checks_bg ts-bframes ts_bframes
checks_bg secrets secrets_case
checks_bg cue cue_case
checks_wait
check copy-bframes-cts-kept cmp -s <(packet_times "$SRC_B" v | awk '{ print $2 - $1 }') \
    <(packet_times "$T/copy-bframes-nginx.flv" v | awk '{ print $2 - $1 }')
check copy-bframes-source-has-cts has_bframes_cts "$SRC_B"

# Two encoders at a time: on a loaded machine four made a recorder give up (2 s without
# data) before the first encoded frame came.
encodes_1() { encode_path; testsrc_case; }
encodes_2() { encode_opts; lavfi_case; }
checks_bg encodes-1 encodes_1
checks_bg encodes-2 encodes_2
checks_wait

# The cases whose wall time is checked (the paced ones) by themselves: a second's margin.
ffmpeg -nostdin -loglevel error -y -i "$SRC2" -c copy "$T/src2.mp4"
checks_bg paced paced
checks_bg pace-stdin pace_stdin
for input in "$SRC2" "$T/src2.mp4"; do checks_bg "loop-${input##*.}" loop_case "$input"; done
checks_wait

checks_bg nopace nopace
checks_bg sigint sigint_case
checks_bg slow slow_link
expect_error pace-and-no-pace 2 'exclude each other' "$PUSH" --pace --no-pace "$SRC2" "$NGINX_URL/live/x"
rejections
checks_wait

it_finish
