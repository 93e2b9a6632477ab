#!/usr/bin/env bash
# Enhanced RTMP multitrack and ModEx, from the scripted server (tests/servers/, mode
# play-flv), which sends what no real server can be made to send: the stream of
# make_tracks_flv.py (video track 0 H.264 160x120 25 fps with ModEx TimestampOffsetNano on
# three frames in four, video track 1 H.264 128x96 10 fps in OneTrack tags; audio
# track 0 AAC 440 Hz, track 1 AAC 880 Hz, track 2 Opus 660 Hz, track 3 an unknown FourCC;
# ManyTracks, ManyTracksManyCodecs, OneTrack and legacy tags; sequence ends).
#   rtmp-play --no-display --audio-track N: every video frame and every frame of track N
#     decoded, the ModEx offset in the last picture's time, one warning for the unknown
#     codec, the track and its codec in the stats.
#   rtmp-play --no-display --video-track 1: every frame of video track 1 decoded and none
#     of track 0 (its count, size and last picture's time), the track in the stats.
#   rtmp-dump: the tags recorded byte for byte; --track 0,2 keeps the frames of those
#     tracks only and an audioTrackIdInfoMap that lists track 2 alone; --track 1,2 (no
#     track 0): the top-level codec ids and size describe track 1.
#   rtmp-play in a window (Xvfb): key a twice plays tracks 0, 1, 2 in turn (the tones the
#     disk audio driver records: 440, then 880, then 660 Hz), the stats and the title say so.
# Needs no nginx or node-media-server. Runs itself under its own Xvfb (xvfb-run).
if [ -z "${RTMPKIT_TRACKS_UNDER_XVFB:-}" ]; then
    export RTMPKIT_TRACKS_UNDER_XVFB=1
    exec timeout -k 5 200 xvfb-run -a -s "-screen 0 640x480x24" bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
it_setup tracks

PLAY=$BUILD/cli/rtmp-play
DUMP=$BUILD/cli/rtmp-dump
FLVINFO=$IT_LIB_DIR/flvinfo.py
SCRIPTED=$IT_ROOT/tests/servers/scripted_server.py
CHECK_KEYS="python3 $IT_ROOT/tests/check_stats_keys.py"
export SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=/dev/null

# The stream, cached under the generator's checksum (a change to it makes a new one).
GEN=$IT_LIB_DIR/make_tracks_flv.py
SRC=$DATA/tracks-8s-$(md5sum "$GEN" | cut -c1-8).flv
[ -s "$SRC" ] && [ -s "$SRC.json" ] || timeout 120 python3 "$GEN" 8 "$SRC" "$SRC.json"
check source-made test -s "$SRC.json"
# want KEY: a value of the stream's manifest (json path with dots).
want() { python3 -c "import json,sys; v=json.load(open(sys.argv[1])); [v := v[k] for k in sys.argv[2].split('.')]; print(v)" "$SRC.json" "$1"; }
# json_last FILE KEY: KEY of the last --stats=json line.
json_last() { python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]; print(r[-1].get(sys.argv[2]) if r else 'no-lines')" "$1" "$2"; }
# decoded FILE KIND: video_frames / audio_frames of the headless player's last line.
decoded() { sed -n "s/^decoded .*$1_frames=\([0-9]*\).*/\1/p" "$2"; }

run_bg "$T/server.log" python3 "$SCRIPTED" --port 0 --mode play-flv --flv "$SRC" --timeout 150
wait_for "grep -q listening '$T/server.log'" 10
PORT=$(sed -n 's/^listening [0-9.]*:\([0-9]*\).*/\1/p' "$T/server.log" | head -n1)
URL=rtmp://127.0.0.1:${PORT:-1}/live

# ---- rtmp-play --no-display, each audio track ----
CODEC=([0]=aac [1]=aac [2]=opus [3]=)
for n in 0 1 2 3; do
    timeout -k 2 30 "$PLAY" --no-display --stats=json --audio-track "$n" "$URL/tracks" >"$T/play$n.out" 2>"$T/play$n.err"
    check "play$n-exit-status" test $? = 0
    check "play$n-every-video-frame" test "$(decoded video "$T/play$n.out")" = "$(want video_frames)"
    # Track 3's codec is unknown: none of its frames is decoded.
    frames=0; [ -n "${CODEC[$n]}" ] && frames=$(want "audio_frames.$n")
    check "play$n-track-frames" test "$(decoded audio "$T/play$n.out")" = "$frames"
    check "play$n-track-in-stats" test "$(json_last "$T/play$n.err" audio_track)" = "$n"
    check "play$n-codec-in-stats" test "$(json_last "$T/play$n.err" audio | cut -d' ' -f1)" = "${CODEC[$n]}"
    check "play$n-modex-offset" test "$(json_last "$T/play$n.err" video_pts_us)" = "$(want last_video_pts_us)"
    check "play$n-tracks-counted" test "$(json_last "$T/play$n.err" audio_tracks)" = 3
    check "play$n-video-track-in-stats" test "$(json_last "$T/play$n.err" video_track) $(json_last "$T/play$n.err" video_tracks)" = "0 2"
    # One warning for the unknown codec: the reader's for a track not played, else the decoder's.
    check "play$n-one-unknown-warning" test "$(grep -c 'unknown codec FourCC "xyz1"' "$T/play$n.err")" = 1
done
check play-keys-documented $CHECK_KEYS "$BUILD/man/rtmp-play.1" "$T/play0.err" --min 1

# ---- rtmp-play --no-display --video-track 1 ----
# Track 1 has fewer frames (10 fps), another size and no ModEx offsets: a frame of track 0
# decoded would show in the count, the size or the last picture's time.
timeout -k 2 30 "$PLAY" --no-display --stats=json --video-track 1 "$URL/tracks" >"$T/playv1.out" 2>"$T/playv1.err"
check playv1-exit-status test $? = 0
check playv1-track1-frames test "$(decoded video "$T/playv1.out")" = "$(want video_frames_1)"
check playv1-track1-size test "$(json_last "$T/playv1.err" video | cut -d' ' -f1,2)" = "h264 $(want video1_size)"
check playv1-track1-last-pts test "$(json_last "$T/playv1.err" video_pts_us)" = "$(want last_video1_pts_us)"
check playv1-track-in-stats test "$(json_last "$T/playv1.err" video_track) $(json_last "$T/playv1.err" video_tracks)" = "1 2"
check playv1-audio-track0 test "$(decoded audio "$T/playv1.out")" = "$(want audio_frames.0)"
check playv1-keys-documented $CHECK_KEYS "$BUILD/man/rtmp-play.1" "$T/playv1.err" --min 1

# ---- rtmp-dump: as received, and --track 0,2 ----
timeout -k 2 30 "$DUMP" -q "$URL/tracks" -o "$T/all.flv"
check dump-exit-status test $? = 0
check dump-byte-for-byte python3 - "$SRC" "$T/all.flv" "$FLVINFO" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("flvinfo", sys.argv[3]); fi = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fi)
src, rec = ([t for t in fi.tags(open(p, "rb").read()) if t[0] in (8, 9)] for p in sys.argv[1:3])
if src != rec:
    bad = next((i for i, (a, b) in enumerate(zip(src, rec)) if a != b), min(len(src), len(rec)))
    sys.exit("%d source tags, %d recorded; first difference at tag %d" % (len(src), len(rec), bad))
PY
python3 "$FLVINFO" --meta "$T/all.flv" >"$T/all.meta"
check dump-meta-all-tracks test "$(grep -c '^audioTrackIdInfoMap\.[123]\.audiocodecid=' "$T/all.meta")" = 3

timeout -k 2 30 "$DUMP" -q --track 0,2 "$URL/tracks" -o "$T/kept.flv"
check dump-track-exit-status test $? = 0
python3 "$FLVINFO" --frames "$SRC" | awk '$2 == 0 || $2 == 2' >"$T/want.frames"
python3 "$FLVINFO" --frames "$T/kept.flv" >"$T/kept.frames"
check dump-track-frames cmp "$T/want.frames" "$T/kept.frames"
check dump-track-has-both test "$(awk '{print $2}' "$T/kept.frames" | sort -u | tr '\n' ' ')" = "0 2 "
python3 "$FLVINFO" --meta "$T/kept.flv" >"$T/kept.meta"
check dump-track-map grep -qx 'audioTrackIdInfoMap\.2\.audiocodecid=1332770163' "$T/kept.meta"
check dump-track-map-only-kept test "$(grep -c '^audioTrackIdInfoMap\.' "$T/kept.meta")" = 1
check dump-track-meta-rest grep -qx 'title=tracks test' "$T/kept.meta"
check dump-track-meta-default-kept test "$(grep '^audiocodecid=' "$T/kept.meta")" = "$(grep '^audiocodecid=' "$T/all.meta")"
# --track 1,2 drops track 0: the top-level codec ids describe track 1 (the lowest kept),
# as the source's maps do, or are left out (no video track kept).
timeout -k 2 30 "$DUMP" -q --track 1,2 "$URL/tracks" -o "$T/nodefault.flv"
check dump-nodefault-exit-status test $? = 0
python3 "$FLVINFO" --meta "$T/nodefault.flv" >"$T/nodefault.meta"
check dump-nodefault-source-map grep -q '^audioTrackIdInfoMap\.1\.audiocodecid=[0-9]' "$T/all.meta"
check dump-nodefault-audiocodecid test "$(sed -n 's/^audiocodecid=//p' "$T/nodefault.meta")" = \
    "$(sed -n 's/^audioTrackIdInfoMap\.1\.audiocodecid=//p' "$T/all.meta")"
check dump-nodefault-videocodecid test "$(sed -n 's/^videocodecid=//p' "$T/nodefault.meta")" = \
    "$(sed -n 's/^videoTrackIdInfoMap\.1\.videocodecid=//p' "$T/all.meta")"
check dump-nodefault-size test "$(sed -n 's/^\(width\|height\)=//p' "$T/nodefault.meta" | tr '\n' x)" = "$(want video1_size)x"

# ---- rtmp-play in a window: key a cycles the tracks ----
# The window's id, by the title onMetaData gives it.
player_window() { xwininfo -root -tree | grep '"tracks test' | head -n1 | awk '{ print $1 }'; }
window_title() { xwininfo -id "$1" | sed -n 's/^xwininfo: Window id: [^ ]* "\(.*\)"$/\1/p'; }
press() {
    local x y w h
    eval "$(xwininfo -id "$2" | awk '/Absolute upper-left X/ { print "x=" $NF } /Absolute upper-left Y/ { print "y=" $NF }
        /Width:/ { print "w=" $NF } /Height:/ { print "h=" $NF }')"
    timeout 5 xdotool mousemove $((x + w / 2)) $((y + h / 2)) key "$1"
}
SDL_DISKAUDIOFILE=$T/window.raw run_bg "$T/window.err" "$PLAY" -v --stats=json "$URL/paced-tracks"
pid=$BG_PID
wait_for "test -n \"\$(player_window)\"" 10
win=$(player_window)
sleep 2
press a "$win"
sleep 1.5
press a "$win"
sleep 2
title=$(window_title "$win")
press q "$win"
wait_pid "$pid" 10
check window-exit-status test $? = 0
check window-title-track sh -c "echo '$title' | grep -q '^tracks test.* - h264 160x120, video track 0 of 2, opus 48000 Hz 1 ch, audio track 2 of 3'"
check window-log-switches sh -c "grep -q 'audio track 1: aac' '$T/window.err' && grep -q 'audio track 2: opus' '$T/window.err'"
check window-stats-tracks test "$(grep -o '"audio_track":[0-9]*' "$T/window.err" | cut -d: -f2 | uniq | tr '\n' ' ')" = "0 1 2 "
# The sound: 100 ms blocks, the loudest of the three tones in each that is not silent;
# runs of at least three blocks, in order, are the tracks played: 440, 880, then 660 Hz.
check window-tones-in-order python3 - "$T/window.raw" <<'PY'
import array, math, sys
a = array.array('h'); a.frombytes(open(sys.argv[1], 'rb').read())
def goertzel(x, f, rate=48000):
    k = 2 * math.cos(2 * math.pi * f / rate); s1 = s2 = 0.0
    for v in x:
        s0 = v + k * s1 - s2; s2 = s1; s1 = s0
    return s1 * s1 + s2 * s2 - k * s1 * s2
n, tones, runs = 4800, (440, 880, 660), []
for b in range(len(a) // (2 * n)):
    x = [(a[2 * i] + a[2 * i + 1]) / 2 for i in range(b * n, (b + 1) * n)]
    if math.sqrt(sum(v * v for v in x) / n) < 300:
        continue   # silence: before the first sound, a switch, after the end
    p = {f: goertzel(x, f) for f in tones}
    f = max(p, key=p.get)
    if runs and runs[-1][0] == f:
        runs[-1][1] += 1
    else:
        runs.append([f, 1])
order = [f for f, count in runs if count >= 3]
if order != [440, 880, 660]:
    sys.exit("tones (Hz, blocks of 100 ms): %s" % runs)
PY
# In sync: the video clock against the audio clock, through the switches.
check window-av-sync python3 - "$T/window.err" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
bad = [r["av_max_ms"] for r in rows if r.get("av_samples") and abs(r["av_max_ms"]) > 150]
if not rows or bad:
    sys.exit("A-V offsets past 150 ms: %s" % bad)
PY

it_finish
