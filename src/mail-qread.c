/* mail-qread: list each queued message with its sender and recipients' state */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buffer.h"
#include "fmt.h"
#include "byte.h"
#include "scan.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "control.h"
#include "date822.h"
#include "die.h"
#include "qname.h"

static int bad;             /* something could not be read: exit 111 */
static stralloc ids;        /* unsigned long[], the message ids */

/* stralloc_catulong0 of Debian's libowfat 0.32 appends a NUL instead */
static int
catnum(stralloc *sa, unsigned long u)
{
    char num[FMT_ULONG];
    size_t n = fmt_ulong(num, u);

    return stralloc_catb(sa, num, n);
}

static void
addid(unsigned long id)
{
    if (!stralloc_catb(&ids, (char *)&id, sizeof id)) die_nomem();
}

static void
scansplit(unsigned long s)
{
    static stralloc p;
    struct dirent *d;
    unsigned long id;
    size_t n;
    DIR *dh;

    if (!stralloc_copys(&p, "mess/") || !catnum(&p, s)
        || !stralloc_0(&p)) die_nomem();
    if (!(dh = opendir(p.s))) die_temp("unable to read queue/", p.s);
    while ((d = readdir(dh))) {
        n = scan_ulong(d->d_name, &id);
        if (n && !d->d_name[n]) addid(id);
    }
    closedir(dh);
}

static int
byid(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

    return x < y ? -1 : x > y;
}

/* a queue file: 1 read, 0 absent, -1 unreadable (warned, bad set) */
static int
readq(stralloc *sa, const char *dir, unsigned long id)
{
    static stralloc fn;
    int r;

    if (!qname(&fn, dir, id)) die_nomem();
    r = control_readfile(sa, fn.s);     /* any file: missing 0, error -1 */
    if (r == -1) { warn_sys("unable to read queue/", fn.s); bad = 1; }
    return r;
}

/* the field starting with letter c in a NUL-separated record list, or 0 */
static const char *
field(const stralloc *sa, char c)
{
    size_t i;

    for (i = 0; i < sa->len; i += str_len(sa->s + i) + 1)
        if (sa->s[i] == c) return sa->s + i + 1;
    return 0;
}

static void
outnum(unsigned long u)
{
    buffer_putulong(buffer_1, u);
}

/* an address from a queue file (any local user's envelope): control
   bytes would move the terminal's cursor or forge lines, so they are
   written as '?' */
static void
outaddr(const char *s)
{
    char c;

    for (; *s; ++s) {
        c = *s;
        if ((unsigned char)c < 32 || c == 127) c = '?';
        buffer_put(buffer_1, &c, 1);
    }
}

static void
header(unsigned long id, time_t t, unsigned long size, const char *sender)
{
    char date[DATE822_LEN];
    size_t n = date822_fmt(date, t);

    buffer_put(buffer_1, date, n);
    buffer_puts(buffer_1, "  #");
    outnum(id);
    buffer_puts(buffer_1, "  ");
    outnum(size);
    buffer_puts(buffer_1, " bytes  from <");
    outaddr(sender ? sender : "?");
    buffer_puts(buffer_1, ">\n");
}

static void
rcptline(const char *state, const char *addr)
{
    buffer_puts(buffer_1, "  ");
    buffer_puts(buffer_1, state);
    buffer_puts(buffer_1, "  ");
    outaddr(addr);
    buffer_puts(buffer_1, "\n");
}

/* local/S/id or remote/S/id: "T" addr pending, "D" addr done */
static void
channel(const char *dir, unsigned long id, const char *todo, const char *done)
{
    static stralloc sa;
    size_t i, k;

    if (readq(&sa, dir, id) != 1) return;
    for (i = 0; i < sa.len; i = k + 1) {
        k = i + byte_chr(sa.s + i, sa.len - i, 0);
        if (k == sa.len) break;                 /* a cut last record */
        if (sa.s[i] == 'T') rcptline(todo, sa.s + i + 1);
        else if (sa.s[i] == 'D') rcptline(done, sa.s + i + 1);
    }
}

/* the envelope in todo/S/id: u, p, F, then T fields */
static void
envelope(const stralloc *env)
{
    size_t i;

    for (i = 0; i < env->len; i += str_len(env->s + i) + 1)
        if (env->s[i] == 'T') rcptline("not yet preprocessed", env->s + i + 1);
}

static void
message(unsigned long id)
{
    static stralloc fn, info, env;
    struct stat st;
    unsigned long t;
    const char *f;
    int ri, re;

    if (!qname(&fn, "mess", id)) die_nomem();
    if (stat(fn.s, &st) == -1) {
        if (errno == ENOENT) return;            /* removed meanwhile */
        warn_sys("unable to stat queue/", fn.s);
        bad = 1;
        return;
    }
    /* todo first: mail-send writes info before it removes todo */
    re = readq(&env, "todo", id);
    ri = re == 1 ? 0 : readq(&info, "info", id);
    if ((re == 1 && !stralloc_0(&env)) || (ri == 1 && !stralloc_0(&info))) die_nomem();
    if (re == 1) {
        header(id, st.st_mtime, (unsigned long)st.st_size, field(&env, 'F'));
        envelope(&env);
    } else if (ri == 1) {
        f = field(&info, 'T');
        if (f && scan_ulong(f, &t)) st.st_mtime = (time_t)t;
        header(id, st.st_mtime, (unsigned long)st.st_size, field(&info, 'F'));
        channel("local", id, "local  to do", "local  done ");
        channel("remote", id, "remote to do", "remote done ");
    } else {
        header(id, st.st_mtime, (unsigned long)st.st_size, 0);
        buffer_puts(buffer_1, ri == -1 || re == -1 ? "  (envelope unreadable)\n"
                    : "  (no envelope: being queued, or being removed)\n");
    }
}

int
main(int argc, char **argv)
{
    unsigned long s, n, i;

    (void)argv;
    progname = "mail-qread";
    if (argc > 1) die_usage("mail-qread");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    if (chdir("queue") == -1) die_temp("unable to chdir to ", auto_home, "/queue");
    for (s = 0; s < auto_split; ++s) scansplit(s);
    n = ids.len / sizeof(unsigned long);
    if (n) qsort(ids.s, n, sizeof(unsigned long), byid);
    for (i = 0; i < n; ++i) {
        unsigned long id;
        byte_copy(&id, sizeof id, ids.s + i * sizeof id);
        message(id);
    }
    buffer_flush(buffer_1);
    if (bad) die_tempx("some queue files could not be read (run as root)");
    return 0;
}
