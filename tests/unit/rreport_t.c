/* rreport_t.c: mail-remote's report to per-recipient results */
#include "rreport.h"
#include "t.h"

#define L(s) s, sizeof s - 1

int
main(void)
{
    static struct rreport r;
    static stralloc t;

    ok(rreport_parse(L("rok a\0hno b\0sbusy c\0Ksent\0"), 3, &r) == 1, "three recipients and the message");
    ok(rreport_letter(&r, 0) == 'K' && rreport_letter(&r, 1) == 'D' && rreport_letter(&r, 2) == 'Z',
       "r follows the message, h is D, s is Z");
    ok(rreport_text(&r, 0, &t), "text 0");
    is_buf(t.s, t.len, "sent", "an accepted recipient gets the message's text");
    ok(rreport_text(&r, 1, &t), "text 1");
    is_buf(t.s, t.len, "no b", "a refused one its own");
    ok(rreport_parse(L("rok\0Zlost connection\0"), 1, &r) == 1 && rreport_letter(&r, 0) == 'Z',
       "accepted, then the connection was lost: Z");
    ok(rreport_parse(L("Dnull MX\0"), 2, &r) == 1 && r.n == 0, "message record alone");
    ok(rreport_letter(&r, 1) == 'D' && rreport_text(&r, 1, &t), "stands for every recipient");
    is_buf(t.s, t.len, "null MX", "with its text");
    ok(rreport_parse(L("rok\0Ksent"), 1, &r) == 0, "unterminated");
    ok(rreport_parse(L("rok\0rok\0Ksent\0"), 1, &r) == 0, "too many records");
    ok(rreport_parse(L("rok\0Ksent\0"), 2, &r) == 0, "too few records");
    ok(rreport_parse(L("xok\0Ksent\0"), 1, &r) == 0, "bad recipient letter");
    ok(rreport_parse(L("rok\0Xsent\0"), 1, &r) == 0, "bad message letter");
    ok(rreport_parse(L("rok\0\0"), 1, &r) == 0, "empty record");
    ok(rreport_parse("", 0, 1, &r) == 0, "nothing");
    ok(rreport_parse(L("junk from a crash"), 1, &r) == 0, "garbage");
    return done_testing();
}
