#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that forwards client -> server at a limited rate (bytes per
second) and server -> client freely: a slow uplink for rtmp-push's send-queue tests.
  slow_proxy.py --port P --target PORT --rate BYTES_PER_S [--timeout S]
Prints "listening" when ready; serves connections until --timeout or SIGTERM."""
import argparse
import signal
import socket
import sys
import threading
import time


def pump(src, dst, rate):
    budget_start = time.monotonic()
    sent = 0
    try:
        while True:
            data = src.recv(4096 if rate else 65536)
            if not data:
                break
            if rate:
                sent += len(data)
                due = budget_start + sent / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(client, target, rate):
    try:
        server = socket.create_connection(("127.0.0.1", target), timeout=5)
        server.settimeout(None)
    except OSError:
        client.close()
        return
    # Small buffers so that the slowness reaches the sender instead of piling up here.
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    threading.Thread(target=pump, args=(client, server, rate), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, 0), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(8)
    srv.settimeout(0.2)
    print("listening", flush=True)
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        handle(c, a.target, a.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
