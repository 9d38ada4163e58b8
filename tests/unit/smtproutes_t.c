/* smtproutes_t.c: route lines and route lookup */
#include "smtproutes.h"
#include "t.h"

#define L(s) s, sizeof s - 1

static void
test_parse(void)
{
    struct smtproute r;
    size_t d;

    ok(smtproutes_parse(L("example.org:mx.example.net:2525"), &d, &r) == 1, "host and port");
    is_buf(r.host, r.hostlen, "mx.example.net", "host");
    ok(d == 11 && r.port == 2525 && !r.literal, "domain length, port");
    ok(smtproutes_parse(L("example.org:relay.example.net"), &d, &r) == 1 && r.port == 25,
       "no port: 25");
    ok(smtproutes_parse(L(":[::1]:2526"), &d, &r) == 1 && d == 0 && r.literal && r.port == 2526,
       "IPv6 literal with port, default line");
    is_buf(r.host, r.hostlen, "::1", "IPv6 literal without brackets");
    ok(smtproutes_parse(L("x.test:[127.0.0.31]"), &d, &r) == 1 && r.literal && r.port == 25,
       "IPv4 literal");
    ok(smtproutes_parse(L("x.test:"), &d, &r) == 1 && r.hostlen == 0, "empty host: MX");
    ok(smtproutes_parse(L("x.test"), &d, &r) == 0, "no colon: malformed");
    ok(smtproutes_parse(L("x.test:h:99999"), &d, &r) == 0, "port too big");
    ok(smtproutes_parse(L("x.test:h:0"), &d, &r) == 0, "port 0");
    ok(smtproutes_parse(L("x.test:h:25x"), &d, &r) == 0, "port not a number");
    ok(smtproutes_parse(L("x.test:[::1"), &d, &r) == 0, "unclosed bracket");
    ok(smtproutes_parse(L("x.test:[::1]x"), &d, &r) == 0, "junk after bracket");
    ok(smtproutes_parse(L("x.test:[]"), &d, &r) == 0, "empty literal");
}

static const char lines[] =
    "a.test:ha.test\0.b.test:hb.test:26\0B.TEST:hbb.test\0bad.test\0:relay.test\0";

static void
test_find(void)
{
    struct smtproute r;

    ok(smtproutes_find(lines, sizeof lines - 1, L("a.test"), &r) == 1, "exact");
    is_buf(r.host, r.hostlen, "ha.test", "exact host");
    ok(smtproutes_find(lines, sizeof lines - 1, L("x.b.test"), &r) == 1 && r.port == 26,
       "parent entry for a subdomain");
    is_buf(r.host, r.hostlen, "hb.test", "parent host");
    ok(smtproutes_find(lines, sizeof lines - 1, L("b.test"), &r) == 1, "exact, case ignored");
    is_buf(r.host, r.hostlen, "hbb.test", "exact wins over nothing");
    ok(smtproutes_find(lines, sizeof lines - 1, L("y.a.test"), &r) == 1, "no .a.test: default");
    is_buf(r.host, r.hostlen, "relay.test", "default relay");
    ok(smtproutes_find(lines, sizeof lines - 1, L("bad.test"), &r) == -1, "a line without colon names a domain: malformed");
    ok(smtproutes_find(L("bad.test:h:x\0"), L("bad.test"), &r) == -1, "malformed match: -1");
    ok(smtproutes_find(L("a.test:h\0"), L("c.test"), &r) == 0, "no route");
    ok(smtproutes_find("", 0, L("c.test"), &r) == 0, "empty file");
}

/* found by fuzzing (tests/fuzz/corpus/smtproutes/port-at-end): the port
   was read past the end of the line it was given */
static void
test_portbound(void)
{
    struct smtproute r;
    size_t d;

    ok(smtproutes_parse("x.test:h:2525", 10, &d, &r) == 1 && r.port == 2,
       "port read within the line's length");
}

int
main(void)
{
    test_parse();
    test_portbound();
    test_find();
    return done_testing();
}
