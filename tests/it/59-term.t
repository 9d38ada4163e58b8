#!/bin/bash
# 59-term.t: mail-start under a supervisor's SIGTERM (svc -t) while deliveries
# are in flight, with the real mail-lspawn and mail-local into a real Maildir.
# 1. the log lines of one delivery match mail-send(8)'s LOG section;
# 2. SIGTERM while |sleep 2 deliveries run: mail-send waits for them, exits 0;
#    after a restart every message is there exactly once;
# 3. SIGTERM while a delivery outlasts mail-send's wait (60 s): mail-send
#    abandons it and exits 0; after a restart it is delivered again (at
#    least once), nothing is lost.
# Real user (useradd) as root, a single-user instance otherwise.
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
qempty() { [ "$(cd "$H/queue" && find mess todo intd info local remote pid -type f | wc -l)" = 0 ]; }

if isroot; then
    U=kirimt59
    userdel "$U" 2>/dev/null
    useradd -M -d "$T/nohome" -s /usr/sbin/nologin "$U" || echo "Bail out! useradd $U"
    trap 'userdel kirimt59 2>/dev/null; cleanup' EXIT
else
    U=$(id -un)
fi
M=$T/box/Maildir
mkdir -p "$T/box"; chown "$U:" "$T/box"; chmod 700 "$T/box"
if isroot; then setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups "$H/bin/maildirmake" "$M"
else "$H/bin/maildirmake" "$M"; fi
line() { printf '=%s:%s:%s:%s:%s:%s:%s:\n' "$1" "$U" "$(id -u "$U")" "$(id -g "$U")" "$T/box" "$2" "$3"; }
{ line plain "" ""; line sleepy - sleepy; line stuck - stuck; echo .; } > "$H/users/assign"
"$H/bin/mail-newu" || echo "Bail out! mail-newu"
dotq() { printf '%b' "$2" > "$T/box/$1"; chown "$U:" "$T/box/$1"; chmod 644 "$T/box/$1"; }
dotq .qmail-sleepy '|sleep 2\n./Maildir/\n'
# delivered first, then a program that outlasts mail-send's SIGTERM wait
dotq .qmail-stuck './Maildir/\n|sleep 66\n'

START=
start() {
    "$H/bin/mail-start" >> "$LOG" 2>&1 &
    START=$!
    PIDS="$PIDS $START"
}
inject() {  # inject RCPT SEQ
    printf 'Subject: term %s\nX-Seq: %s\n\nbody %s\n' "$2" "$2" "$2" |
        "$H/bin/mail-inject" -f snd@test.example "$1@test.example"
}
seqs() { grep -h "^X-Seq: $1" "$M"/new/* 2>/dev/null | sed 's/^X-Seq: //'; }
nseq() { [ "$(seqs "$1" | wc -l)" -ge "$2" ]; }
inlog() { grep -q "$1" "$LOG"; }

: >> "$LOG"
start
waitfor 30 inlog "messages in the queue at start"; ok $? "mail-start is up"

# ---- 1. the log lines of one delivery ----
inject plain log-1; is "$?" 0 "mail-inject queues one message"
waitfor 30 inlog "^end msg"; ok $? "it is delivered (end msg)"
f=$(grep -l "^X-Seq: log-1$" "$M"/new/*)
id=$(sed -n 's/^new msg \([0-9][0-9]*\)$/\1/p' "$LOG" | head -1)
d=$(sed -n "s/^starting delivery \([0-9][0-9]*\): msg $id to local plain@test.example\$/\1/p" "$LOG")
ok "$([ -n "$id" ] && [ "$d" = 1 ] && echo 0 || echo 1)" "new msg $id, then starting delivery 1 of it to local plain@test.example"
# the Maildir file is the queued message with Return-Path and Delivered-To in front
bytes=$(( $(wc -c < "$f") - $(sed -n '1,2p' "$f" | wc -c) ))
is "$(sed -n 1,2p "$f" | tr '\n' ' ')" "Return-Path: <snd@test.example> Delivered-To: plain@test.example " "mail-local put Return-Path and Delivered-To in front"
# the lines of this delivery, in order, as mail-send(8) documents them
grep -E "^(new msg $id|info msg $id:|starting delivery $d:|delivery $d:|status:|end msg $id)" "$LOG" |
    grep -v "messages in the queue at start" > "$T/lines"
sed -e "s/^\(info msg $id: bytes $bytes from <snd@test.example> qp \)[0-9][0-9]* uid $(id -u)\$/\1QP uid UID/" \
    -e 's/ remote 0\/[0-9][0-9]*$/ remote 0\/R/' "$T/lines" > "$T/shape"
is "$(cat "$T/shape")" "new msg $id
info msg $id: bytes $bytes from <snd@test.example> qp QP uid UID
starting delivery 1: msg $id to local plain@test.example
status: local 1/10 remote 0/R
delivery 1: success: did 1+0+0 (mailboxes+forwards+programs) for plain@test.example
status: local 0/10 remote 0/R
end msg $id" "the delivery's log lines match mail-send(8): new msg, info msg (bytes = the queued size, qp, uid), starting delivery, status, delivery 1: success: (mail-local's line), status, end msg"
[ -z "$(grep -v -E '^(new msg|info msg|starting delivery|delivery [0-9]+: (success|deferral|failure):|status:|bounce msg|end msg|warning:|alert:) ' "$LOG")" ]
ok $? "every log line begins with one of the documented words"

# ---- 2. SIGTERM while |sleep 2 deliveries are in flight ----
for i in 1 2 3 4 5; do inject sleepy "s-$i" || diag "inject s-$i failed"; done
for i in $(seq 1 20); do inject plain "p-$i" || diag "inject p-$i failed"; done
waitfor 30 inlog "^starting delivery [0-9]*: msg [0-9]* to local sleepy@"; ok $? "deliveries to sleepy (|sleep 2) have started"
t0=$(date +%s)
kill -TERM "$START"
waitfor 60 eval '! kill -0 "$START" 2>/dev/null'; ok $? "mail-start exits after SIGTERM (within 60 s)"
wait "$START"; is "$?" 0 "with status 0"
diag "mail-start took $(( $(date +%s) - t0 )) s to stop"
inlog "^status: exiting when deliveries in flight are done$"; ok $? "mail-send said it waits for deliveries in flight"
sent() { grep -E '^(new msg|info msg|starting delivery|delivery [0-9]+:|status:|bounce msg|end msg|warning:|alert:) ' "$LOG"; }
sent | tail -1 | grep -q "^status: exiting$"; ok $? "and exited: its last line"
sed -n '/^status: exiting$/,$p' "$LOG" | sed 1d | while read -r l; do diag "after mail-send's exit: $l"; done
# every delivery started before the exit has its result in the log
started=$(grep -c "^starting delivery" "$LOG")
ended=$(grep -c -E "^delivery [0-9]+: (success|deferral|failure):" "$LOG")
is "$ended" "$started" "every started delivery was finished and recorded ($started)"
before=$(seqs s- | wc -l)
diag "before the restart: $before of 5 sleepy messages, $(seqs p- | wc -l) of 20 plain ones delivered"
ok "$([ "$before" -ge 1 ] && echo 0 || echo 1)" "the sleepy deliveries in flight were completed, not cut"

start
waitfor 60 eval 'nseq s- 5 && nseq p- 20 && qempty'; ok $? "after the restart the rest is delivered and the queue drains"
is "$(seqs s- | sort | uniq -c | awk '$1 != 1' | wc -l)" 0 "every sleepy message exactly once"
is "$(seqs p- | sort | uniq -c | awk '$1 != 1' | wc -l)" 0 "every plain message exactly once"
is "$(seqs "[sp]-" | sort -u | wc -l)" 25 "all 25 there"

# ---- 3. SIGTERM while a delivery outlasts the 60 s wait: abandoned ----
inject stuck x-1; is "$?" 0 "a message for stuck (Maildir, then |sleep 66)"
waitfor 30 nseq x- 1; ok $? "its Maildir line is done while the program still runs"
mark=$(wc -l < "$LOG")
kill -TERM "$START"
waitfor 90 eval '! kill -0 "$START" 2>/dev/null'; ok $? "mail-start exits (bounded: 60 s wait, then the abandoned program ends)"
wait "$START"; is "$?" 0 "with status 0"
tail -n +"$((mark + 1))" "$LOG" | grep -q "^delivery [0-9]*: " ; ok "$([ $? = 0 ] && echo 1 || echo 0)" "no result was recorded for the abandoned delivery"
sent | tail -1 | grep -q "^status: exiting$"; ok $? "mail-send gave up waiting and exited"
tail -n +"$((mark + 1))" "$LOG" | sed -n '/^status: exiting$/,$p' | sed 1d | while read -r l; do diag "after mail-send's exit: $l"; done
qempty; ok "$([ $? = 0 ] && echo 1 || echo 0)" "the abandoned message is still in the queue"
dotq .qmail-stuck './Maildir/\n'
start
waitfor 30 eval 'nseq x- 2 && qempty'; ok $? "after the restart it is delivered again and the queue drains"
is "$(seqs x- | wc -l)" 2 "delivered at least once (here twice: the first result was never recorded)"
is "$(seqs "[sp]-" | wc -l)" 25 "the earlier messages were not delivered again"

grep -q "exited before mail-send" "$LOG"; ok "$([ $? = 0 ] && echo 1 || echo 0)" "mail-start never mistook its helpers' normal end for an early one"
kill -TERM "$START"; waitfor 60 eval '! kill -0 "$START" 2>/dev/null'; wait "$START"; is "$?" 0 "mail-start stops"
done_testing
