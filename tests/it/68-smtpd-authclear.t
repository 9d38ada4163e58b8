#!/bin/bash
# 68-smtpd-authclear.t: control/smtpauthcleartext. Absent or 0: no AUTH
# before TLS; 1: AUTH PLAIN and LOGIN advertised and accepted without TLS
# (also in submission mode); a value that is not a number: 421 at connect
# and a log line naming the file. No servercert.pem here: no TLS at all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
smtpd_setup
echo 'sesame' | "$H/bin/mail-passwd" add alice@example.org 2>/dev/null || echo "Bail out! mail-passwd"
SMTPD_ARGS="$H/bin/mail-checkpw /bin/true"
CTL=$H/control/smtpauthcleartext
setctl() { printf '%s\n' "$1" > "$CTL"; chmod 644 "$CTL"; }

# tryauth USER PASS: python smtplib without TLS; prints what EHLO
# advertised, the AUTH result, then MAIL and RCPT to a remote address
tryauth() {
    python3 - "$SIP" "$PORT" "$NIP" "$1" "$2" <<'PY'
import smtplib, sys, time
host, port, src, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = smtplib.SMTP(host, port, local_hostname='c.example', timeout=60, source_address=(src, 0))
s.ehlo('c.example')
print('adv', s.has_extn('auth'), s.esmtp_features.get('auth', '').strip(), s.has_extn('starttls'))
t0 = time.time()
if s.has_extn('auth'):
    try:
        code, msg = s.login(user, pw)
    except smtplib.SMTPAuthenticationError as e:
        code, msg = e.smtp_code, e.smtp_error
else:
    code, msg = s.docmd('AUTH', 'PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlc2FtZQ==')
print('auth', code, msg.decode()[:5], 'slow' if time.time() - t0 >= 1.5 else 'fast')
code, msg = s.docmd('MAIL', 'FROM:<alice@example.org>')
print('mail', code)
if code == 250:
    print('rcpt', s.docmd('RCPT', 'TO:<someone@remote.example>')[0])
s.quit()
PY
}

smtpd_start
is "$(tryauth alice@example.org sesame)" "adv False  False
auth 538 5.7.1 fast
mail 250
rcpt 553" "file absent: AUTH not advertised, refused without TLS, no relaying"

setctl 0
is "$(tryauth alice@example.org sesame)" "adv False  False
auth 538 5.7.1 fast
mail 250
rcpt 553" "0: the same"

setctl 1
is "$(tryauth alice@example.org sesame)" "adv True PLAIN LOGIN False
auth 235 2.7.0 fast
mail 250
rcpt 250" "1: AUTH PLAIN LOGIN advertised in clear; the right password: 235, then relaying"
is "$(tryauth alice@example.org wrong)" "adv True PLAIN LOGIN False
auth 535 5.7.8 slow
mail 250
rcpt 553" "1: a wrong password: 535 5.7.8 after a delay, no relaying"
grep -q "AUTH ok for user alice@example.org" "$T/smtpd.log"; ok $? "the login logged with the user name"
grep -q "sesame" "$T/smtpd.log"; ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "the password never in the log"

dialog "1: AUTH LOGIN in clear, step by step" <<EOF
< 220
> EHLO c.example
< 250
> AUTH LOGIN
< 334
> YWxpY2VAZXhhbXBsZS5vcmc=
< 334
> c2VzYW1l
< 235 2.7.0
> QUIT
< 221
EOF
smtpd_stop

smtpd_start SUBMISSION=1
is "$(tryauth alice@example.org sesame)" "adv True PLAIN LOGIN False
auth 235 2.7.0 fast
mail 250
rcpt 250" "submission with 1: AUTH in clear, then MAIL and relaying"
is "$(tryauth alice@example.org wrong)" "adv True PLAIN LOGIN False
auth 535 5.7.8 slow
mail 530" "submission with 1: a wrong password, MAIL still needs AUTH (530)"
before=$(nmess)
timeout 120 swaks --server "$SIP" --port "$PORT" --auth PLAIN --auth-user alice@example.org \
    --auth-password sesame --from alice@example.org --to far@remote.example \
    --header "Subject: submitted in clear" > "$T/swaks" 2>&1
ok $? "swaks --auth PLAIN without TLS submits a message"
is "$(nmess)" "$((before + 1))" "one message queued"
m=$(grep -l "^Subject: submitted in clear" $(find "$H/queue/mess" -type f) /dev/null | head -1)
grep -q "with ESMTPA (authenticated as alice@example.org);" "$m"; ok $? "Received: ESMTPA (A: AUTH, no S: no TLS) and the user"

setctl yes
dialog "not a number: 421 4.3.0 at connect" <<EOF
< 421 4.3.0
<eof
EOF
grep -q "mail-smtpd: control/smtpauthcleartext is not a number" "$T/smtpd.log"
ok $? "not a number: the log names the file"
setctl 1
dialog "fixed: served again without a restart" <<EOF
< 220
> QUIT
< 221
EOF
smtpd_stop

# a checkpassword program that hangs is killed after timeoutsmtpd: 454
printf '#!/bin/sh\nexec sleep 60\n' > "$T/hang"; chmod 755 "$T/hang"
SMTPD_ARGS="$T/hang"
smtpd_start
echo 2 > "$H/control/timeoutsmtpd"
t0=$(date +%s)
dialog "a hanging checkpassword program: 454 after timeoutsmtpd" <<EOF
< 220
> EHLO c.example
< 250
> AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlc2FtZQ==
< 454 4.7.0
> QUIT
< 221
EOF
t1=$(date +%s)
[ $((t1 - t0)) -lt 10 ]; ok $? "after the limit, not after the program ($((t1 - t0)) s)"
grep -q "checkpassword program killed after timeoutsmtpd seconds" "$T/smtpd.log"; ok $? "logged"
pgrep -f "sleep 60" -u kirimd > /dev/null 2>&1 && r=1 || r=0
ok $r "the program is gone"
smtpd_stop
done_testing
