/* cdbfile.c: cdb_make_finish with the checks libowfat's buffer omits */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cdbfile.h"

int
cdbfile_finish(struct cdb_make *cm, int fd)
{
    char head[sizeof cm->final];
    struct stat st;
    ssize_t r;
    size_t got = 0;

    errno = 0;
    if (cdb_make_finish(cm) == -1) return -1;
    if (fsync(fd) == -1) return -1;
    if (fstat(fd, &st) == -1) return -1;
    if ((unsigned long long)st.st_size != (unsigned long long)cm->pos) {
        errno = errno ? errno : EIO;
        return -1;
    }
    while (got < sizeof head) {
        r = pread(fd, head + got, sizeof head - got, (off_t)got);
        if (r == -1 && errno == EINTR) continue;
        if (r <= 0) { errno = r == 0 ? EIO : errno; return -1; }
        got += (size_t)r;
    }
    if (memcmp(head, cm->final, sizeof head)) { errno = EIO; return -1; }
    return 0;
}
