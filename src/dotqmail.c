/* dotqmail.c: .qmail lookup with extensions and defaults, line classification, loop check */
#include <errno.h>
#include <sys/stat.h>
#include "case.h"
#include "str.h"
#include "dotqmail.h"

/* ext as a file name part: lower case, no '.' or '/' (no "..", no subdirectories) */
static int
dq_catsafe(stralloc *sa, const char *s, size_t len)
{
    size_t i;
    char c;

    for (i = 0; i < len; ++i) {
        c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c == '.' || c == '/') c = ':';
        if (!stralloc_append(sa, &c)) return 0;
    }
    return 1;
}

/* fn = home/.qmail dash ext[0..elen) suffix; then stat it: 1, 0, -1 */
static int
dq_try(stralloc *fn, const char *home, const char *dash, const char *ext,
       size_t elen, const char *suffix)
{
    struct stat st;

    stralloc_zero(fn);
    if (home && (!stralloc_cats(fn, home) || !stralloc_cats(fn, "/"))) return -1;
    if (!stralloc_cats(fn, ".qmail")) return -1;
    if (!dq_catsafe(fn, dash, str_len(dash))) return -1;
    if (!dq_catsafe(fn, ext, elen)) return -1;
    if (!stralloc_cats(fn, suffix) || !stralloc_0(fn)) return -1;
    if (stat(fn->s, &st) == 0) return 1;
    /* an extension too long for a file name cannot have a file */
    if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG) return 0;
    return -1;
}

int
dotqmail_find(stralloc *fn, const char *home, const char *dash,
              const char *ext, long *dpos)
{
    size_t elen = str_len(ext), i;
    int r;

    *dpos = -1;
    r = dq_try(fn, home, dash, ext, elen, "");
    if (r != 0) return r;
    if (!*dash) return 0;
    for (i = elen + 1; i-- > 0;) {
        if (i > 0 && ext[i - 1] != '-') continue;
        r = dq_try(fn, home, dash, ext, i, "default");
        if (r == 1) *dpos = (long)i;
        if (r != 0) return r;
    }
    stralloc_zero(fn);
    return 0;
}

int
dotqmail_exists(stralloc *fn, const char *dash, const char *ext, const char *suffix)
{
    return dq_try(fn, 0, dash, ext, str_len(ext), suffix);
}

int
dotqmail_deliverable(const char *home, const char *dash, const char *ext)
{
    static stralloc fn;
    long dpos;

    if (!*dash) return 1;       /* .qmail or the default delivery: no need to look */
    return dotqmail_find(&fn, home, dash, ext, &dpos);
}

static int
dq_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* no control characters (tab allowed only in commands) */
static int
dq_clean(const char *s, size_t len, int tabok)
{
    size_t i;
    unsigned char c;

    for (i = 0; i < len; ++i) {
        c = (unsigned char)s[i];
        if (c == '\t' && tabok) continue;
        if (c < 32 || c == 127) return 0;
    }
    return 1;
}

static int
dq_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
dq_address(const char *s, size_t len)
{
    size_t i;

    if (!len || !dq_clean(s, len, 0)) return 0;
    for (i = 0; i < len; ++i)
        if (s[i] == ' ') return 0;
    return 1;
}

int
dotqmail_class(const char *s, size_t len, const char **arg, size_t *arglen)
{
    while (len && dq_blank(s[len - 1])) --len;
    while (len && dq_blank(*s)) { ++s; --len; }
    *arg = s;
    *arglen = len;
    if (!len) return DQ_BLANK;
    switch (*s) {
    case '#':
        return DQ_COMMENT;
    case '|':
        *arg = s + 1; *arglen = len - 1;
        while (*arglen && dq_blank(**arg)) { ++*arg; --*arglen; }
        if (!*arglen || !dq_clean(*arg, *arglen, 1)) return DQ_BAD;
        return DQ_PROGRAM;
    case '&':
        *arg = s + 1; *arglen = len - 1;
        return dq_address(*arg, *arglen) ? DQ_FORWARD : DQ_BAD;
    case '+':
        *arg = s + 1; *arglen = len - 1;
        return DQ_PLUS;
    case '/': case '.':
        if (!dq_clean(s, len, 0)) return DQ_BAD;
        if (len == 1 && *s == '.') return DQ_BAD;
        return s[len - 1] == '/' ? DQ_MAILDIR : DQ_MBOX;
    }
    if (dq_alnum(*s)) return dq_address(s, len) ? DQ_FORWARD : DQ_BAD;
    return DQ_BAD;
}

long
dotqmail_parse(const char *s, size_t len, struct dotqmail_line *l,
               size_t max, const char **why, unsigned long *lineno)
{
    size_t i, start, n = 0, alen;
    const char *arg;
    int t;

    *lineno = 0;
    for (start = 0; start < len; start = i + 1) {
        ++*lineno;
        for (i = start; i < len && s[i] != '\n'; ++i)
            if (!s[i]) { *why = "NUL byte in .qmail file"; return -1; }
        if (i - start > DOTQMAIL_LINEMAX) { *why = "line too long in .qmail file"; return -1; }
        t = dotqmail_class(s + start, i - start, &arg, &alen);
        if (t == DQ_BAD) { *why = "unusable line in .qmail file"; return -1; }
        if (t == DQ_BLANK && *lineno == 1) {    /* qmail: likely a broken edit */
            *why = "first line of .qmail file is blank";
            return -1;
        }
        if (t == DQ_BLANK || t == DQ_COMMENT) continue;
        if (n >= max || n >= DOTQMAIL_MAX) { *why = "too many lines in .qmail file"; return -1; }
        l[n].type = t;
        l[n].arg = arg;
        l[n++].len = alen;
    }
    return (long)n;
}

#define DQ_HLINE 1024

/* the value after "Delivered-To:", blanks trimmed, equals rcpt? */
static int
dq_match(const char *h, size_t n, const char *rcpt, size_t len)
{
    static const char name[] = "delivered-to:";
    size_t k = sizeof name - 1;

    if (n < k || !case_equalb(h, k, name)) return 0;
    h += k; n -= k;
    while (n && (*h == ' ' || *h == '\t')) { ++h; --n; }
    while (n && dq_blank(h[n - 1])) --n;
    return n == len && case_equalb(h, n, rcpt);
}

int
dotqmail_seen(buffer *b, const char *rcpt, size_t len)
{
    char h[DQ_HLINE];
    size_t n = 0;
    int over = 0;
    ssize_t r;
    char c;

    for (;;) {
        r = buffer_getc(b, &c);
        if (r < 0) return -1;
        if (r == 0 || c == '\n') {
            if (!over && dq_match(h, n, rcpt, len)) return 1;
            if (r == 0 || n == 0 || (n == 1 && h[0] == '\r')) return 0;
            n = 0; over = 0;
            continue;
        }
        if (n < sizeof h) h[n++] = c; else over = 1;
    }
}
