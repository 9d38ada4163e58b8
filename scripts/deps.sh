#!/bin/sh
# deps.sh: check or install the Debian packages kirim builds and tests with.
#   deps.sh need PKG...     install what is missing when root, else explain
#   deps.sh install PKG...  apt-get install them (root)
mode=$1; shift

installed() {
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'
}

missing=
for p in "$@"; do
    case $p in
    ucspi-tcp-ipv6)   # either flavour provides tcpserver
        installed ucspi-tcp-ipv6 || installed ucspi-tcp || missing="$missing $p" ;;
    *)  installed "$p" || missing="$missing $p" ;;
    esac
done
[ "$mode" = install ] && missing=" $*"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "kirim: these Debian packages are missing:$missing" >&2
    echo "kirim: as root, run:" >&2
    echo "  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
echo "kirim: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# postfix only for smtp-sink in the tests: never configure or start it
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# packages with daemons (postfix, dovecot) are installed for the tests
# only: a temporary policy-rc.d keeps them from being started, unless
# the administrator already has one
prc=/usr/sbin/policy-rc.d
ours=
if [ ! -e $prc ]; then
    printf '#!/bin/sh\nexit 101\n' > $prc && chmod 755 $prc && ours=1
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
rc=$?
[ -n "$ours" ] && rm -f $prc
exit $rc
