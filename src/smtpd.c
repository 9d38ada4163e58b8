/* smtpd.c: one SMTP session: command table, relay checks, strict DATA into the queue */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "case.h"
#include "fmt.h"
#include "str.h"
#include "ctldefault.h"
#include "date822.h"
#include "qclient.h"
#include "smtpcmd.h"
#include "smtpdata.h"
#include "smtpio.h"
#include "smtpreply.h"
#include "sasl.h"
#include "smtpd.h"
#include "tls.h"

struct session {
    struct smtpd_config *c;
    const char *remoteip, *remotehost, *remoteinfo, *relayclient;
    stralloc helo;
    int seenhelo, ehlo;
    int inmail;                 /* MAIL accepted */
    struct smtppath from;
    struct smtppath rcpt;       /* scratch for each RCPT */
    stralloc rcpts;             /* accepted recipients, each NUL-ended */
    unsigned long nrcpt;
    unsigned long errors;
    int tls;                    /* STARTTLS done */
    stralloc user;              /* authenticated as, when authed */
    int authed;
};

static char inbuf[4096], outbuf[4096];
static buffer in = BUFFER_INIT(smtpio_read, 0, inbuf, sizeof inbuf);
static buffer out = BUFFER_INIT(smtpio_write, 1, outbuf, sizeof outbuf);
static stralloc reply_, line;

/* ---- logging and replies ---- */

static void
logmsg(const struct session *s, const char *first, ...)
{
    va_list ap;
    const char *p;

    buffer_puts(buffer_2, "mail-smtpd: ");
    buffer_puts(buffer_2, s->remoteip);
    buffer_puts(buffer_2, ": ");
    va_start(ap, first);
    for (p = first; p; p = va_arg(ap, const char *)) buffer_puts(buffer_2, p);
    va_end(ap);
    buffer_putsflush(buffer_2, "\n");
}
#define logx(s, ...) logmsg((s), __VA_ARGS__, (const char *)0)

static void __attribute__((noreturn))
bye(int code)
{
    buffer_flush(&out);
    _exit(code);
}

static void
put(const stralloc *r)
{
    if (buffer_put(&out, r->s, r->len) == -1) _exit(111);
}

/* one complete reply line: code, enhanced code (or 0), text */
static void
reply(const char *code, const char *esc, const char *text)
{
    reply_.len = 0;
    if (!smtpreply_line(&reply_, code, 0, esc, text, str_len(text))) _exit(111);
    put(&reply_);
}

static void __attribute__((noreturn))
die_nomem_smtp(void)
{
    reply("421", "4.3.0", "out of memory, closing connection");
    bye(111);
}

/* protocol errors count towards SMTPD_ERRMAX */
static void
err(struct session *s, const char *code, const char *esc, const char *text)
{
    reply(code, esc, text);
    if (++s->errors >= SMTPD_ERRMAX) {
        logx(s, "too many bad commands, disconnecting");
        reply("421", "4.7.0", "too many bad commands, closing connection");
        bye(100);
    }
}

static void __attribute__((noreturn))
die_io(struct session *s, const char *what)
{
    char num[FMT_ULONG + 1];

    if (errno == ETIMEDOUT) {
        num[fmt_ulong(num, s->c->timeout)] = 0;
        logx(s, what, " timed out after ", num, " seconds (timeoutsmtpd), disconnecting");
        reply("421", "4.4.2", "timeout, closing connection");
        bye(111);
    }
    logx(s, what, " failed, disconnecting");
    _exit(111);
}

/* ---- configuration ---- */

int
smtpd_config(struct smtpd_config *c, const char **fn)
{
    static stralloc greet;
    unsigned long u;
    int fd, r;

#define NEED(x, name) do { if ((r = (x)) < 0) { *fn = (name); return r == -2 ? -2 : -1; } } while (0)
    NEED(ctldefault_me(&c->me), "me");
    NEED(ctldefault_line(&greet, "smtpgreeting"), "smtpgreeting");
    if (!stralloc_copy(&c->greeting, &greet)) { *fn = "smtpgreeting"; return -1; }
    NEED(ctldefault_num(&c->databytes, "databytes"), "databytes");
    NEED(ctldefault_num(&c->timeout, "timeoutsmtpd"), "timeoutsmtpd");
    NEED(ctldefault_num(&c->maxrcpt, "maxrcpt"), "maxrcpt");
    NEED(ctldefault_num(&c->linemax, "maxlinelength"), "maxlinelength");
    NEED(ctldefault_num(&u, "smtpauthcleartext"), "smtpauthcleartext");
    c->authclear = u != 0;
    NEED(ctldefault_list(&c->badmailfrom, "badmailfrom"), "badmailfrom");
    NEED(ctldefault_list(&c->relay.badrcptto, "badrcptto"), "badrcptto");
    NEED(ctldefault_list(&c->relay.rcpthosts, "rcpthosts"), "rcpthosts");
    NEED(ctldefault_list(&c->relay.percenthack, "percenthack"), "percenthack");
    NEED(ctldefault_list(&c->vd.locals, "locals"), "locals");
    NEED(ctldefault_list(&c->vd.vds, "virtualdomains"), "virtualdomains");
    NEED(ctldefault_line(&c->vd.noathost, "envnoathost"), "envnoathost");
#undef NEED
    fd = open("control/morercpthosts.cdb", O_RDONLY | O_CLOEXEC);
    if (fd == -1 && errno != ENOENT) { *fn = "morercpthosts.cdb"; return -1; }
    c->relay.mrhfd = fd;
    c->havecert = access("control/servercert.pem", F_OK) == 0;
    c->submission = getenv("SUBMISSION") && *getenv("SUBMISSION");
    c->smtps = getenv("SMTPS") && *getenv("SMTPS");
    c->relay.vd = &c->vd;
    return 0;
}

void
smtpd_unavailable(const char *why)
{
    static unsigned long secs = 1200;

    out.cookie = &secs;
    buffer_puts(buffer_2, "mail-smtpd: ");
    buffer_puts(buffer_2, why);
    buffer_putsflush(buffer_2, "\n");
    reply("421", "4.3.0", "temporary configuration problem, try again later");
    bye(111);
}

/* ---- the commands ---- */

static void
transaction_reset(struct session *s)
{
    s->inmail = 0;
    s->from.addr.len = 0;
    s->rcpts.len = 0;
    s->nrcpt = 0;
}

static void
smtp_helo_(struct session *s, const char *arg, size_t len, int ehlo)
{
    char num[FMT_ULONG];
    size_t n;

    if (!len) { err(s, "501", "5.5.4", "HELO and EHLO need a domain name"); return; }
    if (!stralloc_copyb(&s->helo, arg, len)) die_nomem_smtp();
    s->seenhelo = 1;
    s->ehlo = ehlo;
    transaction_reset(s);
    reply_.len = 0;
    if (!ehlo) {
        if (!smtpreply_line(&reply_, "250", 0, 0, s->c->me.s, s->c->me.len))
            die_nomem_smtp();
        put(&reply_);
        return;
    }
    n = fmt_ulong(num, s->c->databytes);
    if (!smtpreply_line(&reply_, "250", 1, 0, s->c->me.s, s->c->me.len)
        || !smtpreply_line(&reply_, "250", 1, 0, "PIPELINING", 10)
        || !smtpreply_line(&reply_, "250", 1, 0, "8BITMIME", 8)
        || !stralloc_cats(&reply_, "250-SIZE ") || !stralloc_catb(&reply_, num, n)
        || !stralloc_cats(&reply_, "\r\n")
        || !smtpreply_line(&reply_, "250", 1, 0, "ENHANCEDSTATUSCODES", 19)
        || (!s->tls && s->c->havecert
            && !smtpreply_line(&reply_, "250", 1, 0, "STARTTLS", 8))
        || ((s->tls || s->c->authclear) && s->c->checkpw && !s->authed
            && !smtpreply_line(&reply_, "250", 1, 0, "AUTH PLAIN LOGIN", 16))
        || !smtpreply_line(&reply_, "250", 0, 0, "SMTPUTF8", 8))
        die_nomem_smtp();
    put(&reply_);
}

static void
smtp_helo(struct session *s, const char *arg, size_t len)
{
    smtp_helo_(s, arg, len, 0);
}

static void
smtp_ehlo(struct session *s, const char *arg, size_t len)
{
    smtp_helo_(s, arg, len, 1);
}

/* a MAIL or RCPT parse failure; what: "sender" or "recipient" */
static void
badpath(struct session *s, int r, const char *esc)
{
    switch (r) {
    case SMTPCMD_NOMEM: die_nomem_smtp();
    case SMTPCMD_SYNTAX: err(s, "501", "5.5.4", "syntax: MAIL FROM:<address> or RCPT TO:<address>"); break;
    case SMTPCMD_ADDR: err(s, "501", esc, "malformed address"); break;
    case SMTPCMD_TOOLONG: err(s, "501", esc, "address too long"); break;
    case SMTPCMD_PARAM: err(s, "555", "5.5.4", "unsupported parameter"); break;
    case SMTPCMD_PARAMVAL: err(s, "501", "5.5.4", "bad parameter value"); break;
    case SMTPCMD_8BIT: reply("553", "5.6.7", "non-ASCII address needs SMTPUTF8"); break;
    }
}

static void
smtp_mail(struct session *s, const char *arg, size_t len)
{
    int r;

    if (!s->seenhelo) { err(s, "503", "5.5.1", "send EHLO or HELO first"); return; }
    if (s->inmail) { err(s, "503", "5.5.1", "nested MAIL command"); return; }
    if (s->c->submission && !s->authed) {
        reply("530", "5.7.0", "authentication required");
        return;
    }
    r = smtpcmd_mail(arg, len, &s->from);
    if (r != SMTPCMD_OK) { badpath(s, r, "5.1.7"); return; }
    if (s->from.hassize && s->c->databytes && s->from.size > s->c->databytes) {
        reply("552", "5.3.4", "message size exceeds the fixed maximum");
        return;
    }
    if (s->from.addr.len && relay_listed(&s->c->badmailfrom, s->from.addr.s, s->from.addr.len)) {
        logx(s, "badmailfrom refused");
        reply("553", "5.7.1", "sender refused by local policy");
        return;
    }
    s->inmail = 1;
    s->rcpts.len = 0;
    s->nrcpt = 0;
    reply("250", "2.1.0", "sender ok");
}

static void
logrcpt(struct session *s, const char *why)
{
    static stralloc a;
    size_t i;

    if (!stralloc_copy(&a, &s->rcpt.addr) || !stralloc_0(&a)) return;
    for (i = 0; i + 1 < a.len; ++i)
        if ((unsigned char)a.s[i] < 32 || a.s[i] == 127) a.s[i] = '?';
    logx(s, "refused recipient <", a.s, ">: ", why);
}

static void
smtp_rcpt(struct session *s, const char *arg, size_t len)
{
    int r;

    if (!s->inmail) { err(s, "503", "5.5.1", "send MAIL first"); return; }
    if (s->c->maxrcpt && s->nrcpt >= s->c->maxrcpt) {
        reply("452", "4.5.3", "too many recipients");
        return;
    }
    r = smtpcmd_rcpt(arg, len, s->from.utf8, &s->rcpt);
    if (r != SMTPCMD_OK) { badpath(s, r, "5.1.3"); return; }
    if (s->rcpt.at == s->rcpt.addr.len) {       /* <postmaster> */
        if (!stralloc_append(&s->rcpt.addr, "@") || !stralloc_cat(&s->rcpt.addr, &s->c->me))
            die_nomem_smtp();
    }
    switch (relay_rcpt(&s->c->relay, &s->rcpt.addr, s->rcpt.at,
                       s->relayclient ? s->relayclient : s->authed ? "" : 0)) {
    case RELAY_OK: break;
    case RELAY_NOMEM: die_nomem_smtp();
    case RELAY_DENIED:
        logrcpt(s, "relaying denied");
        reply("553", "5.7.1", "relaying denied: that domain is not in my list of allowed rcpthosts");
        return;
    case RELAY_BADRCPT:
        logrcpt(s, "badrcptto");
        reply("553", "5.7.1", "recipient refused by local policy");
        return;
    case RELAY_QUOTEDAT:
        logrcpt(s, "'@' in local part");
        reply("553", "5.1.3", "an '@' inside the local part is not accepted");
        return;
    case RELAY_NOUSER:
        logrcpt(s, "no such user");
        reply("550", "5.1.1", "no mailbox here by that name");
        return;
    default:
        logrcpt(s, "cannot check it now");
        reply("451", "4.3.0", "unable to check that recipient now, try again later");
        return;
    }
    if (!stralloc_cat(&s->rcpts, &s->rcpt.addr) || !stralloc_0(&s->rcpts)) die_nomem_smtp();
    ++s->nrcpt;
    reply("250", "2.1.5", "recipient ok");
}

static void
smtp_rset(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    transaction_reset(s);
    reply("250", "2.0.0", "reset");
}

static void
smtp_noop(struct session *s, const char *arg, size_t len)
{
    (void)s; (void)arg; (void)len;
    reply("250", "2.0.0", "ok");
}

static void
smtp_quit(struct session *s, const char *arg, size_t len)
{
    (void)arg; (void)len;
    reply_.len = 0;
    if (!smtpreply_line(&reply_, "221", 0, "2.0.0", s->c->me.s, s->c->me.len)) _exit(111);
    put(&reply_);
    bye(0);
}

static void
smtp_help(struct session *s, const char *arg, size_t len)
{
    (void)s; (void)arg; (void)len;
    reply("214", "2.0.0", "kirim mail-smtpd; commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT HELP VRFY; see RFC 5321");
}

static void
smtp_vrfy(struct session *s, const char *arg, size_t len)
{
    (void)s; (void)arg; (void)len;
    reply("252", "2.1.5", "cannot VRFY, but send mail and delivery will be attempted");
}

static void
smtp_expn(struct session *s, const char *arg, size_t len)
{
    (void)s; (void)arg; (void)len;
    reply("502", "5.5.1", "EXPN is not available");
}

/* STARTTLS (RFC 3207): a new session on the same connection; what the
   client pipelined after the command is thrown away with the buffer */
static void
smtp_starttls(struct session *s, const char *arg, size_t len)
{
    const char *why;

    (void)arg;
    if (s->tls) { err(s, "503", "5.5.1", "TLS is already active"); return; }
    if (len) { err(s, "501", "5.5.4", "STARTTLS takes no argument"); return; }
    if (tls_server_init("control/servercert.pem", &why) == -1) {
        logx(s, "TLS not available: ", why);
        reply("454", "4.7.0", "TLS not available, try again later");
        return;
    }
    reply("220", "2.0.0", "ready to start TLS");
    if (buffer_flush(&out) == -1) die_io(s, "write");
    if (tls_server(0, 1, (unsigned)s->c->timeout, &why) == -1) {
        logx(s, "TLS handshake failed: ", why);
        _exit(111);
    }
    buffer_init(&in, tls_read, 0, inbuf, sizeof inbuf);
    buffer_init(&out, tls_write, 1, outbuf, sizeof outbuf);
    s->tls = 1;
    /* RFC 3207 4.2: forget what the client said before TLS, AUTH too (a
       man in the middle could have logged in with his own name) */
    s->seenhelo = 0;
    s->helo.len = 0;
    s->authed = 0;
    s->user.len = 0;
    transaction_reset(s);
}

/* ---- AUTH (RFC 4954) through a checkpassword program ---- */

static int
auth_decode(struct session *s, const char *b64, size_t len, stralloc *out)
{
    int r = sasl_b64(b64, len, out);

    if (r == -1) die_nomem_smtp();
    if (r == 0) { err(s, "501", "5.5.2", "invalid base64"); return -1; }
    return 0;
}

/* the client's line after a 334 (the challenge already sent) into line;
   0 ok, -1 cancelled or too long (already answered) */
static int
auth_line(struct session *s)
{
    int r;

    if (buffer_flush(&out) == -1) die_io(s, "write");
    r = smtpio_getline(&in, &line, SMTPD_CMDMAX);
    if (r == SMTPIO_EOF) bye(0);
    if (r == SMTPIO_ERR) die_io(s, "read");
    if (r == SMTPIO_LONG) { err(s, "500", "5.5.2", "line too long"); return -1; }
    if (line.len == 1 && line.s[0] == '*') { err(s, "501", "5.0.0", "AUTH cancelled"); return -1; }
    return 0;
}

/* one client response to a 334 challenge, base64-decoded into out;
   0 ok, -1 cancelled or malformed (already answered) */
static int
auth_ask(struct session *s, const char *challenge, stralloc *resp)
{
    reply("334", 0, challenge);
    if (auth_line(s)) return -1;
    return auth_decode(s, line.s, line.len, resp);
}

/* wait for pid at most secs seconds (0: no limit), then kill it;
   1 with *wstat when it ended, 0 when it was killed */
static int
waitlimit(pid_t pid, unsigned long secs, int *wstat)
{
    unsigned long waited = 0, step = 1;     /* milliseconds */
    pid_t r;

    for (;;) {
        r = waitpid(pid, wstat, secs ? WNOHANG : 0);
        if (r == pid) return 1;
        if (r == -1 && errno != EINTR) return 0;
        if (secs && waited >= secs * 1000) break;
        if (r == 0) { poll(0, 0, (int)step); waited += step; if (step < 64) step *= 2; }
    }
    kill(pid, SIGKILL);
    do r = waitpid(pid, wstat, 0); while (r == -1 && errno == EINTR);
    return 0;
}

/* run the checkpassword program: user NUL password NUL timestamp NUL on fd 3;
   its exit code: 0 good, 111 trouble, anything else no */
static int
auth_check(struct session *s, const char *u, size_t ul, const char *p, size_t pl)
{
    static stralloc io;
    char num[FMT_ULONG];
    int pi[2], wstat, fd;
    pid_t pid;
    size_t n;

    if (!stralloc_copyb(&io, u, ul) || !stralloc_0(&io) || !stralloc_catb(&io, p, pl)
        || !stralloc_0(&io)) die_nomem_smtp();
    n = fmt_ulong(num, (unsigned long)time(0));
    if (!stralloc_catb(&io, num, n) || !stralloc_0(&io)) die_nomem_smtp();
    if (pipe(pi) == -1) { byte_zero(io.s, io.len); return 111; }
    pid = fork();
    if (pid == -1) { close(pi[0]); close(pi[1]); byte_zero(io.s, io.len); return 111; }
    if (pid == 0) {
        close(pi[1]);
        if (pi[0] != 3) { if (dup2(pi[0], 3) == -1) _exit(111); close(pi[0]); }
        fd = open("/dev/null", O_RDWR);         /* never the client's connection */
        if (fd == -1 || dup2(fd, 0) == -1 || dup2(fd, 1) == -1) _exit(111);
        execv(s->c->checkpw[0], s->c->checkpw);
        _exit(111);
    }
    close(pi[0]);
    if (write(pi[1], io.s, io.len) != (ssize_t)io.len) { /* the program decides */ }
    close(pi[1]);
    byte_zero(io.s, io.len);
    /* a program that hangs must not hold the session: timeoutsmtpd */
    if (!waitlimit(pid, s->c->timeout, &wstat)) {
        logx(s, "checkpassword program killed after timeoutsmtpd seconds");
        return 111;
    }
    if (!WIFEXITED(wstat)) return 111;
    return WEXITSTATUS(wstat);
}

static void
auth_verdict(struct session *s, const stralloc *u, const stralloc *p)
{
    static stralloc who;
    size_t i;
    int r;

    who.len = 0;
    for (i = 0; i < u->len && i < 100; ++i) {
        char c = u->s[i];
        if ((unsigned char)c < 33 || (unsigned char)c > 126) c = '?';
        if (!stralloc_append(&who, &c)) die_nomem_smtp();
    }
    if (!stralloc_0(&who)) die_nomem_smtp();
    if (!sasl_creds(u, p))
        r = 1;
    else
        r = auth_check(s, u->s, u->len, p->s, p->len);
    if (r == 0) {
        if (!stralloc_copyb(&s->user, who.s, who.len - 1)) die_nomem_smtp();
        s->authed = 1;
        logx(s, "AUTH ok for user ", who.s);
        reply("235", "2.7.0", "authentication successful");
        return;
    }
    if (r == 111) {
        logx(s, "AUTH for user ", who.s, ": the checkpassword program failed");
        reply("454", "4.7.0", "temporary authentication failure");
        return;
    }
    logx(s, "AUTH failed for user ", who.s);
    sleep(2);
    err(s, "535", "5.7.8", "authentication credentials invalid");
}

static void
smtp_auth(struct session *s, const char *arg, size_t len)
{
    static stralloc u, p;
    const char *init;
    size_t ilen, m = smtpcmd_split(arg, len, &init, &ilen);
    int r;

    if (!s->c->checkpw) { err(s, "502", "5.5.1", "AUTH not available"); return; }
    if (!s->seenhelo) { err(s, "503", "5.5.1", "send EHLO first"); return; }
    if (s->authed) { err(s, "503", "5.5.1", "already authenticated"); return; }
    if (s->inmail) { err(s, "503", "5.5.1", "AUTH not allowed in a mail transaction"); return; }
    if (!s->tls && !s->c->authclear) { reply("538", "5.7.11", "encryption required: use STARTTLS first"); return; }
    if (m == 5 && !case_diffb(arg, 5, "PLAIN")) {
        if (ilen) {
            r = sasl_plain(init, ilen, &u, &p);
        } else {
            reply("334", 0, "");
            if (auth_line(s)) return;
            r = sasl_plain(line.s, line.len, &u, &p);
        }
        byte_zero(line.s, line.len);
        if (r == -1) die_nomem_smtp();
        if (r == 0) { err(s, "501", "5.5.2", "malformed PLAIN response"); return; }
    } else if (m == 5 && !case_diffb(arg, 5, "LOGIN")) {
        if (ilen ? auth_decode(s, init, ilen, &u) : auth_ask(s, "VXNlcm5hbWU6", &u)) return;
        if (auth_ask(s, "UGFzc3dvcmQ6", &p)) { byte_zero(line.s, line.len); return; }
    } else {
        err(s, "504", "5.5.4", "unrecognized authentication mechanism");
        return;
    }
    auth_verdict(s, &u, &p);
    byte_zero(p.s, p.len);
    byte_zero(line.s, line.len);
}

/* ---- DATA ---- */

/* printable copy of s for a header field */
static int
catclean(stralloc *sa, const char *s, size_t len)
{
    size_t i;
    char c;

    if (len > 255) len = 255;
    for (i = 0; i < len; ++i) {
        c = s[i];
        if ((unsigned char)c < 33 || (unsigned char)c > 126 || c == '(' || c == ')') c = '?';
        if (!stralloc_append(sa, &c)) return 0;
    }
    return 1;
}

static int
received(struct session *s, stralloc *r)
{
    char date[DATE822_LEN];
    size_t n;

    if (!stralloc_copys(r, "Received: from ")) return 0;
    if (!catclean(r, s->helo.s, s->helo.len)) return 0;
    if (!stralloc_cats(r, " (")) return 0;
    if (s->remoteinfo) {
        if (!catclean(r, s->remoteinfo, str_len(s->remoteinfo)) || !stralloc_append(r, "@"))
            return 0;
    }
    if (s->remotehost && !catclean(r, s->remotehost, str_len(s->remotehost))) return 0;
    if (!s->remotehost && !stralloc_cats(r, "unknown")) return 0;
    if (!stralloc_cats(r, " [") || !catclean(r, s->remoteip, str_len(s->remoteip))) return 0;
    if (!stralloc_cats(r, "])\n\tby ") || !stralloc_cat(r, &s->c->me)) return 0;
    if (!stralloc_cats(r, " (kirim mail-smtpd) with ")) return 0;
    if (!stralloc_cats(r, s->ehlo ? (s->from.utf8 ? "UTF8SMTP" : "ESMTP") : "SMTP")) return 0;
    if (s->tls && s->ehlo && !stralloc_cats(r, "S")) return 0;
    if (s->authed && !stralloc_cats(r, "A")) return 0;       /* RFC 3848 */
    if (s->tls) {
        struct tls_info ti;
        tls_info(&ti);
        if (!stralloc_cats(r, " (") || !stralloc_cats(r, ti.version)
            || !stralloc_cats(r, " ") || !stralloc_cats(r, ti.cipher) || !stralloc_cats(r, ")"))
            return 0;
    }
    if (s->authed) {
        if (!stralloc_cats(r, " (authenticated as ") || !catclean(r, s->user.s, s->user.len)
            || !stralloc_cats(r, ")")) return 0;
    }
    if (!stralloc_cats(r, "; ")) return 0;
    n = date822_fmt(date, time(0));
    return stralloc_catb(r, date, n) && stralloc_cats(r, "\n");
}

/* read the rest of the data after the queue gave up: keep the session in step */
static int
data_stream(struct session *s, struct smtpdata *d, struct qclient *q, int *qopen)
{
    static char chunk[sizeof inbuf];
    size_t used, olen;
    ssize_t r;

    while (!d->done) {
        r = buffer_feed(&in);
        if (r == 0) {
            if (*qopen) qclient_abort(q);
            logx(s, "end of input inside DATA, nothing queued");
            bye(0);
        }
        if (r < 0) {
            if (*qopen) qclient_abort(q);
            die_io(s, "read in DATA");
        }
        used = smtpdata_feed(d, buffer_peek(&in), (size_t)r, chunk, &olen);
        buffer_seek(&in, used);
        if (*qopen && olen) qclient_put(q, chunk, olen);
        if (*qopen && d->flags) { qclient_abort(q); *qopen = 0; }
    }
    return 0;
}

static void
data_refused(struct session *s, int flags)
{
    char num[FMT_ULONG];
    size_t n;

    if (flags & SMTPDATA_TOOBIG) {
        logx(s, "message refused: larger than databytes");
        reply("552", "5.3.4", "message size exceeds the fixed maximum");
    } else if (flags & SMTPDATA_HOPS) {
        logx(s, "message refused: too many Received or Delivered-To lines");
        reply("554", "5.4.6", "too many hops, this message is looping");
    } else if (flags & (SMTPDATA_BARELF | SMTPDATA_BARECR)) {
        logx(s, "message refused: bare ", flags & SMTPDATA_BARELF ? "LF" : "CR", " in the data");
        reply("554", "5.6.0", flags & SMTPDATA_BARELF
              ? "bare LF in the data: lines must end with CRLF; message refused"
              : "bare CR in the data: lines must end with CRLF; message refused");
    } else {
        reply_.len = 0;
        n = fmt_ulong(num, s->c->linemax);
        if (!stralloc_copys(&line, "line longer than ") || !stralloc_catb(&line, num, n)
            || !stralloc_cats(&line, " octets in the data; message refused")) die_nomem_smtp();
        logx(s, "message refused: line too long");
        if (!smtpreply_line(&reply_, "554", 0, "5.6.0", line.s, line.len)) die_nomem_smtp();
        put(&reply_);
    }
}

static void
data_queue(struct session *s, struct qclient *q, const struct smtpdata *d)
{
    char num[FMT_ULONG], num2[FMT_ULONG];
    const char *m;
    size_t i, n;
    int code;

    qclient_from(q, s->from.addr.s, s->from.addr.len);
    for (i = 0; i < s->rcpts.len; i += n + 1) {
        n = str_len(s->rcpts.s + i);
        qclient_to(q, s->rcpts.s + i, n);
    }
    m = qclient_close(q, &code);
    if (!smtpreply_queue(&reply_, m, (unsigned long)time(0), (unsigned long)q->pid))
        die_nomem_smtp();
    n = fmt_ulong(num, (unsigned long)q->pid);
    num[n] = 0;
    i = fmt_ulong(num2, (unsigned long)d->size);
    num2[i] = 0;
    if (*m) logx(s, "queue refused the message: ", m + 1);
    else logx(s, "message accepted qp ", num, " bytes ", num2);
    put(&reply_);
}

static void
smtp_data(struct session *s, const char *arg, size_t len)
{
    static stralloc recv;
    struct smtpdata d;
    struct qclient q;
    int qopen;

    (void)arg;
    if (len) { err(s, "501", "5.5.4", "DATA takes no argument"); return; }
    if (!s->inmail) { err(s, "503", "5.5.1", "send MAIL first"); return; }
    if (!s->nrcpt) { err(s, "554", "5.5.1", "no valid recipients"); return; }
    if (qclient_open(&q) == -1) {
        logx(s, "unable to start the queue program");
        reply("451", "4.3.0", "unable to queue messages now, try again later");
        return;
    }
    qopen = 1;
    if (!received(s, &recv)) die_nomem_smtp();
    qclient_put(&q, recv.s, recv.len);
    reply("354", 0, "go ahead, end with <CRLF>.<CRLF>");
    if (buffer_flush(&out) == -1) { qclient_abort(&q); die_io(s, "write"); }
    smtpdata_init(&d, s->c->databytes, s->c->linemax, SMTPD_HOPMAX);
    data_stream(s, &d, &q, &qopen);
    if (d.flags) data_refused(s, d.flags);
    else data_queue(s, &q, &d);
    transaction_reset(s);
}

static const struct command {
    const char *verb;
    void (*run)(struct session *, const char *, size_t);
} commands[] = {
    { "ehlo", smtp_ehlo }, { "helo", smtp_helo }, { "mail", smtp_mail },
    { "rcpt", smtp_rcpt }, { "data", smtp_data }, { "rset", smtp_rset },
    { "noop", smtp_noop }, { "quit", smtp_quit }, { "help", smtp_help },
    { "vrfy", smtp_vrfy }, { "expn", smtp_expn }, { "starttls", smtp_starttls },
    { "auth", smtp_auth },
    { 0, 0 },
};

static void
dispatch(struct session *s, const char *l, size_t len)
{
    const char *arg;
    size_t arglen, v = smtpcmd_split(l, len, &arg, &arglen);
    const struct command *c;

    for (c = commands; c->verb; ++c)
        if (v == str_len(c->verb) && !case_diffb(l, v, c->verb)) {
            c->run(s, arg, arglen);
            return;
        }
    err(s, "500", "5.5.2", "unrecognized command");
}

static void
session_env(struct session *s)
{
    s->remoteip = getenv("TCPREMOTEIP");
    if (!s->remoteip || !*s->remoteip) s->remoteip = "local";
    s->remotehost = getenv("TCPREMOTEHOST");
    if (s->remotehost && !*s->remotehost) s->remotehost = 0;
    s->remoteinfo = getenv("TCPREMOTEINFO");
    if (s->remoteinfo && !*s->remoteinfo) s->remoteinfo = 0;
    s->relayclient = getenv("RELAYCLIENT");
}

void
smtpd_serve(struct smtpd_config *c)
{
    static struct session s;
    int r;

    s.c = c;
    in.cookie = out.cookie = &c->timeout;
    session_env(&s);
    if (c->smtps) {
        const char *why;
        if (tls_server_init("control/servercert.pem", &why) == -1
            || tls_server(0, 1, (unsigned)c->timeout, &why) == -1) {
            logx(&s, "TLS handshake failed: ", why);
            _exit(111);
        }
        buffer_init(&in, tls_read, 0, inbuf, sizeof inbuf);
        buffer_init(&out, tls_write, 1, outbuf, sizeof outbuf);
        s.tls = 1;
    }
    reply_.len = 0;
    if (!stralloc_cat(&line, &c->greeting) || !stralloc_cats(&line, " ESMTP kirim")
        || !smtpreply_line(&reply_, "220", 0, 0, line.s, line.len)) die_nomem_smtp();
    put(&reply_);
    for (;;) {
        if (!smtpio_pending(&in) && buffer_flush(&out) == -1) die_io(&s, "write");
        r = smtpio_getline(&in, &line, SMTPD_CMDMAX);
        if (r == SMTPIO_EOF) bye(0);
        if (r == SMTPIO_ERR) die_io(&s, "read");
        if (r == SMTPIO_LONG) { err(&s, "500", "5.5.2", "line too long"); continue; }
        if (byte_chr(line.s, line.len, 0) < line.len) {
            err(&s, "500", "5.5.2", "NUL byte in command refused");
            continue;
        }
        if (byte_chr(line.s, line.len, '\r') < line.len) {
            err(&s, "500", "5.5.2", "bare CR in command refused");
            continue;
        }
        dispatch(&s, line.s, line.len);
    }
}
