#!/bin/sh
# inject.sh: injection benchmark, kirim's mail-inject against Postfix's
# sendmail -> postdrop path, on this machine, in one run (ABBA order).
# Run as root from the top of the tree: make bench, or sh bench/inject.sh.
#
# What is measured: the wall time from starting the first injector until
# the last injection program has exited, for N messages from P parallel
# injectors (each injects N/P messages one after the other, one process per
# message). When mail-inject exits 0 the message is in kirim's queue with
# its files and directories fsynced; when Postfix's sendmail exits 0,
# postdrop has written and fsynced the file into the maildrop queue.
# Postfix runs normally meanwhile (pickup, cleanup, qmgr and local deliver
# each message to a Maildir while sendmail is still injecting the others);
# after each Postfix run the script waits until Postfix's queue is empty,
# so no Postfix work overlaps a kirim run. kirim's delivery side
# (mail-start) is not started: its messages stay in the queue and are
# removed between runs (bench/local.sh measures delivery).
#
# Environment: BENCH_N (messages per run, default 2000), BENCH_REPS
# (repetitions per cell and system, default 5), BENCH_SIZES (KB, default
# "2 100"), BENCH_PAR (parallel injectors, default "1 10"),
# BENCH_FSYNC_CYCLES (default 2000), TMPDIR (where the instances live,
# default /var/tmp). Quick check: BENCH_N=200 BENCH_REPS=1 sh bench/inject.sh
set -u

N=${BENCH_N:-2000}
REPS=${BENCH_REPS:-5}
SIZES=${BENCH_SIZES:-"2 100"}
PARS=${BENCH_PAR:-"1 10"}
FCYC=${BENCH_FSYNC_CYCLES:-2000}
FROM=bench@bench.test
RCPT=kirimbench@bench.test
BUSER=kirimbench          # local user Postfix delivers to (Maildir)
DRAIN_MAX=900             # seconds to wait for Postfix to empty its queue

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=$SRC/bench/out
STAMP=$(date -u +%Y%m%d-%H%M%S)
RAW=$OUT/inject-$STAMP.raw
TABLE=$OUT/inject-$STAMP.table

say() { printf '%s\n' "inject: $*" >&2; }
die() { say "fatal: $*"; exit 111; }

[ "$(id -u)" = 0 ] || die "run as root (kirim's setup creates its users; postdrop runs for a private config only as root)"
case $N in ''|*[!0-9]*) die "BENCH_N must be a number" ;; esac
case $REPS in ''|*[!0-9]*) die "BENCH_REPS must be a number" ;; esac
command -v cc >/dev/null || die "no cc (apt-get install build-essential)"

T=$(mktemp -d "${TMPDIR:-/var/tmp}/kirim-bench.XXXXXX") || die "cannot make a temp dir"
chmod 755 "$T"
case $T in *[[:space:]]*) rmdir "$T"; die "TMPDIR must not contain blanks (commands are split on them)" ;; esac
P=$T/postfix              # private Postfix: etc/ spool/ data/ maillog
H=$T/home                 # private kirim (conf-home)
B=$T/build
PF_STARTED=0
MADE_USER=0

cleanup() {
    if [ "$PF_STARTED" = 1 ]; then
        postfix -c "$P/etc" stop >/dev/null 2>&1
        # postfix stop returns before master has gone; wait for its pid
        mp=$(tr -d ' ' < "$P/spool/pid/master.pid" 2>/dev/null)
        i=0
        while [ -n "$mp" ] && kill -0 "$mp" 2>/dev/null && [ $i -lt 100 ]; do
            sleep 0.1; i=$((i + 1))
        done
        [ -n "$mp" ] && kill -0 "$mp" 2>/dev/null && kill -9 "$mp" 2>/dev/null
    fi
    [ "$MADE_USER" = 1 ] && userdel "$BUSER" 2>/dev/null
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$OUT" || die "cannot create $OUT"

# ---------------------------------------------------------------- helpers
cc -O2 -Wall -o "$T/injrun" "$SRC/bench/injrun.c" || die "cannot compile injrun.c"
cc -O2 -Wall -o "$T/fsyncrate" "$SRC/bench/fsyncrate.c" || die "cannot compile fsyncrate.c"

# a message of about $1 KB with complete headers, 76-character lines
mkmsg() {
    {
        printf 'From: Bench <%s>\n' "$FROM"
        printf 'To: <%s>\n' "$RCPT"
        printf 'Subject: injection benchmark, %s KB\n' "$1"
        printf 'Date: %s\n' "$(LC_ALL=C date -R)"
        printf 'Message-ID: <bench-%s@bench.test>\n' "$1"
        printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n'
        i=0
        while [ $i -lt $(($1 * 1024 / 77)) ]; do
            printf '%075d\n' "$i"
            i=$((i + 1))
        done
    } > "$T/msg$1"
}
for s in $SIZES; do mkmsg "$s"; done

# ---------------------------------------------------------------- kirim
say "building a private kirim instance in $H"
mkdir -p "$B"
(cd "$SRC" && tar cf - Makefile conf-* src scripts doc) | (cd "$B" && tar xf -) ||
    die "cannot copy the tree"
(cd "$B" && rm -f src/*.o src/*.d src/*.a src/auto_*.c && rm -rf bin man)
printf '%s\n' "$H" > "$B/conf-home"
(cd "$B" && make -s -j"$(nproc)" >"$T/build.log" 2>&1) ||
    { cat "$T/build.log" >&2; die "kirim build failed"; }
(cd "$B" && sh scripts/setup.sh "" >"$T/setup.log" 2>&1) ||
    { cat "$T/setup.log" >&2; die "kirim setup failed"; }
printf 'bench.test\n' > "$H/control/me"
printf 'bench.test\n' > "$H/control/defaultdomain"
chmod 644 "$H/control/me" "$H/control/defaultdomain"

if [ -x "$H/bin/mail-inject" ]; then
    KIRIM=mail-inject
    KIRIM_ENV=
    set -- "$H/bin/mail-inject" -f "$FROM" "$RCPT"
else
    KIRIM=mail-queue
    printf 'F%s\0T%s\0\0' "$FROM" "$RCPT" > "$T/envelope"
    chmod 644 "$T/envelope"
    KIRIM_ENV=$T/envelope
    set -- "$H/bin/mail-queue"
    say "NOTE: bin/mail-inject is not built in this tree; measuring bin/mail-queue"
    say "NOTE: directly (message on fd 0, envelope on fd 1), without header fixing"
fi
KIRIM_CMD="$*"
# one test message, to see that the command works
"$T/injrun" ${KIRIM_ENV:+-e "$KIRIM_ENV"} 1 1 "$T/msg2" "$@" >/dev/null ||
    die "kirim's $KIRIM cannot queue a message"

kirim_clean() {
    for d in mess intd todo info local remote bounce pid; do
        [ -d "$H/queue/$d" ] && find "$H/queue/$d" -type f -delete
    done
}
kirim_count() { find "$H/queue/todo" -type f | wc -l | tr -d ' '; }
kirim_clean

# ---------------------------------------------------------------- Postfix
if ! command -v postfix >/dev/null 2>&1 || [ ! -x /usr/sbin/postdrop ]; then
    say "installing Postfix from Debian (not configured, not started)"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix \
        >"$T/apt.log" 2>&1 || { tail -20 "$T/apt.log" >&2; die "cannot install postfix"; }
fi
PFVER=$(postconf -d -h mail_version 2>/dev/null)

if getent passwd "$BUSER" >/dev/null; then
    usermod -d "$T/pfhome" "$BUSER" || die "cannot set $BUSER's home"
else
    useradd --system --no-create-home --home-dir "$T/pfhome" \
        --shell /usr/sbin/nologin "$BUSER" || die "cannot create user $BUSER"
    MADE_USER=1
fi
mkdir -p "$T/pfhome/Maildir/new" "$T/pfhome/Maildir/cur" "$T/pfhome/Maildir/tmp"
chown -R "$BUSER" "$T/pfhome"
chmod 700 "$T/pfhome"

say "building a private Postfix $PFVER instance in $P"
mkdir -p "$P/etc" "$P/spool" "$P/data"
chown postfix "$P/data"
cat > "$P/etc/main.cf" <<EOF
# private benchmark instance; everything else is Postfix's default
compatibility_level = 3.6
config_directory = $P/etc
queue_directory = $P/spool
data_directory = $P/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $P/maillog
maillog_file_prefixes = /var, /dev/stdout, $P
myhostname = bench.test
mydomain = bench.test
myorigin = bench.test
mydestination = bench.test, localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
home_mailbox = Maildir/
biff = no
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
EOF
# chroot off everywhere; no smtpd listener (injection goes through postdrop)
awk '/^[a-z]/ && NF >= 8 { $5 = "n" } /^smtp[ \t]+inet/ { next } { print }' \
    /etc/postfix/master.cf > "$P/etc/master.cf"
postfix -c "$P/etc" check >"$T/pfcheck.log" 2>&1 ||
    { cat "$T/pfcheck.log" "$P/maillog" >&2 2>/dev/null; die "postfix check failed"; }
postfix -c "$P/etc" start >"$T/pfstart.log" 2>&1 ||
    { cat "$T/pfstart.log" "$P/maillog" >&2 2>/dev/null; die "postfix start failed"; }
PF_STARTED=1
i=0
while [ ! -e "$P/spool/public/pickup" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$P/spool/public/pickup" ] || die "Postfix did not start (no public/pickup)"

pf_queued() {
    find "$P/spool/maildrop" "$P/spool/incoming" "$P/spool/active" \
        "$P/spool/deferred" "$P/spool/hold" -type f 2>/dev/null | wc -l | tr -d ' '
}
pf_delivered() { find "$T/pfhome/Maildir/new" -type f | wc -l | tr -d ' '; }
# wait until Postfix has emptied its queue; prints the seconds waited
pf_drain() {
    t0=$(date +%s.%N)
    i=0
    while [ "$(pf_queued)" != 0 ] && [ $i -lt $((DRAIN_MAX * 20)) ]; do
        sleep 0.05; i=$((i + 1))
    done
    t1=$(date +%s.%N)
    [ "$(pf_queued)" = 0 ] || say "WARNING: Postfix queue not empty after ${DRAIN_MAX}s"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
pf_clean() {
    postsuper -c "$P/etc" -d ALL >/dev/null 2>&1
    find "$T/pfhome/Maildir/new" "$T/pfhome/Maildir/cur" "$T/pfhome/Maildir/tmp" \
        -type f -delete
}
PF_CMD="/usr/sbin/sendmail -C $P/etc -f $FROM $RCPT"
"$T/injrun" 1 1 "$T/msg2" $PF_CMD >/dev/null || die "Postfix's sendmail failed"
pf_drain >/dev/null
[ "$(pf_delivered)" = 1 ] || die "Postfix did not deliver the test message (see $P/maillog)"
pf_clean

# ---------------------------------------------------------------- machine
FS=$(df -T "$T" | awk 'NR == 2 { print $1 " " $2 }')
say "machine: $(nproc) CPUs, $(uname -r), $T on $FS"
say "fsync ceiling (create+write 2 KB+fsync+rename+fsync dir), $FCYC cycles:"
mkdir -p "$T/fsync"
F1=$("$T/fsyncrate" "$T/fsync" 1 "$FCYC") || die "fsyncrate failed"
F10=$("$T/fsyncrate" "$T/fsync" 10 "$FCYC") || die "fsyncrate failed"
say "  1 stream:   ${F1##* }/s   10 streams: ${F10##* }/s"

{
    echo "# kirim injection benchmark $STAMP"
    echo "# machine: $(nproc) CPUs, $(uname -r), $T on $FS"
    echo "# kirim: $KIRIM_CMD"
    echo "# postfix $PFVER: $PF_CMD"
    echo "# N=$N REPS=$REPS SIZES_KB=$SIZES PAR=$PARS"
    echo "# fsync streams cycles seconds per_second"
    echo "fsync $F1"
    echo "fsync $F10"
    echo "# system size_kb par rep n seconds msg_per_s failures drain_s"
} > "$RAW"

# ---------------------------------------------------------------- runs
run_kirim() {   # size par rep
    kirim_clean
    sync
    r=$("$T/injrun" ${KIRIM_ENV:+-e "$KIRIM_ENV"} "$2" "$N" "$T/msg$1" $KIRIM_CMD) ||
        say "WARNING: kirim run had failures: $r"
    c=$(kirim_count)
    [ "$c" = "$N" ] || say "WARNING: kirim queue holds $c messages, expected $N"
    set -- $1 $2 $3 $r
    echo "kirim $1 $2 $3 $5 $6 $7 $8 -" >> "$RAW"
    say "  kirim   ${1}KB x$2 rep $3: $7 msg/s"
    kirim_clean
}
run_postfix() {   # size par rep
    pf_clean
    sync
    r=$("$T/injrun" "$2" "$N" "$T/msg$1" $PF_CMD) ||
        say "WARNING: Postfix run had failures: $r"
    d=$(pf_drain)
    c=$(pf_delivered)
    [ "$c" = "$N" ] || say "WARNING: Postfix delivered $c messages, expected $N"
    set -- $1 $2 $3 $r
    echo "postfix $1 $2 $3 $5 $6 $7 $8 $d" >> "$RAW"
    say "  postfix ${1}KB x$2 rep $3: $7 msg/s (queue empty ${d}s after the last sendmail)"
    pf_clean
}

say "N=$N messages per run, $REPS repetitions per cell, ABBA order"
for s in $SIZES; do
    for p in $PARS; do
        rep=1
        while [ $rep -le "$REPS" ]; do
            if [ $((rep % 2)) = 1 ]; then
                run_kirim "$s" "$p" "$rep"; run_postfix "$s" "$p" "$rep"
            else
                run_postfix "$s" "$p" "$rep"; run_kirim "$s" "$p" "$rep"
            fi
            rep=$((rep + 1))
        done
    done
done

F1e=$("$T/fsyncrate" "$T/fsync" 1 "$FCYC") && echo "fsync-end $F1e" >> "$RAW"
F10e=$("$T/fsyncrate" "$T/fsync" 10 "$FCYC") && echo "fsync-end $F10e" >> "$RAW"

# ---------------------------------------------------------------- table
# median [min..max] of msg/s per system and cell, ratio of the medians
awk -v kname="$KIRIM" '
function stats(list,    a, n, i, j, t, med) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    S_med = med; S_min = a[1]; S_max = a[n]
}
/^#/ || /^fsync/ { next }
{
    key = $2 " " $3
    if (!(key in seen)) { seen[key] = 1; order[++ncell] = key }
    v[$1, key] = v[$1, key] " " $7
    if ($1 == "postfix") dr[key] = dr[key] " " $9
}
END {
    printf "%-12s %-26s %-26s %7s  %s\n", "size, par", kname " msg/s", "postfix msg/s", "ratio", "postfix drain s"
    for (c = 1; c <= ncell; c++) {
        key = order[c]; split(key, kp, " ")
        stats(v["kirim", key]); km = S_med; kr = sprintf("%.0f [%.0f..%.0f]", S_med, S_min, S_max)
        stats(v["postfix", key]); pm = S_med; pr = sprintf("%.0f [%.0f..%.0f]", S_med, S_min, S_max)
        stats(dr[key]); d = sprintf("%.1f", S_med)
        printf "%-12s %-26s %-26s %6.2fx  %s\n", kp[1] "KB, " kp[2], kr, pr, (pm > 0 ? km / pm : 0), d
    }
}' "$RAW" > "$TABLE"

{
    echo
    echo "kirim injection benchmark, $STAMP: N=$N per run, $REPS reps per cell, ABBA"
    echo "machine: $(nproc) CPUs, $FS"
    echo "fsync ceiling (create+write 2 KB+fsync+rename+fsync dir): 1 stream ${F1##* }/s, 10 streams ${F10##* }/s (start); ${F1e##* }/s, ${F10e##* }/s (end)"
    echo "kirim:   $KIRIM_CMD  (time until every $KIRIM has exited)"
    echo "postfix: sendmail -C DIR/etc -f FROM RCPT  (time until every sendmail has exited; Postfix $PFVER delivering to Maildir meanwhile)"
    [ "$KIRIM" = mail-queue ] && echo "NOTE: mail-inject was not built; kirim figures are mail-queue's alone"
    echo
    cat "$TABLE"
} | tee -a "$TABLE.txt"
mv "$TABLE.txt" "$TABLE"
say "raw numbers: $RAW; table: $TABLE"
