#!/usr/bin/env bash
# Keys never leak: every command, at the highest verbosity (-vvv), on success and on
# every error path, with a known stream key, password, user and query token in every
# place they can come from (URL, --key, --key-file, RTMP_STREAM_KEY, --server/--key,
# --user/--password, RTMP_PASSWORD); none of them may appear anywhere in stdout or stderr.
# Also: the key sources work (the stream arrives under the key's name).
# A stream name in a play URL (rtmp-dump, rtmp-play) is a name, not a key, and is shown;
# for them the key comes from --key, --key-file, RTMP_STREAM_KEY or --server/--key.
# The window title of rtmp-play (under its own Xvfb) is scanned too. The scan proves it can
# fail: it finds a key planted in a copy of a real log, and a missing log is a failure.
. "$(dirname "$0")/lib.sh"
it_setup secrets
need_servers

DUMP=$BUILD/cli/rtmp-dump
PUSH=$BUILD/cli/rtmp-push
PLAY=$BUILD/cli/rtmp-play
SCRIPTED="$IT_ROOT/tests/servers/scripted_server.py"
for cmd in "$DUMP" "$PUSH" "$PLAY"; do
    [ -x "$cmd" ] || { fail build "$cmd not built"; it_finish; exit 1; }
done
SRC=$(gen_media secrets4 4)
[ -s "$SRC" ] || { fail gen_media "could not generate the source"; it_finish; exit 1; }

# The secrets. Each run gets its own key (unique stream names), all share the markers.
KEY=K3y$(uniq_name Sec | tr -d -)          # e.g. K3ySec1234567
PASSWORD=Pa55W0rdSecretZ
USERNAME=UserSecretQ
TOKEN=T0kenSecretX
SECRETS=("$KEY" "$PASSWORD" "$USERNAME" "$TOKEN")
LOGS=()    # every file the scan reads; each must exist, and the logs (-vvv) must not be empty

# run NAME CMD...: runs a command (bounded) at -vvv, its stdout and stderr kept for the scan.
run() {
    local name=$1; shift
    timeout 40 "$@" >"$T/$name.stdout" 2>"$T/$name.stderr"
    RC=$?
    LOGS+=("$T/$name.stdout" "$T/$name.stderr")
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
run play-ok "$PLAY" -vvv --no-display --stats=json --duration 2 --key-file "$T/key-env.txt" "$U/live?token=$TOKEN"
check play-ok test "$RC" = 0
RTMP_STREAM_KEY="$KEY-env" RTMP_PASSWORD="$PASSWORD" run play-env "$PLAY" -vvv --no-display --stats \
    --duration 1 "rtmp://$USERNAME@127.0.0.1:$NGINX_PORT/live"
check play-env test "$RC" = 0

# The window title, under an Xvfb of its own. 1: the player's URL (userinfo, token and
# key redacted) on nginx. 2: on node-media-server, which passes the publisher's onMetaData
# on (nginx rebuilds it), a title that holds the key. xwininfo lists every window's title:
# it runs every 0.2 s while a player plays.
printf '%s\n' "$KEY-win" >"$T/key-win.txt"
publish_ffmpeg --loop "$SRC" "$NMS_URL/live/$KEY-win" -metadata title="Show $KEY-win"
wait_published 10
cat >"$T/titles.sh" <<'SH'
# titles.sh PLAY OUT KEY_FILE URL: rtmp-play in a window for 3 s, the window titles in OUT.titles
"$1" -vvv --stats --duration 3 --key-file "$3" "$4" >"$2.stdout" 2>"$2.stderr" &
pid=$!
while kill -0 $pid 2>/dev/null; do xwininfo -root -tree >>"$2.titles" 2>&1; sleep 0.2; done
wait $pid
SH
SDL_AUDIODRIVER=dummy timeout -k 5 60 xvfb-run -a -s "-screen 0 640x480x24" bash -c '
    bash "$1" "$2" "$3-1" "$4" "$5" || exit 1
    bash "$1" "$2" "$3-2" "$6" "$7"' titles "$T/titles.sh" "$PLAY" "$T/window" \
    "$T/key-env.txt" "$U/live?token=$TOKEN" "$T/key-win.txt" "rtmp://$USERNAME:$PASSWORD@127.0.0.1:$NMS_PORT/live"
check window-exit-status test $? = 0
stop_pid "$PUBLISH_PID"
for i in 1 2; do LOGS+=("$T/window-$i.stdout" "$T/window-$i.stderr" "$T/window-$i.titles"); done
stop_pid "$pusher"
LOGS+=("$T/push-env.log")
mv "$T/push-env.bg" "$T/push-env.log"

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
check push-unknown-app-status test "$RC" = 17
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
    check dump-auth-failed-status test "$RC" = 16
    run push-auth-failed "$PUSH" -vvv "$SRC" "$surl"
    check push-auth-failed-status test "$RC" = 16
    RTMP_STREAM_KEY=$KEY RTMP_PASSWORD=$PASSWORD run dump-auth-failed-env "$DUMP" -vvv --user "$USERNAME" \
        "rtmp://127.0.0.1:$sport/live?token=$TOKEN" -o "$T/x.flv"
    check dump-auth-failed-env-status test "$RC" = 16
    run play-auth-failed "$PLAY" -vvv --no-display --server "$surl_app" --key "$KEY"
    check play-auth-failed-status test "$RC" = 16
    run play-refused "$PLAY" -vvv --no-display --key "$KEY" "$refused_app"
    check play-refused-status test "$RC" = 4
    run play-bad-url "$PLAY" -vvv --no-display --key "$KEY" "$badurl_app"
    check play-bad-url-status test "$RC" = 2
else
    fail scripted "the scripted server did not start"
fi

# ---- the scan: no secret in any output, hex dumps included ----

# secrets_in FILE: prints "NAME has 'SECRET'; " for each secret in FILE: as text (-a: the
# FLV on rtmp-dump's stdout too) or as hex, contiguous or spaced.
secrets_in() {
    local s hex spaced
    for s in "${SECRETS[@]}"; do
        hex=$(printf '%s' "$s" | od -An -tx1 | tr -d ' \n')
        spaced=$(printf '%s' "$s" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
        if grep -qaF -e "$s" "$1" || grep -qaiF -e "$hex" -e "$spaced" "$1"; then
            printf "%s has '%s'; " "$(basename "$1")" "$s"
        fi
    done
}
leaks="" missing=""
for f in "${LOGS[@]}"; do
    if [ ! -f "$f" ]; then
        missing+="$(basename "$f") "
        continue
    fi
    # every command ran at -vvv: an empty log would make the scan vacuous
    case $f in *.stderr | *.log | *.titles) [ -s "$f" ] || missing+="$(basename "$f") (empty) " ;; esac
    leaks+=$(secrets_in "$f")
done
if [ -z "$missing" ]; then pass "all-${#LOGS[@]}-outputs-there"; else fail outputs-missing "$missing"; fi
if [ -z "$leaks" ]; then
    pass "no-secret-in-${#LOGS[@]}-outputs"
else
    fail no-secret-leaks "$leaks"
fi

# The titles were read: the player's window is there, with its URL (redacted) and the
# publisher's title (the key in it scrubbed).
check window-title-url grep -qF "\"rtmp://***@127.0.0.1:$NGINX_PORT/live?token=***/***\"" "$T/window-1.titles"
check window-title-metadata grep -qF '"Show ***"' "$T/window-2.titles"

# The scan itself must be able to fail: a key planted in a copy of a real -vvv log is
# found, as text and as hex, and so is a secret in a copy of a window title list.
scan_finds() { secrets_in "$2" | grep -qF "'$1'" || { echo "the scan misses '$1' in $2"; return 1; }; }
{ head -n 5 "$T/push-url.stderr"; echo "rtmp-push: publishing to $NGINX_URL/live/$KEY"
  tail -n +6 "$T/push-url.stderr"; } >"$T/planted-key.stderr"
check scan-finds-planted-key scan_finds "$KEY" "$T/planted-key.stderr"
{ cat "$T/push-url.stderr"; printf '%s' "$TOKEN" | od -An -tx1; } >"$T/planted-hex.stderr"
check scan-finds-planted-hex scan_finds "$TOKEN" "$T/planted-hex.stderr"
sed "s|\"Show \*\*\*\"|\"Show $USERNAME\"|" "$T/window-2.titles" >"$T/planted.titles"
check scan-finds-planted-title scan_finds "$USERNAME" "$T/planted.titles"

it_finish
