/* smtproutes.c (fuzz): control/smtproutes as mail-remote reads it.
   Input: the file, a line "%%", then domains one per line. Each line
   the parser accepts has a domain, a host inside the line and a port
   that a socket can use; lookups give routes that point into the file. */
#include "stralloc.h"
#include "control.h"
#include "smtproutes.h"
#include "fuzz.h"

static void
check_route(const struct smtproute *r, const char *s, size_t len)
{
    fuzz_check(r->port >= 1 && r->port <= 65535);
    if (r->hostlen) {
        fuzz_check(r->host >= s && r->host + r->hostlen <= s + len);
        if (r->literal) fuzz_check(r->hostlen > 0 && !memchr(r->host, ']', r->hostlen));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc lines;
    const char *s = (const char *)data, *file;
    size_t len = size, flen, i, start, dlen;
    struct smtproute r;
    int x;

    fuzz_split(&s, &len, "\n%%\n", 4, &file, &flen);
    /* the lines as control_readlines would give them: NUL-ended, no LF */
    stralloc_zero(&lines);
    for (start = 0; start < flen; start = i + 1) {
        for (i = start; i < flen && file[i] != '\n' && file[i]; ++i) ;
        if (i == start) continue;
        fuzz_check(stralloc_catb(&lines, file + start, i - start) && stralloc_0(&lines));
        if (smtproutes_parse(file + start, i - start, &dlen, &r) == 1) {
            fuzz_check(dlen < i - start && file[start + dlen] == ':');
            check_route(&r, file + start, i - start);
        }
    }
    for (start = 0; start < len; start = i + 1) {
        for (i = start; i < len && s[i] != '\n'; ++i) ;
        x = smtproutes_find(lines.s, lines.len, s + start, i - start, &r);
        fuzz_check(x >= -1 && x <= 1);
        if (x == 1) check_route(&r, lines.s, lines.len);
    }
    return 0;
}
