# shellcheck shell=bash disable=SC2034
# Shared helpers for the integration tests (bash). Source it, then:
#   it_setup NAME; need_servers; ...checks calling pass/fail...; it_finish
# Every external command runs under `timeout`, so nothing here can hang.
#
# Env: RTMPKIT_BUILD (build dir), RTMPKIT_DATA_DIR (media cache), RTMPKIT_NGINX_PORT,
# RTMPKIT_NMS_PORT, RTMPKIT_NGINX_HTTP_PORT, RTMPKIT_RESULTS (file: one PASS/FAIL line
# appended per check), RTMPKIT_KEEP_TMP=1 (keep $T even when all checks pass),
# RTMPKIT_NO_AUTOSTART=1 (need_servers fails instead of starting servers itself).
set -u

IT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_ROOT=$(cd "$IT_LIB_DIR/../.." && pwd)
IT_NAME=""
IT_PASSED=0
IT_FAILED=0
IT_PIDS=()          # background processes to kill at exit
IT_SERVERS_DIR=""   # set when need_servers started servers itself
IT_PUBLISH_N=0

# it_setup NAME: per-test temp dir $T and the common variables.
it_setup() {
    IT_NAME=$1
    T=$(mktemp -d "${TMPDIR:-/tmp}/rtmpkit-it-$IT_NAME.XXXXXX") || exit 1
    NGINX_PORT=${RTMPKIT_NGINX_PORT:-19350}
    NMS_PORT=${RTMPKIT_NMS_PORT:-19351}
    NGINX_HTTP_PORT=${RTMPKIT_NGINX_HTTP_PORT:-18080}
    NGINX_URL=rtmp://127.0.0.1:$NGINX_PORT
    NMS_URL=rtmp://127.0.0.1:$NMS_PORT
    BUILD=${RTMPKIT_BUILD:-$IT_ROOT/build}
    DATA=${RTMPKIT_DATA_DIR:-/tmp/rtmpkit-data}
    mkdir -p "$DATA"
    trap it_cleanup EXIT
    trap 'exit 130' INT TERM
}

# uniq_name BASE: a stream name no other test or run uses. Only [A-Za-z0-9_-]:
# node-media-server 4 drops names with other characters.
uniq_name() { echo "${1}-$$-$RANDOM"; }

it_port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# need_servers: nginx and node-media-server must accept on their ports. If they do not,
# start them (in $T/servers, stopped at exit) unless RTMPKIT_NO_AUTOSTART=1.
need_servers() {
    if it_port_open "$NGINX_PORT" && it_port_open "$NMS_PORT"; then return 0; fi
    if [ "${RTMPKIT_NO_AUTOSTART:-0}" = 1 ]; then
        fail servers "nothing on 127.0.0.1:$NGINX_PORT / :$NMS_PORT (run scripts/servers.sh start DIR)"
        it_finish; exit 1
    fi
    IT_SERVERS_DIR=$T/servers
    if ! "$IT_ROOT/scripts/servers.sh" start "$IT_SERVERS_DIR" >"$T/servers.log" 2>&1; then
        cat "$T/servers.log" >&2
        fail servers "scripts/servers.sh start failed"
        it_finish; exit 1
    fi
}

# gen_media NAME SECONDS [WxH] [FPS] [EXTRA]: prints the path of a cached FLV with H.264
# (libx264, yuv420p, GOP 1 s, main profile, no B-frames) + AAC 44.1 kHz stereo made
# from testsrc2 + sine. EXTRA: words among "bframes" (high profile, 2 B-frames),
# "noaudio", "novideo". Same bytes on every run (bitexact, one x264 thread).
gen_media() {
    local name=$1 secs=$2 size=${3:-320x240} fps=${4:-25} extra=${5:-}
    local key out tmp w
    local -a vargs=(-c:v libx264 -threads 1 -pix_fmt yuv420p -g "$fps" -keyint_min "$fps"
                    -sc_threshold 0 -profile:v main -bf 0 -flags:v +bitexact)
    local -a aargs=(-c:a aac -ar 44100 -ac 2 -b:a 128k -flags:a +bitexact)
    local -a maps=(-map 0:v -map 1:a)
    for w in $extra; do
        case "$w" in
            bframes) vargs+=(-profile:v high -bf 2 -b_strategy 0) ;;
            noaudio) maps=(-map 0:v); aargs=() ;;
            novideo) maps=(-map 1:a); vargs=() ;;
            *) echo "gen_media: unknown extra '$w'" >&2; return 1 ;;
        esac
    done
    key="$name-${secs}s-$size-${fps}fps${extra:+-${extra// /-}}"
    out=$DATA/$key.flv
    if [ ! -s "$out" ]; then
        tmp=$(mktemp "$DATA/.$key.XXXXXX") || return 1
        if ! timeout 300 ffmpeg -nostdin -hide_banner -loglevel error -y \
                -f lavfi -i "testsrc2=size=$size:rate=$fps" \
                -f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=44100" \
                -t "$secs" "${maps[@]}" "${vargs[@]}" "${aargs[@]}" \
                -fflags +bitexact -map_metadata -1 -f flv "$tmp"; then
            rm -f "$tmp"
            echo "gen_media: ffmpeg failed for $key" >&2
            return 1
        fi
        mv -f "$tmp" "$out"   # atomic: parallel tests see a whole file or none
    fi
    echo "$out"
}

# publish_ffmpeg [--loop] FILE URL [ffmpeg output args...]: ffmpeg -re -i FILE -c copy
# -f flv URL in the background (at most PUBLISH_MAX s, default 120). Sets PUBLISH_PID
# and PUBLISH_LOG ($T/publish-N.log).
publish_ffmpeg() {
    local -a inargs=()
    if [ "${1:-}" = --loop ]; then inargs=(-stream_loop -1); shift; fi
    local file=$1 url=$2; shift 2
    IT_PUBLISH_N=$((IT_PUBLISH_N + 1))
    PUBLISH_LOG=$T/${IT_BG_NAME:+$IT_BG_NAME.}publish-$IT_PUBLISH_N.log   # IT_BG_NAME: checks_bg
    timeout -k 2 "${PUBLISH_MAX:-120}" ffmpeg -nostdin -hide_banner -nostats -loglevel info \
        -re "${inargs[@]}" -i "$file" -c copy "$@" -f flv "$url" >"$PUBLISH_LOG" 2>&1 &
    PUBLISH_PID=$!
    IT_PIDS+=("$PUBLISH_PID")
}

# wait_published [TIMEOUT_S=10] [LOG=$PUBLISH_LOG]: until the publisher's server has
# accepted the publish (ffmpeg prints its "Output #0" after NetStream.Publish.Start).
wait_published() {
    local log=${2:-$PUBLISH_LOG}
    wait_for "grep -q '^Output #0' '$log'" "${1:-10}"
}

# wait_publisher [TIMEOUT_S=60] [PID=$PUBLISH_PID]: wait for the publisher to end;
# returns its exit status, or 124 after killing it on timeout.
wait_publisher() {
    local tmo=${1:-60} pid=${2:-$PUBLISH_PID}
    wait_pid "$pid" "$tmo"
}

# wait_pid PID TIMEOUT_S: wait for a background child of this shell; its exit status,
# or 124 after SIGTERM (then SIGKILL) on timeout.
wait_pid() {
    local pid=$1 tmo=$2 i
    for ((i = 0; i < tmo * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null; sleep 0.5; kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    wait "$pid" 2>/dev/null
}

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL. Returns the exit status.
stop_pid() {
    kill -TERM "$1" 2>/dev/null
    wait_pid "$1" 5
}

# run_bg LOG CMD...: start CMD in the background (killed at exit); sets BG_PID.
run_bg() {
    local log=$1; shift
    "$@" >"$log" 2>&1 &
    BG_PID=$!
    IT_PIDS+=("$BG_PID")
}

# record_ffmpeg URL OUT SECONDS: ffmpeg -i URL -c copy -t SECONDS OUT (bounded, foreground).
record_ffmpeg() {
    timeout -k 2 $(($3 + 20)) ffmpeg -nostdin -hide_banner -loglevel error -y \
        -i "$1" -c copy -t "$3" -f flv "$2" >"$T/record-$(basename "$2").log" 2>&1
}

# count_packets FILE v|a: packets of the first video/audio stream (0 if none). (cut, here
# and in count_frames: for some files, Matroska with MPEG-2 video, ffprobe ends the line
# with a comma.)
count_packets() {
    local n
    n=$(timeout 60 ffprobe -v error -select_streams "$2:0" -count_packets \
        -show_entries stream=nb_read_packets -of csv=p=0 "$1" 2>/dev/null | head -n1 | cut -d, -f1)
    echo "${n:-0}"
}

# count_frames FILE v|a: decoded frames of the first video/audio stream (0 if none).
count_frames() {
    local n
    n=$(timeout 120 ffprobe -v error -select_streams "$2:0" -count_frames \
        -show_entries stream=nb_read_frames -of csv=p=0 "$1" 2>/dev/null | head -n1 | cut -d, -f1)
    echo "${n:-0}"
}

# decode_errors FILE: decode everything; prints the error lines (empty when clean).
# The frames keep the input's millisecond time base: in the default 1/fps one, two frames
# whose ms timestamps round to one slot (a recording joined mid-stream is rebased to its
# first audio tag) make the null muxer complain, which is no decoding error.
decode_errors() {
    timeout 120 ffmpeg -nostdin -hide_banner -v error -i "$1" -enc_time_base -1 -f null - 2>&1
    [ $? -eq 124 ] && echo "decode_errors: timeout decoding $1"
    return 0
}

# packet_times FILE v|a: "dts pts" per packet, in ms (FLV time base), in file order.
packet_times() {
    # ffprobe prints a section's fields in its own order (pts before dts): reorder.
    timeout 60 ffprobe -v error -select_streams "$2:0" -show_entries packet=dts,pts \
        -of csv=p=0 "$1" 2>/dev/null | awk -F, 'NF >= 2 { print $2, $1 }'
}

# check_monotonic FILE [MAX_FIRST_MS=200]: each stream's DTS never decreases, and the
# first timestamp of the file is within MAX_FIRST_MS of 0. Prints why on failure.
check_monotonic() {
    local file=$1 maxfirst=${2:-200}
    # cut: ffprobe adds fields for side data (new extradata after a publisher restart)
    timeout 60 ffprobe -v error -show_entries packet=stream_index,dts -of csv=p=0 "$file" 2>/dev/null |
        cut -d, -f1-2 | grep . | awk -F, -v max="$maxfirst" '
            NF != 2 || $2 == "N/A" { print "bad ffprobe line: " $0; bad = 1; exit }
            NR == 1 && ($2 > max || $2 < -max) { print "first dts " $2 " ms, not near 0"; bad = 1; exit }
            ($1 in last) && $2 < last[$1] {
                print "stream " $1 " dts goes back " last[$1] " -> " $2 " at packet " NR; bad = 1; exit }
            { last[$1] = $2; n++ }
            END { if (!bad && n == 0) { print "no packets"; bad = 1 } exit bad }'
}

# video_md5s FILE [v|a]: "size md5" per packet of the first video (or audio) stream,
# without timestamps, for byte-identical comparisons of two recordings.
video_md5s() {
    timeout 60 ffmpeg -nostdin -hide_banner -v error -i "$1" -map "0:${2:-v}:0" -c copy \
        -f framemd5 - 2>/dev/null | awk -F', *' '!/^#/ && NF >= 6 { print $5, $6 }'
}

# same_packets SRC OUT: OUT has SRC's video and audio packets, the same number and the
# same bytes (per-packet checksums), and decodes cleanly. Prints why not.
same_packets() {
    local src=$1 out=$2 why="" errs
    [ -s "$out" ] || { echo "no file $out"; return 1; }
    [ "$(count_packets "$out" v)" = "$(count_packets "$src" v)" ] ||
        why+="video packets $(count_packets "$out" v) != $(count_packets "$src" v); "
    [ "$(count_packets "$out" a)" = "$(count_packets "$src" a)" ] ||
        why+="audio packets $(count_packets "$out" a) != $(count_packets "$src" a); "
    cmp -s <(video_md5s "$src" v) <(video_md5s "$out" v) || why+="video bytes differ; "
    cmp -s <(video_md5s "$src" a) <(video_md5s "$out" a) || why+="audio bytes differ; "
    errs=$(decode_errors "$out")
    [ -z "$errs" ] || why+="decode errors: $(echo "$errs" | head -3); "
    [ -z "$why" ] || { echo "$why"; return 1; }
}

# has_codecs FILE: prints "video_codec audio_codec" (e.g. "h264 aac"; "none" if absent).
has_codecs() {
    local v a
    v=$(timeout 30 ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$1" 2>/dev/null | head -n1)
    a=$(timeout 30 ffprobe -v error -select_streams a:0 -show_entries stream=codec_name -of csv=p=0 "$1" 2>/dev/null | head -n1)
    echo "${v:-none} ${a:-none}"
}

# between X LO HI: LO <= X <= HI (numbers, may be fractional)
between() {
    awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x != "" && x + 0 >= lo && x + 0 <= hi) }' ||
        { echo "$1 not in [$2, $3]"; return 1; }
}

# seconds_since T0: wall seconds since T0 (a `date +%s.%N` reading), with a fraction.
# servers_at PORT DIR start|stop: scripts/servers.sh's servers of a test's own (a server
# to kill and restart), nginx on PORT and the others on the ports after it (HTTP at
# PORT+10, no node-media-server HTTP); the output goes to $T/own-servers.log.
servers_at() {
    local port=$1
    RTMPKIT_NGINX_PORT=$port RTMPKIT_NGINX_HTTP_PORT=$((port + 10)) RTMPKIT_NMS_PORT=$((port + 1)) \
    RTMPKIT_NMS_HTTP_PORT=0 RTMPKIT_NMS_AUTH_PORT=$((port + 2)) RTMPKIT_NGINX_TLS_PORT=$((port + 3)) \
    RTMPKIT_NMS_TLS_PORT=$((port + 4)) RTMPKIT_NGINX_TLS_EXPIRED_PORT=$((port + 5)) \
    RTMPKIT_NGINX_TLS_WRONG_PORT=$((port + 6)) RTMPKIT_NGINX_TLS_SELF_PORT=$((port + 7)) \
        "$IT_ROOT/scripts/servers.sh" "$3" "$2" >>"$T/own-servers.log" 2>&1
}

# longest_stats_gap [FILE]: the longest wait (ms) between two --stats=json lines of FILE
# (or stdin; other lines are skipped); 99999 for fewer than two.
longest_stats_gap() {
    grep '^{' "${1:-/dev/stdin}" | python3 -c 'import json,sys
t=[json.loads(l)["t_ms"] for l in sys.stdin]
print(max(b-a for a,b in zip(t,t[1:])) if len(t)>1 else 99999)'
}

seconds_since() {
    awk -v t0="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", now - t0 }'
}

# wait_for 'COND' TIMEOUT_S: evaluate COND (a shell command string; functions work)
# every 0.1 s until it succeeds (0) or TIMEOUT_S pass (1).
wait_for() {
    local cond=$1 tmo=$2 i
    for ((i = 0; i <= tmo * 10; i++)); do
        eval "$cond" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

it_record() {
    [ -n "${RTMPKIT_RESULTS:-}" ] && echo "$1" >>"$RTMPKIT_RESULTS"
    return 0
}

# pass NAME / fail NAME REASON: print and record one check's result.
pass() {
    IT_PASSED=$((IT_PASSED + 1))
    echo "PASS $IT_NAME/$1"
    it_record "PASS $IT_NAME/$1"
}
fail() {
    local why
    why=$(printf '%s' "$2" | tr '\n' ';' | cut -c1-400)  # one line per result
    IT_FAILED=$((IT_FAILED + 1))
    echo "FAIL $IT_NAME/$1: $why"
    it_record "FAIL $IT_NAME/$1: $why"
}

# check NAME CMD...: pass if CMD succeeds, else fail with its output as the reason.
check() {
    local name=$1 out; shift
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "${out:-"'$*' failed"}"; fi
}

# expect_error NAME STATUS PATTERN CMD...: CMD (bounded to 30 s) exits with STATUS and
# prints exactly one line on stderr, matching the extended regex PATTERN (any case).
expect_error() {
    local name=$1 want=$2 pattern=$3 rc; shift 3
    timeout -k 2 30 "$@" >"$T/$name.out" 2>"$T/$name.err"; rc=$?
    if [ $rc = 124 ]; then
        fail "$name" "still running after 30 s (wanted exit $want)"
    elif [ $rc != "$want" ]; then
        fail "$name" "exit $rc, wanted $want: $(head -c 300 "$T/$name.err")"
    elif [ "$(wc -l <"$T/$name.err")" != 1 ]; then
        fail "$name" "not one line: $(head -c 300 "$T/$name.err")"
    elif ! grep -qiE -e "$pattern" "$T/$name.err"; then
        fail "$name" "message '$(cat "$T/$name.err")' lacks /$pattern/"
    else
        pass "$name"
    fi
}

# it_finish: summary line; returns 1 if any check failed (or none ran). Keeps $T on
# failure for a post-mortem.
it_finish() {
    local rc=0
    if [ "$IT_FAILED" -gt 0 ] || [ "$IT_PASSED" -eq 0 ]; then rc=1; fi
    if [ $rc -eq 0 ]; then
        echo "$IT_NAME: $IT_PASSED passed"
        [ "${RTMPKIT_KEEP_TMP:-0}" != 1 ] && IT_RM_T=1
    else
        echo "$IT_NAME: $IT_PASSED passed, $IT_FAILED failed (logs in $T)"
    fi
    return $rc
}

it_cleanup() {
    local pid
    for pid in "${IT_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${IT_PIDS[@]}"; do
        wait_pid "$pid" 3 >/dev/null 2>&1
    done
    if [ -n "$IT_SERVERS_DIR" ]; then
        "$IT_ROOT/scripts/servers.sh" stop "$IT_SERVERS_DIR" >/dev/null 2>&1
    fi
    [ "${IT_RM_T:-0}" = 1 ] && rm -rf "$T"
    return 0
}

# checks_bg NAME CMD...: run CMD (a function making checks) in the background, in a
# subshell that holds its PASS/FAIL results back in $T/NAME.checks (and its output in
# $T/NAME.bg.log); checks_wait reports them. For independent cases that mostly wait on the
# clock (paced pushes, recorders' idle timeouts), so that they wait at the same time: each
# must use stream names and files of its own.
IT_BG_JOBS=()
checks_bg() {
    local name=$1; shift
    (
        IT_BG_NAME=$name
        IT_BG_FILE=$T/$name.checks
        : >"$IT_BG_FILE"
        pass() { echo "PASS $1" >>"$IT_BG_FILE"; }
        fail() { printf 'FAIL %s %s\n' "$1" "$(printf '%s' "$2" | tr '\n' ';' | cut -c1-400)" >>"$IT_BG_FILE"; }
        "$@"
        echo END >>"$IT_BG_FILE"
    ) >"$T/$name.bg.log" 2>&1 &
    IT_BG_JOBS+=("$!:$name")
    IT_PIDS+=("$!")
}

# checks_wait [TIMEOUT_S=180]: wait for each checks_bg job in the order they started and
# report its checks (and its output, if any). A job still running after TIMEOUT_S, or
# that ended before its last command (a shell error), fails as NAME-finished.
checks_wait() {
    local tmo=${1:-180} job pid name rc kind chk why
    for job in "${IT_BG_JOBS[@]}"; do
        pid=${job%%:*} name=${job#*:}
        wait_pid "$pid" "$tmo"; rc=$?
        [ -s "$T/$name.bg.log" ] && cat "$T/$name.bg.log" >&2
        while read -r kind chk why; do
            case $kind in
                PASS) pass "$chk" ;;
                FAIL) fail "$chk" "$why" ;;
            esac
        done <"$T/$name.checks"
        if [ $rc = 124 ]; then
            fail "$name-finished" "still running after $tmo s"
        elif [ "$(tail -n1 "$T/$name.checks")" != END ]; then
            fail "$name-finished" "ended (status $rc) before its last command: $(tail -c 300 "$T/$name.bg.log")"
        fi
    done
    IT_BG_JOBS=()
}

# fault_proxy LOG TARGET_PORT [ARGS...]: tests/servers/fault_proxy.py on $PROXY_PORT in front
# of TARGET_PORT, its control port $CTL_PORT (the test file sets both); sets PROXY_PID and
# PROXY_LOG. It waits for the proxy's "listening" line, not by opening a connection that
# would be forwarded and counted.
fault_proxy() {
    PROXY_LOG=$1
    local target=$2
    shift 2
    run_bg "$PROXY_LOG" python3 "$IT_ROOT/tests/servers/fault_proxy.py" --port "$PROXY_PORT" \
        --target "$target" --control "$CTL_PORT" "$@"
    PROXY_PID=$BG_PID
    wait_for "grep -q '^listening' '$PROXY_LOG'" 10
}

# proxy_cmd LINE: one command to fault_proxy.py's control port.
proxy_cmd() { echo "$1" >"/dev/tcp/127.0.0.1/$CTL_PORT"; }
