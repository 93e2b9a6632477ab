#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that forwards both ways and, on SIGUSR1 (or --after S seconds
after the first connection), stops forwarding server -> client for --stall S seconds:
what the server sends meanwhile is read and held here, then written to the client at
once. A stalled network in front of a player, without stopping the player itself.
On SIGUSR2 it cuts the link instead: every open connection is closed, and connections
made in the next --cut seconds are closed as soon as they are accepted (a link that is
down for a while, then back).
  stall_proxy.py --port P --target PORT --stall S [--after S | --at-connect] [--cut S]
                 [--timeout S] [--record DIR]
--at-connect stalls from the first connection's accept on: its handshake's answer comes
S seconds late (a new place that is slow to connect to); --at-each-connect does so at
every connection's accept (a place that is slow to connect to every time).
With --record, what each client sent (client -> server bytes, handshake included) is also
written to DIR/conn-N.bin, N from 1 (tests/integration/rtmp_capture.py reads them).
Prints "listening" when ready, "stall" and "release BYTES" around each stall, "cut" for
each cut, "refused" for a connection closed during a cut and "connection N" for each one
forwarded; serves connections until --timeout or SIGTERM."""
import argparse
import signal
import socket
import sys
import threading
import time

# Until this monotonic time, server -> client bytes are held (0: not stalled).
held_until = 0.0
lock = threading.RLock()   # re-entrant: the signal handlers take it on the main thread
# The sockets of the connections forwarded, for a cut; until this time, none is accepted.
open_socks = []
refuse_until = 0.0


def stall(seconds):
    global held_until
    with lock:
        held_until = time.monotonic() + seconds
    print("stall", flush=True)


def cut(seconds):
    global refuse_until
    refuse_until = time.monotonic() + seconds
    with lock:
        socks = list(open_socks)
        open_socks.clear()
    shut(*socks)
    print("cut", flush=True)


def shut(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def pump(src, dst, holds, record=None):
    backlog = bytearray()
    held = False
    try:
        src.settimeout(0.05)
        while True:
            try:
                data = src.recv(65536)
                if not data:
                    break
                if record:
                    record.write(data)
                    record.flush()
                backlog += data
            except socket.timeout:
                pass
            # Reading goes on during a stall, so the server is never blocked by us.
            if holds and time.monotonic() < held_until:
                held = True
                continue
            if backlog:
                if held:
                    print("release %d" % len(backlog), flush=True)
                    held = False
                dst.sendall(backlog)
                backlog.clear()
    except OSError:
        pass
    if record:
        record.close()
    shut(src, dst)


def handle(client, target, record=None):
    try:
        server = socket.create_connection(("127.0.0.1", target), timeout=5)
    except OSError:
        client.close()
        if record:
            record.close()
        return
    with lock:
        open_socks.extend((client, server))
    threading.Thread(target=pump, args=(client, server, False, record), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, True), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--stall", type=float, required=True)
    ap.add_argument("--after", type=float, default=0, help="stall this long after the first connection")
    ap.add_argument("--at-connect", action="store_true", help="stall from the first connection's accept on")
    ap.add_argument("--at-each-connect", action="store_true", help="stall from every connection's accept on")
    ap.add_argument("--cut", type=float, default=0, help="on SIGUSR2, refuse connections this long")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--record", help="write each client's bytes to DIR/conn-N.bin")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGUSR1, lambda *_: stall(a.stall))
    signal.signal(signal.SIGUSR2, lambda *_: cut(a.cut))
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(8)
    srv.settimeout(0.2)
    print("listening", flush=True)
    deadline = time.monotonic() + a.timeout
    stall_at = None
    connections = 0
    while time.monotonic() < deadline:
        if stall_at is not None and time.monotonic() >= stall_at:
            stall_at = None
            stall(a.stall)
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        if time.monotonic() < refuse_until:
            shut(c)
            c.close()
            print("refused", flush=True)
            continue
        connections += 1
        print("connection %d" % connections, flush=True)
        if (a.at_connect and connections == 1) or a.at_each_connect:
            stall(a.stall)
        if a.after > 0 and stall_at is None:
            stall_at = time.monotonic() + a.after
            a.after = 0
        handle(c, a.target, open("%s/conn-%d.bin" % (a.record, connections), "wb") if a.record else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
