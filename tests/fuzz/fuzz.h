/* fuzz.h: what every harness shares: the libFuzzer entry point, an input
   split into parts, a byte reader in chunks of varying size, and a check
   that aborts (so both libFuzzer and the replay driver report it). */
#ifndef KIRIM_FUZZ_H
#define KIRIM_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "buffer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a violated property is a crash: print what and where, then abort */
#define fuzz_check(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
    abort(); } } while (0)

/* Cut s[0..len) at the first occurrence of sep (seplen bytes): *part gets
   what comes before it; s and len move past it (or to the end when sep
   does not occur). Lets one input carry several files or fields. */
static inline void
fuzz_split(const char **s, size_t *len, const char *sep, size_t seplen,
           const char **part, size_t *partlen)
{
    size_t i;

    *part = *s;
    for (i = 0; i + seplen <= *len; ++i)
        if (!memcmp(*s + i, sep, seplen)) {
            *partlen = i;
            *s += i + seplen;
            *len -= i + seplen;
            return;
        }
    *partlen = *len;
    *s += *len;
    *len = 0;
}

/* A buffer read op over memory: each call hands out at most chunk bytes,
   so parsers that read through libowfat's buffer see the input arrive in
   pieces, as it does from a pipe. The buffer's cookie points to the source. */
struct fuzz_src {
    const char *s;
    size_t len, pos, chunk;
};

static inline ssize_t
fuzz_read(int fd, char *buf, size_t n, buffer *self)
{
    struct fuzz_src *src = self->cookie;

    (void)fd;
    if (n > src->chunk) n = src->chunk;
    if (n > src->len - src->pos) n = src->len - src->pos;
    memcpy(buf, src->s + src->pos, n);
    src->pos += n;
    return (ssize_t)n;
}

/* b reads s[0..len) chunk bytes at a time (at least 1) through space */
static inline void
fuzz_buffer(buffer *b, struct fuzz_src *src, const char *s, size_t len,
            size_t chunk, char *space, size_t spacelen)
{
    src->s = s;
    src->len = len;
    src->pos = 0;
    src->chunk = chunk ? chunk : 1;
    buffer_init(b, fuzz_read, 0, space, spacelen);
    b->cookie = src;
}
#endif
