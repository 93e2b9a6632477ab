#!/usr/bin/env python3
"""Writes seed inputs for the flvtag fuzz target (tests/fuzz/corpus/flvtag). An input is
one audio or video tag body; the target reads it both ways. There is a seed for every
legacy and Enhanced RTMP packet type, each multitrack kind, ModEx in its short and long
form, and the bodies that used to seed decode_tags (codecs/play/decode.c's parsers)."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "flvtag")


def u24(v):
    return struct.pack(">I", v & 0xFFFFFF)[1:]


def ex_video(frame_type, packet_type):
    return bytes([0x80 | frame_type << 4 | packet_type])


def ex_audio(packet_type):
    return bytes([0x90 | packet_type])


def modex(data, modex_type, next_packet_type):
    """One ModEx block: size-1 (255 and a UI16 when longer than 255 bytes), data, type."""
    size = (bytes([len(data) - 1]) if len(data) <= 255
            else b"\xff" + struct.pack(">H", len(data) - 1))
    return size + data + bytes([modex_type << 4 | next_packet_type])


def track(track_id, data, fourcc=b""):
    """A ManyTracks track: [FourCC] id, UI24 size, data."""
    return fourcc + bytes([track_id]) + u24(len(data)) + data


avcc = bytes([1, 0x4D, 0, 0x1F, 0xFF, 0xE1, 0, 4]) + b"\x67\x4d\x00\x1f" + b"\x01\x00\x02\x68\xee"
hvcc = b"\x01\x01\x60\x00\x00\x00\x90\x00\x00\x00\x00\x00\x5d\xf0\x00\xfc\xfd\xf8\xf8\x00\x00\x0f\x00"
opus_head = b"OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
seeds = {
    # Legacy video: AVC every packet type, HEVC 12, the old codecs, command frame.
    "avc-config": b"\x17\x00\x00\x00\x00" + avcc,
    "avc-key-cts": b"\x17\x01\xff\xff\xd8" + b"\x00\x00\x00\x05\x65\x88\x84\x00\x21",
    "avc-inter": b"\x27\x01\x00\x00\x28" + b"\x00\x00\x00\x02\x41\x9a",
    "avc-disposable": b"\x37\x01\x00\x00\x00" + b"\x00\x00\x00\x02\x01\x9a",
    "avc-eos": b"\x17\x02\x00\x00\x00",
    "avc-short": b"\x17\x01\x00",
    "hevc-legacy12": b"\x1c\x01\x00\x00\x00\x00\x00\x00\x02\x26\x01",
    "hevc-legacy12-config": b"\x1c\x00\x00\x00\x00" + hvcc,
    "vp6-adjust": b"\x14\x00\x12\x34",
    "h263": b"\x22\x00\x00\x84\x00",
    "screen": b"\x13\x00\x10",
    "generated-key": b"\x42\x00\x00\x84",
    "command-frame": b"\x57\x00",
    "video-unknown-codec": b"\x1f\x00",
    "video-reserved-frame": b"\x67\x01\x00\x00\x00",
    # Legacy audio: AAC both packets, MP3, PCM, Nellymoser, G.711, Speex, reserved.
    "aac-config": b"\xaf\x00\x12\x10",
    "aac-raw": b"\xaf\x01\x21\x10\x04\x60\x8c\x1c",
    "aac-short": b"\xaf",
    "mp3": b"\x2f\xff\xfb\x90\x64\x00",
    "mp3-8k": b"\xe2\xff\xfb",
    "pcm-s16le": b"\x3f\x00\x01\x00\x02",
    "nelly8k": b"\x52" + bytes(64),
    "alaw": b"\x72\xd5\xd5",
    "speex": b"\xb2\x00\x01",
    "audio-reserved-fmt": b"\xc2\x00",
    # Enhanced video: every packet type, the FourCCs, the CTS rule, command, reserved.
    "ex-hvc1-start": ex_video(1, 0) + b"hvc1" + hvcc,
    "ex-hvc1-coded": ex_video(1, 1) + b"hvc1\x00\x00\x21" + b"\x00\x00\x00\x02\x26\x01",
    "ex-avc1-coded": ex_video(2, 1) + b"avc1\xff\xff\xf6" + b"\x00\x00\x00\x02\x41\x9a",
    "ex-vvc1-coded": ex_video(3, 1) + b"vvc1\x00\x00\x05\x00\x01",
    "ex-hvc1-end": ex_video(1, 2) + b"hvc1",
    "ex-av01-codedx": ex_video(1, 3) + b"av01" + b"\x12\x00\x0a\x0b",
    "ex-avc1-codedx": ex_video(2, 3) + b"avc1" + b"\x00\x00\x00\x02\x41\x9a",
    "ex-metadata": ex_video(5, 4) + b"hvc1" + b"\x02\x00\x09colorInfo\x03\x00\x00\x09",
    "ex-mpeg2ts-start": ex_video(1, 5) + b"av01" + b"\x80\x04\x12\x34",
    "ex-vp09-start": ex_video(1, 0) + b"vp09" + b"\x01\x00\x00\x00",
    "ex-vp08-coded": ex_video(2, 1) + b"vp08" + b"\x9d\x01\x2a",
    "ex-avc1-end": ex_video(1, 2) + b"avc1",
    "ex-command": ex_video(5, 1) + b"\x00",
    "ex-reserved-packet": ex_video(1, 9) + b"avc1",
    "ex-reserved-frame": ex_video(0, 1) + b"avc1\x00\x00\x00",
    "ex-unknown-fourcc": ex_video(1, 1) + b"xyz1\x00\x00\x00\x01",
    "ex-short": ex_video(1, 1) + b"hv",
    "ex-coded-no-cts": ex_video(1, 1) + b"avc1\x00",
    # Enhanced audio: every packet type and FourCC.
    "ex-opus-start": ex_audio(0) + b"Opus" + opus_head,
    "ex-opus-coded": ex_audio(1) + b"Opus" + b"\xfc\xff\xfe",
    "ex-flac-start": ex_audio(0) + b"fLaC" + b"\x00\x00\x00\x22" + bytes(34),
    "ex-flac-end": ex_audio(2) + b"fLaC",
    "ex-ac3-coded": ex_audio(1) + b"ac-3" + b"\x0b\x77\x00",
    "ex-eac3-coded": ex_audio(1) + b"ec-3" + b"\x0b\x77\x01",
    "ex-mp4a-start": ex_audio(0) + b"mp4a" + b"\x12\x10",
    "ex-mp3-coded": ex_audio(1) + b".mp3" + b"\xff\xfb\x90",
    "ex-mc-config": ex_audio(4) + b"mp4a" + b"\x01\x02\x00\x00\x00\x03",
    "ex-audio-reserved": ex_audio(3) + b"Opus\x00",
    "ex-audio-short": ex_audio(1) + b"Op",
    # Multitrack: OneTrack, ManyTracks, ManyTracksManyCodecs, video and audio; errors.
    "mt-one-avc1": ex_video(1, 6) + b"\x01" + b"avc1" + b"\x02" + b"\x00\x00\x21\x65\x88",
    "mt-one-start": ex_video(1, 6) + b"\x00" + b"hvc1" + b"\x00" + hvcc,
    "mt-many-avc1": ex_video(1, 6) + b"\x11" + b"avc1" + track(1, b"\x00\x00\x28\xa1\xa2")
                    + track(0, b"\xff\xff\xf6\xb1") + track(7, b"\x00\x00\x00"),
    "mt-many-codecx": ex_video(2, 6) + b"\x13" + b"hvc1" + track(0, b"\x26\x01") + track(1, b"\x02\x01"),
    "mt-many-codecs": ex_video(1, 6) + b"\x21" + track(0, b"\x12\x00", b"av01")
                      + track(1, b"\x00\x00\x0a\x26", b"hvc1") + track(2, b"\x83", b"vp09"),
    "mt-many-codecs-start": ex_video(1, 6) + b"\x20" + track(0, avcc, b"avc1") + track(1, hvcc, b"hvc1"),
    "mt-audio-one": ex_audio(5) + b"\x01" + b"Opus" + b"\x00" + b"\xfc\xff",
    "mt-audio-many": ex_audio(5) + b"\x10" + b"Opus" + track(0, opus_head) + track(1, opus_head),
    "mt-audio-many-codecs": ex_audio(5) + b"\x21" + track(0, b"\x21\x10", b"mp4a") + track(1, b"\xfc", b"Opus"),
    "mt-one-no-track": ex_video(1, 6) + b"\x00" + b"avc1",
    "mt-nested": ex_video(1, 6) + b"\x06" + b"avc1\x00",
    "mt-reserved-type": ex_video(1, 6) + b"\x31" + b"avc1\x00\x00\x00\x00",
    "mt-track-too-long": ex_video(1, 6) + b"\x13" + b"avc1" + b"\x00\x00\x00\x09\x01",
    "mt-partial-track": ex_video(1, 6) + b"\x13" + b"avc1" + track(0, b"\x01") + b"\x01\x00",
    # ModEx: nano offset (short form), an unknown type in the long form, repeated, before
    # Multitrack, before a command frame, in audio, too short.
    "modex-nano": ex_video(1, 7) + modex(u24(999999), 0, 1) + b"avc1\x00\x00\x14\x65",
    "modex-long": ex_video(1, 7) + modex(b"\xee" * 300, 5, 7) + modex(u24(7), 0, 0) + b"hvc1" + hvcc,
    "modex-multitrack": ex_video(1, 7) + modex(u24(256), 0, 6) + b"\x01" + b"av01" + b"\x03\xaa",
    "modex-command": ex_video(5, 7) + modex(u24(1), 0, 1) + b"\x00",
    "modex-audio": ex_audio(7) + modex(u24(16), 0, 1) + b"Opus" + b"\xfc",
    "modex-audio-multitrack": ex_audio(7) + modex(u24(16), 0, 5) + b"\x00" + b"Opus" + b"\x02\xfc",
    "modex-nano-short": ex_video(1, 7) + modex(b"\x00\x01", 0, 1) + b"avc1",
    "modex-cut": ex_video(1, 7) + b"\xff\x01\x2b" + b"\xee" * 20,
    "empty": b"",
}
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("%d seeds in %s" % (len(seeds), out))
