/* timedio.c: read and write with poll() deadlines (STYLE G9) */
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include "timedio.h"

/* 1 ready, 0 on timeout (errno ETIMEDOUT), -1 on error */
static int
wait_for(int fd, short events, const buffer *self)
{
    struct pollfd p;
    unsigned int secs = self->cookie ? *(const unsigned int *)self->cookie : 1200;
    int r;

    p.fd = fd;
    p.events = events;
    do r = poll(&p, 1, secs > 86400 ? 86400000 : (int)secs * 1000);
    while (r == -1 && errno == EINTR);
    if (r == 0) { errno = ETIMEDOUT; return 0; }
    return r < 0 ? -1 : 1;
}

ssize_t
timedio_read(int fd, char *buf, size_t len, buffer *self)
{
    ssize_t r;

    for (;;) {
        if (wait_for(fd, POLLIN, self) != 1) return -1;
        r = read(fd, buf, len);
        if (r == -1 && (errno == EINTR || errno == EAGAIN)) continue;
        return r;
    }
}

ssize_t
timedio_write(int fd, const char *buf, size_t len, buffer *self)
{
    size_t done = 0;
    ssize_t w;

    while (done < len) {
        if (wait_for(fd, POLLOUT, self) != 1) return -1;
        w = write(fd, buf + done, len - done);
        if (w == -1) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)len;
}
