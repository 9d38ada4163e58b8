#!/bin/bash
# 55-start.t: mail-start wires mail-send, a spawner and mail-clean, each as its user
. "$(dirname "$0")/lib.sh"
kirim_instance
export T H
mkdir -p "$T/got" "$T/state"
chmod 777 "$T/got" "$T/state"
printf 'test.example\n' > "$H/control/me"
printf 'test.example\n' > "$H/control/locals"
# the fake spawner stands in for mail-lspawn (whatever the tree has)
printf '#!/bin/sh\nexec python3 %s/tests/it/fakespawn.py\n' "$SRC" > "$H/bin/mail-lspawn"
chmod 755 "$H/bin/mail-lspawn"
rm -f "$H/bin/mail-rspawn"

"$H/bin/mail-start" > "$T/log" 2>&1 &
START=$!
PIDS="$PIDS $START"
n=100; while [ $n -gt 0 ] && ! grep -q "messages in the queue at start" "$T/log"; do sleep 0.1; n=$((n - 1)); done
grep -q "warning: no remote channel" "$T/log"; ok $? "without mail-rspawn, mail-send has no remote channel"
send=$(pgrep -P "$START" -x mail-send)
clean=$(pgrep -P "$START" -x mail-clean)
ok "$([ -n "$send" ] && [ -n "$clean" ] && echo 0 || echo 1)" "mail-send and mail-clean are children of mail-start"
if isroot; then
    is "$(ps -o user=,group= -p "$send" | tr -s ' ')" "kirims kirim" "mail-send runs as kirims:kirim"
    is "$(ps -o user=,group= -p "$clean" | tr -s ' ')" "kirimq kirim" "mail-clean runs as kirimq:kirim"
    is "$(sed -n 's/^Groups:\t*//p' /proc/"$send"/status | tr -d ' ')" "$(getent group kirim | cut -d: -f3)" "mail-send has only group kirim"
fi
fds=$(for f in /proc/"$send"/fd/*; do printf '%s=%s ' "${f##*/}" "$(readlink "$f" | sed 's/:.*//; s|.*/||')"; done)
is "$(echo "$fds" | tr ' ' '\n' | sort -n | tr '\n' ' ')" " 0=null 1=log 2=log 3=pipe 4=pipe 5=sendmutex 6=trigger 7=pipe 8=pipe " "mail-send: 3 4 7 8 are pipes, 5 6 its lock files, nothing else"
printf 'Subject: x\n\nbody\n' | "$H/bin/mail-queue" 1< <(printf 'Fs@test.example\0Tok@test.example\0\0')
n=100; while [ $n -gt 0 ] && ! grep -q "^end msg" "$T/log"; do sleep 0.1; n=$((n - 1)); done
grep -q " ok@test.example <s@test.example>" "$T/deliveries"; ok $? "a message is delivered through mail-start"
kill -TERM "$START"
wait "$START"
is "$?" 0 "SIGTERM to mail-start: mail-send exits 0 and mail-start with it"
ok "$(pgrep -x mail-clean -P "$START" >/dev/null && echo 1 || echo 0)" "the helpers are gone"
done_testing
