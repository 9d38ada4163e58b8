#!/bin/sh
# demo-smtpd.sh: part of the demo: run mail-smtpd on 127.0.0.1:2525 under
# tcpserver for the instance at HOME, send one message to RCPT with swaks,
# stop the server again (by its pid). Usage: sh scripts/demo-smtpd.sh HOME RCPT
set -e
H=$1
rcpt=$2
port=${DEMO_SMTP_PORT:-2525}
[ -n "$H" ] && [ -n "$rcpt" ] || { echo "usage: demo-smtpd.sh HOME RCPT" >&2; exit 100; }
ids=
if [ "$(id -u)" = 0 ]; then
    d=$(sed -n 2p "$H/../build/conf-users" 2>/dev/null || echo kirimd)
    ids="-u $(id -u "$d") -g $(id -g "$d")"
fi
printf '127.0.0.1:allow,RELAYCLIENT=""\n:allow\n' > "$H/../tcp.smtp"
tcprules "$H/../tcp.cdb" "$H/../tcp.tmp" < "$H/../tcp.smtp"
chmod 644 "$H/../tcp.cdb"
tcpserver -R -H -l0 -x "$H/../tcp.cdb" $ids 127.0.0.1 "$port" "$H/bin/mail-smtpd" \
    2> "$H/../smtpd.log" &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
n=50
while [ $n -gt 0 ] && ! swaks --server 127.0.0.1 --port "$port" --quit-after CONNECT \
        >/dev/null 2>&1; do
    sleep 0.1; n=$((n - 1))
done
me=$(cat "$H/control/me")
printf '\n== SMTP to mail-smtpd on 127.0.0.1:%s (swaks)\n' "$port"
swaks --server 127.0.0.1 --port "$port" --from demo@example.org \
    --to "$rcpt@$me" --helo demo-client.example \
    --header "Subject: hello by SMTP from the kirim demo" --body "It works over SMTP too."
printf '\n== mail-smtpd log\n'
cat "$H/../smtpd.log"
