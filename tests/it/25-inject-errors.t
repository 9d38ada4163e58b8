#!/bin/sh
# 25-inject-errors.t: mail-inject reports the queue's refusals with the right
# exit code and text, including a filter's custom message (exit 82, fd 6)
. "$(dirname "$0")/lib.sh"
kirim_instance
I=$H/bin/mail-inject
msg='Subject: t

body
'
filter() {   # filter NAME BODY: a MAILQUEUE program
    printf '#!/bin/sh\ncat >/dev/null\n%s\n' "$2" > "$T/$1"
    chmod 755 "$T/$1"
}
try() {      # try FILTER WANT-EXIT WANT-TEXT NAME
    out=$(printf '%s' "$msg" | MAILQUEUE="$T/$1" "$I" a@example.org 2>&1)
    is "$?" "$2" "$4: exit $2"
    case $out in *"$3"*) ok 0 "$4: says '$3'" ;; *) ok 1 "$4: says '$3'"; diag "got: $out" ;; esac
}
filter ok 'cat <&1 >/dev/null; exit 0'
try ok 0 "" "filter accepts"
filter d82 'echo "Dspam is not welcome here (#5.7.1)" >&6; exit 82'
try d82 100 "spam is not welcome here" "exit 82 with D message"
filter z82 'echo "Zgreylisted, try again later (#4.7.1)" >&6; exit 82'
try z82 111 "greylisted, try again later" "exit 82 with Z message"
filter n82 'echo "no verdict letter" >&6; exit 82'
try n82 111 "no verdict letter" "exit 82 without D/Z is temporary"
filter e31 'exit 31'
try e31 100 "permanently rejected" "exit 31"
filter e53 'exit 53'
try e53 111 "disk full" "exit 53"
filter e11 'exit 11'
try e11 100 "too long" "exit 11"
filter e91 'exit 91'
try e91 100 "envelope format" "exit 91"
filter kill 'kill -9 $$'
try kill 111 "crashed" "queue program killed"
try nonexistent 111 "unable to run" "MAILQUEUE names a missing program"

# the caller's own descriptors do not matter: fds 3-5 open (pipe ends land
# on 6), standard output closed (a pipe end lands on 1)
out=$(printf '%s' "$msg" | MAILQUEUE="$T/d82" "$I" a@example.org 2>&1 3</dev/null 4</dev/null 5</dev/null)
is "$?:$out" "100:mail-inject: fatal: spam is not welcome here (#5.7.1)" "fds 3-5 open: the filter's fd 6 message still arrives"
printf '%s' "$msg" | "$I" a@example.org >&-
is "$?:$(qcount todo)" "0:1" "standard output closed: the message is queued"
find "$H/queue/todo" "$H/queue/intd" "$H/queue/mess" -type f -delete

# the real queue refuses an over-long address: permanent
long=$(head -c 1100 /dev/zero | tr '\0' x)
printf '%s' "$msg" | "$I" "$long@example.org" >/dev/null 2>&1
is "$?" 100 "over-long recipient: exit 100"
is "$(qcount todo)" 0 "and nothing queued"
done_testing
