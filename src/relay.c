/* relay.c: recipient policy for mail-smtpd, failing closed */
#include "byte.h"
#include "case.h"
#include "cdb.h"
#include "str.h"
#include "relay.h"

#define DOMAINMAX 512

/* each NUL-ended entry of list: fn(entry, len) */
static int
inlist(const stralloc *list, const char *d, size_t len)
{
    size_t i, n;

    for (i = 0; i < list->len; i += n + 1) {
        const char *e = list->s + i;
        for (n = 0; i + n < list->len && e[n]; ++n) ;
        if (!n) continue;
        if (n == len && !case_diffb(e, n, d)) return 1;
        if (e[0] == '.' && len > n && !case_diffb(e, n, d + len - n)) return 1;
    }
    return 0;
}

static int
incdb(int fd, const char *d, size_t len)
{
    unsigned char key[DOMAINMAX];
    struct cdb c;
    size_t i;
    int r = 0;

    if (fd == -1) return 0;
    if (len > sizeof key) return 0;
    for (i = 0; i < len; ++i) {
        key[i] = (unsigned char)d[i];
        if (key[i] >= 'A' && key[i] <= 'Z') key[i] = (unsigned char)(key[i] + 32);
    }
    cdb_init(&c, fd);
    for (i = 0; i < len && !r; ++i) {
        if (i == 0) r = cdb_find(&c, key, (unsigned long)len);
        else if (key[i] == '.') r = cdb_find(&c, key + i, (unsigned long)(len - i));
    }
    cdb_free(&c);
    return r > 0 ? 1 : r;
}

int
relay_rcpthosts(const struct relay *r, const char *d, size_t len)
{
    if (!len) return 0;
    if (inlist(&r->rcpthosts, d, len)) return 1;
    return incdb(r->mrhfd, d, len);
}

int
relay_listed(const stralloc *list, const char *a, size_t len)
{
    size_t i, n, at;

    for (at = len; at > 0 && a[at - 1] != '@'; --at) ;
    for (i = 0; i < list->len; i += n + 1) {
        const char *e = list->s + i;
        for (n = 0; i + n < list->len && e[n]; ++n) ;
        if (!n) continue;
        if (n == len && !case_diffb(e, n, a)) return 1;
        if (e[0] == '@' && at && n - 1 == len - at
            && !case_diffb(e + 1, n - 1, a + at)) return 1;
    }
    return 0;
}

int
relay_percenthack(const stralloc *list, stralloc *addr, size_t *at)
{
    size_t pc;
    int n = 0;

    while (*at < addr->len && n < 100) {
        const char *d = addr->s + *at + 1;
        size_t dl = addr->len - *at - 1;
        size_t k;
        int hit = 0;

        for (k = 0; k < list->len; k += str_len(list->s + k) + 1)
            if (str_len(list->s + k) == dl && !case_diffb(list->s + k, dl, d)) hit = 1;
        if (!hit) break;
        for (pc = *at; pc > 0 && addr->s[pc - 1] != '%'; --pc) ;
        if (!pc) break;
        addr->s[pc - 1] = '@';
        addr->len = *at;
        *at = pc - 1;
        ++n;
    }
    return n;
}

/* the local part that local delivery will look up */
static int
judgelocal(const struct relay *r, const stralloc *addr)
{
    static stralloc routed;
    size_t at;

    switch (vdomain_route(r->vd, addr->s, addr->len, &routed)) {
    case -1: return RELAY_NOMEM;
    case VDOMAIN_REMOTE: return RELAY_OK;
    }
    for (at = routed.len; at > 0 && routed.s[at - 1] != '@'; --at) ;
    at = at ? at - 1 : routed.len;
    switch (r->deliverable(routed.s, at)) {
    case 1: return RELAY_OK;
    case 0: return RELAY_NOUSER;
    }
    return RELAY_TEMP;
}

int
relay_rcpt(const struct relay *r, stralloc *addr, size_t at,
           const char *relayclient)
{
    int hosts;

    if (at > addr->len) at = addr->len;
    if (byte_chr(addr->s, at, '@') < at) return RELAY_QUOTEDAT;
    relay_percenthack(&r->percenthack, addr, &at);
    if (relayclient && !stralloc_cats(addr, relayclient)) return RELAY_NOMEM;
    if (relay_listed(&r->badrcptto, addr->s, addr->len)) return RELAY_BADRCPT;
    if (!relayclient) {
        if (at >= addr->len) return RELAY_DENIED;
        hosts = relay_rcpthosts(r, addr->s + at + 1, addr->len - at - 1);
        if (hosts == -1) return RELAY_TEMP;
        if (!hosts) return RELAY_DENIED;
    }
    return judgelocal(r, addr);
}
