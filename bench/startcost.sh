#!/bin/sh
# startcost.sh: what one program start costs on this machine, and how much
# of it is glibc's own start-up. kirim starts three programs for each
# message that arrives by SMTP (mail-smtpd, mail-queue, mail-local) and
# three for each injected and delivered one (mail-inject, mail-queue,
# mail-local); Postfix starts none per message once its daemons run. So
# the cost of a start bounds kirim's rate against Postfix's on a machine
# where starts are dear (doc/performance.md, "Where the CPU goes").
#
# Prints, for N starts each (bench/execcost.c: fork, execv, waitpid),
# the wall time and the child's CPU time per start of:
#   bare      a static program without libc (exit system call only):
#             the kernel's fork, exec and exit
#   static    an empty main() linked statically with glibc (static PIE,
#             as STATICPROGS are)
#   dynamic   the same linked against the shared glibc (as mail-smtpd)
#   kirim's   bin/mail-inject (a usage error) and bin/mail-smtpd (outside
#             a session it answers 421 and exits), when built
# and, on x86, the time of one CPUID instruction (glibc's start-up asks
# the processor for its cache sizes with dozens of them; under a
# hypervisor each one traps).
# Environment: BENCH_STARTS (default 2000). Any user; needs cc.
set -u
N=${BENCH_STARTS:-2000}
case $N in ''|*[!0-9]*) echo "startcost: BENCH_STARTS must be a number" >&2; exit 111 ;; esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/kirim-start.XXXXXX") || exit 111
trap 'rm -rf "$T"' EXIT
cc -O2 -Wall -o "$T/execcost" "$SRC/bench/execcost.c" || exit 111
printf 'int main(void) { return 0; }\n' > "$T/empty.c"
cc -O2 -static-pie -o "$T/static" "$T/empty.c" || exit 111
cc -O2 -o "$T/dynamic" "$T/empty.c" || exit 111
if [ "$(uname -m)" = x86_64 ]; then
    printf 'void _start(void) { __asm__ volatile("mov $60, %%eax; xor %%edi, %%edi; syscall"); }\n' > "$T/bare.c"
    cc -O2 -static -nostdlib -o "$T/bare" "$T/bare.c" || exit 111
    cat > "$T/cpuid.c" <<'EOF'
#include <cpuid.h>
#include <stdio.h>
#include <time.h>
int main(void)
{
    unsigned a, b, c, d, i, n = 20000;
    struct timespec t0, t1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; ++i) __cpuid_count(4, i & 3, a, b, c, d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("cpuid: %.2f us per instruction\n",
           ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n / 1e3);
    return 0;
}
EOF
    cc -O2 -o "$T/cpuid" "$T/cpuid.c" || exit 111
    "$T/cpuid"
    "$T/execcost" "$N" "$T/bare"
fi
"$T/execcost" "$N" "$T/static"
"$T/execcost" "$N" "$T/dynamic"
for p in mail-inject mail-smtpd; do   # their output goes before execcost's line
    [ -x "$SRC/bin/$p" ] || continue
    "$T/execcost" "$N" "$SRC/bin/$p" -Z < /dev/null > "$T/out" 2>/dev/null
    tail -1 "$T/out"
done
exit 0
