#!/usr/bin/env bash
# rtmps:// against real TLS servers: nginx's stream module terminating TLS in front of
# nginx-rtmp, and node-media-server's own rtmps listener, with the certificates that
# scripts/servers.sh makes in SERVERS_DIR/tls (a test CA, a good certificate for
# localhost/127.0.0.1, an expired one, one for wrong.example, a self-signed one).
# ffmpeg publishes and records on the plain ports; ffprobe verifies.
. "$(dirname "$0")/lib.sh"
it_setup tls
need_servers

DUMP=$BUILD/cli/rtmp-dump
PUSH=$BUILD/cli/rtmp-push
SERVERS_DIR=${IT_SERVERS_DIR:-${RTMPKIT_SERVERS_DIR:-}}
CA=$SERVERS_DIR/tls/ca.pem
NGINX_TLS_PORT=${RTMPKIT_NGINX_TLS_PORT:-19443}
NMS_TLS_PORT=${RTMPKIT_NMS_TLS_PORT:-19444}
EXPIRED_PORT=${RTMPKIT_NGINX_TLS_EXPIRED_PORT:-19445}
WRONG_PORT=${RTMPKIT_NGINX_TLS_WRONG_PORT:-19446}
SELF_PORT=${RTMPKIT_NGINX_TLS_SELF_PORT:-19447}

if [ -z "$SERVERS_DIR" ] || [ ! -s "$CA" ]; then
    fail tls-files "no test CA at '$CA' (servers running but RTMPKIT_SERVERS_DIR not set to their DIR?)"
    it_finish; exit 1
fi
for p in "$NGINX_TLS_PORT" "$NMS_TLS_PORT" "$EXPIRED_PORT" "$WRONG_PORT" "$SELF_PORT"; do
    it_port_open "$p" || { fail tls-ports "nothing on 127.0.0.1:$p (nginx stream module missing?)"; it_finish; exit 1; }
done

SRC=$(gen_media tls4 4 640x360 30)
[ -s "$SRC" ] || { fail gen_media "could not generate the source"; it_finish; exit 1; }

# dump_live NAME DUMP_URL PUBLISH_URL [rtmp-dump options...]: rtmp-dump records DUMP_URL
# (started first), ffmpeg publishes SRC to PUBLISH_URL. Sets DUMP_RC; the file is $T/NAME.flv,
# rtmp-dump's stderr $T/NAME.log.
dump_live() {
    local name=$1 durl=$2 purl=$3; shift 3
    run_bg "$T/$name.log" "$DUMP" -v "$@" "$durl" -o "$T/$name.flv"
    local dump_pid=$BG_PID
    # The player must be subscribed before the first frame goes out.
    wait_for "grep -q 'connected to application' '$T/$name.log'" 10
    sleep 0.5
    publish_ffmpeg "$SRC" "$purl"
    wait_publisher 60
    wait_pid "$dump_pid" 20; DUMP_RC=$?
}

# ---- good certificates, trusted with --ca-file: the stream arrives whole ----

for target in nginx-ip nginx-name nms; do
    name=$(uniq_name "tls-$target")
    case $target in
    nginx-ip)   durl=rtmps://127.0.0.1:$NGINX_TLS_PORT/live/$name; purl=$NGINX_URL/live/$name ;;
    nginx-name) durl=rtmps://localhost:$NGINX_TLS_PORT/live/$name; purl=$NGINX_URL/live/$name ;;
    nms)        durl=rtmps://127.0.0.1:$NMS_TLS_PORT/live/$name;   purl=$NMS_URL/live/$name ;;
    esac
    dump_live "$name" "$durl" "$purl" --ca-file "$CA"
    check "$target-exit-status" test "$DUMP_RC" = 0
    check "$target-same-frames" same_packets "$SRC" "$T/$name.flv"
    check "$target-tls-verified" grep -q 'TLS: TLSv1\.[23] .*certificate verified' "$T/$name.log"
    check "$target-no-warning" test -z "$(grep -i insecure "$T/$name.log")"
done

# --ca-path: a hashed directory holding the CA does the same as --ca-file.
mkdir -p "$T/cadir" && cp "$CA" "$T/cadir/ca.pem" && timeout 10 openssl rehash "$T/cadir" >/dev/null 2>&1
timeout 20 "$DUMP" -q --ca-path "$T/cadir" --recorded "rtmps://localhost:$NGINX_TLS_PORT/vod/sample.flv" \
    -o "$T/capath.flv" 2>"$T/capath.err"
check ca-path-exit-status test $? = 0
check ca-path-video-frames awk -v n="$(count_packets "$T/capath.flv" v)" 'BEGIN { exit !(n == 125) }'

# ---- bad certificates: refused by default, exit 15, one line naming the reason ----

x=$(uniq_name refused)
expect_error expired 15 'verification failed.*expired' \
    "$DUMP" --ca-file "$CA" "rtmps://localhost:$EXPIRED_PORT/live/$x" -o "$T/x.flv"
expect_error wrong-name 15 'verification failed.*host name mismatch' \
    "$DUMP" --ca-file "$CA" "rtmps://localhost:$WRONG_PORT/live/$x" -o "$T/x.flv"
expect_error wrong-ip 15 'verification failed.*IP address mismatch' \
    "$DUMP" --ca-file "$CA" "rtmps://127.0.0.1:$WRONG_PORT/live/$x" -o "$T/x.flv"
expect_error self-signed 15 'verification failed.*self-signed' \
    "$DUMP" --ca-file "$CA" "rtmps://localhost:$SELF_PORT/live/$x" -o "$T/x.flv"
expect_error self-signed-no-ca 15 'verification failed.*self-signed' \
    "$DUMP" "rtmps://127.0.0.1:$SELF_PORT/live/$x" -o "$T/x.flv"
# The test CA is not in the system store: without --ca-file the good certificate fails.
expect_error untrusted-ca 15 'verification failed.*unable to get local issuer' \
    "$DUMP" "rtmps://localhost:$NGINX_TLS_PORT/live/$x" -o "$T/x.flv"
expect_error untrusted-ca-nms 15 'verification failed.*unable to get local issuer' \
    "$DUMP" "rtmps://127.0.0.1:$NMS_TLS_PORT/live/$x" -o "$T/x.flv"
expect_error bad-ca-file 15 'CA file.*No such file' \
    "$DUMP" --ca-file "$T/none.pem" "rtmps://localhost:$NGINX_TLS_PORT/live/$x" -o "$T/x.flv"
check refused-no-file test ! -e "$T/x.flv"

# ---- --insecure: the self-signed server is accepted, with a warning on every run ----

name=$(uniq_name insecure)
run_bg "$T/$name.log" "$DUMP" --insecure "rtmps://localhost:$SELF_PORT/live/$name" -o "$T/$name.flv"
dump_pid=$BG_PID
sleep 1.5   # no -v here (the warning must show at the default level): wait, then publish
publish_ffmpeg "$SRC" "$NGINX_URL/live/$name"
wait_publisher 60
wait_pid "$dump_pid" 20; rc=$?
check insecure-exit-status test "$rc" = 0
check insecure-same-frames same_packets "$SRC" "$T/$name.flv"
check insecure-warning grep -q 'TLS certificate verification is off (--insecure)' "$T/$name.log"
timeout 20 "$DUMP" --insecure --timeout 1 "rtmps://127.0.0.1:$SELF_PORT/live/$(uniq_name again)" \
    -o "$T/again.flv" 2>"$T/again.err"
check insecure-warning-every-run grep -q 'verification is off (--insecure)' "$T/again.err"

# ---- rtmps:// to a plain RTMP port: a clean TLS error, no hang ----

for target in nginx nms; do
    if [ $target = nginx ]; then port=$NGINX_PORT; else port=$NMS_PORT; fi
    start=$(date +%s.%N)
    expect_error "plain-port-$target" 15 'TLS|rtmps port' \
        "$DUMP" --connect-timeout 2 "rtmps://127.0.0.1:$port/live/$x" -o "$T/x.flv"
    check "plain-port-$target-quick" awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { exit !(e - s < 8) }'
done

# ---- rtmp-push through rtmps (nginx's TLS port), ffmpeg records on the plain port ----

if [ -x "$PUSH" ]; then
    name=$(uniq_name push)
    # ffmpeg never ends by itself when a live stream stops: -rw_timeout ends it after 2 s
    # without data, with the whole file written (see test_push.sh).
    run_bg "$T/push-rec.log" timeout -k 2 60 ffmpeg -nostdin -hide_banner -v debug -rw_timeout 2000000 \
        -i "$NGINX_URL/live/$name" -c copy -f flv -y "$T/push-rec.flv"
    rec_pid=$BG_PID
    # The recorder must be waiting before the first frame goes out.
    wait_for "grep -q 'Sending play command' '$T/push-rec.log'" 10
    sleep 0.3
    timeout 60 "$PUSH" --ca-file "$CA" "$SRC" "rtmps://localhost:$NGINX_TLS_PORT/live/$name" \
        >"$T/push.out" 2>"$T/push.err"
    check push-exit-status test $? = 0
    wait_pid "$rec_pid" 12
    check push-same-frames same_packets "$SRC" "$T/push-rec.flv"
    expect_error push-untrusted 15 'verification failed.*unable to get local issuer' \
        "$PUSH" "$SRC" "rtmps://localhost:$NGINX_TLS_PORT/live/$(uniq_name push-bad)"
else
    echo "NOTE: $PUSH not built: rtmp-push over rtmps not tested"
fi

# Secrets stay out of the log over TLS too, at the highest verbosity.
"$DUMP" -vv --ca-file "$CA" --timeout 2 \
    "rtmps://user:pa55word@localhost:$NGINX_TLS_PORT/live/$(uniq_name key)?token=T0PSECRET" \
    -o "$T/secret.flv" >"$T/secret.out" 2>&1
check secrets-redacted test -z "$(grep -E 'pa55word|T0PSECRET' "$T/secret.out")"

it_finish
