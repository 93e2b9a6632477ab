#!/usr/bin/env bash
# The test infrastructure itself, with real peers only: ffmpeg publishes a generated
# file to each server and ffmpeg records it back; lib.sh's checks must agree.
. "$(dirname "$0")/lib.sh"
it_setup servers_sanity
need_servers

media=$(gen_media sanity 6) || { fail gen_media "could not generate media"; it_finish; exit; }
media_b=$(gen_media sanity 3 320x240 25 bframes) || fail gen_media_bframes "could not generate media"

check media_codecs test "$(has_codecs "$media")" = "h264 aac"
check media_counts test "$(count_packets "$media" v)" = 150 -a "$(count_packets "$media" a)" -ge 250
check media_monotonic check_monotonic "$media"
check media_bframes_monotonic check_monotonic "$media_b"
check media_decodes test -z "$(decode_errors "$media")"
if awk '$1 != $2 { d = 1 } END { exit !d }' < <(packet_times "$media_b" v); then
    pass media_bframes_have_cts
else
    fail media_bframes_have_cts "no packet with pts != dts in $media_b"
fi

# relay SERVER_NAME URL: publish, record 4 s from the live stream, check the recording.
relay() {
    local srv=$1 url=$2 out=$T/$1.flv v a
    publish_ffmpeg "$media" "$url"
    if ! wait_published 10; then
        fail "${srv}_publish" "publisher not accepted: $(tail -n 3 "$PUBLISH_LOG")"
        stop_pid "$PUBLISH_PID"
        return
    fi
    pass "${srv}_publish"
    if record_ffmpeg "$url" "$out" 4; then pass "${srv}_record"; else fail "${srv}_record" "ffmpeg recorder failed"; fi
    v=$(count_packets "$out" v)
    a=$(count_packets "$out" a)
    # 4 s at 25 fps and ~43 AAC frames/s, minus what a live join can cut off
    if [ "$v" -ge 60 ] && [ "$a" -ge 100 ]; then pass "${srv}_packets"
    else fail "${srv}_packets" "recording has $v video and $a audio packets"; fi
    check "${srv}_monotonic" check_monotonic "$out" 100000
    check "${srv}_decodes" test -z "$(decode_errors "$out")"
    # every recorded video packet is byte-identical to one of the source's
    if [ -s "$out" ] && awk 'NR == FNR { src[$0] = 1; next } !($0 in src) { bad = 1 } END { exit bad }' \
            <(video_md5s "$media") <(video_md5s "$out"); then
        pass "${srv}_video_identical"
    else
        fail "${srv}_video_identical" "recorded video packets differ from the source"
    fi
    wait_publisher 30
    check "${srv}_publisher_exit" test $? -eq 0
}

relay nginx "$NGINX_URL/live/$(uniq_name sanity)"
relay nms "$NMS_URL/live/$(uniq_name sanity)"

# nginx vod app: the recorded sample servers.sh put there
out=$T/vod.flv
if timeout 30 ffmpeg -nostdin -v error -y -i "$NGINX_URL/vod/sample.flv" -c copy -f flv "$out" \
        && [ "$(count_packets "$out" v)" -ge 120 ]; then
    pass nginx_vod
else
    fail nginx_vod "could not play vod/sample.flv completely"
fi

it_finish
