#!/bin/bash
# 80-pop3.t: mail-popup and mail-pop3d under tcpserver, driven by Python's
# poplib, raw sockets, fetchmail and openssl s_client, with a real user and
# a real Maildir, in clear (control/pop3cleartext), over STLS and on an
# implicit-TLS port; a test checkpassword program (81-pop3-checkpw.t uses
# mail-checkpw).
. "$(dirname "$0")/lib.sh"
command -v tcpserver >/dev/null || { echo "1..0 # SKIP tcpserver not installed"; exit 0; }
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)
kirim_instance
PC="$PY $SRC/tests/it/pop3client.py"
IP=127.0.0.5$((RANDOM % 10))
U=kpop$$

# the mailbox owner: a real user when root, else ourselves
if isroot; then
    useradd -M -d "$T/u" -s /usr/sbin/nologin "$U" || { echo "Bail out! useradd failed"; exit 1; }
    trap 'userdel "$U" 2>/dev/null; cleanup' EXIT
else
    U=$(id -un)
fi
mkdir -p "$T/u"
"$H/bin/maildirmake" "$T/u/Maildir"
M=$T/u/Maildir
export POPUSER=$U
echo 1 > "$H/control/pop3cleartext"
isroot && chown -R "$U:" "$T/u"
chmod 700 "$T/u"

# a checkpassword program: one user, password "right pass"; user "tempfail"
# gets 111; logs what it was given (never the password) and its uid
cat > "$T/checkpw" <<EOF2
#!$PY
import os, sys, pwd
data = b""
while True:
    d = os.read(3, 4096)
    if not d: break
    data += d
f = data.split(b"\0")
with open("$T/checkpw.log", "a") as log:
    log.write("uid=%d fields=%d last=%r user=%s stamp=%s\n" % (os.getuid(), len(f), f[-1], f[0].decode(errors="replace"), f[2].decode(errors="replace") if len(f) > 2 else ""))
if len(f) != 4 or f[3] != b"": sys.exit(2)
if f[0] == b"tempfail": sys.exit(111)
if f[0] != b"$U" or f[1] != b"right pass": sys.exit(1)
pw = pwd.getpwnam("$U")
os.chdir("$T/u")
if os.getuid() == 0:
    os.setgroups([]); os.setgid(pw.pw_gid); os.setuid(pw.pw_uid)
os.environ.update(USER="$U", HOME="$T/u", SHELL="/bin/sh")
os.execvp(sys.argv[1], sys.argv[1:])
EOF2
chmod 755 "$T/checkpw"

PORT=$($PY -c "import socket; s=socket.socket(); s.bind(('$IP',0)); print(s.getsockname()[1])")
tcpserver -R -H -l0 "$IP" "$PORT" "$H/bin/mail-popup" pop.test "$T/checkpw" \
    "$H/bin/mail-pop3d" Maildir/ 2>>"$T/pop.log" &
PIDS="$PIDS $!"
up=1
for i in $(seq 1 100); do
    $PY -c "import socket; socket.create_connection(('$IP',$PORT),2).close()" 2>/dev/null && { up=0; break; }
    sleep 0.1
done
ok $up "tcpserver with mail-popup listens on $IP:$PORT"
[ $up = 0 ] || { echo "Bail out! server did not start"; exit 1; }

pc() { $PC "$IP" "$PORT" "$M" "$@" 2>&1; }

# messages written the Maildir way, distinct times (oldest first)
n=0
msg() {   # msg DIR NAME CONTENT (printf format)
    n=$((n + 1))
    printf "$3" > "$M/tmp/$2"
    touch -d "2024-01-01 00:00:$(printf %02d $n)" "$M/tmp/$2"
    mv "$M/tmp/$2" "$M/$1/$2"
    isroot && chown "$U:" "$M/$1/$2"
}
fill() {
    rm -f "$M"/new/* "$M"/cur/*
    n=0
    msg cur "1700000001.M1P1.test" 'From: a@example.org\nSubject: one\n\nbody one\n'
    msg new "1700000002.M2P2.test" 'Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast\r\n'
    msg new "1700000003.M3P3.test" 'Subject: mixed\nX: y\n\nline\r\nbare\rcr\n.\nno final newline'
    msg cur "1700000004.M4P4.test:2,S" 'Subject: seen\n\n\n\nblank lines\n'
}

# ---- exact contents ----
fill
out=$(pc exact)
for k in "stat True True" "list True" "uidl True" "uidl one True" "retr True" "top True" \
         "raw retr True" "raw top 0 True"; do
    case $out in *"$k"*) r=0 ;; *) r=1 ;; esac
    ok $r "poplib/raw: $k"
done
case $out in *"quit b'+OK bye\\r\\n'"*) r=0 ;; *) r=1; diag "$out" ;; esac
ok $r "QUIT answered +OK"
is "$(ls "$M/new" | wc -l)" 0 "new/ moved to cur/ at login"
is "$(ls "$M/cur" | sort | tr '\n' ' ')" "1700000001.M1P1.test 1700000002.M2P2.test:2, 1700000003.M3P3.test:2, 1700000004.M4P4.test:2,S " \
    "new/ names got the :2, info part, cur/ names kept"
grep -q "uid=0 fields=4 last=b'' user=$U stamp=<[0-9]*\.[0-9]*@pop.test>" "$T/checkpw.log"
ok $? "checkpassword got user NUL password NUL <pid.time@host> NUL on fd 3"
if isroot; then
    grep -q "^uid=0 " "$T/checkpw.log"; ok $? "checkpassword runs as root (the monitor part)"
else
    skip "not root" "checkpassword runs as root"
fi

# ---- DELE + QUIT, DELE + drop, RSET ----
fill
pc dele-drop >/dev/null
sleep 0.5
is "$(ls "$M/cur" | wc -l)" 4 "DELE then a dropped connection: nothing removed"
is "$(pc rset | tr '\n' ' ')" "b'+OK' b'+OK bye' " "RSET and QUIT answered"
is "$(ls "$M/cur" | wc -l)" 4 "DELE, DELE, RSET, QUIT: nothing removed"
pc dele >/dev/null
is "$(ls "$M/cur" | wc -l)" 3 "DELE 1, QUIT: one removed"
[ ! -e "$M/cur/1700000001.M1P1.test" ]; ok $? "the oldest one"
grep -q "mail-pop3d: user $U: quit, 0 retrieved, 1 removed, of 4" "$T/pop.log"
ok $? "mail-pop3d logs the QUIT"
grep -q "mail-pop3d: user $U: connection closed, no message removed" "$T/pop.log"
ok $? "mail-pop3d logs the drop"

# ---- a message delivered during a session stays ----
fill
out=$(pc during)
case $out in *"same count True"*) r=0 ;; *) r=1 ;; esac
ok $r "the session's list does not change"
case $out in *"next session 1 999.during.test"*) r=0 ;; *) r=1; diag "$out" ;; esac
ok $r "all deleted at QUIT, the late message waits for the next session"

# ---- logins refused ----
out=$(pc wrong "$U" "wrong pass")
is "$out" "-ERR [AUTH] authentication failed True" "wrong password: -ERR after 2 seconds"
out=$(pc wrong nosuchuser "right pass")
is "$out" "-ERR [AUTH] authentication failed True" "unknown user: the same"
out=$(pc three)
is "$out" "$(printf '%s\n' '-ERR [AUTH] authentication failed' '-ERR [AUTH] authentication failed' \
    '-ERR [AUTH] authentication failed, closing connection' 'closed True')" "three refusals close the connection"
out=$(pc wrong tempfail "x")
is "$out" "-ERR [SYS/TEMP] temporary failure, try again later False" "checkpassword exit 111: temporary failure at once"
grep -q "mail-popup: user nosuchuser from 127.0.0.1: login refused" "$T/pop.log"; ok $? "refused login logged with the user name"
grep -q "temporary failure: checkpassword status 111" "$T/pop.log"; ok $? "temporary failure logged"
if grep -rq "right pass\|wrong pass" "$T/pop.log"; then r=1; else r=0; fi
ok $r "no password in the log"

# ---- AUTH PLAIN ----
fill
is "$(pc plain | tr '\n' '|')" "+OK|+OK|True|+OK|+OK|-ERR authentication cancelled|-ERR invalid PLAIN response|-ERR unsupported authentication mechanism|" \
    "AUTH PLAIN: initial response, continuation, cancel, bad base64, other mechanism"

# ---- bad input, commands in the wrong state ----
fill
want='-ERR log in first
-ERR USER first
-ERR line too long
-ERR NUL in command
-ERR unknown command
-ERR APOP is not supported
+OK capability list follows STLS|USER|SASL PLAIN|RESP-CODES|AUTH-RESP-CODE|TOP|UIDL|IMPLEMENTATION kirim|.|
+OK
-ERR already authenticated
-ERR a message number is needed
-ERR no such message
-ERR no such message
-ERR a message number is needed
-ERR usage: TOP message lines
-ERR STAT takes no argument
-ERR line too long
-ERR NUL in command
+OK message deleted
-ERR no such message
+OK capability list follows TOP|UIDL|RESP-CODES|IMPLEMENTATION kirim|.|
+OK
hung up after 13
closed True'
is "$(pc bad)" "$want" "bad input answered, state by state; 20 errors end the session"
is "$(ls "$M/cur" | wc -l)" 4 "the DELE of that session was not carried out"

# ---- a client that stalls ----
echo 2 > "$H/control/timeoutpop3d"
is "$(pc stall)" "closed True True" "stalled before login: closed after timeoutpop3d"
is "$(pc stall "$U" "right pass" dele)" "$(printf '+OK message deleted\nclosed True True')" \
    "stalled after DELE: closed"
is "$(ls "$M/cur" | wc -l)" 4 "and nothing removed"
grep -q "mail-pop3d: user $U: timeout reading, no message removed" "$T/pop.log"; ok $? "timeout logged"
rm -f "$H/control/timeoutpop3d"

# ---- who runs what ----
if isroot; then
    coproc HOLD { $PC "$IP" "$PORT" "$M" hold "$U" "right pass"; }
    PIDS="$PIDS $HOLD_PID"
    read -r -t 30 line <&"${HOLD[0]}"
    is "$line" ready "a session is open"
    is "$(ps -o user= -C mail-pop3d | sort -u | tr -d ' ')" "$U" "mail-pop3d runs as the mailbox owner"
    is "$(ps -o user= -C mail-popup | sort | tr '\n' ' ')" "kirimd root " \
        "mail-popup: the network side as kirimd, the checkpassword side as root"
    echo >&"${HOLD[1]}"
    wait "$HOLD_PID"
else
    skip "not root" "uids of mail-popup and mail-pop3d"
fi

# ---- a Maildir that cannot be read: temporary failure answers PASS ----
chmod 000 "$M/cur"
out=$(pc wrong "$U" "right pass")
chmod 700 "$M/cur"
is "$out" "-ERR [SYS/TEMP] temporary failure, try again later False" "unreadable Maildir: -ERR [SYS/TEMP] to PASS"
grep -q "mail-pop3d: fatal: user $U: unable to read Maildir/" "$T/pop.log"; ok $? "and the reason logged"

# ---- fetchmail ----
if command -v fetchmail >/dev/null; then
    fill
    cat > "$T/fetchmailrc" <<EOF2
set no bouncemail
poll $IP port $PORT protocol pop3 auth password timeout 60
  user "$U" password "right pass" is root here
  mda "/bin/sh -c 'cat >> $T/fetched; echo ==== >> $T/fetched'"
  sslproto ''
EOF2
    chmod 600 "$T/fetchmailrc"
    HOME=$T fetchmail -f "$T/fetchmailrc" --idfile "$T/fetchids" --nosyslog >"$T/fetchmail.out" 2>&1
    is "$?" 0 "fetchmail fetched"
    is "$(grep -c '^====$' "$T/fetched")" 4 "fetchmail: four messages through the mda"
    grep -q '^\.leading dot' "$T/fetched" && grep -q '^\.\.two dots' "$T/fetched" && grep -q 'blank lines' "$T/fetched"
    ok $? "fetchmail: contents unstuffed as sent"
    is "$(ls "$M/cur" | wc -l)" 0 "fetchmail deleted them from the Maildir"
    [ "$(ls "$M/cur" | wc -l)" = 0 ] || diag "$(cat "$T/fetchmail.out")"
else
    skip "fetchmail not installed" "fetchmail"
fi

# ---- TLS: STLS on the same port, and TLS from the first byte ----
rm -f "$H/control/pop3cleartext"
out=$(pc capa)
is "$out" "$(printf '%s\n' '+OK capability list follows STLS|RESP-CODES|AUTH-RESP-CODE|TOP|UIDL|IMPLEMENTATION kirim|.|' \
    '-ERR [AUTH] log in after STLS (login without TLS is disabled)' '-ERR [SYS/TEMP] TLS is not available')" \
    "without TLS: no USER in CAPA, USER refused; no certificate: STLS refused"
grep -q "TLS not available: " "$T/pop.log"; ok $? "the missing certificate is logged"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=pop.test -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
cat "$T/cert.pem" "$T/key.pem" > "$H/control/servercert.pem"
isroot && chown kirimd "$H/control/servercert.pem"
chmod 400 "$H/control/servercert.pem"
PORT3=$($PY -c "import socket; s=socket.socket(); s.bind(('$IP',0)); print(s.getsockname()[1])")
tcpserver -R -H -l0 "$IP" "$PORT3" "$H/bin/mail-popup" -t pop.test "$T/checkpw" \
    "$H/bin/mail-pop3d" Maildir/ 2>>"$T/pop.log" &
PIDS="$PIDS $!"
for i in $(seq 1 100); do
    $PY -c "import socket; socket.create_connection(('$IP',$PORT3),2).close()" 2>/dev/null && break
    sleep 0.1
done
is "$(POPTLS=stls pc capa)" "$(printf '%s\n' '+OK capability list follows USER|SASL PLAIN|RESP-CODES|AUTH-RESP-CODE|TOP|UIDL|IMPLEMENTATION kirim|.|' \
    '+OK' '-ERR TLS is already on')" "after STLS: USER offered and accepted, no STLS"
is "$(pc stls-pipelined)" "$(printf '%s\n' '+OK begin TLS negotiation' '-ERR log in first' '+OK bye')" \
    "a command sent in clear with STLS is dropped, not run inside TLS"
tlsrun() {   # tlsrun MODE PORT LABEL
    local m=$1 pt=$2 l=$3
    fill
    out=$(POPTLS=$m $PC "$IP" "$pt" "$M" exact 2>&1)
    case $out in *"stat True True"*"list True"*"uidl True"*"retr True"*"top True"*"raw retr True"*"raw top 0 True"*) r=0 ;;
    *) r=1; diag "$out" ;; esac
    ok $r "$l: STAT LIST UIDL RETR TOP exact, through poplib and raw"
    POPTLS=$m $PC "$IP" "$pt" "$M" dele-drop >/dev/null 2>&1
    sleep 0.5
    is "$(ls "$M/cur" | wc -l)" 4 "$l: DELE and drop: nothing removed"
    is "$(POPTLS=$m $PC "$IP" "$pt" "$M" dele 2>&1)" "b'+OK bye'" "$l: DELE and QUIT"
    is "$(ls "$M/cur" | wc -l)" 3 "$l: one removed"
    is "$(POPTLS=$m $PC "$IP" "$pt" "$M" wrong "$U" "wrong pass" 2>&1)" \
        "-ERR [AUTH] authentication failed True" "$l: wrong password refused after a delay"
    is "$(POPTLS=$m $PC "$IP" "$pt" "$M" plain 2>&1 | head -2 | tr '\n' '|')" "+OK|+OK|" "$l: AUTH PLAIN"
}
tlsrun stls "$PORT" "STLS"
tlsrun ssl "$PORT3" "port 995 style"
grep -q "TLS started: TLSv1.2 ECDHE-ECDSA-" "$T/pop.log"; ok $? "TLS 1.2 with ECDHE logged"
if grep -rq "right pass\|wrong pass" "$T/pop.log"; then r=1; else r=0; fi
ok $r "still no password in the log"

# a client that speaks only TLS 1.3 (BearSSL 0.6 stops at 1.2): refused cleanly
n0=$(grep -c "TLS handshake failed" "$T/pop.log")
echo QUIT | timeout 30 openssl s_client -tls1_3 -connect "$IP:$PORT3" >"$T/s13.out" 2>&1
ok $([ $? -ne 0 ] && echo 0 || echo 1) "openssl s_client -tls1_3 on the TLS port fails"
echo QUIT | timeout 30 openssl s_client -tls1_3 -starttls pop3 -connect "$IP:$PORT" >"$T/s13b.out" 2>&1
ok $([ $? -ne 0 ] && echo 0 || echo 1) "openssl s_client -tls1_3 -starttls pop3 fails"
sleep 0.5
is "$(( $(grep -c "TLS handshake failed" "$T/pop.log") - n0 ))" 2 "both handshake failures logged"
echo QUIT | timeout 30 openssl s_client -tls1_2 -connect "$IP:$PORT3" -quiet >"$T/s12.out" 2>&1
grep -q "^+OK pop.test POP3 server ready" "$T/s12.out"; ok $? "openssl s_client -tls1_2 is greeted"

if command -v fetchmail >/dev/null; then
    fill
    rm -f "$T/fetched"
    cat > "$T/fetchmailrc" <<EOF2
set no bouncemail
poll $IP port $PORT3 protocol pop3 auth password timeout 60
  user "$U" password "right pass" is root here
  mda "/bin/sh -c 'cat >> $T/fetched; echo ==== >> $T/fetched'"
  ssl sslproto tls1.2+ no sslcertck
EOF2
    chmod 600 "$T/fetchmailrc"
    HOME=$T fetchmail -f "$T/fetchmailrc" --idfile "$T/fetchids" --nosyslog >"$T/fetchmail.out" 2>&1
    is "$?" 0 "fetchmail over implicit TLS fetched"
    is "$(grep -c '^====$' "$T/fetched" 2>/dev/null)" 4 "fetchmail over TLS: four messages"
    is "$(ls "$M/cur" | wc -l)" 0 "fetchmail over TLS: deleted from the Maildir"
    [ "$(ls "$M/cur" | wc -l)" = 0 ] || diag "$(cat "$T/fetchmail.out")"
else
    skip "fetchmail not installed" "fetchmail over TLS"
fi
echo 1 > "$H/control/pop3cleartext"

# ---- the service directory ----
R=$H/service/pop3
[ -x "$R/run" ] && [ -x "$R/log/run" ]; ok $? "service/pop3 has run and log/run"
is "$(cat "$R/env/PORT" "$R/env/MAILDIR")" "$(printf '110\n./Maildir/')" "service/pop3/env: port 110, ./Maildir/"
sh -n "$R/run"; ok $? "service/pop3/run is valid sh"
# start it for real on our address: env/ pointed at the test's checkpassword
printf '%s\n' "$IP" > "$R/env/IP"
PORT2=$($PY -c "import socket; s=socket.socket(); s.bind(('$IP',0)); print(s.getsockname()[1])")
printf '%s\n' "$PORT2" > "$R/env/PORT"
printf '%s\n' "$T/checkpw" > "$R/env/CHECKPASSWORD"
(cd "$R" && exec ./run > "$T/svc.log" 2>&1) &
PIDS="$PIDS $!"
for i in $(seq 1 100); do
    $PY -c "import socket; socket.create_connection(('$IP',$PORT2),2).close()" 2>/dev/null && break
    sleep 0.1
done
fill
out=$($PC "$IP" "$PORT2" "$M" dele 2>&1)
is "$out" "b'+OK bye'" "service/pop3/run serves POP3"
grep -q "mail-pop3d: user $U: quit" "$T/svc.log"; ok $? "its log lines go to the logger's stdin"

for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PIDS=

done_testing
