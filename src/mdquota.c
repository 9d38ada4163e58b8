/* mdquota.c: per-Maildir size limits (kirim-quota) and usage */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "stralloc.h"
#include "mdquota.h"

int
mdquota_parse(const char *s, size_t len, unsigned long *limit)
{
    unsigned long u = 0;
    size_t i;

    if (len && s[len - 1] == '\n') --len;
    if (!len || len > MDQUOTA_DIGITS) return 0;
    for (i = 0; i < len; ++i) {
        if (s[i] < '0' || s[i] > '9') return 0;
        u = u * 10 + (unsigned long)(s[i] - '0');
    }
    *limit = u;
    return 1;
}

/* dir + "/" + name, NUL-ended */
static int
mdquota_path(stralloc *sa, const char *dir, const char *name)
{
    if (!stralloc_copys(sa, dir)) return -1;
    if (sa->len && sa->s[sa->len - 1] != '/' && !stralloc_append(sa, "/")) return -1;
    if (!stralloc_cats(sa, name) || !stralloc_0(sa)) return -1;
    return 0;
}

int
mdquota_limit(const char *dir, unsigned long *limit)
{
    static stralloc fn;
    char b[MDQUOTA_DIGITS + 3];
    size_t len = 0;
    ssize_t r;
    int fd;

    if (mdquota_path(&fn, dir, MDQUOTA_FILE) == -1) return -1;
    fd = open(fn.s, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd == -1) return errno == ENOENT ? 0 : -1;
    for (;;) {
        r = read(fd, b + len, sizeof b - len);
        if (r == -1 && errno == EINTR) continue;
        if (r == -1) { close(fd); return -1; }
        if (r == 0 || (len += (size_t)r) == sizeof b) break;
    }
    close(fd);
    if (!mdquota_parse(b, len, limit)) { errno = EINVAL; return -1; }
    return 1;
}

/* add the sizes of the regular files in dir/sub to *bytes; a missing
   directory counts as empty */
static int
mdquota_sum(const char *dir, const char *sub, unsigned long *bytes)
{
    static stralloc fn;
    struct dirent *d;
    struct stat st;
    DIR *dp;
    int fd;

    if (mdquota_path(&fn, dir, sub) == -1) return -1;
    fd = open(fn.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1) return errno == ENOENT ? 0 : -1;
    if (!(dp = fdopendir(fd))) { close(fd); return -1; }
    while ((errno = 0, d = readdir(dp))) {
        if (d->d_name[0] == '.') continue;
        if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
            if (errno == ENOENT) continue;      /* moved or removed meanwhile */
            break;
        }
        if (S_ISREG(st.st_mode)) *bytes += (unsigned long)st.st_size;
    }
    if (errno) { int e = errno; closedir(dp); errno = e; return -1; }
    closedir(dp);
    return 0;
}

int
mdquota_usage(const char *dir, unsigned long *bytes)
{
    static stralloc sub;
    struct dirent *d;
    DIR *dp;
    int e = 0;

    *bytes = 0;
    if (mdquota_sum(dir, "new", bytes) == -1 || mdquota_sum(dir, "cur", bytes) == -1) return -1;
    if (!(dp = opendir(dir))) return -1;
    while ((errno = 0, d = readdir(dp))) {
        if (d->d_name[0] != '.' || !d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2]))
            continue;
        if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN) continue;
        if (!stralloc_copys(&sub, d->d_name) || !stralloc_cats(&sub, "/new") || !stralloc_0(&sub))
            { e = ENOMEM; break; }
        if (mdquota_sum(dir, sub.s, bytes) == -1) { e = errno; break; }
        sub.len -= 4;                   /* "new" and its NUL */
        if (!stralloc_cats(&sub, "cur") || !stralloc_0(&sub)) { e = ENOMEM; break; }
        if (mdquota_sum(dir, sub.s, bytes) == -1) { e = errno; break; }
    }
    if (!e) e = errno;                  /* readdir's own error, or 0 */
    closedir(dp);
    errno = e;
    return e ? -1 : 0;
}

int
mdquota_check(const char *dir, unsigned long size)
{
    unsigned long limit, used;
    int r = mdquota_limit(dir, &limit);

    if (r <= 0) return r == 0 ? 1 : -1;
    if (mdquota_usage(dir, &used) == -1) return -1;
    return size <= limit && used <= limit - size;
}
