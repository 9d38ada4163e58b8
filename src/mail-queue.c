/* mail-queue: put one message into the queue, durably (DESIGN section 5) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "fmt.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "date822.h"
#include "envelope.h"
#include "qname.h"

/* exit codes, qmail-queue's table */
#define QQ_TOOLONG 11
#define QQ_NOMEM 51
#define QQ_TIMEOUT 52
#define QQ_WRITE 53
#define QQ_READ 54
#define QQ_HOME 61
#define QQ_QUEUE 62
#define QQ_PID 63
#define QQ_MESS 64
#define QQ_INTD 65
#define QQ_TODO 66
#define QQ_BUG 81
#define QQ_FORMAT 91

#define TIMEOUT 86400

static stralloc pidfn, messfn, intdfn, todofn;
static int madepid, mademess, madeintd, madetodo;

/* on failure remove what this run made: nothing half-made stays visible */
static void __attribute__((noreturn))
die(int code)
{
    if (madetodo) unlink(todofn.s);
    if (madeintd) unlink(intdfn.s);
    if (mademess) unlink(messfn.s);
    if (madepid) unlink(pidfn.s);
    _exit(code);
}

static void
sigalrm(int sig)
{
    (void)sig;
    die(QQ_TIMEOUT);
}

static ssize_t
safewrite(int fd, const char *s, size_t n, buffer *b)
{
    ssize_t w;

    (void)b;
    do w = write(fd, s, n); while (w == -1 && errno == EINTR);
    if (w == -1) die(QQ_WRITE);
    return w;
}

static ssize_t
saferead(int fd, char *s, size_t n, buffer *b)
{
    ssize_t r;

    (void)b;
    do r = read(fd, s, n); while (r == -1 && errno == EINTR);
    if (r == -1) die(QQ_READ);
    return r;
}

static void
fsyncdir(const char *dir, unsigned long id, int code)
{
    char num[FMT_ULONG];
    static stralloc d;
    size_t n;
    int fd;

    if (!stralloc_copys(&d, dir) || !stralloc_append(&d, "/")) die(QQ_NOMEM);
    n = fmt_ulong(num, qname_split(id));
    if (!stralloc_catb(&d, num, n) || !stralloc_0(&d)) die(QQ_NOMEM);
    fd = open(d.s, O_RDONLY | O_DIRECTORY);
    if (fd == -1) die(code);
    if (fsync(fd) == -1) die(QQ_WRITE);
    close(fd);
}

static int
makepid(void)
{
    char num[FMT_ULONG];
    size_t n;
    int fd;

    if (!stralloc_copys(&pidfn, "pid/")) die(QQ_NOMEM);
    n = fmt_ulong(num, (unsigned long)getpid());
    if (!stralloc_catb(&pidfn, num, n) || !stralloc_append(&pidfn, ".")) die(QQ_NOMEM);
    n = fmt_ulong(num, (unsigned long)time(0));
    if (!stralloc_catb(&pidfn, num, n) || !stralloc_0(&pidfn)) die(QQ_NOMEM);
    fd = open(pidfn.s, O_WRONLY | O_CREAT | O_EXCL, 0640);
    if (fd == -1) die(QQ_PID);
    madepid = 1;
    return fd;
}

/* the owner of fn, a file or directory in a directory only root may
   change, set by kirim-install (users/daemon.uid: the SMTP daemon's
   uid; alias/: the alias user's); -1 when it is missing. No password
   file lookup: mail-queue is linked statically (Makefile), and a
   set-uid program is better off without NSS modules. */
static long
installed_uid(const char *fn)
{
    struct stat st;

    if (stat(fn, &st) == 0) return (long)st.st_uid;
    return -1;
}

/* "Received: (kirim 123 invoked by uid 1000); Sat, 28 Nov 2026 ..."
   ("invoked from network" when the caller is the daemon user, unless
   this is a single-user instance, where every user is the same) */
static void
received(buffer *b, unsigned long uid)
{
    char num[FMT_ULONG];
    char date[DATE822_LEN];
    long duid, auid;
    size_t n;
    int i, single = 1;

    buffer_puts(b, "Received: (kirim ");
    n = fmt_ulong(num, (unsigned long)getpid());
    buffer_put(b, num, n);
    for (i = 0; i < 8; ++i)
        if (!str_equal(auto_users[i], auto_users[U_ALIAS])) single = 0;
    duid = auid = -1;
    if (!single) {
        duid = installed_uid("../users/daemon.uid");
        if (duid == (long)uid) auid = installed_uid("../alias");
    }
    if (!single && duid == (long)uid && auid != duid)
        buffer_puts(b, " invoked from network");
    else {
        buffer_puts(b, " invoked by uid ");
        n = fmt_ulong(num, uid);
        buffer_put(b, num, n);
    }
    buffer_puts(b, "); ");
    n = date822_fmt(date, time(0));
    buffer_put(b, date, n);
    buffer_puts(b, "\n");
}

static char inbuf[65536];
static char outbuf[65536];

static void
copymessage(int fd)
{
    buffer in = BUFFER_INIT(saferead, 0, inbuf, sizeof inbuf);
    buffer out = BUFFER_INIT(safewrite, fd, outbuf, sizeof outbuf);
    ssize_t r;

    received(&out, (unsigned long)getuid());
    for (;;) {
        r = buffer_feed(&in);
        if (r == 0) break;
        buffer_put(&out, buffer_peek(&in), (size_t)r);
        buffer_seek(&in, (size_t)r);
    }
    buffer_flush(&out);
    if (fsync(fd) == -1) die(QQ_WRITE);
}

static void
writeenvelope(unsigned long id)
{
    static stralloc from, rcpts, env;
    static char ebuf[4096];
    buffer in = BUFFER_INIT(saferead, 1, ebuf, sizeof ebuf);
    char num[FMT_ULONG];
    unsigned long n, i;
    size_t k, pos;
    int fd;

    switch (envelope_get(&in, &from, &rcpts, &n, ENVELOPE_ADDRMAX)) {
    case 1: break;
    case 0: die(QQ_FORMAT);
    case -2: die(QQ_TOOLONG);
    case -3: die(QQ_NOMEM);
    default: die(QQ_READ);
    }
    if (!stralloc_copys(&env, "u")) die(QQ_NOMEM);
    k = fmt_ulong(num, (unsigned long)getuid());
    if (!stralloc_catb(&env, num, k) || !stralloc_0(&env)) die(QQ_NOMEM);
    if (!stralloc_append(&env, "p")) die(QQ_NOMEM);
    k = fmt_ulong(num, (unsigned long)getpid());
    if (!stralloc_catb(&env, num, k) || !stralloc_0(&env)) die(QQ_NOMEM);
    if (!envelope_catfrom(&env, from.s, from.len)) die(QQ_NOMEM);
    for (i = 0, pos = 0; i < n; ++i) {
        for (k = pos; rcpts.s[k]; ++k) ;
        if (!envelope_catto(&env, rcpts.s + pos, k - pos)) die(QQ_NOMEM);
        pos = k + 1;
    }
    if (!envelope_catend(&env)) die(QQ_NOMEM);

    if (!qname(&intdfn, "intd", id)) die(QQ_NOMEM);
    fd = open(intdfn.s, O_WRONLY | O_CREAT | O_EXCL, 0640);
    /* an intd entry under our id is a leftover of an earlier message with
       this inode number (a power loss after the removal of its mess file
       reached the disk, not that of its intd entry: doc/internals.md). No
       live message can have our id while mess/S/id is our inode: it goes */
    if (fd == -1 && errno == EEXIST && unlink(intdfn.s) == 0)
        fd = open(intdfn.s, O_WRONLY | O_CREAT | O_EXCL, 0640);
    if (fd == -1) die(QQ_INTD);
    madeintd = 1;
    for (pos = 0; pos < env.len; ) {
        ssize_t w = write(fd, env.s + pos, env.len - pos);
        if (w == -1) { if (errno == EINTR) continue; die(QQ_WRITE); }
        pos += (size_t)w;
    }
    if (fsync(fd) == -1) die(QQ_WRITE);
    if (close(fd) == -1) die(QQ_WRITE);
}

static void
trigger(void)
{
    int fd = open("lock/trigger", O_WRONLY | O_NONBLOCK);

    if (fd == -1) return;           /* nobody listening: the scan finds it */
    if (write(fd, "", 1) == -1) { /* full pipe or gone reader: fine */ }
    close(fd);
}

int
main(void)
{
    struct stat st;
    sigset_t none;
    unsigned long id;
    int fd;

    /* the caller's blocked signals survive exec: a blocked SIGALRM would
       switch the time limit off */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, sigalrm);
    alarm(TIMEOUT);
    umask(0);
    if (chdir(auto_home) == -1) die(QQ_HOME);
    if (chdir("queue") == -1) die(QQ_QUEUE);

    /* fd stays open until exit: while it is, the inode (our id) cannot be
       given to another message, even if a caller who stopped us for days
       saw our files removed as stale; so the names die() removes are
       always this run's own */
    fd = makepid();
    if (fstat(fd, &st) == -1) die(QQ_PID);
    id = (unsigned long)st.st_ino;
    if (!qname(&messfn, "mess", id)) die(QQ_NOMEM);
    if (link(pidfn.s, messfn.s) == -1) die(QQ_MESS);
    mademess = 1;
    copymessage(fd);
    writeenvelope(id);
    fsyncdir("mess", id, QQ_MESS);
    fsyncdir("intd", id, QQ_INTD);

    /* both names still there (pid/ and mess/): not removed as stale */
    if (fstat(fd, &st) == -1 || st.st_nlink != 2) die(QQ_MESS);
    if (!qname(&todofn, "todo", id)) die(QQ_NOMEM);
    if (link(intdfn.s, todofn.s) == -1) die(QQ_TODO);
    madetodo = 1;
    fsyncdir("todo", id, QQ_TODO);

    /* accepted: from here on nothing may undo it */
    madetodo = madeintd = mademess = 0;
    unlink(pidfn.s);
    madepid = 0;
    trigger();
    return 0;
}
