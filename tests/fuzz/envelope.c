/* envelope.c (fuzz): the queue envelope decoder, fed in pieces of every size.
   Input: one byte choosing the read size and the address limit, then the
   envelope as mail-queue would read it on fd 1. */
#include "stralloc.h"
#include "envelope.h"
#include "fuzz.h"

static unsigned long
count0(const stralloc *sa)
{
    unsigned long n = 0;
    size_t i;

    for (i = 0; i < sa->len; ++i) n += !sa->s[i];
    return n;
}

/* a[0..alen) and b[0..blen) hold the same bytes (an empty stralloc has no s) */
static int
same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (!alen || !memcmp(a, b, alen));
}

/* a decoded envelope, encoded again and decoded again, is the same */
static void
roundtrip(const stralloc *from, const stralloc *rcpts, unsigned long n)
{
    static stralloc enc, from2, rcpts2;
    char space[64];
    struct fuzz_src src;
    buffer b;
    unsigned long n2;
    size_t i, j;

    stralloc_zero(&enc);
    fuzz_check(envelope_catfrom(&enc, from->s, from->len));
    for (i = 0; i < rcpts->len; i = j + 1) {
        for (j = i; rcpts->s[j]; ++j) ;
        fuzz_check(envelope_catto(&enc, rcpts->s + i, j - i));
    }
    fuzz_check(envelope_catend(&enc));
    fuzz_buffer(&b, &src, enc.s, enc.len, 7, space, sizeof space);
    fuzz_check(envelope_get(&b, &from2, &rcpts2, &n2, ENVELOPE_ADDRMAX) == 1);
    fuzz_check(n2 == n);
    fuzz_check(same(from2.s, from2.len, from->s, from->len));
    fuzz_check(same(rcpts2.s, rcpts2.len, rcpts->s, rcpts->len));
    fuzz_check(src.pos == enc.len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc from, rcpts;
    char space[32];
    struct fuzz_src src;
    buffer b;
    unsigned long n;
    size_t max;
    int r;

    if (size < 1) return 0;
    max = data[0] & 0x80 ? ENVELOPE_ADDRMAX : (size_t)(data[0] & 0x3f);
    fuzz_buffer(&b, &src, (const char *)data + 1, size - 1, (data[0] & 0x0f) + 1,
                space, sizeof space);
    r = envelope_get(&b, &from, &rcpts, &n, max);
    fuzz_check(r >= -4 && r <= 1 && r != -1 && r != -3);
    if (r != 1) return 0;
    fuzz_check(from.len <= max);
    fuzz_check(!from.len || !memchr(from.s, 0, from.len));
    fuzz_check(count0(&rcpts) == n);
    fuzz_check(!rcpts.len || !rcpts.s[rcpts.len - 1]);
    if (max == ENVELOPE_ADDRMAX) roundtrip(&from, &rcpts, n);
    return 0;
}
