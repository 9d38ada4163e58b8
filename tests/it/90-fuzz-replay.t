#!/bin/bash
# 90-fuzz-replay.t: every fuzz harness, built with the ordinary compiler
# (and with ASan+UBSan under make check-asan), replays its whole corpus in
# tests/fuzz/corpus/NAME: the seeds and every input that once crashed.
. "$(dirname "$0")/lib.sh"

n=0
for c in "$SRC"/tests/fuzz/*.c; do
    name=$(basename "$c" .c)
    [ "$name" = replay ] && continue
    n=$((n + 1))
    bin=$SRC/tests/fuzz/${name}_replay
    dir=$SRC/tests/fuzz/corpus/$name
    if [ ! -x "$bin" ]; then
        ok 1 "$name: replay driver built (run make first)"; continue
    fi
    files=$(find "$dir" -type f 2>/dev/null | wc -l)
    out=$("$bin" "$dir" 2>&1)
    rc=$?
    [ "$rc" -ne 0 ] && printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
    ok $(( rc != 0 || files == 0 )) "$name: $files corpus inputs replay without a crash"
done
ok $(( n < 14 )) "at least 14 harnesses ($n)"
done_testing
