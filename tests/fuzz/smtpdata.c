/* smtpdata.c (fuzz): the DATA stream as mail-smtpd reads it: the end at
   CRLF.CRLF, dot-unstuffing, bare CR and LF, line, size and hop limits.
   Input: three bytes (size limit, line limit, hop limit; 0 is none),
   then the client's bytes after 354. They are fed whole, then in pieces
   whose sizes come from the input itself (0 included), each into an
   output buffer of exactly the piece's size: both give the same result
   and output. The data ends at the first CRLF.CRLF and nowhere else, a
   bare CR or LF is flagged exactly when there is one, and an accepted
   message, dot-stuffed again, reads back as itself. */
#include "smtpdata.h"
#include "fuzz.h"

struct run {
    struct smtpdata d;
    size_t used;            /* octets of the stream consumed */
    char *out;              /* the message, as written */
    size_t outlen;
};

static void
start(struct run *r, const uint8_t *set, size_t len)
{
    smtpdata_init(&r->d, set[0] ? (uint64_t)set[0] * 8 : 0, set[1],
                  set[2] % 4);
    r->used = 0;
    r->out = malloc(len ? len : 1);
    fuzz_check(r->out != 0);
    r->outlen = 0;
}

/* feed s[0..len) in one call, into an exact-size output buffer */
static void
feed(struct run *r, const char *s, size_t len)
{
    char *o = malloc(len ? len : 1), *copy = malloc(len ? len : 1);
    size_t n, ol = (size_t)-1;

    fuzz_check(o != 0 && copy != 0);
    if (len) memcpy(copy, s, len);
    n = smtpdata_feed(&r->d, copy, len, o, &ol);
    fuzz_check(n <= len && ol <= n);
    fuzz_check(n == len || r->d.done);
    memcpy(r->out + r->outlen, o, ol);
    r->outlen += ol;
    r->used += n;
    free(o);
    free(copy);
}

/* where the data ends: after the first ".\r\n" at the start of a line */
static size_t
find_end(const char *s, size_t len)
{
    size_t i;

    if (len >= 3 && !memcmp(s, ".\r\n", 3)) return 3;
    for (i = 0; i + 5 <= len; ++i)
        if (!memcmp(s + i, "\r\n.\r\n", 5)) return i + 5;
    return 0;
}

/* the message dot-stuffed again, CRLF line ends, then ".\r\n" */
static char *
stuff(const char *m, size_t len, size_t *n)
{
    char *s = malloc(2 * len + 3);
    size_t i, o = 0;
    int bol = 1;

    fuzz_check(s != 0);
    for (i = 0; i < len; ++i) {
        if (bol && m[i] == '.') s[o++] = '.';
        if (m[i] == '\n') s[o++] = '\r';
        s[o++] = m[i];
        bol = m[i] == '\n';
    }
    memcpy(s + o, ".\r\n", 3);
    *n = o + 3;
    return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct run whole, parts;
    const char *s;
    size_t len, i, k, end;
    int barecr = 0, barelf = 0;

    if (size < 3) return 0;
    s = (const char *)data + 3;
    len = size - 3;

    start(&whole, data, len);
    feed(&whole, s, len);

    start(&parts, data, len);
    for (k = 0; parts.used < len && !parts.d.done; ++k) {
        size_t piece = data[k % size] % 23;

        if (!piece) { feed(&parts, s + parts.used, 0); piece = 1; }
        if (piece > len - parts.used) piece = len - parts.used;
        feed(&parts, s + parts.used, piece);
    }
    if (!len) feed(&parts, s, 0);

    /* the same both ways */
    fuzz_check(whole.used == parts.used && whole.d.done == parts.d.done);
    fuzz_check(whole.d.flags == parts.d.flags && whole.d.size == parts.d.size);
    fuzz_check(whole.d.hops == parts.d.hops);
    fuzz_check(whole.outlen == parts.outlen
               && !memcmp(whole.out, parts.out, whole.outlen));

    /* the end of data is the first CRLF.CRLF, never earlier */
    end = find_end(s, len);
    fuzz_check(whole.d.done == (end != 0));
    fuzz_check(whole.used == (end ? end : len));
    fuzz_check(whole.d.size == whole.used - (whole.d.done ? 3 : 0));

    /* bare CR and LF in what was consumed are flagged, and only they */
    for (i = 0; i < whole.used; ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) barelf = 1;
        if (s[i] == '\r' && i + 1 < whole.used && s[i + 1] != '\n') barecr = 1;
    }
    fuzz_check(!(whole.d.flags & SMTPDATA_BARELF) == !barelf);
    fuzz_check(!(whole.d.flags & SMTPDATA_BARECR) == !barecr);

    /* the size limit counts the message without the final ".\r\n" */
    if (whole.d.done)
        fuzz_check(!(whole.d.flags & SMTPDATA_TOOBIG)
                   == !(whole.d.sizemax && whole.d.size > whole.d.sizemax));
    else
        fuzz_check(!(whole.d.flags & SMTPDATA_TOOBIG)
                   == !(whole.d.sizemax && whole.d.size > whole.d.sizemax + 3));

    /* the message is LF-ended lines without CR */
    fuzz_check(!memchr(whole.out, '\r', whole.outlen));
    if (whole.d.done && !whole.d.flags) {
        struct run again;
        size_t n;
        char *w;

        fuzz_check(!whole.outlen || whole.out[whole.outlen - 1] == '\n');
        /* stuffed again, it reads back as itself, with nothing flagged */
        w = stuff(whole.out, whole.outlen, &n);
        start(&again, data, n);
        feed(&again, w, n);
        fuzz_check(again.d.done && again.used == n && !again.d.flags);
        fuzz_check(again.d.hops == whole.d.hops);
        fuzz_check(again.outlen == whole.outlen
                   && !memcmp(again.out, whole.out, whole.outlen));
        free(again.out);
        free(w);
    }
    free(whole.out);
    free(parts.out);
    return 0;
}
