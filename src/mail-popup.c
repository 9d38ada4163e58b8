/* mail-popup: the POP3 authorization state; hands the login to a checkpassword program */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "case.h"
#include "fmt.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "ctldefault.h"
#include "die.h"
#include "pop3cmd.h"
#include "privs.h"
#include "timedio.h"

#define ERRMAX 20               /* bad commands before hanging up */
#define FAILMAX 3               /* refused logins before hanging up */
#define FAILDELAY 2             /* seconds before saying a login was refused */
#define RECMAX 1100             /* user NUL password NUL timestamp NUL */
#define ST_TEMP 0x7fff          /* "could not run the program" status */

static unsigned int timeout = 1200;
static char inbuf[1024];
static char outbuf[1024];
static buffer in = BUFFER_INIT(timedio_read, 0, inbuf, sizeof inbuf);
static buffer out = BUFFER_INIT(timedio_write, 1, outbuf, sizeof outbuf);
static char **checkargv;        /* checkpassword program and what it runs */
static int monitor_wr = -1, monitor_rd = -1;   /* to and from the root part */

struct session {
    const char *host;
    const char *ip;
    stralloc user;
    stralloc pass;
    stralloc stamp;
    unsigned long errors;
    unsigned int failures;
};

/* one log line on fd 2; user names are shown with odd bytes as '?' */
static void
logline(const stralloc *user, const char *ip, ...)
{
    const char *x;
    va_list ap;
    size_t i;
    char c;

    buffer_puts(buffer_2, "mail-popup: ");
    if (user) {
        buffer_puts(buffer_2, "user ");
        for (i = 0; i < user->len && i < 255; ++i) {
            c = user->s[i];
            if (c < 0x21 || c > 0x7e) c = '?';
            buffer_put(buffer_2, &c, 1);
        }
        buffer_puts(buffer_2, " ");
    }
    buffer_puts(buffer_2, "from ");
    buffer_puts(buffer_2, ip);
    buffer_puts(buffer_2, ": ");
    va_start(ap, ip);
    while ((x = va_arg(ap, const char *))) buffer_puts(buffer_2, x);
    va_end(ap);
    buffer_putsflush(buffer_2, "\n");
}

static void
bye(struct session *s, const char *why)
{
    logline(0, s->ip, why, (char *)0);
    _exit(0);
}

static void
reply(struct session *s, const char *str)
{
    if (buffer_puts(&out, str) == -1 || buffer_puts(&out, "\r\n") == -1
        || buffer_flush(&out) == -1)
        bye(s, errno == ETIMEDOUT ? "timeout writing" : "write failed");
}

static void
bad(struct session *s, const char *str)
{
    reply(s, str);
    if (++s->errors >= ERRMAX) {
        reply(s, "-ERR too many errors, closing connection");
        bye(s, "too many errors");
    }
}

/* Run the checkpassword program with the record on fd 3 and wait for
   it. Returns its exit code, 256 + signal when it crashed, ST_TEMP
   when it could not be started. */
static int
check_run(const char *rec, size_t len)
{
    struct sigaction sa, old;
    int p[2], wstat;
    size_t done = 0;
    ssize_t w;
    pid_t pid;

    if (pipe(p) == -1) return ST_TEMP;
    switch ((pid = fork())) {
    case -1:
        close(p[0]); close(p[1]);
        return ST_TEMP;
    case 0:
        close(p[1]);
        if (p[0] != 3) {
            if (dup2(p[0], 3) == -1) _exit(111);
            close(p[0]);
        }
        execvp(checkargv[0], checkargv);
        warn_sys("unable to run ", checkargv[0]);
        _exit(111);
    }
    close(p[0]);
    byte_zero(&sa, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old);
    while (done < len) {     /* a program that reads less is its business */
        w = write(p[1], rec + done, len - done);
        if (w == -1) { if (errno == EINTR) continue; break; }
        done += (size_t)w;
    }
    close(p[1]);
    while (waitpid(pid, &wstat, 0) == -1)
        if (errno != EINTR) return ST_TEMP;
    if (WIFSIGNALED(wstat)) return 256 + WTERMSIG(wstat);
    return WEXITSTATUS(wstat);
}

/* the root part: runs the checkpassword program for its unprivileged
   child, which speaks to the network; never reads the network itself */
static void
monitor(pid_t child)
{
    char rec[RECMAX];
    size_t len;
    ssize_t r;
    int st, nul;
    size_t i;

    for (;;) {
        for (len = 0, nul = 0; nul < 3; len += (size_t)r) {
            if (len >= sizeof rec) _exit(111);
            r = read(monitor_rd, rec + len, sizeof rec - len);
            if (r == -1 && errno == EINTR) { r = 0; continue; }
            if (r <= 0) goto done;
            for (i = 0; i < (size_t)r; ++i) nul += !rec[len + i];
        }
        if (nul != 3 || rec[len - 1]) _exit(111);
        st = check_run(rec, len);
        byte_zero(rec, sizeof rec);
        if (write(monitor_wr, &st, sizeof st) != sizeof st) break;
        if (st == 0) break;
    }
done:
    close(monitor_wr);
    close(monitor_rd);
    while (waitpid(child, &st, 0) == -1 && errno == EINTR) ;
    _exit(0);
}

/* the unprivileged side of check_run: through the root part if any */
static int
check(const char *rec, size_t len)
{
    ssize_t r;
    int st;

    if (monitor_wr == -1) return check_run(rec, len);
    if (write(monitor_wr, rec, len) != (ssize_t)len) return ST_TEMP;
    do r = read(monitor_rd, &st, sizeof st); while (r == -1 && errno == EINTR);
    return r == sizeof st ? st : ST_TEMP;
}

static void
login(struct session *s)
{
    static stralloc rec;
    char num[FMT_ULONG] = { 0 };
    int st;

    if (!stralloc_copy(&rec, &s->user) || !stralloc_0(&rec)
        || !stralloc_cat(&rec, &s->pass) || !stralloc_0(&rec)
        || !stralloc_cat(&rec, &s->stamp) || !stralloc_0(&rec)) die_nomem();
    byte_zero(s->pass.s, s->pass.len);
    s->pass.len = 0;
    if (buffer_flush(&out) == -1) bye(s, "write failed");
    st = check(rec.s, rec.len);
    byte_zero(rec.s, rec.len);
    if (st == 0) {
        logline(&s->user, s->ip, "session ended", (char *)0);
        _exit(0);
    }
    if (st == 1) {
        ++s->failures;
        logline(&s->user, s->ip, "login refused", (char *)0);
        sleep(FAILDELAY);
        if (s->failures >= FAILMAX) {
            reply(s, "-ERR [AUTH] authentication failed, closing connection");
            bye(s, "too many failed logins");
        }
        reply(s, "-ERR [AUTH] authentication failed");
        s->user.len = 0;
        return;
    }
    num[fmt_ulong(num, (unsigned long)st)] = 0;
    logline(&s->user, s->ip, "temporary failure: checkpassword status ",
            st == ST_TEMP ? "(not started)" : num, (char *)0);
    reply(s, "-ERR [SYS/TEMP] temporary failure, try again later");
    _exit(0);
}

static void
pop_user(struct session *s, const char *arg, size_t len)
{
    if (!len || len > 255) { bad(s, "-ERR usage: USER name"); return; }
    if (!stralloc_copyb(&s->user, arg, len)) die_nomem();
    reply(s, "+OK");
}

static void
pop_pass(struct session *s, const char *arg, size_t len)
{
    if (!s->user.len) { bad(s, "-ERR USER first"); return; }
    if (!len || len > 255) { bad(s, "-ERR usage: PASS password"); return; }
    if (!stralloc_copyb(&s->pass, arg, len)) die_nomem();
    login(s);
}

/* AUTH PLAIN, with the response on the line or after "+ " (RFC 5034) */
static void
pop_auth(struct session *s, const char *arg, size_t len)
{
    static stralloc line;
    const char *w[2];
    size_t wl[2], n = pop3cmd_words(arg, len, w, wl, 2);
    int r;

    if (n == 0) { reply(s, "+OK\r\nPLAIN\r\n."); return; }
    if (n > 2 || wl[0] != 5 || case_diffb(w[0], 5, "PLAIN")) {
        bad(s, "-ERR unsupported authentication mechanism");
        return;
    }
    if (n == 1) {
        reply(s, "+ ");
        r = pop3cmd_getline(&in, &line, POP3CMD_LINEMAX);
        if (r == 0) bye(s, "connection closed");
        if (r == -1) bye(s, errno == ETIMEDOUT ? "timeout reading" : "read error");
        if (r == -2) { bad(s, "-ERR line too long"); return; }
        if (line.len == 1 && line.s[0] == '*') { bad(s, "-ERR authentication cancelled"); return; }
        w[1] = line.s;
        wl[1] = line.len;
    }
    if (wl[1] == 1 && w[1][0] == '=') { bad(s, "-ERR [AUTH] authentication failed"); return; }
    r = pop3cmd_plain(w[1], wl[1], &s->user, &s->pass);
    if (r == -1) die_nomem();
    if (r == 0) { s->user.len = 0; bad(s, "-ERR invalid PLAIN response"); return; }
    login(s);
}

static void
pop_capa(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    reply(s, "+OK capability list follows\r\nUSER\r\nSASL PLAIN\r\nRESP-CODES\r\n"
             "AUTH-RESP-CODE\r\nTOP\r\nUIDL\r\nIMPLEMENTATION kirim\r\n.");
}

static void
pop_quit(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    reply(s, "+OK bye");
    bye(s, "quit before login");
}

static void
pop_notyet(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    bad(s, "-ERR log in first");
}

static void
pop_apop(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    bad(s, "-ERR APOP is not supported");
}

static const struct command {
    const char *verb;
    void (*run)(struct session *, const char *, size_t);
} commands[] = {
    { "USER", pop_user }, { "PASS", pop_pass }, { "AUTH", pop_auth },
    { "CAPA", pop_capa }, { "QUIT", pop_quit }, { "APOP", pop_apop },
    { "STAT", pop_notyet }, { "LIST", pop_notyet }, { "RETR", pop_notyet },
    { "DELE", pop_notyet }, { "NOOP", pop_notyet }, { "RSET", pop_notyet },
    { "TOP", pop_notyet }, { "UIDL", pop_notyet },
    { 0, 0 },
};

static void
loop(struct session *s)
{
    static stralloc line;
    const struct command *c;
    struct pop3cmd cmd;
    int r;

    for (;;) {
        r = pop3cmd_getline(&in, &line, POP3CMD_LINEMAX);
        if (r == 0) bye(s, "connection closed");
        if (r == -1) bye(s, errno == ETIMEDOUT ? "timeout reading" : "read error");
        if (r == -2) { bad(s, "-ERR line too long"); continue; }
        r = pop3cmd_parse(line.s, line.len, &cmd);
        if (r == -1) { bad(s, "-ERR NUL in command"); continue; }
        for (c = commands; r == 1 && c->verb && !str_equal(c->verb, cmd.verb); ++c) ;
        if (r == 0 || !c->verb) { bad(s, "-ERR unknown command"); continue; }
        c->run(s, cmd.arg, cmd.arglen);
    }
}

/* "<pid.time@host>", as qmail-popup makes it, for checkpassword's fd 3 */
static void
make_stamp(struct session *s)
{
    char num[FMT_ULONG] = { 0 };
    size_t n;

    n = fmt_ulong(num, (unsigned long)getpid());
    if (!stralloc_copys(&s->stamp, "<") || !stralloc_catb(&s->stamp, num, n))
        die_nomem();
    n = fmt_ulong(num, (unsigned long)time(0));
    if (!stralloc_append(&s->stamp, ".") || !stralloc_catb(&s->stamp, num, n)
        || !stralloc_append(&s->stamp, "@") || !stralloc_cats(&s->stamp, s->host)
        || !stralloc_append(&s->stamp, ">")) die_nomem();
}

/* as root: split into the root monitor (this process) and a child that
   becomes kirimd and speaks POP3; returns in the child */
static void
split(void)
{
    struct passwd *pw = getpwnam(auto_users[U_DAEMON]);
    int up[2], down[2];
    pid_t pid;

    if (!pw) die_tempx("unknown user ", auto_users[U_DAEMON]);
    if (pipe(up) == -1 || pipe(down) == -1) die_temp("unable to create a pipe");
    fcntl(up[0], F_SETFD, FD_CLOEXEC);
    fcntl(down[1], F_SETFD, FD_CLOEXEC);
    switch ((pid = fork())) {
    case -1:
        die_temp("unable to fork");
    case 0:
        close(up[0]);
        close(down[1]);
        monitor_wr = up[1];
        monitor_rd = down[0];
        if (!privs_become(pw->pw_uid, pw->pw_gid))
            die_temp("unable to become ", auto_users[U_DAEMON]);
        return;
    }
    close(up[1]);
    close(down[0]);
    monitor_rd = up[0];
    monitor_wr = down[1];
    monitor(pid);
}

int
main(int argc, char **argv)
{
    static struct session s;
    unsigned long u;

    progname = "mail-popup";
    if (argc < 4 || !*argv[1])
        die_usage("mail-popup hostname checkpassword program [arg ...]");
    s.host = argv[1];
    checkargv = argv + 2;
    signal(SIGPIPE, SIG_IGN);
    s.ip = getenv("TCPREMOTEIP");
    if (!s.ip) s.ip = "unknown";
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    switch (ctldefault_num(&u, "timeoutpop3d")) {
    case -1: die_temp("unable to read control/timeoutpop3d");
    case -2: die_tempx("control/timeoutpop3d is not a number");
    }
    timeout = u < 1 ? 1 : u > 86400 ? 86400 : (unsigned int)u;
    in.cookie = out.cookie = &timeout;
    if (getuid() == 0) split();
    make_stamp(&s);
    if (buffer_puts(&out, "+OK ") == -1 || buffer_puts(&out, s.host) == -1)
        bye(&s, "write failed");
    reply(&s, " POP3 server ready");
    loop(&s);
    return 0;
}
