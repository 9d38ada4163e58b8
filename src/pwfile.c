/* pwfile.c: users/password lines, their cdb, the lock and the atomic rewrite */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>              /* rename */
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "byte.h"
#include "cdb.h"
#include "cdb_make.h"
#include "fmt.h"
#include "scan.h"
#include "cdbfile.h"
#include "pwfile.h"

int
pwfile_name_ok(const char *s, size_t len)
{
    size_t i;
    char c;

    if (!len || len > PWFILE_NAMEMAX || *s == '.' || *s == '-') return 0;
    for (i = 0; i < len; ++i) {
        c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) continue;
        if (c == '.' || c == '_' || c == '-' || c == '+' || c == '=' || c == '@') continue;
        return 0;
    }
    return 1;
}

/* a decimal number filling s[0..len) */
static int
pwfile_num(const char *s, size_t len, unsigned long *u)
{
    char buf[FMT_ULONG];

    if (!len || len >= sizeof buf) return 0;
    byte_copy(buf, len, s);
    buf[len] = 0;
    return scan_ulong(buf, u) == len;
}

int
pwfile_parse(const char *s, size_t len, struct pwent *e, const char **why)
{
    const char *f[5];
    size_t flen[5], i, n = 0, start = 0;

    if (len > PWFILE_LINEMAX) { *why = "line too long"; return 0; }
    for (i = 0; i <= len; ++i) {
        if (i < len && s[i] != ':') continue;
        if (n == 5) { *why = "more than 5 fields"; return 0; }
        f[n] = s + start;
        flen[n++] = i - start;
        start = i + 1;
    }
    if (n != 5) { *why = "fewer than 5 fields (name:hash:uid:gid:home)"; return 0; }
    for (i = 0; i < len; ++i)
        if (s[i] == '\n' || s[i] == '\r' || s[i] == 0) { *why = "control character"; return 0; }
    if (!pwfile_name_ok(f[0], flen[0])) { *why = "bad name"; return 0; }
    for (i = 0; i < flen[1]; ++i)
        if (f[1][i] == ' ' || f[1][i] == '\t') { *why = "blank in hash"; return 0; }
    e->name = f[0]; e->namelen = flen[0];
    e->hash = f[1]; e->hashlen = flen[1];
    e->home = f[4]; e->homelen = flen[4];
    e->hasids = flen[2] || flen[3];
    e->uid = e->gid = 0;
    if (e->hasids && (!pwfile_num(f[2], flen[2], &e->uid) || !pwfile_num(f[3], flen[3], &e->gid))) {
        *why = "uid and gid must both be numbers, or both empty";
        return 0;
    }
    if (flen[4] && f[4][0] != '/') { *why = "home must be an absolute path"; return 0; }
    return 1;
}

/* the next line of text from *pos: its bounds without the newline */
static int
pwfile_nextline(const char *text, size_t len, size_t *pos, size_t *s, size_t *e)
{
    size_t i;

    if (*pos >= len) return 0;
    *s = *pos;
    for (i = *pos; i < len && text[i] != '\n'; ++i) ;
    *e = i;
    *pos = i < len ? i + 1 : i;
    return 1;
}

static int
pwfile_skip(const char *line, size_t len)
{
    size_t i;

    for (i = 0; i < len; ++i)
        if (line[i] != ' ' && line[i] != '\t') break;
    return i == len || line[i] == '#';
}

int
pwfile_find(const char *text, size_t len, const char *name, size_t namelen,
            size_t *start, size_t *end)
{
    size_t pos = 0, s, e;

    while (pwfile_nextline(text, len, &pos, &s, &e)) {
        if (pwfile_skip(text + s, e - s)) continue;
        if (e - s > namelen && text[s + namelen] == ':' && byte_equal(text + s, namelen, name)) {
            *start = s;
            *end = pos;
            return 1;
        }
    }
    return 0;
}

int
pwfile_compile(const char *text, size_t len, struct cdb_make *cm,
               unsigned long *line, const char **why)
{
    struct pwent pe;
    size_t pos = 0, s, e;

    *line = 0;
    while (pwfile_nextline(text, len, &pos, &s, &e)) {
        ++*line;
        if (pwfile_skip(text + s, e - s)) continue;
        if (!pwfile_parse(text + s, e - s, &pe, why)) return 0;
        if (cdb_make_add(cm, (const unsigned char *)pe.name, pe.namelen,
                         (const unsigned char *)text + s, e - s) == -1)
            return -1;
    }
    return 1;
}

int
pwfile_lookup(int fd, const char *name, size_t namelen, stralloc *line, struct pwent *e)
{
    static struct cdb c;
    const char *why;
    int r;

    cdb_init(&c, fd);
    r = cdb_find(&c, (const unsigned char *)name, namelen);
    if (r <= 0) { cdb_free(&c); return r; }
    if (cdb_datalen(&c) > PWFILE_LINEMAX) { cdb_free(&c); errno = EINVAL; return -1; }
    if (!stralloc_ready(line, cdb_datalen(&c))) { cdb_free(&c); return -1; }
    if (cdb_read(&c, (unsigned char *)line->s, cdb_datalen(&c), cdb_datapos(&c)) == -1) {
        cdb_free(&c);
        return -1;
    }
    line->len = cdb_datalen(&c);
    cdb_free(&c);
    if (!pwfile_parse(line->s, line->len, e, &why)
        || e->namelen != namelen || !byte_equal(e->name, namelen, name)) {
        errno = EINVAL;
        return -1;
    }
    return 1;
}

int
pwfile_lock(void)
{
    int fd = open(PWFILE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd == -1) return -1;
    while (flock(fd, LOCK_EX) == -1)
        if (errno != EINTR) { close(fd); return -1; }
    return fd;
}

static int
pwfile_syncdir(void)
{
    int fd = open("users", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r;

    if (fd == -1) return -1;
    r = fsync(fd);
    close(fd);
    return r;
}

/* write all of s[0..len) to fd */
static int
pwfile_writeall(int fd, const char *s, size_t len)
{
    ssize_t w;

    while (len) {
        w = write(fd, s, len);
        if (w == -1 && errno == EINTR) continue;
        if (w <= 0) return -1;
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

static int
pwfile_fail(const char *tmp, const char *what, const char **why)
{
    int e = errno;

    unlink(tmp);
    errno = e;
    *why = what;
    return -1;
}

int
pwfile_save(const stralloc *text, int chown, uid_t uid, gid_t gid,
            unsigned long *line, const char **why)
{
    static struct cdb_make cm;
    int fd, r;

    /* the cdb first, into its temp file: a bad line stops everything */
    fd = open(PWFILE_CDBTMP, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);
    if (fd == -1) { *why = "unable to create " PWFILE_CDBTMP; return -1; }
    if (cdb_make_start(&cm, fd) == -1) { close(fd); return pwfile_fail(PWFILE_CDBTMP, "unable to write " PWFILE_CDBTMP, why); }
    r = pwfile_compile(text->s, text->len, &cm, line, why);
    if (r == 0) { close(fd); unlink(PWFILE_CDBTMP); return -2; }
    if (r == -1 || cdbfile_finish(&cm, fd) == -1) { close(fd); return pwfile_fail(PWFILE_CDBTMP, "unable to write " PWFILE_CDBTMP, why); }
    if (fchmod(fd, 0400) == -1 || (chown && fchown(fd, uid, gid) == -1)) {
        close(fd);
        return pwfile_fail(PWFILE_CDBTMP, "unable to set owner and mode of " PWFILE_CDBTMP, why);
    }
    if (fsync(fd) == -1 || close(fd) == -1) return pwfile_fail(PWFILE_CDBTMP, "unable to sync " PWFILE_CDBTMP, why);

    /* then the source */
    fd = open(PWFILE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1) { unlink(PWFILE_CDBTMP); *why = "unable to create " PWFILE_TMP; return -1; }
    if (fchmod(fd, 0600) == -1 || pwfile_writeall(fd, text->s, text->len) == -1
        || fsync(fd) == -1 || close(fd) == -1) {
        unlink(PWFILE_CDBTMP);
        return pwfile_fail(PWFILE_TMP, "unable to write " PWFILE_TMP, why);
    }
    if (rename(PWFILE_TMP, PWFILE) == -1) {
        unlink(PWFILE_CDBTMP);
        return pwfile_fail(PWFILE_TMP, "unable to rename " PWFILE_TMP, why);
    }
    if (rename(PWFILE_CDBTMP, PWFILE_CDB) == -1)
        return pwfile_fail(PWFILE_CDBTMP, "unable to rename " PWFILE_CDBTMP, why);
    if (pwfile_syncdir() == -1) { *why = "unable to sync users/"; return -1; }
    return 0;
}
