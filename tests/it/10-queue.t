#!/bin/sh
# 10-queue.t: mail-queue stores messages durably and refuses bad input cleanly
. "$(dirname "$0")/lib.sh"
kirim_instance
Q=$H/bin/mail-queue
nul() { printf 'F%s\0' "$1"; shift; for r in "$@"; do printf 'T%s\0' "$r"; done; printf '\0'; }

printf 'Subject: hello\n\nbody line\n' > "$T/msg"
nul a@example.org b@example.org c@example.net > "$T/env"
"$Q" < "$T/msg" 1< "$T/env"
is "$?" 0 "a good message is accepted"
is "$(qcount todo)" 1 "one todo entry"
is "$(qcount mess)" 1 "one mess file"
is "$(ls "$H/queue/pid" | wc -l | tr -d ' ')" 0 "pid file removed"
m=$(find "$H/queue/mess" -type f)
id=${m##*/}
is "$m" "$H/queue/mess/$((id % 23))/$id" "mess name is split/inode"
is "$(stat -c %i "$m")" "$id" "id is the inode number"
sed -n 1p "$m" | grep -q "^Received: (kirim [0-9]* invoked by uid $(id -u)); [A-Z][a-z][a-z], [0-9]* [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]* +0000$"
ok $? "Received line names the invoking uid"
is "$(tail -n +2 "$m")" "$(cat "$T/msg")" "message stored byte for byte"
t=$(find "$H/queue/todo" -type f)
i=$(find "$H/queue/intd" -type f)
is "$(stat -c %i "$t")" "$(stat -c %i "$i")" "todo is a link to intd"
is "${t##*/}" "$id" "todo is named by the message id"
printf 'u%s\0p' "$(id -u)" > "$T/want"
head -c "$(wc -c < "$T/want")" "$t" | cmp -s - "$T/want"
ok $? "envelope starts with the uid"
tail -c "$(wc -c < "$T/env")" "$t" | cmp -s - "$T/env"
ok $? "envelope stored as given"
is "$(stat -c %a "$m")" 640 "mess file mode 640"
if isroot; then
    is "$(stat -c %U:%G "$m")" kirimq:kirim "mess owned by kirimq:kirim"
    is "$(stat -c %U:%G "$t")" kirimq:kirim "envelope owned by kirimq:kirim"
    # a user with no special rights can queue mail
    chmod 644 "$T/msg" "$T/env"
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$Q" < "$T/msg" 1< "$T/env"
    is "$?" 0 "nobody can queue through the set-id mail-queue"
    is "$(qcount todo)" 2 "nobody's message has a todo entry"
    f=$(ls -t $(find "$H/queue/mess" -type f) | head -1)
    sed -n 1p "$f" | grep -q "invoked by uid $(id -u nobody))"
    ok $? "Received line names nobody's uid"
    # the daemon user (mail-smtpd's) queues "from network": mail-queue
    # takes its uid from the owner of users/daemon.uid, not from NSS
    is "$(stat -c %U:%a "$H/users/daemon.uid")" kirimd:444 "users/daemon.uid owned by kirimd"
    setpriv --reuid=kirimd --regid=nogroup --clear-groups "$Q" < "$T/msg" 1< "$T/env"
    is "$?" 0 "kirimd can queue"
    is "$(grep -l "^Received: (kirim [0-9]* invoked from network); " $(find "$H/queue/mess" -type f) | wc -l | tr -d ' ')" 1 \
        "Received line of kirimd's message (only) says invoked from network"
else
    skip "not root" "ownership kirimq:kirim"; skip "not root" "ownership envelope"
    skip "not root" "queue as nobody"; skip "not root" "todo as nobody"
    skip "not root" "Received uid of nobody"
    skip "not root" "users/daemon.uid"; skip "not root" "queue as kirimd"
    skip "not root" "Received of kirimd"
fi

# refusals leave nothing behind
clean_state() {
    n_todo=$(qcount todo); n_mess=$(qcount mess); n_intd=$(qcount intd)
}
same_state() {
    [ "$(qcount todo)" = "$n_todo" ] && [ "$(qcount mess)" = "$n_mess" ] &&
    [ "$(qcount intd)" = "$n_intd" ] && [ -z "$(ls "$H/queue/pid")" ]
}
refuse() {    # refuse CODE NAME (stdin: message, fd 3: envelope)
    clean_state
    "$Q" 1<&3
    is "$?" "$1" "$2: exit $1"
    same_state; ok $? "$2: nothing left in the queue"
}
printf 'F\0Tx@y' > "$T/e"
refuse 54 "envelope without final NUL" < "$T/msg" 3< "$T/e"
printf 'Fa@b\0Tx@y\0' > "$T/e"
refuse 54 "envelope missing the end marker" < "$T/msg" 3< "$T/e"
nul "$(head -c 1001 /dev/zero | tr '\0' a)@example.org" x@y > "$T/e"
refuse 11 "over-long sender" < "$T/msg" 3< "$T/e"
nul a@b "$(head -c 1200 /dev/zero | tr '\0' b)@example.org" > "$T/e"
refuse 11 "over-long recipient" < "$T/msg" 3< "$T/e"
printf 'Xa@b\0\0' > "$T/e"
refuse 91 "envelope not starting with F" < "$T/msg" 3< "$T/e"
printf 'Fa@b\0Rx@y\0\0' > "$T/e"
refuse 91 "bad envelope letter" < "$T/msg" 3< "$T/e"
: > "$T/e"
refuse 54 "empty envelope" < "$T/msg" 3< "$T/e"
nul a@b x@y > "$T/e"
refuse 54 "message unreadable (a directory on fd 0)" < "$T" 3< "$T/e"
# a writer that dies before the envelope: the message looks short, the envelope is missing
printf 'Subject: cut\n\npart' > "$T/cut"
refuse 54 "writer died before the envelope" < "$T/cut" 3</dev/null

# a caller who blocks SIGALRM and stalls mail-queue until its files look
# stale (mail-clean and mail-send remove pid/ and mess/ files after 36
# hours; removed by hand here): mail-queue unblocks its signals, keeps
# its file open so that no other message can get its id, and refuses
# to link todo once its files are gone (root: mail-queue set-id, the
# caller nobody)
if isroot; then
    clean_state
    out=$(python3 - "$Q" "$H/queue" <<'PY'
import glob, os, signal, subprocess, sys, time
q, queue = sys.argv[1], sys.argv[2]
er, ew = os.pipe()
p = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", q],
                     stdin=subprocess.PIPE, stdout=er,
                     preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM}))
os.close(er)
p.stdin.write(b"Subject: stalled\n\nbody\n"); p.stdin.close()
mess = []
for _ in range(500):
    mess = [f for f in glob.glob(queue + "/mess/*/*") if b"stalled" in open(f, "rb").read()]
    if mess: break
    time.sleep(0.01)
blk = [l.split()[1] for l in open("/proc/%d/status" % p.pid) if l.startswith("SigBlk:")][0]
ino = os.stat(mess[0]).st_ino
held = any(os.stat("/proc/%d/fd/%s" % (p.pid, fd)).st_ino == ino for fd in os.listdir("/proc/%d/fd" % p.pid))
for f in glob.glob(queue + "/pid/*") + mess: os.unlink(f)
os.write(ew, b"Fa@b\0Tx@y\0\0"); os.close(ew)
print("blk=%s held=%s rc=%d" % (blk, held, p.wait()))
PY
)
    is "$out" "blk=0000000000000000 held=True rc=64" "stalled past its files' removal: signals unblocked, file held, refused (64)"
    same_state; ok $? "stalled caller: nothing left in the queue, no todo entry for a message without mess"
else
    skip "needs root" "stalled mail-queue refused"
    skip "needs root" "stalled mail-queue: nothing left"
fi

# a full disk: the queue on a tiny tmpfs (root only)
if isroot && mount -t tmpfs -o size=256k,mode=0750 tmpfs "$H/queue" 2>/dev/null; then
    MOUNTS="$H/queue"
    (cd "$T/build" && bin/kirim-install >/dev/null)
    head -c 1048576 /dev/urandom | base64 > "$T/big"
    clean_state
    "$Q" < "$T/big" 3< "$T/env" 1<&3
    is "$?" 53 "full disk: exit 53"
    same_state; ok $? "full disk: nothing left in the queue"
    "$Q" < "$T/msg" 1< "$T/env"
    is "$?" 0 "after a refusal the queue still takes mail"
    # an intd entry left by an earlier message under the inode number the
    # next message gets (tmpfs numbers its inodes in order: a probe file,
    # ten leftovers named ahead of it, and the next file is probe + 11)
    probe=$H/queue/pid/probe
    : > "$probe"
    p=$(stat -c %i "$probe")
    for j in 1 2 3 4 5 6 7 8 9 10; do
        n=$((p + 10 + j))
        printf 'uold\0pold\0Fold@example.org\0Told@example.org\0\0' > "$H/queue/intd/$((n % 23))/$n"
    done
    rm -f "$probe"
    "$Q" < "$T/msg" 1< "$T/env"
    is "$?" 0 "an intd entry left under the new message's id: queued anyway"
    n=$((p + 11))
    test -f "$H/queue/mess/$((n % 23))/$n"; ok $? "the new message has the leftover's id ($n)"
    tail -c "$(wc -c < "$T/env")" "$H/queue/todo/$((n % 23))/$n" 2>/dev/null | cmp -s - "$T/env"
    ok $? "and its own envelope in todo"
    umount "$H/queue"; MOUNTS=
else
    skip "needs root and tmpfs" "full disk: exit 53"
    skip "needs root and tmpfs" "full disk: nothing left"
    skip "needs root and tmpfs" "queue works after disk full"
    skip "needs root and tmpfs" "leftover intd entry: queued anyway"
    skip "needs root and tmpfs" "leftover intd entry: the id"
    skip "needs root and tmpfs" "leftover intd entry: its envelope"
fi

done_testing
