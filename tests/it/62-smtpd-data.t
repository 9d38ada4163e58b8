#!/bin/bash
# 62-smtpd-data.t: DATA ends only at CRLF.CRLF; bare LF/CR refused with nothing
# queued; line length; 200 MB stream in bounded memory; databytes; hop limit;
# the queue's exit code mapped to the reply
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
smtpd_setup
smtpd_start

# bare NAME BYTES: one message whose data is BYTES (then a proper end) is refused
bare() {
    before=$(nmess)
    dialog "$1: 554 after the data, session still in step" <<EOF
< 220
> EHLO c.example
< 250
> MAIL FROM:<s@b.example>
< 250
> RCPT TO:<$LU@$ME>
< 250
> DATA
< 354
>> Subject: bare\r\n\r\n$2\r\n.\r\n
< 554 5.6.0
> NOOP
< 250 2.0.0
> QUIT
< 221
EOF
    is "$(nmess)" "$before" "$1: nothing queued"
}
bare "bare LF in a line" 'one\ntwo'
bare "bare CR in a line" 'one\rtwo'
bare "LF . LF" 'one\n.\ntwo'
bare "CR . LF" 'one\r.\ntwo'
bare "LF . CR LF" 'one\n.\r\ntwo'
bare "CR LF . LF" 'one\r\n.\ntwo'
bare "CR LF . CR" 'one\r\n.\rtwo'
bare "CR CR LF" 'one\r\r\ntwo'
bare "LF at the very start" '\n.\n'
grep -q "message refused: bare LF in the data" "$T/smtpd.log"; ok $? "bare LF refusal logged"

# the smuggling pattern: a second message hidden behind LF.LF is never seen
before=$(nmess)
dialog "smuggled MAIL after LF . LF is data, not commands" <<EOF
< 220
> EHLO c.example
< 250
> MAIL FROM:<s@b.example>
< 250
> RCPT TO:<$LU@$ME>
< 250
> DATA
< 354
>> Subject: outer\r\n\r\nhi\n.\nMAIL FROM:<evil@b.example>\nRCPT TO:<$LU@$ME>\nDATA\nSubject: smuggled\n\nx\n.\n\r\n.\r\n
< 554 5.6.0
> QUIT
< 221
<eof
EOF
is "$(nmess)" "$before" "smuggling: nothing queued"

# line length: 1000 octets with CRLF pass, 1001 do not
l998=$(head -c 998 /dev/zero | tr '\0' x)
before=$(nmess)
dialog "998 octets + CRLF accepted, 999 + CRLF refused" <<EOF
< 220
> EHLO c.example
< 250
> MAIL FROM:<s@b.example>
< 250
> RCPT TO:<$LU@$ME>
< 250
> DATA
< 354
>> Subject: long\r\n\r\n$l998\r\n.\r\n
< 250 2.0.0
> MAIL FROM:<s@b.example>
< 250
> RCPT TO:<$LU@$ME>
< 250
> DATA
< 354
>> Subject: long\r\n\r\n${l998}y\r\n.\r\n
< 554 5.6.0 line longer than 1000 octets
> QUIT
< 221
EOF
is "$(nmess)" "$((before + 1))" "only the 1000-octet line was queued"
printf '2000\n' > "$H/control/maxlinelength"
dialog "maxlinelength 2000: a 1001-octet line passes" <<EOF
< 220
> EHLO c.example
< 250
> MAIL FROM:<s@b.example>
< 250
> RCPT TO:<$LU@$ME>
< 250
> DATA
< 354
>> Subject: long\r\n\r\n${l998}y\r\n.\r\n
< 250 2.0.0
> QUIT
< 221
EOF
rm "$H/control/maxlinelength"

# hops
{ printf '< 220\n> EHLO c.example\n< 250\n> MAIL FROM:<s@b.example>\n< 250\n'
  printf '> RCPT TO:<%s@%s>\n< 250\n> DATA\n< 354\n' "$LU" "$ME"
  for i in $(seq 1 101); do printf '> Received: from hop%s by hop%s\n' "$i" "$i"; done
  printf '>\n> body\n> .\n< 554 5.4.6\n> QUIT\n< 221\n'; } > "$T/d"
before=$(nmess)
dialog "101 Received lines: a loop, refused" < "$T/d"
is "$(nmess)" "$before" "looping message not queued"

# end of input inside DATA: nothing queued
before=$(nmess)
dialog "connection lost inside DATA" <<EOF
< 220
> EHLO c.example
< 250
> MAIL FROM:<s@b.example>
< 250
> RCPT TO:<$LU@$ME>
< 250
> DATA
< 354
>> Subject: cut\r\n\r\nhalf a message
EOF
sleep 1
is "$(nmess)" "$before" "cut message not queued"
n=50; while [ $n -gt 0 ] && ! grep -q "end of input inside DATA" "$T/smtpd.log"; do sleep 0.1; n=$((n - 1)); done
grep -q "end of input inside DATA, nothing queued" "$T/smtpd.log"; ok $? "logged"

# big: stream MB megabytes of 78-octet lines; print the session's VmHWM (kB)
# after EHLO and at the end of the data, then the final reply
big() {
    python3 - "$SIP" "$PORT" "$NIP" "$1" "$LU@$ME" "$SPID" <<'PY'
import socket, sys, subprocess
host, port, src, mb, rcpt, spid = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
s = socket.create_connection((host, port), timeout=120, source_address=(src, 0))
f = s.makefile('rb')
def reply():
    while True:
        l = f.readline().decode()
        if len(l) < 4 or l[3] != '-':
            return l.strip()
def hwm():
    # the session is the child of tcpserver that holds our connection: the newest one
    pids = subprocess.run(['pgrep', '-n', '-P', spid, '-x', 'mail-smtpd'], capture_output=True, text=True).stdout.split()
    for line in open('/proc/%s/status' % pids[0]):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
reply()
s.sendall(b'EHLO big.example\r\n'); reply()
h0 = hwm()
s.sendall(b'MAIL FROM:<big@b.example>\r\nRCPT TO:<%s>\r\nDATA\r\n' % rcpt.encode())
r = [reply(), reply(), reply()]
if not r[2].startswith('354'):
    print(h0, 0, r); sys.exit(0)
line = b'x' * 76 + b'\r\n'
chunk = b'Subject: big\r\n\r\n' + line * (1 << 14)
sent = 0
while sent < mb << 20:
    s.sendall(chunk); sent += len(chunk)
    chunk = line * (1 << 14)
h1 = hwm()
s.sendall(b'.\r\n')
print(h0, h1, reply())
s.sendall(b'QUIT\r\n'); reply()
PY
}
printf '0\n' > "$H/control/databytes"     # 0: no limit (the default is 35 MiB)
before=$(nmess)
set -- $(big 200)
diag "VmHWM after EHLO ${1} kB, after 200 MB of data ${2} kB"
ok "$([ "$2" -gt 0 ] && [ $(($2 - $1)) -lt 1024 ] && echo 0 || echo 1)" "200 MB DATA: resident memory grew less than 1 MB ($1 -> $2 kB)"
if [ -z "$SAN" ]; then
    ok "$([ "$2" -gt 0 ] && [ "$2" -lt 4096 ] && echo 0 || echo 1)" "200 MB DATA: VmHWM under 4 MB ($2 kB)"
else
    skip "sanitizer build" "absolute VmHWM"
fi
is "$3 $4" "250 2.0.0" "200 MB message accepted"
is "$(nmess)" "$((before + 1))" "and queued"
m=$(find "$H/queue/mess" -type f -size +100M)
ok "$([ "$(stat -c %s "$m")" -gt 200000000 ] && echo 0 || echo 1)" "the queued file holds the 200 MB (CRLF stored as LF)"
rm -f "$m"

printf '1000000\n' > "$H/control/databytes"
before=$(nmess)
set -- $(big 200)
is "$3 $4" "552 5.3.4" "databytes 1000000: 200 MB refused with 552 after the data"
ok "$([ $(($2 - $1)) -lt 1024 ] && echo 0 || echo 1)" "refused stream read in bounded memory too"
is "$(nmess)" "$before" "nothing queued"
dialog "SIZE over databytes: 552 at MAIL; EHLO shows the limit" <<EOF
< 220
> EHLO c.example
< 250 SMTPUTF8
> MAIL FROM:<s@b.example> SIZE=1000001
< 552 5.3.4
> MAIL FROM:<s@b.example> SIZE=1000000
< 250 2.1.0
> QUIT
< 221
EOF
swaks --server "$SIP" --port "$PORT" --local-interface "$NIP" --quit-after EHLO 2>&1 | grep -q "250-SIZE 1000000"
ok $? "EHLO advertises SIZE 1000000"
rm "$H/control/databytes"

# the queue program's exit code decides the reply (MAILQUEUE: a fake queue)
smtpd_stop
for code in 31 11 91 53 82; do
    printf '#!/bin/sh\ncat > /dev/null; cat <&1 > /dev/null\nprintf "Dfilter says no (#5.7.1)" >&6\nexit %s\n' "$code" > "$T/q$code"
    chmod 755 "$T/q$code"
done
want() { case $1 in 31|11|91) echo 554;; 53) echo 451;; 82) echo "554 5.7.1 filter says no";; esac; }
for code in 31 11 91 53 82; do
    smtpd_start MAILQUEUE="$T/q$code"
    dialog "queue exit $code: $(want $code)" <<EOF
< 220
> HELO c.example
< 250
> MAIL FROM:<s@b.example>
< 250
> RCPT TO:<$LU@$ME>
< 250
> DATA
< 354
> Subject: q
>
> x
> .
< $(want $code)
> QUIT
< 221
EOF
    smtpd_stop
done
grep -q "queue refused the message: filter says no" "$T/smtpd.log"; ok $? "queue refusal logged"
done_testing
