#!/usr/bin/env bash
# What a hostile or careless peer sends never reaches the terminal as it is, and long
# secrets never reach a log:
# 1. The scripted server's hostile-text mode puts ESC, BEL, CR, LF, DEL and a UTF-8 C1
#    CSI in every description (connect result, Play.Reset/Start, onMetaData title, the
#    final error status). rtmp-dump, rtmp-push and rtmp-play (-vvv, so every status is
#    logged) must end with the status's exit code and print none of those bytes, no line
#    that starts as the forged one, and the description with '?' in their place.
# 2. A query token of 600 bytes (>= 512 was never registered as a secret) and one of 3000
#    bytes (past the 1024-byte log line: it used to be cut before it was masked) on an
#    application nginx does not have: none of its bytes may appear on stderr.
. "$(dirname "$0")/lib.sh"
it_setup hostile
need_servers

DUMP=$BUILD/cli/rtmp-dump
PUSH=$BUILD/cli/rtmp-push
PLAY=$BUILD/cli/rtmp-play
SCRIPTED="$IT_ROOT/tests/servers/scripted_server.py"
for cmd in "$DUMP" "$PUSH" "$PLAY"; do
    [ -x "$cmd" ] || { fail build "$cmd not built"; it_finish; exit 1; }
done
SRC=$(gen_media hostile 2)
[ -s "$SRC" ] || { fail gen_media "could not generate the source"; it_finish; exit 1; }

# clean_text FILE: no control byte but LF, no UTF-8 C1, no line starting as the forged
# one; and the sanitized description is there (the check saw the text).
clean_text() {
    python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
bad = sorted(set(b for b in data if (b < 0x20 and b != 0x0a) or b == 0x7f))
if bad:
    sys.exit("control bytes %s in %s" % (bad, sys.argv[1]))
if re.search(rb"\xc2[\x80-\x9f]", data):
    sys.exit("a UTF-8 C1 control in %s" % sys.argv[1])
if re.search(rb"(^|\n)rtmp-dump: forged", data):
    sys.exit("a forged line in %s" % sys.argv[1])
if b"evil?]0;pwned?" not in data:
    sys.exit("the description is not shown in %s: %r" % (sys.argv[1], data[-300:]))
PY
}

SLOG=$T/scripted.log
run_bg "$SLOG" python3 "$SCRIPTED" --port 0 --mode hostile-text --timeout 120
if wait_for "grep -q '^listening' '$SLOG'" 10; then
    sport=$(sed -n 's/^listening [0-9.]*:\([0-9]*\)$/\1/p' "$SLOG" | head -n1)
    surl="rtmp://127.0.0.1:$sport/live/hostile"
    timeout 30 "$DUMP" -vvv "$surl" -o "$T/hostile.flv" >"$T/dump.out" 2>"$T/dump.err"
    check dump-status test $? = 14
    check dump-stderr-clean clean_text "$T/dump.err"
    timeout 30 "$PUSH" -vvv "$SRC" "$surl" >"$T/push.out" 2>"$T/push.err"
    check push-status test $? = 13
    check push-stderr-clean clean_text "$T/push.err"
    SDL_AUDIODRIVER=dummy timeout 30 "$PLAY" -vvv --no-display "$surl" >"$T/play.out" 2>"$T/play.err"
    check play-status test $? = 14
    check play-stderr-clean clean_text "$T/play.err"
else
    fail scripted "the scripted server did not start"
fi

# no_token_in FILE TOKEN: no 12-byte piece of TOKEN anywhere in FILE (and FILE not empty).
no_token_in() {
    python3 - "$1" "$2" <<'PY'
import sys
data, token = open(sys.argv[1], "rb").read(), sys.argv[2].encode()
for i in range(0, len(token) - 12 + 1):
    if token[i:i + 12] in data:
        sys.exit("12 bytes of the token at offset %d are in %s" % (i, sys.argv[1]))
if not data:
    sys.exit("%s is empty" % sys.argv[1])
PY
}
# The query on the app, the key apart: the app (with its query) is what nginx refuses
# (it closes: exit 7), and the error names the app.
for len in 600 3000; do
    token=$(python3 -c "print(''.join('Tk%04d' % i for i in range($len // 6)))")
    timeout 30 "$PUSH" -vvv "$SRC" --server "$NGINX_URL/noapp?token=$token" --key "Key$len" \
        >"$T/long-push-$len.out" 2>"$T/long-push-$len.err"
    check "long-token-$len-push-status" test $? = 17
    check "long-token-$len-push-not-shown" no_token_in "$T/long-push-$len.err" "$token"
    timeout 30 "$DUMP" -vvv --key "Key$len" "$NGINX_URL/noapp?token=$token" -o "$T/long-$len.flv" \
        >"$T/long-dump-$len.out" 2>"$T/long-dump-$len.err"
    check "long-token-$len-dump-status" test $? = 17
    check "long-token-$len-dump-not-shown" no_token_in "$T/long-dump-$len.err" "$token"
done

it_finish
