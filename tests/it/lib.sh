# lib.sh: helpers for black-box tests: TAP output, a private kirim instance,
# processes started by the test killed by pid at exit. Source it from a .t file.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/kirim-it.XXXXXX")
chmod 755 "$T"
H=$T/home
PIDS=
MOUNTS=
t_n=0
t_fail=0

cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    for m in $MOUNTS; do umount "$m" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {    # ok CONDITION-EXIT-STATUS NAME
    t_n=$((t_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $t_n - $2"
    else echo "not ok $t_n - $2"; t_fail=$((t_fail + 1)); fi
}
is() {    # is GOT WANT NAME
    t_n=$((t_n + 1))
    if [ "$1" = "$2" ]; then echo "ok $t_n - $3"
    else echo "not ok $t_n - $3"; echo "#   got: '$1'"; echo "#  want: '$2'"
         t_fail=$((t_fail + 1)); fi
}
skip() {  # skip REASON NAME
    t_n=$((t_n + 1)); echo "ok $t_n - $2 # SKIP $1"
}
done_testing() {
    echo "1..$t_n"
    [ "$t_fail" -eq 0 ]
}
diag() { echo "# $*"; }

isroot() { [ "$(id -u)" = 0 ]; }

# build and install a private instance in $T/build -> $H
kirim_instance() {
    mkdir -p "$T/build"
    (cd "$SRC" && tar cf - Makefile conf-* src scripts doc tests/unit) |
        (cd "$T/build" && tar xf -)
    (cd "$T/build" && rm -f src/*.o src/*.d src/*.a src/auto_*.c &&
        rm -rf bin man)
    printf '%s\n' "$H" > "$T/build/conf-home"
    if isroot; then
        (cd "$T/build" && make -s -j2 SAN="$SAN" >/dev/null && sh scripts/setup.sh "" >/dev/null) ||
            { echo "Bail out! build or setup failed"; exit 1; }
    else
        u=$(id -un) g=$(id -gn)
        for i in 1 2 3 4 5 6 7 8; do echo "$u"; done > "$T/build/conf-users"
        printf '%s\n%s\n' "$g" "$g" > "$T/build/conf-groups"
        (cd "$T/build" && make -s -j2 SAN="$SAN" >/dev/null && bin/kirim-install >/dev/null) ||
            { echo "Bail out! build or install failed"; exit 1; }
        printf 'test.example\n' > "$H/control/me"
    fi
    chmod 755 "$T"
}

# count entries in a split queue directory
qcount() { find "$H/queue/$1" -type f | wc -l | tr -d ' '; }
