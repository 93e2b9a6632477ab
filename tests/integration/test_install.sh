#!/usr/bin/env bash
# `meson install` into a staging directory: the three commands, the library, its headers,
# the pkg-config file and the man pages land where they belong, and a program built
# only from what was installed (found through the installed rtmpkit.pc) links and runs.
. "$(dirname "$0")/lib.sh"
it_setup install

DEST=$T/root
timeout 120 meson install -C "$BUILD" --destdir "$DEST" --no-rebuild >"$T/install.log" 2>&1
check install-exit-status test $? = 0

prefix=$DEST$(meson introspect "$BUILD" --buildoptions 2>/dev/null |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
pc=$(find "$DEST" -name rtmpkit.pc | head -n1)
check install-pkgconfig test -n "$pc"
for cmd in rtmp-dump rtmp-push rtmp-play; do
    check "install-bin-$cmd" test -x "$prefix/bin/$cmd"
    page=$(find "$DEST" -path "*/man1/$cmd.1" | head -n1)
    # The page is the generated one: its EXIT STATUS lists the statuses of the error table.
    check "install-man-$cmd" grep -q 'connection refused' "${page:-/nonexistent}"
done
check install-man-url test -n "$(find "$DEST" -path '*/man7/rtmpkit-url.7')"
check install-header test -f "$prefix/include/rtmpkit/rtmpkit.h"

# A client of the installed library: parse a URL, redact it, name an error.
cat >"$T/client.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <rtmpkit/rtmpkit.h>

int main(void)
{
    rtmpkit_url url;
    char shown[256];
    if (rtmpkit_url_parse("rtmp://example.com/live/SECRETKEY", &url) < 0)
        return 1;
    rtmpkit_url_format_redacted(&url, 1, shown, sizeof shown);
    printf("%s|%s|%s\n", url.app, shown, rtmpkit_strerror(RTMPKIT_EREFUSED));
    rtmpkit_url_free(&url);
    return strstr(shown, "SECRETKEY") != NULL;
}
EOF
export PKG_CONFIG_PATH=${pc%/*}
flags=$(pkg-config --define-variable=prefix="$prefix" --cflags --libs rtmpkit 2>"$T/pkg-config.err")
check install-pkgconfig-flags test -n "$flags"
# shellcheck disable=SC2086
timeout 60 cc -Wall -Werror -o "$T/client" "$T/client.c" $flags 2>"$T/cc.err"
check install-client-builds test $? = 0
libdir=$(pkg-config --define-variable=prefix="$prefix" --variable=libdir rtmpkit)
out=$(LD_LIBRARY_PATH=$libdir timeout 10 "$T/client" 2>&1)
check install-client-runs test $? = 0
check install-client-output test "$out" = "live|rtmp://example.com/live/***|connection refused"
# The installed program uses the installed library, not the build tree's.
check install-client-library sh -c "LD_LIBRARY_PATH='$libdir' ldd '$T/client' | grep -q '$libdir/librtmpkit.so'"

# The examples, built from the installed headers alone, publish an FLV file to nginx and
# record it: the recording has the file's packets, byte for byte.
for ex in publish_flv record; do
    # shellcheck disable=SC2086
    timeout 60 cc -Wall -Wextra -Werror -o "$T/$ex" "$IT_ROOT/examples/$ex.c" $flags 2>"$T/cc-$ex.err"
    check "install-example-$ex-builds" test $? = 0
done
need_servers
src=$(gen_media example 4)
name=$(uniq_name example)
run_bg "$T/record.log" env LD_LIBRARY_PATH="$libdir" timeout 60 "$T/record" "$NGINX_URL/live/$name" "$T/recorded.flv"
record_pid=$BG_PID
sleep 1   # nginx keeps the player waiting for the stream: it then gets everything
LD_LIBRARY_PATH=$libdir timeout 60 "$T/publish_flv" "$src" "$NGINX_URL/live/$name" >"$T/publish.log" 2>&1
check install-example-publish-exit test $? = 0
wait_pid "$record_pid" 30
check install-example-record-exit test $? = 0
why=$(same_packets "$src" "$T/recorded.flv")
check install-example-record-content test -z "$why"
[ -z "$why" ] || echo "example recording: $why"

it_finish
