/* tcpto.c: remember hosts that timed out, so mail-remote skips them a while */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include "byte.h"
#include "tcpto.h"

unsigned long
tcpto_backoff(unsigned long count)
{
    unsigned long s = TCPTO_BASE;

    while (count > 1 && s < TCPTO_CAP) { s *= 2; --count; }
    return s < TCPTO_CAP ? s : TCPTO_CAP;
}

static unsigned long
tcpto_unpack(const unsigned char *p, int n)
{
    unsigned long u = 0;
    int i;

    for (i = 0; i < n; ++i) u = u << 8 | p[i];
    return u;
}

static void
tcpto_pack(unsigned char *p, int n, unsigned long u)
{
    while (n-- > 0) { p[n] = (unsigned char)(u & 255); u >>= 8; }
}

int
tcpto_get(const char *file, unsigned int i, char ip[16], unsigned long *last,
          unsigned long *count)
{
    const unsigned char *r = (const unsigned char *)file + i * TCPTO_RECLEN;

    if (i >= TCPTO_RECORDS) return 0;
    *count = tcpto_unpack(r + 24, 4);
    if (!*count) return 0;
    byte_copy(ip, 16, r);
    *last = tcpto_unpack(r + 16, 8);
    return 1;
}

/* the record of ip, or -1 */
static int
tcpto_find(const char *file, const char ip[16])
{
    unsigned long last, count;
    char rip[16];
    unsigned int i;

    for (i = 0; i < TCPTO_RECORDS; ++i)
        if (tcpto_get(file, i, rip, &last, &count) && byte_equal(rip, 16, ip)) return (int)i;
    return -1;
}

unsigned long
tcpto_wait(const char *file, const char ip[16], unsigned long now)
{
    unsigned long last, count, until;
    char rip[16];
    int i = tcpto_find(file, ip);

    if (i == -1 || !tcpto_get(file, (unsigned int)i, rip, &last, &count)) return 0;
    until = last + tcpto_backoff(count);
    if (last > now) return tcpto_backoff(count);   /* clock went back */
    return until > now ? until - now : 0;
}

void
tcpto_note(char *file, const char ip[16], unsigned long now, int timedout)
{
    unsigned long last, count, oldest = 0;
    char rip[16];
    unsigned int i, pick = 0;
    int at = tcpto_find(file, ip);
    unsigned char *r;

    if (!timedout) {
        if (at != -1) byte_zero(file + at * TCPTO_RECLEN, TCPTO_RECLEN);
        return;
    }
    if (at == -1) {
        for (i = 0; i < TCPTO_RECORDS; ++i) {
            if (!tcpto_get(file, i, rip, &last, &count)) { pick = i; break; }
            if (i == 0 || last < oldest) { oldest = last; pick = i; }
        }
        r = (unsigned char *)file + pick * TCPTO_RECLEN;
        byte_zero(r, TCPTO_RECLEN);
        byte_copy(r, 16, ip);
        count = 0;
    } else {
        r = (unsigned char *)file + at * TCPTO_RECLEN;
        count = tcpto_unpack(r + 24, 4);
    }
    tcpto_pack(r + 16, 8, now);
    tcpto_pack(r + 24, 4, count < 1000000 ? count + 1 : count);
}

int
tcpto_load(const char *fn, char *file, int forwrite)
{
    int fd = open(fn, (forwrite ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    size_t got = 0;
    ssize_t r;

    if (fd == -1) return -1;
    if (flock(fd, forwrite ? LOCK_EX : LOCK_SH) == -1) { close(fd); return -1; }
    while (got < TCPTO_SIZE) {
        r = pread(fd, file + got, TCPTO_SIZE - got, (off_t)got);
        if (r == -1 && errno == EINTR) continue;
        if (r == -1) { close(fd); return -1; }
        if (r == 0) break;
        got += (size_t)r;
    }
    byte_zero(file + got, TCPTO_SIZE - got);
    return fd;
}

int
tcpto_store(int fd, const char *file)
{
    size_t done = 0;
    ssize_t w;

    while (done < TCPTO_SIZE) {
        w = pwrite(fd, file + done, TCPTO_SIZE - done, (off_t)done);
        if (w == -1 && errno == EINTR) continue;
        if (w <= 0) return 0;
        done += (size_t)w;
    }
    return 1;
}
