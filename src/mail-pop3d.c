/* mail-pop3d: POP3 transaction and update states on a Maildir, as the mailbox owner */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "buffer.h"
#include "fmt.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "ctldefault.h"
#include "die.h"
#include "dotstuff.h"
#include "pop3box.h"
#include "pop3cmd.h"
#include "timedio.h"

#define ERRMAX 20               /* bad commands before hanging up */

static unsigned int timeout = 1200;
static char inbuf[1024];
static char outbuf[8192];
static buffer in = BUFFER_INIT(timedio_read, 0, inbuf, sizeof inbuf);
static buffer out = BUFFER_INIT(timedio_write, 1, outbuf, sizeof outbuf);

struct session {
    struct pop3box box;
    const char *user;
    unsigned long errors;
    unsigned long retrieved;
    int quit;
};

/* one log line on fd 2: "mail-pop3d: user NAME: ..." (no password ever) */
static void
logline(const char *user, ...)
{
    const char *x;
    va_list ap;

    buffer_puts(buffer_2, "mail-pop3d: user ");
    buffer_puts(buffer_2, user);
    buffer_puts(buffer_2, ": ");
    va_start(ap, user);
    while ((x = va_arg(ap, const char *))) buffer_puts(buffer_2, x);
    va_end(ap);
    buffer_putsflush(buffer_2, "\n");
}

/* a session that ends without QUIT: the Maildir stays as it is */
static void
drop(struct session *s, const char *why)
{
    logline(s->user, why, ", no message removed", (char *)0);
    _exit(0);
}

static void
put(struct session *s, const char *str)
{
    if (buffer_puts(&out, str) == -1) drop(s, "write failed");
}

static void
putnum(struct session *s, unsigned long long u)
{
    char num[FMT_ULONG] = { 0 };
    size_t n;

    /* sizes beyond unsigned long are capped: no 32-bit host serves them */
    n = fmt_ulong(num, u > (unsigned long)-1 ? (unsigned long)-1 : (unsigned long)u);
    if (buffer_put(&out, num, n) == -1) drop(s, "write failed");
}

static void
flush(struct session *s)
{
    if (buffer_flush(&out) == -1)
        drop(s, errno == ETIMEDOUT ? "timeout writing" : "write failed");
}

static void
reply(struct session *s, const char *str)
{
    put(s, str);
    put(s, "\r\n");
    flush(s);
}

static void
bad(struct session *s, const char *str)
{
    reply(s, str);
    if (++s->errors >= ERRMAX) {
        reply(s, "-ERR too many errors, closing connection");
        drop(s, "too many errors");
    }
}

/* the message a one-number argument names, or -1 after an -ERR */
static long
msgarg(struct session *s, const char *arg, size_t len)
{
    unsigned long n;

    if (!pop3cmd_num(arg, len, &n)) { bad(s, "-ERR a message number is needed"); return -1; }
    if (n < 1 || n > s->box.n || s->box.m[n - 1].deleted) {
        reply(s, "-ERR no such message");
        return -1;
    }
    return (long)(n - 1);
}

static void
totals(struct session *s, unsigned long *count, unsigned long long *size)
{
    unsigned long i;

    *count = 0;
    *size = 0;
    for (i = 0; i < s->box.n; ++i)
        if (!s->box.m[i].deleted) { ++*count; *size += s->box.m[i].size; }
}

static void
pop_stat(struct session *s, const char *arg, size_t len)
{
    unsigned long count;
    unsigned long long size;

    (void)arg;
    if (len) { bad(s, "-ERR STAT takes no argument"); return; }
    totals(s, &count, &size);
    put(s, "+OK ");
    putnum(s, count);
    put(s, " ");
    putnum(s, size);
    reply(s, "");
}

/* one line of LIST (size) or UIDL (unique name) for message i */
static void
listline(struct session *s, unsigned long i, int uidl)
{
    static stralloc uid;
    const char *name = pop3box_path(&s->box, i) + 4;

    putnum(s, i + 1);
    put(s, " ");
    if (uidl) {
        if (!pop3box_uid(&uid, name, str_len(name))) die_nomem();
        if (buffer_put(&out, uid.s, uid.len) == -1) drop(s, "write failed");
    } else putnum(s, s->box.m[i].size);
}

static void
list_or_uidl(struct session *s, const char *arg, size_t len, int uidl)
{
    unsigned long i;
    long k;

    if (len) {
        if ((k = msgarg(s, arg, len)) < 0) return;
        put(s, "+OK ");
        listline(s, (unsigned long)k, uidl);
        reply(s, "");
        return;
    }
    put(s, uidl ? "+OK unique-id listing follows\r\n" : "+OK scan listing follows\r\n");
    for (i = 0; i < s->box.n; ++i) {
        if (s->box.m[i].deleted) continue;
        listline(s, i, uidl);
        put(s, "\r\n");
    }
    reply(s, ".");
}

static void pop_list(struct session *s, const char *a, size_t l) { list_or_uidl(s, a, l, 0); }
static void pop_uidl(struct session *s, const char *a, size_t l) { list_or_uidl(s, a, l, 1); }

/* RETR and TOP: the file, streamed through the dot-stuffing writer */
static void
send_message(struct session *s, unsigned long i, int limited, unsigned long lines)
{
    struct dotstuff d;
    char buf[8192];
    ssize_t r;
    int fd;

    fd = open(pop3box_path(&s->box, i), O_RDONLY | O_NOFOLLOW);
    if (fd == -1) {
        warn_sys("user ", s->user, ": unable to open ", pop3box_path(&s->box, i));
        reply(s, errno == ENOENT ? "-ERR [SYS/TEMP] message has vanished"
                                 : "-ERR [SYS/TEMP] unable to read message");
        return;
    }
    put(s, "+OK ");
    putnum(s, s->box.m[i].size);
    put(s, " octets\r\n");
    dotstuff_init(&d, limited, lines);
    while (!d.done && (r = read(fd, buf, sizeof buf)) != 0) {
        if (r == -1) {
            if (errno == EINTR) continue;
            /* the client would take a partial message for the whole */
            warn_sys("user ", s->user, ": unable to read ", pop3box_path(&s->box, i));
            drop(s, "read error in the middle of a message");
        }
        if (dotstuff_put(&d, &out, buf, (size_t)r) == -1) drop(s, "write failed");
    }
    close(fd);
    if (dotstuff_end(&d, &out) == -1) drop(s, "write failed");
    flush(s);
    if (!limited) ++s->retrieved;
}

static void
pop_retr(struct session *s, const char *arg, size_t len)
{
    long k = msgarg(s, arg, len);

    if (k >= 0) send_message(s, (unsigned long)k, 0, 0);
}

static void
pop_top(struct session *s, const char *arg, size_t len)
{
    const char *w[2];
    size_t wl[2];
    unsigned long lines;
    long k;

    if (pop3cmd_words(arg, len, w, wl, 2) != 2 || !pop3cmd_num(w[1], wl[1], &lines)) {
        bad(s, "-ERR usage: TOP message lines");
        return;
    }
    if ((k = msgarg(s, w[0], wl[0])) >= 0) send_message(s, (unsigned long)k, 1, lines);
}

static void
pop_dele(struct session *s, const char *arg, size_t len)
{
    long k = msgarg(s, arg, len);

    if (k < 0) return;
    s->box.m[k].deleted = 1;
    reply(s, "+OK message deleted");
}

static void
pop_rset(struct session *s, const char *arg, size_t len)
{
    unsigned long i;

    (void)arg; (void)len;
    for (i = 0; i < s->box.n; ++i) s->box.m[i].deleted = 0;
    reply(s, "+OK");
}

static void
pop_noop(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    reply(s, "+OK");
}

static void
pop_capa(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    reply(s, "+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
             "IMPLEMENTATION kirim\r\n.");
}

/* UPDATE state: remove what was deleted, then say goodbye */
static void
pop_quit(struct session *s, const char *arg, size_t len)
{
    unsigned long i, ndel = 0, failed;
    char num[3][FMT_ULONG] = { { 0 } };

    (void)arg; (void)len;
    for (i = 0; i < s->box.n; ++i) ndel += s->box.m[i].deleted;
    failed = pop3box_update(&s->box);
    num[0][fmt_ulong(num[0], s->retrieved)] = 0;
    num[1][fmt_ulong(num[1], ndel - failed)] = 0;
    num[2][fmt_ulong(num[2], s->box.n)] = 0;
    logline(s->user, "quit, ", num[0], " retrieved, ", num[1], " removed, of ",
            num[2], (char *)0);
    if (failed) reply(s, "-ERR [SYS/TEMP] some deleted messages were not removed");
    else reply(s, "+OK bye");
    s->quit = 1;
}

static void
pop_wrongstate(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    bad(s, "-ERR already authenticated");
}

static const struct command {
    const char *verb;
    void (*run)(struct session *, const char *, size_t);
} commands[] = {
    { "STAT", pop_stat }, { "LIST", pop_list }, { "UIDL", pop_uidl },
    { "RETR", pop_retr }, { "TOP", pop_top }, { "DELE", pop_dele },
    { "RSET", pop_rset }, { "NOOP", pop_noop }, { "CAPA", pop_capa },
    { "QUIT", pop_quit }, { "USER", pop_wrongstate }, { "PASS", pop_wrongstate },
    { "APOP", pop_wrongstate }, { "AUTH", pop_wrongstate }, { "STLS", pop_wrongstate },
    { 0, 0 },
};

static void
loop(struct session *s)
{
    static stralloc line;
    const struct command *c;
    struct pop3cmd cmd;
    int r;

    while (!s->quit) {
        r = pop3cmd_getline(&in, &line, POP3CMD_LINEMAX);
        if (r == 0) drop(s, "connection closed");
        if (r == -1) drop(s, errno == ETIMEDOUT ? "timeout reading" : "read error");
        if (r == -2) { bad(s, "-ERR line too long"); continue; }
        r = pop3cmd_parse(line.s, line.len, &cmd);
        if (r == -1) { bad(s, "-ERR NUL in command"); continue; }
        if (r == 0) { bad(s, "-ERR unknown command"); continue; }
        for (c = commands; c->verb && !str_equal(c->verb, cmd.verb); ++c) ;
        if (!c->verb) { bad(s, "-ERR unknown command"); continue; }
        c->run(s, cmd.arg, cmd.arglen);
    }
}

/* control/timeoutpop3d, read from conf-home without leaving the mailbox */
static void
read_timeout(void)
{
    unsigned long u;
    int here = open(".", O_RDONLY | O_DIRECTORY);

    if (here == -1) die_temp("unable to open the current directory");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    switch (ctldefault_num(&u, "timeoutpop3d")) {
    case -1: die_temp("unable to read control/timeoutpop3d");
    case -2: die_tempx("control/timeoutpop3d is not a number");
    }
    if (fchdir(here) == -1) die_temp("unable to go back to the home directory");
    close(here);
    timeout = u < 1 ? 1 : u > 86400 ? 86400 : (unsigned int)u;
}

int
main(int argc, char **argv)
{
    static struct session s;
    const char *maildir = argc > 1 ? argv[1] : "./Maildir/";
    unsigned long count;
    unsigned long long size;

    progname = "mail-pop3d";
    if (argc > 2) die_usage("mail-pop3d [maildir]");
    signal(SIGPIPE, SIG_IGN);
    s.user = getenv("USER");
    if (!s.user || !*s.user) s.user = "(unknown)";
    read_timeout();
    in.cookie = out.cookie = &timeout;
    if (chdir(maildir) == -1) die_temp("user ", s.user, ": unable to chdir to ", maildir);
    if (pop3box_open(&s.box) == -1) die_temp("user ", s.user, ": unable to read ", maildir);
    if (s.box.skipped) logline(s.user, "more messages than listed, the rest wait", (char *)0);
    logline(s.user, "login", (char *)0);
    totals(&s, &count, &size);
    put(&s, "+OK ");
    putnum(&s, count);
    put(&s, " messages (");
    putnum(&s, size);
    reply(&s, " octets)");
    loop(&s);
    return 0;
}
