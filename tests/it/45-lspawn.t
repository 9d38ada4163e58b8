#!/bin/bash
# 45-lspawn.t: mail-lspawn with a fake mail-local: user lookup (users/cdb,
# password file via mail-getpw, alias), uid switch, result letters,
# concurrency, end of input; mail-getpw and mail-newu on their own.
. "$(dirname "$0")/lib.sh"
kirim_instance
Q=$H/bin/mail-queue
S=s@example.org

# the fake delivery program: says who ran it and how, exits by local part
cat > "$T/fake" <<'EOF'
#!/bin/sh
printf 'uid=%s\ngid=%s\ngroups=%s\npwd=%s\numask=%s\n' "$(id -u)" "$(id -g)" "$(id -G)" "$(pwd)" "$(umask)"
printf 'args=%s|%s|%s|%s|%s|%s|%s|%s\n' "$@"
printf 'argc=%s\n' "$#"
printf 'line1=%s\n' "$(head -n 1)"
case $3 in
temp*) exit 111 ;;
perm*) exit 100 ;;
stop*) exit 99 ;;
odd*) exit 3 ;;
crash*) kill -9 $$ ;;
slow*) sleep 2 ;;
nul*) printf 'a\0b\n' ;;
bg*) sleep 8 & ;;
big*) head -c 5000 /dev/zero | tr '\0' x ;;
esac
exit 0
EOF
rm -f "$H/bin/mail-local"
cp "$T/fake" "$H/bin/mail-local"
chmod 755 "$H/bin/mail-local"

printf 'Subject: lspawn\n\nbody\n' > "$T/msg"
printf 'F%s\0Tx@test.example\0\0' "$S" > "$T/env"
"$Q" < "$T/msg" 1< "$T/env" || echo "Bail out! mail-queue failed"
ID=$(find "$H/queue/mess" -type f | head -1 | sed 's|.*/||')

# ---- driving mail-lspawn over a coprocess ----
start_lspawn() {
    coproc LS { exec "$H/bin/mail-lspawn" 2>>"$T/lspawn.err"; }
    LSPID=$LS_PID
    PIDS="$PIDS $LSPID"
    exec {LSIN}>&"${LS[1]}" {LSOUT}<&"${LS[0]}"
    eval "exec ${LS[1]}>&- ${LS[0]}<&-"
}
send() {   # send SLOT RECIPIENT [ID]
    printf '%s\0%s\0%s\0%s\0' "$1" "${3:-$ID}" "$S" "$2" >&"$LSIN"
}
recv() {   # sets rslot, rletter, rtext; 1 on timeout or end
    rslot= rletter= rtext=
    IFS= read -r -d '' -t 20 rslot <&"$LSOUT" || return 1
    IFS= read -r -d '' -t 20 rtext <&"$LSOUT" || return 1
    rletter=${rtext:0:1} rtext=${rtext:1}
}
deliver() {   # deliver RECIPIENT: one request in slot 0, its result
    send 0 "$1"; recv
}
field() { printf '%s\n' "$rtext" | sed -n "s/^$1=//p"; }
stop_lspawn() {   # close its input, wait; sets lsexit
    exec {LSIN}>&-
    wait "$LSPID"; lsexit=$?
    exec {LSOUT}<&-
}
uidof() { id -u "$1"; }
gidof() { id -g "$1"; }

# ---- letters and texts, in both modes (every address here goes to alias) ----
letters() {
    deliver temp@test.example; is "$rletter" Z "exit 111: Z"
    deliver perm@test.example; is "$rletter" D "exit 100: D"
    deliver stop@test.example; is "$rletter" K "exit 99: K"
    deliver odd@test.example; is "$rletter" Z "exit 3: Z"
    case $rtext in *"mail-local exited with unexpected code 3") r=0 ;; *) r=1 ;; esac
    ok $r "unexpected exit code noted"
    deliver crash@test.example; is "$rletter$rslot" Z0 "kill -9: Z for its slot"
    case $rtext in *"mail-local crashed (signal 9)") r=0 ;; *) r=1 ;; esac
    ok $r "crash noted: $(printf %s "$rtext" | tail -1)"
    deliver nul@test.example
    case $rtext in *"a?b") r=0 ;; *) r=1 ;; esac
    ok $r "NUL in the output replaced by ?"
    deliver big@test.example
    ok $([ "${#rtext}" -le 1000 ] && echo 0 || echo 1) "text capped at 1000 bytes (${#rtext})"
    send 500 x@test.example; recv
    is "$rslot$rletter" 500Z "slot beyond conf-spawn: Z"
    send 0 x@test.example 1; recv
    is "$rletter" Z "missing message: Z"
    case $rtext in "unable to open queue/mess/1/1: "*) r=0 ;; *) r=1 ;; esac
    ok $r "missing message named: $rtext"
    t0=$(date +%s)
    deliver bg@test.example
    is "$rletter" K "a delivery leaving a background process holding its output"
    ok $([ $(( $(date +%s) - t0 )) -lt 5 ] && echo 0 || echo 1) "is reported when it exits"
    # a slow child does not hold up others
    send 0 slow@test.example; send 1 quick@test.example
    recv; is "$rslot" 1 "the quick delivery is reported first"
    recv; is "$rslot$rletter" 0K "then the slow one"
}

concurrent() {
    t0=$(date +%s)
    for i in $(seq 0 29); do
        if [ $((i % 2)) = 0 ]; then send "$i" "slow$i@test.example"; else send "$i" "c$i@test.example"; fi
    done
    got=
    for i in $(seq 0 29); do recv && got="$got $rslot:$rletter"; done
    want=$(for i in $(seq 0 29); do echo "$i:K"; done)
    is "$(printf '%s\n' $got | sort -n)" "$want" "30 concurrent requests: one K result each"
    ok $([ $(( $(date +%s) - t0 )) -lt 15 ] && echo 0 || echo 1) "slow deliveries ran at the same time"
}

eof_finishes() {
    send 3 slow-a@test.example; send 4 slow-b@test.example; send 5 slow-c@test.example
    sleep 0.3
    exec {LSIN}>&-
    got=
    for i in 1 2 3; do recv && got="$got $rslot$rletter"; done
    is "$(printf '%s\n' $got | sort)" "$(printf '3K\n4K\n5K')" "end of input: in-flight deliveries reported"
    wait "$LSPID"; is "$?" 0 "then exit 0"
    exec {LSOUT}<&-
}

if isroot; then
    AU=$(uidof alias) AG=$(gidof alias)
    for u in kirimt3 kirimt4; do
        userdel "$u" 2>/dev/null
        useradd -M -d "$T/$u" -s /usr/sbin/nologin "$u" || echo "Bail out! useradd $u"
        mkdir -p "$T/$u"; chown "$u:" "$T/$u"; chmod 700 "$T/$u"
    done
    trap 'userdel kirimt3 2>/dev/null; userdel kirimt4 2>/dev/null; cleanup' EXIT
    U3=$(uidof kirimt3) G3=$(gidof kirimt3) U4=$(uidof kirimt4) G4=$(gidof kirimt4)

    # ---- mail-getpw, as kirimp ----
    getpw() {
        setpriv --reuid=kirimp --regid=nofiles --clear-groups "$H/bin/mail-getpw" "$@" > "$T/gp"
        r=$?; tr '\0' '|' < "$T/gp"; return $r
    }
    is "$(getpw kirimt3)" "kirimt3|$U3|$G3|$T/kirimt3|||" "getpw: a user"
    is "$(getpw kirimt3-Foo-bar)" "kirimt3|$U3|$G3|$T/kirimt3|-|Foo-bar|" "getpw: longest user prefix, ext keeps case"
    is "$(getpw KirimT3-x)" "kirimt3|$U3|$G3|$T/kirimt3|-|x|" "getpw: user part is case-insensitive"
    getpw root >/dev/null; is "$?" 100 "getpw: root is never a match"
    getpw nosuchuser-x >/dev/null; is "$?" 100 "getpw: no such user: 100"
    getpw ../etc >/dev/null; is "$?" 100 "getpw: odd names not asked for"
    chown root "$T/kirimt4"
    getpw kirimt4 >/dev/null; is "$?" 100 "getpw: home not owned by the user: skipped"
    chown kirimt4 "$T/kirimt4"; mv "$T/kirimt4" "$T/kirimt4.away"
    getpw kirimt4 >/dev/null; is "$?" 100 "getpw: home missing: skipped"
    mv "$T/kirimt4.away" "$T/kirimt4"
    "$H/bin/mail-getpw" 2>/dev/null; is "$?" 100 "getpw: usage error: 100"

    start_lspawn
    # ---- the password file ----
    deliver kirimt3@test.example
    is "$rletter" K "kirimt3: K"
    is "$(field uid) $(field gid) $(field groups)" "$U3 $G3 $G3" "kirimt3: ran with its uid, gid, and only that group"
    is "$(field pwd)" "$T/kirimt3" "kirimt3: in its home"
    is "$(field umask)" 0077 "kirimt3: umask 077"
    is "$(field args)" "kirimt3|$T/kirimt3|kirimt3|||test.example|$S|./Maildir/" "kirimt3: mail-local arguments"
    is "$(field argc)" 8 "kirimt3: eight arguments"
    case $(field line1) in "Received: (kirim "*) r=0 ;; *) r=1 ;; esac
    ok $r "kirimt3: the message on stdin"
    deliver Kirimt3-Foo-bar@Test.Example
    is "$(field uid)|$(field args)" "$U3|kirimt3|$T/kirimt3|Kirimt3-Foo-bar|-|Foo-bar|Test.Example|$S|./Maildir/" \
        "user-ext: dash and ext, case kept"
    # ---- the alias user ----
    deliver nosuchuser@test.example
    is "$(field uid) $(field pwd)" "$AU $H/alias" "unknown local part: alias, in ~alias"
    is "$(field args)" "alias|$H/alias|nosuchuser|-|nosuchuser|test.example|$S|./Maildir/" \
        "unknown local part: ext is the whole local part"
    deliver root@test.example
    is "$(field uid)|$(field args)" "$AU|alias|$H/alias|root|-|root|test.example|$S|./Maildir/" "root's mail goes to alias"
    deliver Postmaster@test.example
    is "$(field args)" "alias|$H/alias|Postmaster|-|Postmaster|test.example|$S|./Maildir/" "postmaster: alias"
    deliver noat
    is "$rletter$(field args)" "Kalias|$H/alias|noat|-|noat||$S|./Maildir/" "address without @: empty domain"

    # ---- users/assign ----
    cat > "$H/users/assign" <<EOF
# test
=alpha:kirimt4:$U4:$G4:$T/kirimt4:-:beta:
=kirimt3:kirimt4:$U4:$G4:$T/kirimt4:::
+pre-:kirimt3:$U3:$G3:$T/kirimt3:-:zz-:
=rootish:root:0:0:/root:::
.
EOF
    "$H/bin/mail-newu"; is "$?" 0 "mail-newu compiles users/assign"
    cdb -q "$H/users/cdb" =alpha | tr '\0' '|' > "$T/v"
    is "$(cat "$T/v")" "kirimt4|$U4|$G4|$T/kirimt4|-|beta|" "users/cdb readable by cdb(1): =alpha"
    [ -e "$H/users/cdb.tmp" ]; ok $((!$?)) "no users/cdb.tmp left"
    deliver ALPHA@test.example
    is "$(field uid)|$(field args)" "$U4|kirimt4|$T/kirimt4|ALPHA|-|beta|test.example|$S|./Maildir/" "=exact entry"
    deliver kirimt3@test.example
    is "$(field uid)|$(field pwd)" "$U4|$T/kirimt4" "=exact entry overrides the password file"
    deliver pre-Xyz@test.example
    is "$(field uid)|$(field args)" "$U3|kirimt3|$T/kirimt3|pre-Xyz|-|zz-Xyz|test.example|$S|./Maildir/" "+prefix entry"
    deliver rootish@test.example
    is "$(field uid)|$(field args)" "$AU|alias|$H/alias|rootish|-|rootish|test.example|$S|./Maildir/" \
        "an entry with uid 0 goes to alias"
    cp "$H/users/cdb" "$T/cdb.before"
    printf '=a:b:1:1:/x:::\n=bad:line\n.\n' > "$H/users/assign"
    err=$("$H/bin/mail-newu" 2>&1); is "$?" 100 "mail-newu: syntax error exits 100"
    case $err in *"users/assign line 2: "*) r=0 ;; *) r=1 ;; esac
    ok $r "mail-newu names the line: $err"
    cmp -s "$H/users/cdb" "$T/cdb.before"; ok $? "users/cdb untouched after the error"
    [ -e "$H/users/cdb.tmp" ]; ok $((!$?)) "no users/cdb.tmp after the error"
    printf '=a:b:1:1:/x:::\n' > "$H/users/assign"
    "$H/bin/mail-newu" 2>/dev/null; is "$?" 100 "mail-newu: missing final dot exits 100"
    rm -f "$H/users/assign"
    "$H/bin/mail-newu" 2>/dev/null; is "$?" 111 "mail-newu: no users/assign exits 111"
    deliver alpha@test.example
    is "$(field uid)" "$U4" "users/cdb unchanged until mail-newu succeeds"
    rm -f "$H/users/cdb"
    deliver kirimt3@test.example
    is "$(field uid)" "$U3" "without users/cdb the password file is used"

    letters
    concurrent
    stop_lspawn
    is "$lsexit" 0 "end of input: exit 0"

    # defaultdelivery is read at start; an unreadable one stops the start
    printf '# comment\n./Mailbox\n&fwd@example.org\n' > "$H/control/defaultdelivery"
    start_lspawn
    deliver kirimt3@test.example
    is "$(field args)" "kirimt3|$T/kirimt3|kirimt3|||test.example|$S|./Mailbox" "control/defaultdelivery passed on"
    case $rtext in *"&fwd@example.org"*) r=0 ;; *) r=1 ;; esac
    ok $r "multi-line defaultdelivery kept whole"
    eof_finishes
    rm -f "$H/control/defaultdelivery"; mkdir "$H/control/defaultdelivery"
    "$H/bin/mail-lspawn" < /dev/null > /dev/null 2>&1; is "$?" 111 "unreadable defaultdelivery: exit 111"
    rmdir "$H/control/defaultdelivery"

    # a malformed request: stop reading, finish in-flight, exit 111
    start_lspawn
    send 2 slow-m@test.example
    printf 'x\0001\0a\0b\0' >&"$LSIN"
    send 3 never@test.example
    recv; is "$rslot$rletter" 2K "malformed request: the delivery in flight is reported"
    recv; is "$?" 1 "and nothing after the malformed request"
    stop_lspawn; is "$lsexit" 111 "malformed request: exit 111"
    is "$(grep -c 'malformed request' "$T/lspawn.err")" 1 "malformed request logged on fd 2"

    # not root: mail-lspawn of a multi-user instance refuses to start
    cp "$H/bin/mail-lspawn" "$T/lspawn-copy"; chmod 755 "$T/lspawn-copy"
    err=$(setpriv --reuid=kirimt3 --regid="$G3" --clear-groups "$T/lspawn-copy" 2>&1 < /dev/null)
    is "$?:$err" "111:mail-lspawn: fatal: must run as root" "a multi-user mail-lspawn refuses to run as another user"
else
    ME=$(id -un) MU=$(id -u)
    start_lspawn
    deliver nosuchuser@test.example
    is "$rletter$(field uid)" "K$MU" "single-user: no uid switch"
    is "$(field args)" "$ME|$H/alias|nosuchuser|-|nosuchuser|test.example|$S|./Maildir/" \
        "single-user: unknown local part goes to alias (the instance's account)"
    deliver root@test.example
    is "$(field args)" "$ME|$H/alias|root|-|root|test.example|$S|./Maildir/" "single-user: root's mail goes to alias"
    home=$(getent passwd "$ME" | cut -d: -f6)
    if [ -d "$home" ] && [ "$(stat -c %u "$home")" = "$MU" ]; then
        deliver "$ME-Box@test.example"
        is "$rletter$(field pwd)|$(field args)" "K$home|$ME|$home|$ME-Box|-|Box|test.example|$S|./Maildir/" \
            "single-user: the account's own mail, through mail-getpw"
    else
        skip "home of $ME missing or not owned" "single-user: own mail through mail-getpw"
    fi
    printf '=other:someone:%s:%s:/tmp:::\n=mine:%s:%s:%s:%s:-:x:\n.\n' \
        $((MU + 1)) $((MU + 1)) "$ME" "$MU" "$(id -g)" "$H/alias" > "$H/users/assign"
    "$H/bin/mail-newu"; is "$?" 0 "single-user: mail-newu"
    deliver other@test.example
    is "$rletter" D "single-user: another account's mail fails permanently"
    case $rtext in *"not the account of this single-user kirim"*) r=0 ;; *) r=1 ;; esac
    ok $r "single-user: the reason is given"
    deliver mine@test.example
    is "$rletter$(field args)" "K$ME|$H/alias|mine|-|x|test.example|$S|./Maildir/" "single-user: own users/assign entry"
    letters
    concurrent
    eof_finishes
fi

done_testing
