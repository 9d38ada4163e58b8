/* deliverable.c: account lookup shared by mail-lspawn, mail-getpw, mail-local and mail-smtpd */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "case.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "dotqmail.h"
#include "deliverable.h"

#define NAMEMAX 32              /* longest user name asked of the password file */

static int
dl_set(stralloc *sa, const char *s, size_t len)
{
    if (!stralloc_copyb(sa, s, len) || !stralloc_0(sa)) return 0;
    --sa->len;
    return 1;
}

/* ---- the password file ---- */

/* user names we ask about: [a-z0-9._-], not starting with '-' */
static int
dl_plausible(const char *s, size_t len)
{
    size_t i;
    char c;

    if (len == 0 || len > NAMEMAX || s[0] == '-') return 0;
    for (i = 0; i < len; ++i) {
        c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) return 0;
    }
    return 1;
}

/* the account named s[0..len) (lower case): 1, 0 not one to deliver to, -1 trouble */
static int
dl_pwtry(const char *s, size_t len, struct passwd **pwp)
{
    static stralloc name;
    struct passwd *pw;
    struct stat st;

    if (!dl_plausible(s, len)) return 0;
    if (!dl_set(&name, s, len)) return -1;
    errno = 0;
    pw = getpwnam(name.s);
    if (!pw) {
        if (errno == 0 || errno == ENOENT || errno == ESRCH || errno == EBADF ||
            errno == EPERM) return 0;
        return -1;
    }
    if (pw->pw_uid == 0) return 0;
    if (stat(pw->pw_dir, &st) == -1) {
        if (errno == ENOENT || errno == ENOTDIR) return 0;
        return -1;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != pw->pw_uid) return 0;
    *pwp = pw;
    return 1;
}

static int
dl_frompw(struct account *a, const struct passwd *pw, const char *local,
          size_t len, size_t at)
{
    a->uid = (unsigned long)pw->pw_uid;
    a->gid = (unsigned long)pw->pw_gid;
    if (!dl_set(&a->user, pw->pw_name, str_len(pw->pw_name))) return -1;
    if (!dl_set(&a->home, pw->pw_dir, str_len(pw->pw_dir))) return -1;
    if (!dl_set(&a->dash, "-", at < len ? 1 : 0)) return -1;
    if (!dl_set(&a->ext, local + (at < len ? at + 1 : len), at < len ? len - at - 1 : 0))
        return -1;
    return 1;
}

int
deliverable_getpw(const char *local, size_t len, struct account *a)
{
    static stralloc lower;
    struct passwd *pw = 0;
    size_t at;
    int r;

    if (!stralloc_copyb(&lower, local, len)) return -1;
    case_lowerb(lower.s, len);
    for (at = len; ; --at) {
        if (at == len || local[at] == '-') {
            r = dl_pwtry(lower.s, at, &pw);
            if (r == 1) return dl_frompw(a, pw, local, len, at);
            if (r == -1) return -1;
        }
        if (at == 0) break;
    }
    return 0;
}

/* ---- the alias user ---- */

static int aliasknown;
static uid_t aliasuid;
static gid_t aliasgid;

static int
dl_aliasids(void)
{
    struct passwd *pw;

    if (aliasknown) return 1;
    errno = 0;
    pw = getpwnam(auto_users[U_ALIAS]);
    if (!pw) {
        if (errno == 0 || errno == ESRCH || errno == EBADF || errno == EPERM) errno = ENOENT;
        return -1;
    }
    aliasuid = pw->pw_uid;
    aliasgid = pw->pw_gid;
    aliasknown = 1;
    return 1;
}

int
deliverable_alias(const char *local, size_t len, struct account *a)
{
    if (dl_aliasids() == -1) return -1;
    a->uid = (unsigned long)aliasuid;
    a->gid = (unsigned long)aliasgid;
    if (!dl_set(&a->user, auto_users[U_ALIAS], str_len(auto_users[U_ALIAS]))) return -1;
    if (!stralloc_copys(&a->home, auto_home) || !stralloc_cats(&a->home, "/alias") ||
        !stralloc_0(&a->home)) return -1;
    --a->home.len;
    if (!dl_set(&a->dash, "-", 1)) return -1;
    if (!dl_set(&a->ext, local, len)) return -1;
    return 1;
}

/* ---- the whole lookup ---- */

static int
dl_assign(const char *local, size_t len, struct account *a)
{
    int fd = open("users/cdb", O_RDONLY | O_CLOEXEC);
    int r, e;

    if (fd == -1) return errno == ENOENT ? 0 : -1;
    r = usersdb_lookup(fd, local, len, a);
    e = errno;
    close(fd);
    errno = e;
    return r;
}

int
deliverable_account(const char *local, size_t len, struct account *a,
                    int (*getpw)(const char *, size_t, struct account *),
                    const char **why)
{
    int r;

    r = dl_assign(local, len, a);
    if (r == -1) { *why = "unable to read users/cdb"; return -1; }
    if (r == 0) {
        r = getpw(local, len, a);
        if (r == -1) { *why = "unable to read the password file"; return -1; }
    }
    if (r == 0 || a->uid == 0) {
        if (deliverable_alias(local, len, a) == -1) {
            *why = errno == ENOENT ? "no alias user in the password file"
                                   : "unable to look up the alias user";
            return -1;
        }
    }
    return 1;
}

int
deliverable_single(void)
{
    int i;

    for (i = 1; i < 8; ++i)
        if (!str_equal(auto_users[i], auto_users[0])) return 0;
    return 1;
}

int
deliverable_uidok(const struct account *a)
{
    if (a->uid == 0) { errno = EPERM; return -1; }
    if (!deliverable_single()) return 1;
    if (dl_aliasids() == -1) return -1;
    return a->uid == (unsigned long)aliasuid;
}

int
deliverable(const char *local, size_t len)
{
    static struct account a;
    const char *why;
    int r;

    if (deliverable_account(local, len, &a, deliverable_getpw, &why) == -1) return -1;
    r = deliverable_uidok(&a);
    if (r != 1) return r;
    return dotqmail_deliverable(a.home.s, a.dash.s, a.ext.s);
}
