#!/usr/bin/env bash
# rtmp-dump with many streams in one process (URL -o FILE pairs, --from LIST), against
# nginx-rtmp and node-media-server: every file holds its stream frame for frame; bad
# streams in a list fail alone, with the documented status and a summary naming them;
# --segment files add up to the whole; SIGINT finishes every file; rtmps in the same loop.
. "$(dirname "$0")/lib.sh"
it_setup multidump
need_servers
T_START=$(date +%s.%N)

DUMP=$BUILD/cli/rtmp-dump
FLVINFO="python3 $IT_LIB_DIR/flvinfo.py"
SRC=$(gen_media multi4 4 320x240 25)
SRC8=$(gen_media dump8 8 640x360 30)
SERVERS_DIR=${IT_SERVERS_DIR:-${RTMPKIT_SERVERS_DIR:-}}
CA=$SERVERS_DIR/tls/ca.pem
NGINX_TLS_PORT=${RTMPKIT_NGINX_TLS_PORT:-19443}
N=20

info() { $FLVINFO "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# verdict NAME PROBLEMS: pass when PROBLEMS is empty, else fail with them.
verdict() { if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi; }

# The source's packets once: "size md5" per video and per audio packet.
video_md5s "$SRC" v >"$T/src.v"
video_md5s "$SRC" a >"$T/src.a"

# same_frames OUT: the source's packets, the same bytes in the same order, timestamps
# from 0 and monotonic.
same_frames() {
    local mono
    [ -s "$1" ] || { echo "no file $1"; return 1; }
    cmp -s "$T/src.v" <(video_md5s "$1" v) || { echo "video: $(video_md5s "$1" v | wc -l) packets, not the source's $(wc -l <"$T/src.v")"; return 1; }
    cmp -s "$T/src.a" <(video_md5s "$1" a) || { echo "audio: $(video_md5s "$1" a | wc -l) packets, not the source's $(wc -l <"$T/src.a")"; return 1; }
    mono=$(check_monotonic "$1" 0) || { echo "timestamps: $mono"; return 1; }
}

# --- N streams, one process: half as URL -o FILE pairs, half from a list (one over
# rtmps when the test CA is there), recorders first, then one ffmpeg -c copy per stream.
args=() names=() urls=()
: >"$T/list"
for i in $(seq 1 $N); do
    name=$(uniq_name "m$i")
    if [ $((i % 4)) = 0 ]; then base=$NMS_URL; else base=$NGINX_URL; fi
    names+=("$name"); urls+=("$base/live/$name")
    play=$base/live/$name
    if [ "$i" = 3 ] && [ -s "$CA" ]; then play=rtmps://127.0.0.1:$NGINX_TLS_PORT/live/$name; fi
    if [ $((i % 2)) = 0 ]; then
        args+=("$play" -o "$T/out/$name.flv")
    else
        printf '# stream %d\n%s   %s\n\n' "$i" "$play" "$T/out/$name.flv" >>"$T/list"
    fi
done
tls_args=()
[ -s "$CA" ] && tls_args=(--ca-file "$CA")
mkdir -p "$T/out"
t0=$(date +%s.%N)
run_bg "$T/many.log" "$DUMP" -v "${tls_args[@]}" --stats-file "$T/many.json" "${args[@]}" --from "$T/list"
many_pid=$BG_PID
sleep 1
pubs=()
for i in $(seq 0 $((N - 1))); do
    publish_ffmpeg "$SRC" "${urls[$i]}"
    pubs+=("$PUBLISH_PID")
done
for p in "${pubs[@]}"; do wait_publisher 60 "$p"; done
wait_pid "$many_pid" 30; rc=$?
echo "$N streams recorded in $(seconds_since "$t0") s"
check many-exit-status test "$rc" = 0
bad=""
for name in "${names[@]}"; do
    why=$(same_frames "$T/out/$name.flv") || bad+="$name: $why; "
done
verdict "many-$N-files-same-frames" "$bad"
check many-metadata-duration awk -v d="$(info "$T/out/${names[0]}.flv" meta_duration)" 'BEGIN { exit !(d > 3.5 && d < 4.5) }'
if [ -s "$CA" ]; then
    check many-rtmps-verified grep -q "${names[2]}: TLS: .*certificate verified" "$T/many.log"
else
    echo "SKIP $IT_NAME/many-rtmps: no test CA (servers not started by this test, RTMPKIT_SERVERS_DIR unset)"
fi
check many-summary grep -q "$N streams: $N complete, 0 failed" "$T/many.log"
check many-stats-keys python3 "$IT_ROOT/tests/check_stats_keys.py" "$BUILD/man/rtmp-dump.1" "$T/many.json" --min $N
check many-stats-per-stream python3 - "$T/many.json" "${names[@]}" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for name in sys.argv[2:]:
    mine = [l for l in lines if l["stream"] == name]
    if not mine or mine[-1]["state"] != "done" or mine[-1]["video_frames"] == 0:
        sys.exit(f"{name}: no final done line with frames ({mine[-1:]})")
EOF

# --- A list with bad streams among good ones: the good ones are whole; the exit status
# is that of the first failure (the bad URL, refused before anything connects); the
# summary names each failed stream.
good1=$(uniq_name good1) good2=$(uniq_name good2) nobody=$(uniq_name nobody)
cat >"$T/badlist" <<EOF
$NGINX_URL/live/$good1 $T/bad/$good1.flv
http://not-rtmp.example/live/x $T/bad/x.flv
$NGINX_URL/strict/$nobody $T/bad/$nobody.flv
rtmp://127.0.0.1:1/live/refused $T/bad/refused.flv
$NMS_URL/live/$good2 $T/bad/$good2.flv
EOF
mkdir -p "$T/bad"
run_bg "$T/bad.log" bash -c 'exec "$0" --from - <"$1"' "$DUMP" "$T/badlist"   # the list on stdin
bad_pid=$BG_PID
sleep 1
publish_ffmpeg "$SRC" "$NGINX_URL/live/$good1"; p1=$PUBLISH_PID
publish_ffmpeg "$SRC" "$NMS_URL/live/$good2"; p2=$PUBLISH_PID
wait_publisher 60 "$p1"; wait_publisher 60 "$p2"
wait_pid "$bad_pid" 30; rc=$?
check bad-exit-status-first-failure test "$rc" = 2
check bad-good1-same-frames same_frames "$T/bad/$good1.flv"
check bad-good2-same-frames same_frames "$T/bad/$good2.flv"
check bad-summary grep -q "5 streams: 2 complete, 3 failed" "$T/bad.log"
check bad-names-bad-url grep -q "failed: .*not-rtmp.example.*BAD_URL, exit status 2" "$T/bad.log"
check bad-names-unknown grep -q "failed: $nobody .*NOT_FOUND, exit status 8" "$T/bad.log"
check bad-names-refused grep -q "failed: refused .*REFUSED, exit status 4" "$T/bad.log"
check bad-no-files test ! -e "$T/bad/x.flv" -a ! -e "$T/bad/$nobody.flv" -a ! -e "$T/bad/refused.flv"

# --- One stream's connection dropped by the server (nginx's control: drop subscriber):
# that stream reconnects into the same file; the other keeps every frame.
r1=$(uniq_name drop1) r2=$(uniq_name keep2)
mkdir -p "$T/drop"
run_bg "$T/drop.log" "$DUMP" -v --stats-file "$T/drop.json" "$NGINX_URL/live/$r1" "$NGINX_URL/live/$r2" -o "$T/drop/%n.flv"
drop_pid=$BG_PID
sleep 1
publish_ffmpeg "$SRC8" "$NGINX_URL/live/$r1"; p1=$PUBLISH_PID
publish_ffmpeg "$SRC8" "$NGINX_URL/live/$r2"; p2=$PUBLISH_PID
wait_for "test \$(stat -c %s '$T/drop/$r1.flv' 2>/dev/null || echo 0) -gt 200000" 20
curl -s -o /dev/null "http://127.0.0.1:$NGINX_HTTP_PORT/control/drop/subscriber?app=live&name=$r1"
wait_publisher 60 "$p1"; wait_publisher 60 "$p2"
wait_pid "$drop_pid" 30; rc=$?
check drop-exit-status test "$rc" = 0
check drop-reconnected grep -q "$r1: playing again after 1 attempt" "$T/drop.log"
check drop-other-untouched cmp -s <(video_md5s "$SRC8" v) <(video_md5s "$T/drop/$r2.flv" v)
check drop-one-file-monotonic check_monotonic "$T/drop/$r1.flv" 0
check drop-stats-reconnects python3 -c "
import json, sys
last = [json.loads(l) for l in open(sys.argv[1]) if '\"$r1\"' in l][-1]
sys.exit(0 if last['reconnects'] == 1 and last['state'] == 'done' else f'last line {last}')" "$T/drop.json"

# --- --segment 2 with a template: files of about 2 s, each starting on a keyframe with
# its own header, sequence headers and duration; together exactly the source's packets.
seg=$(uniq_name seg)
run_bg "$T/seg.log" "$DUMP" -v --segment 2 "$NGINX_URL/live/$seg" -o "$T/seg/%a/%n.flv"
seg_pid=$BG_PID
sleep 1
publish_ffmpeg "$SRC8" "$NGINX_URL/live/$seg"
wait_publisher 60
wait_pid "$seg_pid" 30; rc=$?
check seg-exit-status test "$rc" = 0
segs=("$T/seg/live/$seg.flv")
for k in 2 3 4 5 6; do [ -s "$T/seg/live/$seg-$k.flv" ] && segs+=("$T/seg/live/$seg-$k.flv"); done
check seg-several-files test "${#segs[@]}" -ge 3
check seg-video-adds-up cmp -s <(video_md5s "$SRC8" v) <(for f in "${segs[@]}"; do video_md5s "$f" v; done)
check seg-audio-adds-up cmp -s <(video_md5s "$SRC8" a) <(for f in "${segs[@]}"; do video_md5s "$f" a; done)
seg_bad=""
for f in "${segs[@]}"; do
    d=$(info "$f" meta_duration)
    key=$(timeout 30 ffprobe -v error -select_streams v:0 -show_entries packet=flags -of csv=p=0 "$f" | head -n1)
    errs=$(decode_errors "$f")
    mono=$(check_monotonic "$f" 100) || seg_bad+="$f: $mono; "
    awk -v d="$d" 'BEGIN { exit !(d > 1.5 && d < 3.5) }' || seg_bad+="$f: duration $d; "
    [ "${key:0:1}" = K ] || seg_bad+="$f: first video packet not a keyframe ($key); "
    [ -z "$errs" ] || seg_bad+="$f: $errs; "
done
verdict seg-each-file-complete "$seg_bad"

# --- SIGINT: every file is finished (metadata patched, decodable), exit status 0.
ints=()
iargs=()
for i in 1 2 3; do
    name=$(uniq_name "int$i"); ints+=("$name")
    publish_ffmpeg --loop "$SRC" "$NGINX_URL/live/$name"
    iargs+=("$NGINX_URL/live/$name" -o "$T/int/$name.flv")
done
mkdir -p "$T/int"
wait_published 10
run_bg "$T/int.log" "$DUMP" -v "${iargs[@]}"
int_pid=$BG_PID
wait_for "test -s '$T/int/${ints[2]}.flv' && test \$(stat -c %s '$T/int/${ints[2]}.flv') -gt 100000" 20
sleep 1
kill -INT "$int_pid"
wait_pid "$int_pid" 10; rc=$?
check int-exit-status test "$rc" = 0
int_bad=""
for name in "${ints[@]}"; do
    f=$T/int/$name.flv
    [ "$(info "$f" meta_filesize)" = "$(stat -c %s "$f" 2>/dev/null).0" ] || int_bad+="$name: filesize not patched; "
    awk -v d="$(info "$f" meta_duration)" 'BEGIN { exit !(d > 0.5) }' || int_bad+="$name: no duration; "
    errs=$(decode_errors "$f"); [ -z "$errs" ] || int_bad+="$name: $errs; "
done
verdict int-files-finished "$int_bad"
check int-summary grep -q "3 streams: 3 complete, 0 failed (interrupted)" "$T/int.log"

# --- The progress line on a terminal (script(1) gives one): the streams per state and the
# total bit rate; --duration ends each stream.
mkdir -p "$T/tty"
timeout 30 script -q -c "'$DUMP' --duration 2 '$NGINX_URL/live/${ints[0]}' '$NGINX_URL/live/${ints[1]}' -o '$T/tty/%n.flv'" \
    "$T/tty.txt" >/dev/null 2>&1
check tty-progress grep -aq '2 rec  0 wait  0 reconn  0 done  0 failed .* kbit/s' "$T/tty.txt"
check tty-progress-end grep -aq '0 rec  0 wait  0 reconn  2 done  0 failed' "$T/tty.txt"
check tty-duration awk -v d="$(info "$T/tty/${ints[0]}.flv" meta_duration)" 'BEGIN { exit !(d >= 1.9 && d < 3) }'

# --- Usage errors: one line, status 2.
expect_error same-file 2 'would both write' "$DUMP" "$NGINX_URL/live/a" "$NGINX_URL/live/b" -o "$T/same.flv"
expect_error segment-stdout 2 'needs a file' "$DUMP" --segment 2 "$NGINX_URL/live/a" -o -
expect_error list-no-output 2 'no output file' "$DUMP" --from <(echo "$NGINX_URL/live/a")

echo "test_multidump took $(seconds_since "$T_START") s (servers started before)"
it_finish
