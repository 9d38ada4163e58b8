#!/bin/sh
# 30-sendmail.t: sendmail's options, as cron, PHP, git send-email, mutt and
# logcheck pass them, become the right mail-inject arguments and input
. "$(dirname "$0")/lib.sh"
kirim_instance
S=$H/bin/sendmail

# a stand-in mail-inject records its arguments (one per line) and its input;
# the real one, if this tree has it, is kept for the end-to-end cases
[ -x "$H/bin/mail-inject" ] && mv "$H/bin/mail-inject" "$H/bin/mail-inject.real"
cat > "$H/bin/mail-inject" <<EOS
#!/bin/sh
{ printf "%s\\n" "\$0"; for a; do printf "%s\\n" "\$a"; done; } > "$T/argv"
cat > "$T/in"
exit \${FAKE_EXIT:-0}
EOS
chmod 755 "$H/bin/mail-inject"

printf 'Subject: t\n\nline one\n..two dots\n.dot first\n' > "$T/msg"
args() { tr '\n' ' ' < "$T/argv" | sed 's/ $//'; }
run() {   # run ARGS...: stdin from $T/msg
    rm -f "$T/argv" "$T/in"
    "$S" "$@" < "$T/msg" 2> "$T/err"
}

run -FCronDaemon -i -B8BITMIME -oem root
is "$?" 0 "cron (Debian): exit 0"
is "$(args)" "$H/bin/mail-inject -a -F CronDaemon root" "cron (Debian): recipient from the argument, full name"
cmp -s "$T/in" "$T/msg"; ok $? "cron (Debian): message passed as is"

run -FCronDaemon -i -odi -oem -oi -t -f root
is "$(args)" "$H/bin/mail-inject -t -f root -F CronDaemon" "cron (cronie): -t, sender, full name"

run -t -i
is "$(args)" "$H/bin/mail-inject -t" "PHP mail(): sendmail -t -i"
run -t -i -fbounce@example.org
is "$(args)" "$H/bin/mail-inject -t -f bounce@example.org" "PHP mail() with -f attached"
run -t -i -r bounce@example.org
is "$(args)" "$H/bin/mail-inject -t -f bounce@example.org" "-r is -f"
run -t -i a@example.org
is "$(args)" "$H/bin/mail-inject -t a@example.org" "-t with an address: both (Postfix)"

run -i -f me@example.org a@example.net b@example.net
is "$(args)" "$H/bin/mail-inject -a -f me@example.org a@example.net b@example.net" "git send-email"

run -oem -oi -- a@example.net
is "$(args)" "$H/bin/mail-inject -a a@example.net" "mutt: -oem -oi -- address"
run -oem -oi -f me@example.org -- a@example.net b@example.net
is "$(args)" "$H/bin/mail-inject -a -f me@example.org a@example.net b@example.net" "mutt with envelope sender"

run -ti
is "$(args)" "$H/bin/mail-inject -t" "grouped options -ti"
run -f '<>' -i a@example.net
is "$(args)" "$H/bin/mail-inject -a -f  a@example.net" "-f '<>' is the null sender"
grep -qx '' "$T/argv"; ok $? "the null sender is an empty argument"
run -f '<x@example.org>' -i a@example.net
is "$(args)" "$H/bin/mail-inject -a -f x@example.org a@example.net" "brackets around -f removed"
run -F 'Jo Doe' -i a@example.net
is "$(sed -n 4p "$T/argv")" "Jo Doe" "-F value with a space stays one argument"

run -N never -R hdrs -V envid -X "$T/xlog" -L tag -h 5 -B 7BIT -O x=y -v -G -U -m -n -Am -odb -odq -oep -oee -oeq -oew -om -i a@example.net
is "$?" 0 "ignored options are accepted"
is "$(args)" "$H/bin/mail-inject -a a@example.net" "ignored options and their values are dropped"
[ ! -e "$T/xlog" ]; ok $? "-X writes no log file"
run -C /etc/mail/sendmail.cf -i a@example.net
is "$?" 0 "-C: accepted"
grep -q "sendmail: warning: ignoring -C /etc/mail/sendmail.cf" "$T/err"; ok $? "-C: with a warning"
run -q15m -i a@example.net
is "$(args)" "$H/bin/mail-inject -a a@example.net" "-q15m (an interval) is ignored"
run -bm -i a@example.net
is "$(args)" "$H/bin/mail-inject -a a@example.net" "-bm is the default mode"

# the single dot
printf 'Subject: d\n\nbefore\n..kept\n.kept too\n.\nafter\n' > "$T/dot"
rm -f "$T/in"; "$S" a@example.net < "$T/dot"
is "$?" 0 "without -i: exit 0"
is "$(cat "$T/in")" "$(printf 'Subject: d\n\nbefore\n..kept\n.kept too')" "without -i a lone dot ends the message"
printf 'Subject: d\r\n\r\nx\r\n.\r\nafter\r\n' > "$T/dotcr"
rm -f "$T/in"; "$S" a@example.net < "$T/dotcr"
cmp -s "$T/in" - <<EOS
$(printf 'Subject: d\r\n\r\nx\r')
EOS
ok $? "a dot followed by CR ends it too"
rm -f "$T/in"; "$S" -oi a@example.net < "$T/dot"
cmp -s "$T/in" "$T/dot"; ok $? "-oi: the dot is data"
rm -f "$T/in"; "$S" -i a@example.net < "$T/dot"
cmp -s "$T/in" "$T/dot"; ok $? "-i: the dot is data"
printf 'no newline at the end' > "$T/nonl"
rm -f "$T/in"; "$S" a@example.net < "$T/nonl"
cmp -s "$T/in" "$T/nonl"; ok $? "without -i: a last line without newline is kept"
head -c 300000 /dev/urandom | base64 -w 0 > "$T/long"; printf '\n.\n' >> "$T/long"
rm -f "$T/in"; "$S" a@example.net < "$T/long"
is "$(wc -c < "$T/in" | tr -d ' ')" "$(($(wc -c < "$T/long") - 2))" "a 400 kB line passes whole"
FAKE_EXIT=111 "$S" a@example.net < "$T/dot"
is "$?" 111 "mail-inject's exit code comes back (dot mode)"
FAKE_EXIT=100 "$S" -i a@example.net < "$T/dot"
is "$?" 100 "mail-inject's exit code comes back (-i, exec)"
"$S" a@example.net < "$T" 2>/dev/null
is "$?" 111 "unreadable input: exit 111"

# refusals
refused() {   # refused PATTERN NAME ARGS...
    p=$1 n=$2; shift 2
    rm -f "$T/argv"
    "$S" "$@" < "$T/msg" 2> "$T/err"
    is "$?" 100 "$n: exit 100"
    grep -q "$p" "$T/err"; ok $? "$n: says why"
    [ ! -e "$T/argv" ]; ok $? "$n: mail-inject not run"
}
refused "sendmail: fatal: unknown option -Z" "unknown option" -Z a@example.net
refused "sendmail: fatal: unknown option -x" "unknown letter in a group" -tix a@example.net
refused "no recipients" "no recipients" -i
refused "no recipients" "no recipients after --" -oi --
refused "daemon mode" "-bd" -bd
refused "is not supported" "-bv" -bv a@example.net
refused "no queue flush" "-q" -q
refused "no queue flush" "-qRexample.org" -qRexample.org
refused "needs a value" "-f without a value" -f
refused "may not start with -" "address starting with -" -- -oQ/tmp
rm -f "$T/argv"

# other modes
"$S" -bi 2> "$T/err"
is "$?" 0 "-bi (newaliases) exits 0"
grep -q "no aliases database" "$T/err"; ok $? "-bi says there is nothing to do"
ln -s "$S" "$T/newaliases"
"$T/newaliases" 2> "$T/err"
is "$?" 0 "invoked as newaliases: exit 0"

nul() { printf 'F%s\0' "$1"; shift; for r in "$@"; do printf 'T%s\0' "$r"; done; printf '\0'; }
nul q@example.org r@example.net > "$T/env"
"$H/bin/mail-queue" < "$T/msg" 1< "$T/env"
id=$(find "$H/queue/mess" -type f | sed 's|.*/||')
out=$("$S" -bp 2>&1); r=$?
is "$r" 0 "-bp: exit 0"
echo "$out" | grep -q "#$id .*from <q@example.org>"; ok $? "-bp lists the queued message"
echo "$out" | grep -q "not yet preprocessed  r@example.net"; ok $? "-bp shows its recipient"
ln -s "$S" "$T/mailq"
"$T/mailq" | grep -q "#$id "; ok $? "invoked as mailq: lists the queue"
if isroot; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$S" -bp > /dev/null 2> "$T/err"
    is "$?" 111 "-bp as nobody: exit 111"
    grep -q "mail-qread: fatal: unable to chdir to $H/queue" "$T/err"; ok $? "-bp as nobody: says why"
else
    skip "not root" "-bp as nobody"; skip "not root" "-bp as nobody: message"
fi

# end to end through the real mail-inject and a MAILQUEUE capture
if [ -x "$H/bin/mail-inject.real" ]; then
    mv "$H/bin/mail-inject.real" "$H/bin/mail-inject"
    cat > "$T/capture" <<EOS
#!/bin/sh
cat > "$T/qmsg"
cat <&1 > "$T/qenv"
EOS
    chmod 755 "$T/capture"
    rm -f "$T/qmsg" "$T/qenv"
    printf 'Subject: e2e\n\nbody\n.\nnot this\n' | MAILQUEUE=$T/capture "$S" -f s@example.org r@example.net
    is "$?" 0 "end to end: exit 0"
    nul s@example.org r@example.net > "$T/want"
    cmp -s "$T/qenv" "$T/want"; ok $? "end to end: envelope from -f and the argument"
    grep -q '^Subject: e2e' "$T/qmsg" && ! grep -q 'not this' "$T/qmsg"
    ok $? "end to end: message up to the dot"
    printf 'To: t1@example.net\nCc: t2@example.net\nSubject: t\n\nbody\n' |
        MAILQUEUE=$T/capture "$S" -t -i -f '<>' x@example.net
    is "$?" 0 "end to end -t: exit 0"
    tr '\0' '\n' < "$T/qenv" | sort > "$T/got"
    printf '\nF\nTt1@example.net\nTt2@example.net\nTx@example.net\n' | sort > "$T/want"
    cmp -s "$T/got" "$T/want"; ok $? "end to end -t: header and argument recipients, null sender"
    n=$(qcount todo)
    printf 'Subject: real\n\nbody\n' | "$S" -i r@example.net
    is "$?" 0 "end to end into the real queue: exit 0"
    is "$(qcount todo)" $((n + 1)) "end to end: the message is in the queue"
    # sendmail killed before the dot (a timeout, a supervisor): mail-inject
    # must not queue the part it has
    for sig in TERM KILL; do
        n=$(qcount todo)
        rm -f "$T/fifo"; mkfifo "$T/fifo"
        "$S" c@example.net < "$T/fifo" & sp=$!
        exec 7> "$T/fifo"
        printf 'To: a@example.net\nSubject: half\n\nfirst half of the ' >&7
        sleep 0.5
        kill -$sig "$sp"; wait "$sp" 2>/dev/null
        sleep 0.5
        exec 7>&-
        sleep 0.5
        is "$(qcount todo)" "$n" "sendmail killed ($sig) before the dot: nothing queued"
    done
    pgrep -f "mail-inject c@example.net" > /dev/null && r=1 || r=0
    ok $r "and no mail-inject is left"
else
    for i in 1 2 3 4 5 6 7 8 9 10; do skip "no mail-inject in this tree yet" "end to end $i"; done
fi

done_testing
