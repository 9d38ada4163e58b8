#!/bin/bash
# 95-torture.t: crash injection of the whole system. mail-start runs under
# daemontools' supervise, mail-smtpd under tcpserver; mail is fed through
# SMTP (python smtplib) and mail-inject, to a real user's Maildir and to a
# remote SMTP peer (smtppeer.py, routed by control/smtproutes), while each
# kind of process of this instance is killed with SIGKILL in turn, at a
# random moment: mail-smtpd, mail-queue, mail-send, mail-lspawn, mail-local,
# mail-rspawn, mail-remote, mail-clean (TORTURE_KILLS times each, default
# 20; make torture runs more). Then every acknowledged message must have
# been delivered at least once, every delivered copy must be complete, and
# the queue must end empty (mess/ and intd/ may keep orphans of killed
# mail-queue runs, never acknowledged; mail-send removes them after 36
# hours). Needs root (real users, setuid mail-queue).
#
# How the kills are aimed (torture.py kill): a process is ours when
# /proc/PID/exe is this instance's bin/NAME, so other instances on the
# machine are never touched. The short-lived ones (mail-smtpd, mail-queue,
# mail-local, mail-remote) are polled for (/proc every millisecond) and
# killed a random 0-30 ms after they appear; some messages are 200 kB and
# one local address runs |sleep 0.1 first, so they live long enough. The
# members of mail-start's set (mail-send, mail-lspawn, mail-rspawn,
# mail-clean) are killed 0-1 s after the whole set is up; mail-start then
# exits 111 and supervise starts it again a second later.
. "$(dirname "$0")/lib.sh"
isroot || { echo "1..0 # SKIP needs root (real users, supervise, setuid mail-queue)"; exit 0; }
for c in supervise svc tcpserver tcprules python3; do
    command -v $c >/dev/null || { echo "1..0 # SKIP $c not installed"; exit 0; }
done
KILLS=${TORTURE_KILLS:-20}
KINDS="mail-send mail-smtpd mail-local mail-lspawn mail-queue mail-remote mail-rspawn mail-clean"
SETKINDS=mail-send,mail-lspawn,mail-rspawn,mail-clean
TP="python3 $SRC/tests/it/torture.py"
kirim_instance
LOG=$T/send.log
SV=$H/service/send
B=$H/bin
ME=test.example
printf '%s\n' $ME > "$H/control/me"
printf '%s\n' $ME > "$H/control/locals"
printf '%s\n' $ME > "$H/control/rcpthosts"
printf '5\n' > "$H/control/timeoutconnect"
printf '30\n' > "$H/control/timeoutremote"

waitfor() {  # waitfor SECONDS COMMAND...
    local n=$(( $1 * 10 )); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
freeport() {
    python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}
# what must be empty at the end; mess/ and intd/ may keep the files of a
# mail-queue killed before its todo link (never acknowledged): mail-send
# removes such a mess file after 36 hours (mail-send(8)), checked below
QDIRS="info local remote todo"
qleft() { (cd "$H/queue" && find $QDIRS -type f | wc -l | tr -d ' '); }
# orphans: files in mess/ and intd/ whose id has no todo, info or local/remote
# file; prints "orphans N owned M": M of them have such a file (must be 0)
orphans() {
    (cd "$H/queue" && find mess intd -type f) | awk -F/ '{ print $NF }' | sort -u > "$T/left"
    local n=0 m=0 id
    while read -r id; do
        n=$((n + 1))
        [ -z "$(cd "$H/queue" && find todo info local remote -type f -name "$id")" ] || m=$((m + 1))
    done < "$T/left"
    echo "orphans $n owned $m"
}
qempty() { [ "$(qleft)" = 0 ]; }

# ---- the local user: tort@ to the Maildir, slow@ through |sleep 0.1 first,
# snd@ (the sender) to another Maildir where bounces would land ----
U=kirimt95
userdel "$U" 2>/dev/null
useradd -M -d "$T/box" -s /usr/sbin/nologin "$U" || echo "Bail out! useradd $U"
stop_all() {
    svc -dx "$SV" 2>/dev/null
    for i in $(seq 1 100); do pgrep -f "^supervise $SV\$" >/dev/null || break; sleep 0.1; done
}
trap 'stop_all; cleanup; userdel kirimt95 2>/dev/null' EXIT
mkdir -p "$T/box"; chown "$U:" "$T/box"; chmod 700 "$T/box"
for m in Maildir Bounce; do
    setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups "$B/maildirmake" "$T/box/$m"
done
line() { printf '=%s:%s:%s:%s:%s:%s:%s:\n' "$1" "$U" "$(id -u "$U")" "$(id -g "$U")" "$T/box" "$2" "$3"; }
{ line tort "" ""; line slow - slow; line snd - snd; echo .; } > "$H/users/assign"
"$B/mail-newu" || echo "Bail out! mail-newu"
dotq() { printf '%b' "$2" > "$T/box/$1"; chown "$U:" "$T/box/$1"; chmod 644 "$T/box/$1"; }
dotq .qmail-slow '|sleep 0.1\n./Maildir/\n'
dotq .qmail-snd './Bounce/\n'

# ---- the remote destination: smtppeer.py stores each message it accepts ----
PIP=127.0.0.95
mkdir -p "$T/peer"
python3 "$SRC/tests/it/smtppeer.py" --ip $PIP --port 0 --portfile "$T/peer.port" --pipelining \
    --store "$T/peer" --log /dev/null 2>"$T/peer.err" &
PIDS="$PIDS $!"; disown $!
waitfor 10 test -s "$T/peer.port" || echo "Bail out! smtppeer did not start"
printf 'remote.test:[%s]:%s\n' $PIP "$(cat "$T/peer.port")" > "$H/control/smtproutes"

# ---- mail-smtpd under tcpserver; the feeding client may relay ----
SIP=127.0.0.96 CIP=127.0.0.97
printf '%s:allow,RELAYCLIENT=""\n:allow\n' $CIP > "$T/tcp.smtp"
tcprules "$T/tcp.cdb" "$T/tcp.tmp" < "$T/tcp.smtp" || echo "Bail out! tcprules"
chmod 644 "$T/tcp.cdb"
PORT=$(freeport $SIP)
tcpserver -R -H -l0 -c 50 -x "$T/tcp.cdb" -u "$(id -u kirimd)" -g "$(getent group nofiles | cut -d: -f3)" \
    $SIP "$PORT" "$B/mail-smtpd" 2>>"$T/smtpd.log" &
PIDS="$PIDS $!"; disown $!
waitfor 10 eval "(exec 3<>/dev/tcp/$SIP/$PORT) 2>/dev/null" || echo "Bail out! tcpserver did not start"

# ---- mail-start under supervise ----
supervise "$SV" > "$LOG" 2>&1 &
PIDS="$PIDS $!"; disown $!
waitfor 30 grep -q "messages in the queue at start" "$LOG"; ok $? "mail-start is up under supervise"

# ---- feed and kill ----
D=$T/feed
mkdir -p "$D"
echo none > "$D/phase"
exec 3>&2 2>/dev/null
$TP feed-smtp "$D" $SIP "$PORT" $CIP smtp tort@$ME,slow@$ME,u@remote.test &
F1=$!; PIDS="$PIDS $F1"
$TP feed-inject "$D" "$B" inj tort@$ME,slow@$ME,u@remote.test &
F2=$!; PIDS="$PIDS $F2"
exec 2>&3
t0=$(date +%s)
declare -A kills miss
for k in $KINDS; do kills[$k]=0; miss[$k]=0; done
for r in $(seq 1 "$KILLS"); do
    for k in $KINDS; do
        echo "${k#mail-}" > "$D/phase"
        case $k in
        mail-send|mail-lspawn|mail-rspawn|mail-clean) delay=1 need=$SETKINDS ;;
        *) delay=0.03 need= ;;
        esac
        if $TP kill "$B" $k 30 $delay $need > /dev/null; then
            kills[$k]=$((kills[$k] + 1))
        else
            miss[$k]=$((miss[$k] + 1))
        fi
    done
    svc -a "$SV"      # retry what the kills deferred
done
t1=$(date +%s)
touch "$D/stop"
exec 3>&2 2>/dev/null
wait $F1 $F2
exec 2>&3
echo none > "$D/phase"
s=
for k in $KINDS; do s="$s ${k#mail-}=${kills[$k]}"; done
diag "kills in $((t1 - t0)) s:$s"
bad=0
for k in $KINDS; do [ "${kills[$k]}" -ge "$KILLS" ] || { bad=1; diag "$k: only ${kills[$k]} kills (${miss[$k]} misses)"; }; done
is "$bad" 0 "each kind of process was killed $KILLS times"
diag "restarts of mail-start by supervise: $(grep -c 'messages in the queue at start' "$LOG")"

# ---- drain: SIGALRM to mail-send (through supervise) until the queue is empty ----
t2=$(date +%s)
r=1
while [ $(( $(date +%s) - t2 )) -lt 300 ]; do
    qempty && { r=0; break; }
    svc -a "$SV"; sleep 1
done
ok $r "the queue drains (SIGALRM every second, at most 300 s)"
diag "drained in $(( $(date +%s) - t2 )) s; left in the queue: $(cd "$H/queue" && for q in $QDIRS mess intd pid; do printf '%s=%s ' $q "$(find $q -type f | wc -l)"; done)"
is "$(qleft)" 0 "nothing left in queue/{info,local,remote,todo}"
o=$(orphans)
diag "left in mess/ or intd/ by killed mail-queue runs (never acknowledged): ${o% owned*}"
is "${o##* }" 0 "each of them is an orphan: no todo, info, local or remote file has its id"
svc -a "$SV"; sleep 2     # mail-clean finishes what mail-send asked of it
stop_all

$TP check "$D" "$T/box/Maildir" -- "$T/peer" > "$T/check.out"
sed 's/^/# /' "$T/check.out"
res=$(tail -1 "$T/check.out")
val() { echo "$res" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
acked=$(val acked)
ok "$([ "${acked:-0}" -ge $((KILLS * 8)) ] && echo 0 || echo 1)" "enough messages were acknowledged during the kills ($acked)"
is "$(val lost)" 0 "lost = 0: every acknowledged message was delivered at least once"
is "$(val cut)" 0 "no delivered copy is truncated (acknowledged or not)"
is "$(val strange)" 0 "nothing delivered that was never sent"
is "$(find "$T/box/Bounce/new" -type f | wc -l)" 0 "no bounce (every kill was a temporary failure)"
for k in local remote; do
    # a kill that lands after mail-$k wrote its result is not a crash of
    # the delivery: at most one deferral per kill, and most kills are one
    n=$(grep -c "deferral: .*mail-$k crashed (signal 9)" "$LOG")
    ok "$([ "$n" -le "${kills[mail-$k]}" ] && [ $((n * 4)) -ge $((kills[mail-$k] * 3)) ] && echo 0 || echo 1)" \
        "mail-$k kills reported as deferrals \"mail-$k crashed (signal 9)\": $n of ${kills[mail-$k]}"
done
diag "deferrals logged: $(grep -c ': deferral:' "$LOG"), of which crashes: $(grep -c 'crashed' "$LOG")"
done_testing
