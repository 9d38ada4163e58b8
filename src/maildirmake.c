/* maildirmake: create a Maildir (dir, tmp, new, cur), mode 0700 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "stralloc.h"
#include "die.h"

static const char *const subdirs[] = { "tmp", "new", "cur" };

static const char *
sub(const char *dir, const char *name)
{
    static stralloc p;

    if (!stralloc_copys(&p, dir) || !stralloc_append(&p, "/")
        || !stralloc_cats(&p, name) || !stralloc_0(&p)) die_nomem();
    return p.s;
}

/* undo a half-made Maildir, then fail */
static void __attribute__((noreturn))
fail(const char *dir, unsigned int made, const char *what)
{
    int err = errno;

    while (made--) rmdir(sub(dir, subdirs[made]));
    rmdir(dir);
    errno = err;
    die_temp("unable to create ", what);
}

int
main(int argc, char **argv)
{
    const char *dir;
    unsigned int i;

    progname = "maildirmake";
    if (argc != 2 || !argv[1][0]) die_usage("maildirmake dir");
    dir = argv[1];
    umask(077);
    if (mkdir(dir, 0700) == -1) {
        if (errno == EEXIST) die_perm(dir, " already exists");
        die_temp("unable to create ", dir);
    }
    for (i = 0; i < 3; ++i)
        if (mkdir(sub(dir, subdirs[i]), 0700) == -1)
            fail(dir, i, sub(dir, subdirs[i]));
    return 0;
}
