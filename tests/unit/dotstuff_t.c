/* dotstuff_t.c: POP3 multi-line responses: CRLF, dot-stuffing, TOP, sizes */
#include <stdlib.h>
#include "buffer.h"
#include "stralloc.h"
#include "dotstuff.h"
#include "t.h"

static stralloc out;

/* the whole response for s, fed in pieces of step bytes */
static void
run(const char *s, size_t len, size_t step, int limited, unsigned long max)
{
    struct dotstuff d;
    buffer b;
    size_t i, n;

    stralloc_zero(&out);
    buffer_tosa(&b, &out);
    dotstuff_init(&d, limited, max);
    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        dotstuff_put(&d, &b, s + i, n);
    }
    dotstuff_end(&d, &b);
    buffer_flush(&b);
}

#define RUN(s, step) run((s), sizeof(s) - 1, (step), 0, 0)
#define TOP(s, max) run((s), sizeof(s) - 1, 1000, 1, (max))

static unsigned long long
size(const char *s, size_t len, size_t step)
{
    unsigned long long total = 0;
    int cr = 0;
    size_t i, n;

    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        total += dotstuff_size(&cr, s + i, n);
    }
    return total;
}

int
main(void)
{
    static const char msg[] = "From: a\nSubject: b\n\n.one\n..two\nthree.\n.\n";
    static const char want[] = "From: a\r\nSubject: b\r\n\r\n..one\r\n...two\r\nthree.\r\n..\r\n.\r\n";
    size_t step;
    char *big;
    int allsame = 1;

    RUN(msg, 1000);
    is_buf(out.s, out.len, want, "LF to CRLF, leading dots doubled, end mark");
    for (step = 1; step < sizeof msg; ++step) {
        run(msg, sizeof msg - 1, step, 0, 0);
        if (out.len != sizeof want - 1 || memcmp(out.s, want, out.len)) allsame = 0;
    }
    ok(allsame, "same output whatever the piece size");
    RUN("a\r\nb\r\n", 1);
    is_buf(out.s, out.len, "a\r\nb\r\n.\r\n", "CRLF kept as it is, byte by byte");
    RUN("a\rb\n", 1000);
    is_buf(out.s, out.len, "a\rb\r\n.\r\n", "a CR alone passes unchanged");
    RUN("no newline", 1000);
    is_buf(out.s, out.len, "no newline\r\n.\r\n", "a last line without LF is ended");
    RUN(".", 1000);
    is_buf(out.s, out.len, "..\r\n.\r\n", "a lone dot is stuffed and ended");
    RUN("", 1000);
    is_buf(out.s, out.len, ".\r\n", "empty message: only the end mark");
    RUN("x\r", 1000);
    is_buf(out.s, out.len, "x\r\n.\r\n", "a final CR is completed to CRLF");
    RUN("\n\n", 1000);
    is_buf(out.s, out.len, "\r\n\r\n.\r\n", "blank lines");
    RUN("a\0b\n", 1000);
    ok(out.len == 8 && !memcmp(out.s, "a\0b\r\n.\r\n", 8), "NUL bytes pass through");

    TOP("H: 1\nH: 2\n\nb1\nb2\nb3\n", 0);
    is_buf(out.s, out.len, "H: 1\r\nH: 2\r\n\r\n.\r\n", "TOP 0: header and blank line");
    TOP("H: 1\r\n\r\nb1\r\nb2\r\nb3\r\n", 2);
    is_buf(out.s, out.len, "H: 1\r\n\r\nb1\r\nb2\r\n.\r\n", "TOP 2 with CRLF input");
    TOP("H: 1\n\n.b1\nb2\n", 1);
    is_buf(out.s, out.len, "H: 1\r\n\r\n..b1\r\n.\r\n", "TOP stuffs dots too");
    TOP("H: 1\n\nb1\n", 10);
    is_buf(out.s, out.len, "H: 1\r\n\r\nb1\r\n.\r\n", "TOP beyond the end: whole message");
    TOP("H: 1\nH: 2\n", 0);
    is_buf(out.s, out.len, "H: 1\r\nH: 2\r\n.\r\n", "TOP of a message without body");
    TOP("H: 1\n \nb1\n", 0);
    is_buf(out.s, out.len, "H: 1\r\n \r\nb1\r\n.\r\n", "a line with a space does not end the header");
    TOP("H: 1\n\r\nb1\nb2\n", 1);
    is_buf(out.s, out.len, "H: 1\r\n\r\nb1\r\n.\r\n", "CRLF blank line ends the header");

    ok(size(msg, sizeof msg - 1, 1000) == sizeof msg - 1 + 7, "size: one more per bare LF");
    ok(size("a\r\nb\r\n", 6, 1) == 6, "size: CRLF counted once, split between pieces");
    ok(size("a\r", 2, 1000) == 2, "size: a final CR");
    ok(size("", 0, 1) == 0, "size: empty");

    /* 1 MB of dots and LFs, in odd pieces: output is exactly twice plus 2 per line + end */
    big = malloc(1 << 20);
    if (!big) return 1;
    memset(big, '.', 1 << 20);
    for (step = 1; step < (1 << 20); step += 2) big[step] = '\n';
    run(big, 1 << 20, 4093, 0, 0);
    ok(out.len == (1 << 20) / 2 * 4 + 3, "1 MB of dot lines: every one stuffed");
    ok(size(big, 1 << 20, 777) == (1 << 20) / 2 * 3, "and its size");
    free(big);
    return done_testing();
}
