#!/usr/bin/env python3
# fakespawn.py: a stand-in spawner for tests: reads mail-send's requests on fd 0,
# answers on fd 1 by the recipient's local part (ok*, tmp*, bad*, hold*,
# wait*: held until $T/release-wait exists, then deferred the first time).
import os, random, shutil, time

T = os.environ["T"]
H = os.environ["H"]
SPLIT = int(os.environ.get("SPLIT", "23"))
DELAY = float(os.environ.get("FAKE_DELAY", "0"))


def deliver(mid, sender, rcpt):
    local = rcpt.split("@")[0]
    if local.startswith("hold"):
        for _ in range(400):
            if os.path.exists(T + "/release"):
                break
            time.sleep(0.05)
    if local.startswith("wait"):
        for _ in range(400):
            if os.path.exists(T + "/release-wait"):
                break
            time.sleep(0.05)
    if local.startswith("tmp") or local.startswith("wait"):
        key = T + "/state/" + mid + "-" + rcpt
        if not os.path.exists(key):
            open(key, "w").close()
            return "Zfake deferral (#4.2.0)"
    if local.startswith("bad"):
        return "Dno such user here.\nsecond line (#5.1.1)"
    if DELAY:
        time.sleep(random.random() * DELAY)
    mess = "%s/queue/mess/%d/%s" % (H, int(mid) % SPLIT, mid)
    shutil.copyfile(mess, "%s/got/%s-%s" % (T, mid, rcpt))
    with open(T + "/deliveries", "a") as f:
        f.write("%s %s <%s>\n" % (mid, rcpt, sender))
    return "Kdelivered by fake\nto " + rcpt


def main():
    buf = b""
    while True:
        d = os.read(0, 65536)
        if not d:
            return
        buf += d
        while buf.count(b"\0") >= 4:
            slot, mid, sender, rcpt, buf = buf.split(b"\0", 4)
            res = deliver(mid.decode(), sender.decode(), rcpt.decode())
            os.write(1, slot + b"\0" + res.encode() + b"\0")


main()
