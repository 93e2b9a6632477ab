#!/usr/bin/env bash
# Server authentication and connect parameters:
#  - authmod=adobe and authmod=llnw against the scripted server, which checks our
#    responses with its own hashlib/base64 code (tests/servers/scripted_server.py);
#  - node-media-server 4 with play and publish auth on (?sign=EXPIRY-MD5), the sign
#    computed here with md5sum, not with our code;
#  - --conn extra connect arguments, as the scripted server decodes them.
. "$(dirname "$0")/lib.sh"
it_setup auth
need_servers

DUMP=$BUILD/cli/rtmp-dump
PUSH=$BUILD/cli/rtmp-push
SCRIPTED="$IT_ROOT/tests/servers/scripted_server.py"
SERVERS_DIR=${IT_SERVERS_DIR:-${RTMPKIT_SERVERS_DIR:-}}
NMS_AUTH_PORT=${RTMPKIT_NMS_AUTH_PORT:-19352}
USER_OK=rtmpuser
PASS_OK=S3cretPassw0rd

if [ ! -x "$DUMP" ] || [ ! -x "$PUSH" ]; then
    fail build "$DUMP or $PUSH not built"
    it_finish; exit 1
fi
SRC=$(gen_media auth6 6)
[ -s "$SRC" ] || { fail gen_media "could not generate the source"; it_finish; exit 1; }

# scripted MODE: starts the scripted server on a free port; sets SPORT and SLOG.
scripted() {
    SLOG=$T/scripted-$1.log
    run_bg "$SLOG" python3 "$SCRIPTED" --port 0 --mode "$1" --timeout 120 --user "$USER_OK" --password "$PASS_OK"
    if ! wait_for "grep -q '^listening' '$SLOG'" 10; then
        fail "scripted-$1" "the scripted server did not start: $(head -c 300 "$SLOG")"
        return 1
    fi
    SPORT=$(sed -n 's/^listening [0-9.]*:\([0-9]*\)$/\1/p' "$SLOG" | head -n1)
}

# ---- authmod=adobe and authmod=llnw ----

for method in adobe llnw; do
    scripted "auth-$method" || continue
    url=rtmp://127.0.0.1:$SPORT/live/cam
    # userinfo credentials; the stream ends with Play.Stop after 11 audio messages
    timeout 30 "$DUMP" -v "rtmp://$USER_OK:$PASS_OK@127.0.0.1:$SPORT/live/cam" -o "$T/$method.flv" \
        >"$T/$method-ok.out" 2>"$T/$method-ok.err"
    rc=$?
    n=$(count_packets "$T/$method.flv" a)
    if [ $rc = 0 ] && [ "$n" -ge 10 ] && grep -q "authenticated" "$T/$method-ok.err" \
        && grep -q "auth $method response accepted" "$SLOG"; then
        pass "$method-userinfo"
    else
        fail "$method-userinfo" "exit $rc, $n audio packets: $(tail -c 300 "$T/$method-ok.err")"
    fi
    # --user and the password from the environment
    RTMP_PASSWORD=$PASS_OK timeout 30 "$DUMP" --user "$USER_OK" "$url" -o "$T/$method-env.flv" \
        >"$T/$method-env.out" 2>&1
    rc=$?
    check "$method-user-env-password" test $rc = 0 -a "$(count_packets "$T/$method-env.flv" a)" -ge 10
    # the publisher's side: rtmp-push through the same exchange (--password)
    timeout 30 "$PUSH" --user "$USER_OK" --password "$PASS_OK" --duration 1 "$SRC" "$url" \
        >"$T/$method-push.out" 2>&1
    rc=$?
    check "$method-push" test $rc = 0
    expect_error "$method-wrong-password" 16 'authentication failed.*(incorrect|password)' \
        "$DUMP" --user "$USER_OK" --password Wr0ngPassw0rd "$url" -o "$T/x.flv"
    expect_error "$method-no-such-user" 16 'authentication failed.*no such user' \
        "$DUMP" --user nobody --password "$PASS_OK" "$url" -o "$T/x.flv"
    expect_error "$method-push-wrong-password" 16 'authentication failed' \
        "$PUSH" --user "$USER_OK" --password Wr0ngPassw0rd "$SRC" "$url"
    expect_error "$method-no-credentials" 16 "the server wants authmod=$method: give user and password" \
        "$DUMP" "$url" -o "$T/x.flv"
    stop_pid "$BG_PID"
done

# ---- --conn: extra connect arguments, as the server decodes them ----

if scripted auth-adobe; then
    timeout 30 "$DUMP" --user "$USER_OK" --password "$PASS_OK" --conn B:1 --conn O:1 --conn NS:tok:abc \
        --conn NN:n:2.5 --conn O:0 --conn S:x:y --conn Z: "rtmp://127.0.0.1:$SPORT/live/cam" \
        -o "$T/conn.flv" >"$T/conn.out" 2>&1
    rc=$?
    if [ $rc = 0 ] && grep -qF "extra [True, {'tok': 'abc', 'n': 2.5}, 'x:y', None]" "$SLOG"; then
        pass conn-args
    else
        fail conn-args "exit $rc; server saw: $(grep extra "$SLOG" | tail -n1)"
    fi
    stop_pid "$BG_PID"
fi
expect_error conn-bad-type 2 '--conn "X:1".*unknown type' "$DUMP" --conn X:1 rtmp://127.0.0.1/live/x -o "$T/x.flv"
expect_error conn-bad-bool 2 '--conn "B:yes".*0 or 1' "$PUSH" --conn B:yes "$SRC" rtmp://127.0.0.1/live/x
expect_error conn-unclosed 2 'not closed' "$DUMP" --conn O:1 --conn NB:a:1 rtmp://127.0.0.1/live/x -o "$T/x.flv"
expect_error conn-named-outside 2 'inside an object' "$DUMP" --conn NS:a:b rtmp://127.0.0.1/live/x -o "$T/x.flv"

# ---- node-media-server 4: ?sign=EXPIRY-md5hex("/app/stream-EXPIRY-SECRET") ----

SECRET=$(head -n1 "$SERVERS_DIR/nms-auth-secret" 2>/dev/null)
if [ -z "$SECRET" ] || ! it_port_open "$NMS_AUTH_PORT"; then
    fail nms-auth "no node-media-server with auth on 127.0.0.1:$NMS_AUTH_PORT or no secret in '$SERVERS_DIR/nms-auth-secret' (scripts/servers.sh start DIR, RTMPKIT_SERVERS_DIR=DIR)"
else
    # sign NAME EXPIRY: computed here, independently of rtmpkit
    sign() { echo "$2-$(printf '%s' "/live/$1-$2-$SECRET" | md5sum | cut -d' ' -f1)"; }
    NMS_AUTH_URL=rtmp://127.0.0.1:$NMS_AUTH_PORT
    name=$(uniq_name signed)
    good=$(sign "$name" $(($(date +%s) + 600)))
    expired=$(sign "$name" $(($(date +%s) - 60)))
    bad="$(($(date +%s) + 600))-0123456789abcdef0123456789abcdef"
    run_bg "$T/nms-push.log" timeout 40 "$PUSH" -v --loop 0 "$SRC" "$NMS_AUTH_URL/live/$name?sign=$good"
    push_pid=$BG_PID
    if wait_for "grep -q 'Publish.Start\|publishing to' '$T/nms-push.log'" 10 && sleep 1 && kill -0 "$push_pid" 2>/dev/null; then
        pass nms-sign-publish
    else
        fail nms-sign-publish "$(tail -c 300 "$T/nms-push.log")"
    fi
    timeout 30 "$DUMP" --duration 3 "$NMS_AUTH_URL/live/$name?sign=$good" -o "$T/nms.flv" >"$T/nms-dump.out" 2>&1
    rc=$?
    frames=$(count_frames "$T/nms.flv" v)
    if [ $rc = 0 ] && [ "$frames" -ge 25 ]; then
        pass nms-sign-play
    else
        fail nms-sign-play "exit $rc, $frames video frames: $(tail -c 300 "$T/nms-dump.out")"
    fi
    expect_error nms-bad-sign-play 14 'refused the stream' "$DUMP" "$NMS_AUTH_URL/live/$name?sign=$bad" -o "$T/x.flv"
    expect_error nms-expired-sign-play 14 'refused the stream' "$DUMP" "$NMS_AUTH_URL/live/$name?sign=$expired" -o "$T/x.flv"
    expect_error nms-no-sign-play 14 'refused the stream' "$DUMP" "$NMS_AUTH_URL/live/$name" -o "$T/x.flv"
    stop_pid "$push_pid"
    other=$(uniq_name signed)
    expect_error nms-bad-sign-publish 13 'refused the stream' "$PUSH" "$SRC" "$NMS_AUTH_URL/live/$other?sign=$bad"
    expect_error nms-expired-sign-publish 13 'refused the stream' \
        "$PUSH" "$SRC" "$NMS_AUTH_URL/live/$other?sign=$(sign "$other" $(($(date +%s) - 60)))"
    # the sign passes through the OBS-style split and a key file untouched
    printf '%s\n' "$other?sign=$(sign "$other" $(($(date +%s) + 600)))" >"$T/nms.key"
    timeout 30 "$PUSH" --duration 1 --key-file "$T/nms.key" "$SRC" --server "$NMS_AUTH_URL/live" >"$T/nms-keyfile.out" 2>&1
    check nms-sign-key-file test $? = 0
fi

it_finish
