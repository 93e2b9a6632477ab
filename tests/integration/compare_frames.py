#!/usr/bin/env python3
"""Compares the coded frames of a recording with the packets of the source it came from.

usage: compare_frames.py SRC_FRAMES REC_FRAMES KINDS [ABSENT]

SRC_FRAMES: the source's packets, one "kind size md5 dts pts" line each (ms; ffmpeg -c
copy -f framemd5; kind v for video, v1 for video track 1, a for audio, a1, a2... for the
other audio tracks); lines starting with "extra" are left out. REC_FRAMES: flvinfo.py
--frames of the recording. KINDS: the kinds to compare ("v a", "v v1 a", "a1"...): for
each, the same number of frames, the same bytes (md5), the same composition time
(pts - dts, within 1 ms) and dts shifted by one offset for the whole file (the publisher
starts its clock at its first packet; within 1 ms). ABSENT: kinds of which no frame may
be recorded. Prints why not (one line) and exits 1; exits 0 when all match.
"""
import sys


def kind_of(rec):
    """A flvinfo --frames line's kind: v or a, with the track id when it is not 0."""
    return rec[0] + (rec[1] if rec[1] != "0" else "")


def compare(src, rec, kinds, absent):
    bad, offset = [], None
    for kind in kinds:
        s = [(int(x[1]), x[2], int(x[3]), int(x[4])) for x in src if x[0] == kind]
        o = [(int(x[7]), x[8], int(x[5]), int(x[6])) for x in rec if kind_of(x) == kind and x[3] == "frame"]
        if len(s) != len(o):
            bad.append("%s: %d frames recorded, %d in the source" % (kind, len(o), len(s)))
        for i, (a, b) in enumerate(zip(s, o)):
            if a[:2] != b[:2]:
                bad.append("%s frame %d: %d bytes %s, source %d bytes %s" % (kind, i, b[0], b[1], a[0], a[1]))
                break
            if abs((a[3] - a[2]) - b[3]) > 1:
                bad.append("%s frame %d: cts %d, source %d" % (kind, i, b[3], a[3] - a[2]))
                break
            if offset is None:
                offset = b[2] - a[2]
            if abs(b[2] - a[2] - offset) > 1:
                bad.append("%s frame %d: dts %d, source %d + offset %d" % (kind, i, b[2], a[2], offset))
                break
    for kind in absent:
        n = sum(1 for x in rec if kind_of(x) == kind and x[3] == "frame")
        if n:
            bad.append("%s: %d frames recorded, wanted none" % (kind, n))
    return bad


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.strip().splitlines()[2])
    src = [l.split() for l in open(sys.argv[1]) if not l.startswith("extra")]
    rec = [l.split() for l in open(sys.argv[2])]
    bad = compare(src, rec, sys.argv[3].split(), sys.argv[4].split() if len(sys.argv) == 5 else [])
    if bad:
        print("; ".join(bad))
        sys.exit(1)


if __name__ == "__main__":
    main()
