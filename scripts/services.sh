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

# service/smtpd: mail-smtpd on port 25 under tcpserver as the daemon user
udaemon=$2
svc=$destdir$home/service/smtpd
mkdir -p "$svc/env" "$svc/log/env" "$svc/log/main"
chmod 755 "$svc" "$svc/env" "$svc/log" "$svc/log/env"
put "$svc/env/IP" 644 "0.0.0.0"
put "$svc/env/PORT" 644 "25"
put "$svc/env/CONCURRENCY" 644 "40"
put "$svc/tcp.smtp" 644 "# tcprules(1) source, compiled into tcp.cdb when the service starts
# clients allowed to relay (RELAYCLIENT set); everyone else may only
# send to the domains in control/rcpthosts
127.0.0.1:allow,RELAYCLIENT=\"\"
:allow"
put "$svc/run" 755 "#!/bin/sh
# mail-smtpd under tcpserver as $udaemon; IP, PORT, CONCURRENCY in ./env;
# access rules in ./tcp.smtp, compiled into ./tcp.cdb here
exec 2>&1
if [ ! -f tcp.cdb ] || [ tcp.smtp -nt tcp.cdb ]; then
    tcprules tcp.cdb tcp.tmp < tcp.smtp || exit 111
fi
exec envdir ./env sh -c '
    exec envuidgid $udaemon tcpserver -v -R -H -l0 -U -x tcp.cdb -c \"\$CONCURRENCY\" \\
        \"\$IP\" \"\$PORT\" $home/bin/mail-smtpd'"
put "$svc/log/env/LOGSIZE" 644 "1000000"
put "$svc/log/env/LOGCOUNT" 644 "20"
put "$svc/log/run" 755 "#!/bin/sh
# multilog as $ulog: timestamped, rotated logs in ./main; sizes in ./env
exec envdir ./env sh -c 'exec setuidgid $ulog multilog t s\"\$LOGSIZE\" n\"\$LOGCOUNT\" ./main'"
if [ "$(id -u)" = 0 ]; then
    chown "$ulog:$gother" "$svc/log/main"
fi
chmod 750 "$svc/log/main"
