#!/bin/bash
# 42-deliver.t: the whole local path: mail-inject -> mail-queue -> mail-start
# (mail-send, mail-lspawn, mail-clean) -> mail-local -> Maildir. Real users
# as root (a single-user instance otherwise); bounces parsed as RFC 3464;
# a temporary failure retried after SIGALRM; a forward chain; a forwarding
# loop ending in one bounce; the queue empty at the end.
. "$(dirname "$0")/lib.sh"
kirim_instance
LOG=$T/log
printf 'test.example\n' > "$H/control/me"
printf 'test.example\n' > "$H/control/locals"

waitfor() {  # waitfor SECONDS COMMAND...
    local n=$(( $1 * 10 )); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
# mailbox NAME USER: a home $T/NAME for USER with a Maildir; prints the assign line
mailbox() {
    local d=$T/$1
    mkdir -p "$d"
    chown "$2:" "$d" 2>/dev/null; chmod 700 "$d"
    if isroot; then setpriv --reuid="$2" --regid="$(id -g "$2")" --clear-groups "$H/bin/maildirmake" "$d/Maildir"
    else "$H/bin/maildirmake" "$d/Maildir"; fi
}
dotq() {  # dotq NAME FILE TEXT
    printf '%b' "$3" > "$T/$1/$2"; chown "$(stat -c %U "$T/$1"):" "$T/$1/$2"; chmod 644 "$T/$1/$2"
}
count() { find "$T/$1/Maildir/new" -type f | wc -l | tr -d ' '; }
has() { [ "$(count "$1")" = "$2" ]; }   # has NAME N: evaluated on every try
qempty() { [ "$(find "$H/queue/mess" "$H/queue/todo" "$H/queue/intd" "$H/queue/info" "$H/queue/local" "$H/queue/remote" -type f | wc -l)" = 0 ]; }

if isroot; then
    US=kirimt7 UR=kirimt8 UF=kirimt9
    for u in $US $UR $UF; do
        userdel "$u" 2>/dev/null
        useradd -M -d "$T/nohome" -s /usr/sbin/nologin "$u" || echo "Bail out! useradd $u"
    done
    trap 'userdel kirimt7 2>/dev/null; userdel kirimt8 2>/dev/null; userdel kirimt9 2>/dev/null; cleanup' EXIT
else
    US=$(id -un) UR=$(id -un) UF=$(id -un)
fi
line() { printf '=%s:%s:%s:%s:%s:%s:%s:\n' "$1" "$2" "$(id -u "$2")" "$(id -g "$2")" "$T/$3" "$4" "$5"; }
mailbox snd "$US"; mailbox rcv "$UR"; mailbox fwd "$UF"
{
    line snd "$US" snd "" ""
    line rcv "$UR" rcv "" ""
    line later "$UR" rcv - later
    line fa "$UF" fwd - a
    line fb "$UF" fwd - b
    line la "$UF" fwd - la
    line lb "$UF" fwd - lb
    echo .
} > "$H/users/assign"
"$H/bin/mail-newu" || echo "Bail out! mail-newu"
dotq rcv .qmail-later "|test -e $T/flag || { echo not yet; exit 111; }\n./Maildir/\n"
dotq fwd .qmail-a "&fb@test.example\n"
dotq fwd .qmail-b "&rcv@test.example\n"
dotq fwd .qmail-la "&lb@test.example\n"
dotq fwd .qmail-lb "la@test.example\n"

"$H/bin/mail-start" > "$LOG" 2>&1 &
START=$!
PIDS="$PIDS $START"
waitfor 20 grep -q "messages in the queue at start" "$LOG"; ok $? "mail-start is up"
SEND=$(pgrep -P "$START" -x mail-send)

inject() {  # inject TO SUBJECT
    printf 'To: %s\nSubject: %s\n\nhello %s\n' "$1" "$2" "$1" | "$H/bin/mail-inject" -f snd@test.example -t
}

# ---- plain delivery ----
inject rcv@test.example plain; is "$?" 0 "mail-inject queues a message for rcv"
waitfor 30 has rcv 1; ok $? "it reaches rcv's Maildir"
f=$(find "$T/rcv/Maildir/new" -type f | head -1)
is "$(stat -c %U "$f")" "$UR" "the file belongs to $UR"
grep -q '^Delivered-To: rcv@test.example$' "$f"; ok $? "with a Delivered-To line"
grep -q '^Return-Path: <snd@test.example>$' "$f"; ok $? "and the Return-Path"
grep -q '^Subject: plain$' "$f"; ok $? "the message itself"
waitfor 20 grep -q "delivery [0-9]*: success: did 1+0+0" "$LOG"; ok $? "mail-send logs mail-local's result line"

# ---- unknown user: a bounce to the sender, RFC 3464 ----
inject nosuch@test.example unknown
waitfor 40 has snd 1; ok $? "an unknown user bounces to the sender"
b=$(find "$T/snd/Maildir/new" -type f | head -1)
python3 - "$b" > "$T/dsn" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
print("type", m.get_content_type(), m.get_param('report-type'))
parts = list(m.iter_parts())
print("parts", len(parts), " ".join(p.get_content_type() for p in parts[:2]))
ds = [p for p in parts if p.get_content_type() == 'message/delivery-status'][0]
blocks = ds.get_payload()
print("reporting-mta", bool(blocks[0]['Reporting-MTA']))
r = blocks[1]
print("final-recipient", r['Final-Recipient'])
print("action", r['Action'])
print("status", r['Status'])
print("diagnostic", 'no mailbox here by that name' in str(r['Diagnostic-Code']))
orig = [p for p in parts if p.get_content_type() in ('message/rfc822', 'text/rfc822-headers')]
print("original", len(orig) == 1 and 'unknown' in orig[0].as_string())
PY
is "$(cat "$T/dsn")" "type multipart/report delivery-status
parts 3 text/plain message/delivery-status
reporting-mta True
final-recipient rfc822; nosuch@test.example
action failed
status 5.1.1
diagnostic True
original True" "the bounce parses as a DSN with the right fields"
rm -f "$T"/snd/Maildir/new/*

# ---- a temporary failure, retried on SIGALRM ----
inject later@test.example later
waitfor 30 grep -q "deferral: not yet" "$LOG"; ok $? "|exit 111: deferred (not yet)"
is "$(count rcv)" 1 "nothing delivered yet"
touch "$T/flag"
kill -ALRM "$SEND"
waitfor 30 has rcv 2; ok $? "after SIGALRM the retry delivers it"

# ---- a forward chain fa -> fb -> rcv ----
inject fa@test.example chain
waitfor 40 has rcv 3; ok $? "forward chain fa -> fb -> rcv delivered"
f=$(grep -l '^Subject: chain$' "$T"/rcv/Maildir/new/*)
is "$(grep '^Delivered-To:' "$f" | tr '\n' ' ')" "Delivered-To: rcv@test.example Delivered-To: fb@test.example Delivered-To: fa@test.example " "each hop added its Delivered-To line"

# ---- a forwarding loop la -> lb -> la: one bounce, no storm ----
inject la@test.example loop
waitfor 60 has snd 1; ok $? "the forwarding loop bounces to the sender"
grep -q "looping" "$T"/snd/Maildir/new/*; ok $? "the bounce says the message was looping"
waitfor 30 qempty; ok $? "the queue is empty afterwards"
sleep 2
is "$(count snd)" 1 "exactly one bounce"
is "$(grep -c "starting delivery .* to local la@test.example" "$LOG")" 2 "la was tried twice (first pass, then the loop), no more"

# ---- the end ----
is "$(count rcv)" 3 "rcv got exactly three messages"
kill -TERM "$START"; wait "$START"; is "$?" 0 "mail-start stops on SIGTERM"
qempty; ok $? "nothing left in the queue"
done_testing
