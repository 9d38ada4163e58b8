# lib.sh: pieces shared by the benchmarks (sourced; POSIX sh, run as root):
# a temp dir with cleanup, a private kirim instance, a private Postfix that
# delivers to ~kirimbench/Maildir, message files, and the median table.
# The caller sets NAME (for messages) before sourcing, and may set
# KEEP_USER_HOME. Variables it gets: SRC OUT STAMP T H B P BUSER PFVER.
# (bench/inject.sh predates this file and still carries its own copy.)

FROM=bench@bench.test
BUSER=${BENCH_USER:-kirimbench}   # the local user both systems deliver to
RCPT=$BUSER@bench.test
DRAIN_MAX=${DRAIN_MAX:-900}

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=$SRC/bench/out
STAMP=$(date -u +%Y%m%d-%H%M%S)
PF_STARTED=0
MADE_USER=0
KIRIM_PID=

say() { printf '%s\n' "$NAME: $*" >&2; }
die() { say "fatal: $*"; exit 111; }

[ "$(id -u)" = 0 ] || die "run as root (kirim's setup creates its users; Postfix's sendmail -C works for root only)"
command -v cc >/dev/null || die "no cc (apt-get install build-essential)"
T=$(mktemp -d "${TMPDIR:-/var/tmp}/kirim-bench.XXXXXX") || die "cannot make a temp dir"
chmod 755 "$T"
case $T in *[[:space:]]*) rmdir "$T"; die "TMPDIR must not contain blanks" ;; esac
P=$T/postfix
H=$T/home
B=$T/build
mkdir -p "$OUT" || die "cannot create $OUT"

bench_cleanup() {
    if [ -n "$KIRIM_PID" ]; then
        kill -TERM "$KIRIM_PID" 2>/dev/null
        i=0
        while kill -0 "$KIRIM_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$KIRIM_PID" 2>/dev/null
    fi
    if [ "$PF_STARTED" = 1 ]; then
        postfix -c "$P/etc" stop >/dev/null 2>&1
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
trap bench_cleanup EXIT
trap 'exit 1' INT TERM HUP

# mkmsg KB: $T/msgKB, about KB kilobytes with complete headers
mkmsg() {
    {
        printf 'From: Bench <%s>\n' "$FROM"
        printf 'To: <%s>\n' "$RCPT"
        printf 'Subject: benchmark, %s KB\n' "$1"
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

# the mailbox user, home $T/pfhome (Postfix delivers to ~/Maildir/)
bench_user() {
    if getent passwd "$BUSER" >/dev/null; then
        usermod -d "$T/pfhome" "$BUSER" || die "cannot set $BUSER's home"
    else
        useradd --system --no-create-home --home-dir "$T/pfhome" \
            --shell /usr/sbin/nologin "$BUSER" || die "cannot create user $BUSER"
        MADE_USER=1
    fi
}
# maildir DIR: a Maildir in DIR (created) owned by the mailbox user
maildir() {
    mkdir -p "$1/Maildir/new" "$1/Maildir/cur" "$1/Maildir/tmp"
    chown -R "$BUSER" "$1"
    chmod 700 "$1"
}

# a private kirim in $H, built from this tree as tests/it/lib.sh does
kirim_build() {
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
}

# kirim_local: after kirim_build, the instance takes bench.test as local,
# delivers $RCPT to $T/khome/Maildir/ (users/assign), and mail-start runs
# (KIRIM_PID, log in $T/send.log)
kirim_local() {
    printf 'bench.test\n' > "$H/control/locals"
    chmod 644 "$H/control/locals"
    printf '=%s:%s:%s:%s:%s:::\n.\n' "$BUSER" "$BUSER" "$(id -u "$BUSER")" "$(id -g "$BUSER")" \
        "$T/khome" > "$H/users/assign"
    "$H/bin/mail-newu" || die "mail-newu failed"
    "$H/bin/mail-start" > "$T/send.log" 2>&1 &
    KIRIM_PID=$!
    i=0
    while ! grep -q "messages in the queue at start" "$T/send.log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q "messages in the queue at start" "$T/send.log" || { cat "$T/send.log" >&2; die "mail-start did not come up"; }
}

# a private Postfix in $P delivering to ~kirimbench/Maildir/, started
postfix_start() {
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
home_mailbox = Maildir/
biff = no
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
EOF
    awk '/^[a-z]/ && NF >= 8 { $5 = "n" } /^smtp[ \t]+inet/ { next } { print }' \
        /etc/postfix/master.cf > "$P/etc/master.cf"
    [ -z "${PF_SMTPD:-}" ] ||   # bench/smtp.sh: an smtpd listening on PF_SMTPD (ip:port)
        printf '%s inet n - n - - smtpd\n' "$PF_SMTPD" >> "$P/etc/master.cf"
    postfix -c "$P/etc" check >"$T/pfcheck.log" 2>&1 ||
        { cat "$T/pfcheck.log" "$P/maillog" >&2 2>/dev/null; die "postfix check failed"; }
    postfix -c "$P/etc" start >"$T/pfstart.log" 2>&1 ||
        { cat "$T/pfstart.log" "$P/maillog" >&2 2>/dev/null; die "postfix start failed"; }
    PF_STARTED=1
    i=0
    while [ ! -e "$P/spool/public/pickup" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -e "$P/spool/public/pickup" ] || die "Postfix did not start (no public/pickup)"
    PF_CMD="/usr/sbin/sendmail -C $P/etc -f $FROM $RCPT"
}
pf_queued() {
    find "$P/spool/maildrop" "$P/spool/incoming" "$P/spool/active" \
        "$P/spool/deferred" "$P/spool/hold" -type f 2>/dev/null | wc -l | tr -d ' '
}
# pf_drain: wait until Postfix's queue is empty
pf_drain() {
    i=0
    while [ "$(pf_queued)" != 0 ] && [ $i -lt $((DRAIN_MAX * 20)) ]; do
        sleep 0.05; i=$((i + 1))
    done
    [ "$(pf_queued)" = 0 ] || say "WARNING: Postfix queue not empty after ${DRAIN_MAX}s"
}

# bench_table RAW COL: per "system size par" cell, the median [min..max] of
# column COL (the figures) for kirim and postfix, and the ratio of medians
# (kirim/postfix; RATIO=inverse gives postfix/kirim, for times)
bench_table() {
    awk -v col="$2" -v inv="${RATIO:-}" '
function stats(list,    a, n, i, j, t, med) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    S_med = med; S_min = a[1]; S_max = a[n]
}
/^#/ { next }
{
    key = $2 " " $3
    if (!(key in seen)) { seen[key] = 1; order[++ncell] = key }
    v[$1, key] = v[$1, key] " " $col
}
END {
    for (c = 1; c <= ncell; c++) {
        key = order[c]; split(key, kp, " ")
        stats(v["kirim", key]); km = S_med; kr = sprintf("%.1f [%.1f..%.1f]", S_med, S_min, S_max)
        stats(v["postfix", key]); pm = S_med; pr = sprintf("%.1f [%.1f..%.1f]", S_med, S_min, S_max)
        r = inv ? (km > 0 ? pm / km : 0) : (pm > 0 ? km / pm : 0)
        printf "%-12s %-26s %-26s %6.2fx\n", kp[1] "KB, " kp[2], kr, pr, r
    }
}' "$1"
}
