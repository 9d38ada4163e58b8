/* kirim-install: create the installed tree of hier.c under DESTDIR + conf-home */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "stralloc.h"
#include "auto.h"
#include "die.h"
#include "hier.h"

static int nochown;
static stralloc path, tmp;

static void
own(const struct hier *h, const char *p)
{
    uid_t u;
    gid_t g;

    if (!nochown) {
        if (!hier_ids(h, &u, &g))
            die_tempx("unknown user or group for ", p, " (run make setup)");
        if (lchown(p, u, g) == -1) die_temp("unable to chown ", p);
    }
    if (chmod(p, h->mode) == -1) die_temp("unable to chmod ", p);
}

static void
makedir(const struct hier *h, const char *p)
{
    if (mkdir(p, 0700) == -1 && errno != EEXIST) die_temp("unable to mkdir ", p);
    own(h, p);
}

static void
copyfile(const struct hier *h)
{
    static char buf[65536];
    ssize_t r, w, off;
    int in, out;

    if (!stralloc_copy(&tmp, &path)) die_nomem();
    tmp.len--;
    if (!stralloc_cats(&tmp, ".tmp") || !stralloc_0(&tmp)) die_nomem();
    in = open(h->src, O_RDONLY);
    if (in == -1) die_temp("unable to read ", h->src);
    unlink(tmp.s);
    out = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (out == -1) die_temp("unable to create ", tmp.s);
    for (;;) {
        r = read(in, buf, sizeof buf);
        if (r == -1) die_temp("unable to read ", h->src);
        if (r == 0) break;
        for (off = 0; off < r; off += w)
            if ((w = write(out, buf + off, (size_t)(r - off))) == -1)
                die_temp("unable to write ", tmp.s);
    }
    if (fsync(out) == -1 || close(out) == -1) die_temp("unable to write ", tmp.s);
    close(in);
    own(h, tmp.s);                  /* chown before chmod: set-id bits stay */
    if (rename(tmp.s, path.s) == -1) die_temp("unable to rename ", tmp.s);
}

static void
install(const struct hier *h, const char *destdir)
{
    long i;
    int fd;

    if (!hier_path(&path, destdir, h->path, -1)) die_nomem();
    switch (h->type) {
    case 'd':
        makedir(h, path.s);
        break;
    case 's':
        makedir(h, path.s);
        for (i = 0; i < (long)auto_split; ++i) {
            if (!hier_path(&path, destdir, h->path, i)) die_nomem();
            makedir(h, path.s);
        }
        break;
    case 'f':
        copyfile(h);
        break;
    case 'z':
        fd = open(path.s, O_WRONLY | O_CREAT, 0600);   /* never truncates */
        if (fd == -1) die_temp("unable to create ", path.s);
        close(fd);
        own(h, path.s);
        break;
    case 'p':
        if (mkfifo(path.s, 0600) == -1 && errno != EEXIST)
            die_temp("unable to mkfifo ", path.s);
        own(h, path.s);
        break;
    default:
        die_tempx("bad type in the hier table for ", h->path);
    }
}

/* like mkdir -p for the directories above conf-home (under destdir) */
static void
mkparents(const char *destdir)
{
    size_t i;

    if (!hier_path(&path, destdir, "", -1)) die_nomem();
    for (i = 1; i < path.len - 1; ++i) {
        if (path.s[i] != '/') continue;
        path.s[i] = 0;
        if (mkdir(path.s, 0755) == -1 && errno != EEXIST)
            die_temp("unable to mkdir ", path.s);
        path.s[i] = '/';
    }
}

int
main(int argc, char **argv)
{
    const char *destdir = "";
    unsigned int i;

    progname = "kirim-install";
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] == 'n' && !argv[1][2]) {
        nochown = 1;
        ++argv; --argc;
    }
    if (argc > 2) die_usage("kirim-install [-n] [destdir]");
    if (argc == 2) destdir = argv[1];
    umask(022);
    mkparents(destdir);
    umask(077);
    for (i = 0; i < hier_count; ++i) install(&hier[i], destdir);
    return 0;
}
