#!/usr/bin/env python3
"""An FLV inspector independent of rtmpkit's code, for the integration tests.
Prints one line of key=value facts about the file:
  size tags video audio data first_ts last_ts meta_duration meta_filesize
  complete (1: ends exactly after a tag's PreviousTagSize) trailing (bytes after the last
  complete tag) prev_ok (1: every PreviousTagSize matches) flags (header audio/video bits)"""
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


def main():
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
