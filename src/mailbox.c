/* mailbox.c: Maildir and mbox delivery (tmp/fsync/link/fsync; dot-lock + fcntl, mboxrd, truncate back) */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "byte.h"
#include "str.h"
#include "date822.h"
#include "mailbox.h"

/* decimal, at least min digits; by hand, because libowfat declares
   fmt_ulong pure and gcc may then reuse or drop what it wrote */
static size_t
mb_fmt(char *s, unsigned long u, size_t min)
{
    char t[24];
    size_t n = 0, i;

    do { t[n++] = (char)('0' + u % 10); u /= 10; } while (u && n < sizeof t);
    while (n < min && n < sizeof t) t[n++] = '0';
    for (i = 0; i < n; ++i) s[i] = t[n - 1 - i];
    return n;
}

/* ---- mboxrd quoting ---- */

static const char from_[] = "From ";

void
mboxrd_init(struct mboxrd *q)
{
    q->mid = 0;
    q->match = 0;
    q->nl = 1;
}

int
mboxrd_put(struct mboxrd *q, buffer *out, const char *s, size_t n)
{
    size_t i = 0, j;

    while (i < n) {
        if (q->mid) {
            j = byte_chr(s + i, n - i, '\n');
            if (j < n - i) { ++j; q->mid = 0; }
            if (buffer_put(out, s + i, j) == -1) return -1;
            q->nl = s[i + j - 1] == '\n';
            i += j;
            continue;
        }
        /* at a line start, or inside ">>>Fro": decide on this byte */
        if (s[i] == '>' && q->match == 0) {
            if (buffer_put(out, ">", 1) == -1) return -1;
            q->nl = 0;
            ++i;
            continue;
        }
        if (s[i] == from_[q->match]) {
            ++i;
            if (++q->match < 5) continue;
            if (buffer_put(out, ">From ", 6) == -1) return -1;
            q->match = 0; q->mid = 1; q->nl = 0;
            continue;
        }
        if (q->match && buffer_put(out, from_, q->match) == -1) return -1;
        q->match = 0;
        q->mid = 1;     /* the byte itself is written by the branch above */
    }
    return 0;
}

int
mboxrd_end(struct mboxrd *q, buffer *out)
{
    if (q->match) {
        if (buffer_put(out, from_, q->match) == -1) return -1;
        q->match = 0;
        q->nl = 0;
    }
    if (!q->nl && buffer_put(out, "\n", 1) == -1) return -1;
    q->nl = 1;
    q->mid = 0;
    return buffer_put(out, "\n", 1);
}

int
mbox_fromline(stralloc *sa, const char *sender, time_t t)
{
    static const char days[] = "SunMonTueWedThuFriSat";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm tmbuf, *tm = date822_utc(t, &tmbuf) ? &tmbuf : 0;
    char num[24];
    size_t i, start;

    if (!stralloc_copys(sa, "From ")) return 0;
    start = sa->len;
    if (!stralloc_cats(sa, *sender ? sender : "MAILER-DAEMON")) return 0;
    for (i = start; i < sa->len; ++i)
        if ((unsigned char)sa->s[i] <= 32 || sa->s[i] == 127) sa->s[i] = '_';
    if (!stralloc_append(sa, " ")) return 0;
    if (!tm) return stralloc_cats(sa, "Thu Jan  1 00:00:00 1970\n");
    if (!stralloc_catb(sa, days + 3 * tm->tm_wday, 3) || !stralloc_append(sa, " ") ||
        !stralloc_catb(sa, months + 3 * tm->tm_mon, 3) || !stralloc_append(sa, " ")) return 0;
    if (tm->tm_mday < 10 && !stralloc_append(sa, " ")) return 0;
    if (!stralloc_catb(sa, num, mb_fmt(num, (unsigned long)tm->tm_mday, 1))) return 0;
    if (!stralloc_append(sa, " ")) return 0;
    if (!stralloc_catb(sa, num, mb_fmt(num, (unsigned long)tm->tm_hour, 2)) ||
        !stralloc_append(sa, ":") ||
        !stralloc_catb(sa, num, mb_fmt(num, (unsigned long)tm->tm_min, 2)) ||
        !stralloc_append(sa, ":") ||
        !stralloc_catb(sa, num, mb_fmt(num, (unsigned long)tm->tm_sec, 2)) ||
        !stralloc_append(sa, " ")) return 0;
    if (!stralloc_catb(sa, num, mb_fmt(num, (unsigned long)tm->tm_year + 1900, 1))) return 0;
    return stralloc_append(sa, "\n");
}

/* ---- shared ---- */

/* libowfat 0.32's buffer_flush loses write errors (buffer_stubborn
   returns int, buffer_flush reads it as ssize_t: -1 becomes 4294967295,
   then 0), so the write op remembers them and callers check mb_werr. */
static int mb_werr;

static ssize_t
mb_write(int fd, const char *s, size_t n, buffer *b)
{
    ssize_t w;

    (void)b;
    do w = write(fd, s, n); while (w == -1 && errno == EINTR);
    if (w == -1) mb_werr = errno ? errno : EIO;
    return w;
}

/* flush, and report any write error seen since mb_werr was cleared */
static int
mb_flush(buffer *b)
{
    if (buffer_flush(b) == -1 && !mb_werr) mb_werr = errno ? errno : EIO;
    if (mb_werr) { errno = mb_werr; return -1; }
    return 0;
}

static ssize_t
mb_read(int fd, char *s, size_t n, buffer *b)
{
    ssize_t r;

    (void)b;
    do r = read(fd, s, n); while (r == -1 && errno == EINTR);
    return r;
}

/* copy the message on fd (from its start) to out; quoting with q when q != 0 */
static int
mb_copy(int fd, buffer *out, struct mboxrd *q, const char **why)
{
    char b[8192];
    ssize_t r;

    if (lseek(fd, 0, SEEK_SET) == -1) { *why = "unable to rewind the message"; return -1; }
    for (;;) {
        r = mb_read(fd, b, sizeof b, 0);
        if (r == -1) { *why = "unable to read the message"; return -1; }
        if (r == 0) return 0;
        if ((q ? mboxrd_put(q, out, b, (size_t)r) == -1
               : buffer_put(out, b, (size_t)r) == -1) || mb_werr) {
            if (mb_werr) errno = mb_werr;
            *why = "unable to write"; return -1;
        }
    }
}

/* ---- Maildir ---- */

static int
mb_host(stralloc *sa)
{
    char h[256];
    size_t i;

    if (gethostname(h, sizeof h - 1) == -1) str_copy(h, "localhost");
    h[sizeof h - 1] = 0;
    for (i = 0; h[i]; ++i) {
        if (h[i] == '/') { if (!stralloc_cats(sa, "\\057")) return 0; }
        else if (h[i] == ':') { if (!stralloc_cats(sa, "\\072")) return 0; }
        else if (!stralloc_append(sa, h + i)) return 0;
    }
    return 1;
}

static int
mb_catnum(stralloc *sa, unsigned long u)
{
    char num[24];

    return stralloc_catb(sa, num, mb_fmt(num, u, 1));
}

/* name = "sec.MusecPpidQn.host" */
static int
maildir_name(stralloc *name)
{
    static unsigned long counter;
    struct timeval tv;

    gettimeofday(&tv, 0);
    stralloc_zero(name);
    return mb_catnum(name, (unsigned long)tv.tv_sec) && stralloc_cats(name, ".M") &&
           mb_catnum(name, (unsigned long)tv.tv_usec) && stralloc_cats(name, "P") &&
           mb_catnum(name, (unsigned long)getpid()) && stralloc_cats(name, "Q") &&
           mb_catnum(name, ++counter) && stralloc_cats(name, ".") && mb_host(name);
}

static int
mb_path(stralloc *sa, const char *dir, const char *sub, const stralloc *name)
{
    if (!stralloc_copys(sa, dir)) return 0;
    if (sa->len && sa->s[sa->len - 1] != '/' && !stralloc_append(sa, "/")) return 0;
    if (!stralloc_cats(sa, sub)) return 0;
    if (name && !stralloc_cat(sa, name)) return 0;
    return stralloc_0(sa);
}

static int
maildir_write(int out, int fd, const char *pre, size_t prelen, const char **why)
{
    char ob[8192];
    buffer b = BUFFER_INIT(mb_write, out, ob, sizeof ob);

    mb_werr = 0;
    if (buffer_put(&b, pre, prelen) == -1) { *why = "unable to write"; return -1; }
    if (mb_copy(fd, &b, 0, why) == -1) return -1;
    if (mb_flush(&b) == -1) { *why = "unable to write"; return -1; }
    if (fsync(out) == -1) { *why = "unable to fsync"; return -1; }
    return 0;
}

int
maildir_deliver(const char *dir, int fd, const char *pre, size_t prelen,
                const char **why)
{
    static stralloc name, tmp, new, newdir;
    int out = -1, i, d, e;

    for (i = 0; ; ++i) {
        if (!maildir_name(&name) || !mb_path(&tmp, dir, "tmp/", &name)) goto nomem;
        out = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out != -1) break;
        if (errno != EEXIST || i + 1 >= MAILDIR_TRIES) {
            *why = errno == ENOENT ? "no such Maildir (tmp/ missing)" : "unable to create a file in tmp/";
            return -1;
        }
        sleep(1);
    }
    if (maildir_write(out, fd, pre, prelen, why) == -1) goto fail;
    if (close(out) == -1) { out = -1; *why = "unable to write"; goto fail; }
    out = -1;
    if (!mb_path(&new, dir, "new/", &name) || !mb_path(&newdir, dir, "new", 0)) goto nomem;
    if (link(tmp.s, new.s) == -1) { *why = "unable to link tmp/ to new/"; goto fail; }
    unlink(tmp.s);
    d = open(newdir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d == -1 || fsync(d) == -1) {
        e = errno;
        if (d != -1) close(d);
        unlink(new.s);
        errno = e;
        *why = "unable to fsync new/";
        return -1;
    }
    close(d);
    return 0;
nomem:
    errno = ENOMEM;
    *why = "out of memory";
fail:
    e = errno;
    if (out != -1) close(out);
    unlink(tmp.s);
    errno = e;
    return -1;
}

/* ---- mbox ---- */

/* path.lock by link(2) from a unique file: 1 held, 0 cannot make one
   here (directory not writable: fcntl alone), -1 timeout or trouble */
static int
mbox_dotlock(const char *path, stralloc *lock, const char **why)
{
    static stralloc tmp;
    struct stat st;
    int fd, i;

    if (!stralloc_copys(lock, path) || !stralloc_cats(lock, ".lock") || !stralloc_0(lock) ||
        !stralloc_copys(&tmp, path) || !stralloc_cats(&tmp, ".lock.") || !mb_host(&tmp) ||
        !stralloc_append(&tmp, ".") || !mb_catnum(&tmp, (unsigned long)getpid()) ||
        !stralloc_0(&tmp)) { errno = ENOMEM; *why = "out of memory"; return -1; }
    /* a leftover of ours goes; anything else there (another user's
       file or symlink in a shared spool) is not opened: O_EXCL */
    unlink(tmp.s);
    fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd == -1) {
        if (errno == EACCES || errno == EROFS || errno == EPERM) return 0;
        *why = "unable to create a lock file"; return -1;
    }
    close(fd);
    for (i = 0; i < MBOX_LOCKWAIT * 4; ++i) {
        if (link(tmp.s, lock->s) == 0) { unlink(tmp.s); return 1; }
        if (errno != EEXIST) break;
        if (stat(lock->s, &st) == 0 && time(0) - st.st_mtime > MBOX_LOCKSTALE)
            unlink(lock->s);
        usleep(250000);
    }
    if (errno == EEXIST) errno = EAGAIN;
    unlink(tmp.s);
    *why = "unable to take the dot-lock";
    return -1;
}

static int
mbox_fcntl(int fd, const char **why)
{
    struct flock fl;
    int i;

    byte_zero(&fl, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    for (i = 0; i < MBOX_LOCKWAIT * 4; ++i) {
        if (fcntl(fd, F_SETLK, &fl) == 0) return 0;
        if (errno != EACCES && errno != EAGAIN && errno != EINTR) break;
        usleep(250000);
    }
    *why = "unable to lock the mbox";
    return -1;
}

static int
mbox_append(int out, int fd, const char *pre, size_t prelen, const char **why)
{
    char ob[8192];
    buffer b = BUFFER_INIT(mb_write, out, ob, sizeof ob);
    struct mboxrd q;

    mboxrd_init(&q);
    mb_werr = 0;
    if (buffer_put(&b, pre, prelen) == -1) { *why = "unable to write"; return -1; }
    if (mb_copy(fd, &b, &q, why) == -1) return -1;
    if (mboxrd_end(&q, &b) == -1 || mb_flush(&b) == -1) { *why = "unable to write"; return -1; }
    if (fsync(out) == -1) { *why = "unable to fsync"; return -1; }
    return 0;
}

int
mbox_deliver(const char *path, int fd, const char *pre, size_t prelen,
             const char **why)
{
    static stralloc lock;
    struct stat st;
    off_t old;
    int out, dot, r = -1, e;

    dot = mbox_dotlock(path, &lock, why);
    if (dot == -1) return -1;
    out = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (out == -1) { *why = "unable to open the mbox"; goto done; }
    if (fstat(out, &st) == -1) { *why = "unable to stat the mbox"; goto done; }
    if (!S_ISREG(st.st_mode)) { errno = 0; *why = "the mbox is not a regular file"; goto done; }
    if (mbox_fcntl(out, why) == -1) goto done;
    if ((old = lseek(out, 0, SEEK_END)) == -1) { *why = "unable to seek in the mbox"; goto done; }
    r = mbox_append(out, fd, pre, prelen, why);
    if (r == -1) {
        e = errno;
        if (ftruncate(out, old) == -1 || fsync(out) == -1) *why = "unable to write, and unable to cut the mbox back";
        errno = e;
    }
done:
    e = errno;
    if (out != -1) close(out);      /* drops the fcntl lock */
    if (dot == 1) unlink(lock.s);
    errno = e;
    return r;
}
