#!/usr/bin/env bash
# Keys never leak: every command, at the highest verbosity (-vvv), on success and on
# every error path, with a known stream key, password, user and query token in every
# place they can come from (URL, --key, --key-file, RTMP_STREAM_KEY, --server/--key,
# --user/--password, RTMP_PASSWORD); none of them may appear anywhere in stdout or stderr.
# Also: the key sources work (the stream arrives under the key's name).
# A stream name in a play URL (rtmp-dump, rtmp-play) is a name, not a key, and is shown;
# for them the key comes from --key, --key-file, RTMP_STREAM_KEY or --server/--key.
. "$(dirname "$0")/lib.sh"
it_setup secrets
need_servers

DUMP=$BUILD/cli/rtmp-dump
PUSH=$BUILD/cli/rtmp-push
PLAY=$BUILD/cli/rtmp-play
SCRIPTED="$IT_ROOT/tests/servers/scripted_server.py"
if [ ! -x "$DUMP" ] || [ ! -x "$PUSH" ]; then
    fail build "$DUMP or $PUSH not built"
    it_finish; exit 1
fi
HAVE_PLAY=0
if [ -x "$PLAY" ]; then
    HAVE_PLAY=1
else
    echo "note: $PLAY not built: rtmp-play is left out of this test"
fi
SRC=$(gen_media secrets4 4)
[ -s "$SRC" ] || { fail gen_media "could not generate the source"; it_finish; exit 1; }

# The secrets. Each run gets its own key (unique stream names), all share the markers.
KEY=K3y$(uniq_name Sec | tr -d -)          # e.g. K3ySec1234567
PASSWORD=Pa55W0rdSecretZ
USERNAME=UserSecretQ
TOKEN=T0kenSecretX
SECRETS=("$KEY" "$PASSWORD" "$USERNAME" "$TOKEN")
LOGS=()

# run NAME CMD...: runs a command (bounded) at -vvv, its stdout and stderr kept for the scan.
run() {
    local name=$1; shift
    timeout 40 "$@" >"$T/$name.stdout" 2>"$T/$name.stderr"
    RC=$?
    LOGS+=("$name")
}

# The stdout of rtmp-dump -o - is FLV: scan its text, the recording cannot hold the key.
U="rtmp://$USERNAME:$PASSWORD@127.0.0.1:$NGINX_PORT"

# ---- success paths: publish under the key, record and play it ----

# rtmp-push with the key in the URL, a token and userinfo; a recorder that knows the key
run_bg "$T/rec-url.log" "$DUMP" --duration 2 "$NGINX_URL/live/$KEY" -o "$T/rec-url.flv"
rec=$BG_PID
sleep 0.5
run push-url "$PUSH" -vvv "$SRC" "$U/live/$KEY?token=$TOKEN"
wait_pid "$rec" 20
check push-url-published test "$RC" = 0 -a "$(count_packets "$T/rec-url.flv" v)" -gt 10

# OBS style: --server URL --key KEY
run_bg "$T/rec-obs.log" "$DUMP" --duration 2 "$NGINX_URL/live/$KEY-obs" -o "$T/rec-obs.flv"
rec=$BG_PID
sleep 0.5
run push-obs "$PUSH" -vvv "$SRC" --server "$NGINX_URL/live" --key "$KEY-obs" --user "$USERNAME" --password "$PASSWORD"
wait_pid "$rec" 20
check push-server-key test "$RC" = 0 -a "$(count_packets "$T/rec-obs.flv" v)" -gt 10

# --key-file (first line, newline stripped), the URL ending at the app
printf '%s\r\nnot this line\n' "$KEY-file" >"$T/key.txt"
run_bg "$T/rec-file.log" "$DUMP" --duration 2 "$NGINX_URL/live/$KEY-file" -o "$T/rec-file.flv"
rec=$BG_PID
sleep 0.5
run push-key-file "$PUSH" -vvv "$SRC" "$NGINX_URL/live" --key-file "$T/key.txt"
wait_pid "$rec" 20
check push-key-file test "$RC" = 0 -a "$(count_packets "$T/rec-file.flv" v)" -gt 10

# RTMP_STREAM_KEY and RTMP_PASSWORD from the environment (nothing in the process list),
# recorded by rtmp-dump with the key from the environment too
run_bg "$T/push-env.bg" env RTMP_STREAM_KEY="$KEY-env" RTMP_PASSWORD="$PASSWORD" \
    "$PUSH" -vvv --loop 0 "$SRC" "rtmp://$USERNAME@127.0.0.1:$NGINX_PORT/live"
pusher=$BG_PID
sleep 1
if tr '\0' ' ' <"/proc/$pusher/cmdline" 2>/dev/null | grep -qF -e "$KEY" -e "$PASSWORD"; then
    fail env-not-in-cmdline "the key or password is in the process list"
else
    pass env-not-in-cmdline
fi
RTMP_STREAM_KEY="$KEY-env" run dump-env "$DUMP" -vvv --duration 2 "$NGINX_URL/live" -o "$T/dump-env.flv"
check dump-env-key test "$RC" = 0 -a "$(count_packets "$T/dump-env.flv" v)" -gt 10
# the same stream: --key-file for rtmp-dump, a token, to stdout
printf '%s\n' "$KEY-env" >"$T/key-env.txt"
run dump-stdout "$DUMP" -vvv --duration 1 --server "$U/live?token=$TOKEN" --key-file "$T/key-env.txt" -o -
check dump-key-file-stdout test "$RC" = 0 -a -s "$T/dump-stdout.stdout"
if [ $HAVE_PLAY = 1 ]; then
    run play-ok "$PLAY" -vvv --no-display --stats=json --duration 2 --key-file "$T/key-env.txt" "$U/live?token=$TOKEN"
    check play-ok test "$RC" = 0
    RTMP_STREAM_KEY="$KEY-env" RTMP_PASSWORD="$PASSWORD" run play-env "$PLAY" -vvv --no-display --stats \
        --duration 1 "rtmp://$USERNAME@127.0.0.1:$NGINX_PORT/live"
    check play-env test "$RC" = 0
fi
stop_pid "$pusher"
LOGS+=("push-env.bg")
mv "$T/push-env.bg" "$T/push-env.bg.stderr"

# ---- error paths ----

# push: the key in the URL; dump and play: the URL up to the app, the key from --key
refused="rtmp://$USERNAME:$PASSWORD@127.0.0.1:1/live/$KEY?token=$TOKEN"
refused_app="rtmp://$USERNAME:$PASSWORD@127.0.0.1:1/live?token=$TOKEN"
badurl="rtmp://$USERNAME:$PASSWORD@127.0.0.1:99999/live/$KEY?token=$TOKEN"
badurl2="rtmpx://$USERNAME:$PASSWORD@host/live/$KEY?token=$TOKEN"
badurl_app="rtmp://$USERNAME:$PASSWORD@127.0.0.1:99999/live?token=$TOKEN"
run push-refused "$PUSH" -vvv "$SRC" "$refused"
check push-refused-status test "$RC" = 4
run dump-refused "$DUMP" -vvv --key "$KEY" "$refused_app" -o "$T/x.flv"
check dump-refused-status test "$RC" = 4
run push-bad-url "$PUSH" -vvv "$SRC" "$badurl"
check push-bad-url-status test "$RC" = 2
run push-bad-url2 "$PUSH" -vvv "$SRC" "$badurl2"
check push-bad-url2-status test "$RC" = 2
run dump-bad-url "$DUMP" -vvv --key "$KEY" "$badurl_app" -o "$T/x.flv"
check dump-bad-url-status test "$RC" = 2
run push-bad-server "$PUSH" -vvv "$SRC" --server "$badurl2" --key "$KEY"
check push-bad-server-status test "$RC" = 2
run dump-missing-key-file "$DUMP" -vvv "$U/live?token=$TOKEN" --key-file "$T/no-such-file" -o "$T/x.flv"
check dump-missing-key-file test "$RC" = 2
# an unknown application (nginx closes), a stream that is not there (strict app)
run push-unknown-app "$PUSH" -vvv "$SRC" "$U/noapp/$KEY?token=$TOKEN"
check push-unknown-app-status test "$RC" = 7
run dump-not-found "$DUMP" -vvv --key "$KEY" --server "$U/strict?token=$TOKEN" -o "$T/x.flv"
check dump-not-found-status test "$RC" = 8
# authentication failure against the scripted server (authmod=adobe): our password is wrong
SLOG=$T/scripted.log
run_bg "$SLOG" python3 "$SCRIPTED" --port 0 --mode auth-adobe --timeout 120 --user "$USERNAME" --password other-password
if wait_for "grep -q '^listening' '$SLOG'" 10; then
    sport=$(sed -n 's/^listening [0-9.]*:\([0-9]*\)$/\1/p' "$SLOG" | head -n1)
    surl="rtmp://$USERNAME:$PASSWORD@127.0.0.1:$sport/live/$KEY?token=$TOKEN"
    surl_app="rtmp://$USERNAME:$PASSWORD@127.0.0.1:$sport/live?token=$TOKEN"
    run dump-auth-failed "$DUMP" -vvv --key-file "$T/key.txt" "$surl_app" -o "$T/x.flv"
    check dump-auth-failed-status test "$RC" = 7
    run push-auth-failed "$PUSH" -vvv "$SRC" "$surl"
    check push-auth-failed-status test "$RC" = 7
    RTMP_STREAM_KEY=$KEY RTMP_PASSWORD=$PASSWORD run dump-auth-failed-env "$DUMP" -vvv --user "$USERNAME" \
        "rtmp://127.0.0.1:$sport/live?token=$TOKEN" -o "$T/x.flv"
    check dump-auth-failed-env-status test "$RC" = 7
    if [ $HAVE_PLAY = 1 ]; then
        run play-auth-failed "$PLAY" -vvv --no-display --server "$surl_app" --key "$KEY"
        check play-auth-failed-status test "$RC" = 7
        run play-refused "$PLAY" -vvv --no-display --key "$KEY" "$refused_app"
        check play-refused-status test "$RC" = 4
        run play-bad-url "$PLAY" -vvv --no-display --key "$KEY" "$badurl_app"
        check play-bad-url-status test "$RC" = 2
    fi
else
    fail scripted "the scripted server did not start"
fi

# ---- the scan: no secret in any output, hex dumps included ----

leaks=""
for name in "${LOGS[@]}"; do
    for f in "$T/$name.stdout" "$T/$name.stderr"; do
        [ -f "$f" ] || continue
        for s in "${SECRETS[@]}"; do
            # -a: binary (FLV on stdout) is searched too; hex dumps: the secret's hex as well
            hex=$(printf '%s' "$s" | od -An -tx1 | tr -d ' \n')
            spaced=$(printf '%s' "$s" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
            if grep -qaF -e "$s" "$f" || grep -qaiF -e "$hex" -e "$spaced" "$f"; then
                leaks+="$(basename "$f") has '$s'; "
            fi
        done
    done
done
if [ -z "$leaks" ]; then
    pass "no-secret-in-${#LOGS[@]}-runs"
else
    fail no-secret-leaks "$leaks"
fi
# the scan itself must be able to fail: the key is in the recording's name in a log?
check scan-sees-plain-text grep -qaF -e "$KEY" "$T/key.txt"

it_finish
