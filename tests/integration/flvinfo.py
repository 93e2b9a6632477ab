#!/usr/bin/env python3
"""An FLV inspector independent of rtmpkit's code, for the integration tests.
Prints one line of key=value facts about the file:
  size tags video audio data first_ts last_ts meta_duration meta_filesize
  complete (1: ends exactly after a tag's PreviousTagSize) trailing (bytes after the last
  complete tag) prev_ok (1: every PreviousTagSize matches) flags (header audio/video bits)
With --frames FILE it prints one line per audio/video tag instead, legacy or Enhanced
RTMP v2 (ModEx, Multitrack):
  kind(v|a) track fourcc packet(start|frame|end|other) key(0|1) dts cts size md5
where fourcc is the Enhanced FourCC (avc1 and mp4a for legacy AVC and AAC, "legacyN" for
other legacy codecs), size/md5 are those of the payload (the coded frame or the
configuration record, without any tag header). With --meta FILE it prints the first
onMetaData's numbers and strings as key=value lines (nested objects as key.sub=value)."""
import hashlib
import struct
import sys


def amf0_metadata(body):
    """duration and filesize from an onMetaData body (ECMA array or object), else None."""
    found = {}
    if body[:13] != b"\x02\x00\x0aonMetaData":
        return found
    pos = 13
    marker = body[pos]
    pos += 1
    if marker == 8:
        pos += 4
    elif marker != 3:
        return found
    while pos + 3 <= len(body):
        klen = struct.unpack(">H", body[pos:pos + 2])[0]
        pos += 2
        if klen == 0 and body[pos] == 9:
            break
        key = body[pos:pos + klen].decode("utf-8", "replace")
        pos += klen
        t = body[pos]
        pos += 1
        if t == 0:
            found[key] = struct.unpack(">d", body[pos:pos + 8])[0]
            pos += 8
        elif t == 1:
            pos += 1
        elif t == 2:
            n = struct.unpack(">H", body[pos:pos + 2])[0]
            pos += 2 + n
        else:
            break   # nested values: duration/filesize come before them in our files or not at all
    return found


def tags(data):
    """(type, timestamp, body) of each complete tag."""
    pos = struct.unpack(">I", data[5:9])[0] + 4
    while pos + 11 <= len(data):
        ttype = data[pos] & 0x1F
        size = struct.unpack(">I", b"\0" + data[pos + 1:pos + 4])[0]
        ts = struct.unpack(">I", b"\0" + data[pos + 4:pos + 7])[0] | data[pos + 7] << 24
        end = pos + 11 + size
        if end + 4 > len(data):
            return
        yield ttype, ts, data[pos + 11:end]
        pos = end + 4


def si24(b):
    v = int.from_bytes(b, "big")
    return v - (1 << 24) if v & 0x800000 else v


VIDEO_PACKETS = {0: "start", 1: "frame", 2: "end", 3: "frame", 4: "other", 5: "start"}
AUDIO_PACKETS = {0: "start", 1: "frame", 2: "end", 4: "other"}


def enhanced_tracks(ttype, body):
    """[(track, fourcc, packet, key, cts, payload)] of an Enhanced RTMP tag body."""
    video = ttype == 9
    b0 = body[0]
    key = 1 if not video else int((b0 >> 4) & 7 in (1, 4))
    ptype = b0 & 0x0F
    pos = 1
    modex = 7
    while ptype == modex:
        size = body[pos] + 1
        pos += 1
        if size == 256:
            size = struct.unpack(">H", body[pos:pos + 2])[0] + 1
            pos += 2
        pos += size
        ptype = body[pos] & 0x0F
        pos += 1
    if video and (b0 >> 4) & 7 == 5 and ptype != 4:
        return [(0, "cmd", "other", 0, 0, body[pos:])]
    mt_type = -1
    if ptype == (6 if video else 5):
        mt_type = body[pos] >> 4
        ptype = body[pos] & 0x0F
        pos += 1
    packet = (VIDEO_PACKETS if video else AUDIO_PACKETS).get(ptype, "other")
    fourcc = None
    if mt_type != 2:
        fourcc = body[pos:pos + 4].decode("latin-1")
        pos += 4
    out = []
    while True:
        fc, track = fourcc, 0
        if mt_type == 2:
            fc = body[pos:pos + 4].decode("latin-1")
            pos += 4
        if mt_type >= 0:
            track = body[pos]
            pos += 1
        if mt_type in (1, 2):
            size = int.from_bytes(body[pos:pos + 3], "big")
            pos += 3
            data = body[pos:pos + size]
            pos += size
        else:
            data = body[pos:]
            pos = len(body)
        cts = 0
        if video and ptype == 1 and fc in ("avc1", "hvc1", "vvc1"):
            cts = si24(data[:3])
            data = data[3:]
        out.append((track, fc, packet, key, cts, data))
        if pos >= len(body):
            return out


def legacy_track(ttype, body):
    if ttype == 9:
        codec, key = body[0] & 0x0F, int(body[0] >> 4 in (1, 4))
        if codec in (7, 12):
            packet = {0: "start", 1: "frame", 2: "end"}.get(body[1], "other")
            cts = si24(body[2:5]) if packet == "frame" else 0
            return (0, "avc1" if codec == 7 else "hvc1", packet, key, cts, body[5:])
        return (0, "legacy%d" % codec, "frame", key, 0, body[1:])
    codec = body[0] >> 4
    if codec == 10:
        return (0, "mp4a", "start" if body[1] == 0 else "frame", 1, 0, body[2:])
    return (0, "legacy%d" % codec, "frame", 1, 0, body[1:])


def list_frames(data):
    for ttype, ts, body in tags(data):
        if ttype not in (8, 9) or not body:
            continue
        enhanced = (ttype == 9 and body[0] & 0x80) or (ttype == 8 and body[0] >> 4 == 9)
        tracks = enhanced_tracks(ttype, body) if enhanced else [legacy_track(ttype, body)]
        for track, fourcc, packet, key, cts, payload in tracks:
            print("%s %d %s %s %d %d %d %d %s" % ("v" if ttype == 9 else "a", track, fourcc, packet, key,
                                                  ts, cts, len(payload), hashlib.md5(payload).hexdigest()))
    return 0


def amf_value(body, pos):
    """(value, new pos) of the AMF0 value at pos; nested values are skipped as None."""
    t = body[pos]
    pos += 1
    if t == 0:
        return struct.unpack(">d", body[pos:pos + 8])[0], pos + 8
    if t == 1:
        return bool(body[pos]), pos + 1
    if t == 2:
        n = struct.unpack(">H", body[pos:pos + 2])[0]
        return body[pos + 2:pos + 2 + n].decode("utf-8", "replace"), pos + 2 + n
    if t in (3, 8):
        if t == 8:
            pos += 4
        obj = {}
        while True:
            klen = struct.unpack(">H", body[pos:pos + 2])[0]
            pos += 2
            if klen == 0 and body[pos] == 9:
                return obj, pos + 1
            key = body[pos:pos + klen].decode("utf-8", "replace")
            obj[key], pos = amf_value(body, pos + klen)
    if t == 5:
        return None, pos
    raise ValueError("AMF0 type %d" % t)


def print_value(key, value):
    """key=value; nested objects as key.sub=value."""
    if isinstance(value, dict):
        for k, v in value.items():
            print_value(key + "." + k, v)
    elif value is not None:
        print("%s=%s" % (key, int(value) if isinstance(value, float) and value == int(value) else value))


def print_meta(data):
    for ttype, _, body in tags(data):
        if ttype != 18 or body[:13] != b"\x02\x00\x0aonMetaData":
            continue
        pos = 13
        if body[pos] == 8:
            pos += 4
        pos += 1
        while pos + 3 <= len(body):
            klen = struct.unpack(">H", body[pos:pos + 2])[0]
            pos += 2
            if klen == 0 and body[pos] == 9:
                break
            key = body[pos:pos + klen].decode("utf-8", "replace")
            value, pos = amf_value(body, pos + klen)
            print_value(key, value)
        return 0
    return 1


def main():
    if sys.argv[1] in ("--frames", "--meta"):
        data = open(sys.argv[2], "rb").read()
        if data[:3] != b"FLV":
            print("not_flv=1")
            return 1
        return list_frames(data) if sys.argv[1] == "--frames" else print_meta(data)
    data = open(sys.argv[1], "rb").read()
    facts = {"size": len(data), "tags": 0, "video": 0, "audio": 0, "data": 0, "first_ts": -1,
             "last_ts": -1, "meta_duration": -1, "meta_filesize": -1, "complete": 0,
             "trailing": 0, "prev_ok": 1, "flags": -1}
    if data[:3] != b"FLV":
        print("not_flv=1")
        return 1
    facts["flags"] = data[4] & 5
    pos = struct.unpack(">I", data[5:9])[0] + 4
    while pos + 11 <= len(data):
        ttype = data[pos] & 0x1F
        size = struct.unpack(">I", b"\0" + data[pos + 1:pos + 4])[0]
        ts = struct.unpack(">I", b"\0" + data[pos + 4:pos + 7])[0] | data[pos + 7] << 24
        end = pos + 11 + size
        if end + 4 > len(data):
            break
        prev = struct.unpack(">I", data[end:end + 4])[0]
        if prev != size + 11:
            facts["prev_ok"] = 0
        body = data[pos + 11:end]
        facts["tags"] += 1
        name = {8: "audio", 9: "video", 18: "data"}.get(ttype)
        if name:
            facts[name] += 1
        if ttype == 18 and facts["meta_duration"] < 0:
            meta = amf0_metadata(body)
            facts["meta_duration"] = meta.get("duration", -1)
            facts["meta_filesize"] = meta.get("filesize", -1)
        if facts["first_ts"] < 0 and ttype in (8, 9):
            facts["first_ts"] = ts
        if ttype in (8, 9):
            facts["last_ts"] = max(facts["last_ts"], ts)
        pos = end + 4
    facts["trailing"] = len(data) - pos
    facts["complete"] = int(pos == len(data))
    print(" ".join("%s=%s" % (k, v) for k, v in facts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
