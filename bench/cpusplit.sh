#!/bin/sh
# cpusplit.sh: where kirim's CPU goes in local delivery, end to end (kirim
# alone: a diagnostic for doc/performance.md, "Where the CPU goes", not a
# comparison; bench/local.sh is the benchmark against Postfix).
# Run as root from the top of the tree.
#
# A private instance as bench/local.sh builds it (mail-start running,
# delivery to ~kirimbench/Maildir/). Each run: N messages of 2 KB injected
# by P parallel mail-inject runs (bench/injrun.c), timed until the N-th is
# in Maildir/new. Per run it prints the end-to-end rate, when injection
# ended, the share of the machine's CPU time that was busy, in iowait and
# idle (/proc/stat), and the CPU per message of: the injection (mail-inject
# and mail-queue: the shell's children, `times`), mail-send, mail-lspawn
# with the mail-local processes it reaped, and mail-clean (/proc/PID/stat,
# children included).
# Environment: BENCH_N (default 2000), BENCH_PAR (default 10), BENCH_REPS
# (default 3), TMPDIR (default /var/tmp), BENCH_KEEP=1 keeps the temp dir.
set -u
NAME=cpusplit
N=${BENCH_N:-2000}
PAR=${BENCH_PAR:-10}
REPS=${BENCH_REPS:-3}
case $N$PAR$REPS in ''|*[!0-9]*) echo "cpusplit: BENCH_N, BENCH_PAR, BENCH_REPS must be numbers" >&2; exit 111 ;; esac
. "$(dirname "$0")/lib.sh"
cc -O2 -Wall -o "$T/injrun" "$SRC/bench/injrun.c" || die "cannot compile injrun.c"
cc -O2 -Wall -o "$T/deliv" "$SRC/bench/deliv.c" || die "cannot compile deliv.c"
mkmsg 2
bench_user
maildir "$T/khome"
KNEW=$T/khome/Maildir/new
kirim_build
kirim_local
TCK=$(getconf CLK_TCK)

ticks() {   # PROGRAM: its CPU ticks so far, with its reaped children
    p=$(pgrep -P "$KIRIM_PID" -x "$1") || { echo 0; return; }
    awk '{ sub(/^[0-9]+ \([^)]*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$p/stat"
}
kids() {    # KIDS: the shell's reaped children so far, user + system, in s
    times > "$T/times"      # in this shell, not in a $(...) subshell
    KIDS=$(awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$T/times")
}
say "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); N=$N P=$PAR"
for rep in $(seq "$REPS"); do
    sync
    kids; k0=$KIDS
    s0=$(ticks mail-send) l0=$(ticks mail-lspawn) c0=$(ticks mail-clean)
    st0=$(head -1 /proc/stat)
    t0=$(date +%s.%N)
    "$T/injrun" "$PAR" "$N" "$T/msg2" "$H/bin/mail-inject" -f "$FROM" "$RCPT" >/dev/null ||
        say "WARNING: injection failures"
    ti=$(date +%s.%N)
    kids; k1=$KIDS
    w=$("$T/deliv" wait "$KNEW" "$N" 300) || say "WARNING: delivered ${w#* } of $N in 300 s"
    st1=$(head -1 /proc/stat)
    s1=$(ticks mail-send) l1=$(ticks mail-lspawn) c1=$(ticks mail-clean)
    echo "$st0 $st1" | awk -v t0="$t0" -v ti="$ti" -v t1="${w% *}" -v n="$N" -v tck="$TCK" \
        -v inj="$k0 $k1" -v send=$((s1 - s0)) -v lsp=$((l1 - l0)) -v cln=$((c1 - c0)) '
    { b = ($13 + $14 + $15 + $18 + $19) - ($2 + $3 + $4 + $7 + $8); w = $17 - $6; d = $16 - $5; t = b + w + d
      split(inj, k, " ")
      printf "run: %.1f msg/s end to end, injection ended at %.2f s of %.2f s\n", n / (t1 - t0), ti - t0, t1 - t0
      printf "     CPUs busy %.0f%%, iowait %.0f%%, idle %.0f%%\n", 100 * b / t, 100 * w / t, 100 * d / t
      printf "     CPU per message: injection %.2f ms, mail-send %.2f ms, mail-lspawn+mail-local %.2f ms, mail-clean %.2f ms\n",
          (k[2] - k[1]) * 1000 / n, send * 1000 / tck / n, lsp * 1000 / tck / n, cln * 1000 / tck / n }'
    find "$KNEW" -type f -delete
    i=0
    while [ "$(find "$H/queue/mess" -type f | wc -l)" != 0 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
done
