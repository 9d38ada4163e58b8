#!/bin/bash
# 86-dovecot.t: IMAP for kirim's virtual mailboxes through Debian's Dovecot
# (root): a private Dovecot (own config, base_dir, log; listening on a
# loopback address, no system service) checks logins with kirim's
# mail-checkpw (passdb checkpassword, userdb prefetch) and reads the
# Maildirs mail-local wrote; Python's imaplib sees the same messages as
# poplib through mail-popup + mail-checkpw + mail-pop3d.
. "$(dirname "$0")/lib.sh"
isroot || { echo "1..0 # SKIP needs root (Dovecot and mail-checkpw switch users)"; exit 0; }
if ! command -v dovecot >/dev/null || [ ! -x /usr/lib/dovecot/imap ]; then
    # install the package without letting it start a system service
    pol=/usr/sbin/policy-rc.d
    had=no; [ -e $pol ] && had=yes
    [ $had = yes ] || { printf '#!/bin/sh\nexit 101\n' > $pol; chmod 755 $pol; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null 2>&1
    r=$?
    [ $had = yes ] || rm -f $pol
    [ $r = 0 ] || { echo "1..0 # SKIP dovecot-imapd could not be installed"; exit 0; }
fi
for c in tcpserver openssl; do
    command -v $c >/dev/null || { echo "1..0 # SKIP $c not installed"; exit 0; }
done
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)
kirim_instance
LOG=$T/send.log
printf 'test.example\n' > "$H/control/me"
printf 'test.example\n' > "$H/control/locals"
MA=$H/bin/mail-account
D=imap.test
V=$H/vmail/$D

waitfor() {  # waitfor SECONDS COMMAND...
    local n=$(( $1 * 10 )); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
count() { find "$V/$1/Maildir/new" "$V/$1/Maildir/cur" -type f | wc -l | tr -d ' '; }
has() { [ "$(count "$1")" = "$2" ]; }
freeport() { $PY -c "import socket; s=socket.socket(); s.bind(('$1',0)); print(s.getsockname()[1])"; }
up() { $PY -c "import socket; socket.create_connection(('$1',$2),2).close()" 2>/dev/null; }

"$MA" domain add $D 2>/dev/null; ok $? "mail-account domain add $D"
printf 'ann imap pw\n' | "$MA" user add "ann@$D" 2>/dev/null; ok $? "user add ann@$D"
printf 'ben imap pw\n' | "$MA" user add "ben@$D" 2>/dev/null; ok $? "user add ben@$D"

"$H/bin/mail-start" > "$LOG" 2>&1 &
PIDS="$PIDS $!"
waitfor 30 grep -q "messages in the queue at start" "$LOG"; ok $? "mail-start is up"
for s in first second third; do
    printf 'To: ann@%s\nSubject: %s\n\nbody %s\n' $D $s $s | "$H/bin/mail-inject" -f postmaster@test.example -t
done
waitfor 30 has ann 3; ok $? "three messages in ann's Maildir"

# ---- a private Dovecot ----
IP=127.0.0.6$((RANDOM % 10))
IPORT=$(freeport "$IP")
DV=$T/dv
mkdir -p "$DV/run" "$DV/state"
chmod 755 "$DV" "$DV/run"
cat > "$DV/dovecot.conf" <<EOF
# private instance for 86-dovecot.t
base_dir = $DV/run
state_dir = $DV/state
instance_name = kirim-it-$$
log_path = $DV/log
protocols = imap
listen = $IP
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = checkpassword
  args = $H/bin/mail-checkpw
}
userdb {
  driver = prefetch
}
service imap-login {
  inet_listener imap {
    address = $IP
    port = $IPORT
  }
  inet_listener imaps {
    port = 0
  }
}
# mail-checkpw reads users/password.cdb (kirimd's, mode 0400) and
# becomes kirimv: it needs root, as under mail-popup
service auth {
  user = root
  # no address-space limit for the checkpassword child (under
  # AddressSanitizer, make check-asan, it maps terabytes of shadow)
  vsz_limit = 0
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
EOF
dovecot -c "$DV/dovecot.conf" -F > "$DV/stdout" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
waitfor 30 up "$IP" "$IPORT"; ok $? "Dovecot listens on $IP:$IPORT"

imap() {  # imap USER PASS: the sorted subjects in INBOX, or the error
    $PY - "$IP" "$IPORT" "$1" "$2" <<'EOF'
import imaplib, sys, email
host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    m = imaplib.IMAP4(host, port, timeout=60)
    m.login(user, pw)
    m.select("INBOX", readonly=True)
    typ, data = m.search(None, "ALL")
    subj = []
    for n in data[0].split():
        typ, d = m.fetch(n, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        subj.append(email.message_from_bytes(d[0][1])["Subject"])
    m.logout()
    print(" ".join(sorted(subj)))
except Exception as e:
    print("error:", e)
EOF
}

# ---- POP3 through kirim ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=pop.test -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
cat "$T/cert.pem" "$T/key.pem" > "$H/control/servercert.pem"
chown kirimd "$H/control/servercert.pem"; chmod 400 "$H/control/servercert.pem"
PPORT=$(freeport "$IP")
tcpserver -R -H -l0 "$IP" "$PPORT" "$H/bin/mail-popup" pop.test "$H/bin/mail-checkpw" \
    "$H/bin/mail-pop3d" Maildir/ 2>>"$T/pop.log" &
PIDS="$PIDS $!"
waitfor 20 up "$IP" "$PPORT"
pop() {  # pop USER PASS: the sorted subjects (nothing removed), or the error
    $PY - "$IP" "$PPORT" "$1" "$2" <<'EOF'
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

POPSEES=$(pop "ann@$D" "ann imap pw")
is "$POPSEES" "first second third" "POP3 sees ann's three messages"
is "$(imap "ann@$D" "ann imap pw")" "$POPSEES" "IMAP through Dovecot sees the same messages"
is "$(imap "Ann@$D" "ann imap pw")" "$POPSEES" "the name is folded to lower case by mail-checkpw"
is "$(imap "ben@$D" "ben imap pw")" "" "ben's empty INBOX"
case $(imap "ann@$D" "ben imap pw") in error:*AUTHENTICATIONFAILED*|error:*"Authentication failed"*) r=0 ;; *) r=1 ;; esac
ok $r "a wrong password is refused by Dovecot"
case $(imap "nobody@$D" "x") in error:*AUTHENTICATIONFAILED*|error:*"Authentication failed"*) r=0 ;; *) r=1 ;; esac
ok $r "an unknown user is refused"
grep -q "imap(ann@$D)" "$DV/log"; ok $? "Dovecot logged the session as ann@$D"
is "$(find "$V/ann/Maildir" -newer "$DV/dovecot.conf" -user root | wc -l | tr -d ' ')" 0 \
    "Dovecot wrote nothing as root in the Maildir (it ran as kirimv)"

is "$(stat -c %U "$V/ann/Maildir/dovecot-uidlist" 2>&1)" kirimv "Dovecot's own files in the Maildir belong to kirimv"
# after IMAP (which may move messages to cur/ and write its index), POP3 still sees them
is "$(pop "ann@$D" "ann imap pw")" "$POPSEES" "POP3 after IMAP: the same messages"
printf 'To: ann@%s\nSubject: fourth\n\nbody\n' $D | "$H/bin/mail-inject" -f postmaster@test.example -t
waitfor 30 has ann 4; ok $? "a fourth message delivered"
is "$(imap "ann@$D" "ann imap pw")" "first fourth second third" "IMAP sees a message delivered while Dovecot runs"

if grep -rq "imap pw" "$DV/log" "$T/pop.log" "$LOG" "$H/users/mail-account.log"; then r=1; else r=0; fi
ok $r "no password in any log"

kill "$DPID"; wait "$DPID" 2>/dev/null
for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PIDS=
done_testing
