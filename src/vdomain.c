/* vdomain.c: split recipients into local and remote, qmail's locals/virtualdomains rules */
#include "case.h"
#include "vdomain.h"

static int
inlocals(const stralloc *locals, const char *d, size_t len)
{
    size_t i, n;

    for (i = 0; i < locals->len; i += n + 1) {
        for (n = 0; i + n < locals->len && locals->s[i + n]; ++n) ;
        if (n == len && !case_diffb(locals->s + i, len, d)) return 1;
    }
    return 0;
}

/* the prefix of the line whose key is k (klen bytes), or 0 */
static const char *
lookup(const stralloc *vds, const char *k, size_t klen, size_t *plen)
{
    size_t i, n, c;

    for (i = 0; i < vds->len; i += n + 1) {
        for (n = 0; i + n < vds->len && vds->s[i + n]; ++n) ;
        for (c = 0; c < n && vds->s[i + c] != ':'; ++c) ;
        if (c == n) continue;                   /* no colon: ignored */
        if (c != klen || case_diffb(vds->s + i, klen, k)) continue;
        *plen = n - c - 1;
        return vds->s + i + c + 1;
    }
    return 0;
}

int
vdomain_route(const struct vdomain *v, const char *addr, size_t len,
              stralloc *out)
{
    const char *p = 0;
    size_t at, i, plen = 0;
    static stralloc a;

    if (!stralloc_copyb(&a, addr, len)) return -1;
    for (at = len; at > 0 && a.s[at - 1] != '@'; --at) ;
    if (at == 0) {
        if (!stralloc_append(&a, "@")) return -1;
        if (!stralloc_cat(&a, &v->noathost)) return -1;
        at = len + 1;
    }
    /* at: index just after the last @ */
    if (!stralloc_copy(out, &a)) return -1;
    if (inlocals(&v->locals, a.s + at, a.len - at)) return VDOMAIN_LOCAL;
    for (i = 0; i <= a.len && !p; ++i) {
        if (i == 0 || i == at || i == a.len || (i > at && a.s[i] == '.'))
            p = lookup(&v->vds, a.s + i, a.len - i, &plen);
    }
    if (!p || !plen) return VDOMAIN_REMOTE;
    if (!stralloc_copyb(out, p, plen) || !stralloc_append(out, "-")) return -1;
    if (!stralloc_cat(out, &a)) return -1;
    return VDOMAIN_LOCAL;
}
