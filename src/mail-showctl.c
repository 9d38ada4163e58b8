/* mail-showctl: print the effective configuration and where each value came from */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buffer.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "ctldefault.h"
#include "die.h"

static int bad;             /* something was unreadable or unusable: exit 111 */
static stralloc value;

static void
out(const char *s)
{
    buffer_puts(buffer_1, s);
}

static void
outnum(unsigned long u)
{
    buffer_putulong(buffer_1, u);
}

static void
outvalue(void)
{
    if (value.len) buffer_put(buffer_1, value.s, value.len);
    else out("(empty)");
}

static void
conf(void)
{
    unsigned int i;

    out("conf-home: "); out(auto_home);
    out("\nconf-split: "); outnum(auto_split);
    out("\nconf-spawn: "); outnum(auto_spawn);
    out("\nconf-users:");
    for (i = 0; i < 8; ++i) { out(" "); out(auto_users[i]); }
    out("\nconf-groups: "); out(auto_groups[0]); out(" "); out(auto_groups[1]);
    out("\n\n");
}

/* "from control/x: " or "default: " ... " (control/x missing)" around a value */
static void
from(const char *name)
{
    out("from control/"); out(name); out(": ");
}

static void
missing(const struct ctldefault *c, int samenote)
{
    if (!samenote) { out(", "); out(c->note); }
    out(" (control/"); out(c->name); out(" missing)\n");
}

static void
unreadable(void)
{
    out("UNREADABLE: "); out(strerror(errno)); out("\n");
    bad = 1;
}

static void
showline(const struct ctldefault *c)
{
    int r = ctldefault_line(&value, c->name);

    if (r == -1) { unreadable(); return; }
    if (r == 1) { from(c->name); outvalue(); out("\n"); return; }
    out("default: "); outvalue();
    missing(c, c->def && str_equal(c->def, c->note));
}

static void
shownum(const struct ctldefault *c)
{
    unsigned long u;
    int r = ctldefault_num(&u, c->name);

    if (r == -1) { unreadable(); return; }
    if (r == -2) { from(c->name); out("BAD: not a number\n"); bad = 1; return; }
    if (r == 1) { from(c->name); outnum(u); out("\n"); return; }
    out("default: "); outnum(u);
    missing(c, 0);
}

static void
entries(void)
{
    size_t i;

    for (i = 0; i < value.len; i += str_len(value.s + i) + 1) {
        out("  "); out(value.s + i); out("\n");
    }
}

static unsigned long
count(void)
{
    unsigned long n = 0;
    size_t i;

    for (i = 0; i < value.len; ++i) if (!value.s[i]) ++n;
    return n;
}

static void
showlist(const struct ctldefault *c)
{
    int r = ctldefault_list(&value, c->name);
    unsigned long n;

    if (r == -1) { unreadable(); return; }
    n = count();
    if (r == 1) from(c->name); else out("default: ");
    if (r == 0 && !n) { out(c->note); out(" (control/"); out(c->name); out(" missing)\n"); return; }
    outnum(n); out(n == 1 ? " entry" : " entries");
    if (r == 0) missing(c, 0); else out("\n");
    entries();
}

static void
showcdb(const struct ctldefault *c)
{
    struct stat st;
    int fd;

    if (!stralloc_copys(&value, "control/") || !stralloc_cats(&value, c->name)
        || !stralloc_0(&value)) die_nomem();
    fd = open(value.s, O_RDONLY | O_NONBLOCK);
    if (fd == -1) {
        if (errno != ENOENT) { unreadable(); return; }
        out("default: "); out(c->note);
        out(" (control/"); out(c->name); out(" missing)\n");
        return;
    }
    if (fstat(fd, &st) == -1) { close(fd); unreadable(); return; }
    close(fd);
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        unreadable();
        return;
    }
    from(c->name); outnum((unsigned long)st.st_size); out(" bytes\n");
}

static void
show(const struct ctldefault *c)
{
    out(c->name); out(": ");
    switch (c->kind) {
    case CTL_LINE: showline(c); break;
    case CTL_NUM: shownum(c); break;
    case CTL_LIST: showlist(c); break;
    case CTL_CDB: showcdb(c); break;
    }
}

static int
bystr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* files in control/ that the table does not know, sorted */
static void
unknown(void)
{
    static stralloc names;
    struct dirent *d;
    char **v;
    size_t i, n = 0, k = 0;
    DIR *dh = opendir("control");

    if (!dh) { out("control/: "); unreadable(); return; }
    stralloc_zero(&names);
    while ((d = readdir(dh))) {
        if (str_equal(d->d_name, ".") || str_equal(d->d_name, "..")) continue;
        if (ctldefault_find(d->d_name)) continue;
        if (!stralloc_cats(&names, d->d_name) || !stralloc_0(&names)) die_nomem();
        ++n;
    }
    closedir(dh);
    if (!n) return;
    if (!(v = malloc(n * sizeof *v))) die_nomem();
    for (i = 0; i < names.len; i += str_len(names.s + i) + 1) v[k++] = names.s + i;
    qsort(v, n, sizeof *v, bystr);
    out("\n");
    for (i = 0; i < n; ++i) { out(v[i]); out(": unknown to kirim\n"); }
}

int
main(int argc, char **argv)
{
    unsigned int i;

    (void)argv;
    progname = "mail-showctl";
    if (argc > 1) die_usage("mail-showctl");
    conf();
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    for (i = 0; i < ctldefault_count; ++i) show(&ctldefault[i]);
    unknown();
    buffer_flush(buffer_1);
    return bad ? EXIT_TEMP : 0;
}
