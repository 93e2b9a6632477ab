#!/usr/bin/env bash
# rtmp-push --video-track 0,1: two H.264 video streams of one file (320x240 and 160x120,
# 3 s, B-frames, plus AAC) go out as video track 0 (plain, as without the option) and
# video track 1 (Enhanced RTMP Multitrack OneTrack avc1 tags with its own sequence
# start), through node-media-server to rtmp-dump. Checked on the recording (flvinfo.py,
# independent of rtmpkit's parser):
#   each track's coded frames are its source stream's packets: count, bytes (md5),
#   composition times, dts on one clock (ffmpeg -c copy -f framemd5 of the source);
#   each track's sequence start is its stream's avcC; the track ids; onMetaData's
#   videoTrackIdInfoMap lists track 1 (avc1, 160x120) and the top-level size is track 0's;
#   rtmp-dump --track 0 keeps track 0's frames only, no track 1 sequence start, no map;
#   --video-track 0,1 with --size (encoding) and a missing stream: one-line errors, exit
#   2 and 12 (usage, input).
#   An HEVC (libx265) extra video track: its frames, composition times and hvcC sequence
#   start as the source's, hvc1 in the map.
. "$(dirname "$0")/lib.sh"
it_setup video_tracks
need_servers

PUSH=$BUILD/cli/rtmp-push
DUMP=$BUILD/cli/rtmp-dump
FLVINFO=$IT_LIB_DIR/flvinfo.py

# The source, cached: two H.264 streams of different sizes and one AAC stream.
SRC=$DATA/vtracks-h264x2-aac-3s.mkv
if [ ! -s "$SRC" ]; then
    tmp=$(mktemp "$DATA/.vtracks.XXXXXX")
    timeout 120 ffmpeg -nostdin -hide_banner -loglevel error -y \
        -f lavfi -i "testsrc2=size=320x240:rate=25" -f lavfi -i "testsrc=size=160x120:rate=25" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 3 -map 0:v -map 1:v -map 2:a \
        -pix_fmt yuv420p -c:v libx264 -threads 1 -bf 2 -g 25 -flags:v +bitexact -c:a aac -b:a 128k -ac 2 \
        -fflags +bitexact -map_metadata -1 -f matroska "$tmp" && mv -f "$tmp" "$SRC"
    rm -f "$tmp"
fi
check source-made test -s "$SRC"

# source_frames: $SRC's packets into $T/src.frames as "kind size md5 dts pts" (ms): v
# (video 0), v1 (video 1), a; and its extradata md5s as "extra kind md5".
source_frames() {
    timeout 60 ffmpeg -nostdin -hide_banner -v error -i "$SRC" -map 0:v:0 -map 0:v:1 -map 0:a -c copy -f framemd5 - 2>/dev/null |
        awk -F', *' '
            BEGIN { k[0] = "v"; k[1] = "v1"; k[2] = "a" }
            /^#tb / { split($0, a, /[ :\/]+/); tb[a[2]] = a[3] / a[4] }
            /^#extradata/ { split($1, a, " "); print "extra", k[a[2]], $3; next }
            /^#/ { next }
            NF >= 6 { printf "%s %s %s %d %d\n", k[$1], $5, $6, $2 * tb[$1] * 1000, $3 * tb[$1] * 1000 }' >"$T/src.frames"
}
source_frames
check source-two-video-streams test "$(awk '$1 == "v1"' "$T/src.frames" | wc -l)" -gt 0

# same_frames FLV KINDS: the recording's coded frames of each kind (v, v1, a) are the
# source's packets; a kind left out of KINDS must have no frame recorded. Prints why not.
same_frames() {
    local k absent=""
    for k in v v1 a; do
        case " $2 " in *" $k "*) ;; *) absent+="$k " ;; esac
    done
    python3 "$FLVINFO" --frames "$1" >"$1.frames" || { echo "flvinfo failed on $1"; return 1; }
    python3 "$IT_LIB_DIR/compare_frames.py" "$T/src.frames" "$1.frames" "$2" "$absent"
}

# start_of FLV TRACK: fourcc and md5 of the video sequence start of TRACK.
start_of() { awk -v t="$2" '$1 == "v" && $2 == t && $4 == "start" { print $3, $9; exit }' "$1.frames"; }
extra_md5() { awk -v k="$1" '$1 == "extra" && $2 == k { print $3 }' "$T/src.frames"; }
meta_value() { python3 "$FLVINFO" --meta "$1" | sed -n "s/^$2=//p" | head -n1; }

# push_dump NAME DUMP_OPTS... -- PUSH_OPTS...: rtmp-dump on node-media-server, then the push.
push_dump() {
    local name=$1 url dump_pid rc; shift
    local -a dopts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do dopts+=("$1"); shift; done
    shift
    url=$NMS_URL/live/$(uniq_name "$name")
    run_bg "$T/$name.dump.log" "$DUMP" "${dopts[@]}" "$url" -o "$T/$name.flv"; dump_pid=$BG_PID
    sleep 1
    timeout -k 2 60 "$PUSH" -v "$@" "$SRC" "$url" >"$T/$name.push.log" 2>&1; rc=$?
    check "$name-push-exit-status" test "$rc" = 0
    sleep 0.5
    stop_pid "$dump_pid"
}

# ---- two video tracks ----
push_dump both -- --video-track 0,1
OUT=$T/both.flv
check both-described grep -q "input: h264 320x240 .*(copied) + aac .* + video track 1: h264 160x120 .*(copied, enhanced)" \
    "$T/both.push.log"
check both-frames same_frames "$OUT" "v v1 a"
check both-track-ids test "$(awk '$1 == "v" { print $2 }' "$OUT.frames" | sort -u | tr '\n' ' ')" = "0 1 "
check both-track1-avc1 test "$(awk '$1 == "v" && $2 == 1 { print $3 }' "$OUT.frames" | sort -u)" = avc1
check both-track0-config test "$(start_of "$OUT" 0)" = "avc1 $(extra_md5 v)"
check both-track1-config test "$(start_of "$OUT" 1)" = "avc1 $(extra_md5 v1)"
python3 "$FLVINFO" --meta "$OUT" >"$T/both.meta"
check both-meta-width test "$(sed -n 's/^width=//p' "$T/both.meta")" = 320
check both-meta-map-codec test "$(sed -n 's/^videoTrackIdInfoMap\.1\.videocodecid=//p' "$T/both.meta")" = \
    "$(python3 -c 'print(int.from_bytes(b"avc1", "big"))')"
check both-meta-map-size test "$(sed -n 's/^videoTrackIdInfoMap\.1\.\(width\|height\)=//p' "$T/both.meta" | tr '\n' ' ')" \
    = "160 120 "
check both-meta-map-only-1 test "$(grep -c '^videoTrackIdInfoMap\.[^1]' "$T/both.meta")" = 0

# ---- rtmp-dump --track 0: track 1's tags left out ----
push_dump keep0 --track 0 -- --video-track 0,1
check keep0-frames same_frames "$T/keep0.flv" "v a"
check keep0-no-track1-start test -z "$(start_of "$T/keep0.flv" 1)"
check keep0-meta-no-map test "$(python3 "$FLVINFO" --meta "$T/keep0.flv" | grep -c '^videoTrackIdInfoMap')" = 0

# ---- errors ----
expect_error err-encode 2 "video-track" "$PUSH" --video-track 0,1 --size 160x120 "$SRC" "$NMS_URL/live/x"
expect_error err-no-stream 12 "video-track 5" "$PUSH" --video-track 0,5 "$SRC" "$NMS_URL/live/x"

# ---- an HEVC extra video track ----
# A second source: H.264 320x240 as stream 0, HEVC (libx265, B-frames, HDR10 colors)
# 160x120 as stream 1, AAC; 2 s. Track 1 goes out as Multitrack OneTrack hvc1 tags with
# the hvcC as its sequence start and its colorInfo; its frames are compared with the
# source's as above (same_frames reads $SRC's packets from $T/src.frames: both are this
# source's from here on).
SRC=$DATA/vtracks-h264-hevc-hdr-aac-2s.mkv
if [ ! -s "$SRC" ]; then
    tmp=$(mktemp "$DATA/.vtracks.XXXXXX")
    timeout 120 ffmpeg -nostdin -hide_banner -loglevel error -y \
        -f lavfi -i "testsrc2=size=320x240:rate=25" -f lavfi -i "testsrc=size=160x120:rate=25" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 2 -map 0:v -map 1:v -map 2:a \
        -pix_fmt yuv420p -c:v:0 libx264 -threads 1 -bf 2 -g 25 \
        -c:v:1 libx265 -x265-params log-level=error:pools=1:frame-threads=1:bframes=2:keyint=25 \
        -color_primaries:v:1 bt2020 -color_trc:v:1 smpte2084 -colorspace:v:1 bt2020nc -flags:v +bitexact -c:a aac -b:a 64k -ac 2 -fflags +bitexact -map_metadata -1 -f matroska "$tmp" &&
        mv -f "$tmp" "$SRC"
    rm -f "$tmp"
fi
check hevc-source-made test -s "$SRC"
source_frames
check hevc-source-b-frames python3 -c '
import sys
v1 = [l.split() for l in open(sys.argv[1]) if l.startswith("v1 ")]
sys.exit(not v1 or not any(x[3] != x[4] for x in v1))' "$T/src.frames"

push_dump hevc -- --video-track 0,1
OUT=$T/hevc.flv
check hevc-described grep -q "input: h264 320x240 .*(copied) + aac .* + video track 1: hevc 160x120 .*(copied, enhanced)" \
    "$T/hevc.push.log"
check hevc-frames same_frames "$OUT" "v v1 a"
check hevc-track-ids test "$(awk '$1 == "v" { print $2 }' "$OUT.frames" | sort -u | tr '\n' ' ')" = "0 1 "
check hevc-track1-hvc1 test "$(awk '$1 == "v" && $2 == 1 { print $3 }' "$OUT.frames" | sort -u)" = hvc1
check hevc-track0-config test "$(start_of "$OUT" 0)" = "avc1 $(extra_md5 v)"
check hevc-track1-config test "$(start_of "$OUT" 1)" = "hvc1 $(extra_md5 v1)"
check hevc-meta-map-codec test "$(meta_value "$OUT" 'videoTrackIdInfoMap\.1\.videocodecid')" = \
    "$(python3 -c 'print(int.from_bytes(b"hvc1", "big"))')"
# Track 1's colors: one Multitrack OneTrack Metadata tag (frame type 1) of hvc1 track 1
# with the source's colorConfig (BT.2020, PQ, BT.2020 NCL: 9, 16, 9); track 0 has none.
check hevc-track1-colorinfo python3 - "$OUT" "$IT_LIB_DIR" <<'EOF'
import sys
sys.path.insert(0, sys.argv[2])
import flvinfo
found = []
for ttype, ts, body in flvinfo.tags(open(sys.argv[1], "rb").read()):
    if ttype != 9 or body[0] & 0x8F not in (0x84, 0x86):
        continue
    if body[0] & 0x0F == 0x06 and body[1] != 0x04:
        continue   # a Multitrack tag of another packet
    head = 7 if body[0] & 0x0F == 0x06 else 5
    name, pos = flvinfo.amf_value(body, head)
    info, _ = flvinfo.amf_value(body, pos)
    found.append((body[:head], name, info.get("colorConfig")))
want = [(b"\x96\x04hvc1\x01", "colorInfo", {"transferCharacteristics": 16, "matrixCoefficients": 9, "colorPrimaries": 9})]
if found != want:
    sys.exit("metadata tags %r" % found)
EOF

it_finish
