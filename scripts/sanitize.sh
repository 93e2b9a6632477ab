#!/usr/bin/env bash
# The sanitizer and fuzzing phases of the test run (scripts/test.sh calls this; it also
# runs alone): a clang build with ASan+UBSan and the libFuzzer targets in build-asan/
# (or $RTMPKIT_ASAN_BUILD), then
#   unit     the unit tests and the fuzz corpus replay under ASan+UBSan
#   fuzz     each libFuzzer target for $RTMPKIT_FUZZ_SECONDS (30) seconds from the corpus in
#            tests/fuzz/corpus (copied: new inputs stay out of the tree), with a dictionary
#            where there is one (tests/fuzz/TARGET.dict), two targets at a time
#   integ    the dump, push, play and ReconnectRequest integration tests against real
#            servers, with the commands from the ASan build
# Any sanitizer report fails its check: UBSan does not recover (-fno-sanitize-recover),
# ASan and UBSan halt on the first error, and in the integration tests every report the
# commands write (log_path) is a failure of that test file even if the test passed.
# LeakSanitizer suppressions (tests/lsan.supp) name third-party libraries only. rtmp-play
# runs its integration test without leak checks: Mesa's swrast_dri.so, which SDL loads
# and unloads again before exit, leaves blocks LeakSanitizer can no longer name a library
# for (so no suppression can match them); the player's code is leak-checked in the unit
# tests (decode) instead. Its address and undefined-behaviour checks stay on.
# RTMPKIT_ASAN_INTEG_TESTS picks the integration test files (default "dump push play reconnect_request").
#
# Prints PASS/FAIL lines, the time of each phase, and "sanitize summary: N checks passed,
# N failed"; exits non-zero when anything failed.
#   scripts/sanitize.sh [build] [unit] [fuzz] [integ]   (default: all, in this order)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
asan=${RTMPKIT_ASAN_BUILD:-$root/build-asan}
fuzz_seconds=${RTMPKIT_FUZZ_SECONDS:-30}
phases=${*:-build unit fuzz integ}
passed=0
failed=0
work=$(mktemp -d /tmp/rtmpkit-sanitize.XXXXXX)

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0

ok() { echo "PASS $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
took() { echo "sanitize: $1 took $(( $(date +%s) - $2 )) s"; }

phase_build() {
    local t0
    t0=$(date +%s)
    if [ ! -f "$asan/build.ninja" ]; then
        CC=clang meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true \
            -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all \
            >"$work/asan-setup.log" 2>&1 || { tail -20 "$work/asan-setup.log"; return 1; }
    fi
    ninja -C "$asan" >"$work/asan-build.log" 2>&1 || { tail -30 "$work/asan-build.log"; return 1; }
    took "build (clang ASan+UBSan, libFuzzer)" "$t0"
}

phase_unit() {
    local t0 rc
    t0=$(date +%s)
    rm -f "$asan/meson-logs/testlog.json"
    meson test -C "$asan" --suite unit --suite fuzz --print-errorlogs --no-rebuild >"$work/asan-unit.log" 2>&1
    rc=$?
    # One line per test program; no results, or meson failing with all OK, is a failure.
    while read -r result name; do
        if [ "$result" = OK ]; then ok "asan/$name"; else bad "asan/$name" "$result"; fi
    done < <(python3 - "$asan/meson-logs/testlog.json" <<'PY'
import json, sys
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)
        print(r.get("result"), r.get("name"))
except OSError:
    pass
PY
)
    if [ ! -s "$asan/meson-logs/testlog.json" ] || { [ "$rc" -ne 0 ] && ! grep -q '"result": "FAIL"\|"result": "ERROR"\|"result": "TIMEOUT"' "$asan/meson-logs/testlog.json"; }; then
        bad asan/unit "meson test exited $rc"
    fi
    grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error|check failed' "$work/asan-unit.log" | head -20
    took "unit tests and fuzz replay under ASan+UBSan" "$t0"
}

# fuzz_one TARGET: runs it for fuzz_seconds; PASS, or FAIL with the crashing input kept.
fuzz_one() {
    local t=$1 w=$work/fuzz-$1 dict=() rc
    mkdir -p "$w/corpus" "$w/artifacts"
    cp tests/fuzz/corpus/"$t"/* "$w/corpus/" 2>/dev/null
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    timeout -k 10 $((fuzz_seconds + 120)) "$asan/tests/fuzz_$t" "${dict[@]}" -max_total_time="$fuzz_seconds" \
        -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 -artifact_prefix="$w/artifacts/" "$w/corpus" \
        >"$w/log" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "PASS fuzz/$t ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$w/log" | grep -o '[0-9]*$') runs)"
    else
        echo "FAIL fuzz/$t: exit $rc, input kept in $w/artifacts: $(ls "$w/artifacts" | head -3 | tr '\n' ' ')"
        grep -E 'ERROR: |runtime error|SUMMARY' "$w/log" | head -5
    fi
}

phase_fuzz() {
    local t0 targets=() t
    t0=$(date +%s)
    for t in "$asan"/tests/fuzz_*; do
        [ -x "$t" ] && [ -f "$t" ] && targets+=("${t##*/fuzz_}")
    done
    if [ ${#targets[@]} -eq 0 ]; then
        bad fuzz "no libFuzzer target in $asan/tests"
        return
    fi
    # Two at a time (two cores); each target's lines come out whole.
    export -f fuzz_one
    export asan work fuzz_seconds
    printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'fuzz_one {} >"$work/fuzz-{}.result"; cat "$work/fuzz-{}.result"' \
        >"$work/fuzz.results"
    cat "$work/fuzz.results"
    passed=$((passed + $(grep -c '^PASS ' "$work/fuzz.results")))
    failed=$((failed + $(grep -c '^FAIL ' "$work/fuzz.results")))
    [ "$(grep -c '^\(PASS\|FAIL\) ' "$work/fuzz.results")" -eq ${#targets[@]} ] \
        || bad fuzz "fewer results than the ${#targets[@]} targets"
    took "fuzzing ${#targets[@]} targets, ${fuzz_seconds} s each" "$t0"
}

phase_integ() {
    local t0 t out rc p f reports
    t0=$(date +%s)
    if ! bash scripts/servers.sh start "$work/servers" >"$work/servers.log" 2>&1; then
        cat "$work/servers.log"
        bad asan/servers "could not start the test servers"
        return
    fi
    for t in ${RTMPKIT_ASAN_INTEG_TESTS:-dump push play reconnect_request}; do
        out=$work/integ-$t.log
        leaks=1
        [ "$t" = play ] && leaks=0
        mkdir -p "$work/reports-$t"
        ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=$leaks:log_path=$work/reports-$t/asan \
        UBSAN_OPTIONS=$UBSAN_OPTIONS:log_path=$work/reports-$t/ubsan \
        RTMPKIT_SERVERS_DIR=$work/servers RTMPKIT_BUILD=$asan \
            timeout 900 bash "tests/integration/test_$t.sh" >"$out" 2>&1
        rc=$?
        p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out")
        sed -n 's/^\(PASS\|FAIL\) /\1 asan\//p' "$out"
        passed=$((passed + p)); failed=$((failed + f))
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            bad "asan/test_$t.sh" "exited $rc without naming a failure"
        fi
        reports=$(ls "$work/reports-$t" 2>/dev/null)
        if [ -n "$reports" ]; then
            bad "asan/test_$t.sh-sanitizers" "$(echo "$reports" | wc -l) report(s) in $work/reports-$t"
            for r in "$work/reports-$t"/*; do head -30 "$r"; done | head -60
        else
            ok "asan/test_$t.sh-sanitizers"
        fi
        [ "$f" -gt 0 ] && { echo "--- test_$t.sh (ASan) log tail:"; tail -25 "$out"; }
    done
    bash scripts/servers.sh stop "$work/servers"
    took "dump, push, play and reconnect_request integration tests under ASan+UBSan" "$t0"
}

for ph in $phases; do
    case $ph in
        build)
            if ! phase_build; then
                bad asan/build "the ASan+UBSan build failed"
                echo "sanitize summary: $passed checks passed, $failed failed"
                exit 1
            fi ;;
        unit) phase_unit ;;
        fuzz) phase_fuzz ;;
        integ) phase_integ ;;
        *) echo "sanitize.sh: unknown phase '$ph' (build unit fuzz integ)" >&2; exit 2 ;;
    esac
done
[ "$failed" -eq 0 ] && rm -rf "$work"
echo "sanitize summary: $passed checks passed, $failed failed"
[ "$failed" -eq 0 ]
