#!/bin/bash
# 96-faults.t: faults an operator meets, through the whole system (root):
# a Maildir on a full file system defers, keeps the message queued and
# delivers it once there is room and SIGALRM comes; an unreadable
# control/rcpthosts makes mail-smtpd answer 4xx (never 250, never 5xx),
# and mail flows again once it is readable; a .qmail program that hangs is
# killed after control/timeoutprogram and the delivery deferred. Nothing
# accepted is lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
isroot || { echo "1..0 # SKIP needs root (tmpfs mounts, a real user)"; exit 0; }
smtpd_setup
MD=$T/$LU/Maildir
mkdir -p "$MD"
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$MD" || { echo "Bail out! cannot mount a tmpfs"; exit 1; }
trap 'umount "$MD" 2>/dev/null; userdel kirimsd1 2>/dev/null; cleanup' EXIT
chown "$LU:" "$MD"
setpriv --reuid="$LU" --regid="$(id -g "$LU")" --clear-groups mkdir -m 700 "$MD/tmp" "$MD/new" "$MD/cur"
smtpd_start
"$H/bin/mail-start" > "$T/start.log" 2>&1 &
START=$!
PIDS="$PIDS $START"

waitfor() {  # waitfor SECONDS COMMAND...
    local n=$(( $1 * 10 )); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
newcount() { find "$MD/new" -type f | wc -l | tr -d ' '; }
newis() { [ "$(newcount)" = "$1" ]; }   # evaluated on each try of waitfor
send() {  # send SUBJECT BODY-KB: the last SMTP reply code of the transaction
    python3 - "$SIP" "$PORT" "$NIP" "$LU@$ME" "$1" "$2" <<'EOF'
import smtplib, sys
host, port, src, rcpt, subj, kb = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
body = ("x" * 70 + "\r\n") * (kb * 1024 // 72)
try:
    s = smtplib.SMTP(host, port, source_address=(src, 0), timeout=60)
    s.ehlo('client.test')
    s.mail('far@remote.example')
    code, msg = s.rcpt(rcpt)
    if code != 250:
        print(code); s.quit(); sys.exit(0)
    code, msg = s.data(('Subject: %s\r\n\r\n' % subj + body).encode())
    print(code)
    s.quit()
except smtplib.SMTPResponseException as e:
    print(e.smtp_code)
except Exception as e:
    print('error', e)
EOF
}

# ---- a Maildir on a full file system ----
is "$(send small 1)" 250 "a small message is accepted"
waitfor 60 newis 1; ok $? "and delivered into the tmpfs Maildir"
is "$(send big 100)" 250 "a 100 KB message is accepted (the Maildir has 64 KB)"
waitfor 60 grep -q "deferral: .*" "$T/start.log"; ok $? "its delivery is deferred (temporary failure logged)"
grep "deferral" "$T/start.log" | head -1 | sed 's/^/# /'
is "$(newcount)" 1 "nothing more in new/"
ls "$MD/tmp" | grep -q . && r=1 || r=0
ok $r "no partial file left in tmp/"
[ -n "$(find "$H/queue/mess" -type f)" ]; ok $? "the message stays in the queue"
umount "$MD"
chown "$LU:" "$MD"
setpriv --reuid="$LU" --regid="$(id -g "$LU")" --clear-groups mkdir -m 700 "$MD/tmp" "$MD/new" "$MD/cur"
kill -ALRM "$START"     # mail-start passes it on to mail-send
waitfor 60 newis 1; ok $? "after room is made and SIGALRM, it is delivered" ||
    { tail -20 "$T/start.log" | sed 's/^/# /'; ls -l "$MD"/* | sed 's/^/# /'; }
grep -q '^Subject: big' "$MD"/new/* 2>/dev/null; ok $? "it is the 100 KB message"

# ---- an unreadable control file ----
chmod 000 "$H/control/rcpthosts"
r=$(send unreadable 1)
case $r in 4*) ok 0 "unreadable control/rcpthosts: $r (temporary), not accepted" ;;
           *) ok 1 "unreadable control/rcpthosts: $r (want 4xx)" ;; esac
grep -q "rcpthosts" "$T/smtpd.log"; ok $? "mail-smtpd logs which file"
chmod 644 "$H/control/rcpthosts"
is "$(send readable 1)" 250 "readable again: accepted"
waitfor 60 newis 2; ok $? "and delivered"

# ---- a .qmail program that hangs ----
echo 2 > "$H/control/timeoutprogram"
printf '|sleep 4331\n./Maildir/\n' > "$T/$LU/.qmail"
chown "$LU:" "$T/$LU/.qmail"; chmod 644 "$T/$LU/.qmail"
is "$(send hang 1)" 250 "a message for a user whose .qmail program hangs is accepted"
waitfor 60 grep -q "deferral: program ran longer than 2 seconds" "$T/start.log"
ok $? "the program is killed after control/timeoutprogram: a deferral"
grep "program ran longer" "$T/start.log" | head -1 | sed 's/^/# /'
pgrep -f "sleep 4331" > /dev/null && r=1 || r=0
ok $r "no hung program is left"
is "$(newcount)" 2 "nothing delivered meanwhile"
printf './Maildir/\n' > "$T/$LU/.qmail"
kill -ALRM "$START"
waitfor 60 newis 3; ok $? "once the .qmail is fixed and SIGALRM comes, it is delivered"
grep -q '^Subject: hang' "$MD"/new/* 2>/dev/null; ok $? "it is the message that waited"
rm -f "$T/$LU/.qmail" "$H/control/timeoutprogram"

kill -TERM "$START"; wait "$START" 2>/dev/null
smtpd_stop
done_testing
