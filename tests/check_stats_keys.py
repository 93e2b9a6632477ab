#!/usr/bin/env python3
"""Holds a command's --stats=json lines to its man page.
  check_stats_keys.py MANPAGE JSONLINES [--min N]
MANPAGE is a generated page (build/man/rtmp-push.1) with a STATS section whose items
(.TP then .B key or .BR "key1 , key2") name the keys. Every line of JSONLINES that starts
with "{" must parse with the json module and carry exactly the documented keys; at least
N such lines (default 2) must be there. Prints one line per problem, exits 1 on any."""
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


def main():
    args = sys.argv[1:]
    minimum = 2
    if "--min" in args:
        i = args.index("--min")
        minimum = int(args[i + 1])
        del args[i:i + 2]
    page, lines_file = args
    keys = documented_keys(page)
    problems = []
    if not keys:
        problems.append("%s: no keys in a STATS section" % page)
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
        missing = [k for k in keys if k not in obj]
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
