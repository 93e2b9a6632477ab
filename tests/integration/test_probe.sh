#!/usr/bin/env bash
# rtmp-probe against real servers (nginx-rtmp, node-media-server): ffmpeg publishes a
# known file, rtmp-probe --json reports on it, and every figure is checked against
# ffprobe's view of the same file (probe_compare.py); then the documented exit statuses.
. "$(dirname "$0")/lib.sh"
it_setup probe
need_servers

PROBE=$BUILD/cli/rtmp-probe
COMPARE="python3 $IT_LIB_DIR/probe_compare.py"
# Two sources that differ in every figure: H.264 Main 640x360 30 fps, keyframe every
# 30 frames; H.264 High 320x240 25 fps with B-frames, keyframe every 25 frames. Both AAC
# LC 44.1 kHz stereo at 128 kbit/s.
SRC_MAIN=$(gen_media probe10 10 640x360 30)
SRC_HIGH=$(gen_media probe10b 10 320x240 25 bframes)

# valid_json FILE [PYTHON_CONDITION]: FILE is one JSON object (and the condition on it, j, holds).
valid_json() {
    python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
assert isinstance(j, dict), "not an object"
cond = sys.argv[2] if len(sys.argv) > 2 else "True"
assert eval(cond), "fails: " + cond + " in " + json.dumps(j)[:300]' "$@"
}

for server in nginx nms; do
    if [ $server = nginx ]; then base=$NGINX_URL; src=$SRC_MAIN; else base=$NMS_URL; src=$SRC_HIGH; fi
    name=$(uniq_name "probe-$server")
    publish_ffmpeg --loop "$src" "$base/live/$name"
    wait_published 10 || fail "$server-published" "ffmpeg did not publish: $(tail -c 300 "$PUBLISH_LOG")"
    # Nearly one loop of the 10 s file: the bit rates are the file's, within 10 %.
    timeout 40 "$PROBE" --json --duration 9.5 "$base/live/$name" >"$T/$server.json" 2>"$T/$server.err"
    check "$server-exit-status" test $? = 0
    check "$server-json" valid_json "$T/$server.json" \
        'j["ended_by"] == "duration" and j["complete"] and len(j["tracks"]) == 2 and j["media_ms"] >= 9500'
    check "$server-server-version" valid_json "$T/$server.json" 'j["server"]["version"].startswith("FMS/")'
    check "$server-metadata" valid_json "$T/$server.json" 'j["metadata"]["width"] > 0'
    check "$server-figures-match-ffprobe" $COMPARE "$T/$server.json" "$src"
    # Without --duration: it stops once it has the headers and two keyframes.
    timeout 40 "$PROBE" --json "$base/live/$name" >"$T/$server-quick.json" 2>"$T/$server-quick.err"
    check "$server-quick-exit-status" test $? = 0
    check "$server-quick-complete" valid_json "$T/$server-quick.json" \
        'j["complete"] and j["ended_by"] == "complete" and [t["keyframes"] for t in j["tracks"] if t["type"] == "video"] == [2] and j["media_ms"] < 4000'
    # The text report.
    timeout 40 "$PROBE" "$base/live/$name" >"$T/$server.txt" 2>"$T/$server-text.err"
    check "$server-text-exit-status" test $? = 0
    if [ $server = nginx ]; then
        check "$server-text-video" grep -qE '^video  h264 Main, level 3\.0, 640x360, 30\.[0-9]+ fps, keyframe every 1\.00 s \(30 frames\)' "$T/$server.txt"
    else
        check "$server-text-video" grep -qE '^video  h264 High, level [0-9.]+, 320x240, 25\.[0-9]+ fps, keyframe every 1\.00 s \(25 frames\)' "$T/$server.txt"
    fi
    check "$server-text-audio" grep -qE '^audio  aac LC, 44100 Hz, 2 channels, 1[0-9][0-9] kbit/s' "$T/$server.txt"
    check "$server-text-server" grep -q '^server  FMS/' "$T/$server.txt"
    stop_pid "$PUBLISH_PID"
done

# A server that echoes Enhanced RTMP capabilities in its connect _result, and a stream
# whose 32-bit wire time wraps (the scripted server's wrap mode: 30 AAC frames 23 ms
# apart, then Play.Stop): the report shows the capabilities, and no gap or step back.
SCRIPTED="$IT_ROOT/tests/servers/scripted_server.py"
run_bg "$T/scripted.log" python3 "$SCRIPTED" --port 0 --mode wrap --timeout 60
if wait_for "grep -q '^listening' '$T/scripted.log'" 10; then
    sport=$(sed -n 's/^listening [0-9.]*:\([0-9]*\)$/\1/p' "$T/scripted.log" | head -n1)
    timeout 30 "$PROBE" --json "rtmp://127.0.0.1:$sport/live/x" >"$T/wrap.json" 2>"$T/wrap.err"
    check wrap-exit-status test $? = 0
    check wrap-enhanced-caps valid_json "$T/wrap.json" \
        'j["server"]["enhanced"] == {"caps_ex": 3, "caps": ["reconnect", "multitrack"], "fourcc_list": ["hvc1", "av01"], "video_fourcc_info": {"hvc1": 4}, "audio_fourcc_info": None}'
    check wrap-across-the-wrap valid_json "$T/wrap.json" \
        'j["ended_by"] == "stream end" and j["complete"] is False and j["media_ms"] == 29 * 23 and [(t["frames"], t["gaps"], t["backwards"], t["max_step_ms"], t["sample_rate"], t["channels"]) for t in j["tracks"]] == [(30, 0, 0, 23, 44100, 2)]'
    timeout 30 "$PROBE" "rtmp://127.0.0.1:$sport/live/x" >"$T/wrap.txt" 2>&1
    check wrap-text-caps grep -q '^server  FMS/3,0,1,123, Enhanced RTMP reconnect multitrack$' "$T/wrap.txt"
    stop_pid "$BG_PID"
else
    fail scripted "the scripted server did not start: $(head -c 300 "$T/scripted.log")"
fi

# ---- errors: one clear line, the documented exit status, no hang ----

expect_error bad-url 2 'invalid RTMP URL' "$PROBE" http://example.com/x
expect_error no-url 2 'no URL' "$PROBE"
expect_error bad-max-time 2 'max-time' "$PROBE" --max-time abc "$NGINX_URL/live/x"
expect_error refused 4 'refused' "$PROBE" rtmp://127.0.0.1:1/live/x
expect_error not-found 8 'StreamNotFound|not found' "$PROBE" "$NGINX_URL/strict/$(uniq_name nobody)"
expect_error unknown-app 17 'unknown application' "$PROBE" "$NGINX_URL/noapp/x"
# nginx's live app and node-media-server let a player of an unpublished name wait
expect_error silent-nginx 5 'no audio or video within 2 s' "$PROBE" --max-time 2 "$NGINX_URL/live/$(uniq_name nobody)"
expect_error silent-nms 5 'no audio or video within 2 s' "$PROBE" --max-time 2 "$NMS_URL/live/$(uniq_name nobody)"
check json-stays-empty-on-error test ! -s "$T/not-found.out"

# ---- --help, --version, secrets ----
timeout 5 "$PROBE" --help >"$T/help.out" 2>&1
check help-exit-status test $? = 0
check help-lists-json grep -q -- '--json' "$T/help.out"
timeout 5 "$PROBE" --version >"$T/version.out" 2>&1
check version-line grep -qE '^rtmp-probe [0-9]+\.[0-9]+\.[0-9]+$' "$T/version.out"
"$PROBE" -vv --json --max-time 2 "rtmp://user:pa55word@127.0.0.1:$NGINX_PORT/live/$(uniq_name key)?token=T0PSECRET" \
    >"$T/secret.out" 2>&1
check secrets-redacted test -z "$(grep -E 'pa55word|T0PSECRET' "$T/secret.out")"

it_finish
