#!/usr/bin/python3
# pop3client.py: POP3 scenarios for 80-pop3.t, one per invocation; prints
# one result line per check, compared by the .t file.
# usage: pop3client.py HOST PORT MAILDIR SCENARIO [user password]
import os, poplib, socket, ssl, sys, time

host, port, maildir, scen = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
user = sys.argv[5] if len(sys.argv) > 5 else os.environ["POPUSER"]
pw = sys.argv[6] if len(sys.argv) > 6 else "right pass"

def crlf(b):          # the message with CRLF line ends, as the test expects it
    out = bytearray()
    prev = 0
    for c in b:
        if c == 10 and prev != 13:
            out += b"\r"
        out.append(c)
        prev = c
    return bytes(out)

def stuffed(b):       # the multi-line response body, written independently
    lines = crlf(b).split(b"\r\n")
    if lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines) + b".\r\n"

def files():          # cur/ and new/ files oldest first, as the server lists them
    fs = []
    for d in ("cur", "new"):
        for n in os.listdir(os.path.join(maildir, d)):
            p = os.path.join(maildir, d, n)
            fs.append((os.stat(p).st_mtime, n.split(":")[0], p))
    fs.sort()
    return fs

def p(*a):
    print(*a, flush=True)

# POPTLS: "" plain, "stls" STLS after the greeting, "ssl" TLS from the start
mode = os.environ.get("POPTLS", "")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def connect():
    if mode == "ssl":
        return poplib.POP3_SSL(host, port, timeout=30, context=ctx)
    c = poplib.POP3(host, port, timeout=30)
    if mode == "stls":
        c.stls(ctx)
    return c

def login():
    c = connect()
    c.user(user)
    c.pass_(pw)
    return c

class Raw:
    def __init__(self):
        self.s = socket.create_connection((host, port), timeout=30)
        self.buf = b""
        if mode == "ssl":
            self.s = ctx.wrap_socket(self.s)
        if mode == "stls":
            self.line()
            self.s.sendall(b"STLS\r\n")
            self.line()
            self.s = ctx.wrap_socket(self.s)
            self.buf = b"+OK (greeting read before STLS)\r\n"
    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                r, self.buf = self.buf, b""
                return r
            self.buf += d
        l, self.buf = self.buf.split(b"\n", 1)
        return l + b"\n"
    def until_dot(self):
        while b"\r\n.\r\n" not in self.buf and not self.buf.startswith(b".\r\n"):
            d = self.s.recv(65536)
            if not d:
                break
            self.buf += d
        i = self.buf.find(b"\r\n.\r\n")
        if self.buf.startswith(b".\r\n"):
            r, self.buf = self.buf[:3], self.buf[3:]
        else:
            r, self.buf = self.buf[:i + 5], self.buf[i + 5:]
        return r
    def cmd(self, b):
        self.s.sendall(b)
        return self.line()
    def closed(self, secs):
        self.s.settimeout(secs)
        try:
            while True:
                d = self.s.recv(4096)
                if not d:
                    return True
        except socket.timeout:
            return False
        except (ConnectionResetError, ssl.SSLError):
            return True

if scen == "exact":
    c = login()
    fs = files()
    n, size = c.stat()
    want = [crlf(open(f[2], "rb").read()) for f in fs]
    p("stat", n == len(fs), size == sum(len(w) for w in want))
    resp, lst, _ = c.list()
    p("list", [l.decode() for l in lst] == ["%d %d" % (i + 1, len(w)) for i, w in enumerate(want)])
    resp, uid, _ = c.uidl()
    p("uidl", [l.decode() for l in uid] == ["%d %s" % (i + 1, f[1]) for i, f in enumerate(fs)])
    p("uidl one", c.uidl(2) == b"+OK 2 " + fs[1][1].encode())
    ok = True
    for i, w in enumerate(want):
        resp, lines, octets = c.retr(i + 1)
        if b"\r\n".join(lines) + b"\r\n" != w and not (not w.endswith(b"\n") and b"\r\n".join(lines) == w):
            ok = False
    p("retr", ok)
    resp, lines, octets = c.top(1, 1)
    body = crlf(open(fs[0][2], "rb").read())
    head, rest = body.split(b"\r\n\r\n", 1)
    p("top", b"\r\n".join(lines) == head + b"\r\n\r\n" + rest.split(b"\r\n")[0])
    c.quit()
    # the same, byte for byte, without poplib's unstuffing
    r = Raw(); r.line()
    r.cmd(("USER %s\r\n" % user).encode()); r.cmd(("PASS %s\r\n" % pw).encode())
    ok = True
    for i, f in enumerate(fs):
        first = r.cmd(b"RETR %d\r\n" % (i + 1))
        data = r.until_dot()
        if first != b"+OK %d octets\r\n" % len(want[i]) or data != stuffed(open(f[2], "rb").read()):
            ok = False
            p("# mismatch", f[2], first, data[:200])
    p("raw retr", ok)
    first = r.cmd(b"TOP 3 0\r\n")
    data = r.until_dot()
    head = crlf(open(fs[2][2], "rb").read()).split(b"\r\n\r\n", 1)[0]
    p("raw top 0", data == stuffed(head + b"\n\n"))
    p("quit", r.cmd(b"QUIT\r\n"))
elif scen == "dele":           # DELE 1, QUIT
    c = login(); c.dele(1); p(c.quit())
elif scen == "dele-drop":      # DELE 1, then the connection drops
    c = login(); c.dele(1); c.sock.close(); p("dropped")
elif scen == "rset":           # DELE 1 2, RSET, QUIT
    c = login(); c.dele(1); c.dele(2); p(c.rset()); p(c.quit())
elif scen == "during":         # a message arrives during the session
    c = login()
    n0 = c.stat()[0]
    with open(os.path.join(maildir, "tmp", "999.during.test"), "wb") as f:
        f.write(b"Subject: during\n\nlate\n")
    os.rename(os.path.join(maildir, "tmp", "999.during.test"), os.path.join(maildir, "new", "999.during.test"))
    p("same count", c.stat()[0] == n0)
    for i in range(n0):
        c.dele(i + 1)
    c.quit()
    c = login()
    p("next session", c.stat()[0], c.uidl(1).split()[-1].decode())
    c.quit()
elif scen == "wrong":          # the password is refused after a delay
    c = connect()
    c.user(user)
    t0 = time.time()
    try:
        c.pass_(pw)
        p("accepted")
    except poplib.error_proto as e:
        p(e.args[0].decode(), time.time() - t0 >= 1.9)
elif scen == "three":          # three refusals close the connection
    r = Raw(); r.line()
    for i in range(3):
        r.cmd(("USER %s\r\n" % user).encode())
        p(r.cmd(b"PASS nope%d\r\n" % i).decode().strip())
    p("closed", r.closed(10))
elif scen == "plain":          # AUTH PLAIN, both ways
    import base64
    tok = base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode())
    r = Raw(); r.line()
    p(r.cmd(b"AUTH PLAIN " + tok + b"\r\n").split()[0].decode())
    p(r.cmd(b"QUIT\r\n").split()[0].decode())
    r = Raw(); r.line()
    p(r.cmd(b"AUTH PLAIN\r\n").decode().strip() == "+")
    p(r.cmd(tok + b"\r\n").split()[0].decode())
    p(r.cmd(b"QUIT\r\n").split()[0].decode())
    r = Raw(); r.line()
    r.cmd(b"AUTH PLAIN\r\n")
    p(r.cmd(b"*\r\n").decode().strip())
    p(r.cmd(b"AUTH PLAIN !!!!\r\n").decode().strip())
    p(r.cmd(b"AUTH CRAM-MD5\r\n").decode().strip())
elif scen == "bad":            # bad input before and after login
    r = Raw(); r.line()
    p(r.cmd(b"STAT\r\n").decode().strip())
    p(r.cmd(b"PASS x\r\n").decode().strip())
    p(r.cmd(b"USER " + b"x" * 3000 + b"\r\n").decode().strip())
    p(r.cmd(b"US\0R x\r\n").decode().strip())
    p(r.cmd(b"XYZZY\r\n").decode().strip())
    p(r.cmd(b"APOP a b\r\n").decode().strip())
    p(r.cmd(b"CAPA\r\n").decode().strip(), r.until_dot().decode().replace("\r\n", "|"))
    r.cmd(("USER %s\r\n" % user).encode())
    p(r.cmd(("PASS %s\r\n" % pw).encode()).decode().split()[0])
    p(r.cmd(b"USER x\r\n").decode().strip())
    p(r.cmd(b"RETR\r\n").decode().strip())
    p(r.cmd(b"RETR 0\r\n").decode().strip())
    p(r.cmd(b"RETR 99999\r\n").decode().strip())
    p(r.cmd(b"RETR 1x\r\n").decode().strip())
    p(r.cmd(b"TOP 1\r\n").decode().strip())
    p(r.cmd(b"STAT 1\r\n").decode().strip())
    p(r.cmd(b"LIST " + b"9" * 2000 + b"\r\n").decode().strip())
    p(r.cmd(b"NO\0OP\r\n").decode().strip())
    p(r.cmd(b"DELE 1\r\n").decode().strip())
    p(r.cmd(b"DELE 1\r\n").decode().strip())
    p(r.cmd(b"CAPA\r\n").decode().strip(), r.until_dot().decode().replace("\r\n", "|"))
    p(r.cmd(b"NOOP\r\n").decode().strip())
    n = 0
    while True:               # bad commands until the server hangs up
        l = r.cmd(b"BOGUS\r\n")
        if not l or l.startswith(b"-ERR too many"):
            break
        n += 1
    p("hung up after", n)
    p("closed", r.closed(10))
elif scen == "stall":          # say nothing; optionally log in and DELE first
    r = Raw(); r.line()
    if len(sys.argv) > 7:
        r.cmd(("USER %s\r\n" % user).encode()); r.cmd(("PASS %s\r\n" % pw).encode())
        p(r.cmd(b"DELE 1\r\n").decode().strip())
    t0 = time.time()
    p("closed", r.closed(30), time.time() - t0 < 25)
elif scen == "hold":           # log in and wait, for ps to look at the processes
    c = login()
    sys.stdout.write("ready\n"); sys.stdout.flush()
    sys.stdin.readline()
    c.quit()
elif scen == "stls-pipelined":  # commands sent with STLS are not run after it
    r = Raw(); r.line()
    r.s.sendall(b"STLS\r\nQUIT\r\n")
    p(r.line().decode().strip())
    r.s = ctx.wrap_socket(r.s)
    p(r.cmd(b"NOOP\r\n").decode().strip())
    p(r.cmd(b"QUIT\r\n").decode().strip())
elif scen == "capa":
    r = Raw(); r.line()
    p(r.cmd(b"CAPA\r\n").decode().strip(), r.until_dot().decode().replace("\r\n", "|"))
    p(r.cmd(b"USER x\r\n").decode().strip())
    p(r.cmd(b"STLS\r\n").decode().strip())
