#!/bin/bash
# 85-account.t: mail-account as an operator uses it (root): a hosted
# domain, three mailboxes, an alias and a catch-all; mail injected to
# them (by mail-inject and SMTP) lands in the right Maildirs (owned by
# kirimv); mail-smtpd refuses unknown addresses at RCPT and lets AUTH
# with a mailbox password relay; an unknown address injected locally
# bounces; a full quota defers until it is raised and SIGALRM comes;
# POP3 with the mail-account password; ten concurrent runs leave every
# file whole; no password in logs or argv. mail-start runs under
# daemontools' supervise, which is how mail-account tells mail-send to
# reread control/virtualdomains.
. "$(dirname "$0")/lib.sh"
isroot || { echo "1..0 # SKIP needs root (mail-account creates mailboxes owned by kirimv)"; exit 0; }
for c in supervise svc tcpserver cdb; do
    command -v $c >/dev/null || { echo "1..0 # SKIP $c not installed"; exit 0; }
done
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)
kirim_instance
LOG=$T/send.log
SV=$H/service/send
printf 'test.example\n' > "$H/control/me"
printf 'test.example\n' > "$H/control/locals"
MA=$H/bin/mail-account
D=example.test
V=$H/vmail/$D

waitfor() {  # waitfor SECONDS COMMAND...
    local n=$(( $1 * 10 )); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
count() { find "$V/$1/Maildir/new" "$V/$1/Maildir/cur" -type f 2>/dev/null | wc -l | tr -d ' '; }
has() { [ "$(count "$1")" = "$2" ]; }
bounces() { find "$H/alias/Maildir/new" -type f | wc -l | tr -d ' '; }
nbounce() { [ "$(bounces)" = "$1" ]; }
inject() {  # inject TO SUBJECT
    printf 'To: %s\nSubject: %s\n\nhello %s\n' "$1" "$2" "$1" |
        "$H/bin/mail-inject" -f postmaster@test.example -t
}
stop_send() {
    svc -dx "$SV" 2>/dev/null
    for i in $(seq 1 100); do pgrep -f "^supervise $SV\$" >/dev/null || break; sleep 0.1; done
}
trap 'stop_send; cleanup' EXIT

supervise "$SV" > "$LOG" 2>&1 &
PIDS="$PIDS $!"
waitfor 30 grep -q "messages in the queue at start" "$LOG"; ok $? "mail-start is up under supervise"

# ---- bad input first: nothing changes ----
printf 'pw\n' | "$MA" user add joe@nowhere.test 2>"$T/err"; r=$?
is "$r" 100 "a mailbox in a domain not hosted: exit 100"
grep -q "not a hosted domain: nowhere.test" "$T/err"; ok $? "with a clear message"
"$MA" domain add 'bad_domain' 2>"$T/err"; is "$?" 100 "a malformed domain: exit 100"
"$MA" domain add test.example 2>"$T/err"; is "$?" 100 "a domain in control/locals is refused"
"$MA" frobnicate 2>/dev/null; is "$?" 100 "an unknown command: usage, exit 100"
[ ! -e "$H/control/virtualdomains" ]; ok $? "no virtualdomains file was written"

# ---- a domain ----
"$MA" domain add EXAMPLE.test 2>"$T/err"; ok $? "domain add $D"
grep -q "told mail-send to reread" "$T/err"; ok $? "mail-account told mail-send (supervise/control)"
waitfor 20 grep -q "status: configuration reread" "$LOG"; ok $? "mail-send reread its configuration (SIGHUP)"
is "$(cat "$H/control/virtualdomains")" "$D:kv-$D" "control/virtualdomains has the domain with prefix kv-$D"
grep -qx "$D" "$H/control/rcpthosts"; ok $? "control/rcpthosts has it"
grep -qx "+kv-$D-:kirimv:$(id -u kirimv):$(id -g kirimv):$V:-::" "$H/users/assign"
ok $? "users/assign has the prefix line"
is "$(tail -1 "$H/users/assign")" "." "users/assign still ends with a dot"
cdb -q "$H/users/cdb" "+kv-$D-" >/dev/null; ok $? "mail-newu rebuilt users/cdb"
is "$(stat -c '%U %a' "$V")" "kirimv 711" "the domain directory belongs to kirimv, mode 711"
is "$("$MA" domain list)" "$D $V" "domain list"
"$MA" domain add $D 2>/dev/null; is "$?" 100 "adding it twice is refused"

# ---- three mailboxes and an alias ----
for u in joe mary bob; do
    printf '%s secret pw\n' "$u" | "$MA" user add "$u@$D" 2>>"$T/add.err"
    ok $? "user add $u@$D"
done
is "$(stat -c '%U %a' "$V/joe/Maildir/new")" "kirimv 700" "joe's Maildir belongs to kirimv"
is "$(cat "$V/.qmail-joe")" "# mail-account: user
./joe/Maildir/" "joe's .qmail file"
cdb -q "$H/users/password.cdb" "joe@$D" | grep -q "^joe@$D:\\\$6\\\$.*:$(id -u kirimv):$(id -g kirimv):$V/joe\$"
ok $? "password.cdb: SHA-512 hash, kirimv's ids, the mailbox as home"
printf 'x\n' | "$MA" user add "joe@$D" 2>/dev/null; is "$?" 100 "a second joe is refused"
printf '\n' | "$MA" user add "empty@$D" 2>/dev/null; is "$?" 100 "an empty password is refused"
"$MA" alias add "Sales@$D" "joe@$D" "MARY@Example.Test" 2>/dev/null; ok $? "alias add sales -> joe, mary"
"$MA" alias add "x@$D" "ghost@$D" 2>"$T/err"; is "$?" 100 "an alias to a mailbox that does not exist here is refused"
is "$("$MA" alias list $D)" "sales@$D: joe@$D mary@$D" "alias list"
is "$("$MA" user list | cut -d' ' -f1,2,3 | sort | tr '\n' ' ')" \
    "bob@$D quota none joe@$D quota none mary@$D quota none " "user list"

# ---- delivery ----
inject "joe@$D" to-joe; inject "Mary@$D" to-mary; inject "bob@$D" to-bob; inject "sales@$D" to-sales
waitfor 30 has joe 2; ok $? "joe got his message and the alias's"
waitfor 30 has mary 2; ok $? "mary too (the address was typed in mixed case)"
waitfor 30 has bob 1; ok $? "bob got his"
grep -l '^Subject: to-sales$' "$V"/joe/Maildir/new/* >/dev/null; ok $? "the alias's message is in joe's Maildir"
f=$(grep -l '^Subject: to-bob$' "$V"/bob/Maildir/new/*)
is "$(stat -c %U "$f")" kirimv "the file belongs to kirimv"
grep -q "^Delivered-To: kv-$D-bob@$D\$" "$f"; ok $? "Delivered-To: the virtual-domain form"

inject "nobody@$D" unknown
waitfor 30 nbounce 1; ok $? "an unknown address in the domain bounces"
grep -q "no mailbox here by that name" "$H"/alias/Maildir/new/*; ok $? "saying there is no such mailbox (#5.1.1)"

# ---- catch-all ----
"$MA" catchall $D "bob@$D" 2>/dev/null; ok $? "catchall $D -> bob"
inject "whoever@$D" caught
waitfor 30 has bob 2; ok $? "the catch-all takes an unknown address"
is "$(bounces)" 1 "and nothing more bounced"
"$MA" catchall $D none 2>/dev/null; ok $? "catchall none"
[ ! -e "$V/.qmail-default" ]; ok $? "removes .qmail-default"

# ---- quota ----
"$MA" quota "joe@$D" 100 2>/dev/null; ok $? "quota joe 100 bytes (he holds more already)"
is "$(cat "$V/joe/Maildir/kirim-quota")" 100 "Maildir/kirim-quota"
"$MA" quota "joe@$D" 12Q 2>/dev/null; is "$?" 100 "a malformed size is refused"
inject "joe@$D" over-quota
waitfor 30 grep -q "deferral: mailbox full (#4.2.2)" "$LOG"; ok $? "a full mailbox defers: mailbox full (#4.2.2)"
is "$(count joe)" 2 "nothing delivered"
is "$(bounces)" 1 "nothing bounced"
"$MA" quota "joe@$D" 1M 2>/dev/null; ok $? "quota raised to 1M"
"$MA" user list $D | grep -q "^joe@$D quota 1048576 used [0-9]"; ok $? "user list shows it"
svc -a "$SV"
waitfor 30 has joe 3; ok $? "after SIGALRM the message is delivered"

# ---- POP3 with the mail-account password ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=pop.test -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
cat "$T/cert.pem" "$T/key.pem" > "$H/control/servercert.pem"
chown kirimd "$H/control/servercert.pem"; chmod 400 "$H/control/servercert.pem"
IP=127.0.0.6$((RANDOM % 10))
PORT=$($PY -c "import socket; s=socket.socket(); s.bind(('$IP',0)); print(s.getsockname()[1])")
tcpserver -R -H -l0 "$IP" "$PORT" "$H/bin/mail-popup" pop.test "$H/bin/mail-checkpw" \
    "$H/bin/mail-pop3d" Maildir/ 2>>"$T/pop.log" &
PIDS="$PIDS $!"
waitfor 20 $PY -c "import socket; socket.create_connection(('$IP',$PORT),2).close()"
pop() {  # pop USER PASS: the sorted subjects, or the error
    $PY - "$IP" "$PORT" "$1" "$2" <<'EOF'
import poplib, ssl, sys
host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    p = poplib.POP3(host, port, timeout=60)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    p.stls(ctx)
    p.user(user)
    p.pass_(pw)
    subj = []
    for i in range(1, p.stat()[0] + 1):
        for l in p.top(i, 0)[1]:
            if l.startswith(b"Subject: "):
                subj.append(l[9:].decode())
    p.quit()
    print(" ".join(sorted(subj)))
except Exception as e:
    print("error:", e)
EOF
}
is "$(pop "joe@$D" "joe secret pw")" "over-quota to-joe to-sales" "POP3 over STLS as joe@$D sees his three messages"
is "$(pop "Bob@$D" "bob secret pw")" "caught to-bob" "bob (typed in mixed case) sees his two"
case $(pop "mary@$D" "joe secret pw") in error:*) r=0 ;; *) r=1 ;; esac
ok $r "mary with joe's password is refused"
printf 'new mary pw\n' | "$MA" user passwd "mary@$D" 2>/dev/null; ok $? "user passwd mary"
is "$(pop "mary@$D" "new mary pw")" "to-mary to-sales" "mary logs in with the new password"

# ---- SMTP: the recipient check knows the mailboxes; AUTH with their passwords ----
SPORT=$($PY -c "import socket; s=socket.socket(); s.bind(('$IP',0)); print(s.getsockname()[1])")
tcpserver -R -H -l0 -u "$(id -u kirimd)" -g "$(getent group nofiles | cut -d: -f3)" "$IP" "$SPORT" \
    "$H/bin/mail-smtpd" "$H/bin/mail-checkpw" /bin/true 2>>"$T/smtpd.log" &
PIDS="$PIDS $!"
waitfor 20 $PY -c "import socket; socket.create_connection(('$IP',$SPORT),2).close()"
smtp() {  # [AUSER=U APASS=P] smtp data|rcpt MAIL-FROM RCPT...: RCPT codes, then DATA's
    $PY - "$IP" "$SPORT" "$@" <<'EOF'
import os, smtplib, ssl, sys
host, port = sys.argv[1], int(sys.argv[2])
words = sys.argv[3:]
try:
    s = smtplib.SMTP(host, port, local_hostname='client.test', timeout=60)
    s.ehlo()
    if os.environ.get('AUSER'):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s.starttls(context=ctx)
        s.login(os.environ['AUSER'], os.environ['APASS'])
    code, msg = s.mail(words[1])
    if code != 250:
        print('MAIL', code, msg.decode())
        sys.exit(0)
    codes = [s.rcpt(r)[0] for r in words[2:]]
    out = [str(c) for c in codes]
    if words[0] == 'data' and all(c == 250 for c in codes):
        out.append(str(s.data(b'Subject: by-smtp\r\n\r\nhello over SMTP\r\n')[0]))
    s.quit()
    print(' '.join(out))
except Exception as e:
    print('error:', e)
EOF
}
is "$(smtp data x@remote.test joe@$D Mary@$D sales@$D)" "250 250 250 250" \
    "SMTP: two mailboxes (one in mixed case) and an alias are accepted at RCPT; DATA 250"
waitfor 90 has mary 4; ok $? "mary got it twice (her address and the alias)"
waitfor 90 has joe 5; ok $? "joe got it twice (his address and the alias)"
is "$(smtp rcpt x@remote.test nobody@$D)" "550" \
    "an unknown address in the hosted domain is refused at RCPT (550)"
"$MA" catchall $D "bob@$D" 2>/dev/null
is "$(smtp data x@remote.test nobody@$D)" "250 250" "with a catch-all the same address is accepted"
waitfor 90 has bob 3; ok $? "and lands in the catch-all's Maildir"
"$MA" catchall $D none 2>/dev/null
is "$(smtp rcpt x@remote.test nobody@$D)" "550" "catch-all removed: refused again"
is "$(smtp rcpt x@remote.test someone@elsewhere.test)" "553" \
    "no relaying for a client that did not authenticate"
case $(AUSER=joe@$D APASS=wrong smtp rcpt joe@$D someone@elsewhere.test) in
    "error: (535"*) r=0 ;; *) r=1 ;; esac
ok $r "AUTH with a wrong password is refused (535)"
is "$(AUSER=joe@$D APASS="joe secret pw" smtp rcpt joe@$D someone@elsewhere.test)" "250" \
    "AUTH after STARTTLS with the mail-account password: relaying allowed (submission)"

# ---- concurrent runs ----
mkfifo "$T/fifo"
"$MA" user add "slow@$D" < "$T/fifo" 2>/dev/null &
SLOW=$!
exec 7>"$T/fifo"
sleep 0.5
ps -eo args | grep -v grep | grep -q "slow secret" && r=1 || r=0
ok $r "a run waiting for its password shows none in argv"
for i in 0 1 2 3 4 5 6 7 8 9; do
    printf 'c%s secret pw\n' $i | "$MA" user add "c$i@$D" 2>>"$T/conc.err" &
    CP="$CP $!"
done
printf 'slow secret pw\n' >&7; exec 7>&-
fails=0
for p in $SLOW $CP; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "eleven concurrent user add runs all succeed"
is "$(grep -c "@$D:" "$H/users/password")" 14 "users/password has all 14 lines"
n=0
for u in joe mary bob slow c0 c1 c2 c3 c4 c5 c6 c7 c8 c9; do
    cdb -q "$H/users/password.cdb" "$u@$D" >/dev/null && [ -f "$V/.qmail-$u" ] && n=$((n + 1))
done
is "$n" 14 "each is in password.cdb and has its .qmail file"
is "$("$MA" user list $D | wc -l | tr -d ' ')" 14 "user list shows 14 mailboxes"
for i in 0 1 2 3 4; do "$MA" alias add "team@$D" "c$i@$D" 2>/dev/null & CP2="$CP2 $!"; done
for p in $CP2; do wait "$p"; done
is "$("$MA" alias list $D | grep "^team@" | tr ' ' '\n' | grep -c "^c[0-4]@")" 5 \
    "five concurrent alias add runs: the alias has all five targets"
is "$(pop "c7@$D" "c7 secret pw")" "" "a concurrently added user logs in (empty mailbox)"

# ---- passwords stay out of the logs ----
ML=$H/users/mail-account.log
[ -s "$ML" ]; ok $? "users/mail-account.log has the changes"
grep -q "user add joe@$D" "$ML"; ok $? "one line per change, with the arguments"
is "$(stat -c '%U %a' "$ML")" "root 600" "the log is root's, mode 600"
if grep -rq "secret pw\|new mary pw" "$ML" "$LOG" "$T/pop.log" "$T/add.err" "$T/conc.err"; then r=1; else r=0; fi
ok $r "no password in any log"

# ---- removing ----
"$MA" user del "c9@$D" 2>"$T/err"; ok $? "user del"
grep -q "the mailbox stays in $V/c9" "$T/err"; ok $? "says where the Maildir stays"
cdb -q "$H/users/password.cdb" "c9@$D" >/dev/null; is "$?" 100 "the password is gone"
"$MA" alias del "sales@$D" 2>/dev/null; ok $? "alias del"
[ ! -e "$V/.qmail-sales" ]; ok $? "the alias file is gone"
"$MA" domain del $D 2>"$T/err"; ok $? "domain del"
[ ! -s "$H/control/virtualdomains" ]; ok $? "virtualdomains is empty again"
grep -qx "$D" "$H/control/rcpthosts"; is "$?" 1 "rcpthosts lost the domain"
is "$(grep -c "@$D:" "$H/users/password")" 0 "the domain's passwords are gone"
[ -d "$V/joe/Maildir" ]; ok $? "the mail stays on disk"
grep -q "told mail-send to reread" "$T/err"; ok $? "mail-send told again"

stop_send
for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PIDS=
done_testing
