/* dsn.c (fuzz): bounces built from whatever delivery texts came back.
   Input: the bounce/ file, "addr\0text\0" pairs, as mail-send writes it
   from the spawners' results (texts from remote servers and from users'
   programs). The bounce must stay a clean mail: 7-bit, no NUL or bare
   control bytes, no line longer than 998 bytes, every recipient's status
   a valid 5.x.y code. */
#include "stralloc.h"
#include "dsn.h"
#include "fuzz.h"

static void
check_mail(const stralloc *sa)
{
    size_t i, col = 0;
    unsigned char c;

    for (i = 0; i < sa->len; ++i) {
        c = (unsigned char)sa->s[i];
        if (c == '\n') { col = 0; continue; }
        fuzz_check((c >= 32 && c < 127) || c == '\t');
        fuzz_check(++col <= 998);
    }
}

static void
check_status(const char *st, size_t n)
{
    size_t i, dots = 0;

    fuzz_check(n >= 5 && n <= 9 && st[0] == '5' && st[1] == '.');
    for (i = 0; i < n; ++i) {
        if (st[i] == '.') ++dots;
        else fuzz_check(st[i] >= '0' && st[i] <= '9');
    }
    fuzz_check(dots == 2 && st[n - 1] != '.');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc sa;
    struct dsn d = {
        "mx.example.org", "MAILER-DAEMON@mx.example.org", "joe@example.com",
        "kirim-boundary-1700000000-4242", 1700000000, 1700003600, 0
    };
    const char *s = (const char *)data;
    char st[16];
    size_t n;

    d.whole = size & 1;
    stralloc_zero(&sa);
    fuzz_check(dsn_head(&sa, &d, s, size));
    fuzz_check(dsn_tail(&sa, &d));
    check_mail(&sa);
    n = dsn_status(st, s, size);
    check_status(st, n);
    n = dsn_hdrlen(s, size);
    fuzz_check(n <= size);
    return 0;
}
