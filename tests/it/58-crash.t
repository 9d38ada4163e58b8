#!/bin/bash
# 58-crash.t: 1,000 messages injected by parallel mail-inject runs while the
# delivery side is killed with SIGKILL again and again, restarted each time as
# a supervisor would restart mail-start. Phase a kills mail-send; phase b kills
# mail-lspawn and mail-local processes in the middle of deliveries. Every
# message mail-inject acknowledged reaches the Maildir at least once;
# duplicates are counted and reported; the queue ends empty.
# Real user (useradd) as root, a single-user instance otherwise.
. "$(dirname "$0")/lib.sh"
kirim_instance
LOG=$T/log
NMSG=${CRASH_MSGS:-1000}
NINJ=5
printf 'test.example\n' > "$H/control/me"
printf 'test.example\n' > "$H/control/locals"

waitfor() {  # waitfor SECONDS COMMAND...
    local n=$(( $1 * 10 )); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
QDIRS="mess todo intd info local remote"
qleft() { (cd "$H/queue" && find $QDIRS pid -type f | wc -l | tr -d ' '); }
qempty() { [ "$(qleft)" = 0 ]; }

if isroot; then
    U=kirimt6
    userdel "$U" 2>/dev/null
    useradd -M -d "$T/nohome" -s /usr/sbin/nologin "$U" || echo "Bail out! useradd $U"
    trap 'userdel kirimt6 2>/dev/null; cleanup' EXIT
else
    U=$(id -un)
fi
M=$T/box/Maildir
mkdir -p "$T/box"; chown "$U:" "$T/box"; chmod 700 "$T/box"
if isroot; then setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups "$H/bin/maildirmake" "$M"
else "$H/bin/maildirmake" "$M"; fi
# crash@: straight to the Maildir; slow@: a program line that takes a
# moment first, so that kills land while mail-local is at work
line() { printf '=%s:%s:%s:%s:%s:%s:%s:\n' "$1" "$U" "$(id -u "$U")" "$(id -g "$U")" "$T/box" "$2" "$3"; }
{ line crash "" ""; line slow - slow; echo .; } > "$H/users/assign"
"$H/bin/mail-newu" || echo "Bail out! mail-newu"
printf '|sleep 0.2\n./Maildir/\n' > "$T/box/.qmail-slow"
chown "$U:" "$T/box/.qmail-slow"; chmod 644 "$T/box/.qmail-slow"

START=
start() {
    "$H/bin/mail-start" >> "$LOG" 2>&1 &
    START=$!
    PIDS="$PIDS $START"
}
up() { [ -n "$(pgrep -P "$START" -x mail-send)" ]; }
# stopped STATUSVAR: wait (bounded) for mail-start to exit, store its status
stopped() {
    waitfor 60 eval '! kill -0 "$START" 2>/dev/null' || { eval "$1=timeout"; return 1; }
    wait "$START"
    eval "$1=$?"
}

# inject PHASE RCPT: NINJ injectors in the background, NMSG messages in all;
# each acknowledged X-Seq goes to $T/acked.PHASE.i
inject() {
    local i
    INJ=
    for i in $(seq 1 $NINJ); do
        (
            for j in $(seq 1 $((NMSG / NINJ))); do
                s=$1-$i-$j
                printf 'Subject: crash %s\nX-Seq: %s\n\nbody %s\n' "$s" "$s" "$s" |
                    "$H/bin/mail-inject" -f snd@test.example "$2@test.example" &&
                    echo "$s" >> "$T/acked.$1.$i"
            done
        ) &
        INJ="$INJ $!"
        PIDS="$PIDS $!"
    done
}
injecting() {
    local p
    for p in $INJ; do kill -0 "$p" 2>/dev/null && return 0; done
    return 1
}
seqs() { grep -h "^X-Seq: $1-" "$M"/new/* 2>/dev/null | sed 's/^X-Seq: //'; }
delivered() { [ "$(seqs "$1" | sort -u | wc -l)" -ge "$2" ]; }
# alarmed: SIGALRM to mail-send (retry deferred deliveries now), then test
alarmed() { pkill -ALRM -P "$START" -x mail-send 2>/dev/null; sleep 1; "$@"; }

# check PHASE: wait for the queue to drain, then count lost and duplicates
check() {
    local acked got dup lost
    cat "$T"/acked."$1".* 2>/dev/null | sort -u > "$T/acked.$1"
    acked=$(wc -l < "$T/acked.$1" | tr -d ' ')
    diag "phase $1: $acked of $NMSG injections acknowledged (exit 0)"
    ok "$([ "$acked" -ge $((NMSG * 9 / 10)) ] && echo 0 || echo 1)" "phase $1: mail-inject acknowledged nearly all messages"
    waitfor 300 alarmed delivered "$1" "$acked"; ok $? "phase $1: the acknowledged messages reach the Maildir (bounded wait)"
    waitfor 120 alarmed qempty; ok $? "phase $1: the queue drains"
    seqs "$1" | sort > "$T/got.$1"
    got=$(wc -l < "$T/got.$1" | tr -d ' ')
    lost=$(sort -u "$T/got.$1" | comm -23 "$T/acked.$1" - | wc -l | tr -d ' ')
    dup=$(uniq -d "$T/got.$1" | wc -l | tr -d ' ')
    is "$lost" 0 "phase $1: lost = 0 (every acknowledged message arrived)"
    diag "phase $1: $got files in the Maildir, $(sort -u "$T/got.$1" | wc -l | tr -d ' ') distinct, $dup messages delivered more than once ($((got - $(sort -u "$T/got.$1" | wc -l))) extra copies)"
    ok "$([ "$dup" -le $((NMSG / 10)) ] && echo 0 || echo 1)" "phase $1: duplicates are rare ($dup <= $((NMSG / 10)))"
    is "$(qleft)" 0 "phase $1: nothing left in $QDIRS pid"
}

: >> "$LOG"
start
waitfor 30 grep -q "messages in the queue at start" "$LOG"; ok $? "mail-start is up"

# ---- phase a: SIGKILL to mail-send ----
inject a crash
kills=0 bad=0 during=0
exec 3>&2 2>/dev/null     # bash reports each killed job on stderr
while [ $kills -lt 6 ]; do    # while injecting, then while delivering the rest
    sleep 0.$((RANDOM % 10 + 5))
    injecting && during=$((during + 1))
    waitfor 30 up || { bad=$((bad + 1)); diag "mail-send did not come up"; continue; }
    kill -9 "$(pgrep -P "$START" -x mail-send)"
    kills=$((kills + 1))
    stopped st
    [ "$st" = 111 ] || { bad=$((bad + 1)); diag "kill $kills: mail-start's status is $st, not 111"; }
    start
done
exec 2>&3
diag "phase a: mail-send killed $kills times, $during of them while mail-inject runs were going on"
ok "$([ $kills = 6 ] && [ $during -ge 1 ] && echo 0 || echo 1)" "mail-send was killed 6 times, during injection and delivery"
is "$bad" 0 "each time mail-start exited 111 (mail-send died) and came back"
for p in $INJ; do wait "$p"; done
check a

# ---- phase b: SIGKILL to mail-lspawn and to mail-local ----
inject b slow
kl=0 kc=0 bad=0 round=0 during=0
exec 3>&2 2>/dev/null
while [ $round -lt 8 ]; do
    sleep 0.$((RANDOM % 10 + 5))
    round=$((round + 1))
    injecting && during=$((during + 1))
    waitfor 30 up || { bad=$((bad + 1)); diag "mail-send did not come up"; continue; }
    if [ $((round % 2)) = 1 ]; then
        # mail-local processes at work (children of our mail-lspawn only:
        # other instances may run on this machine)
        ls=$(pgrep -P "$START" -x mail-lspawn)
        waitfor 10 pgrep -P "$ls" -x mail-local >/dev/null
        n=$(pgrep -P "$ls" -x mail-local | wc -l)
        pkill -9 -P "$ls" -x mail-local && kc=$((kc + n))
    else
        # mail-lspawn itself: mail-send loses its spawner, exits 111, mail-start with it
        kill -9 "$(pgrep -P "$START" -x mail-lspawn)" && kl=$((kl + 1))
        stopped st
        [ "$st" = 111 ] || { bad=$((bad + 1)); diag "mail-start's status is $st, not 111"; }
        start
    fi
done
exec 2>&3
diag "phase b: mail-lspawn killed $kl times, $kc mail-local processes killed, $during of 8 rounds while mail-inject runs were going on"
ok "$([ $kl = 4 ] && [ $kc -ge 4 ] && [ $during -ge 1 ] && echo 0 || echo 1)" "mail-lspawn and mail-local were killed during deliveries"
is "$bad" 0 "after each mail-lspawn kill mail-start exited 111 and came back"
for p in $INJ; do wait "$p"; done
grep -q "deferral: mail-local crashed (signal 9)" "$LOG"; ok $? "killed mail-local runs were deferrals (retried)"
check b

diag "left in the Maildir's tmp/ by killed mail-local runs: $(find "$M/tmp" -type f | wc -l)"
kill -TERM "$START"; stopped st; is "$st" 0 "mail-start stops on SIGTERM"
done_testing
