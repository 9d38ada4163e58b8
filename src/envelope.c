/* envelope.c: decode and encode qmail-queue envelopes */
#include "envelope.h"

/* one field: letter, bytes up to NUL; 1 ok, 0 EOF/malformed, -1, -2, -3 */
static int
getfield(buffer *b, stralloc *sa, size_t max)
{
    char c;
    ssize_t r;

    stralloc_zero(sa);
    for (;;) {
        r = buffer_getc(b, &c);
        if (r < 0) return -1;
        if (r == 0) return -4;
        if (c == 0) return 1;
        if (sa->len >= max) return -2;
        if (!stralloc_append(sa, &c)) return -3;
    }
}

int
envelope_get(buffer *b, stralloc *from, stralloc *rcpts,
             unsigned long *n, size_t max)
{
    static stralloc f;
    char c;
    ssize_t r;
    int x;

    *n = 0;
    stralloc_zero(rcpts);
    r = buffer_getc(b, &c);
    if (r < 0) return -1;
    if (r == 0) return -4;
    if (c != 'F') return 0;
    x = getfield(b, from, max);
    if (x != 1) return x;
    for (;;) {
        r = buffer_getc(b, &c);
        if (r < 0) return -1;
        if (r == 0) return -4;              /* final NUL missing */
        if (c == 0) return 1;
        if (c != 'T') return 0;
        x = getfield(b, &f, max);
        if (x != 1) return x;
        if (!stralloc_cat(rcpts, &f) || !stralloc_0(rcpts)) return -3;
        ++*n;
    }
}

static int
catfield(stralloc *sa, char letter, const char *s, size_t len)
{
    return stralloc_append(sa, &letter) && stralloc_catb(sa, s, len)
        && stralloc_0(sa);
}

int
envelope_catfrom(stralloc *sa, const char *s, size_t len)
{
    return catfield(sa, 'F', s, len);
}

int
envelope_catto(stralloc *sa, const char *s, size_t len)
{
    return catfield(sa, 'T', s, len);
}

int
envelope_catend(stralloc *sa)
{
    return stralloc_0(sa);
}
