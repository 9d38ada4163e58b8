#!/bin/bash
# 65-smtpd-starttls.t: STARTTLS in mail-smtpd: advertised once, plaintext
# pipelined after STARTTLS is discarded, mail over TLS with ESMTPS in Received,
# a TLS-1.3-only client refused cleanly, certificate trouble answered 454
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
smtpd_setup
SSL="timeout 60 openssl"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k" \
    -out "$T/c" -days 2 -subj "/CN=$ME" >/dev/null 2>&1 || echo "Bail out! openssl req"
cat "$T/c" "$T/k" > "$H/control/servercert.pem"
chmod 400 "$H/control/servercert.pem"
isroot && chown kirimd "$H/control/servercert.pem"
smtpd_start

dialog "EHLO advertises STARTTLS; argument refused" <<EOF
< 220
> EHLO c.example
< 250 SMTPUTF8
> STARTTLS now
< 501 5.5.4
> QUIT
< 221
EOF
swaks --server "$SIP" --port "$PORT" --quit-after EHLO 2>&1 | grep -q "250-STARTTLS"; ok $? "STARTTLS in the EHLO reply"

# python: STARTTLS with a MAIL command pipelined in the same packet
python3 - "$SIP" "$PORT" "$LU@$ME" > "$T/inj" 2>&1 <<'PY'
import socket, ssl, sys
host, port, rcpt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), timeout=60)
f = s.makefile('rb')
def reply(f):
    out = []
    while True:
        l = f.readline().decode().rstrip('\r\n'); out.append(l)
        if len(l) < 4 or l[3] != '-': return out
reply(f)
s.sendall(b'EHLO c.example\r\n'); reply(f)
s.sendall(b'STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\nRCPT TO:<%s>\r\n' % rcpt.encode())
print('starttls', reply(f)[-1][:9])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname=host)
print('version', t.version())
g = t.makefile('rb')
t.sendall(b'EHLO c.example\r\n')
r = reply(g)
print('ehlo', r[-1][:3], 'starttls-again' if any('STARTTLS' in l for l in r) else 'no-starttls')
t.sendall(b'RCPT TO:<%s>\r\n' % rcpt.encode())
print('rcpt', reply(g)[-1][:9])
t.sendall(b'STARTTLS\r\n')
print('again', reply(g)[-1][:9])
t.sendall(b'QUIT\r\n'); print('quit', reply(g)[-1][:9])
PY
is "$(cat "$T/inj")" "starttls 220 2.0.0
version TLSv1.2
ehlo 250 no-starttls
rcpt 503 5.5.1
again 503 5.5.1
quit 221 2.0.0" "pipelined plaintext after STARTTLS is discarded; EHLO needed again; STARTTLS not offered again"

before=$(nmess)
timeout 120 swaks --server "$SIP" --port "$PORT" --tls --from t@b.example --to "$LU@$ME" \
    --helo tls.example --header "Subject: over tls" --body "secret" > "$T/swaks" 2>&1
ok $? "swaks --tls delivers a message"
is "$(nmess)" "$((before + 1))" "queued"
m=$(grep -l "^Subject: over tls" $(find "$H/queue/mess" -type f))
grep -q "with ESMTPS (TLSv1.2 ECDHE-ECDSA-[A-Z0-9-]*);" "$m"; ok $? "Received: with ESMTPS, TLS version and cipher"

printf 'EHLO s.example\r\nMAIL FROM:<o@b.example>\r\nRCPT TO:<%s@%s>\r\nDATA\r\nSubject: s_client\r\n\r\nhi\r\n.\r\nQUIT\r\n' "$LU" "$ME" |
    $SSL s_client -quiet -starttls smtp -connect "$SIP:$PORT" -tls1_2 > "$T/sc" 2>&1
grep -q "^250 2.0.0 ok" "$T/sc"; ok $? "openssl s_client -starttls smtp delivers"

$SSL s_client -starttls smtp -connect "$SIP:$PORT" -tls1_3 < /dev/null > "$T/t13" 2>&1
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "a TLS-1.3-only client fails the handshake (BearSSL 0.6 speaks TLS 1.2)"
n=50; while [ $n -gt 0 ] && ! grep -q "TLS handshake failed" "$T/smtpd.log"; do sleep 0.1; n=$((n - 1)); done
grep -q "TLS handshake failed" "$T/smtpd.log"; ok $? "and the server logs why"

# certificate trouble: 454, the session goes on in plain text
chmod 644 "$H/control/servercert.pem"
dialog "servercert.pem readable by others: 454 4.7.0, session continues" <<EOF
< 220
> EHLO c.example
< 250
> STARTTLS
< 454 4.7.0
> NOOP
< 250 2.0.0
> QUIT
< 221
EOF
grep -q "TLS not available: " "$T/smtpd.log"; ok $? "certificate trouble logged"
rm "$H/control/servercert.pem"
swaks --server "$SIP" --port "$PORT" --quit-after EHLO 2>&1 | grep -q "STARTTLS"
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "without servercert.pem STARTTLS is not advertised"
smtpd_stop
done_testing
