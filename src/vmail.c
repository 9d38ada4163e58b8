/* vmail.c: names, sizes, line editing and atomic writes for mail-account */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>              /* rename */
#include <sys/stat.h>
#include <unistd.h>
#include "byte.h"
#include "case.h"
#include "str.h"
#include "vmail.h"

int
vmail_domain_ok(const char *s, size_t len)
{
    size_t i, label = 0, dots = 0;

    if (!len || len > VMAIL_DOMAINMAX) return 0;
    for (i = 0; i < len; ++i) {
        char c = s[i];

        if (c == '.') {
            if (!label || s[i - 1] == '-') return 0;
            label = 0;
            ++dots;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return 0;
        if (c == '-' && !label) return 0;
        if (++label > 63) return 0;
    }
    return label && s[len - 1] != '-' && dots;
}

int
vmail_local_ok(const char *s, size_t len)
{
    size_t i;

    if (!len || len > VMAIL_LOCALMAX || s[0] == '.' || s[0] == '-') return 0;
    for (i = 0; i < len; ++i) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
        if (c == '.' && i + 1 < len && s[i + 1] == '.') return 0;
    }
    if (len == 7 && byte_equal(s, 7, "default")) return 0;
    if (len >= 8 && byte_equal(s + len - 8, 8, "-default")) return 0;
    return 1;
}

int
vmail_addr_ok(const char *s, size_t len)
{
    size_t at, i;

    if (!len || len > VMAIL_ADDRMAX) return 0;
    at = byte_rchr(s, len, '@');
    if (at == 0 || at >= len) return 0;
    for (i = 0; i < at; ++i) {
        unsigned char c = (unsigned char)s[i];

        if (c <= 32 || c >= 127) return 0;
        if (byte_chr("<>(),;:\\\"[]@", 12, (char)c) < 12) return 0;
    }
    return vmail_domain_ok(s + at + 1, len - at - 1);
}

int
vmail_size(const char *s, unsigned long *bytes)
{
    unsigned long u = 0, mul = 1;
    size_t i, n = str_len(s);

    if (n && (s[n - 1] == 'K' || s[n - 1] == 'k')) { mul = 1024UL; --n; }
    else if (n && (s[n - 1] == 'M' || s[n - 1] == 'm')) { mul = 1024UL * 1024; --n; }
    else if (n && (s[n - 1] == 'G' || s[n - 1] == 'g')) { mul = 1024UL * 1024 * 1024; --n; }
    if (!n || n > 15) return 0;             /* up to 10^15 - 1 units */
    for (i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return 0;
        u = u * 10 + (unsigned long)(s[i] - '0');
    }
    if (u > 999999999999999UL / mul * 1000) return 0;  /* stays below 10^18 */
    *bytes = u * mul;
    return 1;
}

int
vmail_line_find(const stralloc *text, const char *s, size_t len, int whole,
                  size_t *start, size_t *end)
{
    size_t pos = 0, e, n;

    while (pos < text->len) {
        n = byte_chr(text->s + pos, text->len - pos, '\n');
        e = pos + n + (pos + n < text->len);
        if ((whole ? n == len : n >= len) && !case_diffb(text->s + pos, len, s)) {
            *start = pos;
            *end = e;
            return 1;
        }
        pos = e;
    }
    return 0;
}

/* a text that ends in a newline (or is empty) */
static int
vmail_ended(stralloc *text)
{
    if (text->len && text->s[text->len - 1] != '\n') return stralloc_append(text, "\n");
    return 1;
}

int
vmail_line_add(stralloc *text, const char *s, size_t len)
{
    size_t start, end;

    if (vmail_line_find(text, s, len, 1, &start, &end)) return 0;
    if (!vmail_ended(text) || !stralloc_catb(text, s, len) || !stralloc_append(text, "\n"))
        return -1;
    return 1;
}

unsigned long
vmail_line_del(stralloc *text, const char *s, size_t len, int whole)
{
    size_t start, end;
    unsigned long n = 0;

    while (vmail_line_find(text, s, len, whole, &start, &end)) {
        byte_copy(text->s + start, text->len - end, text->s + end);
        text->len -= end - start;
        ++n;
    }
    return n;
}

int
vmail_assign_add(stralloc *text, const char *s, size_t len)
{
    static stralloc rest;
    size_t start, end;

    if (!vmail_ended(text)) return -1;
    if (!vmail_line_find(text, ".", 1, 1, &start, &end)) {
        if (!stralloc_catb(text, s, len) || !stralloc_cats(text, "\n.\n")) return -1;
        return 1;
    }
    if (!stralloc_copyb(&rest, text->s + start, text->len - start)) return -1;
    text->len = start;
    if (!stralloc_catb(text, s, len) || !stralloc_append(text, "\n") || !stralloc_cat(text, &rest))
        return -1;
    return 1;
}

static int
vmail_fail(const char *tmp, const char *what, const char **why)
{
    int e = errno;

    unlink(tmp);
    errno = e;
    *why = what;
    return -1;
}

int
vmail_write(const char *fn, const char *s, size_t len, mode_t mode,
              uid_t uid, gid_t gid, const char **why)
{
    static stralloc tmp, dir;
    size_t slash;
    ssize_t w;
    int fd;

    if (!stralloc_copys(&tmp, fn) || !stralloc_cats(&tmp, ".tmp") || !stralloc_0(&tmp)) {
        errno = ENOMEM;
        *why = "out of memory";
        return -1;
    }
    /* a new file, never one someone linked there (a hard link to a
       file of root's would be chowned below) */
    if (unlink(tmp.s) == -1 && errno != ENOENT) {
        *why = "unable to remove an old temporary file";
        return -1;
    }
    fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd == -1) { *why = "unable to create the temporary file"; return -1; }
    if (fchmod(fd, mode) == -1 || (uid != (uid_t)-1 && fchown(fd, uid, gid) == -1)) {
        close(fd);
        return vmail_fail(tmp.s, "unable to set owner and mode of the temporary file", why);
    }
    while (len) {
        w = write(fd, s, len);
        if (w == -1 && errno == EINTR) continue;
        if (w <= 0) { close(fd); return vmail_fail(tmp.s, "unable to write the temporary file", why); }
        s += w;
        len -= (size_t)w;
    }
    if (fsync(fd) == -1) { close(fd); return vmail_fail(tmp.s, "unable to sync the temporary file", why); }
    if (close(fd) == -1) return vmail_fail(tmp.s, "unable to write the temporary file", why);
    if (rename(tmp.s, fn) == -1) return vmail_fail(tmp.s, "unable to rename the temporary file", why);
    slash = str_rchr(fn, '/');
    if (!stralloc_copyb(&dir, fn, fn[slash] ? (slash ? slash : 1) : 0)) { errno = ENOMEM; *why = "out of memory"; return -1; }
    if (!dir.len && !stralloc_copys(&dir, ".")) { errno = ENOMEM; *why = "out of memory"; return -1; }
    if (!stralloc_0(&dir)) { errno = ENOMEM; *why = "out of memory"; return -1; }
    fd = open(dir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1 || fsync(fd) == -1) {
        if (fd != -1) close(fd);
        *why = "unable to sync the directory";
        return -1;
    }
    close(fd);
    return 0;
}
