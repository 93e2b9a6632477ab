# shellcheck shell=bash
# What test_install.sh (meson install) and test_deb.sh (the Debian packages) check of an
# installed library. Source it after lib.sh.

# check_installed_library TAG PREFIX: the headers and the rtmpkit.pc installed under
# PREFIX (found by its prefix variable redefined to PREFIX) build a program that links the
# installed library and runs; the examples (examples/*.c), built from them alone, publish
# an FLV file to nginx and record it: the recording has the file's packets, byte for byte.
check_installed_library() {
    local tag=$1 prefix=$2 pc flags libdir out why ex record_pid src name
    pc=$(find "$prefix" -name rtmpkit.pc | head -n1)
    check "$tag-pkgconfig" test -n "$pc"
    check "$tag-header" test -f "$prefix/include/rtmpkit/rtmpkit.h"

    # A client of the installed library: parse a URL, redact it, name an error.
    cat >"$T/client.c" <<'CLIENT'
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
CLIENT
    export PKG_CONFIG_PATH=${pc%/*}
    flags=$(pkg-config --define-variable=prefix="$prefix" --cflags --libs rtmpkit 2>"$T/pkg-config.err")
    check "$tag-pkgconfig-flags" test -n "$flags"
    # shellcheck disable=SC2086
    timeout 60 cc -Wall -Werror -o "$T/client" "$T/client.c" $flags 2>"$T/cc.err"
    check "$tag-client-builds" test $? = 0
    libdir=$(pkg-config --define-variable=prefix="$prefix" --variable=libdir rtmpkit)
    out=$(LD_LIBRARY_PATH=$libdir timeout 10 "$T/client" 2>&1)
    check "$tag-client-runs" test $? = 0
    check "$tag-client-output" test "$out" = "live|rtmp://example.com/live/***|connection refused"
    # The program uses the installed library, not the build tree's.
    check "$tag-client-library" sh -c "LD_LIBRARY_PATH='$libdir' ldd '$T/client' | grep -q '$libdir/librtmpkit.so'"

    for ex in publish_flv record; do
        # shellcheck disable=SC2086
        timeout 60 cc -Wall -Wextra -Werror -o "$T/$ex" "$IT_ROOT/examples/$ex.c" $flags 2>"$T/cc-$ex.err"
        check "$tag-example-$ex-builds" test $? = 0
    done
    need_servers
    src=$(gen_media example 4)
    name=$(uniq_name example)
    run_bg "$T/record.log" env LD_LIBRARY_PATH="$libdir" timeout 60 "$T/record" "$NGINX_URL/live/$name" "$T/recorded.flv"
    record_pid=$BG_PID
    sleep 1   # nginx keeps the player waiting for the stream: it then gets everything
    LD_LIBRARY_PATH=$libdir timeout 60 "$T/publish_flv" "$src" "$NGINX_URL/live/$name" >"$T/publish.log" 2>&1
    check "$tag-example-publish-exit" test $? = 0
    wait_pid "$record_pid" 30
    check "$tag-example-record-exit" test $? = 0
    why=$(same_packets "$src" "$T/recorded.flv")
    check "$tag-example-record-content" test -z "$why"
    [ -z "$why" ] || echo "example recording: $why"
}
