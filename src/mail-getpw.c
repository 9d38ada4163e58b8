/* mail-getpw: map a local part to a password-file account, qmail's rules */
#include <errno.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buffer.h"
#include "case.h"
#include "fmt.h"
#include "str.h"
#include "stralloc.h"
#include "die.h"

#define NAMEMAX 32              /* longest user name tried */

/* user names we ask the password file about: [a-z0-9._-], not starting with - */
static int
getpw_plausible(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > NAMEMAX || s[0] == '-') return 0;
    for (i = 0; i < len; ++i) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) return 0;
    }
    return 1;
}

/* the account named by s[0..len), or 0 if it is not one to deliver to */
static struct passwd *
getpw_try(const char *s, size_t len)
{
    static stralloc name;
    struct passwd *pw;
    struct stat st;

    if (!getpw_plausible(s, len)) return 0;
    if (!stralloc_copyb(&name, s, len) || !stralloc_0(&name)) die_nomem();
    errno = 0;
    pw = getpwnam(name.s);
    if (!pw) {
        if (errno == 0 || errno == ENOENT || errno == ESRCH || errno == EBADF ||
            errno == EPERM) return 0;
        die_temp("unable to read the password file");
    }
    if (pw->pw_uid == 0) return 0;
    if (stat(pw->pw_dir, &st) == -1) {
        if (errno == ENOENT || errno == ENOTDIR) return 0;
        die_temp("unable to stat ", pw->pw_dir);
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != pw->pw_uid) return 0;
    return pw;
}

static void
getpw_field(const char *s)
{
    buffer_puts(buffer_1, s);
    buffer_put(buffer_1, "", 1);
}

static void
getpw_number(unsigned long u)
{
    char num[FMT_ULONG] = "";   /* fmt_ulong is "pure": gcc 12 thinks num unset */
    size_t n = fmt_ulong(num, u);

    buffer_put(buffer_1, num, n);
    buffer_put(buffer_1, "", 1);
}

static void __attribute__((noreturn))
getpw_print(const struct passwd *pw, const char *local, size_t at)
{
    getpw_field(pw->pw_name);
    getpw_number((unsigned long)pw->pw_uid);
    getpw_number((unsigned long)pw->pw_gid);
    getpw_field(pw->pw_dir);
    getpw_field(local[at] ? "-" : "");
    getpw_field(local[at] ? local + at + 1 : "");
    if (buffer_flush(buffer_1) == -1) die_temp("unable to write");
    _exit(0);
}

int
main(int argc, char **argv)
{
    static stralloc lower;
    struct passwd *pw;
    const char *local;
    size_t len, at;

    progname = "mail-getpw";
    if (argc != 2) die_usage("mail-getpw local");
    local = argv[1];
    len = str_len(local);
    if (!stralloc_copyb(&lower, local, len)) die_nomem();
    case_lowerb(lower.s, len);
    /* the whole local part, then each prefix ending before a dash, longest first */
    for (at = len; ; --at) {
        if (at == len || local[at] == '-')
            if ((pw = getpw_try(lower.s, at))) getpw_print(pw, local, at);
        if (at == 0) break;
    }
    _exit(100);
}
