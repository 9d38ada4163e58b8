/* usersdb.c: users/assign lines, the users/cdb they compile to, and its lookup */
#include <errno.h>
#include "byte.h"
#include "case.h"
#include "cdb.h"
#include "scan.h"
#include "usersdb.h"

#define NUMMAX 10               /* digits of a uid or gid */

static int
usersdb_number(const char *s, size_t len, unsigned long *u)
{
    size_t i;

    if (len == 0 || len > NUMMAX) return 0;
    for (i = 0; i < len; ++i)
        if (s[i] < '0' || s[i] > '9') return 0;
    if (scan_ulongn(s, len, u) != len) return 0;
    return *u < 4294967295UL;   /* (uid_t)-1 means "unchanged" to setuid */
}

/* copy into a NUL-ended stralloc whose len leaves the NUL out */
static int
usersdb_copy(stralloc *sa, const char *s, size_t len)
{
    if (!stralloc_copyb(sa, s, len) || !stralloc_0(sa)) return 0;
    --sa->len;
    return 1;
}

int
account_parse(struct account *a, const char *s, size_t len)
{
    const char *f[6];
    size_t flen[6], pos = 0, j;
    int i;

    for (i = 0; i < 6; ++i) {
        j = byte_chr(s + pos, len - pos, '\0');
        if (pos + j >= len) return 0;
        f[i] = s + pos;
        flen[i] = j;
        pos += j + 1;
    }
    if (pos != len || flen[0] == 0) return 0;
    if (!usersdb_number(f[1], flen[1], &a->uid)) return 0;
    if (!usersdb_number(f[2], flen[2], &a->gid)) return 0;
    if (flen[3] == 0 || f[3][0] != '/') return 0;
    if (!usersdb_copy(&a->user, f[0], flen[0]) ||
        !usersdb_copy(&a->home, f[3], flen[3]) ||
        !usersdb_copy(&a->dash, f[4], flen[4]) ||
        !usersdb_copy(&a->ext, f[5], flen[5])) return -1;
    return 1;
}

/* find key; on a hit parse the value into a: 1, 0 missing, -1 error */
static int
usersdb_get(struct cdb *c, const stralloc *key, struct account *a)
{
    static stralloc val;
    int r = cdb_find(c, (const unsigned char *)key->s, key->len);

    if (r <= 0) return r;
    if (!stralloc_ready(&val, cdb_datalen(c))) return -1;
    if (cdb_read(c, (unsigned char *)val.s, cdb_datalen(c), cdb_datapos(c)) == -1)
        return -1;
    val.len = cdb_datalen(c);
    r = account_parse(a, val.s, val.len);
    if (r == 0) { errno = EINVAL; return -1; }
    return r;
}

static int
usersdb_key(stralloc *key, char type, const char *s, size_t len)
{
    if (!stralloc_copyb(key, &type, 1) || !stralloc_catb(key, s, len)) return 0;
    case_lowerb(key->s + 1, len);
    return 1;
}

int
usersdb_lookup(int fd, const char *local, size_t len, struct account *a)
{
    static stralloc key;
    struct cdb c;
    size_t plen;
    int r;

    byte_zero(&c, sizeof c);        /* cdb_init first unmaps c.map when it is set */
    cdb_init(&c, fd);
    if (!usersdb_key(&key, '=', local, len)) { r = -1; goto done; }
    if ((r = usersdb_get(&c, &key, a)) != 0) goto done;
    for (plen = len + 1; plen-- > 0; ) {
        key.s[0] = '+';
        key.len = plen + 1;
        if ((r = usersdb_get(&c, &key, a)) == 0) continue;
        if (r == 1 && (!stralloc_catb(&a->ext, local + plen, len - plen) ||
                       !stralloc_0(&a->ext))) r = -1;
        if (r == 1) --a->ext.len;
        goto done;
    }
done:
    cdb_free(&c);
    return r;
}

/* ---- users/assign ---- */

static int
usersdb_has(const char *s, size_t len, char c)
{
    return byte_chr(s, len, c) < len;
}

int
usersdb_line(const char *s, size_t len, stralloc *key, stralloc *val,
             const char **why)
{
    const char *f[7];
    size_t flen[7], pos = 1, j;
    unsigned long u;
    int i;

    if (len == 1 && s[0] == '.') return 2;
    if (len == 0 || s[0] == '#') return 3;
    if (s[0] != '=' && s[0] != '+') { *why = "a line must start with =, + or #, or be ."; return 0; }
    if (usersdb_has(s, len, '\0')) { *why = "NUL byte"; return 0; }
    for (i = 0; i < 7; ++i) {
        j = byte_chr(s + pos, len - pos, ':');
        if (pos + j >= len) { *why = "fewer than 7 fields ended by ':'"; return 0; }
        f[i] = s + pos;
        flen[i] = j;
        pos += j + 1;
    }
    if (pos != len) { *why = "text after the 7th ':'"; return 0; }
    if (flen[1] == 0) { *why = "empty user name"; return 0; }
    if (!usersdb_number(f[2], flen[2], &u)) { *why = "uid is not a number"; return 0; }
    if (!usersdb_number(f[3], flen[3], &u)) { *why = "gid is not a number"; return 0; }
    if (flen[4] == 0 || f[4][0] != '/') { *why = "home is not an absolute path"; return 0; }
    if (usersdb_has(f[5], flen[5], '/') || usersdb_has(f[6], flen[6], '/')) {
        *why = "dash or extension contains '/'";
        return 0;
    }
    if (!usersdb_key(key, s[0], f[0], flen[0])) return -1;
    stralloc_zero(val);
    for (i = 1; i < 7; ++i)
        if (!stralloc_catb(val, f[i], flen[i]) || !stralloc_0(val)) return -1;
    return 1;
}

int
usersdb_compile(const char *s, size_t len, struct cdb_make *cm,
                unsigned long *line, const char **why)
{
    static stralloc key, val;
    size_t pos = 0, j;
    int r;

    for (*line = 1; pos < len; ++*line) {
        j = byte_chr(s + pos, len - pos, '\n');
        r = usersdb_line(s + pos, j, &key, &val, why);
        if (r <= 0) return r;
        if (r == 2) return 1;
        if (r == 1 && cdb_make_add(cm, (const unsigned char *)key.s, key.len,
                                   (const unsigned char *)val.s, val.len) == -1)
            return -1;
        pos += j + 1;
    }
    *why = "no final line with a single dot";
    return 0;
}
