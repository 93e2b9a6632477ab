#!/usr/bin/env bash
# --stats=json and --stats-file of rtmp-push and rtmp-dump against nginx-rtmp: every line
# parses with Python's json module and carries exactly the keys the man page's STATS
# section lists (tests/check_stats_keys.py), and the figures agree with what was sent
# and what is on disk.
. "$(dirname "$0")/lib.sh"
it_setup stats
need_servers

PUSH=$BUILD/cli/rtmp-push
DUMP=$BUILD/cli/rtmp-dump
PLAY=$BUILD/cli/rtmp-play
FLVINFO="python3 $IT_LIB_DIR/flvinfo.py"
CHECK_KEYS="python3 $IT_ROOT/tests/check_stats_keys.py"
SRC=$(gen_media stats6 6 320x240 25)

info() { $FLVINFO "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# last_field FILE KEY: KEY of the last JSON line of FILE.
last_field() {
    python3 - "$1" "$2" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
print(json.loads(lines[-1])[sys.argv[2]] if lines else "")
PY
}
# increasing FILE KEY: neither KEY nor t_ms decreases from one line to the next. (The final
# line is forced out when the command ends, and can fall in the same millisecond as the last
# periodic one.) The values must grow over the whole run.
increasing() {
    python3 - "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
key = sys.argv[2]
for a, b in zip(rows, rows[1:]):
    if b[key] < a[key] or b["t_ms"] < a["t_ms"]:
        sys.exit("%s goes from %s at %s ms to %s at %s ms" % (key, a[key], a["t_ms"], b[key], b["t_ms"]))
if len(rows) < 2 or rows[-1][key] <= rows[0][key] or rows[-1]["t_ms"] <= rows[0]["t_ms"]:
    sys.exit("%s does not grow over %d lines" % (key, len(rows)))
PY
}

# A recording with --stats-file while a paced push reports --stats=json on stderr.
name=$(uniq_name stats)
run_bg "$T/dump.log" "$DUMP" --stats-file "$T/dump.json" "$NGINX_URL/live/$name" -o "$T/rec.flv"
dump_pid=$BG_PID
run_bg "$T/play.err" "$PLAY" --no-display --stats=json "$NGINX_URL/live/$name"
play_pid=$BG_PID
sleep 0.5
timeout 40 "$PUSH" --stats=json "$SRC" "$NGINX_URL/live/$name" 2>"$T/push.err"
push_rc=$?
wait_pid "$dump_pid" 20; dump_rc=$?
wait_pid "$play_pid" 20; play_rc=$?
grep -v '^{' "$T/push.err" >"$T/push-log.txt"

check push-exit-status test "$push_rc" = 0
check dump-exit-status test "$dump_rc" = 0
check push-keys-documented $CHECK_KEYS "$BUILD/man/rtmp-push.1" "$T/push.err" --min 4
check dump-keys-documented $CHECK_KEYS "$BUILD/man/rtmp-dump.1" "$T/dump.json" --min 4
# rtmp-play names its keys in the text of --stats, and shares the common ones.
check play-exit-status test "$play_rc" = 0
check play-keys-documented $CHECK_KEYS "$BUILD/man/rtmp-play.1" "$T/play.err" --min 4
check play-bytes-grow increasing "$T/play.err" bytes
check play-state-playing grep -q '"state":"playing"' "$T/play.err"
check push-last-state test "$(last_field "$T/push.err" state)" = done
check dump-last-state test "$(last_field "$T/dump.json" state)" = done
check push-video-frames test "$(last_field "$T/push.err" video_frames)" = "$(count_packets "$SRC" v)"
check push-audio-frames test "$(last_field "$T/push.err" audio_frames)" = "$(count_packets "$SRC" a)"
check push-bytes-grow increasing "$T/push.err" bytes
check push-media-grows increasing "$T/push.err" media_ms
check push-paced-lateness-small python3 -c "
import json,sys
rows=[json.loads(l) for l in open('$T/push.err') if l.startswith('{')]
late=[r['lateness_ms'] for r in rows[:-1]]
sys.exit(0 if late and all(x is not None and 0 <= x < 2000 for x in late) else 'lateness %s' % late)"
check dump-video-on-disk test "$(last_field "$T/dump.json" video_frames)" = "$(count_packets "$T/rec.flv" v)"
check dump-audio-on-disk test "$(last_field "$T/dump.json" audio_frames)" = "$(count_packets "$T/rec.flv" a)"
check dump-bytes-on-disk test "$(last_field "$T/dump.json" bytes)" = "$(stat -c %s "$T/rec.flv")"
check dump-null-push-keys test "$(last_field "$T/dump.json" queue_ms)" = None
check dump-bitrate-plausible python3 -c "
import json,sys
rows=[json.loads(l) for l in open('$T/dump.json') if l.startswith('{')]
rates=[r['bitrate_kbps'] for r in rows if r['state']=='recording' and r['bytes']>0]
sys.exit(0 if rates and max(rates) > 50 else 'rates %s' % rates)"

# The text form: a line a second, no JSON.
timeout 40 "$PUSH" --stats --duration 3 "$SRC" "$NGINX_URL/live/$(uniq_name statstext)" 2>"$T/text.err"
check text-lines test "$(grep -c '^rtmp-push: t=' "$T/text.err")" -ge 2
check text-no-json sh -c "! grep -q '^{' '$T/text.err'"
# A stats file that cannot be created: usage-time error, exit status of an output error.
expect_error stats-file-unwritable 10 "cannot create" "$DUMP" --stats-file /nonexistent/dir/s.json "$NGINX_URL/live/x" -o "$T/x.flv"

it_finish
