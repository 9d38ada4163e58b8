# smtpd-lib.sh: a private instance with mail-smtpd under tcpserver on loopback,
# and helpers to talk to it. Source after lib.sh; call smtpd_setup first.
ME=test.example
SIP=127.0.0.20          # the server's address
RIP=127.0.0.21          # a client with RELAYCLIENT="" in tcp.cdb
NIP=127.0.0.22          # an ordinary client

freeport() {
    python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}

# the local user that mail is for: a real account as root, else the caller
smtpd_user() {
    if isroot; then
        LU=kirimsd1
        userdel "$LU" 2>/dev/null
        useradd -M -d "$T/$LU" -s /usr/sbin/nologin "$LU" || echo "Bail out! useradd $LU"
        mkdir -p "$T/$LU"; chown "$LU:" "$T/$LU"; chmod 711 "$T/$LU"
        trap 'userdel kirimsd1 2>/dev/null; cleanup' EXIT
    else
        LU=$(id -un)
    fi
}

smtpd_setup() {
    kirim_instance
    printf '%s\n' "$ME" > "$H/control/me"
    printf '%s\nlocalhost\n' "$ME" > "$H/control/locals"
    printf '%s\nbackup.example\n' "$ME" > "$H/control/rcpthosts"
    printf '%s\n' 30 > "$H/control/timeoutsmtpd"
    smtpd_user
    printf '%s:allow,RELAYCLIENT=""\n:allow\n' "$RIP" > "$T/tcp.smtp"
    tcprules "$T/tcp.cdb" "$T/tcp.tmp" < "$T/tcp.smtp" || echo "Bail out! tcprules"
    chmod 644 "$T/tcp.cdb"
}

# smtpd_start [env VAR=value ...]: tcpserver on $SIP:$PORT, log in $T/smtpd.log
smtpd_start() {
    PORT=$(freeport "$SIP")
    ids=
    isroot && ids="-u $(id -u kirimd) -g $(getent group nofiles | cut -d: -f3)"
    env "$@" tcpserver -R -H -l0 -c 250 -b 250 -x "$T/tcp.cdb" $ids "$SIP" "$PORT" \
        "$H/bin/mail-smtpd" $SMTPD_ARGS 2>> "$T/smtpd.log" &
    SPID=$!
    PIDS="$PIDS $SPID"
    n=100
    while [ $n -gt 0 ] && ! (exec 3<>"/dev/tcp/$SIP/$PORT") 2>/dev/null; do
        sleep 0.1; n=$((n - 1))
    done
    [ $n -gt 0 ] || echo "Bail out! tcpserver did not start"
}

smtpd_stop() {   # also at the end of every test, so nothing is left running
    kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
}

# dialog NAME [SOURCE-IP] < script: run a scripted dialog (smtpc.py), one test
dialog() {
    python3 "$SRC/tests/it/smtpc.py" "$SIP" "$PORT" "${2:-$NIP}" > "$T/dialog.out" 2>&1
    r=$?
    ok $r "$1"
    [ $r -eq 0 ] || sed 's/^/#   /' "$T/dialog.out"
}

nmess() { qcount mess; }
