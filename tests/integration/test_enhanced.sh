#!/usr/bin/env bash
# Enhanced RTMP v2 end to end: for each codec pair (HEVC, AV1, VP9 video; Opus, FLAC,
# AC-3, E-AC-3 audio; H.264/AAC with --enhanced) a Matroska source made by ffmpeg is
# pushed by rtmp-push through node-media-server and nginx-rtmp, recorded by rtmp-dump and
# played by rtmp-play --no-display, both started before the push. Every coded frame of the
# recording is compared with the source's packets (ffmpeg -c copy -f framemd5 against
# the payloads flvinfo.py --frames extracts from the FLV), with its timestamp and
# composition time, the sequence starts with the source's configuration, onMetaData's
# codec ids, and the player's decoded frame counts with the source's packet counts.
#
# nginx-rtmp relays Enhanced RTMP audio to players that are already there, but no
# enhanced video: its live module reads the frame type from the top nibble of byte 0
# (9 or 10 with the enhanced bit) and, with wait_key on (its default), waits for ever for
# a keyframe (frame type 1). The nginx rows in app "live" check the audio and print an
# INFO line with what arrived of the video; in app "nowaitkey" (wait_key off) everything
# is checked. Its codec module caches only AVC/AAC sequence headers, so players joining
# later miss the enhanced ones: a late player shows it (INFO), against node-media-server,
# which caches them (checked).
. "$(dirname "$0")/lib.sh"
it_setup enhanced
need_servers

PUSH=$BUILD/cli/rtmp-push
DUMP=$BUILD/cli/rtmp-dump
PLAY=$BUILD/cli/rtmp-play
FLVINFO=$IT_LIB_DIR/flvinfo.py

# gen_enhanced VIDEO AUDIO: prints the path of a cached 3 s Matroska file, 320x240 25 fps
# (keyframe every second) from testsrc2 and a sine at 48 kHz stereo.
gen_enhanced() {
    local v=$1 a=$2 out tmp
    local -a vargs aargs
    case "$v" in
        hevc) vargs=(-c:v libx265 -x265-params log-level=error:bframes=2:keyint=25:min-keyint=25:scenecut=0) ;;
        av1) vargs=(-c:v libsvtav1 -preset 12 -g 25) ;;
        vp9) vargs=(-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k -g 25) ;;
        h264) vargs=(-c:v libx264 -threads 1 -bf 2 -g 25 -flags:v +bitexact) ;;
    esac
    case "$a" in
        opus) aargs=(-c:a libopus -b:a 64k) ;;
        flac) aargs=(-c:a flac) ;;
        ac3) aargs=(-c:a ac3 -b:a 128k) ;;
        eac3) aargs=(-c:a eac3 -b:a 128k) ;;
        aac) aargs=(-c:a aac -b:a 128k) ;;
    esac
    out=$DATA/ertmp-$v-$a-3s-320x240-25fps.mkv
    if [ ! -s "$out" ]; then
        tmp=$(mktemp "$DATA/.ertmp-$v-$a.XXXXXX") || return 1
        if ! timeout 300 ffmpeg -nostdin -hide_banner -loglevel error -y \
                -f lavfi -i "testsrc2=size=320x240:rate=25" \
                -f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=48000" \
                -t 3 -map 0:v -map 1:a -pix_fmt yuv420p "${vargs[@]}" -ac 2 "${aargs[@]}" \
                -fflags +bitexact -map_metadata -1 -f matroska "$tmp" 2>"$tmp.log"; then
            cat "$tmp.log" >&2
            rm -f "$tmp" "$tmp.log"
            return 1
        fi
        rm -f "$tmp.log"
        mv -f "$tmp" "$out"
    fi
    echo "$out"
}

# src_frames SRC OUT: the source's packets as "kind size md5 dts pts" lines (ms); kind
# v for the video, a for the first audio stream, a1, a2... for the others.
src_frames() {
    timeout 60 ffmpeg -nostdin -hide_banner -v error -i "$1" -map 0:v:0 -map 0:a -c copy -f framemd5 - 2>/dev/null |
        awk -F', *' '
            /^#tb / { split($0, a, /[ :\/]+/); tb[a[2]] = a[3] / a[4] }
            /^#/ { next }
            NF >= 6 { k = $1 == 0 ? "v" : $1 == 1 ? "a" : "a" ($1 - 1)
                      printf "%s %s %s %d %d\n", k, $5, $6, $2 * tb[$1] * 1000, $3 * tb[$1] * 1000 }' >"$2"
}

# compare_frames SRC_LIST FLV KINDS: the FLV's coded frames of each kind in KINDS (v, a,
# a1 for audio track 1..., or "v a") are the source's packets: same number, bytes (md5), composition times
# (pts - dts, within 1 ms), and dts shifted by one offset for the whole file (the
# publisher starts its clock at the first packet; within 1 ms). Prints why not.
compare_frames() {
    python3 "$FLVINFO" --frames "$2" >"$2.frames" || { echo "flvinfo failed on $2"; return 1; }
    python3 "$IT_LIB_DIR/compare_frames.py" "$1" "$2.frames" "$3"
}

# config_md5 SRC KIND: md5 of the source's extradata for stream v or a ("" when none).
config_md5() {
    local idx=0
    [ "$2" = a ] && idx=1
    timeout 60 ffmpeg -nostdin -hide_banner -v error -i "$1" -map 0:v:0 -map 0:a -c copy -f framemd5 - 2>/dev/null |
        awk -F', *' -v i="$idx" '/^#extradata/ { split($1, a, " "); if (a[2] == i) print $3 }'
}

# check_config NAME SRC FLV KIND FOURCC: the recorded sequence start of KIND has FOURCC
# and is the source's configuration: its extradata as it is (hvcC, av1C, OpusHead, avcC,
# AudioSpecificConfig), fLaC + a last-block header + the STREAMINFO, a 12-byte vpcC, or
# nothing for AC-3 / E-AC-3.
check_config() {
    local name=$1 src=$2 flv=$3 kind=$4 fourcc=$5 line want
    line=$(awk -v k="$kind" '$1 == k && $4 == "start"' "$flv.frames" | head -n1)
    set -- $line
    if [ "$3" != "$fourcc" ]; then fail "$name" "sequence start '$line', wanted FourCC $fourcc"; return; fi
    case "$fourcc" in
        vp09) check "$name" test "$8" = 12 ;;
        ac-3|ec-3) check "$name" test "$8" = 0 ;;
        fLaC) check "$name" test "$8" = 42 ;;
        *) want=$(config_md5 "$src" "$kind")
           check "$name" test "$9" = "$want" ;;
    esac
}

# meta_value FLV KEY
meta_value() { python3 "$FLVINFO" --meta "$1" | sed -n "s/^$2=//p" | head -n1; }

# fourcc_number CC: the FourCC as the number onMetaData carries.
fourcc_number() { printf '%d' "0x$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')"; }

# decoded LOG KIND: the frames rtmp-play --no-display says it decoded.
decoded() {
    grep '^decoded ' "$1" | sed -n "s/.*$2_frames=\([0-9]*\).*/\1/p"
}

# ---- cases run side by side ----
# A case is one push with a recorder (rtmp-dump) and a player (rtmp-play --no-display)
# started before it, on a stream name of its own. The cases of a batch run at once: each
# push is paced, so a batch takes about as long as its longest push, and the end timeout
# of node-media-server's players (NMS does not tell them that a stream ended) is waited
# once per batch instead of once per case. Then each case's checks run.
declare -A C_URL C_DUMP C_PLAY C_LATE C_PUSH C_RC
C_LOGS=()        # logs of the recorders and players of the batch, to wait for
C_MORE_PLAY=()   # more players of the batch (ended by the stream's end)
C_MORE_DUMP=()   # more recorders of the batch (stopped after the players)

# case_listen NAME URL: rtmp-dump to $T/NAME.flv and rtmp-play --no-display on URL.
case_listen() {
    local name=$1 url=$2
    C_URL[$name]=$url
    run_bg "$T/$name.dump.log" "$DUMP" -v "$url" -o "$T/$name.flv"; C_DUMP[$name]=$BG_PID
    run_bg "$T/$name.play.log" "$PLAY" -v --no-display "$url"; C_PLAY[$name]=$BG_PID
    C_LOGS+=("$T/$name.dump.log" "$T/$name.play.log")
}

# more_listener KIND LOG CMD...: one more recorder (KIND dump) or player (KIND play) of
# the batch, started with -v.
more_listener() {
    local kind=$1 log=$2; shift 2
    run_bg "$log" "$@"
    if [ "$kind" = dump ]; then C_MORE_DUMP+=("$BG_PID"); else C_MORE_PLAY+=("$BG_PID"); fi
    C_LOGS+=("$log")
}

# listeners_ready: every recorder and player of the batch connected (hang guard 20 s),
# and a moment for its play command to reach the server (the servers hold a player
# until a publisher comes; a push started before it would make it miss frames).
listeners_ready() {
    local log
    for log in "${C_LOGS[@]}"; do
        wait_for "grep -q 'connected to application' '$log'" 20 ||
            echo "INFO not connected after 20 s: $log" >&2
    done
    sleep 0.7
}

# case_push NAME SRC [PUSH OPTIONS...]: rtmp-push SRC to the case's URL in the background
# (with LATE=1 a second player 1.5 s into the push, $T/NAME.late.log).
case_push() {
    local name=$1 src=$2 url=${C_URL[$1]}; shift 2
    if [ "${LATE:-0}" = 1 ]; then
        (sleep 1.5; exec "$PLAY" --no-display "$url") >"$T/$name.late.log" 2>&1 &
        C_LATE[$name]=$!
        IT_PIDS+=("$!")
    fi
    run_bg "$T/$name.push.log" timeout -k 2 60 "$PUSH" -v "$@" "$src" "$url"; C_PUSH[$name]=$BG_PID
}

# batch_end NAMES...: the pushes end (exit statuses kept), then the players, then the
# recorders are stopped; the batch's lists are emptied.
batch_end() {
    local name pid
    for name in "$@"; do
        wait_pid "${C_PUSH[$name]}" 90; C_RC[$name]=$?
    done
    for name in "$@"; do
        wait_pid "${C_PLAY[$name]}" 30
        [ -n "${C_LATE[$name]:-}" ] && wait_pid "${C_LATE[$name]}" 30
    done
    for pid in "${C_MORE_PLAY[@]}"; do wait_pid "$pid" 30; done
    sleep 0.5
    for name in "$@"; do stop_pid "${C_DUMP[$name]}"; done
    for pid in "${C_MORE_DUMP[@]}"; do stop_pid "$pid"; done
    C_LOGS=() C_MORE_PLAY=() C_MORE_DUMP=()
}

# case_done NAME: checks the push's exit status; sets OUT (the FLV), PLAY_LOG and LATE_LOG.
case_done() {
    check "$1-push-exit-status" test "${C_RC[$1]}" = 0
    OUT=$T/$1.flv
    PLAY_LOG=$T/$1.play.log
    LATE_LOG=$T/$1.late.log
}

# ======== batch 1: the stream copies (pairs, two audio tracks, HDR, MPEG-TS pipe) ========

# RTMPKIT_ENHANCED_PAIRS: the pairs to run (default all; "" for none, to run the rest).
PAIRS=${RTMPKIT_ENHANCED_PAIRS-"hevc:opus av1:flac vp9:ac3 hevc:eac3 vp9:opus h264:aac"}
declare -A FOURCC=([hevc]=hvc1 [av1]=av01 [vp9]=vp09 [h264]=avc1 [opus]=Opus [flac]=fLaC [ac3]=ac-3
                   [eac3]=ec-3 [aac]=mp4a)
declare -A PAIR_SRC
RESULTS=()
BATCH=()
SERVERS="nms nginx nowaitkey"

# server_base SERVER: the application URL of a server row.
server_base() {
    case $1 in
        nms) echo "$NMS_URL/live" ;;
        nginx) echo "$NGINX_URL/live" ;;
        nowaitkey) echo "$NGINX_URL/nowaitkey" ;;
    esac
}

for pair in $PAIRS; do
    v=${pair%%:*} a=${pair##*:}
    if ! PAIR_SRC[$pair]=$(gen_enhanced "$v" "$a"); then
        PAIR_SRC[$pair]=""
        continue
    fi
    src_frames "${PAIR_SRC[$pair]}" "$T/src-$v-$a.frames"
    for server in $SERVERS; do
        name=$server-$v-$a
        case_listen "$name" "$(server_base $server)/$(uniq_name "$name")"
        BATCH+=("$name")
    done
done

# Two audio tracks: HEVC with Opus (440 Hz) as track 0 and AAC (880 Hz) as track 1, through
# node-media-server: a recorder of everything, a recorder of track 1 only (--track 1), a
# player of track 0 and one of track 1 (--audio-track 1).
SRC_MT=$DATA/ertmp-hevc-opus-aac2-3s-320x240-25fps.mkv
if [ ! -s "$SRC_MT" ]; then
    timeout 300 ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=320x240:rate=25" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -f lavfi -i "sine=frequency=880:sample_rate=48000" \
        -t 3 -map 0:v -map 1:a -map 2:a -pix_fmt yuv420p -c:v libx265 -x265-params log-level=error:keyint=25 \
        -ac 2 -c:a:0 libopus -b:a:0 64k -c:a:1 aac -b:a:1 96k -fflags +bitexact -map_metadata -1 \
        -f matroska "$SRC_MT.tmp" && mv -f "$SRC_MT.tmp" "$SRC_MT"
fi
if [ -s "$SRC_MT" ]; then
    src_frames "$SRC_MT" "$T/src-mt.frames"
    name=nms-two-audio-tracks
    case_listen "$name" "$NMS_URL/live/$(uniq_name multitrack)"
    BATCH+=("$name")
    more_listener dump "$T/mt1.dump.log" "$DUMP" -v --track 1 "${C_URL[$name]}" -o "$T/mt1.flv"
    more_listener play "$T/mt1.play.log" "$PLAY" -v --no-display --audio-track 1 "${C_URL[$name]}"
fi

# HDR: an input that describes its colors gets a colorInfo Metadata packet.
SRC_HDR=$DATA/ertmp-hevc10-hdr-2s-320x240-25fps.mkv
if [ ! -s "$SRC_HDR" ]; then
    timeout 300 ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=320x240:rate=25" -t 2 \
        -pix_fmt yuv420p10le -c:v libx265 -x265-params log-level=error -color_primaries bt2020 \
        -color_trc smpte2084 -colorspace bt2020nc -fflags +bitexact -f matroska "$SRC_HDR.tmp" &&
        mv -f "$SRC_HDR.tmp" "$SRC_HDR"
fi
if [ -s "$SRC_HDR" ]; then
    case_listen nms-hevc-hdr-colorinfo "$NMS_URL/live/$(uniq_name nms-hevc-hdr-colorinfo)"
    BATCH+=(nms-hevc-hdr-colorinfo)
fi

# HEVC through a pipe as MPEG-TS (Annex B: an hvcC is built, NALs length-prefixed).
SRC_TS=$(gen_enhanced hevc opus)
if [ -n "$SRC_TS" ]; then
    case_listen nms-hevc-mpegts-pipe "$NMS_URL/live/$(uniq_name nms-hevc-mpegts-pipe)"
    BATCH+=(nms-hevc-mpegts-pipe)
fi

listeners_ready
for pair in $PAIRS; do
    [ -n "${PAIR_SRC[$pair]}" ] || continue
    v=${pair%%:*} a=${pair##*:}
    opts=()
    [ "$v" = h264 ] && opts=(--enhanced)
    for server in $SERVERS; do
        LATE=0
        [ "$pair" = hevc:opus ] && [ $server != nginx ] && LATE=1
        case_push "$server-$v-$a" "${PAIR_SRC[$pair]}" "${opts[@]}"
    done
done
LATE=0
[ -s "$SRC_MT" ] && case_push nms-two-audio-tracks "$SRC_MT" --audio-track 0,1
[ -s "$SRC_HDR" ] && case_push nms-hevc-hdr-colorinfo "$SRC_HDR"
if [ -n "$SRC_TS" ]; then
    # rtmp-push's exit status is the pipe's.
    run_bg "$T/nms-hevc-mpegts-pipe.push.log" bash -c 'timeout 60 ffmpeg -nostdin -v error -i "$1" -c copy -f mpegts - 2>/dev/null |
        timeout -k 2 60 "$2" -v --pace - "$3"; exit "${PIPESTATUS[1]}"' pipe "$SRC_TS" "$PUSH" "${C_URL[nms-hevc-mpegts-pipe]}"
    C_PUSH[nms-hevc-mpegts-pipe]=$BG_PID
fi
batch_end "${BATCH[@]}"

# ---- the pairs ----
for pair in $PAIRS; do
    v=${pair%%:*} a=${pair##*:}
    if [ -z "${PAIR_SRC[$pair]}" ]; then
        fail "source-$v-$a" "ffmpeg could not make a $v + $a source"
        continue
    fi
    SRC=${PAIR_SRC[$pair]}
    want_v=$(awk '$1 == "v"' "$T/src-$v-$a.frames" | wc -l)
    want_a=$(awk '$1 == "a"' "$T/src-$v-$a.frames" | wc -l)
    for server in $SERVERS; do
        name=$server-$v-$a
        LATE=0
        [ "$pair" = hevc:opus ] && [ $server != nginx ] && LATE=1
        case_done "$name"
        check "$name-copied" grep -q "input: $v .*(copied, enhanced) + $a .*(copied, enhanced)" "$T/$name.push.log"
        if [ $server != nginx ]; then
            check "$name-frames" compare_frames "$T/src-$v-$a.frames" "$OUT" "v a"
            check_config "$name-video-config" "$SRC" "$OUT" v "${FOURCC[$v]}"
            check_config "$name-audio-config" "$SRC" "$OUT" a "${FOURCC[$a]}"
            check "$name-sequence-end" test "$(awk '$4 == "end"' "$OUT.frames" | wc -l)" = 2
            check "$name-meta-videocodecid" test "$(meta_value "$OUT" videocodecid)" = "$(fourcc_number "${FOURCC[$v]}")"
            check "$name-meta-audiocodecid" test "$(meta_value "$OUT" audiocodecid)" = "$(fourcc_number "${FOURCC[$a]}")"
            check "$name-play-video" test "$(decoded "$PLAY_LOG" video)" = "$want_v"
            check "$name-play-audio" test "$(decoded "$PLAY_LOG" audio)" = "$want_a"
        else
            check "$name-audio-frames" compare_frames "$T/src-$v-$a.frames" "$OUT" a
            check_config "$name-audio-config" "$SRC" "$OUT" a "${FOURCC[$a]}"
            check "$name-play-audio" test "$(decoded "$PLAY_LOG" audio)" = "$want_a"
            got_v=$(awk '$1 == "v" && $4 == "frame"' "$OUT.frames" | wc -l)
            echo "INFO $name: nginx relayed $got_v of $want_v enhanced video frames; the player decoded $(decoded "$PLAY_LOG" video)"
        fi
        if [ "$LATE" = 1 ]; then
            late_v=$(decoded "$LATE_LOG" video)
            if [ $server = nms ]; then
                check "$name-late-player-video" test "${late_v:-0}" -gt 0
            fi
            echo "INFO $name: a player joining 1.5 s in decoded ${late_v:-?} video and $(decoded "$LATE_LOG" audio) audio frames"
        fi
        RESULTS+=("$name: video $(awk '$1 == "v" && $4 == "frame"' "$OUT.frames" | wc -l)/$want_v recorded, $(decoded "$PLAY_LOG" video) decoded; audio $(awk '$1 == "a" && $4 == "frame"' "$OUT.frames" | wc -l)/$want_a recorded, $(decoded "$PLAY_LOG" audio) decoded")
    done
done

# ---- two audio tracks ----
if [ -s "$SRC_MT" ]; then
    name=nms-two-audio-tracks
    case_done "$name"
    check "$name-described" grep -q "+ track 1: aac 48000 Hz stereo (copied, enhanced)" "$T/$name.push.log"
    check "$name-frames" compare_frames "$T/src-mt.frames" "$OUT" "v a a1"
    check "$name-track-ids" test "$(awk '$1 == "a" {print $2, $3}' "$OUT.frames" | sort -u | tr '\n' ' ')" = "0 Opus 1 mp4a "
    check "$name-track1-config" test "$(awk '$1 == "a" && $2 == 1 && $4 == "start" {print $9}' "$OUT.frames")" = \
        "$(timeout 60 ffmpeg -nostdin -v error -i "$SRC_MT" -map 0:a:1 -c copy -f framemd5 - | awk -F', *' '/^#extradata/ {print $3}')"
    check "$name-meta-track-map" test "$(meta_value "$OUT" 'audioTrackIdInfoMap.1.audiocodecid')" = "$(fourcc_number mp4a)"
    check "$name-play-track0" test "$(decoded "$PLAY_LOG" audio)" = "$(awk '$1 == "a"' "$T/src-mt.frames" | wc -l)"
    check "$name-play-track1" test "$(decoded "$T/mt1.play.log" audio)" = "$(awk '$1 == "a1"' "$T/src-mt.frames" | wc -l)"
    # --track 1: track 1's frames only, as the source's second audio stream.
    check "$name-dump-track1-only" test "$(python3 "$FLVINFO" --frames "$T/mt1.flv" | awk '{print $1, $2}' | sort -u)" = "a 1"
    check "$name-dump-track1-frames" compare_frames "$T/src-mt.frames" "$T/mt1.flv" a1
    RESULTS+=("$name: video $(awk '$1 == "v" && $4 == "frame"' "$OUT.frames" | wc -l), track 0 $(awk '$1 == "a" && $2 == 0 && $4 == "frame"' "$OUT.frames" | wc -l), track 1 $(awk '$1 == "a" && $2 == 1 && $4 == "frame"' "$OUT.frames" | wc -l) frames recorded; --track 1: $(python3 "$FLVINFO" --frames "$T/mt1.flv" | awk '$4 == "frame"' | wc -l)")
else
    fail two-audio-tracks-source "ffmpeg could not make the two-track source"
fi

# ---- HDR: the colorInfo Metadata packet ----
if [ -s "$SRC_HDR" ]; then
    name=nms-hevc-hdr-colorinfo
    case_done "$name"
    check "$name-colorinfo" python3 - "$OUT" "$IT_LIB_DIR" <<'EOF'
import sys
sys.path.insert(0, sys.argv[2])
import flvinfo
for ttype, ts, body in flvinfo.tags(open(sys.argv[1], "rb").read()):
    if ttype == 9 and body[0] == 0xD4 and body[1:5] == b"hvc1":   # frame type 5, Metadata
        name, pos = flvinfo.amf_value(body, 5)
        info, _ = flvinfo.amf_value(body, pos)
        want = {"transferCharacteristics": 16, "matrixCoefficients": 9, "colorPrimaries": 9}
        if name == "colorInfo" and info.get("colorConfig") == want:
            sys.exit(0)
        sys.exit("colorInfo %r %r" % (name, info))
sys.exit("no colorInfo metadata tag")
EOF
    check "$name-play-video" test "$(decoded "$PLAY_LOG" video)" = 50
fi

# ---- HEVC through a pipe as MPEG-TS ----
if [ -n "$SRC_TS" ]; then
    name=nms-hevc-mpegts-pipe
    case_done "$name"
    python3 "$FLVINFO" --frames "$OUT" >"$OUT.frames"
    [ -s "$T/src-hevc-opus.frames" ] || src_frames "$SRC_TS" "$T/src-hevc-opus.frames"
    want_v=$(awk '$1 == "v"' "$T/src-hevc-opus.frames" | wc -l)
    check "$name-copied" grep -q "input: hevc .*(copied, enhanced)" "$T/$name.push.log"
    check "$name-hvcc-built" test "$(awk '$1 == "v" && $4 == "start" {print $3, ($8 > 23)}' "$OUT.frames")" = "hvc1 1"
    check "$name-video-frames" test "$(awk '$1 == "v" && $4 == "frame"' "$OUT.frames" | wc -l)" = "$want_v"
    check "$name-play-video" test "$(decoded "$T/$name.play.log" video)" = "$want_v"
    RESULTS+=("$name: video $(awk '$1 == "v" && $4 == "frame"' "$OUT.frames" | wc -l)/$want_v recorded, $(decoded "$T/$name.play.log" video) decoded")
fi

# ======== batch 2: encoding, testsrc's two tracks, an Enhanced FLV pushed again ========

# Encoding: testsrc to each codec (--video-codec / --audio-codec), 3 s at 30 fps, x264's
# ultrafast preset (and what SVT-AV1, libvpx and x265 take for it: the encoders run side
# by side, and the codec is what is checked).
ENCODES="hevc:opus av1:flac vp9:aac h264:opus"
BATCH=()
for pair in $ENCODES; do
    name=nms-encode-${pair%%:*}-${pair##*:}
    case_listen "$name" "$NMS_URL/live/$(uniq_name "$name")"
    BATCH+=("$name")
done
# testsrc's audio streams as two tracks (1 kHz and 2 kHz tones), a player of track 1.
name=nms-testsrc-two-tracks
case_listen "$name" "$NMS_URL/live/$(uniq_name "$name")"
more_listener play "$T/$name.play1.log" "$PLAY" -v --no-display --audio-track 1 "${C_URL[$name]}"
BATCH+=("$name")
# An Enhanced FLV recording pushed again (FFmpeg 5.1 cannot read one: rtmp-push's own FLV
# reader sends its tags as they are), multitrack tags included.
REC_MT=$T/nms-two-audio-tracks.flv
if [ -s "$REC_MT" ]; then
    case_listen nms-repush-enhanced-flv "$NMS_URL/live/$(uniq_name nms-repush-enhanced-flv)"
    BATCH+=(nms-repush-enhanced-flv)
fi
listeners_ready
for pair in $ENCODES; do
    v=${pair%%:*} a=${pair##*:}
    case_push "nms-encode-$v-$a" testsrc --size 320x240 --duration 3 --video-codec "$v" --audio-codec "$a" \
        --preset ultrafast
done
case_push nms-testsrc-two-tracks testsrc --duration 2 --size 320x240 --audio-codec opus --audio-track 0,1
[ -s "$REC_MT" ] && case_push nms-repush-enhanced-flv "$REC_MT"
batch_end "${BATCH[@]}"

for pair in $ENCODES; do
    v=${pair%%:*} a=${pair##*:}
    name=nms-encode-$v-$a
    case_done "$name"
    python3 "$FLVINFO" --frames "$OUT" >"$OUT.frames"
    got_v=$(awk '$1 == "v" && $4 == "frame"' "$OUT.frames" | wc -l)
    got_a=$(awk '$1 == "a" && $4 == "frame"' "$OUT.frames" | wc -l)
    check "$name-encoded" grep -q "input: $v 320x240 30 fps (encoded from testsrc.*) + $a .*(encoded from testsrc" "$T/$name.push.log"
    check "$name-fourccs" test "$(awk '$4 == "start" {print $1 $3}' "$OUT.frames" | sort | tr '\n' ' ')" = "a${FOURCC[$a]} v${FOURCC[$v]} "
    check "$name-video-frames" between "$got_v" 88 91
    check "$name-play-video" test "$(decoded "$PLAY_LOG" video)" = "$got_v"
    check "$name-play-audio" test "$(decoded "$PLAY_LOG" audio)" = "$got_a"
    RESULTS+=("$name: video $got_v recorded, $(decoded "$PLAY_LOG" video) decoded; audio $got_a recorded, $(decoded "$PLAY_LOG" audio) decoded")
done

name=nms-testsrc-two-tracks
case_done "$name"
python3 "$FLVINFO" --frames "$OUT" >"$OUT.frames"
n0=$(awk '$1 == "a" && $2 == 0 && $4 == "frame"' "$OUT.frames" | wc -l)
n1=$(awk '$1 == "a" && $2 == 1 && $4 == "frame"' "$OUT.frames" | wc -l)
check "$name-both-tracks" test "$n0" -gt 90 -a "$n1" = "$n0"
# Two tones: no packet of one track is a packet of the other (beyond silence, which a tone has none of).
check "$name-different-tones" test "$(comm -12 <(awk '$1 == "a" && $2 == 0 && $4 == "frame" {print $9}' "$OUT.frames" | sort -u) \
    <(awk '$1 == "a" && $2 == 1 && $4 == "frame" {print $9}' "$OUT.frames" | sort -u) | wc -l)" = 0
check "$name-play-track0" test "$(decoded "$PLAY_LOG" audio)" = "$n0"
check "$name-play-track1" test "$(decoded "$T/$name.play1.log" audio)" = "$n1"
RESULTS+=("$name: track 0 $n0, track 1 $n1 frames recorded; decoded $(decoded "$PLAY_LOG" audio) (track 0), $(decoded "$T/$name.play1.log" audio) (track 1)")

if [ -s "$REC_MT" ]; then
    name=nms-repush-enhanced-flv
    case_done "$name"
    check "$name-flv-reader" grep -q "input: hvc1 + Opus (copied from FLV)" "$T/$name.push.log"
    python3 "$FLVINFO" --frames "$OUT" >"$OUT.frames"
    check "$name-same-tags" cmp -s <(awk '{print $1, $2, $3, $4, $5, $7, $8, $9}' "$REC_MT.frames") \
        <(awk '{print $1, $2, $3, $4, $5, $7, $8, $9}' "$OUT.frames")
    check "$name-play-video" test "$(decoded "$PLAY_LOG" video)" = "$(awk '$1 == "v" && $4 == "frame"' "$OUT.frames" | wc -l)"
    RESULTS+=("$name: $(awk '$4 == "frame"' "$OUT.frames" | wc -l) frames recorded again, same bytes")
fi

# ---- capabilities: a server that echoes Enhanced RTMP capabilities (the scripted
# server; nginx-rtmp and node-media-server echo none) ----
SCRIPTED=$IT_ROOT/tests/servers/scripted_server.py
SRC_CAPS=$(gen_enhanced hevc opus)
run_bg "$T/scripted-caps.log" python3 "$SCRIPTED" --port 0 --mode ertmp-caps --timeout 60
caps_pid=$BG_PID
if wait_for "grep -q listening '$T/scripted-caps.log'" 10 && [ -n "$SRC_CAPS" ]; then
    caps_port=$(sed -n 's/^listening [0-9.]*:\([0-9]*\).*/\1/p' "$T/scripted-caps.log" | head -n1)
    timeout -k 2 30 "$PUSH" -v --duration 1 "$SRC_CAPS" "rtmp://127.0.0.1:$caps_port/live/x" >"$T/caps.push.log" 2>&1
    check caps-push-exit-status test $? = 0
    check caps-shown grep -q "server's Enhanced RTMP capabilities: fourCcList av01 video av01:7 audio Opus:7 capsEx 2" \
        "$T/caps.push.log"
    # hvc1 is not among the server's video codecs: one warning; Opus is: none.
    check caps-warned-once test "$(grep -c 'does not list video codec hvc1' "$T/caps.push.log")" = 1
    check caps-opus-listed test "$(grep -c 'does not list audio' "$T/caps.push.log")" = 0
    # What rtmp-push announced, as the server decoded it.
    check caps-announced grep -q "connect announces fourCcList=.*hvc1.*videoFourCcInfoMap={.*.hvc1.: 2.0.*audioFourCcInfoMap={.*.Opus.: 2.0" "$T/scripted-caps.log"
    # node-media-server and nginx-rtmp echo nothing.
    for base in "$NMS_URL" "$NGINX_URL"; do
        timeout -k 2 30 "$PUSH" -v --duration 1 "$SRC_CAPS" "$base/live/$(uniq_name caps)" >"$T/caps-real.log" 2>&1
        echo "INFO capabilities echoed by $base: $(sed -n "s/.*server's Enhanced RTMP capabilities: //p" "$T/caps-real.log")"
    done
else
    fail caps-server "the scripted server did not start"
fi
stop_pid "$caps_pid"

printf 'RESULT %s\n' "${RESULTS[@]}"
it_finish
