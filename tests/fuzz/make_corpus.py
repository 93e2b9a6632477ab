#!/usr/bin/env python3
"""Writes seed inputs for the conn and flv fuzz targets (tests/fuzz/corpus/{conn,flv}).
The conn target's input is: one control byte (bit 0: publish; the rest: slice size),
then what a server sends after the handshake."""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))


def amf_str(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_num(n):
    return b"\x00" + struct.pack(">d", n)


def amf_obj(props):
    out = b"\x03"
    for k, v in props:
        kb = k.encode()
        out += struct.pack(">H", len(kb)) + kb + v
    return out + b"\x00\x00\x09"


def chunk(csid, type_, sid, ts, body, size=128):
    """fmt 0 then fmt 3 continuation chunks."""
    out = bytes([csid]) + struct.pack(">I", ts)[1:] + struct.pack(">I", len(body))[1:]
    out += bytes([type_]) + struct.pack("<I", sid)
    for i in range(0, max(len(body), 1), size):
        if i:
            out += bytes([0xC0 | csid])
        out += body[i:i + size]
    return out


def status(code, level="status"):
    return amf_str("onStatus") + amf_num(0) + b"\x05" + amf_obj(
        [("level", amf_str(level)), ("code", amf_str(code)), ("description", amf_str("d"))])


def session(publish):
    s = chunk(2, 5, 0, 0, struct.pack(">I", 2500000))
    s += chunk(2, 6, 0, 0, struct.pack(">IB", 2500000, 2))
    s += chunk(2, 1, 0, 0, struct.pack(">I", 4096))
    s += chunk(3, 20, 0, 0, amf_str("_result") + amf_num(1) + amf_obj([("fmsVer", amf_str("FMS/3,0,1,123"))])
               + amf_obj([("level", amf_str("status")), ("code", amf_str("NetConnection.Connect.Success"))]), 4096)
    txid = 4 if publish else 2
    s += chunk(3, 20, 0, 0, amf_str("_result") + amf_num(txid) + b"\x05" + amf_num(1), 4096)
    if publish:
        s += chunk(5, 20, 1, 0, status("NetStream.Publish.Start"), 4096)
        return s
    s += chunk(2, 4, 0, 0, struct.pack(">HI", 0, 1), 4096)
    s += chunk(5, 20, 1, 0, status("NetStream.Play.Start"), 4096)
    s += chunk(5, 18, 1, 0, amf_str("onMetaData") + b"\x08\x00\x00\x00\x01" + b"\x00\x05width" + amf_num(320) + b"\x00\x00\x09", 4096)
    s += chunk(6, 9, 1, 0, b"\x17\x00\x00\x00\x00\x01\x64\x00\x1f\xff\xe1\x00\x04abcd\x01\x00\x02ef", 4096)
    s += chunk(4, 8, 1, 0, b"\xaf\x00\x12\x10", 4096)
    s += chunk(6, 9, 1, 40, b"\x27\x01\x00\x00\x00" + b"x" * 5000, 4096)
    tag = b"\x08" + struct.pack(">I", 3)[1:] + b"\x00\x00\x10\x00\x00\x00\x00" + b"\xaf\x01z" + struct.pack(">I", 14)
    s += chunk(6, 22, 1, 60, tag + tag, 4096)
    s += chunk(2, 4, 0, 0, struct.pack(">HI", 6, 1234), 4096)
    s += chunk(5, 20, 1, 0, status("NetStream.Play.UnpublishNotify"), 4096)
    s += chunk(2, 4, 0, 0, struct.pack(">HI", 1, 1), 4096)
    return s


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    conn = os.path.join(here, "corpus", "conn")
    write(os.path.join(conn, "play-session"), b"\xfe" + session(False))
    write(os.path.join(conn, "play-session-sliced"), b"\x0e" + session(False))
    write(os.path.join(conn, "publish-session"), b"\xff" + session(True))
    write(os.path.join(conn, "not-found"), b"\x00" + session(False)[:200] + chunk(5, 20, 1, 0, status("NetStream.Play.StreamNotFound", "error")))
    write(os.path.join(conn, "chunk-size-zero"), b"\x00" + chunk(2, 1, 0, 0, b"\x00\x00\x00\x00"))
    flv = os.path.join(here, "corpus", "flv")
    head = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"
    body = amf_str("onMetaData") + b"\x08\x00\x00\x00\x00\x00\x00\x09"
    tags = b""
    for type_, ts, data in [(18, 0, body), (9, 0, b"\x17\x00\x00\x00\x00abc"), (8, 0, b"\xaf\x00\x12\x10"),
                            (9, 33, b"\x27\x01\x00\x00\x00xyz"), (8, 0x1000000, b"\xaf\x01q")]:
        tags += bytes([type_]) + struct.pack(">I", len(data))[1:] + struct.pack(">I", ts & 0xFFFFFF)[1:]
        tags += bytes([ts >> 24]) + b"\x00\x00\x00" + data + struct.pack(">I", len(data) + 11)
    write(os.path.join(flv, "small"), head + tags)
    write(os.path.join(flv, "truncated"), head + tags[:40])
    write(os.path.join(flv, "bad-prev-size"), head + tags[:-1] + b"\x07")
    return 0


if __name__ == "__main__":
    sys.exit(main())
