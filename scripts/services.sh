#!/bin/sh
# services.sh: write the supervise/runsv service directory for mail-start
# (conf-home/service/send, with a multilog logger). Never overwrites a file.
# Usage: sh scripts/services.sh [destdir]   (from the build directory, as root)
set -e
destdir=$1
home=$(head -1 conf-home)
set -- $(head -8 conf-users)
ulog=$3
gother=$(sed -n 2p conf-groups)
svc=$destdir$home/service/send

put() {   # file mode content: only when absent
    [ -e "$1" ] && return 0
    printf '%s\n' "$3" > "$1.tmp"
    chmod "$2" "$1.tmp"
    mv "$1.tmp" "$1"
    echo "services: wrote ${1#$destdir}"
}

mkdir -p "$svc/log/env" "$svc/log/main"
chmod 755 "$destdir$home/service" "$svc" "$svc/log" "$svc/log/env"
put "$svc/run" 755 "#!/bin/sh
# mail-send, mail-lspawn, mail-clean (and mail-rspawn) wired by mail-start
exec 2>&1
exec env - PATH=\"$home/bin:/usr/bin:/bin\" $home/bin/mail-start"
put "$svc/log/env/LOGSIZE" 644 "1000000"
put "$svc/log/env/LOGCOUNT" 644 "20"
put "$svc/log/run" 755 "#!/bin/sh
# multilog as $ulog: timestamped, rotated logs in ./main; sizes in ./env
exec envdir ./env sh -c 'exec setuidgid $ulog multilog t s\"\$LOGSIZE\" n\"\$LOGCOUNT\" ./main'"
if [ "$(id -u)" = 0 ]; then
    chown "$ulog:$gother" "$svc/log/main"
fi
chmod 750 "$svc/log/main"

# service/smtpd (25), service/submission (587: AUTH required, after
# STARTTLS) and service/smtps (465: TLS from the first byte, AUTH
# required): mail-smtpd under tcpserver as the daemon user
udaemon=$2
smtpsvc() {   # name port rules extra-env-files...
    svc=$destdir$home/service/$1
    mkdir -p "$svc/env" "$svc/log/env" "$svc/log/main"
    chmod 755 "$svc" "$svc/env" "$svc/log" "$svc/log/env"
    put "$svc/env/IP" 644 "0.0.0.0"
    put "$svc/env/PORT" 644 "$2"
    put "$svc/env/CONCURRENCY" 644 "40"
    put "$svc/tcp.smtp" 644 "# tcprules(1) source, compiled into tcp.cdb when the service starts
# clients allowed to relay (RELAYCLIENT set); everyone else may only
# send to the domains in control/rcpthosts, or after AUTH
$3"
    for e in $4; do put "$svc/env/$e" 644 "1"; done
    put "$svc/run" 755 "#!/bin/sh
# mail-smtpd under tcpserver as $udaemon; IP, PORT, CONCURRENCY in ./env;
# access rules in ./tcp.smtp, compiled into ./tcp.cdb here; AUTH through
# mail-checkpw (users/password.cdb) when TLS is on
exec 2>&1
if [ ! -f tcp.cdb ] || [ tcp.smtp -nt tcp.cdb ]; then
    tcprules tcp.cdb tcp.tmp < tcp.smtp || exit 111
fi
exec envdir ./env sh -c '
    exec envuidgid $udaemon tcpserver -v -R -H -l0 -U -x tcp.cdb -c \"\$CONCURRENCY\" \\
        \"\$IP\" \"\$PORT\" $home/bin/mail-smtpd $home/bin/mail-checkpw /bin/true'"
    put "$svc/log/env/LOGSIZE" 644 "1000000"
    put "$svc/log/env/LOGCOUNT" 644 "20"
    put "$svc/log/run" 755 "#!/bin/sh
# multilog as $ulog: timestamped, rotated logs in ./main; sizes in ./env
exec envdir ./env sh -c 'exec setuidgid $ulog multilog t s\"\$LOGSIZE\" n\"\$LOGCOUNT\" ./main'"
    if [ "$(id -u)" = 0 ]; then
        chown "$ulog:$gother" "$svc/log/main"
    fi
    chmod 750 "$svc/log/main"
}
smtpsvc smtpd 25 '127.0.0.1:allow,RELAYCLIENT=""
:allow' ""
smtpsvc submission 587 ':allow' "SUBMISSION"
smtpsvc smtps 465 ':allow' "SUBMISSION SMTPS"

# service/pop3: POP3 on port 110. tcpserver runs as root so that the
# checkpassword program can become the mailbox owner; mail-popup itself
# drops to kirimd before it reads a byte from the network (mail-popup(8)).
pop=$destdir$home/service/pop3
mkdir -p "$pop/env" "$pop/log/env" "$pop/log/main"
chmod 755 "$pop" "$pop/env" "$pop/log" "$pop/log/env"
put "$pop/env/IP" 644 "0"
put "$pop/env/PORT" 644 "110"
put "$pop/env/CONCURRENCY" 644 "40"
put "$pop/env/CHECKPASSWORD" 644 "$home/bin/mail-checkpw"
put "$pop/env/MAILDIR" 644 "./Maildir/"
put "$pop/run" 755 "#!/bin/sh
# mail-popup under tcpserver; settings in ./env (IP PORT CONCURRENCY CHECKPASSWORD MAILDIR)
exec 2>&1
exec env - PATH=\"$home/bin:/usr/bin:/bin\" envdir ./env sh -c '
exec tcpserver -v -R -H -l0 -c \"\$CONCURRENCY\" \"\$IP\" \"\$PORT\" \\
    $home/bin/mail-popup \"\$(head -1 $home/control/me)\" \\
    \"\$CHECKPASSWORD\" $home/bin/mail-pop3d \"\$MAILDIR\"'"
put "$pop/log/env/LOGSIZE" 644 "1000000"
put "$pop/log/env/LOGCOUNT" 644 "20"
put "$pop/log/run" 755 "#!/bin/sh
# multilog as $ulog: timestamped, rotated logs in ./main; sizes in ./env
exec envdir ./env sh -c 'exec setuidgid $ulog multilog t s\"\$LOGSIZE\" n\"\$LOGCOUNT\" ./main'"
if [ "$(id -u)" = 0 ]; then
    chown "$ulog:$gother" "$pop/log/main"
fi
chmod 750 "$pop/log/main"

# service/pop3s: POP3 with TLS from the first byte (port 995), otherwise
# as service/pop3; the key is control/servercert.pem, readable by kirimd
pops=$destdir$home/service/pop3s
mkdir -p "$pops/env" "$pops/log/env" "$pops/log/main"
chmod 755 "$pops" "$pops/env" "$pops/log" "$pops/log/env"
put "$pops/env/IP" 644 "0"
put "$pops/env/PORT" 644 "995"
put "$pops/env/CONCURRENCY" 644 "40"
put "$pops/env/CHECKPASSWORD" 644 "$home/bin/mail-checkpw"
put "$pops/env/MAILDIR" 644 "./Maildir/"
put "$pops/run" 755 "#!/bin/sh
# mail-popup -t under tcpserver; settings in ./env (IP PORT CONCURRENCY CHECKPASSWORD MAILDIR)
exec 2>&1
exec env - PATH=\"$home/bin:/usr/bin:/bin\" envdir ./env sh -c '
exec tcpserver -v -R -H -l0 -c \"\$CONCURRENCY\" \"\$IP\" \"\$PORT\" \\
    $home/bin/mail-popup -t \"\$(head -1 $home/control/me)\" \\
    \"\$CHECKPASSWORD\" $home/bin/mail-pop3d \"\$MAILDIR\"'"
put "$pops/log/env/LOGSIZE" 644 "1000000"
put "$pops/log/env/LOGCOUNT" 644 "20"
put "$pops/log/run" 755 "#!/bin/sh
# multilog as $ulog: timestamped, rotated logs in ./main; sizes in ./env
exec envdir ./env sh -c 'exec setuidgid $ulog multilog t s\"\$LOGSIZE\" n\"\$LOGCOUNT\" ./main'"
if [ "$(id -u)" = 0 ]; then
    chown "$ulog:$gother" "$pops/log/main"
fi
chmod 750 "$pops/log/main"
