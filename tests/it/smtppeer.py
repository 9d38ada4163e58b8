#!/usr/bin/python3
# smtppeer.py: a scriptable SMTP server for mail-remote's tests (loopback only).
# Writes its port to --portfile once listening; stores each message (CRLF
# made LF, dots unstuffed) in --store/N with the envelope in --store/N.env;
# logs every command line to --log. With --starttls CERT KEY it offers
# STARTTLS (python's ssl module, i.e. OpenSSL) and logs "(tls VERSION CIPHER)"
# after each handshake, or "(tls failed: WHY)".
import argparse, os, socket, ssl, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--ip", default="127.0.0.1")
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--portfile")
ap.add_argument("--greeting", default="220 peer.test ESMTP")
ap.add_argument("--helo-only", action="store_true")
ap.add_argument("--pipelining", action="store_true")
ap.add_argument("--smtputf8", action="store_true")
ap.add_argument("--size", type=int, default=0)
ap.add_argument("--hang", action="store_true", help="say nothing after the greeting")
ap.add_argument("--drip", action="store_true", help="answer EHLO with a line a second, for ever")
ap.add_argument("--rcpt-fail", action="append", default=[], help="ADDR=REPLY")
ap.add_argument("--defer-once", action="append", default=[], help="ADDR: 450 the first time")
ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
ap.add_argument("--tls13-only", action="store_true", help="handshakes need TLS 1.3")
ap.add_argument("--store", required=True)
ap.add_argument("--log", required=True)
a = ap.parse_args()

fails = dict(x.split("=", 1) for x in a.rcpt_fail)
ctx = None
if a.starttls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.starttls[0], a.starttls[1])
    if a.tls13_only:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
deferred = set()
lock = threading.Lock()
count = [0]


def log(s):
    with lock, open(a.log, "ab") as f:
        f.write(s + b"\n")


class Reader:
    """lines from the socket; pending() tells whether more bytes already came"""
    def __init__(self, c):
        self.c, self.buf = c, b""

    def readline(self):
        while b"\n" not in self.buf:
            d = self.c.recv(65536)
            if not d:
                l, self.buf = self.buf, b""
                return l
            self.buf += d
        i = self.buf.index(b"\n") + 1
        l, self.buf = self.buf[:i], self.buf[i:]
        return l

    def pending(self):
        return len(self.buf) > 0


def session(c):
    f = Reader(c)
    tls = [False]
    def say(s):
        c.sendall(s.encode() + b"\r\n")
    say(a.greeting)
    if not a.greeting.startswith("220"):
        # a refusing greeting: wait for QUIT, then close
        line = f.readline()
        log(line.rstrip(b"\r\n"))
        say("221 bye")
        return
    if a.hang:
        time.sleep(120)
        return
    sender, rcpts = None, []
    while True:
        line = f.readline()
        if not line:
            return
        log(line.rstrip(b"\r\n"))
        cmd = line.decode("latin-1").rstrip("\r\n")
        verb = cmd[:4].upper()
        if verb == "EHLO" and a.drip:
            for i in range(120):
                say("250-drip %d" % i)
                time.sleep(1)
            return
        if verb == "EHLO":
            if a.helo_only:
                say("502 command not implemented")
                continue
            ext = ["250-peer.test"]
            if a.pipelining: ext.append("250-PIPELINING")
            if a.size: ext.append("250-SIZE %d" % a.size)
            if a.smtputf8: ext.append("250-SMTPUTF8")
            if ctx and not tls[0]: ext.append("250-STARTTLS")
            ext.append("250 8BITMIME")
            say("\r\n".join(ext))
        elif verb == "HELO":
            say("250 peer.test")
        elif verb == "MAIL":
            if f.pending():
                log(b"(pipelined)")
            sender, rcpts = cmd[10:].split(">")[0].lstrip("<"), []
            say("250 ok")
        elif verb == "RCPT":
            addr = cmd[8:].split(">")[0].lstrip("<")
            if addr in fails:
                say(fails[addr])
            elif addr in a.defer_once and addr not in deferred:
                deferred.add(addr)
                say("450 4.2.0 try again later")
            else:
                rcpts.append(addr)
                say("250 ok")
        elif verb == "DATA":
            if not rcpts:
                say("554 no valid recipients")
                continue
            say("354 go ahead")
            body = bytearray()
            while True:
                l = f.readline()
                if not l:
                    return
                if l == b".\r\n":
                    break
                if l.startswith(b"."):
                    l = l[1:]
                if l.endswith(b"\r\n"):
                    l = l[:-2] + b"\n"
                body += l
            with lock:
                count[0] += 1
                n = count[0]
            with open(os.path.join(a.store, "%d.env" % n), "w") as e:
                e.write(sender + "\n" + "\n".join(rcpts) + "\n")
            with open(os.path.join(a.store, str(n)), "wb") as m:
                m.write(body)
            say("250 2.0.0 queued as %d" % n)
        elif verb == "QUIT":
            say("221 bye")
            return
        elif cmd.upper() == "STARTTLS" and ctx and not tls[0]:
            say("220 2.0.0 go ahead")
            try:
                c = ctx.wrap_socket(c, server_side=True)
            except (ssl.SSLError, OSError) as e:
                log(b"(tls failed: " + str(e).encode() + b")")
                return
            log(("(tls %s %s)" % (c.version(), c.cipher()[0])).encode())
            f, tls[0], sender, rcpts = Reader(c), True, None, []
        elif verb == "RSET":
            sender, rcpts = None, []
            say("250 ok")
        else:
            say("502 unknown")


def serve(c):
    try:
        session(c)
    except OSError:
        pass
    finally:
        c.close()


fam = socket.AF_INET6 if ":" in a.ip else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a.ip, a.port))
s.listen(128)
if a.portfile:
    with open(a.portfile + ".tmp", "w") as p:
        p.write("%d\n" % s.getsockname()[1])
    os.rename(a.portfile + ".tmp", a.portfile)
while True:
    c, _ = s.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
