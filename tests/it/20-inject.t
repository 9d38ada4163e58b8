#!/bin/bash
# 20-inject.t: 1,000 messages from 10 concurrent mail-inject processes are all
# queued byte for byte, each with a todo entry, with the table's owners and modes
. "$(dirname "$0")/lib.sh"
kirim_instance
N=${INJECT_N:-1000}
P=10
mkdir "$T/msgs"
chmod 755 "$T/msgs"
for i in $(seq 1 "$N"); do
    # a body that is different in every message, with long and dotted lines
    { printf 'From: sender%s@example.org\nTo: rcpt%s@example.net\nSubject: message %s\nDate: Sat, 28 Nov 2026 07:00:00 +0000\nMessage-ID: <m%s@test>\n\n' "$i" "$i" "$i" "$i"
      printf '.leading dot\n..two dots\nline %s\n' "$i"
      head -c $((200 + i * 7 % 3000)) /dev/urandom | base64 -w 76; } > "$T/msgs/$i"
done

run_injector() {   # every P-th message starting at $1
    i=$1
    while [ "$i" -le "$N" ]; do
        "$H/bin/mail-inject" -f "s$i@example.org" "r$i@example.net" < "$T/msgs/$i" ||
            echo "inject $i failed" >> "$T/failures"
        i=$((i + P))
    done
}
if isroot; then
    # an ordinary user, not root, is the one injecting
    for p in $(seq 1 $P); do
        setpriv --reuid=nobody --regid=nogroup --clear-groups bash -c \
            "$(declare -f run_injector); H='$H' T='$T' N=$N P=$P run_injector $p" &
        PIDS="$PIDS $!"
    done
else
    for p in $(seq 1 $P); do run_injector "$p" & PIDS="$PIDS $!"; done
fi
wait
[ ! -s "$T/failures" ]; ok $? "all $N mail-inject runs exited 0"
is "$(qcount todo)" "$N" "$N todo entries"
is "$(qcount mess)" "$N" "$N messages"

# every message is in the queue exactly as sent, after the headers mail-inject keeps
bad=0 seen=0
for m in $(find "$H/queue/mess" -type f); do
    i=$(sed -n 's/^Subject: message //p' "$m" | head -1)
    [ -n "$i" ] || { bad=$((bad + 1)); continue; }
    seen=$((seen + 1))
    # the body (after the first empty line) is byte-identical
    cmp -s <(sed '1,/^$/d' "$m") <(sed '1,/^$/d' "$T/msgs/$i") || { bad=$((bad + 1)); diag "message $i differs"; }
    e="$H/queue/todo/${m#"$H/queue/mess/"}"
    tr '\0' '\n' < "$e" | grep -qx "Tr$i@example.net" || { bad=$((bad + 1)); diag "envelope $i wrong"; }
done
is "$seen" "$N" "every message found once"
is "$bad" 0 "bodies byte for byte, envelopes right"
if isroot; then
    is "$(find "$H/queue/mess" "$H/queue/todo" -type f ! -user kirimq | wc -l | tr -d ' ')" 0 "all queue files owned by kirimq"
    is "$(find "$H/queue/mess" "$H/queue/todo" -type f ! -group kirim | wc -l | tr -d ' ')" 0 "all queue files in group kirim"
else
    skip "not root" "owner kirimq"; skip "not root" "group kirim"
fi
is "$(find "$H/queue/mess" "$H/queue/todo" -type f ! -perm 640 | wc -l | tr -d ' ')" 0 "all queue files mode 640"
(cd "$T/build" && bin/kirim-instcheck) >/dev/null 2>&1
ok $? "instcheck still passes"

# the From user with no MAILUSER, USER or LOGNAME: the name of the
# invoking uid in /etc/passwd, or "anonymous" for a uid without a line
me=$(id -un)
from=$(printf 'Subject: who\n\nbody\n' | env -i PATH="$PATH" "$H/bin/mail-inject" -n x@example.net | grep '^From:')
is "${from%%@*}" "From: $me" "no USER or LOGNAME: the name from /etc/passwd"
from=$(printf 'Subject: who\n\nbody\n' | env -i PATH="$PATH" LOGNAME=lg "$H/bin/mail-inject" -n x@example.net | grep '^From:')
is "${from%%@*}" "From: lg" "LOGNAME is used before the password file"
if isroot; then
    from=$(printf 'Subject: who\n\nbody\n' | env -i PATH="$PATH" setpriv --reuid=54321 --regid=54321 --clear-groups \
        "$H/bin/mail-inject" -n x@example.net | grep '^From:')
    is "${from%%@*}" "From: anonymous" "a uid without a password line: anonymous"
else
    skip "not root" "a uid without a password line"
fi

# qmail-inject's environment names, and the envelope as mail-smtpd keeps
# it (local parts unquoted, no control bytes); a MAILQUEUE filter dumps it
printf '#!/bin/sh\ncat > "%s/fmsg"; tr "\\000" "|" <&1 > "%s/fenv"\n' "$T" "$T" > "$T/dump"
chmod 755 "$T/dump"
inj() { printf 'Subject: env\n\nbody\n' | env -i PATH="$PATH" MAILQUEUE="$T/dump" "$@" > /dev/null 2>&1; }
fenv() { sed 's/^u[0-9]*|p[0-9]*|//' "$T/fenv"; }
inj QMAILUSER=qu MAILUSER=mu QMAILHOST=qh.example MAILHOST=mh.example QMAILNAME='Q N' "$H/bin/mail-inject" x@example.net
is "$(grep '^From:' "$T/fmsg")" 'From: Q N <qu@qh.example>' "QMAILUSER, QMAILHOST, QMAILNAME come first"
is "$(fenv)" "Fqu@qh.example|Tx@example.net||" "the default envelope sender is the From address (qmail)"
inj QMAILUSER=qu QMAILSUSER=su QMAILSHOST=sh.example "$H/bin/mail-inject" x@example.net
is "$(fenv)" "Fsu@sh.example|Tx@example.net||" "QMAILSUSER and QMAILSHOST set the envelope sender"
inj QMAILDEFAULTHOST=dh.example QMAILDEFAULTDOMAIN=dd.example USER=u "$H/bin/mail-inject" bob carol@pc
is "$(fenv)" "Fu@dh.example|Tbob@dh.example|Tcarol@pc.dd.example||" "QMAILDEFAULTHOST and QMAILDEFAULTDOMAIN"
inj USER=u "$H/bin/mail-inject" -f '"a b"@x.example' '"john doe"@example.com' 'plain@example.com'
is "$(fenv)" "Fa b@x.example|Tjohn doe@example.com|Tplain@example.com||" "quoted local parts go into the envelope unquoted (as from mail-smtpd)"
inj MAILUSER="$(printf 'ev\r\nRCPT TO:<x@y.z>')" "$H/bin/mail-inject" x@example.net
case $(cat "$T/fenv") in *"$(printf '\r')"*|*"$(printf '\nR')"*) r=1 ;; *) r=0 ;; esac
ok $r "a MAILUSER with CR LF: no control byte reaches the envelope ($(fenv | cut -c1-40))"
# CR LF input is stored with LF line ends (as from mail-smtpd), also when a
# read ends between the CR and the LF; a CR before anything else stays
printf 'Subject: crlf\r\nTo: a@example.net\r\n\r\nline one\r\nbare\rcr\r\n' |
    env -i PATH="$PATH" MAILQUEUE="$T/dump" USER=u "$H/bin/mail-inject" x@example.net
grep -c "$(printf '\r')\$" "$T/fmsg" > "$T/ncr"
is "$(cat "$T/ncr")" 0 "CR LF input: no line of the stored message ends in CR"
grep -q "^bare$(printf '\r')cr\$" "$T/fmsg"; ok $? "a CR inside a line is kept"
grep -q '^Subject: crlf$' "$T/fmsg" && grep -q '^line one$' "$T/fmsg"; ok $? "header and body lines intact"
python3 -c '
import os, sys, time
sys.stdout.buffer.write(b"Subject: split\r"); sys.stdout.flush(); time.sleep(0.3)
sys.stdout.buffer.write(b"\n\r"); sys.stdout.flush(); time.sleep(0.3)
sys.stdout.buffer.write(b"\nbody\r"); sys.stdout.flush(); time.sleep(0.3)
sys.stdout.buffer.write(b"\n")' | env -i PATH="$PATH" MAILQUEUE="$T/dump" USER=u "$H/bin/mail-inject" x@example.net
is "$(grep -c "$(printf '\r')" "$T/fmsg")" 0 "CR and LF in different reads: still LF"
is "$(sed -n '/^Subject: split$/,$p' "$T/fmsg" | tail -1)" "body" "and the body after the empty line"
done_testing
