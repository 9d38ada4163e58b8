#!/bin/sh
# 35-tools.t: maildirmake, mail-qstat, mail-qread and mail-showctl
. "$(dirname "$0")/lib.sh"
kirim_instance
B=$H/bin
nul() { printf 'F%s\0' "$1"; shift; for r in "$@"; do printf 'T%s\0' "$r"; done; printf '\0'; }

# maildirmake
"$B/maildirmake" "$T/md"
is "$?" 0 "maildirmake: exit 0"
for d in "" /tmp /new /cur; do
    is "$(stat -c %F:%a "$T/md$d" 2>&1)" "directory:700" "maildirmake: md$d is a directory, mode 700"
done
"$B/maildirmake" "$T/md" 2> "$T/err"
is "$?" 100 "maildirmake: an existing directory: exit 100"
grep -q "maildirmake: fatal: $T/md already exists" "$T/err"; ok $? "maildirmake: says it exists"
"$B/maildirmake" "$T/none/md" 2> "$T/err"
is "$?" 111 "maildirmake: missing parent: exit 111"
"$B/maildirmake" 2> /dev/null
is "$?" 100 "maildirmake: no argument: exit 100"
(umask 0; "$B/maildirmake" "$T/md2")
is "$(stat -c %a "$T/md2/new")" 700 "maildirmake: mode 700 whatever the umask"
if isroot; then
    mkdir "$T/ro"; chmod 755 "$T/ro"
    mkdir "$T/ro/md"; chmod 555 "$T/ro/md"
    rmdir "$T/ro/md"
    mkdir "$T/nob"; chown nobody "$T/nob"
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/maildirmake" "$T/nob/Maildir"
    is "$(stat -c %U:%a "$T/nob/Maildir/cur" 2>&1)" nobody:700 "maildirmake as a user: owned by that user"
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/maildirmake" "$T/ro/Maildir" 2>/dev/null
    is "$?" 111 "maildirmake: no permission: exit 111"
else
    skip "not root" "maildirmake as another user"; skip "not root" "maildirmake without permission"
fi

# mail-qstat and mail-qread on an empty queue
is "$("$B/mail-qstat")" "$(printf 'messages in queue: 0\nmessages in queue but not yet preprocessed: 0')" \
    "mail-qstat: empty queue"
is "$("$B/mail-qread")" "" "mail-qread: empty queue lists nothing"

# two messages through mail-queue
printf 'Subject: one\n\nbody\n' > "$T/m1"
printf 'Subject: two\n\nlonger body\n' > "$T/m2"
nul a@example.org b@example.org c@example.net > "$T/e1"
nul '' d@example.org > "$T/e2"
"$B/mail-queue" < "$T/m1" 1< "$T/e1" && "$B/mail-queue" < "$T/m2" 1< "$T/e2"
ok $? "two messages queued"
is "$("$B/mail-qstat")" "$(printf 'messages in queue: 2\nmessages in queue but not yet preprocessed: 2')" \
    "mail-qstat: two messages, both in todo"
out=$("$B/mail-qread"); r=$?
is "$r" 0 "mail-qread: exit 0"
for f in $(find "$H/queue/mess" -type f); do
    id=${f##*/}
    size=$(wc -c < "$f" | tr -d ' ')
    echo "$out" | grep -q "^[A-Z][a-z][a-z], [0-9]* [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]* +0000  #$id  $size bytes  from <"
    ok $? "mail-qread: header line of $id with date, id and size"
done
echo "$out" | grep -q "from <a@example.org>$"; ok $? "mail-qread: sender"
echo "$out" | grep -q "from <>$"; ok $? "mail-qread: null sender as <>"
is "$(echo "$out" | grep -c '^  not yet preprocessed  ')" 3 "mail-qread: three recipients not yet preprocessed"
echo "$out" | grep -q '^  not yet preprocessed  c@example.net$'; ok $? "mail-qread: a recipient from the envelope"

# a local user's envelope with control bytes: printed as '?', no forged line
nul "$(printf 'ev\033]0;x\007\nfake line  #1  99 bytes  from <ceo@bank')" e@example.org > "$T/e3"
"$B/mail-queue" < "$T/m1" 1< "$T/e3"
out3=$("$B/mail-qread")
echo "$out3" | grep -q '^fake line' && r=1 || r=0
ok $r "mail-qread: a newline in an address cannot start a line of its own"
echo "$out3" | grep -qF 'from <ev?]0;x??fake line  #1  99 bytes  from <ceo@bank>'; ok $? "mail-qread: control bytes shown as ?"
f3=$(grep -l . $(find "$H/queue/todo" -type f) | xargs grep -l 'ceo@bank')
rm -f "$f3" "$H/queue/intd/${f3#"$H/queue/todo/"}" "$H/queue/mess/${f3#"$H/queue/todo/"}"

# mail-send's work, done by hand for the first message: info, local, remote
f1=$(grep -l 'Subject: one' $(find "$H/queue/mess" -type f))
id1=${f1##*/}; s1=$((id1 % $(head -1 "$T/build/conf-split")))
printf 'T1000000000\0Fa@example.org\0' > "$H/queue/info/$s1/$id1"
printf 'Tb@example.org\0Dx@example.org\0' > "$H/queue/local/$s1/$id1"
printf 'Dc@example.net\0' > "$H/queue/remote/$s1/$id1"
rm "$H/queue/todo/$s1/$id1" "$H/queue/intd/$s1/$id1"
if isroot; then
    chown kirims "$H/queue/info/$s1/$id1" "$H/queue/local/$s1/$id1" "$H/queue/remote/$s1/$id1"
    chmod 600 "$H/queue/info/$s1/$id1" "$H/queue/local/$s1/$id1" "$H/queue/remote/$s1/$id1"
fi
is "$("$B/mail-qstat")" "$(printf 'messages in queue: 2\nmessages in queue but not yet preprocessed: 1')" \
    "mail-qstat: one message preprocessed"
out=$("$B/mail-qread")
echo "$out" | grep -q "^Sun, 9 Sep 2001 01:46:40 +0000  #$id1  "; ok $? "mail-qread: date from info"
echo "$out" | grep -q '^  local  to do  b@example.org$'; ok $? "mail-qread: a local recipient to do"
echo "$out" | grep -q '^  local  done   x@example.org$'; ok $? "mail-qread: a local recipient done"
echo "$out" | grep -q '^  remote done   c@example.net$'; ok $? "mail-qread: a remote recipient done"
is "$(echo "$out" | grep -c 'not yet preprocessed')" 1 "mail-qread: the other message still from its envelope"
# a message file alone (being queued or removed)
rm "$H/queue/info/$s1/$id1"
"$B/mail-qread" | grep -q "^  (no envelope: being queued, or being removed)$"
ok $? "mail-qread: a message without envelope is flagged"

if isroot; then
    for p in mail-qstat mail-qread; do
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/$p" > /dev/null 2> "$T/err"
        is "$?" 111 "$p as nobody: exit 111"
        grep -q "^$p: fatal: unable to chdir to $H/queue: " "$T/err"; ok $? "$p as nobody: says why"
    done
    printf 'T1000000000\0Fa@example.org\0' > "$H/queue/info/$s1/$id1"
    chown kirims "$H/queue/info/$s1/$id1"; chmod 600 "$H/queue/info/$s1/$id1"
    setpriv --reuid=kirimq --regid=kirim --clear-groups "$B/mail-qstat" > /dev/null
    is "$?" 0 "mail-qstat works as kirimq"
    setpriv --reuid=kirimq --regid=kirim --clear-groups "$B/mail-qread" > "$T/out" 2> "$T/err"
    is "$?" 111 "mail-qread as kirimq: info is kirims': exit 111"
    grep -q "unable to read queue/info/$s1/$id1: Permission denied" "$T/err"; ok $? "mail-qread as kirimq: names the file"
    grep -q "not yet preprocessed" "$T/out"; ok $? "mail-qread as kirimq: still lists the rest"
else
    for i in 1 2 3 4 5 6 7 8; do skip "not root" "queue tools as other users $i"; done
fi

# mail-showctl
C=$H/control
rm -f "$C"/*
printf 'mx.example.org\n' > "$C/me"
printf 'a.example\n# comment\n\nb.example\n' > "$C/locals"
printf '600\n' > "$C/timeoutsmtpd"
printf 'soon\n' > "$C/timeoutremote"
printf 'x\n' > "$C/morercpthosts.cdb"
printf 'x\n' > "$C/tlsdestinatoins"
if isroot; then mkdir "$C/badmailfrom"; else printf 'x@y\n' > "$C/badmailfrom"; chmod 000 "$C/badmailfrom"; fi
out=$("$B/mail-showctl" 2> "$T/err"); r=$?
is "$r" 111 "mail-showctl: exit 111 with an unreadable file"
echo "$out" | grep -qx "conf-home: $H"; ok $? "mail-showctl: conf-home"
echo "$out" | grep -qx "conf-split: $(head -1 "$T/build/conf-split")"; ok $? "mail-showctl: conf-split"
echo "$out" | grep -q "^conf-users: "; ok $? "mail-showctl: conf-users"
line() { echo "$out" | grep "^$1: "; }
is "$(line me)" "me: from control/me: mx.example.org" "mail-showctl: a set file"
is "$(line defaulthost)" "defaulthost: default: mx.example.org, the value of me (control/defaulthost missing)" \
    "mail-showctl: a default from me"
is "$(line databytes)" "databytes: default: 36700160, 35 MiB; 0 in the file means no limit (control/databytes missing)" "mail-showctl: a missing number"
is "$(line timeoutsmtpd)" "timeoutsmtpd: from control/timeoutsmtpd: 600" "mail-showctl: a set number"
is "$(line timeoutremote)" "timeoutremote: from control/timeoutremote: BAD: not a number" "mail-showctl: a bad number"
is "$(line timeoutprogram)" "timeoutprogram: default: 1000, seconds a .qmail program may run; 0: no limit (control/timeoutprogram missing)" \
    "mail-showctl: timeoutprogram default"
is "$(line bouncefrom)" "bouncefrom: default: MAILER-DAEMON (control/bouncefrom missing)" "mail-showctl: a fixed default"
is "$(line queuelifetime)" "queuelifetime: default: 604800, seconds, one week (control/queuelifetime missing)" \
    "mail-showctl: queuelifetime default"
is "$(line defaultdelivery)" "defaultdelivery: default: ./Maildir/ (control/defaultdelivery missing)" \
    "mail-showctl: defaultdelivery default"
is "$(echo "$out" | sed -n '/^locals: /,/^rcpthosts: /p')" "$(printf 'locals: from control/locals: 2 entries\n  a.example\n  b.example\nrcpthosts: default: empty, no domain is accepted for relay (control/rcpthosts missing)')" \
    "mail-showctl: a list, and a missing list"
case $(line badmailfrom) in
"badmailfrom: UNREADABLE: "?*) r=0 ;; *) r=1 ;; esac
ok $r "mail-showctl: an unreadable file is UNREADABLE, not a default"
is "$(line morercpthosts.cdb)" "morercpthosts.cdb: from control/morercpthosts.cdb: 2 bytes" "mail-showctl: a cdb file"
is "$(line tlsdestinatoins)" "tlsdestinatoins: unknown to kirim" "mail-showctl: an unknown file"
n=$(echo "$out" | grep -c '^[a-z.-]*: ')
is "$n" 42 "mail-showctl: 5 conf lines, 36 control files, 1 unknown"
if isroot; then rmdir "$C/badmailfrom"; else rm -f "$C/badmailfrom"; fi
rm "$C/timeoutremote" "$C/tlsdestinatoins"
"$B/mail-showctl" > /dev/null
is "$?" 0 "mail-showctl: exit 0 when all is readable"
rm "$C/me"
is "$("$B/mail-showctl" | grep '^me: ')" "me: default: $(hostname), the host name (control/me missing)" \
    "mail-showctl: me missing: the host name"
if isroot; then
    chmod 700 "$C"
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/mail-showctl" > "$T/out" 2>&1
    is "$?" 111 "mail-showctl: control/ unreadable: exit 111"
    grep -q "^me: UNREADABLE: Permission denied" "$T/out"; ok $? "mail-showctl: and says so"
    chmod 755 "$C"
else
    skip "not root" "control/ unreadable"; skip "not root" "control/ unreadable message"
fi
"$B/mail-showctl" extra > /dev/null 2>&1
is "$?" 100 "mail-showctl: an argument is a usage error"

done_testing
