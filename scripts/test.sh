#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: unit tests, the fuzz corpus replay,
# the integration tests against real servers started here on 127.0.0.1, and then
# scripts/sanitize.sh (a clang ASan+UBSan build: unit tests, fuzz replay, 30 s of each
# libFuzzer target, the dump, push, play and ReconnectRequest integration tests).
# Ends with "N passed, N failed"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export RTMPKIT_BUILD=${RTMPKIT_BUILD:-$root/build}

if ! bash scripts/setup.sh; then
  echo "setup failed"; echo "0 passed, 1 failed"; exit 1
fi
if ! bash scripts/build.sh; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

passed=0
failed=0
times=""

# Unit tests and fuzz replay, through meson (each test program counts once).
rm -f "$RTMPKIT_BUILD/meson-logs/testlog.json"
meson test -C "$RTMPKIT_BUILD" --suite unit --suite fuzz --print-errorlogs --no-rebuild >/tmp/rtmpkit-meson-test.log 2>&1
meson_rc=$?
counts=$(python3 - "$RTMPKIT_BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
try:
    lines = open(sys.argv[1]).readlines()
except OSError as e:
    lines = []
    print("FAIL meson test left no results (%s)" % e, file=sys.stderr)
for line in lines:
    r = json.loads(line)
    if r.get("result") == "OK":
        ok += 1
    else:
        bad += 1
        print("FAIL %s (%s)" % (r.get("name"), r.get("result")), file=sys.stderr)
print(ok, bad)
PY
)
read -r ok bad <<<"$counts"
# No results, or meson failing with every test OK, is a failure too.
if [ "${ok:-0}" -eq 0 ] || { [ "$meson_rc" -ne 0 ] && [ "${bad:-0}" -eq 0 ]; }; then
  echo "FAIL unit: meson test exited $meson_rc with ${ok:-0} tests passed"
  bad=$(( ${bad:-0} + 1 ))
fi
echo "unit and fuzz replay: $ok passed, $bad failed"
[ "$bad" -gt 0 ] && grep -E 'check failed|is .*expected|FAIL|ERROR' /tmp/rtmpkit-meson-test.log | head -40
passed=$((passed + ok)); failed=$((failed + bad))

# Integration tests: real servers for the whole run, each script prints PASS/FAIL lines.
work=$(mktemp -d /tmp/rtmpkit-test.XXXXXX)
if bash scripts/servers.sh start "$work/servers"; then
  export RTMPKIT_SERVERS_DIR="$work/servers"   # the tests find DIR/tls, DIR/vod... there
  for t in tests/integration/test_*.sh; do
    [ -f "$t" ] || continue
    out="$work/$(basename "$t" .sh).log"
    t0=$(date +%s)
    timeout 900 bash "$t" >"$out" 2>&1
    rc=$?
    times="$times $(basename "$t" .sh)=$(( $(date +%s) - t0 ))s"
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
      echo "FAIL $(basename "$t"): exited $rc without naming a failure" >>"$out"; f=1
    fi
    grep -E '^(PASS|FAIL) ' "$out"
    [ "$f" -gt 0 ] && { echo "--- $(basename "$t") log tail:"; tail -25 "$out"; }
    passed=$((passed + p)); failed=$((failed + f))
  done
  bash scripts/servers.sh stop "$work/servers"
else
  echo "FAIL could not start the test servers"
  failed=$((failed + 1))
fi
# Sanitizers and fuzzing: each PASS/FAIL line of scripts/sanitize.sh counts.
bash scripts/sanitize.sh >"$work/sanitize.log" 2>&1
san_rc=$?
grep -E '^(PASS|FAIL) |^sanitize: ' "$work/sanitize.log"
p=$(grep -c '^PASS ' "$work/sanitize.log"); f=$(grep -c '^FAIL ' "$work/sanitize.log")
if [ "$san_rc" -ne 0 ] && [ "$f" -eq 0 ]; then
  echo "FAIL sanitize.sh: exited $san_rc without naming a failure"; f=1
fi
[ "$f" -gt 0 ] && { echo "--- sanitize.sh log tail:"; tail -40 "$work/sanitize.log"; }
passed=$((passed + p)); failed=$((failed + f))

[ "$failed" -eq 0 ] && rm -rf "$work"

echo "integration times:$times"   # where CI's minutes go
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
