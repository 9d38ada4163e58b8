/* smtpdata_t.c: DATA framing: the one true end, unstuffing, bare CR/LF, limits */
#include <stdlib.h>
#include "smtpdata.h"
#include "t.h"

static struct smtpdata d;
static char out[1 << 16];
static size_t outlen;

/* feed s whole (or byte by byte when split); returns octets consumed */
static size_t
feed(const char *s, size_t len, int split)
{
    size_t used = 0, n, o;

    outlen = 0;
    if (!split) {
        used = smtpdata_feed(&d, s, len, out, &outlen);
        return used;
    }
    while (used < len && !d.done) {
        n = smtpdata_feed(&d, s + used, 1, out + outlen, &o);
        used += n;
        outlen += o;
    }
    return used;
}

static void
run(const char *s, uint64_t sizemax, uint64_t linemax, int split)
{
    smtpdata_init(&d, sizemax, linemax, 100);
    feed(s, strlen(s), split);
}

int
main(void)
{
    int split;
    size_t used;
    char *big;

    for (split = 0; split < 2; ++split) {
        const char *how = split ? " (byte by byte)" : " (one piece)";
        char name[200];
#define N(x) (snprintf(name, sizeof name, "%s%s", (x), how), name)
        run("Subject: x\r\n\r\nhello\r\n.\r\n", 0, 1000, split);
        ok(d.done && !d.flags, N("simple message ends"));
        is_buf(out, outlen, "Subject: x\n\nhello\n", N("CRLF becomes LF, end line dropped"));
        ok(d.size == 21, N("size excludes the final .CRLF"));

        run("..dot\r\n...two\r\n.x\r\n.\r\n", 0, 1000, split);
        is_buf(out, outlen, ".dot\n..two\nx\n", N("dots unstuffed"));

        run(".\r\n", 0, 1000, split);
        ok(d.done && outlen == 0, N("empty message"));

        run("a\n.\nb\r\n.\r\n", 0, 1000, split);
        ok(d.done && (d.flags & SMTPDATA_BARELF), N("\\n.\\n does not end, bare LF flagged"));
        is_buf(out, outlen, "a", N("no output after the flag"));

        run("a\r.\nb\r\n.\r\n", 0, 1000, split);
        ok(d.done && (d.flags & SMTPDATA_BARECR) && (d.flags & SMTPDATA_BARELF), N("\\r.\\n does not end"));

        run("a\n.\r\nb\r\n.\r\n", 0, 1000, split);
        ok(d.done && (d.flags & SMTPDATA_BARELF), N("\\n.\\r\\n does not end"));
        used = feed("", 0, split);
        ok(used == 0, N("nothing after the end"));

        run("a\r\n.\rb\r\n.\r\n", 0, 1000, split);
        ok(d.done && (d.flags & SMTPDATA_BARECR), N(".\\r then text: bare CR"));

        run("a\r\r\n.\r\n", 0, 1000, split);
        ok(d.done && d.flags == SMTPDATA_BARECR, N("CR CR LF: one bare CR"));

        run("a\rb\r\n.\r\n", 0, 1000, split);
        ok(d.done && d.flags == SMTPDATA_BARECR, N("bare CR inside a line"));

        run("a\r\n.\n.\r\n", 0, 1000, split);
        ok(!d.done && d.flags == SMTPDATA_BARELF, N(".\\n is not an end, nor .CRLF after it"));
        feed(".\r\n", 3, split);
        ok(d.done, N("the next CRLF.CRLF is"));
    }

    /* what follows the end is left for the next command */
    smtpdata_init(&d, 0, 1000, 100);
    used = smtpdata_feed(&d, "x\r\n.\r\nQUIT\r\n", 12, out, &outlen);
    ok(d.done && used == 6, "stops right after CRLF.CRLF");

    /* line length: 1000 octets with CRLF is fine, 1001 is not */
    big = malloc(3000);
    memset(big, 'a', 998);
    memcpy(big + 998, "\r\n.\r\n", 6);
    run(big, 0, 1000, 0);
    ok(d.done && !d.flags, "998 octets + CRLF accepted");
    memset(big, 'a', 999);
    memcpy(big + 999, "\r\n.\r\n", 6);
    run(big, 0, 1000, 0);
    ok(d.done && d.flags == SMTPDATA_LONGLINE, "999 octets + CRLF refused");
    big[0] = '.';
    memset(big + 1, 'a', 998);
    run(big, 0, 1000, 0);
    ok(d.flags == SMTPDATA_LONGLINE, "a stuffed dot counts");
    run(big, 0, 0, 0);
    ok(d.done && !d.flags, "linemax 0: no limit");
    free(big);

    /* size */
    run("12345\r\n.\r\n", 7, 1000, 0);
    ok(d.done && !d.flags, "exactly sizemax accepted");
    run("123456\r\n.\r\n", 7, 1000, 0);
    ok(d.done && d.flags == SMTPDATA_TOOBIG, "one over sizemax refused");

    /* hops */
    {
        char h[6000];
        size_t n = 0;
        int i;
        for (i = 0; i < 101; ++i) n += (size_t)snprintf(h + n, sizeof h - n, "Received: hop %d\r\n", i);
        n += (size_t)snprintf(h + n, sizeof h - n, "\r\nbody\r\n.\r\n");
        smtpdata_init(&d, 0, 1000, 100);
        smtpdata_feed(&d, h, n, out, &outlen);
        ok(d.done && d.flags == SMTPDATA_HOPS && d.hops == 101, "101 Received lines refused");
        smtpdata_init(&d, 0, 1000, 101);
        smtpdata_feed(&d, h, n, out, &outlen);
        ok(d.done && !d.flags, "101 allowed when hopmax is 101");
        n = 0;
        n += (size_t)snprintf(h + n, sizeof h - n, "Subject: x\r\n\r\n");
        for (i = 0; i < 150; ++i) n += (size_t)snprintf(h + n, sizeof h - n, "Received: in body\r\n");
        n += (size_t)snprintf(h + n, sizeof h - n, ".\r\n");
        smtpdata_init(&d, 0, 1000, 100);
        smtpdata_feed(&d, h, n, out, &outlen);
        ok(d.done && !d.flags && d.hops == 0, "Received lines in the body do not count");
        smtpdata_init(&d, 0, 1000, 2);
        {
            const char *m = "delivered-to: a\r\nDELIVERED-TO: b\r\nReceived: c\r\n\r\n.\r\n";
            smtpdata_feed(&d, m, strlen(m), out, &outlen);
        }
        ok(d.done && d.flags == SMTPDATA_HOPS, "Delivered-To counts, without case");
    }
    return done_testing();
}
