#!/usr/bin/env python3
"""A scripted, misbehaving RTMP server for the fault tests (python3 stdlib only).

    scripted_server.py --port P --mode MODE [--timeout S] [--host 127.0.0.1] [--flv FILE]

Prints "listening HOST:PORT" on stdout when ready (--port 0 picks a free port), serves
any number of connections (one thread each), exits 0 on SIGTERM/SIGINT or after
--timeout seconds. One line per event on stderr.

Modes (after a misbehaviour the server keeps reading until the client closes, so the
client's error comes from what it parsed, not from an EOF):
  silent                 accept, read, never answer
  close                  accept and close at once
  bad-version            answer the handshake with S0 = 6 (then S1, S2)
  handshake-then-silent  simple handshake (S0=3, S1 with zero version, S2 = C1), then nothing
  connect-then-silent    handshake, answer connect with _result (success; its properties
                         echo Enhanced RTMP capabilities: capsEx 3, fourCcList, a
                         videoFourCcInfoMap), then nothing
  reject-connect         handshake, answer connect with _error, level "error",
                         code NetConnection.Connect.Rejected, adobe auth description;
                         close 1 s later
  reject-plain           the same with a description that asks for no authentication
  invalid-app            the same with code NetConnection.Connect.InvalidApp (the
                         application does not exist, as Wowza and FMS say it)
  bad-chunk              handshake, on connect send a fmt 1 chunk on a fresh csid (20)
  many-streams           handshake, on connect start a partial message (one full
                         128-byte chunk of a 1000-byte video message) on each of 70
                         chunk streams (csid 3..72): more than RK_MAX_CHUNK_STREAMS (64)
  chunk-size-zero        handshake, on connect send Set Chunk Size 0
  syn-drop               never accepts: a full accept queue (backlog 0, filled by the
                         server's own connections) makes the kernel drop further SYNs,
                         so a client's connect waits as for a silent host
  ertmp-caps             a well-behaved server whose connect _result echoes Enhanced RTMP
                         capabilities (fourCcList [av01], videoFourCcInfoMap {av01: 7},
                         audioFourCcInfoMap {Opus: 7}, capsEx 2), then serves one stream
                         (createStream, publish or play as after authentication)
  wrap                   a well-behaved server whose play sends 30 AAC frames 23 ms apart
                         from wire time 2^32 - 230 (extended timestamps, then the 32-bit
                         wrap to 0 after the tenth), then Play.Stop
  auth-adobe             server authentication, authmod=adobe (FMS/Wowza style), the
                         whole exchange over three connections: a connect without
                         "authmod=adobe" in its app gets _error "code=403 need auth;
                         authmod=adobe"; one with "?authmod=adobe&user=U" gets
                         "?reason=needauth&user=U&salt=..&challenge=..&opaque=.." (or
                         "?reason=nosuchuser"); one with "&challenge=C2&response=R" is
                         checked against base64(md5(base64(md5(U salt P)) opaque C2)),
                         computed here with hashlib/base64, and gets _result or
                         "?reason=authfailed". app and tcUrl must carry the same query.
  auth-llnw              the same for authmod=llnw: "?reason=needauth&user=U&nonce=..",
                         then response = md5hex(md5hex(U:live:P) ":" nonce ":" nc ":"
                         cnonce ":" qop ":" md5hex("publish:/" app "/_definst_")).
  hostile-text           text that would drive a terminal or forge log lines (ESC, BEL,
                         CR, LF, DEL, a UTF-8 C1 CSI) in every description it sends:
                         connect _result; play gets StreamBegin, Play.Reset, Play.Start,
                         onMetaData (title too), then an error NetStream.Play.Failed;
                         publish gets an error NetStream.Publish.Denied
  play-flv               a well-behaved server whose play sends the tags of --flv FILE
                         as they are (audio on csid 4, video on 6, data on 5, each
                         message with its tag's timestamp; at the pace of those
                         timestamps when the stream name begins with "paced", else at
                         once), then Play.Stop: the Enhanced
                         RTMP tags no real server can be made to send (ModEx,
                         ManyTracks, ManyTracksManyCodecs, unknown FourCCs)
                         --epoch T: the file is a live stream begun at time.time() T:
                         play starts at its last keyframe before now (a GOP cache) and
                         sends at the file's times from T (--no-gop-cache: from its
                         next keyframe, as nginx-rtmp); --reconnect-url URL: a
                         ReconnectRequest to URL after --request-after video frames, and
                         the stream goes on to its end (two such servers with one epoch:
                         one stream at two places, on one clock); --rebase: each player's
                         stream starts at timestamp 0 (its first tag), as nginx-rtmp
                         sends it (two such places: one stream, two clocks)
  reconnect-request      Enhanced RTMP ReconnectRequest (its connect _result echoes
                         capsEx 1): publish gets Publish.Start (BadName while another
                         connection publishes that stream), and once --request-after
                         video messages came, an onStatus NetConnection.Connect.
                         ReconnectRequest (stream 0, transaction 0) with tcUrl
                         --reconnect-url ("@none": no tcUrl, "@long": 2000 bytes, "@control":
                         ESC, CR and LF in it; --request-once: to the first publisher
                         only); then reads until the client closes.
                         play gets StreamBegin, Play.Reset, Play.Start, an AAC header and
                         --request-after AAC frames (23 ms apart), the request, then 1 s
                         later 20 more frames and Play.Stop (--media FLV: its AAC, else
                         made-up frames no decoder takes). --record DIR writes what each
                         client sent (handshake included) to DIR/conn-0.bin, -1.bin...
  After a successful authentication the connection serves one stream: createStream,
  then play (StreamBegin, Play.Reset, Play.Start, 10 AAC audio messages, Play.Stop)
  or publish (Publish.Start, then reads until the client closes).
  --user / --password (defaults rtmpuser / S3cretPassw0rd) set the credentials.
"""

import argparse
import base64
import hashlib
import os
import signal
import socket
import struct
import sys
import threading
import time

HANDSHAKE_SIZE = 1536
CHUNK_SIZE = 128  # ours, never changed
REJECT_DESCRIPTION = "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : "
# The connect _error of each rejecting mode: code, description.
REJECTS = {
    "reject-connect": ("NetConnection.Connect.Rejected", REJECT_DESCRIPTION),
    "reject-plain": ("NetConnection.Connect.Rejected", "Connection refused by the server's policy."),
    "invalid-app": ("NetConnection.Connect.InvalidApp", "Application (live) is not defined."),
}
AUTH = {"user": "rtmpuser", "password": "S3cretPassw0rd"}   # --user / --password
ADOBE_SALT = "Zk9vQmFy"
ADOBE_CHALLENGE = "Q2hhbGxlbmdl"
ADOBE_OPAQUE = "T3BhcXVlMTIz"
LLNW_NONCE = "bGxud05vbmNlNDI="


def log(msg):
    sys.stderr.write("scripted_server: %s\n" % msg)
    sys.stderr.flush()


# ---- AMF0 -------------------------------------------------------------------------

def amf_number(v):
    return b"\x00" + struct.pack(">d", float(v))


def amf_string(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_null():
    return b"\x05"


def amf_object(pairs):
    out = b"\x03"
    for k, v in pairs:
        kb = k.encode()
        out += struct.pack(">H", len(kb)) + kb + v
    return out + b"\x00\x00\x09"


def amf_strict_array(items):
    return b"\x0a" + struct.pack(">I", len(items)) + b"".join(items)


def amf_bool(v):
    return b"\x01" + (b"\x01" if v else b"\x00")


def amf_decode(b, p=0, depth=0):
    """One AMF0 value at p: (value, next position). Enough for a client's commands."""
    t = b[p]
    p += 1
    if t == 0x00:
        return struct.unpack(">d", b[p:p + 8])[0], p + 8
    if t == 0x01:
        return b[p] != 0, p + 1
    if t in (0x02, 0x0C):
        w = 2 if t == 0x02 else 4
        n = int.from_bytes(b[p:p + w], "big")
        return b[p + w:p + w + n].decode("utf-8", "replace"), p + w + n
    if t in (0x05, 0x06):
        return None, p
    if t in (0x03, 0x08):
        if t == 0x08:
            p += 4
        obj = {}
        while True:
            n = int.from_bytes(b[p:p + 2], "big")
            if n == 0 and b[p + 2] == 0x09:
                return obj, p + 3
            key = b[p + 2:p + 2 + n].decode("utf-8", "replace")
            obj[key], p = amf_decode(b, p + 2 + n, depth + 1)
    if t == 0x0A:
        n = int.from_bytes(b[p:p + 4], "big")
        p += 4
        out = []
        for _ in range(n):
            v, p = amf_decode(b, p, depth + 1)
            out.append(v)
        return out, p
    raise ValueError("AMF0 type %d not handled" % t)


def amf_decode_all(b):
    out, p = [], 0
    while p < len(b):
        v, p = amf_decode(b, p)
        out.append(v)
    return out


def amf_read_command(payload):
    """(name, transaction id) of an AMF0 command message, or (None, None)."""
    try:
        if payload[0] != 0x02:
            return None, None
        n = struct.unpack(">H", payload[1:3])[0]
        name = payload[3:3 + n].decode("utf-8", "replace")
        p = 3 + n
        tid = struct.unpack(">d", payload[p + 1:p + 9])[0] if payload[p] == 0x00 else 0.0
        return name, tid
    except (IndexError, struct.error):
        return None, None


# ---- chunk stream -----------------------------------------------------------------

def basic_header(fmt, csid):
    if csid < 64:
        return bytes([(fmt << 6) | csid])
    if csid < 320:
        return bytes([fmt << 6, csid - 64])
    return bytes([(fmt << 6) | 1, (csid - 64) & 0xFF, (csid - 64) >> 8])


def message_chunks(csid, mtype, stream_id, payload, timestamp=0):
    """A whole message as fmt 0 + fmt 3 chunks of CHUNK_SIZE. From 0xFFFFFF on the
    timestamp goes in the extended field, repeated on every fmt 3 chunk."""
    extended = struct.pack(">I", timestamp) if timestamp >= 0xFFFFFF else b""
    out = basic_header(0, csid)
    out += (b"\xff\xff\xff" if extended else struct.pack(">I", timestamp)[1:]) + struct.pack(">I", len(payload))[1:]
    out += bytes([mtype]) + struct.pack("<I", stream_id) + extended
    for i in range(0, max(len(payload), 1), CHUNK_SIZE):
        if i:
            out += basic_header(3, csid) + extended
        out += payload[i:i + CHUNK_SIZE]
    return out


class MessageReader:
    """Reassembles messages from chunks: (type, stream id, absolute timestamp, payload).
    Follows Set Chunk Size; fmt 1/2/3 timestamps are deltas added to the previous one."""

    def __init__(self):
        self.buf = b""
        self.chunk_size = 128
        self.streams = {}

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            m = self._one()
            if m is None:
                return out
            if m is not True:
                out.append(m)

    def _one(self):
        b = self.buf
        if not b:
            return None
        fmt, csid, p = b[0] >> 6, b[0] & 0x3F, 1
        if csid in (0, 1):
            if len(b) < 2 + csid:
                return None
            csid, p = 64 + b[1] + (256 * b[2] if csid == 1 else 0), 2 + csid
        st = self.streams.setdefault(csid, {"len": 0, "type": 0, "sid": 0, "ts": 0, "delta": 0,
                                            "field": 0, "data": b""})
        hlen = (11, 7, 3, 0)[fmt]
        if len(b) < p + hlen:
            return None
        h = b[p:p + hlen]
        p += hlen
        field = int.from_bytes(h[0:3], "big") if fmt <= 2 else st["field"]
        if field == 0xFFFFFF:
            if len(b) < p + 4:
                return None
            if fmt <= 2 or not st["data"]:
                field_value = struct.unpack(">I", b[p:p + 4])[0]
            p += 4
        else:
            field_value = field
        starting = not st["data"]
        if fmt <= 1:
            st["len"], st["type"] = int.from_bytes(h[3:6], "big"), h[6]
        if fmt == 0:
            st["sid"] = struct.unpack("<I", h[7:11])[0]
        if starting:
            if fmt == 0:
                st["ts"] = field_value
                st["delta"] = 0
            elif fmt in (1, 2):
                st["delta"] = field_value
                st["ts"] = (st["ts"] + field_value) & 0xFFFFFFFF
            else:
                st["ts"] = (st["ts"] + st["delta"]) & 0xFFFFFFFF
        if fmt <= 2:
            st["field"] = field
        need = min(self.chunk_size, st["len"] - len(st["data"]))
        if len(b) < p + need:
            return None
        st["data"] += b[p:p + need]
        self.buf = b[p + need:]
        if len(st["data"]) < st["len"]:
            return True
        payload, st["data"] = st["data"], b""
        if st["type"] == 1 and len(payload) >= 4:
            self.chunk_size = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF or 1
        return st["type"], st["sid"], st["ts"], payload


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise ConnectionError("client closed during handshake")
        data += part
    return data


def drain(sock):
    """Read and discard until the client closes."""
    while sock.recv(65536):
        pass


def handshake(sock, version=3):
    c0c1 = recv_exact(sock, 1 + HANDSHAKE_SIZE)
    c1 = c0c1[1:]
    s1 = struct.pack(">I", int(time.time()) & 0xFFFFFFFF) + b"\x00\x00\x00\x00" + os.urandom(HANDSHAKE_SIZE - 8)
    sock.sendall(bytes([version]) + s1 + c1)
    recv_exact(sock, HANDSHAKE_SIZE)  # C2


def log_caps(payload):
    """Logs the Enhanced RTMP capabilities a client's connect announces, if any."""
    try:
        values = amf_decode_all(payload)
    except (IndexError, ValueError, struct.error):
        return
    obj = values[2] if len(values) > 2 and isinstance(values[2], dict) else {}
    caps = [(k, obj[k]) for k in ("fourCcList", "videoFourCcInfoMap", "audioFourCcInfoMap", "capsEx") if k in obj]
    if caps:
        log("connect announces " + " ".join("%s=%r" % kv for kv in caps))


def wait_connect(sock):
    """Reads chunks until the connect command; returns its transaction id and the reader
    (which knows the client's chunk size)."""
    reader = MessageReader()
    while True:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("client closed before connect")
        for mtype, _, _, payload in reader.feed(data):
            if mtype in (20, 17):
                name, tid = amf_read_command(payload[1:] if mtype == 17 else payload)
                log("client command %r tid %s" % (name, tid))
                if name == "connect":
                    log_caps(payload[1:] if mtype == 17 else payload)
                    return tid, reader


def read_commands(sock, reader):
    """Blocks for the next command messages: a list of decoded value lists."""
    while True:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("client closed")
        out = []
        for mtype, _, _, payload in reader.feed(data):
            if mtype in (20, 17):
                try:
                    out.append(amf_decode_all(payload[1:] if mtype == 17 else payload))
                except (ValueError, IndexError, struct.error) as e:
                    log("undecodable command: %s" % e)
        if out:
            return out


def query_of(s):
    """The raw name=value pairs after the first '?' (no decoding: base64 stays as sent)."""
    if "?" not in s:
        return {}
    out = {}
    for item in s.split("?", 1)[1].split("&"):
        k, _, v = item.partition("=")
        out[k] = v
    return out


def md5_b64(s):
    return base64.b64encode(hashlib.md5(s.encode()).digest()).decode()


def md5_hex(s):
    return hashlib.md5(s.encode()).hexdigest()


def auth_check(method, app, tc_url):
    """(accepted, description for the _error) for one connect's app and tcUrl."""
    tag = "[ AccessManager.Reject ] : [ authmod=%s ] : " % method
    q = query_of(app)
    if q != query_of(tc_url):
        log("app and tcUrl queries differ: %r / %r" % (app, tc_url))
        return False, tag + "?reason=authfailed"
    if q.get("authmod") != method:
        return False, "[ AccessManager.Reject ] : [ code=403 need auth; authmod=%s ] : " % method
    if q.get("user") != AUTH["user"]:
        return False, tag + "?reason=nosuchuser"
    if "response" not in q:
        if method == "adobe":
            return False, tag + "?reason=needauth&user=%s&salt=%s&challenge=%s&opaque=%s" % (
                AUTH["user"], ADOBE_SALT, ADOBE_CHALLENGE, ADOBE_OPAQUE)
        return False, tag + "?reason=needauth&user=%s&nonce=%s" % (AUTH["user"], LLNW_NONCE)
    if method == "adobe":
        # FFmpeg's do_adobe_auth: the opaque when the server gave one, else the challenge
        want = md5_b64(md5_b64(AUTH["user"] + ADOBE_SALT + AUTH["password"]) + ADOBE_OPAQUE + q.get("challenge", ""))
        ok = q.get("opaque") == ADOBE_OPAQUE and q.get("challenge") and q["response"] == want
    else:
        bare_app = app.split("?", 1)[0]
        ha1 = md5_hex("%s:live:%s" % (AUTH["user"], AUTH["password"]))
        ha2 = md5_hex("publish:/%s%s" % (bare_app, "" if "/" in bare_app else "/_definst_"))
        want = md5_hex(":".join([ha1, q.get("nonce", ""), q.get("nc", ""), q.get("cnonce", ""), "auth", ha2]))
        ok = (q.get("nonce") == LLNW_NONCE and q.get("nc") == "00000001" and q.get("cnonce")
              and q["response"] == want)
    log("auth %s response %s" % (method, "accepted" if ok else "wrong"))
    if ok:
        return True, ""
    return False, tag + "?reason=authfailed" + ("&opaque=" + ADOBE_OPAQUE if method == "adobe" else "")


def status(sid, level, code, description):
    return message_chunks(5, 20, sid, amf_string("onStatus") + amf_number(0) + amf_null()
                          + amf_object([("level", amf_string(level)), ("code", amf_string(code)),
                                        ("description", amf_string(description))]))


# The "hostile-text" mode's descriptions: a terminal title, a line break that would start a
# forged line, a screen clear, DEL and the 2-byte UTF-8 form of the C1 CSI.
HOSTILE = "evil\x1b]0;pwned\x07\r\nrtmp-dump: forged line\x1b[2J\x7f\u009b31m done"


def serve_hostile(sock, reader):
    """After connect: createStream, then play or publish answered with HOSTILE text."""
    sid = 1
    while True:
        for values in read_commands(sock, reader):
            name = values[0] if values else None
            tid = values[1] if len(values) > 1 else 0
            log("client command %r" % name)
            if name == "createStream":
                sock.sendall(command("_result", tid, amf_null(), amf_number(sid)))
            elif name == "publish":
                sock.sendall(status(sid, "error", "NetStream.Publish.Denied", HOSTILE))
            elif name == "play":
                out = message_chunks(2, 4, 0, struct.pack(">HI", 0, sid))   # StreamBegin
                out += status(sid, "status", "NetStream.Play.Reset", HOSTILE)
                out += status(sid, "status", "NetStream.Play.Start", HOSTILE)
                out += message_chunks(5, 18, sid, amf_string("onMetaData") + amf_object(
                    [("title", amf_string(HOSTILE)), ("duration", amf_number(0))]))
                out += status(sid, "error", "NetStream.Play.Failed", HOSTILE)
                sock.sendall(out)
                log("sent the hostile play answers")


# The "wrap" mode's stream: its wire time starts this close to 2^32 and wraps to 0.
WRAP_START = 0xFFFFFFFF - 229
WRAP_FRAMES = 30


def serve_stream(sock, reader, start=0, frames=10):
    """After connect: createStream, then play (frames audio messages 23 ms apart from wire
    time start, modulo 2^32, then Play.Stop) or publish."""
    sid = 1
    while True:
        for values in read_commands(sock, reader):
            name = values[0] if values else None
            tid = values[1] if len(values) > 1 else 0
            log("client command %r" % name)
            if name == "createStream":
                sock.sendall(command("_result", tid, amf_null(), amf_number(sid)))
            elif name == "publish":
                sock.sendall(status(sid, "status", "NetStream.Publish.Start", "publishing"))
            elif name == "play":
                out = message_chunks(2, 4, 0, struct.pack(">HI", 0, sid))   # StreamBegin
                out += status(sid, "status", "NetStream.Play.Reset", "reset")
                out += status(sid, "status", "NetStream.Play.Start", "started")
                out += message_chunks(4, 8, sid, b"\xaf\x00\x12\x10", timestamp=start)   # AAC LC 44.1 kHz stereo
                for i in range(frames):
                    out += message_chunks(4, 8, sid, b"\xaf\x01" + bytes(20),
                                          timestamp=(start + i * 23) & 0xFFFFFFFF)
                out += status(sid, "status", "NetStream.Play.Stop", "stopped")
                sock.sendall(out)
                log("sent the stream")


FLV = {"path": None, "epoch": None, "request": False, "no_gop": False,   # play-flv: --flv, --epoch,
       "rebase": False}                                                   # --reconnect-url, --rebase
TAG_CSID = {8: 4, 9: 6, 18: 5}


def flv_tags(path):
    """(type, timestamp, body) of each tag of an FLV file."""
    data = open(path, "rb").read()
    pos = struct.unpack(">I", data[5:9])[0] + 4
    while pos + 11 <= len(data):
        ttype = data[pos] & 0x1F
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        ts = int.from_bytes(data[pos + 4:pos + 7], "big") | data[pos + 7] << 24
        yield ttype, ts, data[pos + 11:pos + 11 + size]
        pos += 11 + size + 4


def live_start(tags):
    """--epoch: where a live stream begun at the epoch is now: the index of the last video
    keyframe at or before that time (a GOP cache; --no-gop-cache: the next keyframe, as
    nginx-rtmp's wait_key, and without video the next audio frame), and the headers and
    metadata before the first frame."""
    now_ms = (time.time() - FLV["epoch"]) * 1000
    first, head = 0, []
    if FLV["no_gop"] and not any(t == 9 for t, _, _ in tags):   # audio only: from now on, as nginx-rtmp
        first = next((i for i, (t, ts, b) in enumerate(tags) if t == 8 and b[1:2] == b"\x01" and ts >= now_ms), 0)
    for i, (ttype, ts, body) in enumerate(tags):
        if ttype == 9 and len(body) > 1 and body[0] >> 4 == 1 and body[1] == 1:
            if ts <= now_ms or (FLV["no_gop"] and (first == 0 or tags[first][1] < now_ms)):
                first = i
    keys = [i for i, (t, ts, b) in enumerate(tags) if t == 9 and len(b) > 1 and b[0] >> 4 == 1 and b[1] == 1]
    if keys and first == keys[0]:
        first = 0   # the stream's start: the frames before its first keyframe too (audio at 0)
    for ttype, ts, body in tags[:first]:
        if ttype == 18 or (len(body) > 1 and body[1] == 0):
            head.append((ttype, ts, body))
    return head + tags[first:]


def serve_flv(sock, reader):
    """After connect: createStream, then play sends the tags of FLV["path"], then Play.Stop.
    --epoch: as a live stream begun then (from the last keyframe before now, at the file's
    times in real time from the epoch); --reconnect-url: a ReconnectRequest after
    --request-after video frames, audio frames without video (the stream goes on to its
    end)."""
    sid = 1
    while True:
        for values in read_commands(sock, reader):
            name = values[0] if values else None
            tid = values[1] if len(values) > 1 else 0
            log("client command %r" % name)
            if name == "createStream":
                sock.sendall(command("_result", tid, amf_null(), amf_number(sid)))
            elif name == "play":
                paced = len(values) > 3 and str(values[3]).startswith("paced")
                out = message_chunks(2, 4, 0, struct.pack(">HI", 0, sid))   # StreamBegin
                out += status(sid, "status", "NetStream.Play.Reset", "reset")
                out += status(sid, "status", "NetStream.Play.Start", "started")
                sock.sendall(out)
                start, count, frames = time.monotonic(), 0, 0
                tags = list(flv_tags(FLV["path"]))
                counted = 9 if any(t == 9 for t, _, _ in tags) else 8   # the request counts these
                if FLV["epoch"] is not None:
                    tags = live_start(tags)
                    log("live from %d ms" % next((ts for t, ts, b in tags if t == 9 and b[1:2] == b"\x01"), -1))
                base = next((ts for t, ts, b in tags if t != 18 and len(b) > 1 and b[1] != 0), 0) if FLV["rebase"] else 0
                for ttype, ts, body in tags:
                    wait = (FLV["epoch"] + ts / 1000.0 - time.time() if FLV["epoch"] is not None
                            else start + ts / 1000.0 - time.monotonic() if paced else 0)
                    if wait > 0:
                        time.sleep(wait)
                    sock.sendall(message_chunks(TAG_CSID.get(ttype, 5), ttype, sid, body, timestamp=max(ts - base, 0)))
                    count += 1
                    if ttype == counted and len(body) > 1 and body[1] == 1:
                        frames += 1
                        if FLV["request"] and frames == MOVE["after"]:
                            sock.sendall(reconnect_request())
                sock.sendall(status(sid, "status", "NetStream.Play.Stop", "stopped"))
                log("sent %d tags of %s" % (count, FLV["path"]))


# The reconnect-request mode's settings (--reconnect-url, --request-after, --record).
MOVE = {"url": "@none", "after": 40, "record": None, "media": None, "conns": 0, "publishing": set(),
        "once": False, "requested": False}
MOVE_LOCK = threading.Lock()


def move_tc_url():
    url = MOVE["url"]
    if url == "@long":
        return "rtmp://127.0.0.1/" + "a" * 2000
    if url == "@control":
        return "rtmp://127.0.0.1/li\x1b[2Jve\r\nrtmp-push: forged line"
    return None if url == "@none" else url


def reconnect_request():
    info = [("level", amf_string("status")), ("code", amf_string("NetConnection.Connect.ReconnectRequest")),
            ("description", amf_string("The streaming server is undergoing updates."))]
    url = move_tc_url()
    if url is not None:
        info.append(("tcUrl", amf_string(url)))
    log("sending ReconnectRequest (tcUrl %r)" % (url if url is None or len(url) < 80 else "%d bytes" % len(url)))
    return message_chunks(3, 20, 0, amf_string("onStatus") + amf_number(0) + amf_null() + amf_object(info))


def first_request():
    """Whether a publisher is to get the request: always, or with --request-once only the
    first one (a server that asks to move to itself)."""
    with MOVE_LOCK:
        first = not MOVE["requested"]
        MOVE["requested"] = True
    return first or not MOVE["once"]


def move_audio():
    """The AAC sequence header and frames the play side sends: --media's (an FLV), or
    made-up frames that only a recorder takes."""
    if not MOVE["media"]:
        return b"\xaf\x00\x12\x10", [b"\xaf\x01" + bytes([i]) * 20 for i in range(256)]
    data = open(MOVE["media"], "rb").read()
    pos = struct.unpack(">I", data[5:9])[0] + 4
    config, frames = None, []
    while pos + 11 <= len(data):
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        body = data[pos + 11:pos + 11 + size]
        if data[pos] & 0x1F == 8 and len(body) > 1 and body[0] >> 4 == 10:
            if body[1] == 0:
                config = config or body
            else:
                frames.append(body)
        pos += 11 + size + 4
    return config, frames


class Recorder:
    """A socket whose received bytes are also written to a file."""

    def __init__(self, sock, path):
        self.sock, self.out = sock, open(path, "wb")

    def recv(self, n):
        data = self.sock.recv(n)
        self.out.write(data)
        self.out.flush()
        return data

    def sendall(self, data):
        return self.sock.sendall(data)


def serve_move(sock, reader):
    """After connect: one stream, with a ReconnectRequest in the middle (see the mode).
    A stream another connection publishes is refused (BadName), as nginx-rtmp does."""
    published = []   # the stream this connection publishes, taken from the others
    try:
        serve_move_stream(sock, reader, published)
    finally:
        with MOVE_LOCK:
            MOVE["publishing"].difference_update(published)


def serve_move_stream(sock, reader, published):
    sid, video = 1, 0
    while True:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("client closed")
        for mtype, _, _, payload in reader.feed(data):
            if mtype == 9 and len(payload) > 1 and payload[1] != 0:
                video += 1
                if video == MOVE["after"] and first_request():
                    sock.sendall(reconnect_request())
                continue
            if mtype not in (20, 17):
                continue
            values = amf_decode_all(payload[1:] if mtype == 17 else payload)
            name = values[0] if values else None
            tid = values[1] if len(values) > 1 else 0
            log("client command %r" % name)
            if name == "createStream":
                sock.sendall(command("_result", tid, amf_null(), amf_number(sid)))
            elif name == "publish":
                stream = values[3] if len(values) > 3 and isinstance(values[3], str) else ""
                with MOVE_LOCK:
                    taken = stream in MOVE["publishing"]
                    if not taken:
                        MOVE["publishing"].add(stream)
                        published.append(stream)
                if taken:
                    log("publish %r refused: taken" % stream)
                    sock.sendall(status(sid, "error", "NetStream.Publish.BadName", "Already publishing"))
                else:
                    sock.sendall(status(sid, "status", "NetStream.Publish.Start", "publishing"))
            elif name == "play":
                out = message_chunks(2, 4, 0, struct.pack(">HI", 0, sid))   # StreamBegin
                out += status(sid, "status", "NetStream.Play.Reset", "reset")
                out += status(sid, "status", "NetStream.Play.Start", "started")
                config, frames = move_audio()
                n = MOVE["after"]
                out += message_chunks(4, 8, sid, config)
                for i in range(n):
                    out += message_chunks(4, 8, sid, frames[i % len(frames)], timestamp=i * 23)
                sock.sendall(out + reconnect_request())
                time.sleep(1.0)
                out = b""
                for i in range(n, n + 20):
                    out += message_chunks(4, 8, sid, frames[i % len(frames)], timestamp=i * 23)
                sock.sendall(out + status(sid, "status", "NetStream.Play.Stop", "stopped"))
                log("sent the stream")


def serve_auth(sock, method):
    handshake(sock)
    reader = MessageReader()
    while True:
        for values in read_commands(sock, reader):
            if not values or values[0] != "connect":
                continue
            tid = values[1] if len(values) > 1 else 0
            obj = values[2] if len(values) > 2 and isinstance(values[2], dict) else {}
            extra = values[3:]
            log("connect app %r%s" % (obj.get("app", "").split("?")[0],
                                      " extra %r" % (extra,) if extra else ""))
            ok, description = auth_check(method, obj.get("app", ""), obj.get("tcUrl", ""))
            if not ok:
                sock.sendall(command("_error", tid, amf_null(),
                                     amf_object([("level", amf_string("error")),
                                                 ("code", amf_string("NetConnection.Connect.Rejected")),
                                                 ("description", amf_string(description))])))
                time.sleep(0.2)
                return
            sock.sendall(command("_result", tid,
                                 amf_object([("fmsVer", amf_string("FMS/3,5,7,7009")),
                                             ("capabilities", amf_number(31))]),
                                 amf_object([("level", amf_string("status")),
                                             ("code", amf_string("NetConnection.Connect.Success")),
                                             ("description", amf_string("Connection succeeded.")),
                                             ("objectEncoding", amf_number(0))])))
            serve_stream(sock, reader)
            return


def command(name, tid, cmdobj, info):
    return message_chunks(3, 20, 0, amf_string(name) + amf_number(tid) + cmdobj + info)


def serve(sock, mode):
    if mode == "close":
        return
    if mode == "silent":
        drain(sock)
        return
    if mode in ("auth-adobe", "auth-llnw"):
        serve_auth(sock, mode[5:])
        return
    if mode == "bad-version":
        handshake(sock, version=6)
        drain(sock)
        return
    if mode == "reconnect-request" and MOVE["record"]:
        with MOVE_LOCK:
            n = MOVE["conns"]
            MOVE["conns"] += 1
        sock = Recorder(sock, os.path.join(MOVE["record"], "conn-%d.bin" % n))
    handshake(sock)
    log("handshake done")
    if mode == "handshake-then-silent":
        drain(sock)
        return
    tid, reader = wait_connect(sock)
    if mode in ("connect-then-silent", "wrap", "hostile-text", "ertmp-caps", "play-flv", "reconnect-request"):
        props = [("fmsVer", amf_string("FMS/3,0,1,123")), ("capabilities", amf_number(31))]
        if mode == "reconnect-request":
            props += [("capsEx", amf_number(1))]
        elif mode == "ertmp-caps":
            props += [("fourCcList", amf_strict_array([amf_string("av01")])),
                      ("videoFourCcInfoMap", amf_object([("av01", amf_number(7))])),
                      ("audioFourCcInfoMap", amf_object([("Opus", amf_number(7))])),
                      ("capsEx", amf_number(2))]
        else:
            # Enhanced RTMP: what an enhanced server echoes
            props += [("capsEx", amf_number(3)),
                      ("fourCcList", amf_strict_array([amf_string("hvc1"), amf_string("av01")])),
                      ("videoFourCcInfoMap", amf_object([("hvc1", amf_number(4))]))]
        sock.sendall(command("_result", tid, amf_object(props),
                             amf_object([("level", amf_string("status")),
                                         ("code", amf_string("NetConnection.Connect.Success")),
                                         ("description", amf_string(HOSTILE if mode == "hostile-text"
                                                                    else "Connection succeeded.")),
                                         ("objectEncoding", amf_number(0))])))
        if mode == "hostile-text":
            serve_hostile(sock, reader)
            return
        if mode == "wrap":
            serve_stream(sock, reader, WRAP_START, WRAP_FRAMES)
            return
        if mode == "ertmp-caps":
            serve_stream(sock, reader)
            return
        if mode == "play-flv":
            serve_flv(sock, reader)
            return
        if mode == "reconnect-request":
            serve_move(sock, reader)
            return
    elif mode in REJECTS:
        code, description = REJECTS[mode]
        sock.sendall(command("_error", tid, amf_null(),
                             amf_object([("level", amf_string("error")),
                                         ("code", amf_string(code)),
                                         ("description", amf_string(description))])))
        time.sleep(1.0)
        return
    elif mode == "bad-chunk":
        # fmt 1 (no message stream id) on a chunk stream that never had a fmt 0
        sock.sendall(basic_header(1, 20) + b"\x00\x00\x00" + b"\x00\x00\x10" + b"\x14" + b"\x00" * 16)
    elif mode == "many-streams":
        out = b""
        for csid in range(3, 73):
            hdr = basic_header(0, csid) + b"\x00\x00\x00" + (1000).to_bytes(3, "big") + b"\x09" + struct.pack("<I", 1)
            out += hdr + b"\x17" + b"\x00" * (CHUNK_SIZE - 1)
        sock.sendall(out)
    elif mode == "chunk-size-zero":
        sock.sendall(message_chunks(2, 1, 0, struct.pack(">I", 0)))
    log("sent %s" % mode)
    drain(sock)


def handle(sock, addr, mode):
    log("connection from %s:%d" % addr)
    try:
        serve(sock, mode)
    except (ConnectionError, OSError) as e:
        log("connection %s:%d: %s" % (addr[0], addr[1], e))
    finally:
        try:
            sock.close()
        except OSError:
            pass
        log("closed %s:%d" % addr)


MODES = ("silent", "close", "bad-version", "handshake-then-silent", "connect-then-silent",
         "reject-connect", "reject-plain", "invalid-app", "bad-chunk", "many-streams", "chunk-size-zero",
         "auth-adobe", "auth-llnw", "syn-drop", "wrap", "hostile-text", "ertmp-caps", "play-flv",
         "reconnect-request")


def fill_accept_queue(address):
    """Connections of our own that nobody accepts, until the queue is full."""
    held = []
    for _ in range(4):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(address)
        except BlockingIOError:
            pass
        held.append(c)
    time.sleep(0.1)
    return held


def main():
    ap = argparse.ArgumentParser(description="scripted misbehaving RTMP server")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--mode", required=True, choices=MODES)
    ap.add_argument("--timeout", type=float, default=60.0, help="exit after this many seconds")
    ap.add_argument("--user", default=AUTH["user"], help="auth-* modes: the user name")
    ap.add_argument("--password", default=AUTH["password"], help="auth-* modes: the password")
    ap.add_argument("--flv", help="play-flv: the FLV file whose tags play sends")
    ap.add_argument("--epoch", type=float, help="play-flv: the file is a live stream begun at this time.time()")
    ap.add_argument("--no-gop-cache", action="store_true", help="play-flv --epoch: start at the next keyframe")
    ap.add_argument("--rebase", action="store_true", help="play-flv: each player's stream starts at 0")
    ap.add_argument("--reconnect-url", default="@none",
                    help="reconnect-request: the tcUrl to send; play-flv: send a request with it")
    ap.add_argument("--request-after", type=int, default=40, help="reconnect-request: media before the request")
    ap.add_argument("--request-once", action="store_true", help="reconnect-request: only the first publisher is asked")
    ap.add_argument("--record", help="reconnect-request: a directory for what clients send")
    ap.add_argument("--media", help="reconnect-request: an FLV whose AAC the play side sends")
    args = ap.parse_args()
    FLV["path"] = args.flv
    FLV["epoch"] = args.epoch
    FLV["no_gop"] = args.no_gop_cache
    FLV["rebase"] = args.rebase
    FLV["request"] = args.mode == "play-flv" and args.reconnect_url != "@none"
    if args.mode == "play-flv" and not args.flv:
        ap.error("play-flv needs --flv FILE")
    AUTH["user"], AUTH["password"] = args.user, args.password
    MOVE.update(url=args.reconnect_url, after=args.request_after, record=args.record, media=args.media,
                once=args.request_once)

    def on_signal(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(0 if args.mode == "syn-drop" else 16)
    srv.settimeout(0.2)
    held = fill_accept_queue(srv.getsockname()) if args.mode == "syn-drop" else []
    print("listening %s:%d" % srv.getsockname(), flush=True)
    deadline = time.monotonic() + args.timeout
    try:
        while time.monotonic() < deadline:
            if held:
                time.sleep(0.2)   # syn-drop: never accept
                continue
            try:
                sock, addr = srv.accept()
            except socket.timeout:
                continue
            sock.settimeout(max(1.0, deadline - time.monotonic()))
            threading.Thread(target=handle, args=(sock, addr, args.mode), daemon=True).start()
        log("timeout, exiting")
    finally:
        srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
