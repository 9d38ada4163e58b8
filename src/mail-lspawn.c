/* mail-lspawn: for each local delivery find the user, become it, run mail-local */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "byte.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "control.h"
#include "deliverable.h"
#include "die.h"
#include "privs.h"
#include "spawner.h"
#include "usersdb.h"

#define GETPWMAX 4096           /* most output read from mail-getpw */

static stralloc defaultdelivery;
static int single;              /* single-user instance: no uid switch */
static uid_t myuid, pwuid, aliasuid;
static gid_t pwgid, aliasgid;
static stralloc getpwprog, localprog;

/* ---- setup, in the parent ---- */

static void
lspawn_user(const char *name, uid_t *uid, gid_t *gid)
{
    struct passwd *pw = getpwnam(name);

    if (!pw) die_tempx("unknown user ", name);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
}

/* control/defaultdelivery: its lines joined by newlines; "./Maildir/" if missing */
static void
lspawn_controls(void)
{
    static stralloc lines;
    size_t i;

    switch (control_readlines(&lines, "control/defaultdelivery")) {
    case -1: die_temp("unable to read control/defaultdelivery");
    case 0: if (!stralloc_copys(&lines, "./Maildir/") || !stralloc_0(&lines)) die_nomem();
    }
    if (!lines.len && (!stralloc_copys(&lines, "./Maildir/") || !stralloc_0(&lines)))
        die_nomem();
    for (i = 0; i + 1 < lines.len; ++i)
        if (lines.s[i] == '\0') lines.s[i] = '\n';
    if (!stralloc_copy(&defaultdelivery, &lines)) die_nomem();
}

static void
lspawn_path(stralloc *sa, const char *tail)
{
    if (!stralloc_copys(sa, auto_home) || !stralloc_cats(sa, tail) || !stralloc_0(sa))
        die_nomem();
}

/* ---- lookups, in the child (fd 1 is the result text) ---- */

static void
lspawn_setstr(stralloc *sa, const char *s, size_t len)
{
    if (!stralloc_copyb(sa, s, len) || !stralloc_0(sa))
        spawner_fail(111, 0, "out of memory", 0);
    --sa->len;
}

static void __attribute__((noreturn))
lspawn_getpwchild(const stralloc *local, int w)
{
    int fd = open("/dev/null", O_RDONLY);
    char *args[3];

    if (fd == -1 || dup2(fd, 0) == -1 || dup2(w, 1) == -1)
        spawner_fail(111, 1, "unable to set up mail-getpw", 0);
    if (!single && !privs_become(pwuid, pwgid))
        spawner_fail(111, 1, "unable to switch to user ", auto_users[U_PASSWD]);
    args[0] = "mail-getpw";
    args[1] = local->s;
    args[2] = 0;
    execv(getpwprog.s, args);
    spawner_fail(111, 1, "unable to run ", getpwprog.s);
}

/* run mail-getpw as kirimp: 1 found, 0 no such account */
static int
lspawn_getpw(const char *s, size_t len, struct account *a)
{
    static stralloc local;
    static stralloc out;
    char b[512];
    int p[2], ws, r;
    ssize_t got;
    pid_t pid;

    lspawn_setstr(&local, s, len);
    if (pipe(p) == -1) spawner_fail(111, 1, "unable to create a pipe", 0);
    if ((pid = fork()) == -1) spawner_fail(111, 1, "unable to fork", 0);
    if (pid == 0) { close(p[0]); lspawn_getpwchild(&local, p[1]); }
    close(p[1]);
    stralloc_zero(&out);
    for (;;) {
        do got = read(p[0], b, sizeof b); while (got == -1 && errno == EINTR);
        if (got <= 0) break;
        if (out.len + (size_t)got > GETPWMAX) break;
        if (!stralloc_catb(&out, b, (size_t)got)) spawner_fail(111, 0, "out of memory", 0);
    }
    close(p[0]);
    while (waitpid(pid, &ws, 0) == -1)
        if (errno != EINTR) spawner_fail(111, 1, "unable to wait for mail-getpw", 0);
    if (!WIFEXITED(ws)) spawner_fail(111, 0, "mail-getpw crashed", 0);
    if (WEXITSTATUS(ws) == 100) return 0;
    if (WEXITSTATUS(ws) != 0) spawner_fail(111, 0, "temporary failure in mail-getpw", 0);
    if (got != 0) spawner_fail(111, 0, "unable to read mail-getpw's output", 0);
    r = account_parse(a, out.s, out.len);
    if (r == -1) spawner_fail(111, 0, "out of memory", 0);
    if (r == 0) spawner_fail(111, 0, "malformed output from mail-getpw", 0);
    return 1;
}

/* users/cdb, mail-getpw as kirimp, the alias user: deliverable.c decides */
static void
lspawn_find(const stralloc *local, struct account *a)
{
    const char *why = "";

    if (deliverable_account(local->s, local->len, a, lspawn_getpw, &why) == -1)
        spawner_fail(111, 1, why, 0);
}

static void
lspawn_deliver(const struct spawner_req *r)
{
    static stralloc local, domain;
    static struct account a;
    const char *rcpt = r->recipient;
    size_t len = str_len(rcpt), at = str_rchr(rcpt, '@');
    char *args[10];

    lspawn_setstr(&local, rcpt, at);
    lspawn_setstr(&domain, at < len ? rcpt + at + 1 : "", at < len ? len - at - 1 : 0);
    lspawn_find(&local, &a);
    switch (deliverable_uidok(&a)) {
    case -1:
        if (a.uid == 0) spawner_fail(111, 0, "refusing to deliver as root", 0);
        spawner_fail(111, 1, "unable to look up the alias user", 0);
    case 0:
        spawner_fail(100, 0, a.user.s,
                     " is not the account of this single-user kirim (#5.1.1)");
    }
    if (!single && !privs_become((uid_t)a.uid, (gid_t)a.gid))
        spawner_fail(111, 1, "unable to switch to user ", a.user.s);
    if (chdir(a.home.s) == -1) spawner_fail(111, 1, "unable to chdir to ", a.home.s);
    umask(077);
    args[0] = "mail-local";
    args[1] = a.user.s;
    args[2] = a.home.s;
    args[3] = local.s;
    args[4] = a.dash.s;
    args[5] = a.ext.s;
    args[6] = domain.s;
    args[7] = (char *)r->sender;
    args[8] = defaultdelivery.s;
    args[9] = 0;
    execv(localprog.s, args);
    spawner_fail(111, 1, "unable to run ", localprog.s);
}

int
main(int argc, char **argv)
{
    (void)argv;
    progname = "mail-lspawn";
    if (argc != 1) die_usage("mail-lspawn");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    lspawn_controls();
    lspawn_path(&getpwprog, "/bin/mail-getpw");
    lspawn_path(&localprog, "/bin/mail-local");
    myuid = getuid();
    single = deliverable_single();
    lspawn_user(auto_users[U_ALIAS], &aliasuid, &aliasgid);
    if (single) {
        if (myuid != aliasuid || geteuid() != aliasuid)
            die_tempx("a single-user kirim runs as ", auto_users[U_ALIAS], " only");
    } else {
        if (myuid != 0 || geteuid() != 0) die_tempx("must run as root");
        lspawn_user(auto_users[U_PASSWD], &pwuid, &pwgid);
    }
    return spawner_run(lspawn_deliver, "mail-local");
}
