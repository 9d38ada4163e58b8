/* mail-popup: the POP3 authorization state; hands the login to a checkpassword program */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/socket.h>
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
#include "sasl.h"
#include "privs.h"
#include "timedio.h"
#include "tls.h"

#define ERRMAX 20               /* bad commands before hanging up */
#define FAILMAX 3               /* refused logins before hanging up */
#define FAILDELAY 2             /* seconds before saying a login was refused */
#define RECMAX 1100             /* flag, user NUL password NUL timestamp NUL */
#define RELAYBUF 16384          /* a whole TLS record's plaintext at most */
#define ST_TEMP 0x7fff          /* "could not run the program" status */

static unsigned int timeout = 1200;
static char inbuf[RELAYBUF];     /* one tls_read drains a record (relay) */
static char outbuf[1024];
static buffer in = BUFFER_INIT(timedio_read, 0, inbuf, sizeof inbuf);
static buffer out = BUFFER_INIT(timedio_write, 1, outbuf, sizeof outbuf);
static char **checkargv;        /* checkpassword program and what it runs */
static int monitor_wr = -1, monitor_rd = -1;   /* to and from the root part */
static int sp[2] = { -1, -1 };  /* the session program's end, and ours (TLS) */

struct session {
    const char *host;
    const char *ip;
    stralloc user;
    stralloc pass;
    stralloc stamp;
    unsigned long errors;
    unsigned int failures;
    int tls;                    /* TLS is on */
    int cleartext;              /* control/pop3cleartext: login without TLS */
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
   it; with tls, its fds 0 and 1 are our socket to the TLS relay.
   Returns its exit code, 256 + signal when it crashed, ST_TEMP when it
   could not be started. */
static int
check_run(const char *rec, size_t len, int tls)
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
        if (tls && (dup2(sp[0], 0) == -1 || dup2(sp[0], 1) == -1)) _exit(111);
        close(sp[0]);
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

/* the privileged part: runs the checkpassword program for its child,
   which speaks to the network; it never reads the network itself */
static void
monitor(pid_t child)
{
    char rec[RECMAX], junk[512];
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
        if (nul != 3 || rec[len - 1] || len < 4) _exit(111);
        /* bytes a client sent early must not reach this session program */
        while (recv(sp[0], junk, sizeof junk, MSG_DONTWAIT) > 0) ;
        st = check_run(rec + 1, len - 1, rec[0] == 'T');
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

static int
writeall(int fd, const char *b, size_t n)
{
    ssize_t w;

    while (n) {
        w = write(fd, b, n);
        if (w == -1) { if (errno == EINTR) continue; return -1; }
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* the verdict from the monitor */
static int
verdict(void)
{
    ssize_t r;
    int st;

    do r = read(monitor_rd, &st, sizeof st); while (r == -1 && errno == EINTR);
    return r == sizeof st ? st : ST_TEMP;
}

/* While the session program runs behind TLS: client -> sp[1] -> program
   and back, until the monitor reports that it ended. Bytes already
   decrypted into the input buffer go first; every tls_read drains a
   whole record, so poll() on fd 0 sees all that is pending. */
static int
relay(void)
{
    static char buf[RELAYBUF];
    struct pollfd p[3];
    int clientopen = 1, progopen = 1;
    ssize_t r;

    if (in.n > in.p && writeall(sp[1], in.x + in.p, in.n - in.p) == -1) clientopen = 0;
    in.p = in.n;
    for (;;) {
        p[0].fd = monitor_rd; p[0].events = POLLIN;
        p[1].fd = progopen ? sp[1] : -1; p[1].events = POLLIN;
        p[2].fd = clientopen ? 0 : -1; p[2].events = POLLIN;
        if (poll(p, 3, -1) == -1) { if (errno == EINTR) continue; return ST_TEMP; }
        if (p[1].revents) {
            r = read(sp[1], buf, sizeof buf);
            if (r <= 0) progopen = 0;
            else if (tls_write(1, buf, (size_t)r) == -1) {
                clientopen = progopen = 0;
                shutdown(sp[1], SHUT_RDWR);
            }
        }
        if (p[2].revents) {
            r = tls_read(0, buf, sizeof buf);
            if (r <= 0 || writeall(sp[1], buf, (size_t)r) == -1) {
                clientopen = 0;
                shutdown(sp[1], SHUT_WR);   /* the program reads end of input */
            }
        }
        if (p[0].revents) break;
    }
    r = verdict();
    while (clientopen && progopen) {   /* what the program wrote before it ended */
        ssize_t n = recv(sp[1], buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0 || tls_write(1, buf, (size_t)n) == -1) break;
    }
    return (int)r;
}

/* the check, through the monitor; with TLS, relaying meanwhile */
static int
check(struct session *s, const char *rec, size_t len)
{
    if (writeall(monitor_wr, s->tls ? "T" : "P", 1) == -1
        || writeall(monitor_wr, rec, len) == -1) return ST_TEMP;
    return s->tls ? relay() : verdict();
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
    st = check(s, rec.s, rec.len);
    byte_zero(rec.s, rec.len);
    if (st == 0) {
        logline(&s->user, s->ip, "session ended", (char *)0);
        if (s->tls) tls_close();
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

/* 1 when a login may happen now: over TLS, or allowed in clear */
static int
may_login(struct session *s)
{
    if (s->tls || s->cleartext) return 1;
    bad(s, "-ERR [AUTH] log in after STLS (login without TLS is disabled)");
    return 0;
}

static void
pop_user(struct session *s, const char *arg, size_t len)
{
    if (!may_login(s)) return;
    if (!len || len > 255) { bad(s, "-ERR usage: USER name"); return; }
    if (!stralloc_copyb(&s->user, arg, len)) die_nomem();
    reply(s, "+OK");
}

static void
pop_pass(struct session *s, const char *arg, size_t len)
{
    if (!may_login(s)) return;
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

    if (!may_login(s)) return;
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
    r = sasl_plain(w[1], wl[1], &s->user, &s->pass);
    if (r == -1) die_nomem();
    if (r == 0 || !sasl_creds(&s->user, &s->pass)) {
        byte_zero(s->pass.s, s->pass.len);
        s->user.len = s->pass.len = 0;
        bad(s, "-ERR invalid PLAIN response");
        return;
    }
    login(s);
}

static void
pop_capa(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    if (buffer_puts(&out, "+OK capability list follows\r\n") == -1
        || (!s->tls && buffer_puts(&out, "STLS\r\n") == -1)
        || ((s->tls || s->cleartext) && buffer_puts(&out, "USER\r\nSASL PLAIN\r\n") == -1))
        bye(s, "write failed");
    reply(s, "RESP-CODES\r\nAUTH-RESP-CODE\r\nTOP\r\nUIDL\r\nIMPLEMENTATION kirim\r\n.");
}

/* TLS on fds 0 and 1; whatever the client sent before is dropped */
static void
tls_start(struct session *s)
{
    struct tls_info ti;
    const char *why;

    if (tls_server(0, 1, timeout, &why) == -1) {
        logline(0, s->ip, "TLS handshake failed: ", why, (char *)0);
        _exit(0);
    }
    buffer_init(&in, tls_read, 0, inbuf, sizeof inbuf);
    buffer_init(&out, tls_write, 1, outbuf, sizeof outbuf);
    s->tls = 1;
    s->user.len = 0;
    tls_info(&ti);
    logline(0, s->ip, "TLS started: ", ti.version, " ", ti.cipher, (char *)0);
}

/* the certificate is loaded before the +OK, so that trouble gets an -ERR */
static int
tls_load(struct session *s)
{
    const char *why;

    if (tls_server_init("control/servercert.pem", &why) == 0) return 1;
    logline(0, s->ip, "TLS not available: ", why, (char *)0);
    return 0;
}

/* STLS (RFC 2595) */
static void
pop_stls(struct session *s, const char *arg, size_t len)
{
    (void)arg;
    if (s->tls) { bad(s, "-ERR TLS is already on"); return; }
    if (len) { bad(s, "-ERR STLS takes no argument"); return; }
    if (!tls_load(s)) { reply(s, "-ERR [SYS/TEMP] TLS is not available"); return; }
    reply(s, "+OK begin TLS negotiation");
    tls_start(s);
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
    { "STLS", pop_stls },
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

/* split into the monitor (this process) and a child that speaks POP3,
   as kirimd when we are root; returns in the child */
static void
split(void)
{
    struct passwd *pw = 0;
    int up[2], down[2];
    pid_t pid;

    if (getuid() == 0 && !(pw = getpwnam(auto_users[U_DAEMON])))
        die_tempx("unknown user ", auto_users[U_DAEMON]);
    if (pipe(up) == -1 || pipe(down) == -1) die_temp("unable to create a pipe");
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1) die_temp("unable to create a socket pair");
    fcntl(up[0], F_SETFD, FD_CLOEXEC);
    fcntl(down[1], F_SETFD, FD_CLOEXEC);
    fcntl(sp[1], F_SETFD, FD_CLOEXEC);
    switch ((pid = fork())) {
    case -1:
        die_temp("unable to fork");
    case 0:
        close(up[0]);
        close(down[1]);
        close(sp[0]);
        monitor_wr = up[1];
        monitor_rd = down[0];
        if (pw && !privs_become(pw->pw_uid, pw->pw_gid))
            die_temp("unable to become ", auto_users[U_DAEMON]);
        return;
    }
    close(up[1]);
    close(down[0]);
    close(sp[1]);
    fcntl(sp[0], F_SETFD, FD_CLOEXEC);
    monitor_rd = up[0];
    monitor_wr = down[1];
    monitor(pid);
}

int
main(int argc, char **argv)
{
    static struct session s;
    unsigned long u;
    int implicit = 0;

    progname = "mail-popup";
    if (argc > 1 && str_equal(argv[1], "-t")) { implicit = 1; --argc; ++argv; }
    if (argc < 4 || !*argv[1] || *argv[1] == '-')
        die_usage("mail-popup [-t] hostname checkpassword program [arg ...]");
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
    switch (ctldefault_num(&u, "pop3cleartext")) {
    case -1: die_temp("unable to read control/pop3cleartext");
    case -2: die_tempx("control/pop3cleartext is not a number");
    }
    s.cleartext = u != 0;
    in.cookie = out.cookie = &timeout;
    split();
    if (implicit) {
        if (!tls_load(&s)) _exit(0);
        tls_start(&s);
    }
    make_stamp(&s);
    if (buffer_puts(&out, "+OK ") == -1 || buffer_puts(&out, s.host) == -1)
        bye(&s, "write failed");
    reply(&s, " POP3 server ready");
    loop(&s);
    return 0;
}
