/* smtpio.c: timed buffer ops and a bounded line reader for SMTP sessions */
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include "byte.h"
#include "smtpio.h"

static int
waitfd(int fd, short events, const buffer *b)
{
    struct pollfd p;
    unsigned long secs = b && b->cookie ? *(const unsigned long *)b->cookie : 0;
    int ms, r;

    if (!secs) return 0;
    ms = secs > 2000000 ? 2000000000 : (int)(secs * 1000);
    p.fd = fd;
    p.events = events;
    p.revents = 0;
    do r = poll(&p, 1, ms); while (r == -1 && errno == EINTR);
    if (r == 0) { errno = ETIMEDOUT; return -1; }
    return r == -1 ? -1 : 0;
}

ssize_t
smtpio_read(int fd, char *buf, size_t len, buffer *b)
{
    ssize_t r;

    if (waitfd(fd, POLLIN, b) == -1) return -1;
    do r = read(fd, buf, len); while (r == -1 && errno == EINTR);
    return r;
}

ssize_t
smtpio_write(int fd, const char *buf, size_t len, buffer *b)
{
    ssize_t r;

    if (waitfd(fd, POLLOUT, b) == -1) return -1;
    do r = write(fd, buf, len); while (r == -1 && errno == EINTR);
    return r;
}

size_t
smtpio_pending(const buffer *b)
{
    return b->n > b->p ? b->n - b->p : 0;
}

int
smtpio_getline(buffer *b, stralloc *sa, size_t max)
{
    int toolong = 0;
    ssize_t r;
    size_t n, i;
    char *s;

    sa->len = 0;
    for (;;) {
        r = buffer_feed(b);
        if (r <= 0) return r == 0 ? SMTPIO_EOF : SMTPIO_ERR;
        s = buffer_peek(b);
        n = (size_t)r;
        i = byte_chr(s, n, '\n');
        if (!toolong) {
            size_t take = i < n ? i : n;
            if (sa->len + take > max + 1) toolong = 1;     /* room for a CR */
            else if (!stralloc_catb(sa, s, take)) return SMTPIO_ERR;
        }
        if (i < n) { buffer_seek(b, i + 1); break; }
        buffer_seek(b, n);
    }
    if (toolong) { sa->len = 0; return SMTPIO_LONG; }
    if (sa->len && sa->s[sa->len - 1] == '\r') --sa->len;
    if (sa->len > max) { sa->len = 0; return SMTPIO_LONG; }
    return SMTPIO_LINE;
}
