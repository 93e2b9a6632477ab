#!/usr/bin/env bash
# The Debian packages (debian/): dpkg-buildpackage -b -us -uc builds rtmpkit, librtmpkit0
# and librtmpkit-dev from a copy of the tree (the tree itself gets no build files), lintian
# finds no error, each package holds its files, the library package is named after the
# library's SONAME, and the packages' dependencies are met. Unpacked into an empty root,
# each command runs and says the package's version, bash, zsh and fish find its
# completion, and the library, its headers and its pkg-config file build the examples,
# which publish to nginx and record (installed.sh).
# The package build runs the unit tests (dh_auto_test) as on any machine;
# RTMPKIT_DEB_NOCHECK=1 leaves them out (DEB_BUILD_OPTIONS=nocheck).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/installed.sh"
it_setup deb

for tool in dpkg-buildpackage dh lintian fakeroot; do
    if ! command -v "$tool" >/dev/null; then
        fail deb-tools "$tool is missing (scripts/setup.sh installs the packaging tools)"
        it_finish; exit 1
    fi
done

# A copy of the tree: the files git knows, or (no git) everything but build directories.
SRC=$T/src
mkdir -p "$SRC"
before=$(cd "$IT_ROOT" && ls -A debian; ls -d obj-* 2>/dev/null)
if git -C "$IT_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$IT_ROOT" ls-files -z --cached --others --exclude-standard |
        (cd "$IT_ROOT" && tar --null -T - -cf -) | tar -C "$SRC" -xf -
else
    tar -C "$IT_ROOT" --exclude='./build*' --exclude='./obj-*' --exclude=node_modules -cf - . | tar -C "$SRC" -xf -
fi
check deb-source-copy test -f "$SRC/debian/control"

start=$(date +%s)
opts="parallel=$(nproc)"
[ "${RTMPKIT_DEB_NOCHECK:-0}" = 1 ] && opts="$opts nocheck"
(cd "$SRC" && DEB_BUILD_OPTIONS=$opts timeout 1500 dpkg-buildpackage -b -us -uc) >"$T/build.log" 2>&1
rc=$?
check deb-build test $rc = 0
[ $rc = 0 ] || tail -30 "$T/build.log"
echo "deb: package build took $(($(date +%s) - start)) s (DEB_BUILD_OPTIONS=$opts)"
after=$(cd "$IT_ROOT" && ls -A debian; ls -d obj-* 2>/dev/null)
check deb-source-tree-untouched test "$before" = "$after"

version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
deb() { echo "$T/${1}_${version}_$arch.deb"; }
for p in rtmpkit librtmpkit0 librtmpkit-dev; do
    check "deb-package-$p" test -f "$(deb "$p")"
done
# The package's version is the project's: the commands will say it.
project_version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$SRC/meson.build" | head -n1)
check deb-version-is-project-version test "${version%%-*}" = "$project_version"

# lintian: no error (the warnings and notes are shown in the log).
start=$(date +%s)
timeout 600 lintian --info "$T/rtmpkit_${version}_$arch.changes" >"$T/lintian.log" 2>&1
grep -E '^[EWI]: ' "$T/lintian.log"
check deb-lintian-no-errors test "$(grep -c '^E: ' "$T/lintian.log")" = 0
echo "deb: lintian took $(($(date +%s) - start)) s"

# What each package holds.
contents() { dpkg-deb -c "$(deb "$1")" | awk '{ print $6 }' | sed 's|^\./|/|'; }
contents rtmpkit >"$T/rtmpkit.list"
contents librtmpkit0 >"$T/librtmpkit0.list"
contents librtmpkit-dev >"$T/librtmpkit-dev.list"
commands=$(sed -n 's|^/usr/bin/||p' "$T/rtmpkit.list" | grep .)
check deb-rtmpkit-commands test "$(echo "$commands" | wc -l)" -ge 3
for cmd in $commands; do
    check "deb-rtmpkit-$cmd-files" grep -qx -e "/usr/share/man/man1/$cmd.1.gz" "$T/rtmpkit.list"
    check "deb-rtmpkit-$cmd-completions" sh -c "grep -qx '/usr/share/bash-completion/completions/$cmd' '$T/rtmpkit.list' &&
        grep -qx '/usr/share/zsh/vendor-completions/_$cmd' '$T/rtmpkit.list' &&
        grep -qx '/usr/share/fish/vendor_completions.d/$cmd.fish' '$T/rtmpkit.list'"
done
check deb-rtmpkit-codecs-module grep -q '^/usr/lib/[^/]*/rtmpkit/rtmpkit-codecs.so$' "$T/rtmpkit.list"
check deb-dev-files sh -c "grep -q '^/usr/include/rtmpkit/rtmpkit.h$' '$T/librtmpkit-dev.list' &&
    grep -q '^/usr/lib/[^/]*/pkgconfig/rtmpkit.pc$' '$T/librtmpkit-dev.list' &&
    grep -q '^/usr/lib/[^/]*/librtmpkit.so$' '$T/librtmpkit-dev.list'"
check deb-lib-no-dev-files sh -c "! grep -qE '\\.h$|\\.pc$|\\.so$' '$T/librtmpkit0.list'"

# Unpacked into an empty root.
ROOT=$T/root
for p in rtmpkit librtmpkit0 librtmpkit-dev; do
    dpkg-deb -x "$(deb "$p")" "$ROOT"
done
libdir=$(dirname "$(find "$ROOT/usr/lib" -name 'librtmpkit.so.*' | head -n1)")
# The library package is named after the SONAME: librtmpkit.so.N -> librtmpkitN.
soname=$(objdump -p "$ROOT$(grep -m1 'librtmpkit\.so\.' "$T/librtmpkit0.list")" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
check deb-soname-package test "librtmpkit${soname#librtmpkit.so.}" = librtmpkit0
# apt would install the three packages here: every dependency can be met.
check deb-dependencies-met timeout 120 apt-get install -s "$(deb rtmpkit)" "$(deb librtmpkit0)" "$(deb librtmpkit-dev)"
for cmd in $commands; do
    out=$(LD_LIBRARY_PATH=$libdir timeout 10 "$ROOT/usr/bin/$cmd" --version 2>&1)
    check "deb-$cmd-version" test "$out" = "$cmd $project_version"
    check "deb-$cmd-uses-packaged-library" sh -c "LD_LIBRARY_PATH='$libdir' ldd '$ROOT/usr/bin/$cmd' | grep -q '$libdir/librtmpkit.so'"
done
# Each shell finds the packaged completion of each command where it looks for one:
# bash-completion's loader and fish beside the command and in XDG_DATA_DIRS, zsh's
# compinit in the vendor directory of its fpath (Debian's zsh has it there).
for cmd in $commands; do
    out=$(XDG_DATA_DIRS=$ROOT/usr/share PATH=$ROOT/usr/bin:$PATH timeout 30 bash --norc --noprofile -c \
        '. /usr/share/bash-completion/bash_completion && __load_completion "$1" && complete -p "$1"' _ "$cmd" 2>&1)
    check "deb-bash-finds-$cmd" test "$out" = "complete -F _rtmpkit_${cmd//-/_} $cmd"
    out=$(XDG_DATA_DIRS=$ROOT/usr/share PATH=$ROOT/usr/bin:$PATH HOME=$T LD_LIBRARY_PATH=$libdir timeout 30 \
        fish -c "complete -C'$cmd --vers'" 2>&1 | cut -f1)
    check "deb-fish-finds-$cmd" test "$out" = "--version"
    out=$(timeout 30 zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit && compinit -u -D && print -r -- $_comps[$2]' \
        _ "$ROOT/usr/share/zsh/vendor-completions" "$cmd" 2>&1)
    check "deb-zsh-finds-$cmd" test "$out" = "_$cmd"
done
check_installed_library deb "$ROOT/usr"

it_finish
