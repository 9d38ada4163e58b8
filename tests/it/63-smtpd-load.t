#!/bin/bash
# 63-smtpd-load.t: 200 sessions at once all answered and queued; clients that
# stall are dropped after timeoutsmtpd, in commands and inside DATA
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
smtpd_setup
smtpd_start

before=$(nmess)
python3 - "$SIP" "$PORT" "$LU@$ME" > "$T/par" 2>&1 <<'PY'
import smtplib, sys, threading
host, port, rcpt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
N = 200
results = [None] * N
start = threading.Barrier(N, timeout=120)
def one(i):
    try:
        s = smtplib.SMTP(timeout=180)
        s.connect(host, port)
        start.wait()                    # every session is open before any sends
        s.ehlo('par%d.example' % i)
        msg = ('Subject: parallel %d\r\n\r\nbody %d\r\n' % (i, i)).encode()
        refused = s.sendmail('p%d@b.example' % i, [rcpt], msg)
        s.quit()
        results[i] = 'ok' if not refused else 'refused %r' % refused
    except Exception as e:
        results[i] = 'error %r' % e
threads = [threading.Thread(target=one, args=(i,)) for i in range(N)]
for t in threads: t.start()
for t in threads: t.join(300)
bad = [(i, r) for i, r in enumerate(results) if r != 'ok']
print('%d ok' % (N - len(bad)))
for i, r in bad[:5]: print('session %d: %s' % (i, r))
PY
is "$(head -1 "$T/par")" "200 ok" "200 parallel sessions: every message got 250"
[ "$(head -1 "$T/par")" = "200 ok" ] || { sed 's/^/#   /' "$T/par"; tail -5 "$T/smtpd.log" | sed 's/^/#   log: /'; }
is "$(nmess)" "$((before + 200))" "200 messages queued"
n=0
for i in $(seq 0 199); do
    grep -qx "Subject: parallel $i" $(find "$H/queue/mess" -type f) || n=$((n + 1))
done
is "$n" 0 "each of the 200 messages is in the queue once"

smtpd_stop
printf '2\n' > "$H/control/timeoutsmtpd"
smtpd_start
# stall AFTER-WHAT: the seconds until the server closed, and what it said last
stall() {
    python3 - "$SIP" "$PORT" "$NIP" "$1" "$LU@$ME" <<'PY'
import socket, sys, time
host, port, src, where, rcpt = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = socket.create_connection((host, port), timeout=60, source_address=(src, 0))
f = s.makefile('rb')
f.readline()
if where == 'data':
    s.sendall(b'HELO c.example\r\nMAIL FROM:<s@b.example>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: stalled\r\n\r\nhalf' % rcpt.encode())
    for _ in range(3): f.readline()
elif where == 'line':
    s.sendall(b'HELO c.exa')
t0 = time.time()
last = b''
while True:
    l = f.readline()
    if not l: break
    last = l
print('%.1f %s' % (time.time() - t0, last.decode().strip()))
PY
}
before=$(nmess)
for w in greeting line data; do
    set -- $(stall $w)
    [ "$2" = 421 ] || tail -3 "$T/smtpd.log" | sed 's/^/#   log: /'
    ok "$(awk -v t="$1" 'BEGIN { exit !(t >= 1.5 && t < 15) }'; echo $?)" "client stalled after $w: dropped after timeoutsmtpd (2 s: $1 s)"
    is "$2 $3" "421 4.4.2" "stalled after $w: 421 4.4.2 before closing"
done
is "$(nmess)" "$before" "the stalled message was not queued"
grep -q "read in DATA timed out" "$T/smtpd.log"; ok $? "timeout inside DATA logged"
grep -q "read timed out" "$T/smtpd.log"; ok $? "timeout between commands logged"
smtpd_stop
done_testing
