/* smtpclient.c (fuzz): what mail-remote reads from an SMTP server and
   what it writes in DATA. Input: server lines (LF-separated, CR before LF
   optional), fed to the reply reader; each complete reply's text also
   goes to the EHLO keyword reader. The same bytes are then encoded as a
   message body, whole and in two pieces, which must give the same wire
   bytes, with the end-of-data line only at the end. */
#include "stralloc.h"
#include "smtpclient.h"
#include "fuzz.h"

/* the position of the first "\r\n.\r\n" in s[from..len), or len */
static size_t
find_end(const char *s, size_t len, size_t from)
{
    size_t i;

    for (i = from; i + 5 <= len; ++i)
        if (!memcmp(s + i, "\r\n.\r\n", 5)) return i;
    return len;
}

static void
check_data(const char *s, size_t len, size_t cut)
{
    static stralloc whole, parts;
    struct smtpclient_data st = { 0 };
    size_t i;

    stralloc_zero(&whole);
    fuzz_check(smtpclient_dataput(&st, s, len, &whole));
    fuzz_check(smtpclient_dataend(&st, &whole));
    st.midline = 0;
    stralloc_zero(&parts);
    fuzz_check(smtpclient_dataput(&st, s, cut, &parts));
    fuzz_check(smtpclient_dataput(&st, s + cut, len - cut, &parts));
    fuzz_check(smtpclient_dataend(&st, &parts));
    fuzz_check(whole.len == parts.len && !memcmp(whole.s, parts.s, whole.len));
    /* no early end of data: the server would take what follows for commands */
    fuzz_check(whole.len >= 3 && !memcmp(whole.s + whole.len - 3, ".\r\n", 3));
    fuzz_check(whole.len == 3 || find_end(whole.s, whole.len, 0) == whole.len - 5);
    fuzz_check(whole.len < 3 || memcmp(whole.s, ".\r\n", 3) || whole.len == 3);
    for (i = 0; i < whole.len; ++i)
        if (whole.s[i] == '\n') fuzz_check(i > 0 && whole.s[i - 1] == '\r');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct smtpclient r;
    const char *s = (const char *)data;
    struct ehlo e;
    size_t i, start;
    int x;

    smtpclient_reset(&r);
    for (start = 0; start < size; start = i + 1) {
        for (i = start; i < size && s[i] != '\n'; ++i) ;
        x = smtpclient_line(&r, s + start, i - start);
        fuzz_check(x >= -1 && x <= 1);
        if (x == -1) { smtpclient_reset(&r); continue; }
        fuzz_check(r.code >= 200 && r.code <= 599);
        fuzz_check(r.text.len <= SMTPCLIENT_TEXTMAX + SMTPCLIENT_LINEMAX);
        if (x == 1) {
            /* an exact-size copy, so that reading past the text shows */
            char *t = malloc(r.text.len ? r.text.len : 1);

            fuzz_check(t != 0);
            if (r.text.len) memcpy(t, r.text.s, r.text.len);
            smtpclient_ehlo(t, r.text.len, &e);
            free(t);
            fuzz_check(!(e.flags & ~15u));
            smtpclient_reset(&r);
        }
    }
    check_data(s, size, size ? data[0] % (size + 1) : 0);
    return 0;
}
