#!/bin/bash
# 70-remote.t: mail-start, mail-send, mail-rspawn and mail-remote against real
# SMTP peers on 127.0.0.31-39 (a python peer, Postfix's smtp-sink) with MX
# records from dnsmasq on 127.0.0.30:53 (DNSCACHEIP).
. "$(dirname "$0")/lib.sh"
for tool in dnsmasq smtp-sink python3; do
    command -v $tool >/dev/null || PATH=$PATH:/usr/sbin
    command -v $tool >/dev/null || { echo "1..0 # SKIP $tool missing (make deps)"; exit 0; }
done
kirim_instance
export T H
LOG=$T/log
PEER="python3 $SRC/tests/it/smtppeer.py"
printf 'test.example\n' > "$H/control/me"
printf 'test.example\nlocalhost\n' > "$H/control/locals"
printf '3\n' > "$H/control/timeoutconnect"
printf '5\n' > "$H/control/timeoutremote"

waitfor() {  # waitfor SECONDS COMMAND...
    local n=$(( $1 * 10 )); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
# a port free on every address we use
freeport() {
    local p
    while :; do
        p=$(( 20000 + RANDOM % 40000 ))
        ss -Hltn "( sport = :$p )" 2>/dev/null | grep -q . || { echo $p; return; }
    done
}
P=$(freeport)
P2=$(freeport)

# ---- DNS ----
dnsmasq -k -C /dev/null --port=53 --listen-address=127.0.0.30 --bind-interfaces \
    --no-resolv --no-hosts --user=root --pid-file="$T/dns.pid" --local=/test/ \
    --mx-host=pref.test,mx1.pref.test,10 --mx-host=pref.test,mx2.pref.test,20 \
    --host-record=mx1.pref.test,127.0.0.31 --host-record=mx2.pref.test,127.0.0.32 \
    --mx-host=down.test,mx1.down.test,10 --mx-host=down.test,mx2.down.test,20 \
    --host-record=mx1.down.test,127.0.0.33 --host-record=mx2.down.test,127.0.0.32 \
    --mx-host=greet.test,mx1.greet.test,10 --mx-host=greet.test,mx2.greet.test,20 \
    --host-record=mx1.greet.test,127.0.0.34 --host-record=mx2.greet.test,127.0.0.32 \
    --mx-host=dead.test,mx1.dead.test,10 --mx-host=dead.test,mx2.dead.test,20 \
    --host-record=mx1.dead.test,127.0.0.33 --host-record=mx2.dead.test,127.0.0.35 \
    --mx-host=rcpt.test,mx.rcpt.test,10 --host-record=mx.rcpt.test,127.0.0.36 \
    --host-record=implicit.test,127.0.0.31 --host-record=selfa.test,127.0.0.1 \
    --mx-host=null.test,.,0 \
    --mx-host=loop.test,test.example,10 \
    --mx-host=hang.test,mx.hang.test,10 --host-record=mx.hang.test,127.0.0.39 \
    > "$T/dns.log" 2>&1 &
PIDS="$PIDS $!"; disown $!
export DNSCACHEIP=127.0.0.30
# MX lookups, with our port: "domain::port" keeps MX rules, changes the port
{
    for d in pref down greet dead rcpt implicit selfa null loop hang nohost.test x.invalid; do case $d in *.*) echo "$d::$P" ;; *) echo "$d.test::$P" ;; esac; done
    echo "bounce.test:[127.0.0.37]:$P"
    echo "helo.test:[127.0.0.38]:$P"
    echo "dots.test:[127.0.0.31]:$P"
    echo "sink.test:[127.0.0.38]:$P2"
    echo "drip.test:[127.0.0.49]:$P"
    echo "v6.test:[::1]:$P"
    echo "broken.test:[127.0.0.31:x"
} > "$H/control/smtproutes"

# ---- peers ----
peer() {  # peer NAME IP [options]: store in $T/NAME, log in $T/NAME.log
    local name=$1 ip=$2; shift 2
    mkdir -p "$T/$name"
    $PEER --ip "$ip" --port "$P" --portfile "$T/$name.port" --store "$T/$name" \
        --log "$T/$name.log" "$@" 2>"$T/$name.err" &
    PIDS="$PIDS $!"; disown $!
    eval "PID_$name=$!"
    waitfor 10 test -s "$T/$name.port" || echo "# peer $name did not start: $(cat "$T/$name.err")"
}
peer mx1 127.0.0.31 --smtputf8
peer mx2 127.0.0.32 --pipelining
peer greet 127.0.0.34 --greeting "554 5.7.1 go away"
peer rcpt 127.0.0.36 --pipelining --size 100000 --defer-once later@rcpt.test \
    --rcpt-fail "bad@rcpt.test=550 5.1.1 <bad@rcpt.test>: no such user here"
peer bounce 127.0.0.37
peer helo 127.0.0.38 --helo-only
peer hang 127.0.0.39 --hang
peer drip 127.0.0.49 --drip
peer v6 ::1
mkdir -p "$T/sink"; chmod 777 "$T/sink"
smtp-sink -u nobody -d "$T/sink/%M." -h sink.test 127.0.0.38:$P2 100 2>"$T/sink.err" &
PIDS="$PIDS $!"; disown $!
waitfor 10 ss -Hltn "( sport = :$P2 )" | grep -q . 

"$H/bin/mail-start" > "$LOG" 2>&1 &
START=$!
PIDS="$PIDS $START"
waitfor 20 grep -q "messages in the queue at start" "$LOG"
! grep -q "no remote channel" "$LOG"; ok $? "mail-start starts mail-rspawn: mail-send has a remote channel"
if isroot; then
    rs=$(pgrep -P "$START" -x mail-rspawn)
    is "$(ps -o user=,group= -p "$rs" | tr -s ' ')" "kirimr kirim" "mail-rspawn runs as kirimr:kirim"
fi

N=0
send() {  # send SENDER RCPT... < message: queue it; sets MSG to its id
    printf 'F%s\0' "$1" > "$T/env"; shift
    for r in "$@"; do printf 'T%s\0' "$r"; done >> "$T/env"; printf '\0' >> "$T/env"
    N=$((N + 1))
    "$H/bin/mail-queue" 1< "$T/env" || echo "# mail-queue failed"
}
msg() {  # msg SUBJECT: a small message
    printf 'From: a@test.example\nSubject: %s\n\nbody %s\n' "$1" "$1"
}
delivery() {  # delivery RCPT: the result line of the latest delivery to RCPT
    local d
    d=$(sed -n "s/^starting delivery \([0-9]*\): msg [0-9]* to remote $1\$/\1/p" "$LOG" | tail -1)
    [ -n "$d" ] && grep "^delivery $d: " "$LOG" | tail -1
}
done_for() { delivery "$1" | grep -q "$2"; }

# ---- MX preference ----
msg pref | send a@test.example u@pref.test
waitfor 30 done_for u@pref.test ": success:"; ok $? "pref.test: delivered"
grep -qx "u@pref.test" "$T/mx1/1.env" 2>/dev/null; ok $? "to the MX with the lowest preference (mx1)"
delivery u@pref.test | grep -q "mx1.pref.test \[127.0.0.31\] said: 250 2.0.0 queued"
ok $? "the result names the host and carries its reply"

# ---- first MX refuses connections: the second ----
msg down | send a@test.example u@down.test
waitfor 30 done_for u@down.test ": success:"; ok $? "down.test: first MX refuses connections, delivered to the second"
grep -qx "u@down.test" "$T"/mx2/*.env; ok $? "mx2 got it"

# ---- greeting 554: next MX ----
msg greet | send a@test.example u@greet.test
waitfor 30 done_for u@greet.test ": success:"; ok $? "greet.test: greeting 554 at the first MX, delivered to the second"
grep -q "^QUIT" "$T/greet.log"; ok $? "mail-remote said QUIT to the refusing host"
[ -z "$(ls "$T/greet")" ]; ok $? "nothing was sent to the refusing host"

# ---- all MX down: deferral, then retried ----
msg dead | send a@test.example u@dead.test
waitfor 30 done_for u@dead.test ": deferral:"; ok $? "dead.test: every MX down: deferral"
delivery u@dead.test | grep -q "Unable to connect to mx1.dead.test \[127.0.0.33\]"; ok $? "the text lists the hosts tried"
peer dead 127.0.0.35
kill -ALRM "$START"
waitfor 30 done_for u@dead.test ": success:"; ok $? "after the MX came back, the retry (SIGALRM) delivered it"

# ---- implicit MX ----
msg implicit | send a@test.example u@implicit.test
waitfor 30 done_for u@implicit.test ": success:"; ok $? "implicit.test: no MX, its A record is used"

# ---- DNS failures ----
msg nohost | send a@test.example u@nohost.test
waitfor 30 done_for u@nohost.test ": failure:"; ok $? "nohost.test: no MX, no address: permanent failure"
delivery u@nohost.test | grep -q "could not find any host"; ok $? "the text says so"
msg nodns | send a@test.example u@x.invalid
waitfor 60 done_for u@x.invalid ": deferral:"; ok $? "x.invalid: the DNS server refuses to answer: deferral"
delivery u@x.invalid | grep -q "Temporary DNS trouble"; ok $? "the text says DNS trouble"

# ---- null MX, own MX ----
msg null | send bounce@bounce.test u@null.test
waitfor 30 done_for u@null.test ": failure:"; ok $? "null.test: null MX is a permanent failure"
delivery u@null.test | grep -q "RFC 7505"; ok $? "the text says null MX"
msg loop | send bounce@bounce.test u@loop.test
waitfor 30 done_for u@loop.test ": failure:"; ok $? "loop.test: our own name as best MX: permanent failure"
delivery u@loop.test | grep -q "Mail loop"; ok $? "the text says mail loop"

# ---- several recipients in one transaction, each with its own result ----
msg rcpt | send bounce@bounce.test good@rcpt.test later@rcpt.test bad@rcpt.test
waitfor 30 done_for bad@rcpt.test ": failure:"; ok $? "550 on RCPT: failure"
waitfor 30 done_for later@rcpt.test ": deferral:"; ok $? "450 on RCPT: deferral"
waitfor 30 done_for good@rcpt.test ": success:"; ok $? "250 on RCPT: success"
is "$(grep -c '^MAIL' "$T/rcpt.log")" 1 "one transaction for the three recipients"
grep -q "^(pipelined)" "$T/rcpt.log"; ok $? "PIPELINING offered: MAIL, RCPTs and DATA sent in one go"
delivery bad@rcpt.test | grep -q "said: 550 5.1.1 <bad@rcpt.test>: no such user here"
ok $? "the failure carries the remote's reply"
kill -ALRM "$START"
waitfor 30 done_for later@rcpt.test ": success:"; ok $? "the deferred recipient is delivered on retry"
is "$(grep -c '^MAIL' "$T/rcpt.log")" 2 "the retry is a new transaction"
is "$(cat "$T/rcpt/2.env" 2>/dev/null | tail -n +2)" "later@rcpt.test" "the retry carries only the deferred recipient"
# the bounce for bad@ (and the null/loop ones) reach bounce.test
waitfor 30 sh -c "grep -l 'bad@rcpt.test' $T/bounce/[0-9]* >/dev/null 2>&1"; ok $? "a bounce reached the sender"
B=$(grep -l 'Final-Recipient: rfc822; bad@rcpt.test' "$T"/bounce/[0-9]* 2>/dev/null | head -1)
grep -q "^Diagnostic-Code: smtp; 550 5.1.1 <bad@rcpt.test>: no such user here" "$B" 2>/dev/null
ok $? "the bounce's Diagnostic-Code is the remote's reply"
grep -q "^Remote-MTA: dns; mx.rcpt.test" "$B" 2>/dev/null; ok $? "the bounce names the Remote-MTA"
grep -q "^Status: 5.1.1" "$B" 2>/dev/null; ok $? "Status from the reply's enhanced code"
is "$(head -1 "$T"/bounce/1.env 2>/dev/null)" "" "bounces are sent with the null sender"

# ---- SIZE ----
{ msg size; head -c 150000 /dev/zero | tr '\0' 'x' | fold -w 70; } | send bounce@bounce.test big@rcpt.test
waitfor 30 done_for big@rcpt.test ": failure:"; ok $? "SIZE 100000 announced, 150 kB message: permanent failure"
delivery big@rcpt.test | grep -q "#5.3.4"; ok $? "with #5.3.4"
is "$(grep -c '^MAIL' "$T/rcpt.log")" 2 "no MAIL command was sent for it"

# ---- HELO-only peer ----
msg helo | send a@test.example u@helo.test
waitfor 30 done_for u@helo.test ": success:"; ok $? "helo.test: EHLO refused, HELO works, delivered"
grep -q "^EHLO test.example" "$T/helo.log" && grep -q "^HELO test.example" "$T/helo.log"; ok $? "EHLO, then HELO"
grep -q "^MAIL FROM:<a@test.example>\$" "$T/helo.log"; ok $? "no ESMTP parameters to a HELO peer"

# ---- dots, 8-bit, byte-identical ----
printf 'From: a@test.example\nSubject: dots\n\n.leading dot\n..two dots\n.\nend\n\xe9t\xe9 8-bit \xff\nno final newline' > "$T/dots.msg"
send a@test.example d@dots.test < "$T/dots.msg"
waitfor 30 done_for d@dots.test ": success:"; ok $? "dots.test: delivered"
D=$(grep -lx "d@dots.test" "$T"/mx1/*.env | sed 's/\.env$//')
# what arrived = mail-queue's Received line + the message + the CRLF mail-remote must add
printf '\n' >> "$T/dots.msg"
cmp -s <(tail -c "$(wc -c < "$T/dots.msg")" "$D") "$T/dots.msg"; ok $? "leading dots and 8-bit bytes arrive byte-identical"
grep -q "^MAIL FROM:<a@test.example> BODY=8BITMIME" "$T/mx1.log"; ok $? "BODY=8BITMIME for an 8-bit message"

# ---- loops without an MX record: the implicit MX and an address literal ----
msg selfa | send a@test.example u@selfa.test 'v@[127.0.0.1]'
waitfor 30 done_for u@selfa.test ": failure:"; ok $? "no MX, and the domain's address is this host's: permanent failure"
delivery u@selfa.test | grep -q "Mail loop: the domain has no MX and its address is this host's.*(#5.4.6)"; ok $? "a mail loop (#5.4.6)"
waitfor 30 done_for 'v@\[127.0.0.1\]' ": failure:"; ok $? "an address literal of this host: permanent failure"
delivery 'v@\[127.0.0.1\]' | grep -q "Mail loop: the address literal is this host's.*(#5.4.6)"; ok $? "a mail loop too"

# ---- local parts that are no Dot-string go out quoted; control bytes never go out ----
msg quote | send 'x> SIZE=1@test.example' 'john doe@dots.test' 'a"b\c@dots.test'
waitfor 30 done_for 'john doe@dots.test' ": success:"; ok $? "quoted local parts: delivered"
grep -qxF 'MAIL FROM:<"x> SIZE=1"@test.example>' "$T/mx1.log"
ok $? "a sender stored as x> SIZE=1@... is quoted again (no parameter smuggled into MAIL)"
grep -qxF 'RCPT TO:<"john doe"@dots.test>' "$T/mx1.log"; ok $? "a recipient with a space is quoted"
grep -qxF 'RCPT TO:<"a\"b\\c"@dots.test>' "$T/mx1.log"; ok $? "quote and backslash are escaped inside the quotes"
# internationalized addresses (RFC 6531): SMTPUTF8 when offered, else 5.6.7
msg utf8 | send a@test.example "$(printf 'j\303\274rgen@dots.test')"
waitfor 30 done_for "$(printf 'j\303\274rgen@dots.test')" ": success:"; ok $? "a UTF-8 recipient, the host offers SMTPUTF8: delivered"
grep -qx 'MAIL FROM:<a@test.example> SMTPUTF8' "$T/mx1.log"; ok $? "with the SMTPUTF8 parameter"
msg utf8b | send a@test.example "$(printf 'j\303\274rgen@helo.test')"
waitfor 30 done_for "$(printf 'j\303\274rgen@helo.test')" ": failure:"; ok $? "a host without SMTPUTF8: permanent failure"
delivery "$(printf 'j\303\274rgen@helo.test')" | grep -q "not ASCII.*does not offer SMTPUTF8 (#5.6.7)"; ok $? "with #5.6.7"
msg ctl | send "$(printf 'a\r\nRSET@test.example')" v@dots.test
waitfor 30 done_for v@dots.test ": failure:"; ok $? "a sender with CR LF in it: permanent failure"
delivery v@dots.test | grep -q "sender address contains control characters (#5.1.7)"; ok $? "and says why"
grep -q '^RSET' "$T/mx1.log" && r=1 || r=0
ok $r "nothing of it reached the peer"

# ---- tlsdestinations, a host without STARTTLS: never in clear (more in 74-remote-tls.t) ----
printf 'tls.test\n' > "$H/control/tlsdestinations"
echo "tls.test:[127.0.0.31]:$P" >> "$H/control/smtproutes"
before=$(grep -c '^MAIL' "$T/mx1.log")
msg tls | send a@test.example u@tls.test
waitfor 30 done_for u@tls.test ": deferral:"; ok $? "tls.test in tlsdestinations: deferral"
is "$(grep -c '^MAIL' "$T/mx1.log")" "$before" "nothing was sent in clear"
delivery u@tls.test | grep -q "does not offer STARTTLS"; ok $? "the text says the host offers no STARTTLS"
rm "$H/control/tlsdestinations"

# ---- a 20 MB message to smtp-sink ----
{ msg big; head -c 20000000 /dev/urandom | base64 -w 76; } > "$T/big.msg"
send a@test.example big@sink.test < "$T/big.msg"
waitfor 120 done_for big@sink.test ": success:"; ok $? "20 MB message accepted by smtp-sink"
S=$(ls -S "$T"/sink/* 2>/dev/null | head -1)
[ -n "$S" ] && [ "$(stat -c %s "$S")" -gt 27000000 ]; ok $? "smtp-sink stored all of it"
grep -q "$(tail -c 60 "$T/big.msg" | head -1 | tr -d '\n')" "$S" 2>/dev/null; ok $? "up to its last line"

# ---- IPv6 ----
msg v6 | send a@test.example u@v6.test
waitfor 30 done_for u@v6.test ": success:"; ok $? "v6.test: delivered over IPv6 to [::1]"
delivery u@v6.test | grep -q "\[::1\] said: 250"; ok $? "the text names ::1"

# ---- a host that drips an endless EHLO reply: the reply as a whole is timed ----
msg drip | send a@test.example u@drip.test
t0=$(date +%s)
waitfor 30 done_for u@drip.test ": deferral:"; ok $? "drip.test: a reply line a second, for ever: deferral"
t1=$(date +%s)
[ $((t1 - t0)) -le 12 ]; ok $? "after timeoutremote (5 s) for the whole reply, not per line: took $((t1 - t0)) s"
delivery u@drip.test | grep -q "Timeout talking to"; ok $? "the text says timeout"

# ---- bad control file ----
msg broken | send a@test.example u@broken.test
waitfor 30 done_for u@broken.test ": deferral:"; ok $? "malformed smtproutes line: deferral, not a wrong host"
delivery u@broken.test | grep -q "control/smtproutes"; ok $? "the text names control/smtproutes"

# ---- a peer that hangs after the greeting; tcpto ----
"$H/bin/mail-tcpok"
msg hang | send a@test.example u@hang.test
t0=$(date +%s)
waitfor 30 done_for u@hang.test ": deferral:"; ok $? "hang.test: the peer hangs after the greeting: deferral"
t1=$(date +%s)
[ $((t1 - t0)) -le 15 ]; ok $? "within timeoutremote (5 s) plus slack: took $((t1 - t0)) s"
delivery u@hang.test | grep -q "Timeout talking to mx.hang.test \[127.0.0.39\]"; ok $? "the text says timeout"
"$H/bin/mail-tcpto" > "$T/tcpto.out"
grep -q "^127.0.0.39 timed out 1 time, last [0-9]* seconds ago; skipped for [0-9]* more seconds" "$T/tcpto.out"
ok $? "mail-tcpto lists the host"
msg hang2 | send a@test.example v@hang.test
waitfor 10 done_for v@hang.test ": deferral:"; ok $? "next delivery to it: deferral at once"
delivery v@hang.test | grep -q "Skipped mx.hang.test \[127.0.0.39\]: it timed out recently"; ok $? "tcpto skipped the host"
"$H/bin/mail-tcpok"; ok $? "mail-tcpok exits 0"
is "$("$H/bin/mail-tcpto")" "" "after mail-tcpok mail-tcpto lists nothing"

# ---- nothing lost ----
grep -q "mail-remote crashed\|unexpected code" "$LOG"; ok $((! $?)) "no crash of mail-remote in the log"
kill -TERM "$START"
wait "$START" 2>/dev/null
ok $? "mail-start stops cleanly"
done_testing
