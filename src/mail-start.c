/* mail-start: wire mail-send to its helpers with pipes and start each as its own user */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "byte.h"
#include "str.h"
#include "auto.h"
#include "die.h"

#define HIGHFD 20               /* pipe ends are parked here before dup2 */
#define MAXFD 9                 /* a child keeps 0..MAXFD-1 at most */

struct child {
    const char *prog;           /* bin/NAME */
    int user;                   /* index into auto_users */
    int group;                  /* index into auto_groups, -1: keep root's */
    pid_t pid;
    int map[MAXFD];             /* fd i of the child gets map[i], -1 closed, -2 inherit */
};

/* mail-send's pid while it runs. Signals are passed on from the handler
   itself: a flag checked around waitpid would lose a signal that came
   just before waitpid blocked, and a second signal would overwrite the
   first */
static volatile sig_atomic_t sendpid;

static void
sig(int s)
{
    int e = errno;

    if (sendpid > 0) kill((pid_t)sendpid, s);
    errno = e;
}

static int
singleuser(void)
{
    int i;

    for (i = 1; i < 8; ++i)
        if (!str_equal(auto_users[i], auto_users[0])) return 0;
    return 1;
}

/* in the child: setgroups, setgid, setuid to the child's user, checked */
static void
become(const struct child *c)
{
    struct passwd *pw;
    struct group *gr;
    gid_t g;

    if (singleuser()) return;
    pw = getpwnam(auto_users[c->user]);
    if (!pw) die_tempx("unknown user ", auto_users[c->user]);
    g = pw->pw_gid;
    if (c->group >= 0) {
        gr = getgrnam(auto_groups[c->group]);
        if (!gr) die_tempx("unknown group ", auto_groups[c->group]);
        g = gr->gr_gid;
    }
    if (setgroups(pw->pw_uid ? 1 : 0, &g) == -1) die_temp("unable to setgroups for ", c->prog);
    if (setgid(g) == -1 || setuid(pw->pw_uid) == -1)
        die_temp("unable to switch user for ", c->prog);
    if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid
        || getgid() != g || getegid() != g)
        die_tempx("user switch for ", c->prog, " did not take");
    if (pw->pw_uid && (setuid(0) != -1 || seteuid(0) != -1))
        die_tempx("root could be regained by ", c->prog);
}

/* in the child: put map[] in place, close every other descriptor */
static void
wire(const struct child *c)
{
    int i, fd, park[MAXFD];
    long max;

    for (i = 0; i < MAXFD; ++i) {
        park[i] = -1;
        if (c->map[i] < 0) continue;
        park[i] = fcntl(c->map[i], F_DUPFD, HIGHFD + i);
        if (park[i] == -1) die_temp("unable to dup");
    }
    for (i = 0; i < MAXFD; ++i) {
        if (c->map[i] == -2) continue;
        if (park[i] == -1) { close(i); continue; }
        if (dup2(park[i], i) == -1) die_temp("unable to dup2");
    }
    max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (fd = MAXFD; fd < max; ++fd) close(fd);
}

static void
run(struct child *c)
{
    char *args[2];

    c->pid = fork();
    if (c->pid == -1) die_temp("unable to fork");
    if (c->pid) return;
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    become(c);
    wire(c);
    args[0] = (char *)c->prog;
    args[1] = 0;
    execv(c->prog, args);
    die_temp("unable to run ", c->prog);
}

static void
pipes(int p[6][2])
{
    int i;

    for (i = 0; i < 6; ++i)
        if (pipe(p[i]) == -1) die_temp("unable to create pipes");
}

static void
closeall(int p[6][2], int devnull)
{
    int i;

    for (i = 0; i < 6; ++i) { close(p[i][0]); close(p[i][1]); }
    close(devnull);
}

/* a helper ended: has mail-send ended too? An exiting process closes its
 * pipes (the helpers see end of file) before its parent can reap it, so
 * give it up to a second */
static int
sendgone(pid_t send, int *w)
{
    struct timespec ts = { 0, 50000000 };
    int i;

    for (i = 0; i < 20; ++i) {
        if (waitpid(send, w, WNOHANG) == send) return 1;
        nanosleep(&ts, 0);
    }
    return 0;
}

/* wait for every child; the exit status is mail-send's */
static int
waitall(struct child *cs, int n)
{
    int status = 111, left = n, w, w2, i;
    pid_t r;

    while (left) {
        r = waitpid(-1, &w, 0);
        if (r == -1) {
            if (errno == EINTR) continue;
            break;
        }
        if (r == (pid_t)sendpid) sendpid = 0;
        for (i = 0; i < n; ++i) {
            if (cs[i].pid != r) continue;
            cs[i].pid = 0;
            --left;
            if (i != 0 && cs[0].pid && sendgone(cs[0].pid, &w2)) {
                /* mail-send ended first, but its helpers were reaped first */
                status = WIFEXITED(w2) ? WEXITSTATUS(w2) : 111;
                sendpid = 0;
                cs[0].pid = 0;
                --left;
            }
            if (i == 0) status = WIFEXITED(w) ? WEXITSTATUS(w) : 111;
            else if (cs[0].pid) warn_x(cs[i].prog, " exited before mail-send");
        }
    }
    return status;
}

int
main(int argc, char **argv)
{
    /* 0 lreq, 1 lres, 2 rreq, 3 rres, 4 creq, 5 cres; [0] read end */
    int p[6][2], devnull, n = 3, remote;
    struct child cs[4] = {
        { "bin/mail-send", U_SEND, G_QUEUE, 0, { 0 } },
        { "bin/mail-lspawn", U_ROOT, -1, 0, { 0 } },
        { "bin/mail-clean", U_QUEUE, G_QUEUE, 0, { 0 } },
        { "bin/mail-rspawn", U_REMOTE, G_QUEUE, 0, { 0 } },
    };
    struct sigaction sa;
    int i, j;

    (void)argv;
    progname = "mail-start";
    if (argc != 1) die_usage("mail-start");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    if (!singleuser() && getuid() != 0) die_tempx("must be run as root");
    remote = access("bin/mail-rspawn", X_OK) == 0;
    devnull = open("/dev/null", O_RDONLY);
    if (devnull == -1) die_temp("unable to open /dev/null");
    pipes(p);
    for (i = 0; i < 4; ++i) for (j = 0; j < MAXFD; ++j) cs[i].map[j] = -1;
    cs[0].map[0] = devnull; cs[0].map[1] = cs[0].map[2] = -2;
    cs[0].map[3] = p[0][1]; cs[0].map[4] = p[1][0];
    cs[0].map[5] = remote ? p[2][1] : -1; cs[0].map[6] = remote ? p[3][0] : -1;
    cs[0].map[7] = p[4][1]; cs[0].map[8] = p[5][0];
    cs[1].map[0] = p[0][0]; cs[1].map[1] = p[1][1]; cs[1].map[2] = -2;
    cs[2].map[0] = p[4][0]; cs[2].map[1] = p[5][1]; cs[2].map[2] = -2;
    cs[3].map[0] = p[2][0]; cs[3].map[1] = p[3][1]; cs[3].map[2] = -2;
    if (remote) n = 4;

    byte_zero(&sa, sizeof sa);
    sa.sa_handler = sig;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;            /* no SA_RESTART: waitpid returns to forward */
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGHUP, &sa, 0);
    sigaction(SIGALRM, &sa, 0);
    for (i = 0; i < n; ++i) run(&cs[i]);
    sendpid = cs[0].pid;
    closeall(p, devnull);
    return waitall(cs, n);
}
