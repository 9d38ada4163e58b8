/* rreport.c: split mail-remote's report into per-recipient results */
#include "byte.h"
#include "rreport.h"

int
rreport_parse(const char *s, size_t len, unsigned long n, struct rreport *r)
{
    const char *t[RREPORT_MAX + 1];
    size_t tl[RREPORT_MAX + 1], pos = 0, k;
    unsigned long recs = 0, i;

    if (n == 0 || n > RREPORT_MAX) return 0;
    while (pos < len) {
        if (recs > n) return 0;
        k = byte_chr(s + pos, len - pos, '\0');
        if (pos + k == len || k == 0) return 0;         /* unterminated, or no letter */
        t[recs] = s + pos;
        tl[recs] = k;
        ++recs;
        pos += k + 1;
    }
    if (recs != 1 && recs != n + 1) return 0;
    r->n = recs - 1;
    for (i = 0; i < r->n; ++i) {
        r->rl[i] = t[i][0];
        if (r->rl[i] != 'r' && r->rl[i] != 'h' && r->rl[i] != 's') return 0;
        r->rt[i] = t[i] + 1;
        r->rlen[i] = tl[i] - 1;
    }
    r->ml = t[recs - 1][0];
    if (r->ml != 'K' && r->ml != 'Z' && r->ml != 'D') return 0;
    r->mt = t[recs - 1] + 1;
    r->mlen = tl[recs - 1] - 1;
    return 1;
}

char
rreport_letter(const struct rreport *r, unsigned long i)
{
    if (i >= r->n) return r->ml;
    switch (r->rl[i]) {
    case 'h': return 'D';
    case 's': return 'Z';
    }
    return r->ml;
}

int
rreport_text(const struct rreport *r, unsigned long i, stralloc *t)
{
    if (i < r->n && r->rl[i] != 'r') return stralloc_copyb(t, r->rt[i], r->rlen[i]);
    return stralloc_copyb(t, r->mt, r->mlen);
}
