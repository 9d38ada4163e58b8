#!/bin/sh
# all.sh: what `make bench` runs (root): every benchmark against a private
# Postfix in turn (each alternates kirim and Postfix ABBA within itself),
# then one table of every cell: medians, [min..max] and the ratio
# kirim/Postfix, with this disk's fsync ceiling before and after and the
# cost of one program start (bench/startcost.sh).
#   BENCH_ONLY="inject local" sh bench/all.sh   runs a subset
# The knobs of the single scripts (BENCH_N, BENCH_REPS, ...) pass through.
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=$SRC/bench/out
STAMP=$(date -u +%Y%m%d-%H%M%S)
SUMMARY=$OUT/summary-$STAMP.table
LIST=${BENCH_ONLY:-inject local relay smtp}

say() { printf 'all.sh: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "run as root (the benchmarks create users and a private Postfix)"; exit 111; }
mkdir -p "$OUT" || exit 111
T=$(mktemp -d "${TMPDIR:-/var/tmp}/kirim-all.XXXXXX") || exit 111
trap 'rm -rf "$T"' EXIT
cc -O2 -Wall -o "$T/fsyncrate" "$SRC/bench/fsyncrate.c" || { say "cannot compile fsyncrate.c"; exit 111; }
mkdir -p "$T/fsync"

ceiling() {  # one line: cycles/s with 1 and with 10 streams
    a=$("$T/fsyncrate" "$T/fsync" 1 500) || return 1
    b=$("$T/fsyncrate" "$T/fsync" 10 2000) || return 1
    echo "1 stream ${a##* }/s, 10 streams ${b##* }/s"
}

# rows NAME TABLE: the cells of one benchmark's table, prefixed by NAME.
# A cell is a line "CELL kirim [min..max] postfix [min..max] RATIOx ...".
rows() {
    awk -v name="$1" '
    /^acceptance/ { sect = "accept " } /^end to end/ { sect = "e2e " } /^CPU time/ { sect = "cpu ms " }
    /ratio/ { pre = ($1 == "size,") ? sect : $1 " "; next }
    match($0, /[0-9.]+ \[[0-9.]+\.\.[0-9.]+\] +[0-9.]+ \[[0-9.]+\.\.[0-9.]+\] +[0-9.]+x/) {
        cell = substr($0, 1, RSTART - 1); sub(/ +$/, "", cell)
        n = split(substr($0, RSTART, RLENGTH), f, / +/)
        printf "%-8s %-17s %-24s %-24s %s\n", name, pre cell, f[1] " " f[2], f[3] " " f[4], f[5]
        next
    }
    /^#/ { next }
    /latency|RSS|VmHWM/ { follow = 1; printf "%-8s %s\n", name, $0; next }
    follow && /^ +(kirim|postfix|plain|clear|tls|TLS|STARTTLS)/ { printf "%-8s %s\n", name, $0; next }
    { follow = 0 }' "$2"
}

C0=$(ceiling) || { say "fsyncrate failed"; exit 111; }
BENCH_STARTS=1000 sh "$SRC/bench/startcost.sh" | sed 's|^[^:]*/||' > "$T/starts"
L0=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$T/rows"
failed=
for b in $LIST; do
    [ -f "$SRC/bench/$b.sh" ] || { say "no bench/$b.sh, skipped"; continue; }
    say "running bench/$b.sh"
    before=$(ls "$OUT"/"$b"-*.table 2>/dev/null | sort | tail -1)
    if ! sh "$SRC/bench/$b.sh"; then failed="$failed $b"; continue; fi
    t=$(ls "$OUT"/"$b"-*.table 2>/dev/null | sort | tail -1)
    if [ -z "$t" ] || [ "$t" = "$before" ]; then failed="$failed $b"; continue; fi
    rows "$b" "$t" >> "$T/rows"
done
C1=$(ceiling)
{
    echo "kirim against Postfix, make bench of $STAMP (UTC)"
    echo "machine: $(nproc) CPUs; load $L0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    echo "fsync ceiling (create+write 2 KB+fsync+rename+fsync dir): $C0 (start); $C1 (end)"
    echo "one program start (bench/startcost.sh):"
    sed 's/^/    /' "$T/starts"
    echo "figures are msg/s unless the benchmark says otherwise; ratio = kirim / Postfix"
    echo
    printf '%-8s %-17s %-24s %-24s %s\n' bench cell "kirim med [min..max]" "postfix med [min..max]" ratio
    cat "$T/rows"
    [ -z "$failed" ] || echo "FAILED:$failed (see their output above)"
} > "$SUMMARY"
echo
cat "$SUMMARY"
say "summary: $SUMMARY"
[ -z "$failed" ]
