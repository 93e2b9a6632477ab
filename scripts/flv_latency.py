#!/usr/bin/env python3
"""Reads an FLV stream on stdin as it arrives (rtmp-dump -o - of a live stream) and
prints how late each video frame arrived compared with when it was due:
  late = arrival_wall_time - (publisher_start + dts)
where publisher_start is the wall time (seconds) at which the publisher began capturing
(frame 0), read from the file argv[1] when the first frame arrives. Prints: frames, median and 95th percentile lateness in ms."""
import struct
import sys
import time


def main():
    start = None
    skip = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0   # seconds of warm-up ignored
    data = sys.stdin.buffer
    head = data.read(13)
    if len(head) < 13 or head[:3] != b"FLV":
        print("frames=0 median_ms=nan p95_ms=nan")
        return 1
    late = []
    while True:
        h = data.read(11)
        if len(h) < 11:
            break
        now = time.time()
        size = struct.unpack(">I", b"\0" + h[1:4])[0]
        ts = struct.unpack(">I", b"\0" + h[4:7])[0] | h[7] << 24
        body = data.read(size + 4)
        if len(body) < size + 4:
            break
        if start is None:
            start = float(open(sys.argv[1]).read())
        if h[0] == 9 and size > 2 and body[1] == 1 and ts / 1000.0 >= skip:
            late.append((now - (start + ts / 1000.0)) * 1000.0)
    late.sort()
    if not late:
        print("frames=0 median_ms=nan p95_ms=nan")
        return 1
    print("frames=%d median_ms=%.0f p95_ms=%.0f" % (len(late), late[len(late) // 2], late[int(len(late) * 0.95)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
