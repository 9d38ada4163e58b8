#!/bin/sh
# headercheck.sh: no header of ours may shadow a system (libowfat) header
for h in src/*.h; do
    b=${h#src/}
    if test -e "/usr/include/$b"; then
        echo "$h shadows /usr/include/$b" >&2
        exit 1
    fi
done
exit 0
