#!/usr/bin/env python3
"""Glass to glass of each screenshot strip_reader.py took, from an FLV recording of the
same rtmp-push testsrc stream made from its start (rtmp-dump started before the
publisher): the recording's onFI data messages give the publisher's wall clock
(rtmpkit_utc_ms) at their timestamps, its first coded video frame is frame 0, and frame N
is 1000 * N / FPS ms after it.

  strip_latency.py RECORDING.flv STRIP.txt [FPS=30]

Prints one line per screenshot: "utc_ms frame glass_to_glass_ms", or "utc_ms - -" for
one that was not read. Exits 1 when the recording has no timecode or no video."""
import struct
import sys


def read_recording(path):
    """([(timestamp, utc_ms) of each onFI], timestamp of the first coded video frame)."""
    d = open(path, 'rb').read()
    onfi, first_video = [], None
    off = struct.unpack('>I', d[5:9])[0] + 4 if d[:3] == b'FLV' else len(d)
    while off + 11 <= len(d):
        size = int.from_bytes(d[off + 1:off + 4], 'big')
        ts = int.from_bytes(d[off + 4:off + 7], 'big') | d[off + 7] << 24
        body = d[off + 11:off + 11 + size]
        k = body.find(b'\x00\x0ertmpkit_utc_ms\x00')
        if d[off] == 18 and body.startswith(b'\x02\x00\x04onFI') and k >= 0 and len(body) >= k + 25:
            onfi.append((ts, struct.unpack('>d', body[k + 17:k + 25])[0]))
        # AVC video: byte 1 is the packet type, 1 = coded frames (0 is the sequence header).
        if d[off] == 9 and first_video is None and len(body) > 1 and body[1] == 1:
            first_video = ts
        off += 11 + size + 4
    return onfi, first_video


def main():
    onfi, first_video = read_recording(sys.argv[1])
    fps = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    if not onfi or first_video is None:
        print("no onFI timecode or no video in %s" % sys.argv[1], file=sys.stderr)
        return 1
    for line in open(sys.argv[2]):
        t, n = line.split()
        if n == '-':
            print(t, '-', '-')
            continue
        pts = first_video + round(int(n) * 1000 / fps)
        ts, utc = ([o for o in onfi if o[0] <= pts] or onfi[:1])[-1]
        print(t, n, int(t) - round(utc + pts - ts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
