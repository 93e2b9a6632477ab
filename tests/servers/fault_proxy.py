#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that forwards both ways to a server and makes the network
faults of the fault matrix when a test asks, at the moment it chooses.

  fault_proxy.py --port P --target PORT [--control CPORT] [--bytewise] [--timeout S]

Faults are commands, one line each, sent to the control port on 127.0.0.1 (bash:
`echo "reset 1000" >/dev/tcp/127.0.0.1/$CPORT`), or signals:
  reset [N]     connection reset: every open connection is closed with an RST (SO_LINGER
                0) on both sides; with N, after N more bytes server -> client (in the
                middle of a message). SIGUSR1: reset now.
  blackhole     a black hole: the open connections stop forwarding both ways, and stop
                reading (no FIN, no RST, the sockets stay open; nothing more arrives and
                the peers' writes pile up). New connections forward normally. SIGUSR2.
  bytewise on|off  forward byte by byte: 1-byte reads and 1-byte writes (TCP_NODELAY), so
                the peers see their messages in 1-byte pieces. --bytewise: on from the start.
  refuse S      refused: the open connections are reset and the listening socket is
                closed for S seconds (connects get ECONNREFUSED), then listens again.
  stall S       server -> client bytes are held for S seconds, then sent at once.
  heal          ends a black hole and a stall on the open connections.
  target PORT   new connections forward to 127.0.0.1:PORT (the open ones stay where they
                are): a server that changes under the client, for its next reconnect.
Prints "target PORT" and "listening" when ready, then one line per event: "connection N",
"reset", "blackhole", "refusing", "listening again", "stall", "heal", "bytewise on|off",
"target PORT", and "closed N up=BYTES down=BYTES" when a connection ends. Serves until
--timeout or SIGTERM.
"""
import argparse
import signal
import socket
import struct
import sys
import threading
import time

lock = threading.RLock()   # re-entrant: the signal handlers take it on the main thread
conns = []                 # the open connections
bytewise = False
refuse_until = 0.0
target_port = 0            # where new connections go


def say(*words):
    print(*words, flush=True)


def rst(sock):
    """Closes sock with an RST rather than a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class Conn:
    def __init__(self, n, client, server):
        self.n = n
        self.client = client
        self.server = server
        self.frozen = False        # black hole
        self.held_until = 0.0      # stall of server -> client
        self.reset_after = None    # bytes server -> client before a reset
        self.up = 0
        self.down = 0
        self.dead = False

    def reset(self):
        with lock:
            if self.dead:
                return
            self.dead = True
        rst(self.client)
        rst(self.server)

    def pump(self, src, dst, down):
        """Forwards src -> dst; down: server -> client."""
        backlog = bytearray()
        held = False
        try:
            src.settimeout(0.05)
            while not self.dead:
                if self.frozen:
                    time.sleep(0.05)      # neither read nor write: a black hole
                    continue
                try:
                    data = src.recv(1 if bytewise else 65536)
                    if not data:
                        break
                    backlog += data
                except socket.timeout:
                    pass
                if down and time.monotonic() < self.held_until:
                    held = True
                    continue
                if held and backlog:
                    say("release %d" % len(backlog))
                    held = False
                if backlog:
                    self.forward(dst, backlog, down)
                    backlog.clear()
        except OSError:
            pass
        if not self.dead:
            # A FIN from one side: pass it on, as a plain proxy would.
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        with lock:
            if self in conns:
                conns.remove(self)
                say("closed %d up=%d down=%d" % (self.n, self.up, self.down))

    def forward(self, dst, data, down):
        if down and self.reset_after is not None:
            if len(data) >= self.reset_after:
                data = data[:self.reset_after]
                self.send(dst, data, down)
                say("reset after %d bytes" % (self.down))
                self.reset()
                return
            self.reset_after -= len(data)
        self.send(dst, data, down)

    def send(self, dst, data, down):
        if bytewise:
            for i in range(len(data)):
                dst.sendall(data[i:i + 1])
        else:
            dst.sendall(data)
        if down:
            self.down += len(data)
        else:
            self.up += len(data)


def open_conns():
    with lock:
        return list(conns)


def reset(after=None):
    for c in open_conns():
        if after:
            c.reset_after = after
        else:
            c.reset()
    say("reset" if not after else "reset armed %d" % after)


def blackhole():
    for c in open_conns():
        c.frozen = True
    say("blackhole")


def heal():
    for c in open_conns():
        c.frozen = False
        c.held_until = 0.0
    say("heal")


def stall(seconds):
    for c in open_conns():
        c.held_until = time.monotonic() + seconds
    say("stall")


def set_bytewise(on):
    global bytewise
    bytewise = on
    for c in open_conns():
        for s in (c.client, c.server):
            try:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
    say("bytewise " + ("on" if on else "off"))


def refuse(seconds):
    global refuse_until
    refuse_until = time.monotonic() + seconds
    for c in open_conns():
        c.reset()
    say("refusing")


def set_target(port):
    global target_port
    target_port = port
    say("target %d" % port)


def command(line):
    words = line.split()
    if not words:
        return
    cmd, args = words[0], words[1:]
    if cmd == "reset":
        reset(int(args[0]) if args else None)
    elif cmd == "blackhole":
        blackhole()
    elif cmd == "heal":
        heal()
    elif cmd == "stall":
        stall(float(args[0]))
    elif cmd == "bytewise":
        set_bytewise(not args or args[0] == "on")
    elif cmd == "refuse":
        refuse(float(args[0]))
    elif cmd == "target":
        set_target(int(args[0]))
    else:
        say("unknown command " + cmd)


def control_loop(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(4)
    while True:
        c, _ = srv.accept()
        with c:
            data = b""
            c.settimeout(2)
            try:
                while True:
                    d = c.recv(4096)
                    if not d:
                        break
                    data += d
            except OSError:
                pass
        for line in data.decode(errors="replace").splitlines():
            command(line)


def handle(n, client):
    try:
        server = socket.create_connection(("127.0.0.1", target_port), timeout=5)
    except OSError:
        rst(client)
        return
    if bytewise:
        for s in (client, server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c = Conn(n, client, server)
    with lock:
        conns.append(c)
    threading.Thread(target=c.pump, args=(client, server, False), daemon=True).start()
    threading.Thread(target=c.pump, args=(server, client, True), daemon=True).start()


def listen(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(8)
    srv.settimeout(0.1)
    return srv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--control", type=int, default=0, help="the control port (0: signals only)")
    ap.add_argument("--bytewise", action="store_true")
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    set_target(a.target)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGUSR1, lambda *_: reset())
    signal.signal(signal.SIGUSR2, lambda *_: blackhole())
    if a.bytewise:
        set_bytewise(True)
    if a.control:
        threading.Thread(target=control_loop, args=(a.control,), daemon=True).start()
    srv = listen(a.port)
    say("listening")
    deadline = time.monotonic() + a.timeout
    connections = 0
    while time.monotonic() < deadline:
        if time.monotonic() < refuse_until:
            if srv:
                srv.close()
                srv = None
            time.sleep(0.05)
            continue
        if srv is None:
            srv = listen(a.port)
            say("listening again")
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        connections += 1
        say("connection %d" % connections)
        handle(connections, c)
    return 0


if __name__ == "__main__":
    sys.exit(main())
