#!/usr/bin/env python3
"""Holds a command's --stats=json lines to its man page.
  check_stats_keys.py MANPAGE JSONLINES [--min N]
MANPAGE is a generated page (build/man/rtmp-push.1). Its keys are named either in a STATS
section, one item each (.TP then .B key or .BR "key1 , key2"): every JSON line must then
carry exactly those keys; or, as rtmp-play's page does, in bold in the text of its --stats
option (with stage names X giving X_ms and X_p95_ms): every key of a line must then be
named there, and the keys all commands share (SHARED) must be in every line. Every line of
JSONLINES that starts with "{" must parse with the json module; at least N such lines
(default 2) must be there. Prints one line per problem, exits 1 on any."""
import json
import re
import sys


def documented_keys(page):
    keys, in_stats, after_tp = [], False, False
    for line in open(page, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith(".SH"):
            in_stats = line.split(None, 1)[1:] == ["STATS"]
            continue
        if not in_stats:
            continue
        if line == ".TP":
            after_tp = True
            continue
        if after_tp and re.match(r"\.BR? ", line):
            words = line.split(None, 1)[1].replace('"', " ").split()
            keys += [w for w in words if re.fullmatch(r"[a-z_]+", w)]
        after_tp = False
    return keys


# The keys every command's stats lines have, with the same meaning.
SHARED = ("t_ms", "state", "bytes", "bitrate_kbps", "video_frames", "audio_frames", "dropped", "reconnects")


def option_keys(page):
    """Bold words in the text of the --stats option, up to the next option; a stage
    (an item inside .RS/.RE) also gives NAME_ms and NAME_p95_ms."""
    keys, inside, nested, after_tp = set(), False, False, False
    for line in open(page, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith(".BR \\-\\-stats"):
            inside = True
            continue
        if not inside:
            continue
        if line == ".RS":
            nested = True
        elif line == ".RE":
            nested = False
        elif line == ".TP":
            if not nested:
                break          # the next option
            after_tp = True
            continue
        if re.match(r"\.(B|BR|IB|BI|RB) ", line):
            words = line.split(None, 1)[1].replace('"', " ").split()
            found = [w for w in words if re.fullmatch(r"[a-z][a-z0-9_]*", w)]
            keys.update(found)
            if nested and after_tp and found:
                keys.update({found[0] + "_ms", found[0] + "_p95_ms"})
        after_tp = False
    return keys


def main():
    args = sys.argv[1:]
    minimum = 2
    if "--min" in args:
        i = args.index("--min")
        minimum = int(args[i + 1])
        del args[i:i + 2]
    page, lines_file = args
    keys = documented_keys(page)
    prose = not keys
    if prose:
        keys = sorted(option_keys(page))
    problems = []
    if not keys:
        problems.append("%s: no keys in a STATS section nor in --stats" % page)
    seen = 0
    for n, line in enumerate(open(lines_file, encoding="utf-8", errors="replace"), 1):
        # A stats line starts with "{" (the command's other log lines do not).
        start = line.find("{")
        if start < 0 or not line[start:].lstrip().startswith("{\""):
            continue
        try:
            obj = json.loads(line[start:])
        except ValueError as e:
            problems.append("line %d: not JSON (%s): %s" % (n, e, line.strip()[:120]))
            continue
        seen += 1
        missing = [k for k in (SHARED if prose else keys) if k not in obj]
        extra = [k for k in obj if k not in keys]
        if missing or extra:
            problems.append("line %d: missing %s, undocumented %s" % (n, missing, extra))
    if seen < minimum:
        problems.append("%s: %d JSON lines, wanted at least %d" % (lines_file, seen, minimum))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
