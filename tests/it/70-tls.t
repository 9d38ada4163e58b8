#!/bin/bash
# 70-tls.t: src/tls.c (through tests/it/tlspeer) against real OpenSSL peers on
# loopback: our server under tcpserver with openssl s_client, our client
# under tcpclient with openssl s_server; certificates made here by openssl.
. "$(dirname "$0")/lib.sh"
P=$SRC/tests/it/tlspeer
[ -x "$P" ] || { echo "Bail out! $P is not built (run make)"; exit 1; }
for c in openssl tcpserver tcpclient python3; do
    command -v $c >/dev/null || { echo "Bail out! $c is missing"; exit 1; }
done
cd "$T" || exit 1
SIP=127.0.0.40 CIP=127.0.0.41 XIP=127.0.0.42
SSL="timeout 30 openssl"

freeport() {
    python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}
waitfor() {   # SECONDS COMMAND...: poll every 0.1 s
    local n=$(( $1 * 10 )); shift
    while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
inlog() { grep -q -- "$2" "$1" 2>/dev/null; }

# --- certificates ---
gen() { openssl "$@" >/dev/null 2>&1 || { echo "Bail out! openssl $1 failed"; exit 1; }; }
gen req -x509 -newkey rsa:2048 -nodes -keyout ss.key -out ss.crt -days 2 -subj /CN=mx.test.example
gen req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3 -subj /CN=kirim-test-CA
printf 'subjectAltName=DNS:mx.test.example\n' > san.ext
gen req -new -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj /CN=mx.test.example
gen x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out rsa.crt
gen req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.csr -subj /CN=mx.test.example
gen x509 -req -in ec.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out ec.crt
gen x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days -1 -extfile san.ext -out old.crt
cat ss.crt ss.key > ss.pem
cat rsa.crt ca.crt rsa.key > rsa.pem
cat ec.crt ca.crt ec.key > ec.pem
chmod 600 ss.pem rsa.pem ec.pem

# --- our server: certificate file problems, no network needed ---
srvinit() { "$P" server "$1" 5 < /dev/null > /dev/null 2> init.err; }
cp ss.pem open.pem; chmod 644 open.pem
srvinit open.pem; is "$?" 111 "server: key file readable by others: exit 111"
grep -q "readable by others" init.err; ok $? "server: ... and says why"
srvinit nonexistent.pem; is "$?" 111 "server: missing file: exit 111"
grep -q "unable to open nonexistent.pem" init.err; ok $? "server: ... names the file"
cp ss.crt nokey.pem; chmod 600 nokey.pem
srvinit nokey.pem; grep -q "holds no private key" init.err; ok $? "server: certificate without key refused"
cat ss.crt rsa.key > mismatch.pem; chmod 600 mismatch.pem
srvinit mismatch.pem; grep -q "does not belong to the first certificate" init.err; ok $? "server: key of another certificate refused"
cat ec.crt rsa.key > mismatch2.pem; chmod 600 mismatch2.pem
srvinit mismatch2.pem; grep -q "does not belong to the first certificate" init.err; ok $? "server: RSA key with an EC certificate refused"
printf 'this is not PEM\n' > junk.pem; chmod 600 junk.pem
srvinit junk.pem; grep -q "holds no certificate" init.err; ok $? "server: a file without PEM objects refused"
head -c 300 ss.pem > cut.pem; chmod 600 cut.pem
srvinit cut.pem; is "$?" 111 "server: truncated PEM: exit 111"
grep -q "PEM" init.err; ok $? "server: ... with a PEM error"
openssl pkcs8 -topk8 -in ss.key -passout pass:x -out enc.key 2>/dev/null
cat ss.crt enc.key > enc.pem; chmod 600 enc.pem
srvinit enc.pem; grep -q "encrypted" init.err; ok $? "server: encrypted key refused with a clear text"

# --- our server under tcpserver ---
startsrv() {   # PEMFILE TIMEOUT: sets SPORT, log in srv.log
    SPORT=$(freeport $SIP)
    : > srv.log
    tcpserver -v -RHl0 -c 10 $SIP "$SPORT" "$P" server "$1" "$2" 2>> srv.log &
    PIDS="$PIDS $!"
    SPID=$!
    waitfor 10 inlog srv.log "status: 0/" || { echo "Bail out! tcpserver did not start"; exit 1; }
}
stopsrv() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; }
sclient() {    # ARGS...: a dialog through openssl s_client, output in cli.out
    printf 'hello there\r\nQUIT\r\n' |
        $SSL s_client -connect $SIP:$SPORT -ign_eof -brief "$@" > cli.out 2>&1
}

startsrv ss.pem 10
sclient -tls1_2 -servername mx.test.example
is "$?" 0 "server: s_client TLS 1.2 dialog exits 0"
grep -q "^250 hello there" cli.out; ok $? "server: data both ways (our reply reached the client)"
grep -q "^221 bye" cli.out; ok $? "server: QUIT answered"
grep -q "Protocol version: TLSv1.2" cli.out; ok $? "server: client saw TLSv1.2"
grep -q "Ciphersuite: ECDHE-RSA-CHACHA20-POLY1305" cli.out; ok $? "server: our first preference chosen"
waitfor 10 inlog srv.log "tlspeer: done"; ok $? "server: session ended"
grep -q "tlspeer: ok TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305 bits=256" srv.log; ok $? "server: tls_info reports version and suite"
grep -q "sni=mx.test.example" srv.log; ok $? "server: SNI reported"
grep -q "tlspeer: got: hello there" srv.log; ok $? "server: client data received"

: > srv.log
sclient -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
grep -q "Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384" cli.out; ok $? "server: AES-256-GCM when the client offers only that"

: > srv.log
sclient -tls1_2 -cipher AES128-SHA
[ $? -ne 0 ] && ! grep -q "^250" cli.out; ok $? "server: a client without ECDHE/AEAD suites is refused"
waitfor 10 inlog srv.log "handshake failed"; ok $? "server: ... and the refusal is logged"

: > srv.log
sclient -tls1_1
[ $? -ne 0 ] && ! grep -q "^250" cli.out; ok $? "server: a TLS 1.1 client is refused"

: > srv.log
sclient -tls1_3
[ $? -ne 0 ] && ! grep -q "^250" cli.out; ok $? "server: a TLS-1.3-only client is refused"
waitfor 10 inlog srv.log "handshake failed"; ok $? "server: ... with a log line"
grep -q "TLS 1.3-only peer" srv.log; ok $? "server: ... that says what probably happened"

: > srv.log
printf 'EHLO garbage.example\r\n' | timeout 20 tcpclient -RHl0 $SIP "$SPORT" sh -c 'cat >&7; sleep 1'
waitfor 10 inlog srv.log "handshake failed"; ok $? "server: garbage instead of a ClientHello: clean failure"
grep -q "handshake failed: unsupported protocol version" srv.log; ok $? "server: ... saying it is not TLS"
stopsrv

startsrv ss.pem 3
t0=$(date +%s)
timeout 30 tcpclient -RHl0 $SIP "$SPORT" sh -c 'printf "\026\003\001\002\000" >&7; sleep 20' &
stall=$!; PIDS="$PIDS $stall"
waitfor 15 inlog srv.log "handshake failed: timed out"; ok $? "server: a client stalling mid-handshake times out"
el=$(( $(date +%s) - t0 ))
[ "$el" -ge 2 ] && [ "$el" -le 10 ]; ok $? "server: ... after about the timeout (3 s; took $el s)"
kill $stall 2>/dev/null
stopsrv

startsrv ec.pem 10
sclient -tls1_2 -CAfile ca.crt -verify_return_error -verify_hostname mx.test.example
is "$?" 0 "server: EC certificate chain verifies at the client (CA and host name)"
grep -q "Ciphersuite: ECDHE-ECDSA-CHACHA20-POLY1305" cli.out; ok $? "server: ECDSA suite with the EC key"
grep -q "^250 hello there" cli.out; ok $? "server: EC: data both ways"
stopsrv

startsrv rsa.pem 10
sclient -tls1_2 -CAfile ca.crt -verify_return_error -verify_hostname mx.test.example
is "$?" 0 "server: RSA chain with intermediate file order verifies at the client"
stopsrv

# many pipelined lines in one burst: every one answered, in order
startsrv ss.pem 10
{ for i in $(seq 1 300); do printf 'line %s\r\n' "$i"; done; printf 'QUIT\r\n'; } |
    $SSL s_client -connect $SIP:$SPORT -ign_eof -quiet > cli.out 2>/dev/null
is "$(grep -c '^250 line' cli.out)" 300 "server: 300 pipelined lines all answered"
is "$(grep '^250 line' cli.out | sed -n '1p;300p' | tr -d '\r' | tr '\n' ,)" "250 line 1,250 line 300," "server: ... in order"
stopsrv

# tls_relay: a program on pipes behind the TLS session (the POP3 chain's shape)
startrelay() {   # TIMEOUT PROGRAM...: like startsrv
    SPORT=$(freeport $SIP)
    : > srv.log
    tcpserver -v -RHl0 -c 10 $SIP "$SPORT" "$P" relay ss.pem "$@" 2>> srv.log &
    PIDS="$PIDS $!"
    SPID=$!
    waitfor 10 inlog srv.log "status: 0/" || { echo "Bail out! tcpserver did not start"; exit 1; }
}
startrelay 10 sh -c 'echo "+OK ready"; read l; echo "got $l"'
printf 'hello relay\r\n' | $SSL s_client -connect $SIP:$SPORT -ign_eof -quiet > cli.out 2>/dev/null
grep -q "^+OK ready" cli.out && grep -q "^got hello relay" cli.out; ok $? "relay: a dialogue with the program both ways"
waitfor 10 inlog srv.log "relay done"; ok $? "relay: ends when the program ends"
! grep -q "relay failed" srv.log; ok $? "relay: ... without an error"
stopsrv
startrelay 10 sh -c 'head -c 3000000 /dev/zero | tr "\0" x'
is "$($SSL s_client -connect $SIP:$SPORT -ign_eof -quiet < /dev/null 2>/dev/null | wc -c | tr -d ' ')" 3000000 \
    "relay: 3 MB from the program reach the client intact in length"
stopsrv
startrelay 10 sh -c 'head -c 3000000 | md5sum'
head -c 3000000 /dev/urandom > bulk
is "$($SSL s_client -connect $SIP:$SPORT -ign_eof -quiet < bulk 2>/dev/null | cut -c1-32)" "$(md5sum < bulk | cut -c1-32)" \
    "relay: 3 MB from the client reach the program byte for byte"
stopsrv
startrelay 2 sleep 20
t0=$(date +%s)
$SSL s_client -quiet -ign_eof -connect $SIP:$SPORT < /dev/null > /dev/null 2>&1 &
PIDS="$PIDS $!"
waitfor 15 inlog srv.log "relay failed: timed out"; ok $? "relay: an idle session times out"
el=$(( $(date +%s) - t0 ))
[ "$el" -le 10 ]; ok $? "relay: ... after about the timeout (2 s; took $el s)"
stopsrv

# --- our client under tcpclient against openssl s_server -rev ---
startss() {   # CERT KEY [ARGS]: sets CPORT
    CPORT=$(freeport $CIP)
    : > ss.log
    $SSL s_server -accept $CIP:$CPORT -cert "$1" -key "$2" -rev "${@:3}" > ss.log 2>&1 &
    PIDS="$PIDS $!"
    CPID=$!
    waitfor 10 inlog ss.log "ACCEPT" || { echo "Bail out! s_server did not start"; exit 1; }
}
stopss() { kill "$CPID" 2>/dev/null; wait "$CPID" 2>/dev/null; }
client() {    # HOST MODE CAFILE [TIMEOUT [IP PORT]]: answer in got, log in cl.err
    got=$(timeout 30 tcpclient -RHl0 "${5:-$CIP}" "${6:-$CPORT}" "$P" client "$1" "$2" "$3" "${4:-10}" "hello kirim" 2> cl.err)
}

startss ss.crt ss.key
client mx.test.example noverify -
is "$?" 0 "client: opportunistic against a self-signed certificate: exit 0"
is "$got" "mirik olleh" "client: data both ways (s_server -rev answered)"
grep -q "tlspeer: ok TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305 bits=256 verified=0 (not checked)" cl.err
ok $? "client: logs version, suite, verified=0"
client mx.test.example verify -
is "$?" 1 "client: verify mode refuses the self-signed certificate (system store)"
grep -q "handshake failed: certificate not trusted" cl.err; ok $? "client: ... saying it is not trusted"
is "$got" "" "client: ... and nothing was sent or received"
client mx.test.example check -
is "$?" 0 "client: check mode encrypts anyway"
grep -q "verified=0 (certificate not trusted" cl.err; ok $? "client: check mode reports why it is not verified"
client mx.test.example verify ss.crt
is "$?" 0 "client: verify mode with the certificate itself as anchor (pinning)"
client 127.0.0.41 verify ss.crt
is "$?" 1 "client: verify mode with an IP address instead of a name is refused"
grep -q "without a host name" cl.err; ok $? "client: ... saying why"
stopss

startss rsa.crt rsa.key -cert_chain ca.crt
client mx.test.example verify ca.crt
is "$?" 0 "client: verify mode with the test CA and the right name"
is "$got" "mirik olleh" "client: verified session carries data"
grep -q "verified=1 (verified)" cl.err; ok $? "client: reports verified=1"
client mx.test.example. verify ca.crt
is "$?" 0 "client: a host name with the root dot verifies too"
client wrong.test.example verify ca.crt
is "$?" 1 "client: wrong host name refused"
grep -q "does not match the host name" cl.err; ok $? "client: ... saying so"
client mx.test.example check ca.crt
grep -q "verified=1 (verified)" cl.err; ok $? "client: check mode with the right anchor reports verified=1"
client mx.test.example verify nonexistent.crt
is "$?" 111 "client: missing CA file: exit 111 before connecting"
grep -q "unable to open nonexistent.crt" cl.err; ok $? "client: ... naming the file"
client mx.test.example verify junk.pem
grep -q "no usable trust anchor" cl.err; ok $? "client: CA file without certificates refused"
stopss

startss ec.crt ec.key
client mx.test.example verify ca.crt
is "$?" 0 "client: EC server certificate verified"
grep -q "ECDHE-ECDSA-" cl.err; ok $? "client: ECDSA suite negotiated"
stopss

startss old.crt rsa.key
client mx.test.example verify ca.crt
is "$?" 1 "client: expired certificate refused in verify mode"
grep -q "expired" cl.err; ok $? "client: ... saying it expired"
client mx.test.example noverify -
is "$?" 0 "client: expired certificate still used for encryption in opportunistic mode"
stopss

startss ss.crt ss.key -tls1_3
client mx.test.example noverify -
is "$?" 1 "client: a TLS-1.3-only server is refused cleanly"
grep -q "peer sent fatal alert 70 (protocol_version" cl.err; ok $? "client: ... the log names the protocol_version alert"
stopss

# a server that never answers, and one that is not TLS
XPORT=$(freeport $XIP)
tcpserver -v -RHl0 $XIP "$XPORT" sleep 20 2> x.log & PIDS="$PIDS $!"; XPID=$!
waitfor 10 inlog x.log "status: 0/" || { echo "Bail out! tcpserver did not start"; exit 1; }
t0=$(date +%s)
client mx.test.example noverify - 3 $XIP "$XPORT"
is "$?" 1 "client: a server that stalls: handshake fails"
el=$(( $(date +%s) - t0 ))
grep -q "handshake failed: timed out" cl.err; ok $? "client: ... timed out"
[ "$el" -le 10 ]; ok $? "client: ... within the timeout (3 s; took $el s)"
kill $XPID; wait $XPID 2>/dev/null
tcpserver -v -RHl0 $XIP "$XPORT" sh -c 'echo "220 plain text here"; sleep 5' 2> x.log & PIDS="$PIDS $!"; XPID=$!
waitfor 10 inlog x.log "status: 0/" || { echo "Bail out! tcpserver did not start"; exit 1; }
client mx.test.example noverify - 10 $XIP "$XPORT"
is "$?" 1 "client: a plain-text server: handshake fails"
grep -q "handshake failed: unsupported protocol version" cl.err; ok $? "client: ... saying it is not TLS"
kill $XPID; wait $XPID 2>/dev/null

done_testing
