#!/bin/bash
# 66-smtpd-maildir.t: the whole path: swaks -> tcpserver -> mail-smtpd ->
# mail-queue -> mail-start (mail-send, mail-lspawn, mail-local) -> the user's
# Maildir; an unknown user is refused at RCPT and nothing bounces
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
smtpd_setup
if isroot; then
    setpriv --reuid="$LU" --regid="$(id -g "$LU")" --clear-groups "$H/bin/maildirmake" "$T/$LU/Maildir"
else
    skip "not root" "a real user's Maildir"
    done_testing; exit
fi
smtpd_start
"$H/bin/mail-start" > "$T/start.log" 2>&1 &
PIDS="$PIDS $!"
START=$!

timeout 120 swaks --server "$SIP" --port "$PORT" --local-interface "$NIP" --from far@remote.example \
    --to "$LU@$ME" --helo far.example --header "Subject: to the maildir" \
    --body "delivered through the whole system" > "$T/swaks" 2>&1
ok $? "swaks: accepted"
timeout 120 swaks --server "$SIP" --port "$PORT" --local-interface "$NIP" --from far@remote.example \
    --to "nosuchuser@$ME" > "$T/swaks2" 2>&1
grep -q "<\*\* 550 5.1.1" "$T/swaks2"; ok $? "unknown user: 550 5.1.1 at RCPT"

n=300
while [ $n -gt 0 ] && [ -z "$(ls "$T/$LU/Maildir/new" 2>/dev/null)" ]; do sleep 0.1; n=$((n - 1)); done
f=$(ls "$T/$LU/Maildir/new" | head -1)
ok "$([ -n "$f" ]; echo $?)" "the message arrived in $LU's Maildir/new"
m=$T/$LU/Maildir/new/$f
grep -q "^Subject: to the maildir" "$m"; ok $? "it is the message sent"
grep -q "^Received: from far.example (unknown \[$NIP\])" "$m"; ok $? "with mail-smtpd's Received line"
grep -q "^Delivered-To: $LU@$ME" "$m"; ok $? "and mail-local's Delivered-To"
is "$(stat -c %U "$m")" "$LU" "owned by the user"
sleep 1
is "$(find "$T/$LU/Maildir/new" -type f | wc -l | tr -d ' ')" 1 "one message, no bounce for the refused recipient"
kill -TERM "$START"; wait "$START" 2>/dev/null
smtpd_stop
done_testing
