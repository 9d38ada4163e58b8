#!/bin/bash
# 52-backlog.t: a large todo backlog does not hold up a message queued later
. "$(dirname "$0")/lib.sh"
kirim_instance
N=${BACKLOG:-20000}
LOG=$T/log
export T H
mkdir -p "$T/got" "$T/state"
chmod 777 "$T/got" "$T/state"
if isroot; then
    AS_S="setpriv --reuid=kirims --regid=kirim --init-groups"
    AS_Q="setpriv --reuid=kirimq --regid=kirim --init-groups"
    OWNER=kirimq:kirim
else
    AS_S= AS_Q= OWNER=
fi
printf 'test.example\n' > "$H/control/me"
printf 'test.example\n' > "$H/control/locals"
: > "$LOG"

# N todo entries made directly (as mail-queue would, without the syncs)
python3 - "$H/queue" "$N" "$OWNER" <<'EOF'
import os, sys, shutil
q, n, owner = sys.argv[1], int(sys.argv[2]), sys.argv[3]
u = g = -1
if owner:
    import pwd, grp
    u = pwd.getpwnam(owner.split(":")[0]).pw_uid
    g = grp.getgrnam(owner.split(":")[1]).gr_gid
for i in range(n):
    p = "%s/pid/bl%d" % (q, i)
    with open(p, "w") as f:
        f.write("Subject: backlog %d\n\nold\n" % i)
        ino = os.fstat(f.fileno()).st_ino
    s = ino % 23
    m, e, t = ("%s/%s/%d/%d" % (q, d, s, ino) for d in ("mess", "intd", "todo"))
    os.link(p, m); os.unlink(p)
    with open(e, "wb") as f:
        f.write(b"u0\0p1\0Fold@test.example\0Tbl%d@test.example\0\0" % i)
    os.link(e, t)
    for x in (m, e):
        os.chmod(x, 0o640)
        if owner: os.chown(x, u, g)
EOF
is "$(qcount todo)" "$N" "$N todo entries made"

mkfifo "$T/f.lreq" "$T/f.lres" "$T/f.creq" "$T/f.cres"
chmod 666 "$T"/f.*
python3 "$SRC/tests/it/fakespawn.py" < "$T/f.lreq" > "$T/f.lres" 2>> "$T/fake.err" &
PIDS="$PIDS $!"
$AS_Q "$H/bin/mail-clean" < "$T/f.creq" > "$T/f.cres" 2>> "$T/clean.err" &
PIDS="$PIDS $!"
$AS_S "$H/bin/mail-send" 3> "$T/f.lreq" 4< "$T/f.lres" 5>&- 6>&- 7> "$T/f.creq" 8< "$T/f.cres" >> "$LOG" 2>&1 &
SENDPID=$!
PIDS="$PIDS $SENDPID"
n=100; while [ $n -gt 0 ] && ! grep -q "^status: $N todo entries" "$LOG"; do sleep 0.1; n=$((n - 1)); done
grep -q "^status: $N todo entries" "$LOG"; ok $? "mail-send sees the backlog at start"
sleep 1

printf 'Subject: fresh\n\nnew\n' > "$T/m"
printf 'Ffresh@test.example\0Tfresh@test.example\0\0' > "$T/e"
t0=$(date +%s%N)
"$H/bin/mail-queue" < "$T/m" 1< "$T/e"
n=200; while [ $n -gt 0 ] && ! grep -q " fresh@test.example " "$T/deliveries" 2>/dev/null; do sleep 0.05; n=$((n - 1)); done
t1=$(date +%s%N)
left=$(qcount todo)
ms=$(( (t1 - t0) / 1000000 ))
grep -q " fresh@test.example " "$T/deliveries"; ok $? "the fresh message is delivered"
diag "fresh message delivered after $ms ms with $left todo entries still waiting"
ok "$([ "$ms" -lt 5000 ] && echo 0 || echo 1)" "within 5 seconds"
ok "$([ "$left" -gt 0 ] && echo 0 || echo 1)" "ahead of the backlog"
rss=$(ps -o rss= -p "$SENDPID" | tr -d ' ')
diag "mail-send resident size ${rss} KB"
kill -TERM "$SENDPID"
wait 2>/dev/null
done_testing
