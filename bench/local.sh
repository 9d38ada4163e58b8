#!/bin/sh
# local.sh: end-to-end local delivery benchmark, kirim against Postfix on
# this machine, in one run (ABBA order). Run as root from the top of the
# tree: make bench, or sh bench/local.sh.
#
# Throughput: N messages injected by P parallel injectors (bench/injrun.c:
# one injection process per message), timed from the first fork until the
# N-th file is in the mailbox's Maildir/new (bench/deliv.c wait, polling
# every 2 ms).
#   kirim:   mail-start running (mail-send, mail-lspawn, mail-clean as their
#            users), mail-inject -f FROM kirimbench@bench.test < msg,
#            delivered by mail-local into ~/Maildir/ of user kirimbench
#            (users/assign, home $T/khome).
#   Postfix: a private instance, sendmail -C DIR/etc -f FROM RCPT < msg,
#            pickup/cleanup/qmgr/local into ~kirimbench/Maildir/.
# Latency: one message at a time on an otherwise idle system (BENCH_LAT
# messages, 100 ms apart): time from the fork of the injection program to
# the inotify event of the file's link/rename into new/ (bench/deliv.c
# latency); median, 99th percentile, min, max.
#
# Environment: BENCH_N (default 2000), BENCH_REPS (default 5), BENCH_SIZES
# (KB, default "2 100"), BENCH_PAR (default "1 10"), BENCH_LAT (default 200),
# TMPDIR (default /var/tmp), BENCH_KEEP=1 keeps the temp dir.
# Quick check: BENCH_N=200 BENCH_REPS=1 BENCH_LAT=20 sh bench/local.sh
set -u
NAME=local
N=${BENCH_N:-2000}
REPS=${BENCH_REPS:-5}
SIZES=${BENCH_SIZES:-"2 100"}
PARS=${BENCH_PAR:-"1 10"}
LAT=${BENCH_LAT:-200}
case $N$REPS$LAT in ''|*[!0-9]*) echo "local: BENCH_N, BENCH_REPS, BENCH_LAT must be numbers" >&2; exit 111 ;; esac
. "$(dirname "$0")/lib.sh"
RAW=$OUT/local-$STAMP.raw
TABLE=$OUT/local-$STAMP.table

cc -O2 -Wall -o "$T/injrun" "$SRC/bench/injrun.c" || die "cannot compile injrun.c"
cc -O2 -Wall -o "$T/deliv" "$SRC/bench/deliv.c" || die "cannot compile deliv.c"
for s in $SIZES; do mkmsg "$s"; done
mkmsg 2

bench_user
maildir "$T/pfhome"
maildir "$T/khome"
KNEW=$T/khome/Maildir/new
PNEW=$T/pfhome/Maildir/new

# ---------------------------------------------------------------- kirim
kirim_build
kirim_local
KIRIM_CMD="$H/bin/mail-inject -f $FROM $RCPT"
kirim_queued() { find "$H/queue/mess" "$H/queue/todo" -type f | wc -l | tr -d ' '; }
kirim_idle() {   # the queue empty again (mail-clean done): no overlap with the next run
    i=0
    while [ "$(kirim_queued)" != 0 ] && [ $i -lt 6000 ]; do sleep 0.05; i=$((i + 1)); done
}
"$T/injrun" 1 1 "$T/msg2" $KIRIM_CMD >/dev/null || die "mail-inject failed"
"$T/deliv" wait "$KNEW" 1 30 >/dev/null || { cat "$T/send.log" >&2; die "kirim did not deliver the test message"; }
find "$KNEW" -type f -delete
kirim_idle

# ---------------------------------------------------------------- Postfix
postfix_start
"$T/injrun" 1 1 "$T/msg2" $PF_CMD >/dev/null || die "Postfix's sendmail failed"
"$T/deliv" wait "$PNEW" 1 60 >/dev/null || die "Postfix did not deliver the test message (see $P/maillog)"
pf_drain
find "$PNEW" -type f -delete

FS=$(df -T "$T" | awk 'NR == 2 { print $1 " " $2 }')
say "machine: $(nproc) CPUs, $(uname -r), $T on $FS, load $(cut -d' ' -f1-3 /proc/loadavg)"
{
    echo "# kirim local delivery benchmark $STAMP"
    echo "# machine: $(nproc) CPUs, $(uname -r), $T on $FS"
    echo "# kirim: mail-start running; $KIRIM_CMD"
    echo "# postfix $PFVER: $PF_CMD"
    echo "# N=$N REPS=$REPS SIZES_KB=$SIZES PAR=$PARS"
    echo "# system size_kb par rep n inject_s end_to_end_s msg_per_s"
} > "$RAW"

# ---------------------------------------------------------------- runs
run() {   # system newdir size par rep CMD...
    sys=$1 dir=$2 s=$3 p=$4 rep=$5
    shift 5
    sync
    t0=$(date +%s.%N)
    r=$("$T/injrun" "$p" "$N" "$T/msg$s" "$@") || say "WARNING: $sys run had failures: $r"
    w=$("$T/deliv" wait "$dir" "$N" 900) || say "WARNING: $sys delivered ${w#* } of $N in 900 s"
    set -- $r
    line=$(awk -v t0="$t0" -v t1="${w% *}" -v n="$N" -v inj="$3" \
        'BEGIN { printf "%.3f %.3f %.1f", inj, t1 - t0, n / (t1 - t0) }')
    echo "$sys $s $p $rep $N $line" >> "$RAW"
    say "  $sys ${s}KB x$p rep $rep: ${line##* } msg/s end to end (injection ${line%% *} s)"
    find "$dir" -type f -delete
}
run_kirim() { run kirim "$KNEW" "$1" "$2" "$3" $KIRIM_CMD; kirim_idle; }
run_postfix() { run postfix "$PNEW" "$1" "$2" "$3" $PF_CMD; pf_drain; }

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

# ---------------------------------------------------------------- latency
say "latency: $LAT single 2 KB messages, 100 ms apart, kirim then Postfix"
sleep 2
LK=$("$T/deliv" latency "$KNEW" "$LAT" 100 "$T/msg2" $KIRIM_CMD) || say "WARNING: kirim latency run had failures: $LK"
kirim_idle
LP=$("$T/deliv" latency "$PNEW" "$LAT" 100 "$T/msg2" $PF_CMD) || say "WARNING: Postfix latency run had failures: $LP"
pf_drain
echo "# latency system k median_ms p99_ms min_ms max_ms failures" >> "$RAW"
echo "# latency kirim $LK" >> "$RAW"
echo "# latency postfix $LP" >> "$RAW"

{
    echo "kirim local delivery benchmark, $STAMP: N=$N per run, $REPS reps per cell, ABBA"
    echo "machine: $(nproc) CPUs, $FS, load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "kirim:   mail-start running; mail-inject -f FROM RCPT < msg  -> mail-local -> Maildir"
    echo "postfix: $PFVER, sendmail -C DIR/etc -f FROM RCPT < msg -> local -> Maildir"
    echo
    echo "end to end, msg/s: median [min..max]"
    printf '%-12s %-26s %-26s %7s\n' "size, par" "kirim" "postfix" "ratio"
    bench_table "$RAW" 8
    echo
    echo "latency, injection to new/ (ms), $LAT messages one at a time:"
    echo "  kirim:   median ${LK#* }" | awk '{ printf "  %-8s median %s  p99 %s  min %s  max %s  failures %s\n", $1, $3, $4, $5, $6, $7 }'
    echo "  postfix: median ${LP#* }" | awk '{ printf "  %-8s median %s  p99 %s  min %s  max %s  failures %s\n", $1, $3, $4, $5, $6, $7 }'
} > "$TABLE"
cat "$TABLE"
say "raw numbers: $RAW; table: $TABLE"
