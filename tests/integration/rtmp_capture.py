#!/usr/bin/env python3
"""Reads what a publisher sent through stall_proxy.py --record DIR (DIR/conn-N.bin: the
client's bytes of each connection, handshake included) and checks a resume after a cut:

    rtmp_capture.py DIR

For every connection that published after the first: @setDataFrame and the video and
audio sequence headers before any frame, and a keyframe as the first video frame. Across
the connections, in order: audio and video timestamps never go back, and no frame is
sent twice. Prints one "key=value" line of figures (connections that published, frames
per type, the video gap at each resume in ms, the frames in each connection), then the
problems, one per line; exits 1 when there is one."""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "servers"))
from scripted_server import MessageReader  # noqa: E402

HANDSHAKE = 1 + 1536 + 1536   # C0 C1 C2


def amf_first_string(payload):
    if len(payload) >= 3 and payload[0] == 2:
        n = int.from_bytes(payload[1:3], "big")
        return payload[3:3 + n].decode("latin-1")
    return ""


def messages(path):
    data = open(path, "rb").read()
    if len(data) <= HANDSHAKE:
        return []
    return MessageReader().feed(data[HANDSHAKE:])


def classify(msg):
    mtype, _sid, ts, payload = msg
    if mtype in (17, 20):
        return ("command", amf_first_string(payload[1:] if mtype == 17 else payload), ts, payload)
    if mtype == 18:
        return ("data", amf_first_string(payload), ts, payload)
    if mtype == 9 and len(payload) >= 2:
        if payload[0] & 0x0F == 7 and payload[1] == 0:
            return ("vconfig", "", ts, payload)
        return ("video", "key" if payload[0] >> 4 == 1 else "", ts, payload)
    if mtype == 8 and len(payload) >= 2:
        if payload[0] >> 4 == 10 and payload[1] == 0:
            return ("aconfig", "", ts, payload)
        return ("audio", "", ts, payload)
    return ("other", "", ts, payload)


def main():
    files = sorted(glob.glob(os.path.join(sys.argv[1], "conn-*.bin")),
                   key=lambda p: int(re.search(r"conn-(\d+)", p).group(1)))
    conns = []
    for path in files:
        tags = [classify(m) for m in messages(path)]
        if any(t[0] == "command" and t[1] == "publish" for t in tags):
            conns.append(tags)
    problems = []
    last = {"video": -1, "audio": -1}
    seen = set()
    gaps, per_conn = [], []
    totals = {"video": 0, "audio": 0}
    for i, tags in enumerate(conns):
        frames = [t for t in tags if t[0] in ("video", "audio")]
        per_conn.append(sum(1 for t in frames if t[0] == "video"))
        if i > 0:
            first_frame = next((k for k, t in enumerate(tags) if t[0] in ("video", "audio")), len(tags))
            first_video = next((k for k, t in enumerate(tags) if t[0] == "video"), None)
            head = tags[:first_frame]
            for what, ok in (("@setDataFrame", any(t[0] == "data" and t[1] == "@setDataFrame" for t in head)),
                             ("video sequence header", any(t[0] == "vconfig" for t in head)),
                             ("audio sequence header", any(t[0] == "aconfig" for t in head))):
                if not ok:
                    problems.append("connection %d: no %s before the first frame" % (i + 1, what))
            if first_video is None:
                problems.append("connection %d: no video" % (i + 1))
            else:
                if tags[first_video][1] != "key":
                    problems.append("connection %d: first video frame is no keyframe" % (i + 1))
                if last["video"] >= 0:
                    gaps.append(tags[first_video][2] - last["video"])
        for kind, _, ts, payload in frames:
            if ts < last[kind]:
                problems.append("connection %d: %s goes back %d -> %d ms" % (i + 1, kind, last[kind], ts))
            key = (kind, ts, bytes(payload))
            if key in seen:
                problems.append("connection %d: %s frame at %d ms sent twice" % (i + 1, kind, ts))
            seen.add(key)
            last[kind] = ts
            totals[kind] += 1
    if len(conns) < 2:
        problems.append("%d connection(s) published; wanted a resume" % len(conns))
    print("published=%d video=%d audio=%d gaps_ms=%s video_per_connection=%s last_video_ms=%d" % (
        len(conns), totals["video"], totals["audio"], ",".join(map(str, gaps)) or "-",
        ",".join(map(str, per_conn)) or "-", last["video"]))
    for p in problems[:10]:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
