/* mail-clean: remove queue files that only kirimq may remove, on mail-send's request */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "fmt.h"
#include "scan.h"
#include "stralloc.h"
#include "auto.h"
#include "die.h"
#include "qname.h"

#define PID_EVERY 3600          /* look at pid/ this often */
#define PID_AGE (36 * 3600)     /* mail-queue gives up after 24 hours */
#define REQMAX 64               /* "M" + a number + NUL */

static stralloc fn;

/* remove dir/S/id; 1 removed or already gone */
static int
rm(const char *dir, unsigned long id)
{
    if (!qname(&fn, dir, id)) die_nomem();
    if (unlink(fn.s) == 0 || errno == ENOENT) return 1;
    warn_sys("unable to remove ", fn.s);
    return 0;
}

/* sync the directory dir/S, so that a removal survives a crash */
static int
syncdir(const char *dir, unsigned long split)
{
    char num[FMT_ULONG];
    size_t k;
    int fd, r;

    if (!stralloc_copys(&fn, dir) || !stralloc_append(&fn, "/")) die_nomem();
    k = fmt_ulong(num, split);
    if (!stralloc_catb(&fn, num, k) || !stralloc_0(&fn)) die_nomem();
    fd = open(fn.s, O_RDONLY | O_DIRECTORY);
    if (fd == -1) { warn_sys("unable to open ", fn.s); return 0; }
    r = fsync(fd);
    close(fd);
    if (r == -1) warn_sys("unable to sync ", fn.s);
    return r == 0;
}

/* M: the message is finished. mess goes last: once it is gone its inode,
   the id, may be reused at once by mail-queue for a new message, whose
   intd and todo entries must not be touched */
static int
clean_mess(unsigned long id)
{
    int ok = rm("intd", id);

    ok = rm("todo", id) && ok;
    return rm("mess", id) && ok;
}

static void
clean_pid(time_t now)
{
    struct dirent *d;
    struct stat st;
    DIR *dp = opendir("pid");

    if (!dp) { warn_sys("unable to open pid"); return; }
    while ((d = readdir(dp))) {
        if (d->d_name[0] == '.') continue;
        if (!stralloc_copys(&fn, "pid/") || !stralloc_cats(&fn, d->d_name)
            || !stralloc_0(&fn)) die_nomem();
        if (lstat(fn.s, &st) == -1 || !S_ISREG(st.st_mode)) continue;
        if (st.st_mtime + PID_AGE > now) continue;
        if (unlink(fn.s) == -1 && errno != ENOENT) warn_sys("unable to remove ", fn.s);
    }
    closedir(dp);
}

static void
reply(int ok)
{
    ssize_t w;

    do w = write(1, ok ? "+" : "-", 1); while (w == -1 && errno == EINTR);
    if (w != 1) die_temp("unable to write to mail-send");
}

/* the requests that arrived together, "T id NUL" or "M id NUL" each,
   answered in order. T: the message left todo (mail-send has written
   info/local/remote): todo/S/id goes first, then every todo/S that
   changed is synced once, and only then intd/S/id goes and "+" is sent */
#define BATCHMAX 256
static void
requests(const char *s, size_t len, size_t *used)
{
    static unsigned long ids[BATCHMAX];
    static char kind[BATCHMAX], ok[BATCHMAX];
    static unsigned char *dirty, *synced;
    unsigned long sp;
    size_t i, j, n = 0;

    if (!dirty && (!(dirty = calloc(auto_split, 1)) || !(synced = calloc(auto_split, 1))))
        die_nomem();
    for (i = 0; n < BATCHMAX; i = j + 1, ++n) {
        for (j = i; j < len && s[j]; ++j) ;
        if (j >= len) break;
        kind[n] = s[i];
        if (j - i < 2 || scan_ulong(s + i + 1, &ids[n]) != j - i - 1
            || (s[i] != 'T' && s[i] != 'M')) {
            warn_x("bad request");
            kind[n] = 0;
        }
    }
    *used = i;
    for (i = 0; i < n; ++i) {
        ok[i] = 0;
        if (kind[i] != 'T' || !rm("todo", ids[i])) continue;
        ok[i] = 1;
        dirty[qname_split(ids[i])] = 1;
    }
    for (sp = 0; sp < auto_split; ++sp) {
        synced[sp] = dirty[sp] && syncdir("todo", sp);
        dirty[sp] = 0;
    }
    for (i = 0; i < n; ++i) {
        if (kind[i] == 'T') reply(ok[i] && synced[qname_split(ids[i])] && rm("intd", ids[i]));
        else if (kind[i] == 'M') reply(clean_mess(ids[i]));
        else reply(0);
    }
}

/* wait for input at most until the next pid/ clean; 0 on EOF */
static int
readsome(stralloc *in, time_t *next)
{
    struct pollfd p;
    time_t now;
    ssize_t r;
    int w;

    for (;;) {
        now = time(0);
        if (now >= *next) { clean_pid(now); *next = now + PID_EVERY; }
        p.fd = 0;
        p.events = POLLIN;
        w = (int)(*next - now);
        r = poll(&p, 1, w * 1000);
        if (r == -1 && errno != EINTR) die_temp("unable to poll");
        if (r <= 0) continue;
        if (!stralloc_readyplus(in, 4096)) die_nomem();
        r = read(0, in->s + in->len, 4096);
        if (r == -1) { if (errno == EINTR || errno == EAGAIN) continue; die_temp("unable to read requests"); }
        if (r == 0) return 0;
        in->len += (size_t)r;
        return 1;
    }
}

int
main(int argc, char **argv)
{
    static stralloc in;
    time_t next = 0;
    size_t i, j;

    (void)argv;
    progname = "mail-clean";
    if (argc != 1) die_usage("mail-clean");
    signal(SIGPIPE, SIG_IGN);
    umask(077);
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    if (chdir("queue") == -1) die_temp("unable to chdir to the queue");
    while (readsome(&in, &next)) {
        for (;;) {              /* more than BATCHMAX may have arrived */
            requests(in.s, in.len, &i);
            if (!i) break;
            for (j = i; j < in.len; ++j) in.s[j - i] = in.s[j];
            in.len -= i;
        }
        if (in.len > REQMAX) die_tempx("request too long");
    }
    return 0;
}
