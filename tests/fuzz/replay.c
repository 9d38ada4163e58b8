/* replay.c: runs a harness without libFuzzer, built by the ordinary
   compiler: feeds every file in each directory (or each file) named on
   the command line to LLVMFuzzerTestOneInput, and says how many it ran.
   A crash or a violated property aborts, so the exit status tells. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "buffer.h"
#include "fmt.h"
#include "openreadclose.h"
#include "stralloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static stralloc path, input;
static unsigned long runs;

static void
fail(const char *what, const char *fn)
{
    buffer_puts(buffer_2, "replay: ");
    buffer_puts(buffer_2, what);
    buffer_puts(buffer_2, fn);
    buffer_puts(buffer_2, ": ");
    buffer_puts(buffer_2, strerror(errno));
    buffer_putnlflush(buffer_2);
    exit(111);
}

static void
replay_file(const char *fn)
{
    if (openreadclose(fn, &input, 4096) != 1) fail("cannot read ", fn);
    /* a private copy, exactly as long as the input, so ASan sees overreads */
    {
        uint8_t *copy = malloc(input.len ? input.len : 1);

        if (!copy) fail("out of memory for ", fn);
        memcpy(copy, input.s, input.len);
        LLVMFuzzerTestOneInput(copy, input.len);
        free(copy);
    }
    ++runs;
}

static void
replay_dir(const char *dn)
{
    DIR *d = opendir(dn);
    struct dirent *e;

    if (!d) fail("cannot open ", dn);
    while ((errno = 0, e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (!stralloc_copys(&path, dn) || !stralloc_cats(&path, "/")
            || !stralloc_cats(&path, e->d_name) || !stralloc_0(&path))
            fail("out of memory for ", dn);
        replay_file(path.s);
    }
    if (errno) fail("cannot read ", dn);
    closedir(d);
}

int
main(int argc, char **argv)
{
    struct stat st;
    char num[40];
    int i;

    for (i = 1; i < argc; ++i) {
        if (stat(argv[i], &st) == -1) fail("cannot stat ", argv[i]);
        if (S_ISDIR(st.st_mode)) replay_dir(argv[i]);
        else replay_file(argv[i]);
    }
    buffer_puts(buffer_1, "replayed ");
    buffer_put(buffer_1, num, fmt_ulong(num, runs));
    buffer_putsflush(buffer_1, " inputs\n");
    return runs ? 0 : 1;
}
