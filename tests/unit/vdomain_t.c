/* vdomain_t.c: local/remote split with locals and virtualdomains */
#include "stralloc.h"
#include "vdomain.h"
#include "t.h"

static struct vdomain v;
static stralloc out;

static void
lines(stralloc *sa, const char *const *l)
{
    stralloc_zero(sa);
    for (; *l; ++l) { stralloc_cats(sa, *l); stralloc_0(sa); }
}

static int
route(const char *a)
{
    return vdomain_route(&v, a, strlen(a), &out);
}

int
main(void)
{
    static const char *const locals[] = { "example.org", "localhost", 0 };
    static const char *const vds[] = {
        "virt.example:vu", "joe@special.example:joeacct",
        ".wild.example:wild", "sub.wild.example:", "remote.example:",
        "nocolon.example", 0 };

    lines(&v.locals, locals);
    lines(&v.vds, vds);
    stralloc_copys(&v.noathost, "example.org");

    ok(route("bob@example.org") == VDOMAIN_LOCAL, "domain in locals is local");
    is_buf(out.s, out.len, "bob@example.org", "local address unchanged");
    ok(route("Bob@EXAMPLE.Org") == VDOMAIN_LOCAL, "locals compare without case");
    ok(route("bob") == VDOMAIN_LOCAL, "address without @ is local");
    is_buf(out.s, out.len, "bob@example.org", "noathost appended");
    ok(route("x@elsewhere.net") == VDOMAIN_REMOTE, "unknown domain is remote");
    is_buf(out.s, out.len, "x@elsewhere.net", "remote address unchanged");
    ok(route("ann@virt.example") == VDOMAIN_LOCAL, "virtual domain is local");
    is_buf(out.s, out.len, "vu-ann@virt.example", "prefix-user@domain");
    ok(route("ann@VIRT.example") == VDOMAIN_LOCAL, "virtual domains without case");
    ok(route("joe@special.example") == VDOMAIN_LOCAL, "whole-address key");
    is_buf(out.s, out.len, "joeacct-joe@special.example", "whole-address rewrite");
    ok(route("amy@special.example") == VDOMAIN_REMOTE, "other user of that domain is remote");
    ok(route("a@x.wild.example") == VDOMAIN_LOCAL, ".suffix matches a subdomain");
    is_buf(out.s, out.len, "wild-a@x.wild.example", ".suffix rewrite");
    ok(route("a@wild.example") == VDOMAIN_REMOTE, ".suffix does not match the domain itself");
    ok(route("a@y.sub.wild.example") == VDOMAIN_LOCAL, "longer suffix first: .wild.example");
    ok(route("a@sub.wild.example") == VDOMAIN_REMOTE, "exact domain with empty prefix is remote");
    ok(route("a@remote.example") == VDOMAIN_REMOTE, "empty prefix means remote");
    ok(route("a@nocolon.example") == VDOMAIN_REMOTE, "line without colon ignored");
    ok(route("a@b@virt.example") == VDOMAIN_LOCAL, "last @ splits the domain");
    ok(route("") == VDOMAIN_LOCAL, "empty address gets noathost");

    stralloc_cats(&v.vds, ":catchall"); stralloc_0(&v.vds);
    ok(route("z@nowhere.example") == VDOMAIN_LOCAL, "empty key catches all");
    is_buf(out.s, out.len, "catchall-z@nowhere.example", "catch-all rewrite");
    ok(route("z@example.org") == VDOMAIN_LOCAL, "locals still win");
    is_buf(out.s, out.len, "z@example.org", "locals before catch-all");
    return done_testing();
}
