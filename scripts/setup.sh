#!/bin/sh
# setup.sh: create kirim's users and groups, install, write default control files.
# Run as root from the build directory (make setup). Never overwrites a file.
set -e
destdir=$1
home=$(head -1 conf-home)
users=$(head -8 conf-users)
set -- $users
ualias=$1 udaemon=$2 ulog=$3 upasswd=$4 uqueue=$5 uremote=$6 usend=$7 uroot=$8
gqueue=$(sed -n 1p conf-groups)
gother=$(sed -n 2p conf-groups)
nologin=/usr/sbin/nologin

[ "$(id -u)" = 0 ] || { echo "setup: must be run as root" >&2; exit 1; }

addgroup_() {
    getent group "$1" >/dev/null || groupadd --system "$1"
}
adduser_() {   # name group home
    getent passwd "$1" >/dev/null && return 0
    useradd --system --no-create-home --home-dir "$3" --gid "$2" \
        --shell $nologin "$1"
}

addgroup_ "$gqueue"
addgroup_ "$gother"
adduser_ "$ualias" "$gother" "$home/alias"
for u in "$udaemon" "$ulog" "$upasswd"; do adduser_ "$u" "$gother" "$home"; done
for u in "$uqueue" "$uremote" "$usend"; do adduser_ "$u" "$gqueue" "$home"; done
# kirimv owns every virtual mailbox (mail-account(8), doc/accounts.md)
adduser_ kirimv "$gother" "$home/vmail"
getent passwd "$uroot" >/dev/null || { echo "setup: no user $uroot" >&2; exit 1; }

bin/kirim-install "$destdir"
sh scripts/services.sh "$destdir"

ctl=$destdir$home/control
put() {   # file content: only when absent
    [ -e "$ctl/$1" ] && return 0
    printf '%s\n' "$2" > "$ctl/$1.tmp"
    chmod 644 "$ctl/$1.tmp"
    mv "$ctl/$1.tmp" "$ctl/$1"
    echo "setup: wrote control/$1"
}
me=$(hostname -f 2>/dev/null || hostname)
case $me in *.*) dom=${me#*.} ;; *) dom=$me ;; esac
put me "$me"
put defaultdomain "$dom"
put plusdomain "$dom"
[ -e "$ctl/locals" ] || { printf '%s\nlocalhost\n' "$me" > "$ctl/locals"; echo "setup: wrote control/locals"; }
[ -e "$ctl/rcpthosts" ] || { printf '%s\nlocalhost\n' "$me" > "$ctl/rcpthosts"; echo "setup: wrote control/rcpthosts"; }

ahome=$destdir$home/alias
for a in postmaster root mailer-daemon; do
    f=$ahome/.qmail-$a
    [ -e "$f" ] && continue
    printf '# mail for %s@ lands in ~%s/Maildir/; replace with &you@example.org to forward\n./Maildir/\n' \
        "$a" "$ualias" > "$f"
    chown "$ualias:$gother" "$f"
    chmod 644 "$f"
    echo "setup: wrote alias/.qmail-$a"
done
if [ ! -d "$ahome/Maildir" ]; then
    mkdir -p "$ahome/Maildir/cur" "$ahome/Maildir/new" "$ahome/Maildir/tmp"
    chown -R "$ualias:$gother" "$ahome/Maildir"
    chmod -R 700 "$ahome/Maildir"
fi
bin/kirim-instcheck "$destdir"
echo "setup: done; kirim is installed in $destdir$home"
