#!/bin/bash
# 64-smtpd-service.t: the installed service/smtpd run script starts tcpserver
# and mail-smtpd as the daemon user with its envdir settings and tcp.smtp rules
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
smtpd_setup
(cd "$T/build" && sh scripts/services.sh "") > /dev/null
svc=$H/service/smtpd
for f in run log/run env/IP env/PORT env/CONCURRENCY tcp.smtp; do
    [ -f "$svc/$f" ]; ok $? "service/smtpd/$f installed"
done
is "$(cat "$svc/env/PORT")" 25 "port 25 by default"
is "$(cat "$H/service/submission/env/PORT") $(ls "$H/service/submission/env" | tr '\n' ' ')" \
    "587 CONCURRENCY IP PORT SUBMISSION " "service/submission: port 587, AUTH required"
is "$(cat "$H/service/smtps/env/PORT") $(ls "$H/service/smtps/env" | tr '\n' ' ')" \
    "465 CONCURRENCY IP PORT SMTPS SUBMISSION " "service/smtps: port 465, TLS from the first byte"
grep -q "mail-smtpd $H/bin/mail-checkpw /bin/true" "$H/service/submission/run"; ok $? "AUTH through mail-checkpw"
sh -n "$svc/run"; ok $? "run script is valid sh"

# run it on a loopback address and a free port instead of 0.0.0.0:25
echo "$SIP" > "$svc/env/IP"
PORT=$(freeport "$SIP")
echo "$PORT" > "$svc/env/PORT"
(cd "$svc" && exec sh ./run > "$T/svc.log" 2>&1) &
RPID=$!
PIDS="$PIDS $RPID"
n=100
while [ $n -gt 0 ] && ! (exec 3<>"/dev/tcp/$SIP/$PORT") 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
ok "$([ $n -gt 0 ]; echo $?)" "the run script listens on env/IP:env/PORT"
[ -f "$svc/tcp.cdb" ]; ok $? "tcp.smtp compiled into tcp.cdb at start"

dialog "from 127.0.0.1: RELAYCLIENT by the default rules" 127.0.0.1 <<EOF
< 220
> HELO c.example
< 250
> MAIL FROM:<a@b.example>
< 250
> RCPT TO:<x@remote.example>
< 250 2.1.5
> QUIT
< 221
EOF
dialog "from another address: no relaying" <<EOF
< 220
> HELO c.example
< 250
> MAIL FROM:<a@b.example>
< 250
> RCPT TO:<x@remote.example>
< 553 5.7.1
> QUIT
< 221
EOF
if isroot; then
    python3 - "$SIP" "$PORT" <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.recv(100); time.sleep(3)
PY
    cpid=$!
    sleep 1
    pid=$(pgrep -n -x mail-smtpd -P "$RPID")
    is "$(ps -o user=,group= -p "$pid" | tr -s ' ')" "kirimd nofiles" "session runs as kirimd:nofiles"
    wait $cpid
else
    skip "not root" "session runs as kirimd:nofiles"
fi
grep -q "tcpserver: status: " "$T/svc.log"; ok $? "tcpserver -v logs connections on the service's stdout"
kill "$RPID"; wait "$RPID" 2>/dev/null
done_testing
