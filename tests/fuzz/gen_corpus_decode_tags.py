#!/usr/bin/env python3
"""Writes seed inputs for the decode_tags fuzz target (tests/fuzz/corpus/decode_tags).
An input is one selector byte (bit 0: 0 video, 1 audio), then an FLV video/audio tag body."""
import os

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "decode_tags")
V, A = b"\x00", b"\x01"
avcc = bytes([1, 0x4D, 0, 0x1F, 0xFF, 0xE1, 0, 4]) + b"\x67\x4d\x00\x1f" + b"\x01\x00\x02\x68\xee"
seeds = {
    # Legacy video: AVC sequence header, keyframe with a negative CTS, end of sequence.
    "avc-config": V + b"\x17\x00\x00\x00\x00" + avcc,
    "avc-key-cts": V + b"\x17\x01\xff\xff\xd8" + b"\x00\x00\x00\x05\x65\x88\x84\x00\x21",
    "avc-inter": V + b"\x27\x01\x00\x00\x28" + b"\x00\x00\x00\x02\x41\x9a",
    "avc-eos": V + b"\x17\x02\x00\x00\x00",
    "avc-short": V + b"\x17\x01\x00",
    "hevc-legacy12": V + b"\x1c\x01\x00\x00\x00\x00\x00\x00\x02\x26\x01",
    "vp6-adjust": V + b"\x14\x00\x12\x34",
    "h263": V + b"\x22\x00\x00\x84\x00",
    "command-frame": V + b"\x57\x00",
    "video-unknown-codec": V + b"\x1f\x00",
    # Enhanced video: sequence start, coded frames (with and without CTS), end, metadata,
    # multitrack, a FourCC we do not know, too short for the FourCC.
    "ex-hvc1-start": V + b"\x90hvc1" + b"\x01\x01\x60\x00\x00\x00",
    "ex-hvc1-coded": V + b"\x91hvc1\x00\x00\x21" + b"\x00\x00\x00\x02\x26\x01",
    "ex-av01-codedx": V + b"\x93av01" + b"\x12\x00\x0a\x0b",
    "ex-vp09-start": V + b"\x90vp09" + b"\x01\x00\x00\x00",
    "ex-avc1-end": V + b"\x92avc1",
    "ex-metadata": V + b"\x94hvc1" + b"\x02\x00\x0acolorInfo",
    "ex-multitrack": V + b"\x96\x00avc1",
    "ex-unknown-fourcc": V + b"\x91xyz1\x00\x00\x00\x01",
    "ex-short": V + b"\x91hv",
    "ex-coded-no-cts": V + b"\x91avc1\x00",
    # Legacy audio: AAC config and raw, MP3, PCM, Nellymoser, G.711, Speex, reserved.
    "aac-config": A + b"\xaf\x00\x12\x10",
    "aac-raw": A + b"\xaf\x01\x21\x10\x04\x60\x8c\x1c",
    "aac-short": A + b"\xaf",
    "mp3": A + b"\x2f\xff\xfb\x90\x64\x00",
    "pcm-s16le": A + b"\x3f\x00\x01\x00\x02",
    "nelly8k": A + b"\x52" + bytes(64),
    "alaw": A + b"\x72\xd5\xd5",
    "speex": A + b"\xb2\x00\x01",
    "audio-reserved-fmt": A + b"\xc2\x00",
    # Enhanced audio: Opus header, coded frame, end, multichannel config, short.
    "ex-opus-start": A + b"\x90Opus" + b"OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00",
    "ex-opus-coded": A + b"\x91Opus" + b"\xfc\xff\xfe",
    "ex-flac-end": A + b"\x92fLaC",
    "ex-mc-config": A + b"\x94mp4a\x01\x02",
    "ex-audio-short": A + b"\x91Op",
    "empty-video": V,
    "empty-audio": A,
}
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("%d seeds in %s" % (len(seeds), out))
