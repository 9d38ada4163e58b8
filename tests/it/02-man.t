#!/bin/bash
# 02-man.t: every program has a manual page; every page is clean for mandoc
. "$(dirname "$0")/lib.sh"
cd "$SRC" || exit 1
make -s all >/dev/null || { echo "Bail out! build failed"; exit 1; }
command -v mandoc >/dev/null || { echo "1..0 # SKIP mandoc not installed"; exit 0; }

for b in bin/*; do
    n=${b#bin/}
    found=no
    for f in man/"$n".[1-8]; do [ -f "$f" ] && found=yes; done
    is "$found" yes "bin/$n has a manual page"
done
for f in man/*.[1-8]; do
    # a page that is only a .so link to another page is checked there
    if head -1 "$f" | grep -q '^\.so '; then
        t=man/${f#man/}; t=$(sed -n '1s|^\.so man[1-8]/||p' "$f")
        ok "$([ -f "man/$t" ]; echo $?)" "$f: .so target man/$t exists"
        continue
    fi
    out=$(mandoc -T lint -W warning "$f" 2>&1)
    is "$out" "" "$f: mandoc -T lint -W warning is silent"
    head -1 "$f" | grep -q '^\.TH [^ ]* [1-8] "20[0-9][0-9]-[01][0-9]-[0-3][0-9]" kirim$'
    ok $? "$f: .TH has name, section, date, kirim"
done
done_testing
