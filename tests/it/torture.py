#!/usr/bin/python3
"""torture.py: helpers for 95-torture.t (crash injection of a whole instance).

  torture.py kill BINDIR NAME TIMEOUT MAXDELAY [NEEDED,...]
      wait (at most TIMEOUT s) until a process runs BINDIR/NAME (matched by
      /proc/PID/exe, so only this instance's processes, never another
      instance's with the same name); when NEEDED names are given, also wait
      until one of each runs (the whole mail-start set is up). Then wait a
      random 0..MAXDELAY s and SIGKILL it, if it is still the same process.
      Prints the pid killed; exit 0, or 1 when nothing was killed in time.
  torture.py feed-smtp DIR IP PORT SRCIP SRCNAME RCPT,... [MAX]
  torture.py feed-inject DIR BINDIR SRCNAME RCPT,... [MAX]
      send messages until DIR/stop exists (or MAX were tried): each has a
      unique id "KIND-SRC-N" (KIND read from DIR/phase: the process kind
      being killed meanwhile) in X-Seq, and a body that can be checked for
      completeness. Appends "id rcpt" to DIR/acked.SRC after an SMTP 250
      for DATA or a mail-inject exit 0, and "id rcpt" to DIR/tried.SRC first.
  torture.py check DIR MAILDIR... -- PEERSTORE
      count per kind: acknowledged, delivered, duplicated, lost, and
      delivered copies that are not complete; prints a summary and
      "RESULT lost=N cut=N bounce=N" last.
"""
import os, random, signal, smtplib, subprocess, sys, time

SIZES = [(30, 70), (300, 25), (3000, 5)]      # body lines, weight


def body(mid, n):
    """the body of message mid: n numbered lines, then END"""
    return "".join("%s %06d %s\n" % (mid, k, "x" * 58) for k in range(n)) + "END %s\n" % mid


def message(mid, rcpt):
    n = random.choices([s for s, _ in SIZES], [w for _, w in SIZES])[0]
    return ("From: snd@test.example\nTo: %s\nSubject: torture %s\nX-Seq: %s\nX-Lines: %d\n\n%s"
            % (rcpt, mid, mid, n, body(mid, n)))


def phase(d):
    try:
        with open(os.path.join(d, "phase")) as f:
            return f.read().strip() or "none"
    except OSError:
        return "none"


def ours(bindir, name):
    want = os.path.join(bindir, name)
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/exe" % p) == want:
                found.append(int(p))
        except OSError:
            pass
    return found


def cmd_kill(bindir, name, timeout, maxdelay, needed=""):
    end = time.time() + float(timeout)
    needed = [n for n in needed.split(",") if n]
    while time.time() < end:
        pids = ours(bindir, name)
        if pids and all(ours(bindir, n) for n in needed):
            pid = random.choice(pids)
            time.sleep(random.uniform(0, float(maxdelay)))
            try:
                if os.readlink("/proc/%d/exe" % pid) == os.path.join(bindir, name):
                    os.kill(pid, signal.SIGKILL)
                    print(pid)
                    return 0
            except OSError:
                pass
        else:
            time.sleep(0.001)
    return 1


def feeder(d, src, rcpts, maxn, send):
    rcpts = rcpts.split(",")
    tried = open(os.path.join(d, "tried." + src), "a")
    acked = open(os.path.join(d, "acked." + src), "a")
    n = 0
    while not os.path.exists(os.path.join(d, "stop")) and n < maxn:
        n += 1
        mid = "%s-%s-%d" % (phase(d), src, n)
        # most messages to one recipient, some to a local and a remote one
        to = [rcpts[n % len(rcpts)]]
        if n % 7 == 0:
            to = [rcpts[0], rcpts[-1]]
        for r in to:
            tried.write("%s %s\n" % (mid, r))
        tried.flush()
        if send(mid, to):
            for r in to:
                acked.write("%s %s\n" % (mid, r))
            acked.flush()
    return 0


def cmd_feed_smtp(d, ip, port, srcip, src, rcpts, maxn="100000"):
    conn = [None]

    def send(mid, to):
        try:
            if conn[0] is None:
                conn[0] = smtplib.SMTP(ip, int(port), source_address=(srcip, 0), timeout=60)
            refused = conn[0].sendmail("snd@test.example", to, message(mid, ",".join(to)))
            return not refused
        except (smtplib.SMTPException, OSError):
            try:
                conn[0].close()
            except Exception:
                pass
            conn[0] = None
            time.sleep(0.05)
            return False
        finally:
            # a new session now and then, so kills hit every stage of one
            if conn[0] is not None and random.random() < 0.3:
                try:
                    conn[0].quit()
                except (smtplib.SMTPException, OSError):
                    pass
                conn[0] = None

    return feeder(d, src, rcpts, int(maxn), send)


def cmd_feed_inject(d, bindir, src, rcpts, maxn="100000"):
    def send(mid, to):
        r = subprocess.run([os.path.join(bindir, "mail-inject"), "-f", "snd@test.example"] + to,
                           input=message(mid, ",".join(to)).encode(),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r.returncode == 0

    return feeder(d, src, rcpts, int(maxn), send)


def parse(path):
    """(id, rcpt list, complete?) of one delivered or stored message"""
    with open(path, "rb") as f:
        data = f.read().decode("latin-1")
    head, _, rest = data.partition("\n\n")
    mid, lines, dt = None, None, []
    for h in head.split("\n"):
        k, _, v = h.partition(":")
        k, v = k.lower(), v.strip()
        if k == "x-seq": mid = v
        elif k == "x-lines": lines = int(v) if v.isdigit() else None
        elif k == "delivered-to": dt.append(v)
    ok = mid is not None and lines is not None and rest == body(mid, lines)
    return mid, dt, ok


def cmd_check(d, *args):
    sep = args.index("--")
    maildirs, peer = args[:sep], args[sep + 1]
    acked, tried = set(), set()
    for f in os.listdir(d):
        for prefix, s in (("acked.", acked), ("tried.", tried)):
            if f.startswith(prefix):
                with open(os.path.join(d, f)) as fh:
                    s.update(tuple(l.split()) for l in fh if l.strip())
    got = {}            # (id, rcpt) -> copies
    cut, bounce = [], 0
    def deliver(mid, rcpt):
        got[(mid, rcpt)] = got.get((mid, rcpt), 0) + 1
    for md in maildirs:
        for sub in ("new", "cur"):
            p = os.path.join(md, sub)
            for f in os.listdir(p) if os.path.isdir(p) else []:
                mid, dt, ok = parse(os.path.join(p, f))
                if mid is None:
                    bounce += 1
                    continue
                if not ok:
                    cut.append(os.path.join(p, f))
                deliver(mid, dt[0] if dt else "?")
    for f in os.listdir(peer):
        if f.endswith(".env") or not f.isdigit():
            continue
        with open(os.path.join(peer, f + ".env")) as e:
            rcpts = e.read().split("\n")[1:]
        mid, _, ok = parse(os.path.join(peer, f))
        if mid is None:
            bounce += 1
            continue
        if not ok:
            cut.append(os.path.join(peer, f))
        for r in rcpts:
            if r:
                deliver(mid, r)
    kinds = sorted({m.split("-")[0] for m, _ in tried})
    rows = []
    total = [0] * 6
    for k in kinds + ["total"]:
        sel = (lambda m: True) if k == "total" else (lambda m, k=k: m.split("-")[0] == k)
        a = {x for x in acked if sel(x[0])}
        t = {x for x in tried if sel(x[0])}
        g = {x: c for x, c in got.items() if sel(x[0])}
        deliv = len([x for x in g if x in a])
        unacked = len([x for x in g if x not in a])
        dup = len([x for x, c in g.items() if c > 1])
        lost = len([x for x in a if x not in g])
        rows.append((k, len(t), len(a), deliv, unacked, dup, lost))
    print("%-12s %7s %7s %9s %9s %6s %5s" % ("during kills", "tried", "acked", "delivered",
                                           "unacked+d", "dup", "lost"))
    for r in rows:
        print("%-12s %7d %7d %9d %9d %6d %5d" % r)
    for x in sorted(x for x in acked if x not in got)[:20]:
        print("lost: %s %s" % x)
    for c in cut[:20]:
        print("cut: %s" % c)
    strange = [x for x in got if x not in tried]
    for x in strange[:20]:
        print("never sent: %s %s" % x)
    print("RESULT lost=%d cut=%d bounce=%d strange=%d acked=%d delivered=%d dup=%d"
          % (rows[-1][6], len(cut), bounce, len(strange), rows[-1][2], rows[-1][3], rows[-1][5]))
    return 0


if __name__ == "__main__":
    cmds = {"kill": cmd_kill, "feed-smtp": cmd_feed_smtp, "feed-inject": cmd_feed_inject,
            "check": cmd_check}
    sys.exit(cmds[sys.argv[1]](*sys.argv[2:]))
