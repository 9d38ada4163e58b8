/* mail-local: deliver one message as the recipient, following .qmail instructions */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "ctldefault.h"
#include "die.h"
#include "dotqmail.h"
#include "mailbox.h"
#include "mdquota.h"
#include "qclient.h"

/* what the message and its recipient look like to every instruction */
struct delivery {
    const char *user, *home, *local, *dash, *ext, *domain, *sender;
    long dpos;                  /* start of $DEFAULT in ext, -1 none */
    stralloc rcpt;              /* local@domain (NUL-ended) */
    stralloc dtline, rpline, ufline;
    stralloc newsender;         /* sender of forwards: sender, or local-owner@domain */
    stralloc fwd;               /* forward addresses, each NUL-ended */
    unsigned long nfwd, nbox, nprog;
    int forwardonly;            /* x bit on the .qmail file, or a +list line */
};

static struct dotqmail_line lines[DOTQMAIL_MAX];

/* ---- the one result line (stdout goes into the result text) ---- */

/* "m1 m2 m3[: strerror] (#status)" on stdout, exit code */
static void __attribute__((noreturn))
local_die(int code, int withsys, const char *status, const char *m1,
          const char *m2, const char *m3, const char *m4)
{
    int e = errno;

    buffer_puts(buffer_1, m1);
    if (m2) buffer_puts(buffer_1, m2);
    if (m3) buffer_puts(buffer_1, m3);
    if (m4) { buffer_puts(buffer_1, ": "); buffer_puts(buffer_1, m4); }
    if (withsys && e) {
        buffer_puts(buffer_1, ": ");
        buffer_puts(buffer_1, strerror(e));
    }
    buffer_puts(buffer_1, " (#");
    buffer_puts(buffer_1, status);
    buffer_putsflush(buffer_1, ")\n");
    _exit(code);
}

#define local_temp(st, a, b, c) local_die(111, 1, (st), (a), (b), (c), 0)
#define local_tempx(st, a, b, c) local_die(111, 0, (st), (a), (b), (c), 0)
#define local_perm(st, a, b) local_die(100, 0, (st), (a), (b), 0, 0)
#define local_nomem() local_die(111, 0, "4.3.0", "out of memory", 0, 0, 0)

#define FMT_NUM 24

/* decimal by hand: libowfat's fmt_ulong is declared pure, so gcc may
   reuse a buffer it wrote into as if it had not changed */
static const char *
local_num(char *s, size_t size, unsigned long u)
{
    char *p = s + size - 1;

    *p = 0;
    do *--p = (char)('0' + u % 10); while ((u /= 10) && p > s);
    return p;
}

/* ---- setting up ---- */

/* a home others may write to lets them write our .qmail files: defer, as
   qmail does; a sticky home is qmail's sign of a .qmail being edited */
static void
local_home(void)
{
    struct stat st;

    if (stat(".", &st) == -1) local_temp("4.3.0", "unable to stat the home directory", 0, 0);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        local_tempx("4.7.0", "Uh-oh: home directory is writable by group or others.", 0, 0);
    if (st.st_mode & S_ISVTX)
        local_tempx("4.2.1", "home directory is sticky: user is editing his .qmail file.", 0, 0);
}

/* a header line made from envelope data: a newline or CR in it would
   start a header (or an mbox message) of the sender's choosing */
static void
local_flatten(stralloc *sa)
{
    size_t i;

    for (i = 0; i < sa->len; ++i)
        if (sa->s[i] == '\n' || sa->s[i] == '\r') sa->s[i] = '_';
}

static void
local_lines(struct delivery *d)
{
    if (!stralloc_copys(&d->rcpt, d->local)) local_nomem();
    if (*d->domain && (!stralloc_append(&d->rcpt, "@") || !stralloc_cats(&d->rcpt, d->domain)))
        local_nomem();
    if (!stralloc_0(&d->rcpt)) local_nomem();
    --d->rcpt.len;
    /* the Delivered-To address is compared case-insensitively; keep it as given */
    if (!stralloc_copys(&d->dtline, "Delivered-To: ") || !stralloc_cat(&d->dtline, &d->rcpt))
        local_nomem();
    local_flatten(&d->dtline);
    if (!stralloc_cats(&d->dtline, "\n") || !stralloc_0(&d->dtline)) local_nomem();
    --d->dtline.len;
    if (!stralloc_copys(&d->rpline, "Return-Path: <") || !stralloc_cats(&d->rpline, d->sender))
        local_nomem();
    local_flatten(&d->rpline);
    if (!stralloc_cats(&d->rpline, ">\n") || !stralloc_0(&d->rpline)) local_nomem();
    --d->rpline.len;
    if (!mbox_fromline(&d->ufline, d->sender, time(0))) local_nomem();
}

/* refuse to deliver a message that already went through this address */
static void
local_loopcheck(struct delivery *d)
{
    char b[4096];
    buffer in = BUFFER_INIT(read, 0, b, sizeof b);
    int r;

    /* the address as our Delivered-To line writes it */
    r = dotqmail_seen(&in, d->dtline.s + 14, d->dtline.len - 15);
    if (r == -1) local_temp("4.3.0", "unable to read the message", 0, 0);
    if (r == 1)
        local_perm("5.4.6", "This message is looping: it already has my Delivered-To line.", 0);
    if (lseek(0, 0, SEEK_SET) == -1) local_temp("4.3.0", "unable to rewind the message", 0, 0);
}

/* read the .qmail file fn into text; defers when others may write it.
   Returns 1 when the owner's execute bit is set (qmail: forwards only) */
static int
local_readqmail(const char *fn, stralloc *text)
{
    struct stat st;
    char b[4096];
    ssize_t r;
    int fd = open(fn, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (fd == -1) local_temp("4.2.1", "unable to open ", fn, 0);
    if (fstat(fd, &st) == -1) local_temp("4.2.1", "unable to stat ", fn, 0);
    if (!S_ISREG(st.st_mode)) local_tempx("4.7.0", fn, " is not a regular file", 0);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        local_tempx("4.7.0", "Uh-oh: ", fn, " is writable by group or others.");
    if (st.st_size > DOTQMAIL_SIZEMAX) local_tempx("4.7.0", fn, " is too large", 0);
    stralloc_zero(text);
    for (;;) {
        do r = read(fd, b, sizeof b); while (r == -1 && errno == EINTR);
        if (r == -1) local_temp("4.2.1", "unable to read ", fn, 0);
        if (r == 0) break;
        if (text->len + (size_t)r > DOTQMAIL_SIZEMAX) local_tempx("4.7.0", fn, " is too large", 0);
        if (!stralloc_catb(text, b, (size_t)r)) local_nomem();
    }
    close(fd);
    return (st.st_mode & S_IXUSR) != 0;
}

/* the instructions: the .qmail file, or defaultdelivery; returns how many */
static long
local_instructions(struct delivery *d, const char *defaultdelivery, stralloc *text)
{
    static stralloc fn;
    const char *why = "", *src;
    unsigned long lineno;
    char num[24];
    long n;
    int r;

    r = dotqmail_find(&fn, 0, d->dash, d->ext, &d->dpos);
    if (r == -1) local_temp("4.3.0", "unable to look for .qmail files", 0, 0);
    if (r == 0 && *d->dash)
        local_perm("5.1.1", "Sorry, no mailbox here by that name.", 0);
    src = "control/defaultdelivery";
    stralloc_zero(text);
    if (r == 1) { d->forwardonly = local_readqmail(fn.s, text); src = fn.s; }
    if (!text->len) {   /* no .qmail, or an empty one (0 bytes): the default */
        if (!stralloc_copys(text, defaultdelivery)) local_nomem();
        src = "control/defaultdelivery";
        d->forwardonly = 0;
    }
    n = dotqmail_parse(text->s, text->len, lines, DOTQMAIL_MAX, &why, &lineno);
    if (n == -1) {
        local_die(111, 0, "4.7.0", src, " line ", local_num(num, sizeof num, lineno), why);
    }
    return n;
}

/* the sender of forwards (qmail's rule): local-owner@domain when a file
   .qmail<dash><ext>-owner exists, so that bounces of a list go to its
   owner; else the sender. The null sender and #@[] stay as they are */
static void
local_newsender(struct delivery *d)
{
    static stralloc fn;

    if (!stralloc_copys(&d->newsender, d->sender)) local_nomem();
    if (*d->sender && !str_equal(d->sender, "#@[]")) {
        switch (dotqmail_exists(&fn, d->dash, d->ext, "-owner")) {
        case -1: local_temp("4.3.0", "unable to look for .qmail files", 0, 0);
        case 1:
            if (!stralloc_copys(&d->newsender, d->local) ||
                !stralloc_cats(&d->newsender, "-owner")) local_nomem();
            if (*d->domain && (!stralloc_append(&d->newsender, "@") ||
                               !stralloc_cats(&d->newsender, d->domain))) local_nomem();
        }
    }
    if (!stralloc_0(&d->newsender)) local_nomem();
    --d->newsender.len;
}

/* ---- the environment of |program lines ---- */

/* what follows the n-th dash of ext; "" when there is none (as qmail) */
static const char *
local_extn(const char *ext, int n)
{
    const char *s = ext;
    int i;

    for (i = 0; i < n; ++i) {
        s += str_chr(s, '-');
        if (*s) ++s;
    }
    return s;
}

/* HOST2..HOST4: the domain without its last n-1 dot-separated parts;
   when the dots run out, what is left (as qmail) */
static const char *
local_hostn(stralloc *sa, const char *host, int n)
{
    size_t len = str_len(host), k;
    int i;

    for (i = 1; i < n; ++i) {
        for (k = len; k && host[k - 1] != '.'; --k) ;
        if (k) len = k - 1;
    }
    if (!stralloc_copyb(sa, host, len) || !stralloc_0(sa)) return 0;
    return sa->s;
}

static int
local_setenv(const char *name, const char *value)
{
    return value ? setenv(name, value, 1) : unsetenv(name);
}

static int
local_env(const struct delivery *d)
{
    static stralloc def, h2, h3, h4;
    const char *host2 = local_hostn(&h2, d->domain, 2), *host3 = local_hostn(&h3, d->domain, 3),
               *host4 = local_hostn(&h4, d->domain, 4);

    if (!host2 || !host3 || !host4) return -1;
    if (d->dpos >= 0 && !stralloc_copys(&def, d->ext + d->dpos)) return -1;
    if (d->dpos >= 0 && !stralloc_0(&def)) return -1;
    return local_setenv("RECIPIENT", d->rcpt.s) | local_setenv("SENDER", d->sender) |
           local_setenv("NEWSENDER", d->newsender.s) |
           local_setenv("USER", d->user) | local_setenv("HOME", d->home) |
           local_setenv("HOST", d->domain) | local_setenv("HOST2", host2) |
           local_setenv("HOST3", host3) | local_setenv("HOST4", host4) |
           local_setenv("LOCAL", d->local) |
           local_setenv("EXT", d->ext) | local_setenv("EXT2", local_extn(d->ext, 1)) |
           local_setenv("EXT3", local_extn(d->ext, 2)) |
           local_setenv("EXT4", local_extn(d->ext, 3)) |
           local_setenv("DEFAULT", d->dpos >= 0 ? def.s : 0) |
           local_setenv("DTLINE", d->dtline.s) | local_setenv("RPLINE", d->rpline.s) |
           local_setenv("UFLINE", d->ufline.s);
}

/* ---- instructions ---- */

/* a program that runs longer than control/timeoutprogram seconds is
   killed with its process group: a hung program must not hold a local
   delivery slot for ever. The handler kills, so no alarm can be lost
   between a check and waitpid */
static volatile sig_atomic_t progpid, timedout;

static void
local_alarm(int s)
{
    (void)s;
    if (progpid > 0) { kill(-(pid_t)progpid, SIGKILL); kill((pid_t)progpid, SIGKILL); }
    timedout = 1;
}

static unsigned long
local_timeout(void)
{
    unsigned long t;

    switch (ctldefault_num_home(&t, "timeoutprogram")) {
    case -1: local_temp("4.3.0", "unable to read ", auto_home, "/control/timeoutprogram");
    case -2: local_tempx("4.3.0", auto_home, "/control/timeoutprogram is not a number", 0);
    }
    return t;
}

/* |command: 0 ok, 99 ok and stop, or exits 100/111 */
static int
local_program(const char *cmd)
{
    char *args[4], num[FMT_NUM];
    struct sigaction sa;
    unsigned long limit = local_timeout();
    pid_t pid;
    int ws, code;

    if (buffer_flush(buffer_1) == -1) _exit(111);
    timedout = 0;
    pid = fork();
    if (pid == -1) local_temp("4.3.0", "unable to fork", 0, 0);
    if (pid == 0) {
        setpgid(0, 0);
        if (lseek(0, 0, SEEK_SET) == -1) _exit(111);
        signal(SIGPIPE, SIG_DFL);
        args[0] = "sh"; args[1] = "-c"; args[2] = (char *)cmd; args[3] = 0;
        execv("/bin/sh", args);
        _exit(111);
    }
    setpgid(pid, pid);          /* both sides: whichever runs first */
    progpid = pid;
    byte_zero(&sa, sizeof sa);
    sa.sa_handler = local_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, 0);
    if (limit) alarm(limit > 100000000 ? 100000000 : (unsigned int)limit);
    while (waitpid(pid, &ws, 0) == -1)
        if (errno != EINTR) local_temp("4.3.0", "unable to wait for a program", 0, 0);
    alarm(0);
    progpid = 0;
    if (timedout && !WIFEXITED(ws))
        local_die(111, 0, "4.3.0", "program ran longer than ",
                  local_num(num, sizeof num, limit), " seconds (control/timeoutprogram)", cmd);
    if (!WIFEXITED(ws)) local_tempx("4.3.0", "program crashed: ", cmd, 0);
    code = WEXITSTATUS(ws);
    switch (code) {
    case 0: case 99: return code;
    case 100: case 64: case 65: case 70: case 76: case 77: case 78: case 112:
        local_perm("5.3.0", "program failed permanently: ", cmd);
    }
    local_tempx("4.3.0", "program failed temporarily: ", cmd, 0);
}

/* a Maildir with a kirim-quota file takes no message that would go past it */
static void
local_quota(const char *path, size_t prelen)
{
    struct stat st;

    if (fstat(0, &st) == -1) local_temp("4.3.0", "unable to stat the message", 0, 0);
    switch (mdquota_check(path, (unsigned long)st.st_size + prelen)) {
    case -1: local_temp("4.3.0", "unable to check the quota of Maildir ", path, 0);
    case 0: local_tempx("4.2.2", "mailbox full", 0, 0);
    }
}

static void
local_maildir(struct delivery *d, const char *path)
{
    static stralloc pre;
    const char *why = "";

    if (!stralloc_copy(&pre, &d->rpline) || !stralloc_cat(&pre, &d->dtline)) local_nomem();
    local_quota(path, pre.len);
    if (maildir_deliver(path, 0, pre.s, pre.len, &why) == -1)
        local_die(111, 1, "4.2.0", "Maildir ", path, 0, why);
}

static void
local_mbox(struct delivery *d, const char *path)
{
    static stralloc pre;
    const char *why = "";

    if (!stralloc_copy(&pre, &d->ufline) || !stralloc_cat(&pre, &d->rpline) ||
        !stralloc_cat(&pre, &d->dtline)) local_nomem();
    if (mbox_deliver(path, 0, pre.s, pre.len, &why) == -1)
        local_die(111, 1, "4.2.0", "mbox ", path, 0, why);
}

/* all forwards of the file in one new message, with our Delivered-To line */
static void
local_forward(struct delivery *d)
{
    struct qclient q;
    char b[8192];
    const char *res;
    ssize_t r;
    size_t i, n;
    int code;

    if (!d->nfwd) return;
    if (buffer_flush(buffer_1) == -1) _exit(111);
    if (lseek(0, 0, SEEK_SET) == -1) local_temp("4.3.0", "unable to rewind the message", 0, 0);
    if (qclient_open(&q) == -1) local_temp("4.3.0", "unable to run the queue to forward", 0, 0);
    qclient_put(&q, d->dtline.s, d->dtline.len);
    for (;;) {
        do r = read(0, b, sizeof b); while (r == -1 && errno == EINTR);
        if (r <= 0) break;
        qclient_put(&q, b, (size_t)r);
    }
    if (r == -1) q.err = 1;
    qclient_from(&q, d->newsender.s, d->newsender.len);
    for (i = 0; i < d->fwd.len; i += n + 1) {
        n = str_len(d->fwd.s + i);
        qclient_to(&q, d->fwd.s + i, n);
    }
    res = qclient_close(&q, &code);
    if (*res == 'D') local_perm("5.0.0", "forwarding failed: ", res + 1);
    if (*res) local_tempx("4.0.0", "forwarding failed: ", res + 1, 0);
}

static void
local_run(struct delivery *d, long n)
{
    static stralloc arg;
    long i;

    for (i = 0; i < n; ++i) {
        if (!stralloc_copyb(&arg, lines[i].arg, lines[i].len) || !stralloc_0(&arg)) local_nomem();
        if (d->forwardonly && lines[i].type == DQ_PROGRAM)
            local_tempx("4.7.0", "Uh-oh: .qmail has prog delivery but is forward-only (x bit or +list).", 0, 0);
        if (d->forwardonly && (lines[i].type == DQ_MAILDIR || lines[i].type == DQ_MBOX))
            local_tempx("4.7.0", "Uh-oh: .qmail has file delivery but is forward-only (x bit or +list).", 0, 0);
        switch (lines[i].type) {
        case DQ_PLUS:
            if (str_equal(arg.s, "list")) d->forwardonly = 1;
            break;
        case DQ_PROGRAM:
            ++d->nprog;
            if (local_program(arg.s) == 99) return;
            break;
        case DQ_FORWARD:
            if (!stralloc_cat(&d->fwd, &arg)) local_nomem();
            ++d->nfwd;
            break;
        case DQ_MAILDIR:
            local_maildir(d, arg.s);
            ++d->nbox;
            break;
        case DQ_MBOX:
            local_mbox(d, arg.s);
            ++d->nbox;
            break;
        }
    }
}

static void
local_report(const struct delivery *d)
{
    char n1[24], n2[24], n3[24];

    buffer_puts(buffer_1, "did ");
    buffer_puts(buffer_1, local_num(n1, sizeof n1, d->nbox));
    buffer_puts(buffer_1, "+");
    buffer_puts(buffer_1, local_num(n2, sizeof n2, d->nfwd));
    buffer_puts(buffer_1, "+");
    buffer_puts(buffer_1, local_num(n3, sizeof n3, d->nprog));
    buffer_puts(buffer_1, " (mailboxes+forwards+programs) for ");
    buffer_puts(buffer_1, d->rcpt.s);
    if (!d->nbox && !d->nfwd && !d->nprog) buffer_puts(buffer_1, ": no instructions, discarded");
    buffer_putsflush(buffer_1, "\n");
}

int
main(int argc, char **argv)
{
    static struct delivery d;
    static stralloc text;
    long n;

    progname = "mail-local";
    if (argc != 9) die_usage("mail-local user home local dash ext domain sender defaultdelivery");
    d.user = argv[1]; d.home = argv[2]; d.local = argv[3]; d.dash = argv[4];
    d.ext = argv[5]; d.domain = argv[6]; d.sender = argv[7];
    signal(SIGPIPE, SIG_IGN);
    umask(077);
    local_home();
    local_lines(&d);
    local_newsender(&d);
    if (local_env(&d) == -1) local_nomem();
    local_loopcheck(&d);
    n = local_instructions(&d, argv[8], &text);
    if (local_env(&d) == -1) local_nomem();     /* DEFAULT is known now */
    local_run(&d, n);
    local_forward(&d);
    local_report(&d);
    return 0;
}
