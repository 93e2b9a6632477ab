#!/usr/bin/env bash
# `meson install` into a staging directory: the three commands, the library, its headers,
# the pkg-config file, the man pages and the shell completions land where they belong, and a program built
# only from what was installed (found through the installed rtmpkit.pc) links and runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/installed.sh"
it_setup install

DEST=$T/root
timeout 120 meson install -C "$BUILD" --destdir "$DEST" --no-rebuild >"$T/install.log" 2>&1
check install-exit-status test $? = 0

prefix=$DEST$(meson introspect "$BUILD" --buildoptions 2>/dev/null |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
for cmd in rtmp-dump rtmp-push rtmp-play; do
    check "install-bin-$cmd" test -x "$prefix/bin/$cmd"
    page=$(find "$DEST" -path "*/man1/$cmd.1" | head -n1)
    # The page is the generated one: its EXIT STATUS lists the statuses of the error table.
    check "install-man-$cmd" grep -q 'connection refused' "${page:-/nonexistent}"
    # The shell completions, where each shell looks for the command's by its name.
    check "install-completions-$cmd" test -f "$prefix/share/bash-completion/completions/$cmd" \
        -a -f "$prefix/share/zsh/vendor-completions/_$cmd" -a -f "$prefix/share/fish/vendor_completions.d/$cmd.fish"
done
check install-man-url test -n "$(find "$DEST" -path '*/man7/rtmpkit-url.7')"
check_installed_library install "$prefix"

it_finish
