/* mxlist_t.c: MX records, address order, null MX; the tcpto records */
#include "byte.h"
#include "mxlist.h"
#include "tcpto.h"
#include "t.h"

#define L(s) s, sizeof s - 1

static void
ip4(char ip[16], int last)
{
    byte_zero(ip, 16);
    ip[10] = ip[11] = (char)255;
    ip[12] = 127; ip[15] = (char)last;
}

static void
test_records(void)
{
    static const char mx[] = "\0\012mx1.test\0\0\024mx2.test\0";
    size_t pos = 0;
    unsigned long pref;
    const char *name;

    ok(mxlist_next(mx, sizeof mx - 1, &pos, &pref, &name) == 1 && pref == 10, "first record");
    ok(!strcmp(name, "mx1.test"), "its name");
    ok(mxlist_next(mx, sizeof mx - 1, &pos, &pref, &name) == 1 && pref == 20, "second record");
    ok(mxlist_next(mx, sizeof mx - 1, &pos, &pref, &name) == 0, "end");
    pos = 0;
    ok(mxlist_next(L("\0\012mx1"), &pos, &pref, &name) == -1, "unterminated name");
    ok(mxlist_isnull(L("\0\0.\0")), "null MX: \".\"");
    ok(mxlist_isnull(L("\0\0\0")), "null MX: empty name");
    ok(!mxlist_isnull(mx, sizeof mx - 1), "real MX records");
    ok(!mxlist_isnull("", 0), "no MX records is not a null MX");
}

static void
test_order(void)
{
    static struct mxlist l;
    char ip[16];
    int i, firsts[2] = { 0, 0 }, round;

    for (round = 0; round < 200; ++round) {
        mxlist_reset(&l);
        ip4(ip, 1); mxlist_add(&l, ip, 20, "c.test", 5);
        ip4(ip, 2); mxlist_add(&l, ip, 10, "a.test", (unsigned long)(round * 7919) % 13);
        ip4(ip, 3); mxlist_add(&l, ip, 10, "b.test", (unsigned long)(round * 104729) % 11);
        ip4(ip, 3); mxlist_add(&l, ip, 30, "dup.test", 0);
        mxlist_sort(&l);
        if (l.n != 3 || l.a[2].pref != 20) break;
        ++firsts[l.a[0].ip[15] == 2 ? 0 : 1];
    }
    ok(round == 200, "three addresses, repeated one dropped, worst last");
    ok(firsts[0] > 0 && firsts[1] > 0, "equal preferences: either may come first");
    mxlist_cut(&l, 20);
    ok(l.n == 2 && l.a[0].pref == 10 && l.a[1].pref == 10, "cut at 20");
    ok(!strcmp(l.names.s + l.a[0].name, l.a[0].ip[15] == 2 ? "a.test" : "b.test"),
       "names follow their address");
    mxlist_reset(&l);
    for (i = 0; i < MXLIST_MAX + 5; ++i) {
        ip4(ip, 1); ip[14] = (char)i;
        mxlist_add(&l, ip, 0, "x.test", 0);
    }
    ok(l.n == MXLIST_MAX, "bounded");
    /* DNS order is not preference order: a full list of worse hosts
       still takes the best one, and a repeat keeps its best preference */
    mxlist_reset(&l);
    for (i = 0; i < MXLIST_MAX; ++i) {
        ip4(ip, 1); ip[14] = (char)i;
        mxlist_add(&l, ip, 50, "far.test", 0);
    }
    ip4(ip, 9); mxlist_add(&l, ip, 10, "best.test", 0);
    ip4(ip, 1); ip[14] = 3; mxlist_add(&l, ip, 5, "again.test", 0);
    mxlist_sort(&l);
    ok(l.n == MXLIST_MAX && l.a[0].pref == 5 && l.a[1].pref == 10 && l.a[1].ip[15] == 9
       && !strcmp(l.names.s + l.a[0].name, "again.test"),
       "full list: the better MX comes in, a repeated address gets its better preference");
}

static void
test_tcpto(void)
{
    static char f[TCPTO_SIZE];
    char a[16], b[16], got[16];
    unsigned long last, count;
    int i;

    ip4(a, 30); ip4(b, 31);
    ok(tcpto_wait(f, a, 1000) == 0, "unknown host: try");
    tcpto_note(f, a, 1000, 1);
    ok(tcpto_wait(f, a, 1001) == 59, "after a timeout: skipped for a minute");
    ok(tcpto_wait(f, b, 1001) == 0, "another host is not");
    ok(tcpto_wait(f, a, 1060) == 0, "a minute later: try again");
    tcpto_note(f, a, 1060, 1);
    ok(tcpto_wait(f, a, 1061) == 119, "second timeout: two minutes");
    ok(tcpto_get(f, 0, got, &last, &count) && count == 2 && last == 1060
       && byte_equal(got, 16, a), "the record");
    tcpto_note(f, a, 1100, 0);
    ok(tcpto_wait(f, a, 1101) == 0 && !tcpto_get(f, 0, got, &last, &count), "success forgets");
    for (i = 0; i < 70; ++i) { ip4(b, i); tcpto_note(f, b, 2000 + (unsigned long)i, 1); }
    ip4(b, 69);
    ok(tcpto_wait(f, b, 2070) > 0, "newest kept when full");
    ip4(b, 0);
    ok(tcpto_wait(f, b, 2070) == 0, "oldest replaced when full");
    ok(tcpto_backoff(30) == TCPTO_CAP, "backoff capped");
}

int
main(void)
{
    test_records();
    test_order();
    test_tcpto();
    return done_testing();
}
