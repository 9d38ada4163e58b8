/* control.c: reading control/ files; missing means default, unreadable is an error */
#include <errno.h>
#include "byte.h"
#include "openreadclose.h"
#include "scan.h"
#include "control.h"

static int
isblank_(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int
control_readfile(stralloc *sa, const char *fn)
{
    stralloc_zero(sa);
    switch (openreadclose(fn, sa, 128)) {
    case -1:
        if (errno == ENOENT) { stralloc_zero(sa); return 0; }
        return -1;
    case 0:
        return 0;
    }
    return 1;
}

int
control_readline(stralloc *sa, const char *fn, const char *def)
{
    size_t i;
    int r = control_readfile(sa, fn);

    if (r == -1) return -1;
    if (r == 0) {
        if (def && !stralloc_copys(sa, def)) return -1;
        return 0;
    }
    for (i = 0; i < sa->len && sa->s[i] != '\n'; ++i) ;
    sa->len = i;
    while (sa->len && isblank_(sa->s[sa->len - 1])) --sa->len;
    if (byte_chr(sa->s, sa->len, '\0') < sa->len) { errno = EINVAL; return -1; }
    return 1;
}

int
control_readulong(unsigned long *u, const char *fn, unsigned long def)
{
    static stralloc line;
    size_t n;
    int r = control_readline(&line, fn, 0);

    if (r <= 0) { if (r == 0) *u = def; return r; }
    if (!stralloc_0(&line)) return -1;
    n = scan_ulong(line.s, u);
    if (n == 0 || n != line.len - 1) return -2;
    return 1;
}

int
control_readlines(stralloc *sa, const char *fn)
{
    static stralloc raw;
    size_t i, start, end;
    int r = control_readfile(&raw, fn);

    stralloc_zero(sa);
    if (r <= 0) return r;
    for (start = 0; start < raw.len; start = i + 1) {
        for (i = start; i < raw.len && raw.s[i] != '\n'; ++i) ;
        end = i;
        while (start < end && (raw.s[start] == ' ' || raw.s[start] == '\t')) ++start;
        while (end > start && isblank_(raw.s[end - 1])) --end;
        if (end == start || raw.s[start] == '#') continue;
        /* a NUL would split the line in two for every reader: corrupt */
        if (byte_chr(raw.s + start, end - start, '\0') < end - start) {
            stralloc_zero(sa);
            errno = EINVAL;
            return -1;
        }
        if (!stralloc_catb(sa, raw.s + start, end - start)) return -1;
        if (!stralloc_0(sa)) return -1;
    }
    return 1;
}
