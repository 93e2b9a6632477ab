#!/usr/bin/env bash
# The progress line on a terminal (script(1) gives the commands one): rtmp-push sending a
# file of known length shows position / total, a bar, the percentage, the time left and
# the loop; rtmp-dump with --duration the same; without a terminal nothing is drawn.
. "$(dirname "$0")/lib.sh"
it_setup progress
need_servers

PUSH=$BUILD/cli/rtmp-push
DUMP=$BUILD/cli/rtmp-dump
SRC=$(gen_media progress3 3 320x240 25)

# on_tty LOG CMD...: CMD with a terminal as its stdout and stderr; what it drew in LOG.
on_tty() {
    local log=$1; shift
    timeout -k 2 60 script -qfec "$(printf '%q ' "$@")" /dev/null >"$log" 2>&1
}
# redraws LOG: the progress lines, one per redraw (a redraw starts with a carriage return).
redraws() { tr '\r' '\n' <"$1" | grep -a "$2"; }

name=$(uniq_name progress)
run_bg "$T/dump.log" "$DUMP" "$NGINX_URL/live/$name" -o "$T/rec.flv"
dump_pid=$BG_PID
sleep 0.5
on_tty "$T/push.tty" "$PUSH" --loop 2 "$SRC" "$NGINX_URL/live/$name"
push_rc=$?
stop_pid "$dump_pid" >/dev/null
redraws "$T/push.tty" '^sending ' >"$T/push.lines"
last=$(tail -n1 "$T/push.lines")
check push-exit-status test "$push_rc" = 0
check push-total-is-two-passes grep -q '^sending 00:00:0[0-9] / 00:00:0[56] \[' "$T/push.lines"
check push-bar-and-left grep -Eq '\[[#.]{20}\] +[0-9]+% [0-9:]{8} left' "$T/push.lines"
check push-first-loop grep -q 'reconnects 0  loop 1/2$' "$T/push.lines"
check push-second-loop grep -q 'loop 2/2$' "$T/push.lines"
check push-ends-full sh -c "echo '$last' | grep -Eq '\[#{20}\] 100% 00:00:00 left'"
check push-percent-grows python3 -c "
import re,sys
p=[int(m.group(1)) for m in (re.search(r'\] +(\d+)%', l) for l in open('$T/push.lines')) if m]
sys.exit(0 if len(p) >= 4 and p == sorted(p) else 'percentages %s' % p)"

# rtmp-dump --duration 2: the total is the duration asked for.
name=$(uniq_name progressdump)
publish_ffmpeg --loop "$SRC" "$NGINX_URL/live/$name"
wait_published 10
on_tty "$T/dump.tty" "$DUMP" --duration 2 "$NGINX_URL/live/$name" -o "$T/dump2.flv"
dump_rc=$?
stop_pid "$PUBLISH_PID" >/dev/null
redraws "$T/dump.tty" '^recorded ' >"$T/dump.lines"
check dump-exit-status test "$dump_rc" = 0
check dump-total-is-duration grep -Eq '^recorded 00:00:0[0-2] / 00:00:02 \[[#.]{20}\] +[0-9]+% ' "$T/dump.lines"
check dump-ends-full sh -c "tail -n1 '$T/dump.lines' | grep -q '100%'"

# No terminal: no progress at all.
timeout 30 "$PUSH" "$SRC" "$NGINX_URL/live/$(uniq_name progressnotty)" >"$T/notty.out" 2>"$T/notty.err"
check no-tty-no-progress sh -c "! grep -aq '^sending \|left' '$T/notty.err'"

it_finish
