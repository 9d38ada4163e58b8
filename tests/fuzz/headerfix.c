/* headerfix.c (fuzz): mail-inject's header rewrite and line classifier.
   Input: one byte of settings (recipients from the header or not, which
   completion rules are on), then the message. */
#include "stralloc.h"
#include "headerfix.h"
#include "fuzz.h"

/* the header as written: only header lines, each ended by '\n', then
   the empty line; no line is a header end before the last */
static void
check_header(const stralloc *out)
{
    size_t i = 0, j;
    int first = 1, kind;

    fuzz_check(out->len >= 1 && out->s[out->len - 1] == '\n');
    while (i < out->len) {
        for (j = i; j < out->len && out->s[j] != '\n'; ++j) ;
        fuzz_check(j < out->len);
        kind = headerfix_line(out->s + i, j + 1 - i, first);
        if (j + 1 == out->len) fuzz_check(kind == HF_END);
        else fuzz_check(kind == HF_FIELD || kind == HF_CONT);
        first = 0;
        i = j + 1;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc out, rcpt;
    struct headerfix hf = {
        "joe", "host", "Joe Example", "id.example",
        { "host.example", "example.org", "plus.example" },
        1700000000, 4242, 17, 0
    };
    const char *s = (const char *)data + 1;
    size_t len, body, i;
    int kind;

    if (size < 1) return 0;
    len = size - 1;
    hf.rcpts = data[0] & 1;
    if (data[0] & 2) hf.hosts.defaulthost = 0;
    if (data[0] & 4) hf.hosts.defaultdomain = "";
    if (data[0] & 8) hf.hosts.plusdomain = 0;
    if (data[0] & 16) { hf.user = 0; hf.host = ""; hf.fullname = 0; hf.idhost = 0; }
    for (i = 0; i <= len; ++i) {
        kind = headerfix_line(s + i, len - i, !i);
        fuzz_check(kind >= HF_END && kind <= HF_MORE);
        if (i + 64 < len) i += 63;      /* a few start points, not every one */
    }
    stralloc_zero(&out);
    stralloc_zero(&rcpt);
    fuzz_check(headerfix_run(&hf, s, len, &out, &rcpt, &body) == 0);
    fuzz_check(body <= len);
    fuzz_check(!hf.rcpts ? rcpt.len == 0 : (!rcpt.len || !rcpt.s[rcpt.len - 1]));
    check_header(&out);
    return 0;
}
