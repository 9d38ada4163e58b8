#!/bin/sh
# demo.sh: build a private kirim instance under ./demo, start it, queue a message,
# show it delivered into a Maildir, stop what it started.
# As an ordinary user: a single-user instance. As root: the real users of
# conf-users plus a mailbox user "kirimdemo" (nothing is delivered to root).
set -e
top=$(pwd)
D=$top/demo
H=$D/home
B=$D/build

say() { printf '\n== %s\n' "$*"; }

rm -rf "$B" "$H" "$D/mailbox"
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
{ cat "$H/control/me"; echo demo.kirim.test; } > "$H/control/locals"

say "the installed tree ($H)"
ls -l "$H"
"$H/bin/kirim-instcheck" "" && echo "instcheck: the tree matches the table"

say "a mailbox: users/assign sends demo@demo.kirim.test to $rcpt, home $D/mailbox"
M=$D/mailbox
rm -rf "$M"; mkdir -p "$M"
chmod 755 "$M"      # whatever the umask: mail-local defers for a group-writable home
if [ "$(id -u)" = 0 ]; then
    chown "$rcpt:" "$M"
    setpriv --reuid="$rcpt" --regid="$(id -g "$rcpt")" --clear-groups "$H/bin/maildirmake" "$M/Maildir"
else
    "$H/bin/maildirmake" "$M/Maildir"
fi
printf '=demo:%s:%s:%s:%s:::\n.\n' "$rcpt" "$(id -u "$rcpt")" "$(id -g "$rcpt")" "$M" > "$H/users/assign"
cat "$H/users/assign"
"$H/bin/mail-newu"

say "starting mail-start (mail-send, mail-lspawn, mail-clean); log in $D/send.log"
"$H/bin/mail-start" > "$D/send.log" 2>&1 &
start=$!
trap 'kill -TERM $start 2>/dev/null; wait $start 2>/dev/null' EXIT
n=100
while [ $n -gt 0 ] && ! grep -q "messages in the queue at start" "$D/send.log"; do sleep 0.1; n=$((n - 1)); done

say "queueing a message with mail-inject"
printf 'To: demo@demo.kirim.test\nSubject: hello from the kirim demo\n\nIt works.\n' |
    "$H/bin/mail-inject" -t
echo "mail-inject exit status: $?"

say "waiting for it in $M/Maildir/new"
n=300
while [ $n -gt 0 ] && [ -z "$(ls "$M/Maildir/new")" ]; do sleep 0.1; n=$((n - 1)); done
for f in "$M"/Maildir/new/*; do
    [ -f "$f" ] || { echo "demo: not delivered; see $D/send.log" >&2; cat "$D/send.log" >&2; exit 1; }
    ls -l "$f"; echo "---"; cat "$f"
done

say "the same by SMTP: mail-smtpd on 127.0.0.1:${DEMO_SMTP_PORT:-2525} under tcpserver"
sh "$top/scripts/demo-smtpd.sh" "$H" demo
n=300
while [ $n -gt 0 ] && [ "$(ls "$M/Maildir/new" | wc -l)" -lt 2 ]; do sleep 0.1; n=$((n - 1)); done
[ "$(ls "$M/Maildir/new" | wc -l)" -ge 2 ] || { echo "demo: the SMTP message was not delivered; see $D/send.log" >&2; exit 1; }
f=$(ls -t "$M"/Maildir/new/* | head -1)
say "delivered from SMTP: $f"
cat "$f"

say "mail-send's log"
cat "$D/send.log"
say "mail-qstat (the queue is empty again)"
n=50
while [ $n -gt 0 ] && [ -n "$(find "$H/queue/mess" -type f)" ]; do sleep 0.1; n=$((n - 1)); done
"$H/bin/mail-qstat"

say "stopping mail-start (pid $start)"
kill -TERM "$start"
wait "$start" && echo "mail-start exited 0"
trap - EXIT
say "done"
echo "Remove the demo with: rm -rf demo"
