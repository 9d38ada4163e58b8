#!/bin/sh
# 05-install.t: the installed tree matches the table; instcheck catches drift;
# nothing is setuid root or world-writable
. "$(dirname "$0")/lib.sh"
kirim_instance
B=$T/build

(cd "$B" && bin/kirim-instcheck) >/dev/null 2>&1
ok $? "instcheck passes on a fresh install"
is "$(find "$H" ! -type l -perm -o+w | wc -l | tr -d ' ')" 0 "nothing world-writable"
is "$(find "$H" -perm /6000 -type f | sed "s|$H/||")" "bin/mail-queue" "only mail-queue is set-id"
is "$(find "$H" -user 0 -perm -4000 | wc -l | tr -d ' ')" 0 "nothing setuid root"
is "$(stat -c %a "$H/bin/mail-queue")" 6711 "mail-queue mode 6711"
for s in mess intd todo info local remote; do
    n=$(find "$H/queue/$s" -mindepth 1 -maxdepth 1 -type d | wc -l | tr -d ' ')
    is "$n" "$(head -1 "$B/conf-split")" "queue/$s has conf-split subdirectories"
done
[ -p "$H/queue/lock/trigger" ]; ok $? "trigger is a fifo"

if isroot; then
    is "$(stat -c %U:%G "$H/bin/mail-queue")" kirimq:kirim "mail-queue owned kirimq:kirim"
    is "$(stat -c %U:%G:%a "$H/queue")" kirimq:kirim:750 "queue kirimq:kirim 750"
    is "$(stat -c %U:%a "$H/queue/info/0")" kirims:700 "info split dir kirims 700"
    is "$(stat -c %U:%G:%a "$H/queue/lock/trigger")" kirims:kirim:620 "trigger kirims:kirim 620"
    is "$(stat -c %U:%a "$H/queue/lock/tcpto")" kirimr:644 "tcpto kirimr 644"
    is "$(stat -c %U:%G "$H/alias")" alias:nofiles "alias home alias:nofiles"
    is "$(stat -c %U "$H/bin/kirim-install")" root "programs owned by root"
    for u in alias kirimd kiriml kirimp kirimq kirimr kirims; do
        sh_=$(getent passwd "$u" | cut -d: -f7)
        is "$sh_" /usr/sbin/nologin "user $u has no login shell"
    done
    pw=$(getent shadow kirimq | cut -d: -f2)
    case $pw in '!'*|'*'*) r=0 ;; *) r=1 ;; esac
    ok $r "kirimq has no password"
else
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do skip "not root" "ownership check $i"; done
fi

# make setup (root): default control files and the alias user's .qmail files
if isroot; then
    for f in me defaultdomain plusdomain locals rcpthosts; do
        [ -s "$H/control/$f" ]; ok $? "setup wrote control/$f"
    done
    grep -qx localhost "$H/control/rcpthosts"; ok $? "rcpthosts lists localhost"
    for a in postmaster root mailer-daemon; do
        is "$(stat -c %U "$H/alias/.qmail-$a" 2>/dev/null)" alias "alias/.qmail-$a exists, owned by alias"
    done
    echo custom.example > "$H/control/me"
    (cd "$B" && sh scripts/setup.sh "") >/dev/null 2>&1
    is "$(cat "$H/control/me")" custom.example "setup never overwrites a control file"
else
    for i in 1 2 3 4 5 6 7 8 9 10; do skip "not root" "setup check $i"; done
fi

# drift is caught
chmod 755 "$H/queue/pid"
out=$(cd "$B" && bin/kirim-instcheck 2>&1); r=$?
[ $r -ne 0 ]; ok $? "instcheck fails when a mode is wrong"
echo "$out" | grep -q "queue/pid: mode is 755, want 700"; ok $? "and names the path and both modes"
chmod 700 "$H/queue/pid"
if isroot; then
    chown nobody "$H/queue/todo/5"
    out=$(cd "$B" && bin/kirim-instcheck 2>&1); r=$?
    [ $r -ne 0 ]; ok $? "instcheck fails when an owner is wrong"
    echo "$out" | grep -q "queue/todo/5: uid is"; ok $? "and names the path"
    (cd "$B" && bin/kirim-install) >/dev/null 2>&1
else
    skip "not root" "owner drift"; skip "not root" "owner drift message"
fi
(cd "$B" && bin/kirim-instcheck) >/dev/null 2>&1
ok $? "instcheck passes again after repair"

# install is idempotent and keeps existing data
echo keep > "$H/queue/lock/tcpto"
(cd "$B" && bin/kirim-install) >/dev/null 2>&1
is "$(cat "$H/queue/lock/tcpto")" keep "reinstall keeps existing files"

# DESTDIR: a staged tree
(cd "$B" && make -s install DESTDIR="$T/stage") >/dev/null 2>&1
ok $? "make install DESTDIR=... works"
[ -x "$T/stage$H/bin/mail-queue" ] && [ -d "$T/stage$H/queue/todo/0" ]; ok $? "staged tree is complete"
(cd "$B" && make -s instcheck DESTDIR="$T/stage") >/dev/null 2>&1
ok $? "make instcheck DESTDIR=... passes"
done_testing
