#!/bin/bash
# 60-smtpd.t: mail-smtpd's dialog: greeting, EHLO extensions, command order,
# pipelining, bad commands, a message into the queue with its Received line
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
smtpd_setup
smtpd_start

dialog "greeting, EHLO, QUIT" <<EOF
< 220 $ME ESMTP
> EHLO client.example
< 250 SMTPUTF8
> QUIT
< 221 2.0.0
<eof
EOF
python3 - "$SIP" "$PORT" > "$T/ehlo" <<'PY'
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), local_hostname='client.example', timeout=60)
code, _ = s.ehlo()
print(code, ' '.join(sorted(s.esmtp_features)))
s.quit()
PY
is "$(cat "$T/ehlo")" "250 8bitmime enhancedstatuscodes pipelining size smtputf8" "EHLO advertises PIPELINING 8BITMIME SIZE ENHANCEDSTATUSCODES SMTPUTF8 (smtplib)"

dialog "command order: MAIL before HELO, RCPT before MAIL, DATA before RCPT" <<EOF
< 220
> MAIL FROM:<a@b.example>
< 503 5.5.1
> HELO client.example
< 250 $ME
> RCPT TO:<$LU@$ME>
< 503 5.5.1
> DATA
< 503 5.5.1
> MAIL FROM:<a@b.example>
< 250 2.1.0
> MAIL FROM:<a@b.example>
< 503 5.5.1
> DATA
< 554 5.5.1
> RSET
< 250 2.0.0
> RCPT TO:<$LU@$ME>
< 503 5.5.1
> QUIT
< 221
EOF

dialog "NOOP HELP VRFY EXPN, unknown verbs, HELO without a name, parameters" <<EOF
< 220
> NOOP
< 250 2.0.0
> HELP
< 214 2.0.0
> VRFY $LU
< 252 2.1.5
> EXPN staff
< 502 5.5.1
> BDAT 10
< 500 5.5.2
> EHLO
< 501 5.5.4
> EHLO c.example
< 250
> MAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME SMTPUTF8
< 250 2.1.0
> RSET
< 250
> MAIL FROM:<a@b.example> RET=HDRS
< 555 5.5.4
> MAIL FROM:<a@b.example> BODY=BINARYMIME
< 501 5.5.4
> MAIL FROM:a@b.example
< 501 5.5.4
> MAIL FROM:<a@@b.example>
< 501 5.1.7
>> MAIL FROM:<j\xc3\xb6rg@b.example>\r\n
< 553 5.6.7
> MAIL FROM:<>
< 250 2.1.0
> RCPT TO:<$LU@$ME> NOTIFY=NEVER
< 555 5.5.4
> RCPT TO:<Postmaster>
< 250 2.1.5
> QUIT
< 221
EOF

dialog "over-long command: 500, then in step again; NUL and CR refused" <<EOF
< 220
> EHLO c.example
< 250
>>> 5000 A
>> \r\n
< 500 5.5.2
> NOOP
< 250 2.0.0
>> NOOP\x00\r\n
< 500 5.5.2
>> NOOP\rX\r\n
< 500 5.5.2
> QUIT
< 221
EOF

{ echo "< 220"; echo "> EHLO c.example"; echo "< 250"
  for i in $(seq 1 19); do echo "> XYZZY $i"; echo "< 500 5.5.2"; done
  echo "> XYZZY 20"; echo "< 500 5.5.2"; echo "< 421 4.7.0"; echo "<eof"; } > "$T/d"
dialog "20 bad commands: 421 and disconnect" < "$T/d"
grep -q "mail-smtpd: $NIP: too many bad commands" "$T/smtpd.log"; ok $? "logged with the client's address"

before=$(nmess)
dialog "pipelined transaction answered in order, once each" <<EOF
< 220
> EHLO c.example
< 250
>> MAIL FROM:<s@b.example>\r\nRCPT TO:<$LU@$ME>\r\nRCPT TO:<nosuch@$ME>\r\nRCPT TO:<x@elsewhere.example>\r\nRCPT TO:<$LU@$ME>\r\nDATA\r\n
< 250 2.1.0
< 250 2.1.5
< 550 5.1.1
< 553 5.7.1
< 250 2.1.5
< 354
>> Subject: pipelined\r\n\r\nhello\r\n.\r\nMAIL FROM:<t@b.example>\r\nRCPT TO:<$LU@$ME>\r\nDATA\r\n
< 250 2.0.0 ok
< 250 2.1.0
< 250 2.1.5
< 354
>> Subject: second\r\n\r\n..stuffed\r\n.\r\nQUIT\r\n
< 250 2.0.0
< 221 2.0.0
<eof
EOF
is "$(nmess)" "$((before + 2))" "two messages queued"
m=$(grep -l "^Subject: second" $(find "$H/queue/mess" -type f))
grep -q "^\.stuffed$" "$m"; ok $? "dot unstuffed, CRLF stored as LF"
grep -q "^Received: from c.example (unknown \[$NIP\])$" "$m"; ok $? "Received line names HELO and client address"
grep -q "^	by $ME (kirim mail-smtpd) with ESMTP; " "$m"; ok $? "Received line: by me, with ESMTP"
e="$H/queue/todo/${m#"$H/queue/mess/"}"
is "$(tr '\0' '\n' < "$e" | grep '^[FT]')" "Ft@b.example
T$LU@$ME" "envelope: sender and the one recipient"
m1=$(grep -l "^Subject: pipelined" $(find "$H/queue/mess" -type f))
e="$H/queue/todo/${m1#"$H/queue/mess/"}"
is "$(tr '\0' '\n' < "$e" | grep -c "^T$LU@$ME\$")" 2 "a recipient given twice is kept twice (RFC 5321 allows it)"

# swaks, a real client
timeout 120 swaks --server "$SIP" --port "$PORT" --local-interface "$NIP" --from sw@b.example \
    --to "$LU@$ME" --helo swaks.example --header "Subject: by swaks" \
    --body "swaks body" > "$T/swaks" 2>&1
ok $? "swaks delivers a message"
grep -q "<-  250 2.0.0 ok [0-9]* qp [0-9]*" "$T/swaks"; ok $? "250 2.0.0 ok TIME qp PID"
qp=$(sed -n 's/.*<-  250 2.0.0 ok [0-9]* qp \([0-9]*\).*/\1/p' "$T/swaks")
m=$(grep -l "^Subject: by swaks" $(find "$H/queue/mess" -type f))
grep -q "(kirim $qp invoked" "$m"; ok $? "qp is the pid in mail-queue's own Received line"
grep -q "message accepted qp $qp bytes" "$T/smtpd.log"; ok $? "acceptance logged"

# smtplib with SMTPUTF8 and 8BITMIME
python3 - "$SIP" "$PORT" "$LU@$ME" > "$T/py" 2>&1 <<'PY'
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), local_hostname='py.example', timeout=60)
msg = 'Subject: utf8\r\n\r\nGr\u00fc\u00dfe\r\n'.encode('utf-8')
r = s.sendmail('j\u00f6rg@b.example', [sys.argv[3]], msg, mail_options=['SMTPUTF8', 'BODY=8BITMIME'])
print('refused', r)
s.quit()
PY
is "$(cat "$T/py")" "refused {}" "smtplib: SMTPUTF8 sender and 8-bit body accepted"
m=$(grep -l "^Subject: utf8" $(find "$H/queue/mess" -type f))
grep -q "with UTF8SMTP;" "$m"; ok $? "Received says UTF8SMTP"
grep -q "Grüße" "$m"; ok $? "8-bit body kept as is"

if isroot; then
    python3 - "$SIP" "$PORT" <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.recv(100); time.sleep(3)
PY
    cpid=$!
    sleep 1
    pid=$(pgrep -x mail-smtpd -P "$SPID" | head -1)
    is "$(ps -o user= -p "$pid" | tr -d ' ')" kirimd "mail-smtpd runs as kirimd"
    wait $cpid
else
    skip "not root" "mail-smtpd runs as kirimd"
fi

# sendmail -bs speaks the same SMTP on stdin and stdout
printf 'HELO local\r\nMAIL FROM:<me@b.example>\r\nRCPT TO:<anyone@far.example>\r\nDATA\r\nSubject: bs\r\n\r\nvia -bs\r\n.\r\nQUIT\r\n' |
    timeout 60 "$H/bin/sendmail" -bs > "$T/bs" 2> "$T/bs.err"
is "$(tr -d '\r' < "$T/bs" | cut -c1-3 | tr '\n' ' ')" "220 250 250 250 354 250 221 " "sendmail -bs: a local session may send anywhere"
m=$(grep -l "^Subject: bs" $(find "$H/queue/mess" -type f))
grep -q "^Received: from local (unknown \[local\])" "$m"; ok $? "sendmail -bs: Received line says local"

# controls: an unreadable control file is 421, never a default
if isroot; then
    chmod 000 "$H/control/rcpthosts"
    dialog "unreadable rcpthosts: 421 at connect" <<EOF
< 421 4.3.0
<eof
EOF
    grep -q "unable to read control/rcpthosts" "$T/smtpd.log"; ok $? "logged"
    chmod 644 "$H/control/rcpthosts"
else
    skip "not root" "unreadable control file"; skip "not root" "logged"
fi
smtpd_stop
done_testing
