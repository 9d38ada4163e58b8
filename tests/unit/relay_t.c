/* relay_t.c: rcpthosts, morercpthosts.cdb, percenthack, bad lists, the RCPT verdict */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "cdb_make.h"
#include "relay.h"
#include "t.h"

static struct relay r;
static struct vdomain vd;
static stralloc a, last;

static void
lines(stralloc *sa, const char *const *l)
{
    stralloc_zero(sa);
    for (; *l; ++l) { stralloc_cats(sa, *l); stralloc_0(sa); }
}

/* local users: bob, alice-*, vu-* ("vu" is a virtual domain's prefix) */
static int
deliverable(const char *local, size_t len)
{
    stralloc_copyb(&last, local, len);
    if (len == 3 && !memcmp(local, "bob", 3)) return 1;
    if (len >= 6 && !memcmp(local, "alice-", 6)) return 1;
    if (len >= 3 && !memcmp(local, "vu-", 3)) return 1;
    if (len == 4 && !memcmp(local, "temp", 4)) return -1;
    return 0;
}

static int
check(const char *addr, const char *relayclient)
{
    size_t at;

    stralloc_copys(&a, addr);
    for (at = a.len; at > 0 && a.s[at - 1] != '@'; --at) ;
    at = at ? at - 1 : a.len;
    return relay_rcpt(&r, &a, at, relayclient);
}

static int
mkcdb(const char *fn)
{
    struct cdb_make m;
    int fd = open(fn, O_RDWR | O_CREAT | O_TRUNC, 0600);

    cdb_make_start(&m, fd);
    cdb_make_add(&m, (const unsigned char *)"more.example", 12, (const unsigned char *)"", 0);
    cdb_make_add(&m, (const unsigned char *)".wild.example", 13, (const unsigned char *)"", 0);
    cdb_make_finish(&m);
    close(fd);
    return open(fn, O_RDONLY);
}

int
main(void)
{
    static const char *const hosts[] = { "example.org", ".sub.example.org", "[192.0.2.1]",
                                         "virt.example", "backup.example", 0 };
    static const char *const ph[] = { "example.org", 0 };
    static const char *const bad[] = { "spam@example.org", "@evil.example", 0 };
    static const char *const locals[] = { "example.org", 0 };
    static const char *const vds[] = { "virt.example:vu", 0 };
    char fn[] = "/tmp/relay_t.XXXXXX";
    int tfd = mkstemp(fn);

    close(tfd);
    lines(&r.rcpthosts, hosts);
    lines(&r.badrcptto, bad);
    lines(&vd.locals, locals);
    lines(&vd.vds, vds);
    stralloc_copys(&vd.noathost, "example.org");
    r.vd = &vd;
    r.deliverable = deliverable;
    r.mrhfd = mkcdb(fn);

    ok(relay_rcpthosts(&r, "example.org", 11) == 1, "listed domain");
    ok(relay_rcpthosts(&r, "EXAMPLE.ORG", 11) == 1, "without case");
    ok(relay_rcpthosts(&r, "a.sub.example.org", 17) == 1, ".suffix entry matches a subdomain");
    ok(relay_rcpthosts(&r, "sub.example.org", 15) == 0, ".suffix entry does not match itself");
    ok(relay_rcpthosts(&r, "xexample.org", 12) == 0, "no partial match");
    ok(relay_rcpthosts(&r, "more.example", 12) == 1, "morercpthosts.cdb");
    ok(relay_rcpthosts(&r, "MORE.Example", 12) == 1, "cdb key folded to lower case");
    ok(relay_rcpthosts(&r, "x.wild.example", 14) == 1, "cdb .suffix");
    ok(relay_rcpthosts(&r, "other.example", 13) == 0, "not in cdb");
    ok(relay_rcpthosts(&r, "", 0) == 0, "empty domain");

    ok(relay_listed(&r.badrcptto, "spam@example.org", 16), "listed address");
    ok(relay_listed(&r.badrcptto, "SPAM@Example.org", 16), "listed without case");
    ok(relay_listed(&r.badrcptto, "x@evil.example", 14), "@domain entry");
    ok(!relay_listed(&r.badrcptto, "x@notevil.example", 17), "@domain is not a suffix");
    ok(!relay_listed(&r.badrcptto, "ham@example.org", 15), "not listed");

    ok(check("bob@example.org", 0) == RELAY_OK, "local user");
    is_buf(last.s, last.len, "bob", "deliverable asked with the local part");
    ok(check("nobody@example.org", 0) == RELAY_NOUSER, "unknown local user");
    ok(check("temp@example.org", 0) == RELAY_TEMP, "cannot tell: temporary");
    ok(check("alice-list@EXAMPLE.ORG", 0) == RELAY_OK, "local domain in capitals");
    ok(check("fred@virt.example", 0) == RELAY_OK, "virtual domain user");
    is_buf(last.s, last.len, "vu-fred", "virtual domain prefix given to deliverable");
    ok(check("x@backup.example", 0) == RELAY_OK, "rcpthosts domain that is not local: no user check");
    ok(check("x@remote.example", 0) == RELAY_DENIED, "relay denied");
    ok(check("x@remote.example", "") == RELAY_OK, "RELAYCLIENT relays");
    ok(check("nobody@example.org", "") == RELAY_NOUSER, "RELAYCLIENT still gets local users checked");
    ok(check("spam@example.org", 0) == RELAY_BADRCPT, "badrcptto");
    ok(check("x@evil.example", "") == RELAY_BADRCPT, "badrcptto even with RELAYCLIENT");

    /* percent hack: example.org is in percenthack only in the second half */
    ok(check("x%remote.example@example.org", 0) == RELAY_NOUSER, "percent without percenthack: a local part");
    is_buf(last.s, last.len, "x%remote.example", "percent part stays local");
    lines(&r.percenthack, ph);
    ok(check("x%remote.example@example.org", 0) == RELAY_DENIED, "percenthack rewrite cannot relay");
    is_buf(a.s, a.len, "x@remote.example", "rewritten address");
    ok(check("bob%example.org@example.org", 0) == RELAY_OK, "percenthack to a local user");
    ok(check("x%remote.example%example.org@example.org", 0) == RELAY_DENIED, "two percent hops");
    ok(check("x%remote.example@example.org", "") == RELAY_OK, "percenthack with RELAYCLIENT");
    ok(check("x%remote.example@backup.example", 0) == RELAY_OK, "percent in another domain is not ours to rewrite");
    stralloc_zero(&r.percenthack);

    ok(check("a@remote.example@example.org", 0) == RELAY_QUOTEDAT, "quoted @ refused");
    ok(check("a@remote.example@example.org", "") == RELAY_QUOTEDAT, "quoted @ refused with RELAYCLIENT");
    ok(check("remote.example!x@example.org", 0) == RELAY_NOUSER, "bang path is just a local part");
    ok(check("x@[192.0.2.1]", 0) == RELAY_OK, "listed address literal");
    ok(check("x@[192.0.2.2]", 0) == RELAY_DENIED, "other address literal");
    ok(check("x@example.org", "@fixup") == RELAY_OK, "RELAYCLIENT value appended: routed elsewhere");
    is_buf(a.s, a.len, "x@example.org@fixup", "RELAYCLIENT appended");

    stralloc_zero(&r.rcpthosts);
    close(r.mrhfd);
    r.mrhfd = -1;
    ok(check("bob@example.org", 0) == RELAY_DENIED, "no rcpthosts: nothing accepted");
    ok(check("bob@example.org", "") == RELAY_OK, "no rcpthosts, RELAYCLIENT: accepted");
    unlink(fn);
    return done_testing();
}
