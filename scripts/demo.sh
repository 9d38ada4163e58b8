#!/bin/sh
# demo.sh: build a private kirim instance under ./demo, queue a message, show it.
# As an ordinary user: a single-user instance. As root: the real users of
# conf-users plus a mailbox user "kirimdemo" (nothing is delivered to root).
set -e
top=$(pwd)
D=$top/demo
H=$D/home
B=$D/build

say() { printf '\n== %s\n' "$*"; }

rm -rf "$B"
mkdir -p "$B"
tar cf - Makefile conf-* src scripts doc | (cd "$B" && tar xf -)
(cd "$B" && rm -rf bin man src/*.o src/*.d src/*.a src/auto_*.c)
printf '%s\n' "$H" > "$B/conf-home"

if [ "$(id -u)" = 0 ]; then
    say "root: using the privilege-separated users of conf-users"
    (cd "$B" && make -s >/dev/null && sh scripts/setup.sh "")
    getent passwd kirimdemo >/dev/null ||
        useradd --create-home --shell /usr/sbin/nologin kirimdemo
    if ! setpriv --reuid=kirimq --regid=kirim --clear-groups test -x "$H/queue"; then
        echo "demo: the kirim users cannot reach $H; clone kirim into a" >&2
        echo "demo: directory every user may traverse (e.g. /usr/local/src)" >&2
        exit 1
    fi
    rcpt=kirimdemo
else
    say "ordinary user: a single-user instance owned by $(id -un)"
    u=$(id -un) g=$(id -gn)
    for i in 1 2 3 4 5 6 7 8; do echo "$u"; done > "$B/conf-users"
    printf '%s\n%s\n' "$g" "$g" > "$B/conf-groups"
    (cd "$B" && make -s >/dev/null && bin/kirim-install)
    rcpt=$u
fi
[ -e "$H/control/me" ] || echo demo.kirim.test > "$H/control/me"
echo demo.kirim.test > "$H/control/defaultdomain"

say "the installed tree ($H)"
ls -l "$H"
"$H/bin/kirim-instcheck" "" && echo "instcheck: the tree matches the table"

say "queueing a message with mail-inject"
printf 'To: %s\nSubject: hello from the kirim demo\n\nIt works.\n' "$rcpt" |
    "$H/bin/mail-inject" -t
echo "mail-inject exit status: $?"

say "mail-qstat"
"$H/bin/mail-qstat"
say "mail-qread"
"$H/bin/mail-qread"
say "the message in queue/mess"
for f in $(find "$H/queue/mess" -type f); do echo "--- $f"; cat "$f"; done
say "its todo entry (envelope, NULs shown as |)"
for f in $(find "$H/queue/todo" -type f); do echo "--- $f"; tr '\0' '|' < "$f"; echo; done
say "done"
echo "Delivery (mail-send, mail-local) and SMTP on 127.0.0.1:2525 are not built yet;"
echo "the message waits in the queue. Remove the demo with: rm -rf demo"
