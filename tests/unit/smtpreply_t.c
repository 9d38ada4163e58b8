/* smtpreply_t.c: reply lines, queue results to replies, the reply checker */
#include "smtpreply.h"
#include "t.h"

static stralloc r;

static int
q(const char *m)
{
    return smtpreply_queue(&r, m, 1700000000, 4321);
}

int
main(void)
{
    r.len = 0;
    ok(smtpreply_line(&r, "250", 0, "2.1.0", "sender ok", 9), "line");
    is_buf(r.s, r.len, "250 2.1.0 sender ok\r\n", "line text");
    r.len = 0;
    smtpreply_line(&r, "250", 1, 0, "host", 4);
    smtpreply_line(&r, "250", 0, 0, "SIZE 0", 6);
    is_buf(r.s, r.len, "250-host\r\n250 SIZE 0\r\n", "continuation and no enhanced code");
    r.len = 0;
    smtpreply_line(&r, "550", 0, "5.1.1", "a\r\nb\x80", 5);
    is_buf(r.s, r.len, "550 5.1.1 a??b?\r\n", "CR, LF and 8-bit bytes masked");

    q("");
    is_buf(r.s, r.len, "250 2.0.0 ok 1700000000 qp 4321\r\n", "accepted");
    q("Denvelope address too long for the queue (#5.1.3)");
    is_buf(r.s, r.len, "554 5.1.3 envelope address too long for the queue\r\n", "D with code");
    q("Dmail server permanently rejected the message (#5.3.0)");
    is_buf(r.s, r.len, "554 5.3.0 mail server permanently rejected the message\r\n", "exit 31");
    q("Ztrouble in queue/todo (#4.3.0)");
    is_buf(r.s, r.len, "451 4.3.0 trouble in queue/todo\r\n", "Z with code");
    q("Dspam detected");
    is_buf(r.s, r.len, "554 5.3.0 spam detected\r\n", "custom D text without a code");
    q("Zgreylisted, come back later (#4.7.1)");
    is_buf(r.s, r.len, "451 4.7.1 greylisted, come back later\r\n", "custom Z text keeps its code");
    q("Dvirus found (#4.7.1)");
    is_buf(r.s, r.len, "554 5.3.0 virus found (#4.7.1)\r\n", "a code of the wrong class is not used");
    q("Dodd (#5.x.1)");
    is_buf(r.s, r.len, "554 5.3.0 odd (#5.x.1)\r\n", "malformed code left in the text");

    ok(smtpreply_valid("250 2.1.0 ok\r\n", 14), "valid");
    ok(smtpreply_valid("550-5.7.1 no", 12), "valid continuation");
    ok(!smtpreply_valid("250 ok\r\n", 8), "missing code");
    ok(!smtpreply_valid("250 5.1.0 ok", 12), "class differs");
    ok(!smtpreply_valid("250 2.1 ok", 10), "two parts");
    ok(!smtpreply_valid("250 2.1.0x", 10), "junk after the code");
    ok(!smtpreply_valid("354 3.0.0 go", 12), "3xx has no enhanced code class");
    return done_testing();
}
