#!/bin/bash
# 40-local.t: mail-local on its own, as a real user: every .qmail form,
# extension and default rules, program exit codes and environment, owners,
# Maildir and mbox (quoting, locking under a race, cut back on error),
# forwards into the queue, the loop guard, unsafe .qmail files.
. "$(dirname "$0")/lib.sh"
kirim_instance
S=s@example.org

if isroot; then
    U=kirimt5 U2=kirimt6
    for u in $U $U2; do
        userdel "$u" 2>/dev/null
        useradd -M -d "$T/$u" -s /usr/sbin/nologin "$u" || echo "Bail out! useradd $u"
    done
    trap 'userdel kirimt5 2>/dev/null; userdel kirimt6 2>/dev/null; cleanup' EXIT
else
    U=$(id -un) U2=$U
fi
UID1=$(id -u "$U")
HM=$T/$U
mkdir -p "$HM"; chown "$U:" "$HM" 2>/dev/null; chmod 700 "$HM"

as() {   # as COMMAND...: run as the user in its home, umask 077 (as mail-lspawn does)
    if isroot; then
        (cd "$HM" && umask 077 && setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups "$@")
    else
        (cd "$HM" && umask 077 && "$@")
    fi
}
msg() {  # the test message, with extra header lines from $1
    printf 'Received: (kirim 1 invoked by test)\n%bSubject: local %s\n\nFrom the start\n>From quoted\nbody\n' "$1" "$RANDOM" > "$T/msg"
}
# ml LOCAL DASH EXT [DEFAULTDELIVERY]: out and rc
ml() {
    out=$(as "$H/bin/mail-local" "$U" "$HM" "$1" "$2" "$3" test.example "$S" "${4:-./Maildir/}" < "$T/msg" 2>&1)
    rc=$?
}
put() {  # put FILE TEXT: a .qmail file of the user, mode 644
    printf '%b' "$2" > "$HM/$1"; chown "$U:" "$HM/$1" 2>/dev/null; chmod 644 "$HM/$1"
}
newcount() { find "$HM/$1/new" -type f 2>/dev/null | wc -l | tr -d ' '; }
clean() { rm -rf "$HM"/.qmail* "$HM"/Maildir "$HM"/M2 "$HM"/mbox* "$HM"/env "$HM"/never; as "$H/bin/maildirmake" Maildir; }

msg
clean
# ---- no .qmail: control/defaultdelivery ----
ml "$U" "" ""
is "$rc:$out" "0:did 1+0+0 (mailboxes+forwards+programs) for $U@test.example" "no .qmail: default ./Maildir/, one result line"
f=$(find "$HM/Maildir/new" -type f)
is "$(stat -c '%U %a' "$f")" "$U 600" "the Maildir file belongs to the user, mode 600"
is "$(head -2 "$f")" "$(printf 'Return-Path: <%s>\nDelivered-To: %s@test.example' "$S" "$U")" "Return-Path and Delivered-To first"
tail -n +3 "$f" | cmp -s - "$T/msg"; ok $? "then the message as it was"
case ${f##*/} in [0-9]*.M[0-9]*P[0-9]*Q1.*) r=0 ;; *) r=1 ;; esac
ok $r "Maildir name sec.MusecPpidQn.host: ${f##*/}"
is "$(find "$HM/Maildir/tmp" -type f | wc -l)" 0 "nothing left in tmp/"
ml "$U" "" "" "./mbox"
is "$rc" 0 "defaultdelivery ./mbox"
is "$(stat -c '%U %a' "$HM/mbox")" "$U 600" "the mbox is created for the user, mode 600"
put .qmail ""
ml "$U" "" ""
is "$rc$(newcount Maildir)" 02 "an empty .qmail (0 bytes) means defaultdelivery"
put .qmail "# nothing here\n"
ml "$U" "" ""
is "$rc$(newcount Maildir)" 02 "comments only: accepted, delivered nowhere"
case $out in *"no instructions, discarded"*) r=0 ;; *) r=1 ;; esac
ok $r "and the result says so"

# ---- every form in one file ----
clean
as "$H/bin/maildirmake" M2
put .qmail "# all forms\n./Maildir/\n$HM/M2/\n  ./mbox  \n$HM/mbox2\n|id -u > env\n"
ml "$U" "" ""
is "$rc:$out" "0:did 4+0+1 (mailboxes+forwards+programs) for $U@test.example" ".qmail with every local form"
is "$(newcount Maildir)$(newcount M2)" 11 "./Maildir/ and /abs/M2/ each got it"
is "$(grep -c '^Subject: local' "$HM/mbox") $(grep -c '^Subject: local' "$HM/mbox2")" "1 1" "./mbox and /abs/mbox2 each got it"
is "$(cat "$HM/env")" "$UID1" "the program ran as the user (uid $UID1)"
is "$(stat -c %U "$HM/env")" "$U" "and its files belong to the user"

# ---- extensions and defaults ----
clean
put .qmail-box "./Maildir/\n"
ml "$U-Box" - Box
is "$rc$(newcount Maildir)" 01 ".qmail-box takes user-Box (lowercased)"
ml "$U-boxx" - boxx
is "$rc" 100 "no .qmail-boxx and no default: 100"
case $out in *"Sorry, no mailbox here by that name. (#5.1.1)") r=0 ;; *) r=1 ;; esac
ok $r "the bounce text says no such mailbox: $out"
put .qmail-a:b "./Maildir/\n"
ml "$U-a.b" - a.b
is "$rc$(newcount Maildir)" 02 "'.' in the extension is ':' in the file name"
ml "$U-a/b" - a/b
is "$rc$(newcount Maildir)" 03 "'/' too: no path into another directory"
put .qmail-list-default "|echo \"D=\$DEFAULT E=\$EXT E2=\$EXT2 E3=\$EXT3 E4=\${EXT4-unset}.\" > env\n"
ml "$U-list-Foo-bar" - list-Foo-bar
is "$rc:$(cat "$HM/env")" "0:D=Foo-bar E=list-Foo-bar E2=Foo-bar E3=bar E4=." ".qmail-list-default: DEFAULT, EXT, EXT2-4 (empty, not unset, past the last dash: qmail)"
put .qmail-list-foo-default "|echo deeper \$DEFAULT > env\n"
ml "$U-list-foo-x" - list-foo-x
is "$(cat "$HM/env")" "deeper x" "the longest -default file wins"
ml "$U-list" - list
is "$rc" 100 ".qmail-list-default does not take user-list itself"
put .qmail-default "|echo catchall \$DEFAULT > env\n"
ml "$U-zzz-y" - zzz-y
is "$rc:$(cat "$HM/env")" "0:catchall zzz-y" ".qmail-default takes the rest"

# ---- the environment of a program ----
put .qmail-env "|env | grep -E '^(RECIPIENT|SENDER|NEWSENDER|USER|HOME|HOST[234]?|LOCAL|EXT|EXT2|DTLINE|RPLINE|UFLINE)=' | sort > env; cat > env.msg\n"
ml "$U-Env" - Env
want="DTLINE=Delivered-To: $U-Env@test.example
EXT2=
EXT=Env
HOME=$HM
HOST2=test
HOST3=test
HOST4=test
HOST=test.example
LOCAL=$U-Env
NEWSENDER=$S
RECIPIENT=$U-Env@test.example
RPLINE=Return-Path: <$S>
SENDER=$S
USER=$U"
is "$(grep -v '^UFLINE=' "$HM/env" | grep -v '^$')" "$want" "program environment"
grep -q "^UFLINE=From $S [A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{8\} 20[0-9][0-9]$" "$HM/env"
ok $? "UFLINE is a From_ line"
cmp -s "$HM/env.msg" "$T/msg"; ok $? "the program reads the message unchanged on stdin"

# ---- exit codes ----
clean
put .qmail "|exit 0\n./Maildir/\n"
ml "$U" "" ""; is "$rc$(newcount Maildir)" 01 "exit 0: go on"
put .qmail "|exit 99\n./never/\n&never@example.org\n"
ml "$U" "" ""; is "$rc" 0 "exit 99: success"
[ -e "$HM/never" ]; ok $((!$?)) "exit 99: the rest of the file skipped"
put .qmail "|echo no thanks; exit 100\n./Maildir/\n"
ml "$U" "" ""; is "$rc$(newcount Maildir)" 1001 "exit 100: permanent, nothing after it"
case $out in "no thanks"*"program failed permanently"*) r=0 ;; *) r=1 ;; esac
ok $r "exit 100: the program's words come first in the result: $(echo $out)"
put .qmail "|exit 111\n"
ml "$U" "" ""; is "$rc" 111 "exit 111: temporary"
put .qmail "|exit 3\n"
ml "$U" "" ""; is "$rc" 111 "another code: temporary"
put .qmail "|exit 77\n"
ml "$U" "" ""; is "$rc" 100 "exit 77 (sysexits permission): permanent"
put .qmail "|kill -9 \$\$\n"
ml "$U" "" ""; is "$rc" 111 "a killed program: temporary"

# ---- a program that hangs: killed with its children after timeoutprogram ----
clean
echo 2 > "$H/control/timeoutprogram"
put .qmail "|sleep 4321 & sleep 4322; echo not reached > env\n./Maildir/\n"
t0=$(date +%s)
ml "$U" "" ""
t1=$(date +%s)
is "$rc$(newcount Maildir)" 1110 "a hung program: temporary failure, nothing after it delivered"
case $out in *"program ran longer than 2 seconds (control/timeoutprogram): sleep 4321"*"(#4.3.0)") r=0 ;; *) r=1 ;; esac
ok $r "and says so: $out"
[ $((t1 - t0)) -lt 10 ]; ok $? "after the limit, not later ($((t1 - t0)) s)"
sleep 0.2
pgrep -f "sleep 432[12]" > /dev/null && r=1 || r=0
ok $r "the program and its background child are gone"
[ -e "$HM/env" ] && r=1 || r=0
ok $r "the rest of the program never ran"
echo 0 > "$H/control/timeoutprogram"
clean
put .qmail "|sleep 3; exit 0\n./Maildir/\n"
ml "$U" "" ""; is "$rc$(newcount Maildir)" 01 "timeoutprogram 0: no limit"
printf 'soon\n' > "$H/control/timeoutprogram"
ml "$U" "" ""; is "$rc" 111 "a timeoutprogram that is not a number: temporary"
case $out in *"timeoutprogram is not a number"*) r=0 ;; *) r=1 ;; esac
ok $r "and says so: $out"
rm -f "$H/control/timeoutprogram"

# ---- unsafe or broken .qmail files defer ----
clean
put .qmail "./Maildir/\n"; chmod 664 "$HM/.qmail"
ml "$U" "" ""
is "$rc$(newcount Maildir)" 1110 "group-writable .qmail: deferred, nothing delivered"
case $out in *"writable by group or others"*"(#4.7.0)") r=0 ;; *) r=1 ;; esac
ok $r "and said why: $out"
chmod 646 "$HM/.qmail"
ml "$U" "" ""; is "$rc" 111 "world-writable .qmail: deferred"
put .qmail "./Maildir/\n!bogus\n"
ml "$U" "" ""
is "$rc$(newcount Maildir)" 1110 "an unusable line: deferred before any delivery"
case $out in *".qmail line 2: "*) r=0 ;; *) r=1 ;; esac
ok $r "the line is named: $out"
put .qmail "./NoMaildir/\n"
ml "$U" "" ""
is "$rc" 111 "missing Maildir: temporary"
case $out in *"NoMaildir/"*"tmp/ missing"*) r=0 ;; *) r=1 ;; esac
ok $r "and said: $out"

# ---- qmail's safety rules: home, blank first line, forward-only ----
clean
put .qmail "./Maildir/\n"
chmod 770 "$HM"
ml "$U" "" ""
is "$rc$(newcount Maildir)" 1110 "a group-writable home: deferred (others could write our .qmail files)"
case $out in *"home directory is writable by group or others"*"(#4.7.0)") r=0 ;; *) r=1 ;; esac
ok $r "and said why: $out"
chmod 1700 "$HM"
ml "$U" "" ""
is "$rc$(newcount Maildir)" 1110 "a sticky home (qmail: the user is editing .qmail): deferred"
chmod 700 "$HM"
put .qmail "\n./Maildir/\n"
ml "$U" "" ""
is "$rc$(newcount Maildir)" 1110 "a blank first line in .qmail: deferred, not discarded"
case $out in *"first line of .qmail file is blank"*) r=0 ;; *) r=1 ;; esac
ok $r "and said why: $out"
put .qmail " \n"
ml "$U" "" ""; is "$rc" 111 "a .qmail of one blank line: deferred (it used to discard the mail)"
put .qmail "./Maildir/\n"; chmod 744 "$HM/.qmail"
ml "$U" "" ""
is "$rc$(newcount Maildir)" 1110 "x bit on .qmail (forward only) and a Maildir line: deferred"
case $out in *"file delivery but is forward-only"*"(#4.7.0)") r=0 ;; *) r=1 ;; esac
ok $r "and said why: $out"
put .qmail "&a@example.org\n+list\n|echo never > never\n"
ml "$U" "" ""
is "$rc" 111 "+list, then a program line: deferred"
[ -e "$HM/never" ] && r=1 || r=0
ok $r "the program did not run"
put .qmail "./Maildir/\n+other\n"
ml "$U" "" ""; is "$rc$(newcount Maildir)" 01 "a + line other than +list is ignored"
before=$(qcount todo)
put .qmail-lst "&member@example.org\n"
put .qmail-lst-owner "./Maildir/\n"
ml "$U-lst" - lst
tf=$(ls -t $(find "$H/queue/todo" -type f) | head -1)
is "$rc:$(qcount todo):$(tr '\0' '|' < "$tf" | sed 's/^.*|F/F/')" "0:$((before + 1)):F$U-lst-owner@test.example|Tmember@example.org||" \
    "with .qmail-lst-owner, forwards from .qmail-lst go out from $U-lst-owner@test.example (qmail's rule)"
put .qmail-xx-default "./Maildir/\n"
long=$(head -c 300 /dev/zero | tr '\0' a)
ml "$U-xx-$long" - "xx-$long"
is "$rc$(newcount Maildir)" 02 "an extension too long for a file name falls back to -default"
ml "$U-$long" - "$long"
is "$rc" 100 "and bounces when no -default file matches (not a temporary failure for ever)"

# ---- envelope data cannot add header lines ----
clean
put .qmail "./mbox\n./Maildir/\n"
out=$(as "$H/bin/mail-local" "$U" "$HM" "$U" "" "" test.example "$(printf 'x@y>\n\nFrom forged@evil Mon Jan  1 00:00:00 2024\nSubject: forged\r\nX: <')" ./Maildir/ < "$T/msg" 2>&1)
is "$?" 0 "a sender with newlines in it: delivered"
is "$(grep -c '^From ' "$HM/mbox")" 1 "one From_ line in the mbox (no second, forged message)"
f=$(find "$HM/Maildir/new" -type f)
is "$(sed -n 1p "$f" | tr '\r' '~')" "Return-Path: <x@y>__From forged@evil Mon Jan  1 00:00:00 2024_Subject: forged__X: <>" \
    "the Return-Path line stays one line (newline and CR written as _)"
is "$(sed -n 2p "$f")" "Delivered-To: $U@test.example" "Delivered-To comes right after it"

# ---- the loop guard ----
clean
put .qmail "./Maildir/\n"
msg "Delivered-To: someone@else.example\nDelivered-To: ${U^^}@Test.Example\n"
ml "$U" "" ""
is "$rc$(newcount Maildir)" 1000 "our Delivered-To line already there: permanent, nothing delivered"
case $out in *"looping"*"(#5.4.6)") r=0 ;; *) r=1 ;; esac
ok $r "loop text: $out"
msg "Delivered-To: someone@else.example\n"
ml "$U" "" ""; is "$rc$(newcount Maildir)" 01 "another address's Delivered-To: delivered"

# ---- mbox: From_ line, quoting ----
clean
printf 'Received: x\nSubject: q\n\nFrom a\n>From b\n>>From c\nFromage\n From d\nFrom' > "$T/msg"
put .qmail "./mbox\n"
ml "$U" "" ""
want=">From a
>>From b
>>>From c
Fromage
 From d
From
"
is "$(tail -n 7 "$HM/mbox"; echo x)" "$want
x" "mboxrd quoting, a newline added at the end (a bare From is no From_ line), then a blank line"
head -1 "$HM/mbox" | grep -q "^From $S [A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{8\} 20[0-9][0-9]$"
ok $? "From_ line: $(head -1 "$HM/mbox")"
python3 - "$HM/mbox" <<'PY'
import mailbox, sys
m = list(mailbox.mbox(sys.argv[1]))
sys.exit(0 if len(m) == 1 and m[0]['Delivered-To'] and m[0]['Subject'] == 'q' else 1)
PY
ok $? "Python's mailbox module reads one message"

# ---- mbox: two deliveries racing, 2 x 15 ----
clean
put .qmail "./mbox\n"
for w in a b; do
    (for i in $(seq 1 15); do
        printf 'Subject: race %s%s\n\n%s\n' "$w" "$i" "$(head -c 30000 /dev/zero | tr '\0' "$w")" > "$T/msg.$w$i"
        as "$H/bin/mail-local" "$U" "$HM" "$U" "" "" test.example "$S" ./Maildir/ < "$T/msg.$w$i" > /dev/null || echo fail
     done > "$T/race.$w") &
    eval "RP$w=\$!"
done
wait $RPa $RPb
is "$(cat "$T/race.a" "$T/race.b")" "" "30 racing deliveries all succeed"
[ "$(python3 - "$HM/mbox" <<'PY'
import mailbox, sys
n = 0
for m in mailbox.mbox(sys.argv[1]):
    w = m['Subject'][5]
    if m.get_payload().rstrip("\n") == w * 30000: n += 1
print(n)
PY
)" = 30 ]; ok $? "the mbox holds 30 whole messages, none interleaved"
[ -e "$HM/mbox.lock" ]; ok $((!$?)) "no dot-lock left behind"

# ---- mbox: cut back on error (file size limit) ----
cp "$HM/mbox" "$T/mbox.before"
head -c 200000 /dev/zero | tr '\0' y > "$T/msg"
s0=$(stat -c %s "$HM/mbox")
lim=$(( (s0 + 50000) / 1024 ))
out=$(cd "$HM" && trap '' XFSZ && ulimit -f "$lim" && as "$H/bin/mail-local" "$U" "$HM" "$U" "" "" test.example "$S" ./Maildir/ < "$T/msg" 2>&1)
rc=$?
is "$rc" 111 "a write error (file too large) in an mbox: temporary"
cmp -s "$HM/mbox" "$T/mbox.before"; ok $? "and the mbox is cut back to what it was"

# ---- forwards go back through the queue ----
msg
clean
before=$(qcount todo)
put .qmail "./Maildir/\n&one@example.org\ntwo@example.net\n"
ml "$U" "" ""
is "$rc:$out" "0:did 1+2+0 (mailboxes+forwards+programs) for $U@test.example" "forward: Maildir plus two forwards"
is "$(qcount todo)" "$((before + 1))" "one new message queued for both forwards"
tf=$(ls -t $(find "$H/queue/todo" -type f) | head -1)
is "$(tr '\0' '|' < "$tf" | sed 's/^.*|F/F/')" "F$S|Tone@example.org|Ttwo@example.net||" "its envelope: original sender, both addresses"
mf=$H/queue/mess/${tf#$H/queue/todo/}
is "$(sed -n 2p "$mf")" "Delivered-To: $U@test.example" "the queued copy carries our Delivered-To line"
put .qmail "&ok@example.org\n"
ml "$U" "" "" < /dev/null
MAILQUEUE=/bin/false; export MAILQUEUE
ml "$U" "" ""
is "$rc" 111 "the queue failing (MAILQUEUE=/bin/false): temporary"
unset MAILQUEUE

# ---- usage ----
out=$("$H/bin/mail-local" a b 2>&1); rc=$?
is "$rc" 100 "usage error: 100"
done_testing
