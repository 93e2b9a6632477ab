#!/usr/bin/env bash
# rtmps:// against real TLS servers: nginx's stream module terminating TLS in front of
# nginx-rtmp, and node-media-server's own rtmps listener, with the certificates that
# scripts/servers.sh makes in SERVERS_DIR/tls (a test CA, a good certificate for
# localhost/127.0.0.1, an expired one, one for wrong.example, a self-signed one).
# ffmpeg publishes and records on the plain ports; ffprobe verifies. rtmp-dump, rtmp-push
# and rtmp-play each go through both TLS servers and refuse each bad certificate. SNI is
# checked against an openssl s_server of our own that serves the good certificate only
# to a client that names localhost.
. "$(dirname "$0")/lib.sh"
it_setup tls
need_servers

DUMP=$BUILD/cli/rtmp-dump
PUSH=$BUILD/cli/rtmp-push
PLAY=$BUILD/cli/rtmp-play
SERVERS_DIR=${IT_SERVERS_DIR:-${RTMPKIT_SERVERS_DIR:-}}
CA=$SERVERS_DIR/tls/ca.pem
NGINX_TLS_PORT=${RTMPKIT_NGINX_TLS_PORT:-19443}
NMS_TLS_PORT=${RTMPKIT_NMS_TLS_PORT:-19444}
EXPIRED_PORT=${RTMPKIT_NGINX_TLS_EXPIRED_PORT:-19445}
WRONG_PORT=${RTMPKIT_NGINX_TLS_WRONG_PORT:-19446}
SELF_PORT=${RTMPKIT_NGINX_TLS_SELF_PORT:-19447}

for cmd in "$DUMP" "$PUSH" "$PLAY"; do
    [ -x "$cmd" ] || { fail build "$cmd not built"; it_finish; exit 1; }
done
if [ -z "$SERVERS_DIR" ] || [ ! -s "$CA" ]; then
    fail tls-files "no test CA at '$CA' (servers running but RTMPKIT_SERVERS_DIR not set to their DIR?)"
    it_finish; exit 1
fi
for p in "$NGINX_TLS_PORT" "$NMS_TLS_PORT" "$EXPIRED_PORT" "$WRONG_PORT" "$SELF_PORT"; do
    it_port_open "$p" || { fail tls-ports "nothing on 127.0.0.1:$p (nginx stream module missing?)"; it_finish; exit 1; }
done

SRC=$(gen_media tls4 4 640x360 30)
[ -s "$SRC" ] || { fail gen_media "could not generate the source"; it_finish; exit 1; }
SRC_V=$(count_packets "$SRC" v)
SRC_A=$(count_packets "$SRC" a)

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

# play_live NAME PLAY_URL PUBLISH_URL: rtmp-play --no-display --ca-file CA plays PLAY_URL
# (started first), ffmpeg publishes SRC to PUBLISH_URL. Checks the exit status, that the
# certificate was verified, and that the last stdout line counts every frame of SRC.
play_live() {
    local name=$1 url=$2 purl=$3 rc last
    timeout -k 2 60 "$PLAY" -v --no-display --ca-file "$CA" "$url" >"$T/$name.out" 2>"$T/$name.log" &
    local pid=$!
    IT_PIDS+=("$pid")
    wait_for "grep -q 'connected to application' '$T/$name.log'" 10
    sleep 0.5
    publish_ffmpeg "$SRC" "$purl"
    wait_publisher 60
    wait_pid "$pid" 20; rc=$?
    last=$(tail -n1 "$T/$name.out")
    check "$name-exit-status" test "$rc" = 0
    check "$name-tls-verified" grep -q 'TLS: TLSv1\.[23] .*certificate verified' "$T/$name.log"
    check "$name-every-frame" sh -c "echo '$last' | grep -q '^decoded video_frames=$SRC_V audio_frames=$SRC_A ' ||
        { echo 'last line \"$last\", the source has $SRC_V video and $SRC_A audio frames'; exit 1; }"
}

# The cases that take seconds (live streams, recorders and players that end by a timeout)
# run side by side in the background (checks_bg: each on stream names and files of its
# own) while the refusals, SNI and the plain ports are checked; checks_wait at the end.

# ---- good certificates, trusted with --ca-file: the stream arrives whole ----

good_cert() {
    local target=$1 name durl purl
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
}
for target in nginx-ip nginx-name nms; do checks_bg "$target" good_cert "$target"; done

# --ca-path: a hashed directory holding the CA does the same as --ca-file.
ca_path() {
    mkdir -p "$T/cadir" && cp "$CA" "$T/cadir/ca.pem" && timeout 10 openssl rehash "$T/cadir" >/dev/null 2>&1
    timeout 20 "$DUMP" -q --ca-path "$T/cadir" --recorded "rtmps://localhost:$NGINX_TLS_PORT/vod/sample.flv" \
        -o "$T/capath.flv" 2>"$T/capath.err"
    check ca-path-exit-status test $? = 0
    check ca-path-video-frames awk -v n="$(count_packets "$T/capath.flv" v)" 'BEGIN { exit !(n == 125) }'
}
checks_bg ca-path ca_path

# rtmp-play through both TLS servers, ffmpeg publishing on the plain ports.
name=$(uniq_name play-nginx)
checks_bg play-nginx play_live play-nginx "rtmps://localhost:$NGINX_TLS_PORT/live/$name" "$NGINX_URL/live/$name"
name=$(uniq_name play-nms)
checks_bg play-nms play_live play-nms "rtmps://127.0.0.1:$NMS_TLS_PORT/live/$name" "$NMS_URL/live/$name"

# ---- --insecure: the self-signed server is accepted, with a warning on every run ----

insecure_live() {
    local name dump_pid rc
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
}
insecure_again() {
    timeout 20 "$DUMP" --insecure --timeout 1 "rtmps://127.0.0.1:$SELF_PORT/live/$(uniq_name again)" \
        -o "$T/again.flv" 2>"$T/again.err"
    check insecure-warning-every-run grep -q 'verification is off (--insecure)' "$T/again.err"
}
# -q shows errors only, and still the warning: one line, on every run, for each command.
insecure_quiet() {
    local cmd=$1 run
    if [ $cmd = dump ]; then run=("$DUMP" -o "$T/quiet.flv"); else run=("$PLAY" --no-display); fi
    timeout 20 "${run[@]}" -q --insecure --timeout 1 "rtmps://127.0.0.1:$SELF_PORT/live/$(uniq_name quiet)" \
        >"$T/quiet-$cmd.out" 2>"$T/quiet-$cmd.err"
    check "insecure-warning-quiet-$cmd" test "$(grep -c '^rtmp-[a-z]*: warning: TLS certificate verification is off (--insecure)$' \
        "$T/quiet-$cmd.err")" = 1
}
checks_bg insecure insecure_live
checks_bg insecure-again insecure_again
for cmd in dump play; do checks_bg "insecure-quiet-$cmd" insecure_quiet "$cmd"; done

# ---- rtmp-push through rtmps (nginx's TLS port), ffmpeg records on the plain port ----

push_rtmps() {
    local name rec_pid
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
}
checks_bg push push_rtmps

# ---- secrets stay out of the output over TLS too, at the highest verbosity (-vvv) ----

SKEY=K3yTls$RANDOM$RANDOM
SECRETS=("$SKEY" Pa55wOrdTls UsErTls T0kenTls)
SURL="rtmps://UsErTls:Pa55wOrdTls@localhost:$NGINX_TLS_PORT/live"
# secrets_in FILE: prints each secret found in FILE, as text or as hex (both spellings).
secrets_in() {
    local s hex spaced
    for s in "${SECRETS[@]}"; do
        hex=$(printf '%s' "$s" | od -An -tx1 | tr -d ' \n')
        spaced=$(printf '%s' "$s" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
        if grep -qaF -e "$s" "$1" || grep -qaiF -e "$hex" -e "$spaced" "$1"; then echo "$s"; fi
    done
}
# For push the URL's stream is the key; for dump and play it comes from --key.
secrets_runs() {
    local cmd
    timeout 30 "$PUSH" -vvv --ca-file "$CA" --duration 1 "$SRC" "$SURL/$SKEY?token=T0kenTls" \
        >"$T/secret-push.out" 2>&1
    timeout 30 "$DUMP" -vvv --ca-file "$CA" --timeout 2 --key "$SKEY" "$SURL?token=T0kenTls" \
        -o "$T/secret.flv" >"$T/secret-dump.out" 2>&1 &
    timeout 30 "$PLAY" -vvv --no-display --ca-file "$CA" --timeout 2 --key "$SKEY" "$SURL?token=T0kenTls" \
        >"$T/secret-play.out" 2>&1
    wait
    for cmd in push dump play; do
        # A run that never got through TLS would prove nothing.
        check "secrets-$cmd-over-tls" grep -q 'TLS: TLSv1\.[23] .*certificate verified' "$T/secret-$cmd.out"
        check "secrets-$cmd-redacted" test -z "$(secrets_in "$T/secret-$cmd.out")"
    done
    # The scan finds a secret that is there, in plain text and in hex.
    { cat "$T/secret-dump.out"; echo "rtmp-dump: playing $SKEY"; } >"$T/planted.out"
    check secrets-scan-finds-key test "$(secrets_in "$T/planted.out")" = "$SKEY"
    { cat "$T/secret-dump.out"; printf 'T0kenTls' | od -An -tx1; } >"$T/planted-hex.out"
    check secrets-scan-finds-hex test "$(secrets_in "$T/planted-hex.out")" = T0kenTls
}
checks_bg secrets secrets_runs


# ======== in the foreground, while those run ========

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
# rtmp-push and rtmp-play refuse them the same way.
for cmd in push play; do
    if [ $cmd = push ]; then run=("$PUSH" --ca-file "$CA" "$SRC"); else run=("$PLAY" --no-display --ca-file "$CA"); fi
    expect_error "$cmd-expired" 15 'verification failed.*expired' \
        "${run[@]}" "rtmps://localhost:$EXPIRED_PORT/live/$x"
    expect_error "$cmd-wrong-name" 15 'verification failed.*host name mismatch' \
        "${run[@]}" "rtmps://localhost:$WRONG_PORT/live/$x"
    expect_error "$cmd-self-signed" 15 'verification failed.*self-signed' \
        "${run[@]}" "rtmps://localhost:$SELF_PORT/live/$x"
done

# ---- SNI: our own openssl s_server serves wrong.example's certificate, and the good one
#      (localhost) only to a client whose SNI names localhost ----

SNI_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# s_server stops at the end of its stdin: give it a FIFO that this shell keeps open.
mkfifo "$T/sni.in" && exec 7<>"$T/sni.in"
timeout -k 2 300 openssl s_server -accept "127.0.0.1:$SNI_PORT" \
    -cert "$SERVERS_DIR/tls/wrong.pem" -key "$SERVERS_DIR/tls/wrong.key" -servername localhost \
    -cert2 "$SERVERS_DIR/tls/server.pem" -key2 "$SERVERS_DIR/tls/server.key" <&7 >"$T/sni-server.log" 2>&1 &
IT_PIDS+=("$!")
if wait_for "grep -q '^ACCEPT' '$T/sni-server.log'" 10; then
    for cmd in dump push play; do
        case $cmd in
        dump) run=("$DUMP" -o "$T/sni.flv") ;;
        push) run=("$PUSH" "$SRC") ;;
        play) run=("$PLAY" --no-display) ;;
        esac
        # SNI sent: the good certificate verifies; the server then says nothing, so the
        # RTMP handshake times out (exit 5), which is no TLS error.
        timeout -k 2 20 "${run[@]}" -v --ca-file "$CA" --connect-timeout 2 \
            "rtmps://localhost:$SNI_PORT/live/$(uniq_name sni)" >"$T/sni-$cmd.out" 2>"$T/sni-$cmd.log"
        rc=$?
        check "sni-$cmd-verified" grep -q 'TLS: TLSv1\.[23] .*certificate verified' "$T/sni-$cmd.log"
        check "sni-$cmd-fails-later" sh -c "test $rc != 0 -a $rc != 15 -a $rc != 124 &&
            grep -q 'did not complete the RTMP handshake' '$T/sni-$cmd.log' &&
            ! grep -v '^rtmp-[a-z]*: TLS: ' '$T/sni-$cmd.log' | grep -qE 'TLS|[Vv]erif|[Cc]ertificate' ||
            { echo 'exit $rc:'; tail -n 2 '$T/sni-$cmd.log'; exit 1; }"
        # No SNI for an IP address (RFC 6066): the default certificate, wrong.example's.
        expect_error "sni-$cmd-ip-gets-default" 15 'verification failed.*IP address mismatch' \
            "${run[@]}" --ca-file "$CA" "rtmps://127.0.0.1:$SNI_PORT/live/$x"
    done
    # The server saw SNI "localhost" once per name run, and none for the IP address runs.
    check sni-seen-by-server test "$(grep -c '^Hostname in TLS extension: "localhost"' "$T/sni-server.log")" = 3
    check sni-none-for-ip test "$(grep -c '^Hostname in TLS extension' "$T/sni-server.log")" = 3
else
    fail sni-server "openssl s_server did not start: $(head -c 300 "$T/sni-server.log")"
fi
exec 7>&-

# ---- rtmps:// to a plain RTMP port: a clean TLS error, no hang ----

for target in nginx nms; do
    if [ $target = nginx ]; then port=$NGINX_PORT; else port=$NMS_PORT; fi
    start=$(date +%s.%N)
    expect_error "plain-port-$target" 15 'TLS|rtmps port' \
        "$DUMP" --connect-timeout 2 "rtmps://127.0.0.1:$port/live/$x" -o "$T/x.flv"
    check "plain-port-$target-quick" awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { exit !(e - s < 8) }'
done

checks_wait
it_finish
