/* cdbfile_t.c: a cdb written to a full device is an error, not a success */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "cdb.h"
#include "cdbfile.h"
#include "t.h"

static int
build(int fd, unsigned long n)
{
    static struct cdb_make cm;
    char k[16];
    unsigned long i;

    if (cdb_make_start(&cm, fd) == -1) return -1;
    for (i = 0; i < n; ++i) {
        size_t len = 0;
        unsigned long v = i;
        do k[len++] = (char)('0' + v % 10); while ((v /= 10) && len < sizeof k);
        if (cdb_make_add(&cm, (unsigned char *)k, len, (unsigned char *)"value", 5) == -1) return -1;
    }
    return cdbfile_finish(&cm, fd);
}

int
main(void)
{
    char fn[] = "/tmp/cdbfile_t.XXXXXX";
    static struct cdb c;
    int fd = mkstemp(fn);
    uint32 dlen;

    ok(fd != -1, "temp file");
    ok(build(fd, 5000) == 0, "a good cdb finishes");
    cdb_init(&c, fd);
    ok(cdb_find(&c, (const unsigned char *)"9994", 4) == 1, "and its last key is found"); /* 4999, digits reversed */
    dlen = cdb_datalen(&c);
    ok(dlen == 5, "with its value");
    cdb_free(&c);
    close(fd);
    unlink(fn);

    fd = open("/dev/full", O_RDWR);
    if (fd == -1) { ok(1, "# SKIP no /dev/full"); return done_testing(); }
    ok(build(fd, 5000) == -1, "a cdb on a full device is an error (libowfat's flush says 0)");
    close(fd);
    return done_testing();
}
