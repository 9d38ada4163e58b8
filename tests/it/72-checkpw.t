#!/bin/bash
# 72-checkpw.t: mail-passwd keeps users/password and its cdb; mail-checkpw
# answers the checkpassword interface from them
. "$(dirname "$0")/lib.sh"
kirim_instance
B=$H/bin
cd "$T" || exit 1

# checkpw USER PASS [PROGRAM...]: the checkpassword dialog on fd 3
checkpw() {
    local u=$1 p=$2; shift 2
    printf '%s\0%s\0%s\0' "$u" "$p" "$(date +%s)" > fd3
    [ $# -gt 0 ] || set -- sh -c 'echo "ran as $USER"'
    "$B/mail-checkpw" "$@" 3< fd3 > out 2>> err
}
: > err

checkpw alice@example.org secret1
is "$?" 1 "no password file yet: any login is refused (exit 1)"

echo 'secret1' | "$B/mail-passwd" add Alice@Example.org 2>> err
is "$?" 0 "mail-passwd add (password on stdin): exit 0"
grep -q '^alice@example.org:\$6\$[^:]*:::$' "$H/users/password"; ok $? "a lowercased name with a SHA-512 crypt hash"
is "$(stat -c %a "$H/users/password")" 600 "users/password is mode 600"
is "$(stat -c %a "$H/users/password.cdb")" 400 "users/password.cdb is mode 400"
if isroot; then
    is "$(stat -c %U "$H/users/password.cdb")" kirimd "users/password.cdb belongs to kirimd (who runs AUTH)"
else
    skip "not root" "users/password.cdb belongs to kirimd"
fi
is "$(cdb -q "$H/users/password.cdb" alice@example.org | cut -d: -f1)" alice@example.org "the cdb is readable by cdb(1)"

checkpw alice@example.org secret1
is "$?" 0 "right password: exit 0"
is "$(cat out)" "ran as alice@example.org" "... and the program ran with USER set"
checkpw ALICE@Example.ORG secret1
is "$?" 0 "the name is not case-sensitive"
checkpw alice@example.org secret2
is "$?" 1 "wrong password: exit 1"
is "$(cat out)" "" "... and the program did not run"
checkpw alice@example.org ''
is "$?" 1 "empty password: exit 1"
checkpw bob@example.org secret1
is "$?" 1 "unknown user: exit 1"
checkpw '' secret1
is "$?" 1 "empty user: exit 1"
checkpw 'alice@example.org:x' secret1
is "$?" 1 "a name with a colon: exit 1"

# malformed checkpassword input
"$B/mail-checkpw" true 3< /dev/null 2>> err
is "$?" 2 "empty input on fd 3: exit 2"
printf 'alice@example.org' > bad; "$B/mail-checkpw" true 3< bad 2>> err
is "$?" 2 "no NUL after the name: exit 2"
printf 'alice@example.org\0secret1' > bad; "$B/mail-checkpw" true 3< bad 2>> err
is "$?" 2 "no NUL after the password: exit 2"
{ printf 'alice@example.org\0secret1\0'; head -c 600 /dev/zero; } > bad
"$B/mail-checkpw" true 3< bad 2>> err
is "$?" 2 "more than 512 bytes: exit 2"
"$B/mail-checkpw" true 3<&- 2>> err
is "$?" 2 "fd 3 closed: exit 2"
printf 'alice@example.org\0secret1\0\0' > fd3; "$B/mail-checkpw" 3< fd3 2>> err
is "$?" 2 "no program to run: exit 2"
printf 'alice@example.org\0secret1\0' > fd3; "$B/mail-checkpw" true 3< fd3 2>> err
is "$?" 0 "no timestamp field (user and password only): accepted"
printf 'alice@example.org\0secret1\0\0' > fd3; "$B/mail-checkpw" "$T/nonexistent-program" 3< fd3 2>> err
is "$?" 111 "the program cannot be run: exit 111"

# mail-passwd refusals
echo 'other' | "$B/mail-passwd" add alice@example.org 2>> err
is "$?" 100 "adding an existing name: exit 100"
echo '' | "$B/mail-passwd" add carol@example.org 2>> err
is "$?" 100 "an empty password is refused"
echo 'x' | "$B/mail-passwd" add 'bad name' 2>> err
is "$?" 100 "a name with a blank is refused"
echo 'x' | "$B/mail-passwd" add dave -u 12 2>> err
is "$?" 100 "-u without -g is refused"
echo 'x' | "$B/mail-passwd" add dave -d relative/path 2>> err
is "$?" 100 "a relative home is refused"
"$B/mail-passwd" frobnicate 2>> err
is "$?" 100 "an unknown command: usage, exit 100"
"$B/mail-passwd" remove nobody@example.org 2>> err
is "$?" 100 "removing a name that does not exist: exit 100"
head -c 300 /dev/zero | tr '\0' x | "$B/mail-passwd" add erin@example.org 2>> err
is "$?" 100 "a password longer than 256 bytes is refused"

# salted: the same password hashes differently
echo 'secret1' | "$B/mail-passwd" add frank@example.org 2>> err
h1=$(grep '^alice@' "$H/users/password" | cut -d: -f2)
h2=$(grep '^frank@' "$H/users/password" | cut -d: -f2)
[ -n "$h1" ] && [ "$h1" != "$h2" ]; ok $? "the same password gets different salted hashes"

# change and remove
echo 'newsecret' | "$B/mail-passwd" change alice@example.org 2>> err
is "$?" 0 "mail-passwd change: exit 0"
checkpw alice@example.org secret1; is "$?" 1 "the old password no longer works"
checkpw alice@example.org newsecret; is "$?" 0 "the new one does"
"$B/mail-passwd" remove frank@example.org 2>> err
is "$?" 0 "mail-passwd remove: exit 0"
checkpw frank@example.org secret1; is "$?" 1 "a removed user is refused"
checkpw alice@example.org newsecret; is "$?" 0 "the other users stay"

# uid, gid and home
mkdir -p "$T/bobhome"; chmod 755 "$T/bobhome"
if isroot; then nu=$(id -u nobody); ng=$(id -g nobody); else nu=$(id -u); ng=$(id -g); fi
echo 'bobpw' | "$B/mail-passwd" add bob -u "$nu" -g "$ng" -d "$T/bobhome" 2>> err
is "$?" 0 "mail-passwd add with -u -g -d"
is "$("$B/mail-passwd" list | grep '^bob ')" "bob $nu $ng $T/bobhome" "list shows uid, gid and home"
is "$("$B/mail-passwd" list | grep -c '\$')" 0 "list never shows hashes"
checkpw bob bobpw sh -c 'echo "$(id -u) $(pwd) $HOME"'
is "$(cat out)" "$nu $T/bobhome $T/bobhome" "on success: the account's uid (when root), home as cwd and HOME"
echo 'bobpw2' | "$B/mail-passwd" change bob 2>> err
is "$("$B/mail-passwd" list | grep '^bob ')" "bob $nu $ng $T/bobhome" "change keeps uid, gid and home"

if isroot; then
    printf 'alice@example.org\0newsecret\0\0' > fd3; chmod 644 fd3
    setpriv --reuid=kirimd --regid=nogroup --clear-groups "$B/mail-checkpw" true 3< fd3 2>> err
    is "$?" 0 "as kirimd (mail-smtpd's AUTH): the cdb is readable"
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/mail-checkpw" true 3< fd3 2> nobody.err
    is "$?" 111 "as another user: temporary failure (the cdb is not readable)"
    grep -q "unable to open" nobody.err; ok $? "... saying it cannot open the cdb"
    printf 'bob\0bobpw2\0\0' > fd3
    setpriv --reuid=kirimd --regid=nogroup --clear-groups "$B/mail-checkpw" sh -c 'id -u' 3< fd3 > out 2>> err
    is "$(cat out)" "$(id -u kirimd)" "not root: no uid switch, the program runs as the caller"
else
    for i in 1 2 3 4; do skip "not root" "privilege checks $i"; done
fi

# a hand-edited malformed line: rebuild refuses and keeps the old cdb
cp "$H/users/password" pw.good
printf 'broken line without fields\n' >> "$H/users/password"
"$B/mail-passwd" rebuild 2> rebuild.err
is "$?" 100 "rebuild with a malformed line: exit 100"
grep -q "users/password line [0-9]*: fewer than 5 fields" rebuild.err; ok $? "... naming the line"
checkpw alice@example.org newsecret; is "$?" 0 "... and the old cdb still answers"
ls "$H/users" | grep -q tmp; [ $? -ne 0 ]; ok $? "... and no temporary file is left"
cp pw.good "$H/users/password"
printf '# comment\n\nzed:!locked:::\n' >> "$H/users/password"
"$B/mail-passwd" rebuild 2>> err
is "$?" 0 "rebuild after a hand edit with comments and blank lines"
checkpw zed '!locked'; is "$?" 1 "a locked hash (!) never matches"
printf 'yan:$9$bogus:::\n' >> "$H/users/password"
"$B/mail-passwd" rebuild 2>> err
checkpw yan whatever; is "$?" 111 "a hash crypt(3) cannot use: temporary failure"

# concurrent runs: every change kept (the lock serialises them)
pids=
for i in $(seq 1 12); do
    echo "pw$i" | "$B/mail-passwd" add "user$i@example.org" 2>> err & pids="$pids $!"
done
echo 'newsecret2' | "$B/mail-passwd" change alice@example.org 2>> err & pids="$pids $!"
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "13 concurrent mail-passwd runs: all exit 0"
is "$(grep -c '^user[0-9]*@example.org:' "$H/users/password")" 12 "all 12 new users are in users/password"
good=0
for i in $(seq 1 12); do checkpw "user$i@example.org" "pw$i" && good=$((good + 1)); done
is "$good" 12 "all 12 new users can log in"
checkpw alice@example.org newsecret2; is "$?" 0 "the concurrent change was kept"
is "$(cdb -d "$H/users/password.cdb" | grep -c '^+')" "$(grep -c '^[a-z0-9]' "$H/users/password")" "cdb and source agree"

# no password ever reaches the logs
! grep -q -e secret -e bobpw -e 'pw[0-9]' err; ok $? "no password in any error output"

done_testing
