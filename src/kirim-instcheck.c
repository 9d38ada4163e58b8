/* kirim-instcheck: verify the installed tree against the table of hier.c */
#include <sys/stat.h>
#include "buffer.h"
#include "fmt.h"
#include "stralloc.h"
#include "auto.h"
#include "die.h"
#include "hier.h"

static int nochown, bad;
static stralloc path;

static void
complain(const char *p, const char *what, unsigned long have, unsigned long want,
         int octal)
{
    char num[FMT_ULONG];
    size_t n;

    buffer_puts(buffer_2, "kirim-instcheck: ");
    buffer_puts(buffer_2, p);
    buffer_puts(buffer_2, ": ");
    buffer_puts(buffer_2, what);
    buffer_puts(buffer_2, " is ");
    n = octal ? fmt_8long(num, have) : fmt_ulong(num, have);
    buffer_put(buffer_2, num, n);
    buffer_puts(buffer_2, ", want ");
    n = octal ? fmt_8long(num, want) : fmt_ulong(num, want);
    buffer_put(buffer_2, num, n);
    buffer_putsflush(buffer_2, "\n");
    bad = 1;
}

static int
typeok(const struct hier *h, mode_t m)
{
    switch (h->type) {
    case 'd': case 's': return S_ISDIR(m);
    case 'f': case 'z': return S_ISREG(m);
    case 'p': return S_ISFIFO(m);
    }
    return 0;
}

static void
check(const struct hier *h, const char *p)
{
    struct stat st;
    uid_t u;
    gid_t g;

    if (lstat(p, &st) == -1) {
        warn_sys("unable to stat ", p);
        bad = 1;
        return;
    }
    if (!typeok(h, st.st_mode)) {
        warn_x(p, ": wrong file type");
        bad = 1;
        return;
    }
    if ((st.st_mode & 07777) != h->mode)
        complain(p, "mode", st.st_mode & 07777, h->mode, 1);
    if (nochown) return;
    if (!hier_ids(h, &u, &g)) {
        warn_x("unknown user or group for ", p);
        bad = 1;
        return;
    }
    if (st.st_uid != u) complain(p, "uid", st.st_uid, u, 0);
    if (st.st_gid != g) complain(p, "gid", st.st_gid, g, 0);
}

int
main(int argc, char **argv)
{
    const char *destdir = "";
    unsigned int i;
    long s;

    progname = "kirim-instcheck";
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] == 'n' && !argv[1][2]) {
        nochown = 1;
        ++argv; --argc;
    }
    if (argc > 2) die_usage("kirim-instcheck [-n] [destdir]");
    if (argc == 2) destdir = argv[1];
    for (i = 0; i < hier_count; ++i) {
        if (!hier_path(&path, destdir, hier[i].path, -1)) die_nomem();
        check(&hier[i], path.s);
        if (hier[i].type != 's') continue;
        for (s = 0; s < (long)auto_split; ++s) {
            if (!hier_path(&path, destdir, hier[i].path, s)) die_nomem();
            check(&hier[i], path.s);
        }
    }
    if (bad) die_tempx("the installed tree does not match the table");
    return 0;
}
