/* dotstuff.c (fuzz): a message as a POP3 multi-line response (RETR and
   TOP). Input: a byte choosing TOP's line count (or RETR) and the piece
   size, then the message. Written whole and in pieces it must give the
   same bytes, every LF in them after a CR, the terminating ".CRLF" line
   only at the end; the size reported must not depend on the pieces. */
#include "stralloc.h"
#include "dotstuff.h"
#include "fuzz.h"

/* a write op appending to the stralloc in the buffer's cookie (libowfat's
   buffer_tosa garbles a single write larger than its 1024-byte buffer) */
static ssize_t
sa_write(int fd, const char *buf, size_t n, buffer *self)
{
    (void)fd;
    return stralloc_catb(self->cookie, buf, n) ? (ssize_t)n : -1;
}

static void
run(const char *s, size_t len, size_t step, int limited, unsigned long maxlines,
    stralloc *sa)
{
    struct dotstuff d;
    char space[32];
    buffer b;
    size_t i, n;

    stralloc_zero(sa);
    buffer_init(&b, sa_write, 1, space, sizeof space);
    b.cookie = sa;
    dotstuff_init(&d, limited, maxlines);
    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        fuzz_check(dotstuff_put(&d, &b, s + i, n) == 0);
    }
    fuzz_check(dotstuff_end(&d, &b) == 0);
    fuzz_check(buffer_flush(&b) == 0);
}

static unsigned long long
size(const char *s, size_t len, size_t step)
{
    unsigned long long total = 0;
    int prevcr = 0;
    size_t i, n;

    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        total += dotstuff_size(&prevcr, s + i, n);
    }
    return total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size_)
{
    static stralloc whole, parts;
    const char *s = (const char *)data + 1;
    size_t len, step, i, lf = 0;
    int limited;
    unsigned long max;

    if (size_ < 1) return 0;
    len = size_ - 1;
    limited = data[0] & 1;
    max = (data[0] >> 1) & 7;
    step = (data[0] >> 4) + 1;
    run(s, len, len ? len : 1, limited, max, &whole);
    run(s, len, step, limited, max, &parts);
    fuzz_check(whole.len == parts.len && !memcmp(whole.s, parts.s, whole.len));
    fuzz_check(whole.len >= 3 && !memcmp(whole.s + whole.len - 3, ".\r\n", 3));
    if (whole.len > 3) {
        fuzz_check(whole.len >= 5 && !memcmp(whole.s + whole.len - 5, "\r\n", 2));
        fuzz_check(memcmp(whole.s, ".\r\n", 3) != 0);
        for (i = 0; i + 5 < whole.len; ++i)
            fuzz_check(memcmp(whole.s + i, "\r\n.\r\n", 5) != 0);
    }
    for (i = 0; i < whole.len; ++i)
        if (whole.s[i] == '\n') fuzz_check(i > 0 && whole.s[i - 1] == '\r');
    /* size: the message with CRLF line ends, however it is cut */
    for (i = 0; i < len; ++i) lf += s[i] == '\n' && (i == 0 || s[i - 1] != '\r');
    fuzz_check(size(s, len, len ? len : 1) == len + lf);
    fuzz_check(size(s, len, step) == len + lf);
    return 0;
}
