#!/bin/sh
# relay.sh: relay benchmark, kirim (mail-inject -> queue -> mail-remote) against
# Postfix (sendmail -> postdrop -> queue -> smtp), both relaying to the same
# local sink, on this machine, in one run (ABBA order), without and with TLS.
# Run as root from the top of the tree: make bench, or sh bench/relay.sh.
#
# What is measured: the wall time from starting the first injector until the
# sink has received all N messages (P parallel injectors, one process per
# message, each for one recipient in relay.test, routed to the sink:
# kirim by control/smtproutes, Postfix by relayhost). Sinks on 127.0.0.1:
#   clear: Postfix's smtp-sink (C, event-driven), writing each message to a file;
#   TLS:   tests/it/smtppeer.py --starttls (python3 ssl, i.e. OpenSSL; threads),
#          because smtp-sink does not speak TLS. It is slower than smtp-sink
#          and may be the limit of the TLS cells: compare the two systems in
#          the same cell, not TLS cells with clear ones.
#
# Environment: BENCH_N (messages per run, default 2000), BENCH_REPS
# (repetitions per cell and system, default 3), BENCH_PAR (parallel
# injectors, default 10), BENCH_TLS ("0 1": clear and TLS cells),
# BENCH_TIMEOUT (seconds a run may take, default 900), TMPDIR (default
# /var/tmp), BENCH_KEEP=1 (keep the temp dir).
# Quick check: BENCH_N=100 BENCH_REPS=1 sh bench/relay.sh
set -u

N=${BENCH_N:-2000}
REPS=${BENCH_REPS:-3}
PAR=${BENCH_PAR:-10}
TLSCELLS=${BENCH_TLS:-"0 1"}
RUNMAX=${BENCH_TIMEOUT:-900}
FROM=bench@bench.test
RCPT=sink@relay.test
SIZE=2

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=$SRC/bench/out
STAMP=$(date -u +%Y%m%d-%H%M%S)
RAW=$OUT/relay-$STAMP.raw
TABLE=$OUT/relay-$STAMP.table

say() { printf '%s\n' "relay: $*" >&2; }
die() { say "fatal: $*"; exit 111; }

[ "$(id -u)" = 0 ] || die "run as root (kirim's setup creates its users; postdrop runs for a private config only as root)"
for v in "$N" "$REPS" "$PAR" "$RUNMAX"; do
    case $v in ''|*[!0-9]*) die "BENCH_N, BENCH_REPS, BENCH_PAR and BENCH_TIMEOUT must be numbers" ;; esac
done
command -v cc >/dev/null || die "no cc (apt-get install build-essential)"
command -v python3 >/dev/null || die "no python3"
command -v openssl >/dev/null || die "no openssl"
PATH=$PATH:/usr/sbin

T=$(mktemp -d "${TMPDIR:-/var/tmp}/kirim-relay.XXXXXX") || die "cannot make a temp dir"
chmod 755 "$T"
case $T in *[[:space:]]*) rmdir "$T"; die "TMPDIR must not contain blanks" ;; esac
P=$T/postfix
H=$T/home
B=$T/build
PF_STARTED=0
START_PID=
SINK_PID=

stop_pid() {   # kill a process we started, and wait for it
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$1" 2>/dev/null
    return 0
}
cleanup() {
    stop_pid "$SINK_PID"
    stop_pid "$START_PID"
    if [ "$PF_STARTED" = 1 ]; then
        postfix -c "$P/etc" stop >/dev/null 2>&1
        mp=$(tr -d ' ' < "$P/spool/pid/master.pid" 2>/dev/null)
        i=0
        while [ -n "$mp" ] && kill -0 "$mp" 2>/dev/null && [ $i -lt 100 ]; do
            sleep 0.1; i=$((i + 1))
        done
        [ -n "$mp" ] && kill -0 "$mp" 2>/dev/null && kill -9 "$mp" 2>/dev/null
    fi
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$OUT" || die "cannot create $OUT"
cc -O2 -Wall -o "$T/injrun" "$SRC/bench/injrun.c" || die "cannot compile injrun.c"

# the message: about 2 KB with complete headers
{
    printf 'From: Bench <%s>\nTo: <%s>\nSubject: relay benchmark\n' "$FROM" "$RCPT"
    printf 'Date: %s\nMessage-ID: <relay-bench@bench.test>\n' "$(LC_ALL=C date -R)"
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n'
    i=0
    while [ $i -lt $((SIZE * 1024 / 77)) ]; do printf '%075d\n' "$i"; i=$((i + 1)); done
} > "$T/msg"

freeport() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
SPORT=$(freeport)

# ---------------------------------------------------------------- sinks
mkdir -p "$T/sink" "$T/certs"
chmod 777 "$T/sink"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/certs/sink.key" -out "$T/certs/sink.crt" \
    -days 2 -subj /CN=sink.relay.test >/dev/null 2>&1 || die "cannot make the sink's certificate"

sink_start() {   # 0: smtp-sink; 1: the python peer with STARTTLS
    rm -rf "$T/sink"; mkdir -p "$T/sink"; chmod 777 "$T/sink"
    if [ "$1" = 0 ]; then
        smtp-sink -u nobody -d "$T/sink/%M." -h sink.relay.test 127.0.0.1:"$SPORT" 256 \
            2>"$T/sink.err" &
    else
        python3 "$SRC/tests/it/smtppeer.py" --ip 127.0.0.1 --port "$SPORT" --pipelining \
            --starttls "$T/certs/sink.crt" "$T/certs/sink.key" --store "$T/sink" \
            --log /dev/null 2>"$T/sink.err" &
    fi
    SINK_PID=$!
    i=0
    while ! ss -Hltn "( sport = :$SPORT )" | grep -q . && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    ss -Hltn "( sport = :$SPORT )" | grep -q . || die "the sink did not start: $(cat "$T/sink.err")"
}
sink_stop() { stop_pid "$SINK_PID"; SINK_PID=; }
sink_count() {
    if [ "$SINK_TLS" = 0 ]; then find "$T/sink" -type f | wc -l | tr -d ' '
    else find "$T/sink" -name '*.env' | wc -l | tr -d ' '; fi
}
sink_clean() { find "$T/sink" -type f -delete; }

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
printf 'relay.test:[127.0.0.1]:%s\n' "$SPORT" > "$H/control/smtproutes"
chmod 644 "$H/control/me" "$H/control/defaultdomain" "$H/control/smtproutes"
"$H/bin/mail-start" > "$T/kirim.log" 2>&1 &
START_PID=$!
KIRIM_CMD="$H/bin/mail-inject -f $FROM $RCPT"
kirim_queued() { find "$H/queue/mess" -type f | wc -l | tr -d ' '; }

# ---------------------------------------------------------------- Postfix
if ! command -v postfix >/dev/null 2>&1 || [ ! -x /usr/sbin/postdrop ]; then
    say "installing Postfix from Debian (not configured, not started)"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix \
        >"$T/apt.log" 2>&1 || { tail -20 "$T/apt.log" >&2; die "cannot install postfix"; }
fi
PFVER=$(postconf -d -h mail_version 2>/dev/null)
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
biff = no
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
relayhost = [127.0.0.1]:$SPORT
smtp_tls_security_level = none
smtp_tls_loglevel = 1
EOF
awk '/^[a-z]/ && NF >= 8 { $5 = "n" } /^smtp[ \t]+inet/ { next } { print }' \
    /etc/postfix/master.cf > "$P/etc/master.cf"
postfix -c "$P/etc" check >"$T/pfcheck.log" 2>&1 ||
    { cat "$T/pfcheck.log" "$P/maillog" >&2 2>/dev/null; die "postfix check failed"; }
postfix -c "$P/etc" start >"$T/pfstart.log" 2>&1 ||
    { cat "$T/pfstart.log" "$P/maillog" >&2 2>/dev/null; die "postfix start failed"; }
PF_STARTED=1
PF_CMD="/usr/sbin/sendmail -C $P/etc -f $FROM $RCPT"
pf_queued() {
    find "$P/spool/maildrop" "$P/spool/incoming" "$P/spool/active" \
        "$P/spool/deferred" "$P/spool/hold" -type f 2>/dev/null | wc -l | tr -d ' '
}
pf_tls() {   # 0 or 1: Postfix's smtp client without or with opportunistic TLS
    if [ "$1" = 1 ]; then postconf -c "$P/etc" -e smtp_tls_security_level=may
    else postconf -c "$P/etc" -e smtp_tls_security_level=none; fi
    postfix -c "$P/etc" reload >/dev/null 2>&1
    sleep 1
}

# ---------------------------------------------------------------- runs
now() { date +%s.%N; }
# wait until the sink holds N messages (or RUNMAX): prints seconds since $1
# (N, or fewer once the injectors are done and some injections failed)
expected() {
    if [ -s "$T/inj.out" ]; then awk -v n="$N" '{ print n - $5 }' "$T/inj.out"; else echo "$N"; fi
}
wait_sink() {
    deadline=$(( $(date +%s) + RUNMAX ))
    while [ "$(sink_count)" -lt "$(expected)" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
    awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f\n", b - a }'
}
wait_empty() {   # COMMAND: until it prints 0, at most RUNMAX seconds
    deadline=$(( $(date +%s) + RUNMAX ))
    while [ "$($1)" != 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
    [ "$($1)" = 0 ] || say "WARNING: $1 not 0 after ${RUNMAX}s"
}
one_run() {   # SYSTEM TLS REP
    sink_clean
    : > "$T/inj.out"
    sync
    t0=$(now)
    if [ "$1" = kirim ]; then "$T/injrun" "$PAR" "$N" "$T/msg" $KIRIM_CMD > "$T/inj.out" &
    else "$T/injrun" "$PAR" "$N" "$T/msg" $PF_CMD > "$T/inj.out" & fi
    ipid=$!
    s=$(wait_sink "$t0")
    wait "$ipid" || say "WARNING: $1 injection had failures: $(cat "$T/inj.out")"
    c=$(sink_count)
    [ "$c" = "$N" ] || say "WARNING: the sink got $c messages from $1, expected $N (injection failures: $(awk '{ print $5 }' "$T/inj.out"))"
    rate=$(awk -v n="$c" -v s="$s" 'BEGIN { printf "%.1f", n / s }')
    echo "$1 $2 $3 $c $s $rate" >> "$RAW"
    say "  $1 tls=$2 rep $3: $c messages in ${s}s, $rate msg/s"
    if [ "$1" = kirim ]; then wait_empty kirim_queued; else wait_empty pf_queued; fi
}

# a test message through each system, to see that everything works
SINK_TLS=0
sink_start 0
"$T/injrun" 1 1 "$T/msg" $KIRIM_CMD >/dev/null || die "kirim's mail-inject failed"
"$T/injrun" 1 1 "$T/msg" $PF_CMD >/dev/null || die "Postfix's sendmail failed"
i=0
while [ "$(sink_count)" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(sink_count)" = 2 ] || die "the test messages did not reach the sink (see $T/kirim.log, $P/maillog; BENCH_KEEP=1)"
wait_empty kirim_queued; wait_empty pf_queued
sink_stop

{
    echo "# kirim relay benchmark $STAMP"
    echo "# machine: $(nproc) CPUs, $(uname -r), $T on $(df -T "$T" | awk 'NR == 2 { print $1 " " $2 }')"
    echo "# kirim: $KIRIM_CMD (control/smtproutes relay.test:[127.0.0.1]:PORT)"
    echo "# postfix $PFVER: $PF_CMD (relayhost [127.0.0.1]:PORT)"
    echo "# N=$N REPS=$REPS PAR=$PAR SIZE_KB=$SIZE"
    echo "# system tls rep received seconds msg_per_s"
} > "$RAW"

say "N=$N messages per run, $PAR injectors, $REPS repetitions per cell, ABBA order"
for tls in $TLSCELLS; do
    SINK_TLS=$tls
    sink_start "$tls"
    pf_tls "$tls"
    rep=1
    while [ $rep -le "$REPS" ]; do
        if [ $((rep % 2)) = 1 ]; then one_run kirim "$tls" $rep; one_run postfix "$tls" $rep
        else one_run postfix "$tls" $rep; one_run kirim "$tls" $rep; fi
        rep=$((rep + 1))
    done
    sink_stop
done
grep -q "TLS: TLSv1.2" "$T/kirim.log" && echo "# kirim's log shows TLS sessions" >> "$RAW"
grep -q "TLS connection established" "$P/maillog" && echo "# Postfix's log shows TLS sessions" >> "$RAW"

# ---------------------------------------------------------------- table
awk '
function stats(list,    a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    S_med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2; S_min = a[1]; S_max = a[n]
}
/^#/ { next }
{ if (!($2 in seen)) { seen[$2] = 1; order[++nc] = $2 } v[$1, $2] = v[$1, $2] " " $6 }
END {
    printf "%-6s %-24s %-24s %7s\n", "TLS", "kirim msg/s", "postfix msg/s", "ratio"
    for (c = 1; c <= nc; c++) {
        k = order[c]
        stats(v["kirim", k]); km = S_med; kr = sprintf("%.0f [%.0f..%.0f]", S_med, S_min, S_max)
        stats(v["postfix", k]); pm = S_med; pr = sprintf("%.0f [%.0f..%.0f]", S_med, S_min, S_max)
        printf "%-6s %-24s %-24s %6.2fx\n", (k == 1 ? "yes" : "no"), kr, pr, (pm > 0 ? km / pm : 0)
    }
}' "$RAW" > "$TABLE"
{
    echo
    echo "kirim relay benchmark, $STAMP: N=$N, 2 KB, $PAR injectors, $REPS reps per cell, ABBA"
    echo "time from the first injection until the sink holds all N messages"
    echo "sinks: smtp-sink (clear), tests/it/smtppeer.py --starttls (TLS)"
    grep '^# .*log shows TLS' "$RAW"
    echo
    cat "$TABLE"
} | tee "$TABLE.txt"
mv "$TABLE.txt" "$TABLE"
say "raw numbers: $RAW; table: $TABLE"
