/* mail-inject: read a message on stdin, fix its header, hand it to the queue */
#include <errno.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "scan.h"
#include "str.h"
#include "stralloc.h"
#include "addrlist.h"
#include "auto.h"
#include "control.h"
#include "ctldefault.h"
#include "die.h"
#include "headerfix.h"
#include "qclient.h"

#define USAGE "mail-inject [-n] [-a|-h|-t] [-f sender] [-F fullname] [address ...]"
#define HEADERMAX 1048576   /* bytes of header held in memory, at most */
#define CHUNK 65536

/* where recipients come from; 0: the arguments if any, else the header */
#define FROM_ARGS 'a'
#define FROM_HEADER 'h'
#define FROM_BOTH 't'

struct opts {
    int print;              /* -n */
    int mode;               /* 0, FROM_ARGS, FROM_HEADER, FROM_BOTH */
    const char *sender;     /* -f; 0: not given */
    const char *fullname;   /* -F; 0: not given */
    char **addrs;           /* the address arguments, null-ended */
};

struct config {
    stralloc defaulthost, defaultdomain, plusdomain, idhost;
};

static const char *
optvalue(char *rest, char **argv, int *i)
{
    if (*rest) return rest;
    if (!argv[*i + 1]) die_usage(USAGE);
    return argv[++*i];
}

static void
opts_parse(struct opts *o, int argc, char **argv)
{
    int i;
    char *a;

    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
        if (str_equal(argv[i], "--")) { ++i; break; }
        for (a = argv[i] + 1; *a; ++a) {
            if (*a == 'n') o->print = 1;
            else if (*a == 'a' || *a == 'h' || *a == 't') o->mode = *a;
            else if (*a == 'f') { o->sender = optvalue(a + 1, argv, &i); break; }
            else if (*a == 'F') { o->fullname = optvalue(a + 1, argv, &i); break; }
            else die_usage(USAGE);
        }
    }
    o->addrs = argv + i;
    if (o->mode == FROM_HEADER && *o->addrs)
        die_perm("-h takes recipients from the header only, not from arguments");
}

/* control/name, unless the environment variable var (qmail-inject's
   name for it) is set and not empty */
static void
config_line(stralloc *sa, const char *name, const char *var)
{
    const char *v = getenv(var);

    if (v && *v) {
        if (!stralloc_copys(sa, v)) die_nomem();
    } else if (ctldefault_line(sa, name) == -1)
        die_temp("unable to read ", auto_home, "/control/", name);
    if (!stralloc_0(sa)) die_nomem();
}

static void
config_read(struct config *c)
{
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    config_line(&c->defaulthost, "defaulthost", "QMAILDEFAULTHOST");
    config_line(&c->defaultdomain, "defaultdomain", "QMAILDEFAULTDOMAIN");
    config_line(&c->plusdomain, "plusdomain", "QMAILPLUSDOMAIN");
    config_line(&c->idhost, "idhost", "QMAILIDHOST");
}

static const char *
env_first(const char *a, const char *b, const char *c)
{
    const char *v;

    if ((v = getenv(a)) && *v) return v;
    if (b && (v = getenv(b)) && *v) return v;
    if (c && (v = getenv(c)) && *v) return v;
    return 0;
}

/* The login name of uid in /etc/passwd, or 0. The file only, no NSS:
   mail-inject is linked statically (Makefile, doc/internals.md), and a
   user known only to a directory service has USER or LOGNAME set by
   the login that made it a user. */
static const char *
passwd_name(unsigned long uid)
{
    static stralloc pw;
    size_t i, end, c1, c2, c3;
    unsigned long u;

    if (control_readfile(&pw, "/etc/passwd") != 1) return 0;
    for (i = 0; i < pw.len; i = end + 1) {
        end = i + byte_chr(pw.s + i, pw.len - i, '\n');
        c1 = i + byte_chr(pw.s + i, end - i, ':');            /* name: */
        if (c1 == i || c1 >= end) continue;
        c2 = c1 + 1 + byte_chr(pw.s + c1 + 1, end - c1 - 1, ':');  /* password: */
        if (c2 >= end) continue;
        c3 = c2 + 1 + scan_ulongn(pw.s + c2 + 1, end - c2 - 1, &u); /* uid: */
        if (c3 == c2 + 1 || c3 >= end || pw.s[c3] != ':' || u != uid) continue;
        pw.s[c1] = 0;
        return pw.s + i;
    }
    return 0;
}

static const char *
user_name(void)
{
    const char *u = env_first("QMAILUSER", "MAILUSER", "USER");

    if (!u) u = env_first("LOGNAME", 0, 0);

    if (u) return u;
    u = passwd_name((unsigned long)getuid());
    return u && *u ? u : "anonymous";
}

static void
settings(struct headerfix *hf, const struct opts *o, const struct config *c)
{
    struct timeval tv;
    const char *host = env_first("QMAILHOST", "MAILHOST", 0);

    gettimeofday(&tv, 0);
    byte_zero(hf, sizeof *hf);
    hf->user = user_name();
    hf->host = host ? host : c->defaulthost.s;
    hf->fullname = o->fullname ? o->fullname : env_first("QMAILNAME", "MAILNAME", "NAME");
    hf->idhost = c->idhost.s;
    hf->hosts.defaulthost = c->defaulthost.s;
    hf->hosts.defaultdomain = c->defaultdomain.s;
    hf->hosts.plusdomain = c->plusdomain.s;
    hf->when = tv.tv_sec;
    hf->pid = (unsigned long)getpid();
    hf->seq = (unsigned long)tv.tv_usec;
    hf->rcpts = o->mode == FROM_HEADER || o->mode == FROM_BOTH
                || (o->mode == 0 && !*o->addrs);
}

/* read(0, ...) with CR LF made LF, as the queue stores it (mail-smtpd
   does the same; programs such as PHP's mail() write CR LF, which would
   otherwise go out as CR CR LF). A CR at the end of a read waits for the
   next one; a CR before anything but LF stays. 0 only at end of input. */
static ssize_t
read_lf(char *b, size_t n)
{
    static int held;            /* the last read ended in a CR, not given out */
    size_t start, len, i, k;
    ssize_t r;

    for (;;) {
        start = 0;
        if (held) b[start++] = '\r';
        do r = read(0, b + start, n - start); while (r == -1 && errno == EINTR);
        if (r == -1) return -1;
        held = 0;
        if (r == 0) return (ssize_t)start;  /* a last lone CR stays */
        len = start + (size_t)r;
        for (i = 0, k = 0; i < len; ++i) {
            if (b[i] == '\r' && i + 1 == len) { held = 1; break; }
            if (b[i] == '\r' && b[i + 1] == '\n') continue;
            b[k++] = b[i];
        }
        if (k) return (ssize_t)k;
    }
}

/* read fd 0 into msg until the header has ended (or end of input);
   msg may then hold the start of the body as well */
static void
header_read(stralloc *msg)
{
    size_t pos = 0, n;
    int first = 1;
    ssize_t r;

    for (;;) {
        if (!stralloc_readyplus(msg, CHUNK)) die_nomem();
        while ((n = byte_chr(msg->s + pos, msg->len - pos, '\n')) < msg->len - pos) {
            if (headerfix_line(msg->s + pos, n + 1, first) == HF_END) return;
            pos += n + 1;
            first = 0;
        }
        if (pos < msg->len && headerfix_line(msg->s + pos, msg->len - pos, first) == HF_END)
            return;
        if (msg->len >= HEADERMAX)
            die_perm("message header longer than 1048576 bytes: refused");
        r = read_lf(msg->s + msg->len, CHUNK);
        if (r == -1) die_temp("unable to read the message");
        if (r == 0) return;
        msg->len += (size_t)r;
    }
}

/* each address of s, completed, onto rcpt */
static void
rcpt_add(stralloc *rcpt, const char *s, const struct addrlist_hosts *h)
{
    static stralloc list;
    size_t i;

    list.len = 0;
    if (addrlist_parse(s, str_len(s), &list) == -1) die_nomem();
    for (i = 0; i < list.len; i += str_len(list.s + i) + 1)
        if (addrlist_qualify(rcpt, list.s + i, str_len(list.s + i), h) == -1
            || !stralloc_0(rcpt)) die_nomem();
}

/* -f's address, or user@defaulthost; "" and "<>" are the null sender */
static void
sender_make(stralloc *sender, const struct opts *o, const struct headerfix *hf)
{
    static stralloc a;
    size_t n;

    a.len = 0;
    if (o->sender) {
        if (addrlist_parse(o->sender, str_len(o->sender), &a) == -1) die_nomem();
        if (!a.len) return;
        n = str_len(a.s);       /* the first address */
    } else {    /* the From field's address; QMAILSUSER, QMAILSHOST change it */
        const char *u = env_first("QMAILSUSER", 0, 0), *h = env_first("QMAILSHOST", 0, 0);

        if (!u) u = hf->user;
        if (!h) h = hf->host;
        if (!addrlist_catlocal(&a, u, str_len(u)) || !stralloc_append(&a, "@")
            || !stralloc_cats(&a, h)) die_nomem();
        n = a.len;
    }
    if (addrlist_qualify(sender, a.s, n, &hf->hosts) == -1) die_nomem();
}

/* the rest of fd 0, to put */
static void
body_copy(void (*put)(void *, const char *, size_t), void *arg)
{
    static char buf[CHUNK];
    ssize_t r;

    for (;;) {
        r = read_lf(buf, sizeof buf);
        if (r == -1) die_temp("unable to read the message");
        if (r == 0) return;
        put(arg, buf, (size_t)r);
    }
}

static void
stdout_put(void *arg, const char *s, size_t n)
{
    (void)arg;
    if (buffer_put(buffer_1, s, n) == -1) die_temp("unable to write the message");
}

static void
queue_put(void *arg, const char *s, size_t n)
{
    qclient_put(arg, s, n);
}

static void __attribute__((noreturn))
message_print(const stralloc *head, const stralloc *msg, size_t body)
{
    stdout_put(0, head->s, head->len);
    stdout_put(0, msg->s + body, msg->len - body);
    body_copy(stdout_put, 0);
    if (buffer_flush(buffer_1) == -1) die_temp("unable to write the message");
    _exit(0);
}

static void __attribute__((noreturn))
message_queue(const stralloc *head, const stralloc *msg, size_t body,
              const stralloc *sender, const stralloc *rcpt)
{
    static struct qclient q;
    static stralloc env;
    const char *err;
    size_t i, n;
    int code;

    if (qclient_open(&q) == -1) die_temp("unable to start the queue");
    qclient_put(&q, head->s, head->len);
    qclient_put(&q, msg->s + body, msg->len - body);
    body_copy(queue_put, &q);
    env.len = 0;
    if (!addrlist_envelope(&env, sender->s, sender->len)) die_nomem();
    qclient_from(&q, env.s, env.len);
    for (i = 0; i < rcpt->len; i += n + 1) {
        n = str_len(rcpt->s + i);
        env.len = 0;
        if (!addrlist_envelope(&env, rcpt->s + i, n)) die_nomem();
        qclient_to(&q, env.s, env.len);
    }
    err = qclient_close(&q, &code);
    if (!*err) _exit(0);
    if (*err == 'D') die_perm(err + 1);
    die_tempx(err + 1);
}

int
main(int argc, char **argv)
{
    static struct config c;
    static stralloc msg, head, rcpt, sender;
    struct opts o = { 0, 0, 0, 0, 0 };
    struct headerfix hf;
    size_t body;
    char **a;

    progname = "mail-inject";
    if (argc < 1) die_usage(USAGE);
    opts_parse(&o, argc, argv);
    config_read(&c);
    settings(&hf, &o, &c);

    header_read(&msg);
    if (headerfix_run(&hf, msg.s, msg.len, &head, &rcpt, &body) == -1) die_nomem();
    if (o.mode != FROM_HEADER)
        for (a = o.addrs; *a; ++a) rcpt_add(&rcpt, *a, &hf.hosts);
    if (o.print) message_print(&head, &msg, body);
    if (!rcpt.len) die_perm("no recipients");
    sender_make(&sender, &o, &hf);
    message_queue(&head, &msg, body, &sender, &rcpt);
}
