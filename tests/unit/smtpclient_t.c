/* smtpclient_t.c: reply lines, EHLO keywords, DATA encoding */
#include "smtpclient.h"
#include "t.h"

#define L(s) s, sizeof s - 1

static void
test_reply(void)
{
    static struct smtpclient r;
    static char big[3000];
    size_t i;

    smtpclient_reset(&r);
    ok(smtpclient_line(&r, L("250 ok\r")) == 1 && r.code == 250, "one line, CR dropped");
    is_buf(r.text.s, r.text.len, "250 ok", "its text");
    smtpclient_reset(&r);
    ok(smtpclient_line(&r, L("250-mx.test hello")) == 0, "continuation");
    ok(smtpclient_line(&r, L("250-SIZE 1000")) == 0, "continuation 2");
    ok(smtpclient_line(&r, L("250 PIPELINING")) == 1, "last line");
    is_buf(r.text.s, r.text.len, "250-mx.test hello\n250-SIZE 1000\n250 PIPELINING", "joined by LF");
    smtpclient_reset(&r);
    ok(smtpclient_line(&r, L("354")) == 1 && r.code == 354, "bare code");
    smtpclient_reset(&r);
    ok(smtpclient_line(&r, L("25 x")) == -1, "two digits");
    ok(smtpclient_line(&r, L("abc def")) == -1, "no code");
    ok(smtpclient_line(&r, L("150 x")) == -1, "code below 200");
    ok(smtpclient_line(&r, L("250x")) == -1, "bad separator");
    smtpclient_reset(&r);
    ok(smtpclient_line(&r, L("250-a")) == 0 && smtpclient_line(&r, L("550 b")) == -1,
       "code changes inside a reply");
    smtpclient_reset(&r);
    for (i = 0; i < sizeof big; ++i) big[i] = 'x';
    big[0] = '5'; big[1] = '5'; big[2] = '0'; big[3] = '-';
    for (i = 0; i < 5; ++i) ok(smtpclient_line(&r, big, sizeof big) == 0, "long line");
    ok(smtpclient_line(&r, L("550 end")) == 1 && r.text.len <= SMTPCLIENT_TEXTMAX,
       "text stays bounded");
    ok(r.lines == 6, "lines counted");
}

static void
test_ehlo(void)
{
    struct ehlo e;

    smtpclient_ehlo(L("250-mx.test SIZE PIPELINING\n250-size 10240\n250-8BITMIME\n"
                     "250-STARTTLS\n250 PIPELINING"), &e);
    ok(e.flags == (EHLO_SIZE | EHLO_8BITMIME | EHLO_STARTTLS | EHLO_PIPELINING), "all four");
    ok(e.size == 10240, "SIZE limit, keyword case ignored");
    smtpclient_ehlo(L("250-mx.test\n250 SMTPUTF8"), &e);
    ok(e.flags == EHLO_SMTPUTF8, "SMTPUTF8");
    smtpclient_ehlo(L("250-mx.test\n250-SIZE\n250 PIPELININGX"), &e);
    ok(e.flags == EHLO_SIZE && e.size == 0, "SIZE without limit; PIPELININGX is not PIPELINING");
    smtpclient_ehlo(L("250 mx.test PIPELINING"), &e);
    ok(e.flags == 0, "greeting line ignored");
}

static void
enc(const char *in, size_t len, size_t chunk, stralloc *out)
{
    struct smtpclient_data st = { 0 };
    size_t i, n;

    stralloc_zero(out);
    for (i = 0; i < len; i += n) {
        n = len - i < chunk ? len - i : chunk;
        smtpclient_dataput(&st, in + i, n, out);
    }
    smtpclient_dataend(&st, out);
}

static void
test_data(void)
{
    static stralloc out;
    static const char want[] = "a\r\n..b\r\n...\r\nc.d\r\n\r\n..\r\n.\r\n";
    size_t c;

    for (c = 1; c < 20; ++c) {
        enc(L("a\n.b\n..\nc.d\n\n."), c, &out);
        ok(out.len == sizeof want - 1 && !memcmp(out.s, want, out.len), "dots and CRLF, any chunking");
    }
    enc(L(".x\n"), 100, &out);
    is_buf(out.s, out.len, "..x\r\n.\r\n", "leading dot on the first line");
    enc("", 0, 100, &out);
    is_buf(out.s, out.len, ".\r\n", "empty message");
    enc(L("\xe9t\xe9\n"), 100, &out);
    is_buf(out.s, out.len, "\xe9t\xe9\r\n.\r\n", "8-bit bytes pass");
}

/* found by fuzzing (tests/fuzz/corpus/smtpclient/size-at-end): SIZE's
   number was read past the end of the text it was given */
static void
test_sizebound(void)
{
    static const char t[] = "250-mx.test\n250 SIZE 1000";
    struct ehlo e;

    smtpclient_ehlo(t, sizeof t - 2, &e);      /* the text ends before the last 0 */
    ok((e.flags & EHLO_SIZE) && e.size == 100, "SIZE read within the text's length");
}

int
main(void)
{
    test_reply();
    test_sizebound();
    test_ehlo();
    test_data();
    return done_testing();
}
