#!/bin/bash
# 74-remote-tls.t: STARTTLS in mail-remote against python peers (ssl module,
# i.e. OpenSSL) on 127.0.0.31-36, MX records from dnsmasq on 127.0.0.29:53;
# opportunistic TLS, control/tlsdestinations (verified TLS or nothing),
# control/tlscafile, and a failed handshake answered by a reconnection in clear.
. "$(dirname "$0")/lib.sh"
for tool in dnsmasq python3 openssl; do
    command -v $tool >/dev/null || PATH=$PATH:/usr/sbin
    command -v $tool >/dev/null || { echo "1..0 # SKIP $tool missing (make deps)"; exit 0; }
done
kirim_instance
LOG=$T/log
PEER="python3 $SRC/tests/it/smtppeer.py"
printf 'test.example\n' > "$H/control/me"
printf 'test.example\nlocalhost\n' > "$H/control/locals"
printf '3\n' > "$H/control/timeoutconnect"
printf '10\n' > "$H/control/timeoutremote"

waitfor() {  # waitfor SECONDS COMMAND...
    local n=$(( $1 * 10 )); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
freeport() {
    local p
    while :; do
        p=$(( 20000 + RANDOM % 40000 ))
        ss -Hltn "( sport = :$p )" 2>/dev/null | grep -q . || { echo $p; return; }
    done
}
P=$(freeport)

# ---- certificates: a self-signed one, a test CA and two leaves it signed ----
C=$T/certs
mkdir -p "$C"
gen() { (cd "$C" && openssl "$@") >/dev/null 2>&1 || { echo "Bail out! openssl $1 failed"; exit 1; }; }
gen req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -days 2 -subj /CN=mx.opp.test
gen req -x509 -newkey rsa:2048 -nodes -keyout untr.key -out untr.crt -days 2 -subj /CN=mx.untrusted.test -addext subjectAltName=DNS:mx.untrusted.test
gen req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3 -subj /CN=kirim-test-CA
printf 'subjectAltName=DNS:mx.trusted.test\nbasicConstraints=CA:FALSE\n' > "$C/san.ext"
gen req -new -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=mx.trusted.test
gen x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out leaf.crt
cat "$C/leaf.crt" "$C/ca.crt" > "$C/chain.crt"
chmod 644 "$C"/*; chmod 755 "$C"

# ---- DNS ----
dnsmasq -k -C /dev/null --port=53 --listen-address=127.0.0.29 --bind-interfaces \
    --no-resolv --no-hosts --user=root --pid-file="$T/dns.pid" --local=/test/ \
    --mx-host=opp.test,mx.opp.test,10 --host-record=mx.opp.test,127.0.0.31 \
    --mx-host=untrusted.test,mx.untrusted.test,10 --host-record=mx.untrusted.test,127.0.0.32 \
    --mx-host=trusted.test,mx.trusted.test,10 --host-record=mx.trusted.test,127.0.0.33 \
    --mx-host=mismatch.test,mx.mismatch.test,10 --host-record=mx.mismatch.test,127.0.0.34 \
    --mx-host=fail.test,mx.fail.test,10 --mx-host=strict.test,mx.fail.test,10 \
    --host-record=mx.fail.test,127.0.0.35 \
    --mx-host=plain.test,mx.plain.test,10 --host-record=mx.plain.test,127.0.0.36 \
    --mx-host=anchors.test,mx.trusted.test,10 \
    > "$T/dns.log" 2>&1 &
PIDS="$PIDS $!"; disown $!
export DNSCACHEIP=127.0.0.29
{
    for d in opp untrusted trusted mismatch fail strict plain anchors; do echo "$d.test::$P"; done
    echo "literal.test:[127.0.0.33]:$P"
} > "$H/control/smtproutes"
printf 'untrusted.test\ntrusted.test\nmismatch.test\nstrict.test\nliteral.test\nanchors.test\n' \
    > "$H/control/tlsdestinations"
printf '%s\n' "$C/ca.crt" > "$H/control/tlscafile"

# ---- peers ----
peer() {  # peer NAME IP [options]: store in $T/NAME, log in $T/NAME.log
    local name=$1 ip=$2; shift 2
    mkdir -p "$T/$name"
    $PEER --ip "$ip" --port "$P" --portfile "$T/$name.port" --store "$T/$name" \
        --log "$T/$name.log" "$@" 2>"$T/$name.err" &
    PIDS="$PIDS $!"; disown $!
    waitfor 10 test -s "$T/$name.port" || echo "# peer $name did not start: $(cat "$T/$name.err")"
}
peer opp 127.0.0.31 --pipelining --starttls "$C/self.crt" "$C/self.key"
peer untrusted 127.0.0.32 --starttls "$C/untr.crt" "$C/untr.key"
peer trusted 127.0.0.33 --pipelining --starttls "$C/chain.crt" "$C/leaf.key"
peer mismatch 127.0.0.34 --starttls "$C/chain.crt" "$C/leaf.key"
peer fail 127.0.0.35 --starttls "$C/self.crt" "$C/self.key" --tls13-only
peer plain 127.0.0.36

"$H/bin/mail-start" > "$LOG" 2>&1 &
START=$!
PIDS="$PIDS $START"
waitfor 20 grep -q "messages in the queue at start" "$LOG"
! grep -q "no remote channel" "$LOG"; ok $? "mail-start starts mail-rspawn"

send() {  # send SENDER RCPT... < message
    printf 'F%s\0' "$1" > "$T/env"; shift
    for r in "$@"; do printf 'T%s\0' "$r"; done >> "$T/env"; printf '\0' >> "$T/env"
    "$H/bin/mail-queue" 1< "$T/env" || echo "# mail-queue failed"
}
msg() { printf 'From: a@test.example\nSubject: %s\n\nbody %s\n.leading dot\n' "$1" "$1"; }
delivery() {  # the result line of the latest delivery to RCPT
    local d
    d=$(sed -n "s/^starting delivery \([0-9]*\): msg [0-9]* to remote $1\$/\1/p" "$LOG" | tail -1)
    [ -n "$d" ] && grep "^delivery $d: " "$LOG" | tail -1
}
done_for() { delivery "$1" | grep -q "$2"; }
# the peer's log, in order, reduced to what matters here
trail() { grep -o '^EHLO\|^STARTTLS\|^(tls TLS[^ ]*\|^MAIL\|^QUIT' "$T/$1.log" | tr '\n' ' '; }

# ---- opportunistic, self-signed certificate ----
msg opp | send a@test.example u@opp.test
waitfor 30 done_for u@opp.test ": success:"; ok $? "opp.test: delivered"
is "$(trail opp)" "EHLO STARTTLS (tls TLSv1.2 EHLO MAIL QUIT " "opp: STARTTLS, TLS 1.2, EHLO again, then MAIL: the message went encrypted"
grep -q "^(tls TLSv1.2 ECDHE-RSA-\(AES128-GCM-SHA256\|AES256-GCM-SHA384\|CHACHA20-POLY1305\))" "$T/opp.log"
ok $? "opp: an ECDHE suite with AEAD (the peer's own record of the session)"
delivery u@opp.test | grep -q "said: 250 2.0.0 queued as 1/TLS: TLSv1.2 ECDHE-RSA-[A-Z0-9-]*, certificate not verified: certificate not trusted"
ok $? "mail-send's log line carries version, suite and the verification result"
printf 'body opp\n.leading dot\n' | cmp -s - <(tail -n 2 "$T/opp/1"); ok $? "the message arrived intact over TLS"

# ---- tlsdestinations: untrusted certificate ----
msg untrusted | send a@test.example u@untrusted.test
waitfor 30 done_for u@untrusted.test ": deferral:"; ok $? "untrusted.test (tlsdestinations, self-signed): deferral"
! grep -q "^MAIL" "$T/untrusted.log"; ok $? "the peer saw no MAIL"
[ -z "$(ls "$T/untrusted")" ]; ok $? "nothing was stored by the peer"
delivery u@untrusted.test | grep -q "TLS with mx.untrusted.test \[127.0.0.32\] failed: certificate not trusted"
ok $? "the deferral says the certificate is not trusted"
delivery u@untrusted.test | grep -q "nothing was sent in clear"; ok $? "... and that nothing went in clear"

# ---- tlsdestinations: certificate from the test CA (control/tlscafile) ----
msg trusted | send a@test.example u@trusted.test
waitfor 30 done_for u@trusted.test ": success:"; ok $? "trusted.test (tlsdestinations, test CA in control/tlscafile): delivered"
is "$(trail trusted)" "EHLO STARTTLS (tls TLSv1.2 EHLO MAIL QUIT " "trusted: the message went over TLS"
delivery u@trusted.test | grep -q "TLS: TLSv1.2 ECDHE-RSA-[A-Z0-9-]*, certificate verified"
ok $? "the log line says: certificate verified"

# ---- tlsdestinations: the certificate names another host ----
msg mismatch | send a@test.example u@mismatch.test
waitfor 30 done_for u@mismatch.test ": deferral:"; ok $? "mismatch.test (certificate for mx.trusted.test on mx.mismatch.test): deferral"
! grep -q "^MAIL" "$T/mismatch.log"; ok $? "the peer saw no MAIL"
delivery u@mismatch.test | grep -q "does not match the host name"; ok $? "the text says the name does not match"

# ---- a handshake that fails (the peer wants TLS 1.3) ----
msg fail | send a@test.example u@fail.test
waitfor 30 done_for u@fail.test ": success:"; ok $? "fail.test (opportunistic, handshake fails): delivered"
is "$(trail fail)" "EHLO STARTTLS EHLO MAIL QUIT " "fail: STARTTLS failed, a new connection without STARTTLS carried the message"
grep -q "^(tls failed" "$T/fail.log"; ok $? "the peer logged the failed handshake"
! delivery u@fail.test | grep -q "TLS:"; ok $? "the log line has no TLS note: it went in clear"
before=$(grep -c '^MAIL' "$T/fail.log")
msg strict | send a@test.example u@strict.test
waitfor 30 done_for u@strict.test ": deferral:"; ok $? "strict.test (tlsdestinations, same host): deferral"
is "$(grep -c '^MAIL' "$T/fail.log")" "$before" "no reconnection in clear for a tlsdestinations domain"
delivery u@strict.test | grep -q "TLS with mx.fail.test \[127.0.0.35\] failed: peer sent fatal alert 70"
ok $? "the text gives the TLS error"

# ---- a peer without STARTTLS: opportunistic means clear ----
msg plain | send a@test.example u@plain.test
waitfor 30 done_for u@plain.test ": success:"; ok $? "plain.test (no STARTTLS offered): delivered in clear"
is "$(trail plain)" "EHLO MAIL QUIT " "plain: no STARTTLS attempted"

# ---- bad configuration: no host name to verify; missing anchor file ----
msg literal | send a@test.example u@literal.test
waitfor 30 done_for u@literal.test ": deferral:"; ok $? "literal.test (tlsdestinations, routed to [127.0.0.33]): deferral"
delivery u@literal.test | grep -q "cannot verify a certificate without a host name"; ok $? "the text says an address cannot be verified"
mails=$(grep -c '^MAIL' "$T/trusted.log")
printf '%s\n' "$C/missing.crt" > "$H/control/tlscafile"
msg anchors | send a@test.example u@anchors.test
waitfor 30 done_for u@anchors.test ": deferral:"; ok $? "control/tlscafile names a missing file: deferral"
delivery u@anchors.test | grep -q "unable to open $C/missing.crt"; ok $? "the text names the file"
is "$(grep -c '^MAIL' "$T/trusted.log")" "$mails" "nothing was sent"
msg opp2 | send a@test.example v@opp.test
waitfor 30 done_for v@opp.test ": success:"; ok $? "an opportunistic domain still gets TLS without anchors"
delivery v@opp.test | grep -q "certificate not checked (trust anchors: unable to open"; ok $? "... and says the certificate was not checked"
printf '%s\n' "$C/ca.crt" > "$H/control/tlscafile"

# ---- unreadable control file ----
if isroot; then
    chmod 600 "$H/control/tlscafile"; chown root "$H/control/tlscafile"
    msg unreadable | send a@test.example w@opp.test
    waitfor 30 done_for w@opp.test ": deferral:"; ok $? "unreadable control/tlscafile: deferral"
    delivery w@opp.test | grep -q "Unable to read control/tlscafile"; ok $? "the text names the file"
    chmod 644 "$H/control/tlscafile"
else
    skip "not root" "unreadable control/tlscafile: deferral"
    skip "not root" "the text names the file"
fi

grep -q "mail-remote crashed\|unexpected code" "$LOG"; ok $((! $?)) "no crash of mail-remote in the log"
[ "$t_fail" -gt 0 ] && grep "^delivery" "$LOG" | sed 's/^/# /'
kill -TERM "$START"
wait "$START" 2>/dev/null
ok $? "mail-start stops cleanly"
done_testing
