/* pop3box.c: a Maildir as a POP3 maildrop: move new to cur, list, remove */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "byte.h"
#include "dotstuff.h"
#include "pop3box.h"

static stralloc tmp, tmp2;

/* new/NAME -> cur/NAME:2, ; a file another session moved first is skipped */
static int
move_new(void)
{
    struct dirent *d;
    DIR *dp = opendir("new");

    if (!dp) return -1;
    while ((d = readdir(dp))) {
        if (d->d_name[0] == '.') continue;
        if (!stralloc_copys(&tmp, "new/") || !stralloc_cats(&tmp, d->d_name)
            || !stralloc_0(&tmp)) goto fail;
        if (!stralloc_copys(&tmp2, "cur/") || !stralloc_cats(&tmp2, d->d_name)
            || (!strchr(d->d_name, ':') && !stralloc_cats(&tmp2, ":2,"))
            || !stralloc_0(&tmp2)) goto fail;
        if (rename(tmp.s, tmp2.s) == -1 && errno != ENOENT) goto fail;
    }
    closedir(dp);
    return 0;
fail:
    closedir(dp);
    return -1;
}

/* octets with CRLF line ends; -1 on error, -2 when the file is gone */
static int
measure(const char *fn, unsigned long long *size)
{
    char buf[8192];
    ssize_t r;
    int fd, cr = 0;

    *size = 0;
    fd = open(fn, O_RDONLY | O_NOFOLLOW);
    if (fd == -1) return errno == ENOENT ? -2 : -1;
    while ((r = read(fd, buf, sizeof buf)) != 0) {
        if (r == -1) {
            if (errno == EINTR) continue;
            close(fd);
            return -1;
        }
        *size += dotstuff_size(&cr, buf, (size_t)r);
    }
    close(fd);
    return 0;
}

static const stralloc *sortnames;

static int
bytime(const void *a, const void *b)
{
    const struct pop3msg *x = a, *y = b;

    if (x->mtime != y->mtime) return x->mtime < y->mtime ? -1 : 1;
    return strcmp(sortnames->s + x->name, sortnames->s + y->name);
}

static int
add(struct pop3box *b, const char *name)
{
    struct pop3msg *m = &b->m[b->n];
    struct stat st;
    int r;

    m->name = b->names.len;
    if (!stralloc_cats(&b->names, "cur/") || !stralloc_cats(&b->names, name)
        || !stralloc_0(&b->names)) return -1;
    if (lstat(b->names.s + m->name, &st) == -1) {
        b->names.len = m->name;
        return errno == ENOENT ? 0 : -1;
    }
    if (!S_ISREG(st.st_mode)) { b->names.len = m->name; return 0; }
    r = measure(b->names.s + m->name, &m->size);
    if (r == -2) { b->names.len = m->name; return 0; }
    if (r == -1) return -1;
    m->mtime = st.st_mtime;
    m->deleted = 0;
    ++b->n;
    return 0;
}

int
pop3box_open(struct pop3box *b)
{
    struct dirent *d;
    DIR *dp;

    b->n = b->skipped = 0;
    stralloc_zero(&b->names);
    if (move_new() == -1) return -1;
    if (!b->m && !(b->m = malloc(POP3BOX_MAX * sizeof *b->m))) return -1;
    if (!(dp = opendir("cur"))) return -1;
    while ((d = readdir(dp))) {
        if (d->d_name[0] == '.') continue;
        if (b->n >= POP3BOX_MAX) { ++b->skipped; continue; }
        if (add(b, d->d_name) == -1) { closedir(dp); return -1; }
    }
    closedir(dp);
    sortnames = &b->names;
    qsort(b->m, b->n, sizeof *b->m, bytime);
    return 0;
}

const char *
pop3box_path(const struct pop3box *b, unsigned long i)
{
    return b->names.s + b->m[i].name;
}

int
pop3box_uid(stralloc *out, const char *name, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned long long h = 14695981039346656037ULL;
    size_t i, n = byte_chr(name, len, ':');
    char x[17];
    int good = n >= 1 && n <= POP3BOX_UIDMAX;

    for (i = 0; i < n && good; ++i)
        if ((unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e) good = 0;
    if (good) return stralloc_copyb(out, name, n);
    for (i = 0; i < n; ++i) {
        h ^= (unsigned char)name[i];
        h *= 1099511628211ULL;
    }
    x[0] = 'h';
    for (i = 0; i < 16; ++i) x[16 - i] = hex[(h >> (4 * i)) & 15];
    return stralloc_copyb(out, x, 17);
}

unsigned long
pop3box_update(struct pop3box *b)
{
    unsigned long i, failed = 0;

    for (i = 0; i < b->n; ++i)
        if (b->m[i].deleted && unlink(pop3box_path(b, i)) == -1 && errno != ENOENT)
            ++failed;
    return failed;
}
