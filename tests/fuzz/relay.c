/* relay.c (fuzz): mail-smtpd's recipient policy over in-memory lists:
   rcpthosts (no morercpthosts.cdb), badrcptto-style lists, percenthack.
   Input: control/rcpthosts, a line "%%", control/percenthack, "%%",
   control/badrcptto, "%%", then addresses, one a line. The lists are
   NUL-ended entries, as control_readlines gives them. */
#include "stralloc.h"
#include "relay.h"
#include "fuzz.h"

static void
list(stralloc *sa, const char *s, size_t len)
{
    const char *e;
    size_t el;

    stralloc_zero(sa);
    while (len) {
        fuzz_split(&s, &len, "\n", 1, &e, &el);
        fuzz_check(stralloc_catb(sa, e, el) && stralloc_0(sa));
    }
}

/* a copy of a[0..len) of exactly that size, in upper or lower case */
static char *
copycase(const char *a, size_t len, int upper)
{
    char *c = malloc(len ? len : 1);
    size_t i;

    fuzz_check(c != 0);
    for (i = 0; i < len; ++i) {
        c[i] = a[i];
        if (upper && c[i] >= 'a' && c[i] <= 'z') c[i] = (char)(c[i] - 32);
        if (!upper && c[i] >= 'A' && c[i] <= 'Z') c[i] = (char)(c[i] + 32);
    }
    return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct relay r;
    static stralloc addr;
    const char *s = (const char *)data, *part, *a;
    size_t len = size, pl, al, at, k, oldlen;
    int x, y, n;

    r.mrhfd = -1;
    fuzz_split(&s, &len, "\n%%\n", 4, &part, &pl);
    list(&r.rcpthosts, part, pl);
    fuzz_split(&s, &len, "\n%%\n", 4, &part, &pl);
    list(&r.percenthack, part, pl);
    fuzz_split(&s, &len, "\n%%\n", 4, &part, &pl);
    list(&r.badrcptto, part, pl);
    while (len) {
        char *lo, *up;

        fuzz_split(&s, &len, "\n", 1, &a, &al);
        lo = copycase(a, al, 0);
        up = copycase(a, al, 1);
        /* the address as a domain: rcpthosts, without regard to case */
        x = relay_rcpthosts(&r, lo, al);
        fuzz_check(x == 0 || x == 1);
        fuzz_check(x == relay_rcpthosts(&r, up, al));
        fuzz_check(al || !x);
        /* the address in badrcptto */
        y = relay_listed(&r.badrcptto, lo, al);
        fuzz_check(y == 0 || y == 1);
        fuzz_check(y == relay_listed(&r.badrcptto, up, al));
        free(up);
        free(lo);
        /* percenthack: only ever shorter, '@' at the new at */
        fuzz_check(stralloc_copyb(&addr, a, al));
        for (at = al; at > 0 && a[at - 1] != '@'; --at) ;
        at = at ? at - 1 : al;
        oldlen = addr.len;
        n = relay_percenthack(&r.percenthack, &addr, &at);
        fuzz_check(n >= 0 && n <= 100);
        fuzz_check(addr.len <= oldlen && at <= addr.len);
        fuzz_check(at == addr.len || addr.s[at] == '@');
        fuzz_check(!n || at < addr.len);
        for (k = 0; k < addr.len; ++k)
            if (k != at && addr.s[k] != a[k]) fuzz_check(0);
    }
    return 0;
}
