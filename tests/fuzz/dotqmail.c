/* dotqmail.c (fuzz): .qmail files. Input: a .qmail file. Its
   instructions are checked one by one, and the file is also read as a
   message header by the Delivered-To loop check, in pieces. */
#include "stralloc.h"
#include "dotqmail.h"
#include "fuzz.h"

static struct dotqmail_line l[DOTQMAIL_MAX];

static int
isblankc(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void
check_line(const char *s, size_t len)
{
    const char *arg;
    size_t alen;
    int t = dotqmail_class(s, len, &arg, &alen);

    fuzz_check(t >= DQ_BAD && t <= DQ_PLUS);
    fuzz_check(arg >= s && arg + alen <= s + len);
    if (t == DQ_BLANK) return;
    if (t == DQ_PLUS) { fuzz_check(arg > s && arg[-1] == '+'); return; }
    fuzz_check(alen > 0 || t == DQ_BAD || t == DQ_COMMENT);
    if (t == DQ_BAD || t == DQ_COMMENT) return;
    fuzz_check(!isblankc(arg[0]) && !isblankc(arg[alen - 1]));
    fuzz_check(!memchr(arg, '\n', alen) && !memchr(arg, 0, alen));
    if (t == DQ_MAILDIR) fuzz_check(arg[alen - 1] == '/');
    if (t == DQ_MBOX) fuzz_check(arg[alen - 1] != '/');
    if (t == DQ_MAILDIR || t == DQ_MBOX) fuzz_check(arg[0] == '/' || arg[0] == '.');
    if (t == DQ_FORWARD) fuzz_check(!memchr(arg, ' ', alen));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *why = 0;
    unsigned long lineno = 0, lines = 0;
    size_t i, start;
    long n, k;
    char space[48];
    struct fuzz_src src;
    buffer b;
    int r;

    for (start = 0; start < size; start = i + 1) {
        for (i = start; i < size && s[i] != '\n'; ++i) ;
        check_line(s + start, i - start);
        ++lines;
    }
    n = dotqmail_parse(s, size, l, DOTQMAIL_MAX, &why, &lineno);
    if (n == -1) {
        fuzz_check(why != 0 && lineno >= 1 && lineno <= lines);
    } else {
        fuzz_check(n >= 0 && n <= DOTQMAIL_MAX);
        for (k = 0; k < n; ++k) {
            fuzz_check(l[k].type >= DQ_PROGRAM && l[k].type <= DQ_PLUS);
            fuzz_check(l[k].arg >= s && l[k].arg + l[k].len <= s + size);
            fuzz_check(l[k].len > 0 || l[k].type == DQ_PLUS);
        }
    }
    /* the same bytes as a message header, looked at for a recipient */
    fuzz_buffer(&b, &src, s, size, size % 13 + 1, space, sizeof space);
    r = dotqmail_seen(&b, "joe-list@example.org", 20);
    fuzz_check(r == 0 || r == 1);
    return 0;
}
