#!/usr/bin/env python3
"""An edge server that serves several streams over one client connection, the way FMS,
Wowza and Red5 do, taking each from an origin that serves one stream per connection
(nginx-rtmp and node-media-server both answer every createStream with message stream
id 1). python3 stdlib only; for tests/integration/test_streams.sh.

    multi_stream_edge.py --port P --origin rtmp://HOST:PORT/APP [--timeout S]

Prints "listening HOST:PORT" on stdout when ready (--port 0 picks a free port). For each
client connection: connect is answered at once; each createStream gets its own message
stream id (1, 2, 3...); each play(name) on one of them opens a connection of its own to
the origin (handshake, connect, createStream, play name) and relays what the origin sends
for it (audio, video, data, aggregate, onStatus, StreamBegin/StreamEOF) onto the
client's message stream, timestamps unchanged. deleteStream or the client's close ends
the relays. One line per event on stderr ("client connection" once per client).
"""

import argparse
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scripted_server import (HANDSHAKE_SIZE, MessageReader, amf_decode_all, amf_null,  # noqa: E402
                             amf_number, amf_object, amf_string, command, handshake,
                             message_chunks, recv_exact)

RELAYED = (8, 9, 15, 18, 20, 22)   # audio, video, data (AMF3, AMF0), command, aggregate
UC_STREAM_BEGIN, UC_STREAM_EOF, UC_PING_REQUEST, UC_PING_RESPONSE = 0, 1, 6, 7


def log(msg):
    sys.stderr.write("multi_stream_edge: %s\n" % msg)
    sys.stderr.flush()


def read_messages(sock, reader):
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("closed")
    return reader.feed(data)


class Relay(threading.Thread):
    """One stream: an origin connection playing name, relayed onto the client's sid."""

    def __init__(self, client, origin, name, sid):
        super().__init__(daemon=True)
        self.client, self.origin, self.name, self.sid = client, origin, name, sid
        self.sock = None
        self.stopped = False

    def stop(self):
        self.stopped = True
        if self.sock:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def run(self):
        try:
            self.relay()
        except (ConnectionError, OSError, ValueError, IndexError, struct.error) as e:
            if not self.stopped:
                log("relay of %r: %s" % (self.name, e))
        finally:
            if self.sock:
                self.sock.close()

    def setup(self, reader):
        """Handshake, connect, createStream, play; returns the origin's stream id."""
        s, o = self.sock, self.origin
        c1 = bytes(8) + os.urandom(HANDSHAKE_SIZE - 8)
        s.sendall(b"\x03" + c1)
        s1 = recv_exact(s, 1 + 2 * HANDSHAKE_SIZE)[1:1 + HANDSHAKE_SIZE]
        s.sendall(s1)
        s.sendall(command("connect", 1, amf_object([("app", amf_string(o["app"])),
                                                     ("flashVer", amf_string("LNX 9,0,124,2")),
                                                     ("tcUrl", amf_string(o["tc_url"]))]), b""))
        origin_sid = None
        while origin_sid is None:
            for mtype, _, _, payload in read_messages(s, reader):
                if mtype != 20:
                    continue
                values = amf_decode_all(payload)
                if values[:2] == ["_result", 1.0]:
                    s.sendall(command("createStream", 2, amf_null(), b""))
                elif values[:2] == ["_result", 2.0]:
                    origin_sid = int(values[3])
                elif values and values[0] == "_error":
                    raise ConnectionError("the origin refused: %r" % (values,))
        s.sendall(message_chunks(8, 20, origin_sid, amf_string("play") + amf_number(0) + amf_null()
                                 + amf_string(self.name) + amf_number(-2)))
        return origin_sid

    def relay(self):
        self.sock = socket.create_connection((self.origin["host"], self.origin["port"]), timeout=None)
        reader = MessageReader()
        self.setup(reader)
        log("relaying %r onto message stream %d" % (self.name, self.sid))
        received = acked = 0
        window = 2500000
        while not self.stopped:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the origin closed")
            received += len(data)
            if received - acked >= window:
                acked = received
                self.sock.sendall(message_chunks(2, 3, 0, struct.pack(">I", received & 0xFFFFFFFF)))
            for mtype, _, ts, payload in reader.feed(data):
                self.forward(mtype, ts, payload)

    def forward(self, mtype, ts, payload):
        if mtype == 5 and len(payload) >= 4:
            return   # the origin's window: we ack every 2.5 MB anyway
        if mtype == 4 and len(payload) >= 6:
            event = struct.unpack(">H", payload[:2])[0]
            if event == UC_PING_REQUEST:
                self.sock.sendall(message_chunks(2, 4, 0, struct.pack(">H", UC_PING_RESPONSE) + payload[2:6]))
            elif event in (UC_STREAM_BEGIN, UC_STREAM_EOF):
                self.client.send(message_chunks(2, 4, 0, struct.pack(">HI", event, self.sid)))
            return
        if mtype in RELAYED:
            csid = {8: 4, 9: 6}.get(mtype, 5)
            self.client.send(message_chunks(csid, mtype, self.sid, payload, timestamp=ts))


class Client:
    """The client connection: its socket (writes from every relay under one lock)."""

    def __init__(self, sock):
        self.sock = sock
        self.lock = threading.Lock()

    def send(self, data):
        with self.lock:
            self.sock.sendall(data)


def serve(sock, origin):
    client = Client(sock)
    reader = MessageReader()
    relays = {}
    next_sid = 1
    handshake(sock)
    try:
        while True:
            for mtype, sid, _, payload in read_messages(sock, reader):
                if mtype != 20:
                    continue
                values = amf_decode_all(payload)
                name = values[0] if values else None
                tid = values[1] if len(values) > 1 else 0
                log("client command %r on message stream %d" % (name, sid))
                if name == "connect":
                    client.send(command("_result", tid,
                                        amf_object([("fmsVer", amf_string("FMS/3,5,7,7009")),
                                                    ("capabilities", amf_number(31))]),
                                        amf_object([("level", amf_string("status")),
                                                    ("code", amf_string("NetConnection.Connect.Success")),
                                                    ("description", amf_string("Connection succeeded."))])))
                elif name == "createStream":
                    client.send(command("_result", tid, amf_null(), amf_number(next_sid)))
                    next_sid += 1
                elif name == "play" and len(values) > 3 and sid not in relays:
                    relays[sid] = Relay(client, origin, values[3], sid)
                    relays[sid].start()
                elif name == "deleteStream" and len(values) > 3 and int(values[3]) in relays:
                    relays.pop(int(values[3])).stop()
    finally:
        for r in relays.values():
            r.stop()


def handle(sock, addr, origin):
    log("client connection from %s:%d" % addr)
    try:
        serve(sock, origin)
    except (ConnectionError, OSError, ValueError, IndexError, struct.error) as e:
        log("client %s:%d: %s" % (addr[0], addr[1], e))
    finally:
        sock.close()
        log("closed %s:%d" % addr)


def parse_origin(url):
    u = urllib.parse.urlsplit(url)
    app = u.path.strip("/")
    return {"host": u.hostname, "port": u.port or 1935, "app": app,
            "tc_url": "rtmp://%s:%d/%s" % (u.hostname, u.port or 1935, app)}


def main():
    ap = argparse.ArgumentParser(description="an RTMP edge serving several streams per connection")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--origin", required=True, help="rtmp://HOST:PORT/APP")
    ap.add_argument("--timeout", type=float, default=120.0, help="exit after this many seconds")
    args = ap.parse_args()
    origin = parse_origin(args.origin)

    def on_signal(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(16)
    srv.settimeout(0.2)
    print("listening %s:%d" % srv.getsockname(), flush=True)
    deadline = time.monotonic() + args.timeout
    try:
        while time.monotonic() < deadline:
            try:
                sock, addr = srv.accept()
            except socket.timeout:
                continue
            sock.settimeout(None)
            threading.Thread(target=handle, args=(sock, addr, origin), daemon=True).start()
        log("timeout, exiting")
    finally:
        srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
