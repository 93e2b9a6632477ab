#!/usr/bin/env python3
"""Checks a publisher's move (Enhanced RTMP ReconnectRequest, make before break):

    move_check.py OLD.bin NEW.flv SOURCE.flv

OLD.bin: what the publisher sent the old server (scripted_server.py --record, handshake
included); NEW.flv: a recording of the stream at the new server (or NEW.bin: what the
publisher sent it, recorded as OLD.bin); SOURCE.flv: what was
published. For audio and video each: the frames of the old connection followed by those
of the new one are exactly the source's frames (same bytes, same order: none lost, none
twice); the new server's stream starts with a keyframe, and its timestamps step like the
source's. Prints one key=value line of counts, then the problems; exits 1 on any.

    move_check.py --recording REC.flv SOURCE.flv

A player's move (rtmp-dump): REC.flv's audio and video frames are exactly the source's
(same bytes, same order: none lost across the move, none twice), and its timestamps
step like the source's."""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
sys.path.insert(0, HERE)
from flvinfo import legacy_track, tags  # noqa: E402
from scripted_server import MessageReader  # noqa: E402

HANDSHAKE = 1 + 1536 + 1536


def frames(items):
    """{'v': [(ts, key, md5)], 'a': [...]} of the coded frames of (type, ts, body) items."""
    out = {"v": [], "a": []}
    for ttype, ts, body in items:
        if ttype not in (8, 9) or len(body) < 2:
            continue
        _, _, packet, key, _, _ = legacy_track(ttype, body)
        if packet == "frame":
            out["v" if ttype == 9 else "a"].append((ts, key, hashlib.md5(body).hexdigest()))
    return out


def sent(path):
    """(type, ts, body) of the messages a client sent, as scripted_server.py --record keeps them."""
    data = open(path, "rb").read()[HANDSHAKE:]
    return [(t, ts, p) for t, _, ts, p in MessageReader().feed(data)]


def check_recording(rec_path, src_path):
    rec = frames(tags(open(rec_path, "rb").read()))
    src = frames(tags(open(src_path, "rb").read()))
    problems = []
    for kind in ("v", "a"):
        got, want = [f[2] for f in rec[kind]], [f[2] for f in src[kind]]
        if got != want:
            lost = [i for i, h in enumerate(want) if h not in set(got)]
            problems.append("%s: %d frames recorded, the source has %d (%d twice, %d lost%s)" % (
                kind, len(got), len(want), len(got) - len(set(got)), len(lost),
                ", the first lost at %d ms" % src[kind][lost[0]][0] if lost else ""))
            continue
        for i, f in enumerate(rec[kind]):
            if f[0] - rec[kind][0][0] != src[kind][i][0] - src[kind][0][0]:
                problems.append("%s: frame %d at %d ms, the source's step says %d" % (
                    kind, i, f[0] - rec[kind][0][0], src[kind][i][0] - src[kind][0][0]))
                break
    print("recorded_video=%d recorded_audio=%d source_video=%d source_audio=%d" % (
        len(rec["v"]), len(rec["a"]), len(src["v"]), len(src["a"])))
    for p in problems[:10]:
        print(p)
    return 1 if problems else 0


def main():
    if sys.argv[1] == "--recording":
        return check_recording(sys.argv[2], sys.argv[3])
    old = frames(sent(sys.argv[1]))
    new = frames(sent(sys.argv[2]) if sys.argv[2].endswith(".bin") else tags(open(sys.argv[2], "rb").read()))
    src = frames(tags(open(sys.argv[3], "rb").read()))
    problems = []
    for kind in ("v", "a"):
        joined = [f[2] for f in old[kind]] + [f[2] for f in new[kind]]
        want = [f[2] for f in src[kind]]
        if joined != want:
            dup = len(joined) - len(set(joined))
            problems.append("%s: old %d + new %d frames != source %d (%d twice)" % (
                kind, len(old[kind]), len(new[kind]), len(want), dup))
            continue
        base = len(old[kind])
        for i, f in enumerate(new[kind]):
            s = src[kind][base + i]
            if f[0] - new[kind][0][0] != s[0] - src[kind][base][0]:
                problems.append("%s: frame %d of the new server at %d ms, the source's step says %d" % (
                    kind, i, f[0] - new[kind][0][0], s[0] - src[kind][base][0]))
                break
    if new["v"] and not new["v"][0][1]:
        problems.append("the new server's first video frame is no keyframe")
    if not old["v"] or not new["v"]:
        problems.append("no move: old %d, new %d video frames" % (len(old["v"]), len(new["v"])))
    print("old_video=%d old_audio=%d new_video=%d new_audio=%d source_video=%d source_audio=%d" % (
        len(old["v"]), len(old["a"]), len(new["v"]), len(new["a"]), len(src["v"]), len(src["a"])))
    for p in problems[:10]:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
