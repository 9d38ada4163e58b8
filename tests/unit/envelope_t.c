/* envelope_t.c: the envelope codec, including hostile input */
#include <stdlib.h>
#include "buffer.h"
#include "stralloc.h"
#include "envelope.h"
#include "t.h"

static stralloc from, rcpts;
static unsigned long n;

static int
dec(const char *s, size_t len, size_t max)
{
    buffer b;

    buffer_frombuf(&b, s, len);
    return envelope_get(&b, &from, &rcpts, &n, max);
}

int
main(void)
{
    static stralloc e;
    char *big;
    size_t i;

    ok(dec("Fa@b\0Tc@d\0Te@f\0\0", 17, 100) == 1, "two recipients decode");
    is_buf(from.s, from.len, "a@b", "sender");
    ok(n == 2, "count 2");
    ok(rcpts.len == 8 && !memcmp(rcpts.s, "c@d\0e@f\0", 8), "recipients NUL-ended");
    ok(dec("F\0\0", 3, 100) == 1 && from.len == 0 && n == 0, "null sender, no recipients");
    ok(dec("Fa@b\0Tc@d\0", 10, 100) == -4, "missing final NUL is truncation");
    ok(dec("Fa@b\0Tc@", 8, 100) == -4, "cut inside an address");
    ok(dec("", 0, 100) == -4, "empty input");
    ok(dec("Xa@b\0\0", 6, 100) == 0, "no leading F");
    ok(dec("Fa@b\0Qc\0\0", 9, 100) == 0, "bad letter");
    ok(dec("Fabcdef\0\0", 9, 5) == -2, "sender over limit");
    ok(dec("Fabcdef\0\0", 9, 6) == 1, "sender at limit");
    ok(dec("Fa\0Tabcdefgh\0\0", 14, 7) == -2, "recipient over limit");

    /* encoder and decoder agree; 10,000 recipients */
    ok(envelope_catfrom(&e, "s@x", 3), "encode sender");
    for (i = 0; i < 10000; ++i) envelope_catto(&e, "r@example.org", 13);
    ok(envelope_catend(&e), "encode end");
    ok(dec(e.s, e.len, 1000) == 1 && n == 10000, "10,000 recipients round-trip");
    ok(rcpts.len == 10000 * 14, "all recipient bytes kept");

    /* a 1 MB address without NUL stops at the limit, not at the end */
    big = malloc(1 << 20);
    if (!big) return 1;
    memset(big, 'a', 1 << 20);
    big[0] = 'F';
    ok(dec(big, 1 << 20, 1000) == -2, "1 MB address refused at the limit");
    free(big);
    return done_testing();
}
