#!/bin/bash
# 67-smtpd-auth.t: AUTH PLAIN and LOGIN through mail-checkpw, only after
# STARTTLS; the submission mode (MAIL needs AUTH); implicit TLS (smtps);
# wrong password, invalid base64, empty user, a foreign authzid, an
# over-long password; an authenticated user relays
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
smtpd_setup
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k" \
    -out "$T/c" -days 2 -subj "/CN=$ME" >/dev/null 2>&1 || echo "Bail out! openssl req"
cat "$T/c" "$T/k" > "$H/control/servercert.pem"
chmod 400 "$H/control/servercert.pem"
isroot && chown kirimd "$H/control/servercert.pem"
echo 'sesame' | "$H/bin/mail-passwd" add alice@example.org 2>/dev/null || echo "Bail out! mail-passwd"
SMTPD_ARGS="$H/bin/mail-checkpw /bin/true"
smtpd_start SUBMISSION=1

dialog "submission: MAIL needs AUTH, AUTH needs TLS, not offered in plain text" <<EOF
< 220
> EHLO c.example
< 250
> MAIL FROM:<alice@example.org>
< 530 5.7.0
> AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlc2FtZQ==
< 538 5.7.11
> QUIT
< 221
EOF
swaks --server "$SIP" --port "$PORT" --quit-after EHLO 2>&1 | grep -q "AUTH"
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "no AUTH in the EHLO reply before TLS"

# auth USER PASS MECH: python over STARTTLS; prints the AUTH reply, then RCPT to a remote address
auth() {
    python3 - "$SIP" "$PORT" "$1" "$2" "$3" <<'PY'
import base64, smtplib, ssl, sys, time
host, port, user, pw, mech = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = smtplib.SMTP(host, port, local_hostname='c.example', timeout=60)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s.starttls(context=ctx); s.ehlo('c.example')
print('adv', s.has_extn('auth'), s.esmtp_features.get('auth', '').strip())
t0 = time.time()
if mech == 'PLAIN':
    code, msg = s.docmd('AUTH', 'PLAIN ' + base64.b64encode(b'\0' + user.encode() + b'\0' + pw.encode()).decode())
elif mech == 'LOGIN':
    s.docmd('AUTH', 'LOGIN')
    s.docmd(base64.b64encode(user.encode()).decode())
    code, msg = s.docmd(base64.b64encode(pw.encode()).decode())
elif mech == 'AUTHZ':
    code, msg = s.docmd('AUTH', 'PLAIN ' + base64.b64encode(b'bob@example.org\0' + user.encode() + b'\0' + pw.encode()).decode())
elif mech == 'BADB64':
    code, msg = s.docmd('AUTH', 'PLAIN !!!notbase64')
elif mech == 'CANCEL':
    s.docmd('AUTH', 'PLAIN')
    code, msg = s.docmd('*')
print('auth', code, msg.decode()[:5], 'slow' if time.time() - t0 >= 1.5 else 'fast')
code, msg = s.docmd('MAIL', 'FROM:<alice@example.org>')
print('mail', code)
if code == 250:
    print('rcpt', s.docmd('RCPT', 'TO:<someone@remote.example>')[0])
s.quit()
PY
}
is "$(auth alice@example.org sesame PLAIN)" "adv True PLAIN LOGIN
auth 235 2.7.0 fast
mail 250
rcpt 250" "AUTH PLAIN after STARTTLS: 235, then relaying is allowed"
is "$(auth Alice@Example.org sesame LOGIN)" "adv True PLAIN LOGIN
auth 235 2.7.0 fast
mail 250
rcpt 250" "AUTH LOGIN: 235"
is "$(auth alice@example.org wrong PLAIN)" "adv True PLAIN LOGIN
auth 535 5.7.8 slow
mail 530" "wrong password: 535 5.7.8 after a delay"
is "$(auth "" sesame PLAIN)" "adv True PLAIN LOGIN
auth 535 5.7.8 slow
mail 530" "empty user: 535"
is "$(auth alice@example.org sesame AUTHZ)" "adv True PLAIN LOGIN
auth 501 5.5.2 fast
mail 530" "PLAIN with another user's authorization identity: 501, not logged in"
is "$(auth alice@example.org "$(printf '%0300d' 0)" LOGIN)" "adv True PLAIN LOGIN
auth 535 5.7.8 slow
mail 530" "a password over 255 bytes: 535"
is "$(auth x y BADB64)" "adv True PLAIN LOGIN
auth 501 5.5.2 fast
mail 530" "invalid base64: 501 5.5.2"
is "$(auth x y CANCEL)" "adv True PLAIN LOGIN
auth 501 5.0.0 fast
mail 530" "AUTH cancelled with *"
grep -q "AUTH ok for user alice@example.org" "$T/smtpd.log"; ok $? "login logged with the user name"
grep -q "sesame" "$T/smtpd.log"; ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "the password never in the log"

before=$(nmess)
timeout 120 swaks --server "$SIP" --port "$PORT" --tls --auth PLAIN --auth-user alice@example.org \
    --auth-password sesame --from alice@example.org --to far@remote.example \
    --header "Subject: submitted" > "$T/swaks" 2>&1
ok $? "swaks --tls --auth PLAIN submits a message to a remote address"
m=$(grep -l "^Subject: submitted" $(find "$H/queue/mess" -type f))
grep -q "with ESMTPSA (TLSv1.2 [^)]*) (authenticated as alice@example.org);" "$m"; ok $? "Received: ESMTPSA and the user"
smtpd_stop

# AUTH in clear (smtpauthcleartext 1), then STARTTLS: the login is
# forgotten with the rest of the session (RFC 3207 4.2): a man in the
# middle cannot log the client's TLS session in as himself
printf '1\n' > "$H/control/smtpauthcleartext"; chmod 644 "$H/control/smtpauthcleartext"
smtpd_start
out=$(python3 - "$SIP" "$PORT" <<'PY'
import smtplib, ssl, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), local_hostname='c.example', timeout=60)
s.ehlo('c.example')
r = [s.docmd('AUTH', 'PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlc2FtZQ==')[0]]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s.starttls(context=ctx); s.ehlo('c.example')
r.append(s.has_extn('auth'))
r.append(s.docmd('MAIL', 'FROM:<alice@example.org>')[0])
r.append(s.docmd('RCPT', 'TO:<someone@remote.example>')[0])
r.append(s.docmd('RSET')[0])
r.append(s.docmd('AUTH', 'PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlc2FtZQ==')[0])
s.quit()
print(*r)
PY
)
is "$out" "235 True 250 553 250 235" "AUTH before STARTTLS is forgotten: AUTH offered again, no relaying until the client logs in over TLS"
smtpd_stop
rm -f "$H/control/smtpauthcleartext"

# smtps: TLS from the first byte
smtpd_start SMTPS=1
timeout 120 swaks --server "$SIP" --port "$PORT" --tls-on-connect --auth LOGIN --auth-user alice@example.org \
    --auth-password sesame --from alice@example.org --to far@remote.example > "$T/swaks2" 2>&1
ok $? "smtps (implicit TLS) with AUTH LOGIN"
smtpd_stop
done_testing
