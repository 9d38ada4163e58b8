#!/bin/sh
# smtp.sh: SMTP acceptance and end-to-end benchmark, kirim against Postfix on
# this machine, in one run (ABBA order). Run as root from the top of the
# tree: make bench, or sh bench/smtp.sh.
#
# Load: Postfix's smtp-source, N messages (a file of headers and body,
# -F), one SMTP session per message, P sessions at a time, one recipient
# each, to 127.0.0.1:
#   kirim:   tcpserver -R -H -l0 -c 200 -b 100 -u kirimd -g nofiles ...
#            mail-smtpd; mail-start running (mail-send, mail-lspawn,
#            mail-clean as their users); mail-local delivers to
#            ~/Maildir/ of user kirimbench (users/assign, home $T/khome).
#   Postfix: a private instance (bench/lib.sh) with an smtpd listener on
#            127.0.0.1; cleanup/qmgr/local into ~kirimbench/Maildir/.
# Figures, per run:
#   acceptance: N / the wall time of smtp-source (it exits non-zero unless
#               every reply was positive, every DATA got its 250);
#   end to end: N / the time from the start of smtp-source until the N-th
#               file is in Maildir/new (bench/deliv.c wait, 2 ms polling).
#   CPU:        user+system time of all the system's processes (kirim:
#               tcpserver and mail-start with their children; Postfix: its
#               master with its children) from the start of the run until
#               the queue is empty, divided by N.
# After each run the mailbox must hold exactly N files (no loss, no
# duplicate) and the queue must drain before the next run starts.
# Memory: VmHWM of one mail-smtpd process after the greeting and at the end
# of a DATA of BENCH_RSS_MB megabytes, before QUIT (bench/smtprss.py), in
# clear and over STARTTLS.
#
# Environment: BENCH_N (default 2000), BENCH_REPS (default 5), BENCH_SIZES
# (KB, default "2 100"), BENCH_PAR (default "1 10 50"), BENCH_RSS_MB
# (default 10), BENCH_USER (the mailbox user, default kirimbench), TMPDIR
# (default /var/tmp), BENCH_KEEP=1 keeps the temp dir.
# Quick check: BENCH_N=200 BENCH_REPS=1 sh bench/smtp.sh
set -u
NAME=smtp
N=${BENCH_N:-2000}
REPS=${BENCH_REPS:-5}
SIZES=${BENCH_SIZES:-"2 100"}
PARS=${BENCH_PAR:-"1 10 50"}
RSSMB=${BENCH_RSS_MB:-10}
case $N$REPS$RSSMB in ''|*[!0-9]*) echo "smtp: BENCH_N, BENCH_REPS, BENCH_RSS_MB must be numbers" >&2; exit 111 ;; esac
SOURCE=/usr/sbin/smtp-source
freeport() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
command -v python3 >/dev/null || { echo "smtp: no python3" >&2; exit 111; }
KPORT=$(freeport)
PPORT=$(freeport)
PF_SMTPD=127.0.0.1:$PPORT
. "$(dirname "$0")/lib.sh"
RAW=$OUT/smtp-$STAMP.raw
TABLE=$OUT/smtp-$STAMP.table
TCPD_PID=

cc -O2 -Wall -o "$T/deliv" "$SRC/bench/deliv.c" || die "cannot compile deliv.c"
for s in $SIZES; do mkmsg "$s"; done
mkmsg 2

bench_user
maildir "$T/pfhome"
maildir "$T/khome"
KNEW=$T/khome/Maildir/new
PNEW=$T/pfhome/Maildir/new

stop_tcpserver() {
    [ -n "$TCPD_PID" ] || return 0
    kill "$TCPD_PID" 2>/dev/null
    i=0
    while kill -0 "$TCPD_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$TCPD_PID" 2>/dev/null
    TCPD_PID=
}
trap 'stop_tcpserver; bench_cleanup' EXIT
wait_port() {   # PORT: up to 10 s for a listener
    i=0
    while ! python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; do
        [ $i -lt 100 ] || return 1
        sleep 0.1; i=$((i + 1))
    done
}

# ---------------------------------------------------------------- kirim
kirim_build
printf 'bench.test\n' > "$H/control/rcpthosts"
chmod 644 "$H/control/rcpthosts"
kirim_local
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 2 -subj "/CN=bench.test" >/dev/null 2>&1 || die "openssl req failed"
cat "$T/cert.pem" "$T/key.pem" > "$H/control/servercert.pem"
chown kirimd "$H/control/servercert.pem"
chmod 400 "$H/control/servercert.pem"
tcpserver -R -H -l0 -c 200 -b 100 -u "$(id -u kirimd)" -g "$(getent group nofiles | cut -d: -f3)" \
    127.0.0.1 "$KPORT" "$H/bin/mail-smtpd" 2> "$T/smtpd.log" &
TCPD_PID=$!
wait_port "$KPORT" || die "tcpserver did not start on 127.0.0.1:$KPORT"
kirim_queued() { find "$H/queue/mess" "$H/queue/todo" -type f | wc -l | tr -d ' '; }
kirim_idle() {   # the queue empty again (mail-clean done): no overlap with the next run
    i=0
    while [ "$(kirim_queued)" != 0 ] && [ $i -lt $((DRAIN_MAX * 20)) ]; do sleep 0.05; i=$((i + 1)); done
    [ "$(kirim_queued)" = 0 ] || say "WARNING: kirim queue not empty after ${DRAIN_MAX}s"
}
SRCARGS="-M client.bench.test -f $FROM -t $RCPT"
$SOURCE $SRCARGS -m 1 -F "$T/msg2" "127.0.0.1:$KPORT" || { cat "$T/smtpd.log" >&2; die "smtp-source to kirim failed"; }
"$T/deliv" wait "$KNEW" 1 30 >/dev/null || { cat "$T/send.log" >&2; die "kirim did not deliver the test message"; }
find "$KNEW" -type f -delete
kirim_idle

# ---------------------------------------------------------------- Postfix
postfix_start
wait_port "$PPORT" || die "Postfix's smtpd is not listening on $PF_SMTPD"
$SOURCE $SRCARGS -m 1 -F "$T/msg2" "$PF_SMTPD" || die "smtp-source to Postfix failed (see $P/maillog)"
"$T/deliv" wait "$PNEW" 1 60 >/dev/null || die "Postfix did not deliver the test message (see $P/maillog)"
pf_drain
find "$PNEW" -type f -delete

FS=$(df -T "$T" | awk 'NR == 2 { print $1 " " $2 }')
say "machine: $(nproc) CPUs, $(uname -r), $T on $FS, load $(cut -d' ' -f1-3 /proc/loadavg)"
{
    echo "# kirim SMTP benchmark $STAMP"
    echo "# machine: $(nproc) CPUs, $(uname -r), $T on $FS"
    echo "# client: $SOURCE $SRCARGS -s PAR -m N -F MSG HOST:PORT"
    echo "# kirim: tcpserver -c 200 + mail-smtpd on 127.0.0.1:$KPORT; mail-start running"
    echo "# postfix $PFVER: smtpd on $PF_SMTPD"
    echo "# N=$N REPS=$REPS SIZES_KB=$SIZES PAR=$PARS"
    echo "# system size_kb par rep n accept_s end_to_end_s accept_msg_per_s e2e_msg_per_s cpu_ms_per_msg load1 cpu_ms_per_msg_first_root"
} > "$RAW"

# ---------------------------------------------------------------- runs
# tree_ticks PID...: CPU time (clock ticks) used so far by these processes,
# their live descendants and the children they have reaped
tree_ticks() {
    ps -e -o pid=,ppid= | awk -v roots="$*" '
{ par[$1] = $2 }
END {
    n = split(roots, r, " ")
    for (i = 1; i <= n; i++) in_tree[r[i]] = 1
    do { more = 0
         for (p in par) if (!(p in in_tree) && (par[p] in in_tree)) { in_tree[p] = 1; more = 1 }
    } while (more)
    for (p in in_tree) {
        f = "/proc/" p "/stat"
        if ((getline line < f) > 0) {
            sub(/^[0-9]+ \([^)]*\) /, "", line)
            split(line, a, " ")
            t += a[12] + a[13] + a[14] + a[15]
        }
        close(f)
    }
    printf "%d\n", t
}'
}
TCK=$(getconf CLK_TCK)
pf_master() { tr -d ' ' < "$P/spool/pid/master.pid"; }
# run SYSTEM NEWDIR SIZE PAR REP HOST:PORT DRAIN ROOTS...: one run; CPU is
# counted from its start until the queue has drained (DRAIN), for all the
# ROOTS and, in the last column, for the first one alone
run() {
    sys=$1 dir=$2 s=$3 p=$4 rep=$5 addr=$6 drain=$7
    shift 7
    sync
    c0=$(tree_ticks "$@") a0=$(tree_ticks "$1")
    t0=$(date +%s.%N)
    $SOURCE $SRCARGS -s "$p" -m "$N" -F "$T/msg$s" "$addr" > "$T/source.out" 2>&1 ||
        say "WARNING: $sys ${s}KB x$p rep $rep: smtp-source failed: $(head -3 "$T/source.out")"
    t1=$(date +%s.%N)
    w=$("$T/deliv" wait "$dir" "$N" 900) || say "WARNING: $sys delivered ${w#* } of $N in 900 s"
    load=$(cut -d' ' -f1 /proc/loadavg)
    $drain
    c1=$(tree_ticks "$@") a1=$(tree_ticks "$1")
    line=$(awk -v t0="$t0" -v t1="$t1" -v t2="${w% *}" -v n="$N" -v c="$((c1 - c0))" -v tck="$TCK" \
        'BEGIN { printf "%.3f %.3f %.1f %.1f %.2f", t1 - t0, t2 - t0, n / (t1 - t0), n / (t2 - t0), c * 1000 / tck / n }')
    a=$(awk -v a="$((a1 - a0))" -v tck="$TCK" -v n="$N" 'BEGIN { printf "%.2f", a * 1000 / tck / n }')
    echo "$sys $s $p $rep $N $line $load $a" >> "$RAW"
    set -- $line
    say "  $sys ${s}KB x$p rep $rep: accepted $3 msg/s, end to end $4 msg/s, CPU $5 ms/msg"
}
check_count() {   # system newdir: exactly N in the mailbox once the queue is empty
    c=$(find "$2" -type f | wc -l | tr -d ' ')
    [ "$c" = "$N" ] || { say "WARNING: $1: $c messages in the mailbox, want $N"; echo "# $1 count $c != $N" >> "$RAW"; }
    find "$2" -type f -delete
}
run_kirim() {
    run kirim "$KNEW" "$1" "$2" "$3" "127.0.0.1:$KPORT" kirim_idle "$TCPD_PID" "$KIRIM_PID"
    check_count kirim "$KNEW"
}
run_postfix() {
    run postfix "$PNEW" "$1" "$2" "$3" "$PF_SMTPD" pf_drain "$(pf_master)"
    check_count postfix "$PNEW"
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

# ---------------------------------------------------------------- memory
say "memory of one mail-smtpd session, $RSSMB MB message, in clear and over STARTTLS"
RSS_CLEAR=$(python3 "$SRC/bench/smtprss.py" 127.0.0.1 "$KPORT" "$TCPD_PID" 0 "$RSSMB" "$FROM" "$RCPT") ||
    say "WARNING: memory measurement in clear failed"
RSS_TLS=$(python3 "$SRC/bench/smtprss.py" 127.0.0.1 "$KPORT" "$TCPD_PID" 1 "$RSSMB" "$FROM" "$RCPT") ||
    say "WARNING: memory measurement over STARTTLS failed"
kirim_idle
"$T/deliv" wait "$KNEW" 2 60 >/dev/null || say "WARNING: the two large messages were not delivered"
[ "$(grep -l "^Subject: memory" "$KNEW"/* | xargs grep -l "with ESMTPS (TLSv1.2 " | wc -l)" = 1 ] ||
    say "WARNING: no message in the mailbox came over STARTTLS"
find "$KNEW" -type f -delete
echo "# memory kB: hwm_after_greeting hwm_after_data rss_after_data" >> "$RAW"
echo "# memory clear $RSS_CLEAR" >> "$RAW"
echo "# memory tls $RSS_TLS" >> "$RAW"

{
    echo "kirim SMTP benchmark, $STAMP: N=$N per run, $REPS reps per cell, ABBA"
    echo "machine: $(nproc) CPUs, $FS, load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "client:  smtp-source -s PAR -m $N -F msg, one session per message, 127.0.0.1"
    echo "kirim:   tcpserver + mail-smtpd -> mail-queue; mail-start -> mail-local -> Maildir"
    echo "postfix: $PFVER, smtpd -> cleanup -> qmgr -> local -> Maildir"
    echo
    echo "acceptance (smtp-source done, every DATA answered 250), msg/s: median [min..max]"
    printf '%-12s %-26s %-26s %7s\n' "size, par" "kirim" "postfix" "ratio"
    bench_table "$RAW" 8
    echo
    echo "end to end (N-th message in Maildir/new), msg/s: median [min..max]"
    printf '%-12s %-26s %-26s %7s\n' "size, par" "kirim" "postfix" "ratio"
    bench_table "$RAW" 9
    echo
    echo "CPU time per message (ms, all processes of each system, until its queue is empty): median [min..max];"
    echo "here a ratio above 1 means kirim used more CPU"
    printf '%-12s %-26s %-26s %7s\n' "size, par" "kirim" "postfix" "ratio"
    bench_table "$RAW" 10
    echo
    echo "kirim's CPU per message (ms), medians: tcpserver+mail-smtpd+mail-queue / mail-start's side"
    awk '$1 == "kirim" { k = $2 "KB, " $3; if (!(k in n)) o[++m] = k; n[k]++; a[k] = a[k] " " $12; d[k] = d[k] " " $10 - $12 }
function med(l,    v, c, i, j, t) { c = split(l, v, " ")
    for (i = 2; i <= c; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2 }
END { for (i = 1; i <= m; i++) printf "  %-12s %.2f / %.2f\n", o[i], med(a[o[i]]), med(d[o[i]]) }' "$RAW"
    echo
    echo "load average (1 min) when the N-th message arrived: min..max"
    awk '!/^#/ { if (min == "" || $11 + 0 < min + 0) min = $11; if ($11 + 0 > max + 0) max = $11 }
         END { printf "  %s..%s\n", min, max }' "$RAW"
    echo
    echo "one mail-smtpd session, VmHWM (kB) after the greeting / after a $RSSMB MB DATA; VmRSS then:"
    echo "  clear:    $RSS_CLEAR" | awk 'NF == 4 { printf "  %-9s %s / %s; %s\n", $1, $2, $3, $4; next } { print $0 " (failed)" }'
    echo "  STARTTLS: $RSS_TLS" | awk 'NF == 4 { printf "  %-9s %s / %s; %s\n", $1, $2, $3, $4; next } { print $0 " (failed)" }'
} > "$TABLE"
cat "$TABLE"
say "raw numbers: $RAW; table: $TABLE"
