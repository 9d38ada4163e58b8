#!/bin/sh
# fuzz.sh SECONDS NAME...: run each libFuzzer harness tests/fuzz/build/NAME
# for SECONDS, one after the other, starting from tests/fuzz/corpus/NAME.
# New inputs go to tests/fuzz/build/work/NAME (the committed corpus stays
# small and hand-made); a crash leaves tests/fuzz/build/crash/NAME-*
# and makes the exit status 1. One summary line per harness at the end.
secs=$1; shift
out=tests/fuzz/build
mkdir -p "$out/crash" "$out/log" || exit 111
summary=
status=0
for name in "$@"; do
    mkdir -p "$out/work/$name" || exit 111
    echo "fuzz: $name for $secs s"
    "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
        -max_len=16384 -print_final_stats=1 \
        -artifact_prefix="$out/crash/$name-" \
        "$out/work/$name" "tests/fuzz/corpus/$name" > "$out/log/$name" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log/$name" | tail -1)
    cov=$(sed -n 's/^#[0-9]*.*DONE *cov: \([0-9]*\).*/\1/p' "$out/log/$name" | tail -1)
    if [ "$rc" -eq 0 ]; then
        line="ok    $name: ${runs:-?} runs in $secs s, cov ${cov:-?}"
    else
        line="CRASH $name (exit $rc): see $out/log/$name and $out/crash/"
        status=1
        tail -40 "$out/log/$name" >&2
    fi
    summary="$summary$line
"
done
printf '%s' "$summary"
exit $status
