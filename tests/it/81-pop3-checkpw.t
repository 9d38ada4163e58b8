#!/bin/bash
# 81-pop3-checkpw.t: the POP3 service with kirim's own checkpassword
# program: a virtual user from mail-passwd logs in over STLS with poplib;
# mail-checkpw (run by mail-popup's root part) switches to the user's uid.
. "$(dirname "$0")/lib.sh"
command -v tcpserver >/dev/null || { echo "1..0 # SKIP tcpserver not installed"; exit 0; }
isroot || { echo "1..0 # SKIP needs root (mail-checkpw switches users)"; exit 0; }
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)
kirim_instance
PC="$PY $SRC/tests/it/pop3client.py"
IP=127.0.0.5$((RANDOM % 10))
U=kpv$$
useradd -M -d "$T/v" -s /usr/sbin/nologin "$U" || { echo "Bail out! useradd failed"; exit 1; }
trap 'userdel "$U" 2>/dev/null; cleanup' EXIT
mkdir -p "$T/v"
"$H/bin/maildirmake" "$T/v/Maildir"
chown -R "$U:" "$T/v"
chmod 700 "$T/v"
M=$T/v/Maildir
printf 'Subject: virtual\n\nhello\n' > "$M/new/1700000100.M1P1.test"
chown "$U:" "$M/new/1700000100.M1P1.test"

(cd "$H" && printf 'pw one two\n' | bin/mail-passwd add box@pop.test -u "$(id -u "$U")" \
    -g "$(id -g "$U")" -d "$T/v" 2>"$T/passwd.err")
ok $? "mail-passwd add box@pop.test"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=pop.test -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
cat "$T/cert.pem" "$T/key.pem" > "$H/control/servercert.pem"
chown kirimd "$H/control/servercert.pem"
chmod 400 "$H/control/servercert.pem"

PORT=$($PY -c "import socket; s=socket.socket(); s.bind(('$IP',0)); print(s.getsockname()[1])")
tcpserver -R -H -l0 "$IP" "$PORT" "$H/bin/mail-popup" pop.test "$H/bin/mail-checkpw" \
    "$H/bin/mail-pop3d" Maildir/ 2>>"$T/pop.log" &
PIDS="$PIDS $!"
for i in $(seq 1 100); do
    $PY -c "import socket; socket.create_connection(('$IP',$PORT),2).close()" 2>/dev/null && break
    sleep 0.1
done

export POPTLS=stls
out=$($PC "$IP" "$PORT" "$M" during box@pop.test "pw one two" 2>&1)
case $out in *"same count True"*"next session 1 999.during.test"*) r=0 ;; *) r=1; diag "$out" ;; esac
ok $r "virtual user over STLS: list, DELE, QUIT; a late message waits"
[ ! -e "$M/cur/1700000100.M1P1.test:2," ]; ok $? "the delivered message was removed at QUIT"
is "$($PC "$IP" "$PORT" "$M" wrong box@pop.test "wrong" 2>&1)" "-ERR [AUTH] authentication failed True" \
    "mail-checkpw: wrong password refused after a delay"
is "$($PC "$IP" "$PORT" "$M" wrong nobody@pop.test "pw one two" 2>&1)" "-ERR [AUTH] authentication failed True" \
    "mail-checkpw: unknown user refused"
grep -q "mail-pop3d: user box@pop.test: quit, 0 retrieved, 1 removed, of 1" "$T/pop.log"
ok $? "mail-pop3d ran with USER from mail-checkpw"
is "$(ls "$M/cur" | wc -l)" 1 "the late message moved to cur/ by the second session"
is "$(stat -c %U "$M/cur")" "$U" "cur/ still belongs to the user"
if grep -q "pw one two" "$T/pop.log"; then r=1; else r=0; fi
ok $r "no password in the log"

for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PIDS=
done_testing
