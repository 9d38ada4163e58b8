/* addrlist.c (fuzz): RFC 5322 address lists as in To, Cc and From values.
   Input: the header value, as is. Each address found is checked, parsed
   again on its own (it must come back unchanged), and completed with
   qmail's defaulthost/defaultdomain/plusdomain rules. */
#include "stralloc.h"
#include "addrlist.h"
#include "fuzz.h"

struct seen {
    size_t len;
    int calls;
};

static int
same(void *arg, const char *a, size_t alen, size_t start, size_t end)
{
    stralloc *want = arg;

    (void)start; (void)end;
    fuzz_check(alen == want->len && !memcmp(a, want->s, alen));
    return 0;
}

static int
one(void *arg, const char *a, size_t alen, size_t start, size_t end)
{
    static const struct addrlist_hosts hosts = { "host.example", "example.org", "plus.example" };
    static const struct addrlist_hosts none = { 0, "", 0 };
    static stralloc copy, q;
    struct seen *s = arg;
    size_t at;
    int r;

    ++s->calls;
    fuzz_check(alen > 0);
    fuzz_check(a[alen] == 0 && strlen(a) == alen);
    fuzz_check(start <= end && end <= s->len);
    /* an address in addr-spec form is its own canonical form */
    fuzz_check(stralloc_copyb(&copy, a, alen));
    fuzz_check(addrlist_walk(a, alen, same, &copy) == 1);
    at = addrlist_at(a, alen);
    fuzz_check(at <= alen);
    fuzz_check(at == alen || a[at] == '@');
    stralloc_zero(&q);
    r = addrlist_qualify(&q, a, alen, &hosts);
    fuzz_check(r == 0 || r == 1);
    fuzz_check(q.len >= alen && !memcmp(q.s, a, at));
    fuzz_check(r == 1 || (q.len == alen && !memcmp(q.s, a, alen)));
    /* completed once, it needs nothing more (a domain literal aside) */
    if (r == 1) {
        fuzz_check(stralloc_copy(&copy, &q));
        stralloc_zero(&q);
        fuzz_check(addrlist_qualify(&q, copy.s, copy.len, &hosts) == 0);
    }
    stralloc_zero(&q);
    fuzz_check(addrlist_qualify(&q, a, alen, &none) == 0);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc all, local;
    const char *s = (const char *)data;
    struct seen seen = { size, 0 };
    int n;
    size_t i, count = 0;

    n = addrlist_walk(s, size, one, &seen);
    fuzz_check(n >= 0 && n == seen.calls);
    stralloc_zero(&all);
    fuzz_check(addrlist_parse(s, size, &all) == n);
    for (i = 0; i < all.len; ++i) count += !all.s[i];
    fuzz_check(count == (size_t)n);
    /* any bytes as a local part: quoted when needed, and read back as is */
    stralloc_zero(&local);
    fuzz_check(addrlist_catlocal(&local, s, size));
    fuzz_check(local.len >= size);
    return 0;
}
