#!/usr/bin/env python3
"""Writes the Enhanced RTMP multitrack FLV of tests/integration/test_tracks.sh: what a real
server cannot be made to send, built here tag by tag (not with rtmpkit's writer), from
streams ffmpeg encodes:

  video  track 0  H.264 (160x120, 25 fps, no B-frames) as enhanced avc1 tags; three frames
         in four carry a ModEx TimestampOffsetNano (250, 500, 750 us), every fourth none
         track 1  H.264 (128x96, 10 fps, another picture) as Multitrack OneTrack avc1 tags
  audio  track 0  AAC 440 Hz   track 1  AAC 880 Hz   track 2  Opus 660 Hz
         track 3  FourCC "xyz1", a codec nobody knows (a few junk bytes a frame)
         The configuration: one ManyTracksManyCodecs SequenceStart (tracks 0, 1, 3) and a
         OneTrack Opus SequenceStart (track 2). AAC frames: the first third ManyTracks
         (tracks 0, 1), the second third ManyTracksManyCodecs (0, 1, 3), the last third
         legacy AAC tags (track 0 alone). Opus frames: OneTrack tags behind a ModEx block.
         The end: a video SequenceEnd and an audio (mp4a) SequenceEnd.
  onMetaData with an audioTrackIdInfoMap of tracks 1, 2, 3 and a videoTrackIdInfoMap of
  track 1.

    make_tracks_flv.py SECONDS OUT.flv OUT.json

OUT.json: the frames per audio track, the video frames (track 0; video_frames_1: track
1), the tone of each track, the presentation time (us, with its nano offset) of the last
video frame (last_video_pts_us: track 0; last_video1_pts_us: track 1) and track 1's size."""
import json
import os
import struct
import subprocess
import sys
import tempfile

TONES = {0: 440, 1: 880, 2: 660}
VIDEO1 = (128, 96, 10)   # video track 1: width, height, fps
AAC_SAMPLES, RATE = 1024, 48000
OPUS_MS = 20


def ffmpeg(args, out):
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + args
                   + ["-fflags", "+bitexact", "-map_metadata", "-1", out], check=True, timeout=120)


def flv_tags(path):
    data = open(path, "rb").read()
    pos = struct.unpack(">I", data[5:9])[0] + 4
    while pos + 11 <= len(data):
        ttype = data[pos] & 0x1F
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        ts = int.from_bytes(data[pos + 4:pos + 7], "big") | data[pos + 7] << 24
        yield ttype, ts, data[pos + 11:pos + 11 + size]
        pos += 11 + size + 4


def ogg_packets(path):
    """The packets of a one-stream Ogg file (segments joined across pages)."""
    data, pos, packet = open(path, "rb").read(), 0, b""
    while pos + 27 <= len(data):
        assert data[pos:pos + 4] == b"OggS"
        nseg = data[pos + 26]
        lacing = data[pos + 27:pos + 27 + nseg]
        pos += 27 + nseg
        for n in lacing:
            packet += data[pos:pos + n]
            pos += n
            if n < 255:
                yield packet
                packet = b""


def u24(v):
    return (v & 0xFFFFFF).to_bytes(3, "big")


def fourcc(s):
    return s.encode("latin-1")


def fourcc_number(s):
    return float(int.from_bytes(fourcc(s), "big"))


# ---- tag bodies (Enhanced RTMP v2) ----

def video_tag(frame_type, packet, payload, cts=None, nano=0):
    head = b""
    if nano:
        head = bytes([0x80 | frame_type << 4 | 7, 2]) + u24(nano)   # ModEx, 3 bytes of data
        head += bytes([0 << 4 | packet])                             # TimestampOffsetNano, then the packet
    else:
        head = bytes([0x80 | frame_type << 4 | packet])
    return head + fourcc("avc1") + (u24(cts) if cts is not None else b"") + payload


def video_one_track(frame_type, packet, tid, payload, cts=None):
    """A Multitrack OneTrack avc1 tag of track tid."""
    return (bytes([0x80 | frame_type << 4 | 6, 0 << 4 | packet]) + fourcc("avc1") + bytes([tid])
            + (u24(cts) if cts is not None else b"") + payload)


def audio_many(packet, shared, tracks):
    """ManyTracks (shared FourCC) or, shared None, ManyTracksManyCodecs: [(fourcc, id, data)]."""
    out = bytes([0x95, (1 if shared else 2) << 4 | packet]) + (fourcc(shared) if shared else b"")
    for fc, tid, data in tracks:
        out += (b"" if shared else fourcc(fc)) + bytes([tid]) + u24(len(data)) + data
    return out


def audio_one_track(packet, fc, tid, data, nano=0):
    head = bytes([0x97, 2]) + u24(nano) + bytes([0 << 4 | 5]) if nano else bytes([0x95])
    return head + bytes([0 << 4 | packet]) + fourcc(fc) + bytes([tid]) + data


# ---- AMF0 ----

def amf_str(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_obj(pairs, ecma=False):
    out = (b"\x08" + struct.pack(">I", len(pairs))) if ecma else b"\x03"
    for k, v in pairs:
        out += struct.pack(">H", len(k)) + k.encode() + v
    return out + b"\x00\x00\x09"


def amf_num(v):
    return b"\x00" + struct.pack(">d", v)


def write_flv(path, tags):
    out = bytearray(b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00")
    for ttype, ts, body in tags:
        out += bytes([ttype]) + u24(len(body)) + u24(ts) + bytes([ts >> 24 & 0xFF]) + b"\0\0\0" + body
        out += struct.pack(">I", 11 + len(body))
    with open(path + ".tmp", "wb") as f:
        f.write(out)
    os.replace(path + ".tmp", path)


def main():
    secs, out_flv, out_json = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    tmp = tempfile.mkdtemp(prefix="tracks-")
    ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", str(secs), "-c:v", "libx264",
            "-threads", "1", "-pix_fmt", "yuv420p", "-bf", "0", "-g", "25", "-flags:v", "+bitexact",
            "-f", "flv"], tmp + "/v.flv")
    ffmpeg(["-f", "lavfi", "-i", "testsrc=size=%dx%d:rate=%d" % VIDEO1, "-t", str(secs), "-c:v", "libx264",
            "-threads", "1", "-pix_fmt", "yuv420p", "-bf", "0", "-g", str(VIDEO1[2]), "-flags:v", "+bitexact",
            "-f", "flv"], tmp + "/v1.flv")
    for t in (0, 1):
        ffmpeg(["-f", "lavfi", "-i", "sine=frequency=%d:sample_rate=%d" % (TONES[t], RATE), "-t", str(secs),
                "-c:a", "aac", "-ac", "1", "-b:a", "64k", "-flags:a", "+bitexact", "-f", "flv"], tmp + "/a%d.flv" % t)
    ffmpeg(["-f", "lavfi", "-i", "sine=frequency=%d:sample_rate=%d" % (TONES[2], RATE), "-t", str(secs),
            "-c:a", "libopus", "-ac", "1", "-b:a", "48k", "-f", "ogg"], tmp + "/a2.ogg")

    tags = []   # (ts, order, type, body): sorted by time, configuration first
    counts = {0: 0, 1: 0, 2: 0, 3: 0}
    video_frames, last_pts_us = 0, 0
    for ttype, ts, body in flv_tags(tmp + "/v.flv"):
        if ttype != 9:
            continue
        ft, packet, cts, payload = body[0] >> 4, body[1], int.from_bytes(body[2:5], "big"), body[5:]
        if packet == 0:
            tags.append((ts, 0, 9, video_tag(1, 0, payload)))
        elif packet == 1:
            nano = (video_frames % 4) * 250000
            tags.append((ts, 2, 9, video_tag(ft, 1, payload, cts, nano)))
            last_pts_us = (ts + cts) * 1000 + nano // 1000
            video_frames += 1
    video1_frames, last1_pts_us = 0, 0
    for ttype, ts, body in flv_tags(tmp + "/v1.flv"):
        if ttype != 9:
            continue
        ft, packet, cts, payload = body[0] >> 4, body[1], int.from_bytes(body[2:5], "big"), body[5:]
        if packet == 0:
            tags.append((ts, 0, 9, video_one_track(1, 0, 1, payload)))
        elif packet == 1:
            tags.append((ts, 2, 9, video_one_track(ft, 1, 1, payload, cts)))
            last1_pts_us = (ts + cts) * 1000
            video1_frames += 1
    aac = []
    for t in (0, 1):
        frames = [(ts, body[1], body[2:]) for ttype, ts, body in flv_tags(tmp + "/a%d.flv" % t) if ttype == 8]
        aac.append(frames)
    asc = [frames[0][2] for frames in aac]
    legacy_byte = [body[0] for ttype, ts, body in flv_tags(tmp + "/a0.flv") if ttype == 8][0]
    tags.append((0, 1, 8, audio_many(0, None, [("mp4a", 0, asc[0]), ("mp4a", 1, asc[1]), ("xyz1", 3, b"\x01\x02")])))
    f0, f1 = [f for f in aac[0] if f[1] == 1], [f for f in aac[1] if f[1] == 1]
    n = min(len(f0), len(f1))
    for i in range(n):
        ts = f0[i][0]
        if i < n // 3:
            body = audio_many(1, "mp4a", [("mp4a", 0, f0[i][2]), ("mp4a", 1, f1[i][2])])
            counts[1] += 1
        elif i < 2 * n // 3:
            body = audio_many(1, None, [("mp4a", 0, f0[i][2]), ("mp4a", 1, f1[i][2]), ("xyz1", 3, b"junk%d" % i)])
            counts[1] += 1
            counts[3] += 1
        else:
            body = bytes([legacy_byte, 1]) + f0[i][2]
        counts[0] += 1
        tags.append((ts, 2, 8, body))
    opus = list(ogg_packets(tmp + "/a2.ogg"))
    tags.append((0, 1, 8, audio_one_track(0, "Opus", 2, opus[0])))   # OpusHead
    for i, packet in enumerate(opus[2:]):                              # after OpusTags
        tags.append((i * OPUS_MS, 2, 8, audio_one_track(1, "Opus", 2, packet, nano=100000)))
        counts[2] += 1
    end = max(t[0] for t in tags)
    tags.append((end, 3, 9, bytes([0x80 | 1 << 4 | 2]) + fourcc("avc1")))
    tags.append((end, 3, 8, bytes([0x92]) + fourcc("mp4a")))
    meta = amf_str("onMetaData") + amf_obj([
        ("duration", amf_num(secs)), ("width", amf_num(160)), ("height", amf_num(120)),
        ("framerate", amf_num(25)), ("videocodecid", amf_num(fourcc_number("avc1"))),
        ("audiocodecid", amf_num(10)),
        ("audioTrackIdInfoMap", amf_obj([
            ("1", amf_obj([("audiocodecid", amf_num(fourcc_number("mp4a")))])),
            ("2", amf_obj([("audiocodecid", amf_num(fourcc_number("Opus")))])),
            ("3", amf_obj([("audiocodecid", amf_num(fourcc_number("xyz1")))]))])),
        ("videoTrackIdInfoMap", amf_obj([
            ("1", amf_obj([("videocodecid", amf_num(fourcc_number("avc1"))), ("width", amf_num(VIDEO1[0])),
                           ("height", amf_num(VIDEO1[1])), ("framerate", amf_num(VIDEO1[2]))]))])),
        ("title", amf_str("tracks test"))], ecma=True)
    tags.sort(key=lambda t: (t[0], t[1]))
    write_flv(out_flv, [(18, 0, meta)] + [(ttype, ts, body) for ts, _, ttype, body in tags])
    with open(out_json, "w") as f:
        json.dump({"audio_frames": {str(k): v for k, v in counts.items()}, "video_frames": video_frames,
                   "last_video_pts_us": last_pts_us, "video_frames_1": video1_frames,
                   "last_video1_pts_us": last1_pts_us, "video1_size": "%dx%d" % VIDEO1[:2], "tones": {str(k): v for k, v in TONES.items()}}, f)
    subprocess.run(["rm", "-rf", tmp], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
