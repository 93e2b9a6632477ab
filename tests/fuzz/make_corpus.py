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


def flv_tag(type_, ts, data):
    """One FLV tag with its PreviousTagSize, as aggregate messages carry them."""
    return (bytes([type_]) + struct.pack(">I", len(data))[1:] + struct.pack(">I", ts & 0xFFFFFF)[1:]
            + bytes([ts >> 24]) + b"\x00\x00\x00" + data + struct.pack(">I", len(data) + 11))


def status_data(code, name="onStatus"):
    """A status sent as a data message: name, info object (no transaction id)."""
    return amf_str(name) + amf_obj([("level", amf_str("status")), ("code", amf_str(code))])


def play_started():
    """A play session up to the createStream answer, before any status."""
    s = chunk(2, 1, 0, 0, struct.pack(">I", 4096))
    s += chunk(3, 20, 0, 0, amf_str("_result") + amf_num(1) + b"\x05"
               + amf_obj([("code", amf_str("NetConnection.Connect.Success"))]), 4096)
    s += chunk(3, 20, 0, 0, amf_str("_result") + amf_num(2) + b"\x05" + amf_num(1), 4096)
    return s


def extra_sessions():
    """Seeds for the paths the two basic sessions do not reach."""
    out = {}
    # Two onStatus tags in one aggregate: each status's values must live to the next recv
    # (the second used to overwrite and leak the first's).
    agg = flv_tag(18, 0, status_data("NetStream.Play.Reset")) + flv_tag(18, 0, status_data("NetStream.Play.Start"))
    out["aggregate-two-statuses"] = b"\x00" + play_started() + chunk(5, 22, 1, 0, agg, 4096)
    agg = b"".join(flv_tag(18, 0, status_data("NetStream.Play.Stop", "onPlayStatus")) for _ in range(5))
    out["aggregate-too-many-statuses"] = b"\xfe" + play_started() + chunk(5, 22, 1, 0, agg, 4096)
    out["connect-error"] = b"\xfe" + chunk(3, 20, 0, 0, amf_str("_error") + amf_num(1) + b"\x05" + amf_obj(
        [("level", amf_str("error")), ("code", amf_str("NetConnection.Connect.Rejected")),
         ("description", amf_str("[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ]"))]))
    out["close-command"] = b"\xfe" + play_started() + chunk(3, 20, 0, 0, amf_str("close") + amf_num(0) + b"\x05", 4096)
    # AMF3 command and data messages: one format byte before an AMF0 body.
    s = chunk(3, 17, 0, 0, b"\x00" + amf_str("_result") + amf_num(1) + b"\x05" + amf_obj([]))
    s += chunk(3, 17, 0, 0, b"\x00" + amf_str("_result") + amf_num(2) + b"\x05" + amf_num(1))
    s += chunk(5, 15, 1, 0, b"\x00" + status_data("NetStream.Play.Start"))
    s += chunk(5, 15, 1, 0, b"\x00" + amf_str("onMetaData") + b"\x11\x0a\x0b\x01\x03a\x04\x01\x01")
    out["amf3-messages"] = b"\xfe" + s
    # Control (at the default chunk size 128): ping, abort of a partial message after its
    # first chunk, an extended timestamp, user control events, an acknowledgement.
    s = play_started()[len(chunk(2, 1, 0, 0, struct.pack(">I", 4096))):]
    s += chunk(2, 4, 0, 0, struct.pack(">HI", 6, 0xDEADBEEF))
    s += bytes([7]) + b"\x00\x00\x00" + struct.pack(">I", 300)[1:] + b"\x09" + struct.pack("<I", 1) + b"\x17" * 128
    s += chunk(2, 2, 0, 0, struct.pack(">I", 7))
    s += bytes([7]) + b"\xff\xff\xff" + struct.pack(">I", 5)[1:] + b"\x09" + struct.pack("<I", 1)
    s += struct.pack(">I", 0x01000000) + b"\x27abcd"
    s += chunk(2, 4, 0, 0, struct.pack(">HI", 4, 1)) + chunk(2, 4, 0, 0, struct.pack(">HI", 2, 1))
    s += chunk(2, 3, 0, 0, struct.pack(">I", 1000))
    out["control-messages"] = b"\x00" + s
    s = chunk(3, 20, 0, 0, amf_str("_result") + amf_num(1) + b"\x05" + amf_obj([]))
    s += chunk(3, 20, 0, 0, amf_str("_result") + amf_num(4) + b"\x05" + amf_num(1))
    s += chunk(5, 20, 1, 0, status("NetStream.Publish.BadName", "error"))
    out["publish-refused"] = b"\xff" + s
    # createStream answered with a NaN stream id (found by fuzz_conn: UBSan, float to
    # integer conversion of NaN), then with a fraction and with 2^32.
    for name, raw in [("nan", b"\x7f\xf8\x00\x00\x00\x00\x00\x00"), ("fraction", struct.pack(">d", 1.5)),
                      ("2p32", struct.pack(">d", 2.0 ** 32))]:
        s = chunk(3, 20, 0, 0, amf_str("_result") + amf_num(1) + b"\x05" + amf_obj([]))
        s += chunk(3, 20, 0, 0, amf_str("_result") + amf_num(2) + b"\x05" + b"\x00" + raw)
        out["create-stream-id-" + name] = b"\xfe" + s
    s = play_started() + chunk(5, 20, 1, 0, status("NetStream.Play.Start"))
    s += chunk(5, 18, 1, 0, status_data("NetStream.Play.Complete", "onPlayStatus"))
    s += chunk(5, 18, 1, 0, amf_str("|RtmpSampleAccess") + b"\x01\x01\x01\x01")
    s += chunk(5, 18, 1, 0, amf_str("@setDataFrame") + amf_str("onMetaData") + b"\x08\x00\x00\x00\x00\x00\x00\x09")
    out["play-complete"] = b"\xfe" + s
    # Enhanced RTMP ReconnectRequest (connection status on stream 0): absolute, relative,
    # none, and a tcUrl that is a number.
    s = play_started() + chunk(5, 20, 1, 0, status("NetStream.Play.Start"))
    for url in (amf_str("rtmp://192.0.2.1:1936/other"), amf_str("//192.0.2.1/app"), amf_str("/x"), None,
                amf_num(7)):
        props = [("level", amf_str("status")), ("code", amf_str("NetConnection.Connect.ReconnectRequest"))]
        if url is not None:
            props.append(("tcUrl", url))
        s += chunk(3, 20, 0, 0, amf_str("onStatus") + amf_num(0) + b"\x05" + amf_obj(props), 4096)
    out["reconnect-request"] = b"\xfe" + s
    return out


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
    for name, data in extra_sessions().items():
        write(os.path.join(conn, name), data)
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
