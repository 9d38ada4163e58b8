#!/bin/bash
# 50-send.t: mail-send with a fake local spawner and the real mail-clean:
# todo processing, results, retries, bounces, recovery after kill -9, logs.
. "$(dirname "$0")/lib.sh"
kirim_instance
Q=$H/bin/mail-queue
LOG=$T/log
SENDPID=
export T H
mkdir -p "$T/got" "$T/state"
chmod 777 "$T/got" "$T/state"
if isroot; then
    AS_S="setpriv --reuid=kirims --regid=kirim --init-groups"
    AS_Q="setpriv --reuid=kirimq --regid=kirim --init-groups"
else
    AS_S= AS_Q=
fi
printf 'test.example\n' > "$H/control/me"
printf 'test.example\nlocalhost\n' > "$H/control/locals"
printf 'virt.example:vu\n' > "$H/control/virtualdomains"
: > "$LOG"

nul() { local x; printf 'F%s\0' "$1"; shift; for x in "$@"; do printf 'T%s\0' "$x"; done; printf '\0'; }
queue() {  # queue SENDER RCPT...: prints the id (from the log when mail-send runs)
    printf 'Subject: test %s\nMessage-ID: <%s@test>\n\nbody of %s\n' "$2" "$RANDOM$RANDOM" "$2" > "$T/m"
    nul "$@" > "$T/e"
    "$Q" < "$T/m" 1< "$T/e" &
    local qp=$! id
    wait "$qp" || { echo "# mail-queue failed"; return 1; }
    if [ -n "$SENDPID" ] && kill -0 "$SENDPID" 2>/dev/null; then
        waitfor 10 grep -q " qp $qp uid " "$LOG"
        sed -n "s/^info msg \([0-9]*\): .* qp $qp uid .*/\1/p" "$LOG" | tail -1
    else
        ls -t $(find "$H/queue/mess" -type f) | head -1 | sed 's|.*/||'
    fi
}
waitfor() {  # waitfor SECONDS COMMAND...: 0 once COMMAND succeeds
    local n=$(( $1 * 10 )); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
inlog() { grep -q -- "$1" "$LOG"; }
# inmsg ID PATTERN: PATTERN in the log since the current life of message ID
# began, its last "info msg" line (ids are inodes: an earlier message may
# have had the same one, and its lines are in the log too)
inmsg() {
    awk -v p="^info msg $1: " '$0 ~ p { n = NR; m = 0 } { l[++m] = $0 } END { for (i = 1; i <= m; ++i) print l[i] }' \
        "$LOG" | grep -q -- "$2"
}
started() { [ "$(grep -c "messages in the queue at start" "$LOG")" -gt "$starts" ]; }
start_send() {
    rm -f "$T"/f.*
    mkfifo "$T/f.lreq" "$T/f.lres" "$T/f.creq" "$T/f.cres"
    chmod 666 "$T"/f.*
    python3 "$SRC/tests/it/fakespawn.py" < "$T/f.lreq" > "$T/f.lres" 2>> "$T/fake.err" &
    FAKEPID=$!
    $AS_Q "$H/bin/mail-clean" < "$T/f.creq" > "$T/f.cres" 2>> "$T/clean.err" &
    CLEANPID=$!
    starts=$(grep -c "messages in the queue at start" "$LOG")
    $AS_S "$H/bin/mail-send" 3> "$T/f.lreq" 4< "$T/f.lres" 5>&- 6>&- 7> "$T/f.creq" 8< "$T/f.cres" \
        >> "$LOG" 2>&1 &
    SENDPID=$!
    PIDS="$PIDS $FAKEPID $CLEANPID $SENDPID"
    waitfor 10 started
}
stop_send() {  # stop_send SIGNAL
    kill "-$1" "$SENDPID" 2>/dev/null
    wait "$SENDPID" 2>/dev/null; RC=$?
    wait "$FAKEPID" "$CLEANPID" 2>/dev/null
}
qfile() { echo "$H/queue/$1/$(($2 % 23))/$2"; }

# leftovers for the cleaners: an abandoned mess file and an old pid file
old=$(queue a@test.example ok0@test.example)
rm -f "$(qfile todo "$old")" "$(qfile intd "$old")"
touch -d '2 days ago' "$(qfile mess "$old")"
touch "$H/queue/pid/99999.1"; touch -d '2 days ago' "$H/queue/pid/99999.1"
touch "$H/queue/pid/99998.2"

start_send
ok $? "mail-send starts and logs its start"
if isroot; then
    is "$(ps -o user= -p "$SENDPID")" kirims "mail-send runs as kirims"
fi
inlog "warning: no remote channel"; ok $? "missing remote channel logged"
waitfor 5 inlog "removing abandoned msg $old"; ok $? "abandoned mess file reported"
waitfor 5 test ! -e "$(qfile mess "$old")"; ok $? "abandoned mess file removed"
waitfor 5 test ! -e "$H/queue/pid/99999.1"; ok $? "old pid file removed by mail-clean"
test -e "$H/queue/pid/99998.2"; ok $? "recent pid file kept"
rm -f "$H/queue/pid/99998.2"

# a second mail-send is refused
$AS_S "$H/bin/mail-send" 3>/dev/null 4</dev/null 5>&- 6>&- 7>/dev/null 8</dev/null 2> "$T/second" >/dev/null
is "$?" 111 "a second mail-send exits 111"
grep -q "another mail-send is running" "$T/second"; ok $? "and says why"

# 1. todo -> info/local, delivery held, then success and cleanup
id=$(queue s1@test.example hold1@test.example)
waitfor 10 inmsg "$id" "starting delivery [0-9]*: msg $id to local hold1@test.example"
ok $? "delivery started"
test ! -e "$(qfile todo "$id")" && test ! -e "$(qfile intd "$id")"; ok $? "todo and intd gone"
is "$(tr '\0' '|' < "$(qfile local "$id")")" "Thold1@test.example|" "local file has the pending recipient"
test ! -e "$(qfile remote "$id")"; ok $? "no remote file without remote recipients"
is "$(tr '\0' '|' < "$(qfile info "$id")" | sed 's/^T[0-9]*|/T|/')" "T|Fs1@test.example|" "info has time and sender"
isroot && is "$(stat -c %U "$(qfile info "$id")")" kirims "info owned by kirims"
grep -q "^info msg $id: bytes [0-9]* from <s1@test.example> qp [0-9]* uid $(id -u)\$" "$LOG"
ok $? "info msg line"
touch "$T/release"
waitfor 10 inmsg "$id" "^end msg $id\$"; ok $? "end msg logged"
grep -q "^delivery [0-9]*: success: delivered by fake/to hold1@test.example\$" "$LOG"; ok $? "success line, newline as /"
for d in mess info local; do
    test ! -e "$(qfile $d "$id")"; ok $? "$d file removed at the end"
done
grep -q '^status: local [0-9]*/10 remote 0/0$' "$LOG"; ok $? "status lines"

# 2. deferral, retried on SIGALRM
id=$(queue s2@test.example tmp1@test.example ok2@test.example)
waitfor 10 inlog "deferral: fake deferral (#4.2.0)"; ok $? "deferral logged"
waitfor 5 grep -q "^[0-9]* ok2@test.example " "$T/deliveries"; ok $? "other recipient delivered"
sleep 0.3
is "$(tr '\0' '|' < "$(qfile local "$id")")" "Ttmp1@test.example|Dok2@test.example|" "done recipient flipped to D, deferred stays T"
kill -ALRM "$SENDPID"
waitfor 10 inmsg "$id" "^end msg $id\$"; ok $? "deferred recipient retried on SIGALRM and delivered"
is "$(grep -c " tmp1@test.example " "$T/deliveries")" 1 "delivered once"

# 2b. SIGALRM while a delivery is in flight, which then defers: the retry
# comes at once, not on the schedule (the first local retry is 100 s on)
id=$(queue s2@test.example wait1@test.example)
waitfor 10 inmsg "$id" "starting delivery [0-9]*: msg $id to local wait1@test.example"
ok $? "a delivery is held in flight"
ends() { grep -c "^end msg $id\$" "$LOG"; }   # ids are inodes: reused
e=$(ends)
alrms() { grep -c "^status: retrying all deferred deliveries now" "$LOG"; }
n=$(alrms)
more() { [ "$($1)" -gt "$2" ]; }   # evaluated on each try of waitfor
kill -ALRM "$SENDPID"
waitfor 5 more alrms "$n"; ok $? "mail-send takes the SIGALRM"
touch "$T/release-wait"
waitfor 10 more ends "$e"; ok $? "its deferral is retried at once after the SIGALRM it missed"
is "$(grep -c " wait1@test.example " "$T/deliveries")" 1 "delivered once"

# 3. virtual domain and remote recipient without a remote channel
id=$(queue s3@test.example ann@virt.example far@remote.example)
waitfor 10 grep -q " vu-ann@virt.example " "$T/deliveries"; ok $? "virtual domain delivered as prefix-user@domain"
sleep 0.3
is "$(tr '\0' '|' < "$(qfile remote "$id")")" "Tfar@remote.example|" "remote recipient stays queued"
test -e "$(qfile info "$id")"; ok $? "message kept for the remote channel"
remoteid=$id

# 4. permanent failure: bounce to the (local) sender as RFC 3464 report
id=$(queue ok-sender@test.example bad1@test.example ok4@test.example)
waitfor 10 inmsg "$id" "^end msg $id\$"; ok $? "message with a failure ends"
grep -q "^delivery [0-9]*: failure: no such user here./second line (#5.1.1)\$" "$LOG"; ok $? "failure line"
waitfor 5 inmsg "$id" "^bounce msg $id qp [0-9]*\$"; ok $? "bounce msg line"
waitfor 10 sh -c "ls '$T/got' | grep -q -- '-ok-sender@test.example\$'"
ok $? "bounce delivered to the sender"
b=$(ls "$T/got" | grep -- '-ok-sender@test.example$' | head -1)
grep -q "^[0-9]* ok-sender@test.example <>\$" "$T/deliveries"; ok $? "bounce has the null envelope sender"
python3 - "$T/got/$b" > "$T/py" 2>&1 <<'EOF'
import sys, email
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "delivery-status"
assert m["To"] == "<ok-sender@test.example>", m["To"]
assert "MAILER-DAEMON@test.example" in m["From"]
parts = m.get_payload()
assert [p.get_content_type() for p in parts] == ["text/plain", "message/delivery-status", "message/rfc822"], [p.get_content_type() for p in parts]
st = parts[1].get_payload()
assert st[0]["Reporting-MTA"] == "dns; test.example"
assert st[0]["Arrival-Date"]
rec = [r for r in st[1:]]
assert len(rec) == 1, len(rec)
assert rec[0]["Final-Recipient"] == "rfc822; bad1@test.example"
assert rec[0]["Action"] == "failed"
assert rec[0]["Status"] == "5.1.1"
assert rec[0]["Diagnostic-Code"].startswith("x-kirim; no such user here./second line")
orig = parts[2].get_payload()[0]
assert orig["Subject"] == "test bad1@test.example", orig["Subject"]
assert "bad1@test.example" in parts[0].get_payload()
print("ok")
EOF
is "$(cat "$T/py")" ok "bounce parses as multipart/report with the right fields"

# 5. double bounce and triple bounce
id=$(queue "" bad2@test.example)
waitfor 10 grep -q "^[0-9]* postmaster@test.example <#@\[\]>\$" "$T/deliveries"
ok $? "double bounce to postmaster with sender #@[]"
id=$(queue "#@[]" bad3@test.example)
waitfor 10 inmsg "$id" "^end msg $id\$"; ok $? "failed double bounce ends"
inmsg "$id" "^triple bounce: discarding bounce/$id\$"; ok $? "triple bounce logged (qmail's words) and dropped"
# doublebounceto with an empty line: double bounces are thrown away (qmail)
printf '\n' > "$H/control/doublebounceto"; chmod 644 "$H/control/doublebounceto"
kill -HUP "$SENDPID"; waitfor 5 inlog "status: configuration reread"
n=$(grep -c "^[0-9]* postmaster@test.example " "$T/deliveries")
id=$(queue "" bad2b@test.example)
waitfor 10 inmsg "$id" "^end msg $id\$"
inmsg "$id" "^double bounce: discarding bounce/$id\$"; ok $? "doublebounceto empty: the double bounce is discarded"
is "$(grep -c "^[0-9]* postmaster@test.example " "$T/deliveries")" "$n" "and nothing goes to postmaster"
rm -f "$H/control/doublebounceto"
kill -HUP "$SENDPID"; waitfor 5 eval '[ "$(grep -c "status: configuration reread" "$LOG")" -ge 2 ]'
# info/ unreadable when the message ends: the bounce waits, it is not dropped
if isroot; then
    rm -f "$T/release"
    id=$(queue real9@test.example bad9@test.example hold9@test.example)
    waitfor 10 inmsg "$id" "^delivery [0-9]*: failure: "
    chmod 000 "$(qfile info "$id")"
    touch "$T/release"
    waitfor 10 inmsg "$id" "warning: unable to read info of msg $id, will retry"
    ok $? "info unreadable at the end: a warning, the message kept"
    inmsg "$id" "bounce/$id" && r=1 || r=0
    ok $r "and its bounce is not discarded"
    chmod 600 "$(qfile info "$id")"
    kill -ALRM "$SENDPID"
    waitfor 10 eval 'grep -q "^[0-9]* real9@test.example <>\$" "$T/deliveries"'
    ok $? "once readable again (SIGALRM), the bounce goes to the sender"
    rm -f "$T/release"
else
    skip "needs root (mail-send as kirims)" "info unreadable: kept"
    skip "needs root (mail-send as kirims)" "info unreadable: bounce kept"
    skip "needs root (mail-send as kirims)" "info unreadable: bounce sent later"
fi

# 6. SIGHUP rereads the control files
echo 3 > "$H/control/concurrencylocal"
kill -HUP "$SENDPID"
waitfor 5 inlog "status: configuration reread"; ok $? "SIGHUP rereads control files"
waitfor 5 grep -q '^status: local 0/3 remote 0/0$' "$LOG"; ok $? "new concurrency in effect"
# an unreadable control file: the old configuration stays, and the log says which
echo 5 > "$H/control/concurrencylocal"
chmod 000 "$H/control/concurrencylocal"
kill -HUP "$SENDPID"
waitfor 5 inlog "unable to read control/concurrencylocal"; ok $? "unreadable control file named in the log"
waitfor 5 inlog "warning: control files unreadable, keeping the old configuration"
ok $? "and the old configuration kept"
mark=$(wc -l < "$LOG")
since() { tail -n "+$((mark + 1))" "$LOG" | grep -q -- "$1"; }   # ids are inodes: reused
id=$(queue s6@test.example ok6@test.example)
waitfor 10 since "end msg $id"; ok $? "mail still flows"
grep -q '^status: local 0/5 ' "$LOG" && r=1 || r=0
ok $r "with the old concurrency"
chmod 644 "$H/control/concurrencylocal"

# 7. SIGTERM: exits 0
stop_send TERM
is "$RC" 0 "SIGTERM: mail-send exits 0"
# an unreadable control file at start-up: no start, exit 111, the file named
chmod 000 "$H/control/locals"
$AS_S "$H/bin/mail-send" 3>/dev/null 4</dev/null 5>&- 6>&- 7>/dev/null 8</dev/null > "$T/unread" 2>&1
is "$?" 111 "unreadable control/locals at start-up: exit 111"
grep -q "unable to read control/locals" "$T/unread"; ok $? "and the file is named: $(head -1 "$T/unread")"
chmod 644 "$H/control/locals"

# 7b. start-up after a crash. A finished message's mess file is its own
# when it was written no later than its todo entry (the birth in info): it
# is removed. When the removal of mess/ reached the disk but that of info/
# did not, the inode (the id) may already hold a new message that
# mail-queue has not linked into todo yet: it is left alone, and the old
# message's bounce goes without the original.
stale() {  # stale ID BIRTH-OFFSET: info and all-done local file of an old message
    local b=$(( $(stat -c %Y "$(qfile mess "$1")") + $2 ))
    printf 'T%s\0Fold@test.example\0' "$b" > "$(qfile info "$1")"
    printf 'Dgone@test.example\0' > "$(qfile local "$1")"
    chmod 600 "$(qfile info "$1")" "$(qfile local "$1")"
    isroot && chown kirims "$(qfile info "$1")" "$(qfile local "$1")"
}
stalebounce() {  # stalebounce ID: the old message's failed recipient
    printf 'badold@test.example\0no such user (#5.1.1)\0' > "$H/queue/bounce/$1"
    chmod 600 "$H/queue/bounce/$1"
    isroot && chown kirims "$H/queue/bounce/$1"
}
own=$(queue s7@test.example okown@test.example)
rm -f "$(qfile todo "$own")" "$(qfile intd "$own")"
stale "$own" 1
new=$(queue s7@test.example okreuse@test.example)
rm -f "$(qfile todo "$new")"       # mail-queue between steps 3 and 4
stale "$new" -600
stalebounce "$new"
mark=$(wc -l < "$LOG")          # ids are inodes: earlier lines may name them
start_send
waitfor 10 since "^end msg $own\$"; ok $? "start-up: a finished message is ended"
# (the bounce queued next may get the freed inode, so look at the text)
! grep -q "body of okown@test.example" "$(qfile mess "$own")" 2>/dev/null
ok $? "its own mess file is removed"
waitfor 10 since "^end msg $new\$"
since "warning: msg $new: mess/ holds a newer message (its id was reused after a crash), left alone"
ok $? "a newer mess file under a finished message's id is noticed"
test -e "$(qfile mess "$new")" && test -e "$(qfile intd "$new")"
ok $? "the newer message's mess and intd are left alone"
test ! -e "$(qfile info "$new")" && test ! -e "$(qfile local "$new")" && test ! -e "$H/queue/bounce/$new"
ok $? "the old message's info, local and bounce files are removed"
waitfor 10 eval 'grep -q "^[0-9]* old@test.example <>\$" "$T/deliveries"'
ok $? "the old message's bounce is sent"
b=$(sed -n 's/^\([0-9]*\) old@test.example <>$/\1/p' "$T/deliveries" | tail -1)
! grep -q "body of okreuse" "$T/got/$b-old@test.example" 2>/dev/null && test -s "$T/got/$b-old@test.example"
ok $? "without the newer message in it"
ln "$(qfile intd "$new")" "$(qfile todo "$new")"    # mail-queue goes on
kill -ALRM "$SENDPID"
waitfor 10 eval 'grep -q "^$new okreuse@test.example " "$T/deliveries"'
ok $? "the newer message is then delivered"
grep -q "body of okreuse" "$T/got/$new-okreuse@test.example"; ok $? "with its own text"
stop_send TERM

# 7c. mail-clean removes the todo entry but not the intd one (its
# directory made immutable) and answers "-": the todo entry is gone, so
# no scan would bring the message back; it is scheduled all the same
rm -f "$T/release"       # hold7c waits for it: the intd entry is removable again first
id=$(queue s7c@test.example hold7c@test.example)
idir=$H/queue/intd/$((id % 23))
if isroot && chattr +i "$idir" 2>/dev/null; then
    mark=$(wc -l < "$LOG")
    start_send
    waitfor 10 since "warning: mail-clean could not remove files of msg $id"
    ok $? "mail-clean could not remove the intd entry: logged"
    chattr -i "$idir"
    touch "$T/release"
    waitfor 10 eval 'grep -q "^$id hold7c@test.example " "$T/deliveries"'
    ok $? "the message is delivered anyway, without a restart"
    waitfor 10 since "^end msg $id\$"
    test ! -e "$(qfile intd "$id")"; ok $? "and the intd leftover goes at its end"
    stop_send TERM
else
    chattr -i "$idir" 2>/dev/null
    skip "needs root and chattr" "mail-clean answered -: logged"
    skip "needs root and chattr" "mail-clean answered -: delivered"
    skip "needs root and chattr" "mail-clean answered -: intd removed"
    touch "$T/release"
    start_send; waitfor 10 eval 'grep -q "^[0-9]* hold7c@test.example " "$T/deliveries"'; stop_send TERM
fi

# 7d. a message whose mess file is gone (removed by hand): its bounce goes
# without the original instead of being retried for ever
id=$(queue s7d@test.example bad7d@test.example)
rm -f "$(qfile mess "$id")"
mark=$(wc -l < "$LOG")
start_send
waitfor 10 since "warning: mess/ of msg $id is missing: its bounce goes without the original"
ok $? "a missing mess file: logged"
waitfor 10 eval 'grep -q "^[0-9]* s7d@test.example <>\$" "$T/deliveries"'
ok $? "and the bounce is sent"
waitfor 10 since "^end msg $id\$"; ok $? "and the message ends"

# 7e. a message that holds the bounce's MIME boundary (id, time and
# mail-send's pid are guessable): the boundary changes, the report keeps
# its three parts
rm -f "$T/release"
id=$(queue s7e@test.example bad7e@test.example hold7e@test.example)
waitfor 10 inmsg "$id" "^delivery [0-9]*: failure: "
now=$(date +%s)
for t in $(seq "$((now - 2))" "$((now + 30))"); do
    printf -- '--kirim-%s-%s-%s\nContent-Type: text/plain\n\nFAKE PART\n' "$id" "$t" "$SENDPID"
done >> "$(qfile mess "$id")"
touch "$T/release"
waitfor 10 eval 'grep -q "^[0-9]* s7e@test.example <>\$" "$T/deliveries"'
b=$(sed -n 's/^\([0-9]*\) s7e@test.example <>$/\1/p' "$T/deliveries" | tail -1)
python3 - "$T/got/$b-s7e@test.example" > "$T/py" 2>&1 <<'EOF'
import sys, email
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print([p.get_content_type() for p in m.get_payload()])
EOF
is "$(cat "$T/py")" "['text/plain', 'message/delivery-status', 'message/rfc822']" \
    "the returned message cannot add MIME parts to the bounce"
stop_send TERM

# 8. kill -9 at random moments: every recipient delivered, at least once
export FAKE_DELAY=0.05
N=${SEND_ROUNDS:-12}
: > "$T/want"
for r in $(seq 1 "$N"); do
    start_send
    for i in 1 2 3; do
        queue "s@test.example" "k$r-$i-a@test.example" "k$r-$i-b@test.example" "tmpk$r-$i@test.example" >/dev/null
        printf 'k%s-%s-a@test.example\nk%s-%s-b@test.example\ntmpk%s-%s@test.example\n' $r $i $r $i $r $i >> "$T/want"
    done
    sleep "0.$((RANDOM % 6))"
    kill -ALRM "$SENDPID" 2>/dev/null
    sleep "0.$((RANDOM % 4))"
    stop_send 9
done
start_send
pending() { kill -ALRM "$SENDPID"; [ "$(find "$H/queue/info" -type f | wc -l)" = 1 ] && [ "$(qcount todo)" = 0 ]; }
waitfor 30 pending; ok $? "after kills and a restart the queue drains (only the remote one left)"
kill -ALRM "$SENDPID"; sleep 0.5
lost=0 dup=0
while read -r a; do
    c=$(grep -c " $a " "$T/deliveries")
    [ "$c" = 0 ] && lost=$((lost + 1))
    [ "$c" -gt 1 ] && dup=$((dup + 1))
done < "$T/want"
is "$lost" 0 "no recipient lost across $N kill -9 rounds"
diag "$(wc -l < "$T/want") recipients, $dup delivered twice"
is "$(qcount mess)" 1 "only the remote message is left in mess/"
test -e "$(qfile remote "$remoteid")"; ok $? "the remote message survived every restart"

# 9. log lines all follow the documented formats
bad=$(grep -v -E '^(new msg [0-9]+|info msg [0-9]+: bytes [0-9]+ from <[^>]*> qp [0-9]+ uid [0-9]+|starting delivery [0-9]+: msg [0-9]+ to (local|remote) .*|delivery [0-9]+: (success|deferral|failure): .*|end msg [0-9]+|bounce msg [0-9]+ qp [0-9]+|(double|triple) bounce: discarding bounce/[0-9]+|status: .*|warning: .*|alert: .*)$' "$LOG" | head -5)
is "$bad" "" "every log line has a documented form"
stop_send TERM
[ -n "$KEEPLOG" ] && cp "$LOG" "$T/deliveries" "$T/fake.err" "$T/clean.err" "$KEEPLOG"/
done_testing

