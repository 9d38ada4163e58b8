/* smtpsession.c: mail-remote's SMTP dialogue with one host address:
   connect, greeting, EHLO/HELO, STARTTLS, one transaction */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "fmt.h"
#include "ip4.h"
#include "ip6.h"
#include "socket.h"
#include "str.h"
#include "addrlist.h"
#include "tls.h"
#include "smtpsession.h"

static char inbuf[4096];
static buffer in;
static unsigned long tmo = 1200;        /* seconds for each read or write */
static unsigned long rtmo = 1200;       /* seconds for the next read (getreply) */

/* ---- the network, every wait bounded ---- */

static int
waitfd(int fd, short events, unsigned long secs)
{
    struct pollfd p;
    int r;

    p.fd = fd;
    p.events = events;
    do r = poll(&p, 1, (int)(secs > 86400 ? 86400000 : secs * 1000));
    while (r == -1 && errno == EINTR);
    if (r == 0) errno = ETIMEDOUT;
    return r > 0 ? 0 : -1;
}

static ssize_t
net_read(int fd, char *b, size_t len, buffer *self)
{
    ssize_t r;

    (void)self;
    if (waitfd(fd, POLLIN, rtmo) == -1) return -1;
    do r = read(fd, b, len); while (r == -1 && errno == EINTR);
    return r;
}

static int
net_write(struct smtpsession *s, const char *p, size_t len)
{
    ssize_t w;

    if (s->tls) {
        if (tls_write(s->fd, p, len) == -1) {
            if (errno == ETIMEDOUT) s->timedout = 1;
            return -1;
        }
        return 0;
    }
    while (len) {
        if (waitfd(s->fd, POLLOUT, tmo) == -1) {
            if (errno == ETIMEDOUT) s->timedout = 1;
            return -1;
        }
        w = write(s->fd, p, len);
        if (w == -1 && (errno == EINTR || errno == EAGAIN)) continue;
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* the time the next read may wait */
static void
readtmo(struct smtpsession *s, unsigned long secs)
{
    rtmo = secs;
    if (s->tls) tls_timeout(secs > 86400 ? 86400 : (unsigned)secs);
}

/* the next reply into s->reply: 0, or -1 (timeout, lost, or garbage).
   The whole reply comes within tmo seconds, not each read: a host that
   drips an endless multiline reply cannot hold the delivery for ever */
static int
getreply(struct smtpsession *s)
{
    static stralloc line;
    unsigned long end = (unsigned long)time(0) + tmo + 1, now;     /* + the second begun */
    char ch;
    int r = 0, late = 0;

    smtpclient_reset(&s->reply);
    for (;;) {
        stralloc_zero(&line);
        for (;;) {
            if (in.p >= in.n) {         /* the next byte needs a read */
                now = (unsigned long)time(0);
                if (now >= end) { late = 1; r = -1; break; }
                readtmo(s, end - now);
            }
            r = buffer_getc(&in, &ch);
            if (r <= 0) { late = r == -1 && errno == ETIMEDOUT; r = -1; break; }
            if (ch == '\n') { r = 0; break; }
            if (line.len < SMTPCLIENT_LINEMAX && !stralloc_append(&line, &ch)) { r = -1; break; }
        }
        if (r == 0) r = smtpclient_line(&s->reply, line.s, line.len);
        if (r != 0) break;
    }
    readtmo(s, tmo);
    if (late) { s->timedout = 1; errno = ETIMEDOUT; }
    return r == 1 ? 0 : -1;
}

static int
command(struct smtpsession *s, const char *a, const char *b, const char *d)
{
    static stralloc cmd;

    if (!stralloc_copys(&cmd, a) || (b && !stralloc_cats(&cmd, b))
        || (d && !stralloc_cats(&cmd, d)) || !stralloc_catb(&cmd, "\r\n", 2)) return -1;
    return net_write(s, cmd.s, cmd.len);
}

static void
hangup(struct smtpsession *s)
{
    if (s->tls) tls_close();
    s->tls = 0;
    if (s->fd != -1) close(s->fd);
    s->fd = -1;
}

static void
quit(struct smtpsession *s)
{
    unsigned long t = tmo;

    tmo = SMTPSESSION_QUITWAIT;
    if (s->tls) tls_timeout(SMTPSESSION_QUITWAIT);
    if (command(s, "QUIT", 0, 0) == 0) getreply(s);
    tmo = t;
    hangup(s);
}

static int
connectto(struct smtpsession *s, unsigned long secs)
{
    int fd, r;

    if (ip6_isv4mapped(s->ip)) {
        fd = socket_tcp4();
        if (fd == -1) return -1;
        r = socket_connect4(fd, s->ip + 12, (uint16)s->port);
    } else {
        fd = socket_tcp6();
        if (fd == -1) return -1;
        r = socket_connect6(fd, s->ip, (uint16)s->port, 0);
    }
    if (r == -1 && errno != EINPROGRESS && errno != EWOULDBLOCK) { close(fd); return -1; }
    if (r == -1) {
        if (waitfd(fd, POLLOUT, secs) == -1) {
            if (errno == ETIMEDOUT) s->timedout = 1;
            close(fd);
            return -1;
        }
        if (!socket_connected(fd)) { close(fd); return -1; }
    }
    /* every write is a whole command, a reply's worth of TLS records or a
       DATA chunk: waiting for ACKs (Nagle) would only add delayed-ACK stalls */
    r = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &r, sizeof r);
    s->fd = fd;
    buffer_init(&in, net_read, fd, inbuf, sizeof inbuf);
    return 0;
}

/* ---- texts ---- */

static int
describe(struct smtpsession *s)
{
    char ipstr[FMT_IP6 + 1];
    size_t n;

    if (ip6_isv4mapped(s->ip)) n = fmt_ip4(ipstr, s->ip + 12);
    else n = fmt_ip6(ipstr, s->ip);
    return stralloc_copys(&s->host, s->name) && stralloc_cats(&s->host, " [")
        && stralloc_catb(&s->host, ipstr, n) && stralloc_cats(&s->host, "]");
}

/* "Remote host NAME [IP] said: REPLY" */
static int
saidtext(struct smtpsession *s, stralloc *t)
{
    return stralloc_copys(t, "Remote host ") && stralloc_cat(t, &s->host)
        && stralloc_cats(t, " said: ") && stralloc_cat(t, &s->reply.text);
}

/* append "A HOST B. " to why */
static int
note(stralloc *why, const char *a, struct smtpsession *s, const char *b)
{
    return stralloc_cats(why, a) && stralloc_cat(why, &s->host)
        && stralloc_cats(why, b) && stralloc_cats(why, ". ");
}

static int
lost(stralloc *why, struct smtpsession *s, const char *when)
{
    return note(why, s->timedout ? "Timeout talking to " : "Lost connection to ", s, when);
}

/* the reply as a reason to give up on this host */
static int
refused(stralloc *why, struct smtpsession *s, const char *what)
{
    static stralloc t;

    return saidtext(s, &t) && stralloc_cat(why, &t) && stralloc_cats(why, what);
}

/* ---- greeting, EHLO or HELO ---- */

/* 0 ready, 1 try the next host, -1 no memory */
static int
hello(struct smtpsession *s, struct smtpsession_msg *m, stralloc *why)
{
    if (getreply(s) == -1) return lost(why, s, " while waiting for the greeting") ? 1 : -1;
    if (s->reply.code != 220) {
        if (!refused(why, s, " (greeting). ")) return -1;
        quit(s);
        return 1;
    }
    s->ehlo.flags = 0;
    s->ehlo.size = 0;
    if (command(s, "EHLO ", m->helohost, 0) == -1 || getreply(s) == -1)
        return lost(why, s, " after EHLO") ? 1 : -1;
    if (s->reply.code == 250) {
        smtpclient_ehlo(s->reply.text.s, s->reply.text.len, &s->ehlo);
        return 0;
    }
    if (command(s, "HELO ", m->helohost, 0) == -1 || getreply(s) == -1)
        return lost(why, s, " after HELO") ? 1 : -1;
    if (s->reply.code == 250) return 0;
    if (!refused(why, s, " (HELO). ")) return -1;
    quit(s);
    return 1;
}

/* ---- STARTTLS ---- */

static stralloc anchorwhy;      /* why TLS_MAY could not load the anchors */

/* The client side of tls.c in the mode this attempt needs: 0 or -1.
   TLS_MAY checks the certificate (and reports the verdict) only against
   an anchor file named in control/tlscafile: decoding the system bundle
   costs about 50 ms of CPU per run, for a verdict that changes nothing. */
static int
tlsinit(int mode, const char *cafile, const char **err)
{
    static int ready = -1;

    if (ready == mode) return 0;
    ready = -1;
    if (mode == SMTPSESSION_TLS_MUST) {
        if (tls_client_init(TLS_VERIFY, cafile, err) == -1) return -1;
    } else if (!cafile) {
        if (tls_client_init(TLS_NOVERIFY, 0, err) == -1) return -1;
    } else if (tls_client_init(TLS_CHECK, cafile, err) == -1) {
        if (!stralloc_copys(&anchorwhy, *err)) return -1;
        if (tls_client_init(TLS_NOVERIFY, 0, err) == -1) return -1;
    }
    ready = mode;
    return 0;
}

static int
tlsnote(struct smtpsession *s)
{
    struct tls_info ti;

    tls_info(&ti);
    if (!stralloc_copys(&s->tlsnote, "TLS: ") || !stralloc_cats(&s->tlsnote, ti.version)
        || !stralloc_cats(&s->tlsnote, " ") || !stralloc_cats(&s->tlsnote, ti.cipher)
        || !stralloc_cats(&s->tlsnote, ", certificate ")) return 0;
    if (ti.verified) return stralloc_cats(&s->tlsnote, "verified");
    if (anchorwhy.len)
        return stralloc_cats(&s->tlsnote, "not checked (trust anchors: ")
            && stralloc_cat(&s->tlsnote, &anchorwhy) && stralloc_cats(&s->tlsnote, ")");
    if (str_start(ti.verify, "not checked")) return stralloc_cats(&s->tlsnote, ti.verify);
    return stralloc_cats(&s->tlsnote, "not verified: ") && stralloc_cats(&s->tlsnote, ti.verify);
}

/* a TLS failure: give up on this connection; 1 next host or 2 clear, -1 no memory */
static int
tlsfailed(struct smtpsession *s, stralloc *why, const char *err)
{
    if (!stralloc_cats(why, "TLS with ") || !stralloc_cat(why, &s->host)
        || !stralloc_cats(why, " failed: ") || !stralloc_cats(why, err)
        || !stralloc_cats(why, ". ")) return -1;
    hangup(s);
    return s->tlsmode == SMTPSESSION_TLS_MAY ? 2 : 1;
}

/* 0 TLS is up and EHLO repeated, or go on in clear; 1 next host;
   2 reconnect without TLS; -1 no memory */
static int
starttls(struct smtpsession *s, struct smtpsession_msg *m, stralloc *why)
{
    const char *err;
    int must = s->tlsmode == SMTPSESSION_TLS_MUST;

    if (s->tlsmode == SMTPSESSION_TLS_NO) return 0;
    if (!(s->ehlo.flags & EHLO_STARTTLS)) {
        if (!must) return 0;
        if (!note(why, "", s, " does not offer STARTTLS, and control/tlsdestinations requires TLS"))
            return -1;
        quit(s);
        return 1;
    }
    if (tlsinit(s->tlsmode, m->cafile, &err) == -1) {
        if (!must) return 0;    /* STARTTLS not sent yet: go on in clear */
        if (!stralloc_cats(why, "TLS with ") || !stralloc_cat(why, &s->host)
            || !stralloc_cats(why, " not started: trust anchors: ") || !stralloc_cats(why, err)
            || !stralloc_cats(why, ". ")) return -1;
        quit(s);
        return 1;
    }
    if (command(s, "STARTTLS", 0, 0) == -1 || getreply(s) == -1)
        return tlsfailed(s, why, "connection lost after STARTTLS");
    if (s->reply.code != 220) {
        if (!must) return 0;    /* RFC 3207: the session goes on in clear */
        if (!refused(why, s, " (STARTTLS). ")) return -1;
        quit(s);
        return 1;
    }
    if (tls_client(s->fd, s->fd, s->name, (unsigned)tmo, &err) == -1)
        return tlsfailed(s, why, err);
    s->tls = 1;
    /* whatever came in clear after the 220 is dropped here (RFC 3207) */
    buffer_init(&in, tls_read, s->fd, inbuf, sizeof inbuf);
    if (!tlsnote(s)) return -1;
    if (command(s, "EHLO ", m->helohost, 0) == -1 || getreply(s) == -1)
        return tlsfailed(s, why, "connection lost after EHLO");
    if (s->reply.code != 250) {
        if (!refused(why, s, " (EHLO after STARTTLS). ")) return -1;
        quit(s);
        return s->tlsmode == SMTPSESSION_TLS_MAY ? 2 : 1;
    }
    smtpclient_ehlo(s->reply.text.s, s->reply.text.len, &s->ehlo);
    return 0;
}

/* ---- one transaction ---- */

static int
finish(struct smtpsession *s, char letter)
{
    if (s->fd != -1) quit(s);
    s->letter = letter;
    if (letter != 'D' && s->tlsnote.len
        && (!stralloc_cats(&s->text, "\n") || !stralloc_cat(&s->text, &s->tlsnote)))
        return SMTPSESSION_NOMEM;
    return SMTPSESSION_DONE;
}

static int
broken(struct smtpsession *s, const char *when)
{
    s->tcpto = s->timedout ? 1 : -1;
    stralloc_zero(&s->text);
    if (!lost(&s->text, s, when)) return SMTPSESSION_NOMEM;
    hangup(s);
    return finish(s, 'Z');
}

/* the message, encoded: 0 sent, 1 unable to read it, 2 lost, -1 no memory */
static int
senddata(struct smtpsession *s, struct smtpsession_msg *m)
{
    static stralloc out;
    struct smtpclient_data st = { 0 };
    char b[SMTPSESSION_CHUNK];
    ssize_t r;

    if (lseek(m->fd, 0, SEEK_SET) == -1) return 1;
    for (;;) {
        do r = read(m->fd, b, sizeof b); while (r == -1 && errno == EINTR);
        if (r == -1) return 1;
        stralloc_zero(&out);
        if (r == 0) { if (!smtpclient_dataend(&st, &out)) return -1; }
        else if (!smtpclient_dataput(&st, b, (size_t)r, &out)) return -1;
        if (net_write(s, out.s, out.len) == -1) return 2;
        if (r == 0) return 0;
    }
}

/* addr as RFC 5321 wants it between < and >. Addresses are stored
   unquoted (as mail-smtpd and qmail keep them), so a local part that is
   no dot-atom is quoted again here (addrlist_catlocal: '"' and '\\'
   escaped): otherwise "john doe"@x would go out broken and "x> SIZE=1"@y
   would add a parameter of the sender's choosing. mail-remote refuses
   addresses with control bytes before it gets here. */
static int
addrcat(stralloc *sa, const char *addr)
{
    size_t len = str_len(addr), at = byte_rchr(addr, len, '@');

    if (!len) return 1;
    return addrlist_catlocal(sa, addr, at) && stralloc_cats(sa, addr + at);
}

static int
has8bit(const char *s)
{
    for (; *s; ++s)
        if ((unsigned char)*s & 128) return 1;
    return 0;
}

/* an address with a byte above 127 (an internationalized one, which
   mail-smtpd accepts with SMTPUTF8): RFC 6531 */
static int
needsutf8(const struct smtpsession_msg *m)
{
    int i;

    if (has8bit(m->sender)) return 1;
    for (i = 0; i < m->n; ++i)
        if (has8bit(m->r[i].addr)) return 1;
    return 0;
}

static int
rcptcmd(stralloc *sa, const char *addr)
{
    return stralloc_cats(sa, "RCPT TO:<") && addrcat(sa, addr) && stralloc_cats(sa, ">\r\n");
}

static int
mailcmd(struct smtpsession *s, struct smtpsession_msg *m, stralloc *mail)
{
    char num[FMT_ULONG];
    int i;

    if (!stralloc_copys(mail, "MAIL FROM:<") || !addrcat(mail, m->sender)
        || !stralloc_cats(mail, ">")) return 0;
    if ((s->ehlo.flags & EHLO_SIZE) && (!stralloc_cats(mail, " SIZE=")
        || !stralloc_catb(mail, num, fmt_ulong(num, m->size)))) return 0;
    if (m->eightbit && (s->ehlo.flags & EHLO_8BITMIME) && !stralloc_cats(mail, " BODY=8BITMIME"))
        return 0;
    if (needsutf8(m) && !stralloc_cats(mail, " SMTPUTF8")) return 0;
    if (!stralloc_catb(mail, "\r\n", 2)) return 0;
    if (s->ehlo.flags & EHLO_PIPELINING) {
        for (i = 0; i < m->n; ++i)
            if (!rcptcmd(mail, m->r[i].addr)) return 0;
        if (!stralloc_cats(mail, "DATA\r\n")) return 0;
    }
    return 1;
}

static char
letterfor(unsigned int code)
{
    return code < 400 ? 'K' : code >= 500 ? 'D' : 'Z';
}

/* DATA's reply and what follows it */
static int
data(struct smtpsession *s, struct smtpsession_msg *m, int accepted)
{
    int r;

    if (getreply(s) == -1) return broken(s, " during the transaction");
    if (s->reply.code == 354 && !accepted) {
        if (net_write(s, ".\r\n", 3) == -1 || getreply(s) == -1)
            return broken(s, " during the transaction");
        return -2;
    }
    if (s->reply.code == 354) {
        r = senddata(s, m);
        if (r == -1) return SMTPSESSION_NOMEM;
        if (r == 1) {
            /* nothing sensible can follow: drop the connection without the final dot */
            hangup(s);
            if (!stralloc_copys(&s->text, "Unable to read the message (#4.3.0)"))
                return SMTPSESSION_NOMEM;
            return finish(s, 'Z');
        }
        if (r == 2) return broken(s, " while sending the message");
        if (getreply(s) == -1) return broken(s, " during the transaction");
        if (!saidtext(s, &s->text)) return SMTPSESSION_NOMEM;
        s->tcpto = 0;
        return finish(s, letterfor(s->reply.code));
    }
    if (!accepted) return -2;
    if (!saidtext(s, &s->text) || !stralloc_cats(&s->text, " (DATA)")) return SMTPSESSION_NOMEM;
    return finish(s, s->reply.code >= 500 ? 'D' : 'Z');
}

static int
transaction(struct smtpsession *s, struct smtpsession_msg *m)
{
    static stralloc mail;
    char num[FMT_ULONG];
    int pipelined = (s->ehlo.flags & EHLO_PIPELINING) != 0, i, r, accepted = 0;

    if ((s->ehlo.flags & EHLO_SIZE) && s->ehlo.size && m->size > s->ehlo.size) {
        if (!stralloc_copys(&s->text, "Message too big for ") || !stralloc_cat(&s->text, &s->host)
            || !stralloc_cats(&s->text, ", whose SIZE limit is ")
            || !stralloc_catb(&s->text, num, fmt_ulong(num, s->ehlo.size))
            || !stralloc_cats(&s->text, " bytes (#5.3.4)")) return SMTPSESSION_NOMEM;
        return finish(s, 'D');
    }
    if (needsutf8(m) && !(s->ehlo.flags & EHLO_SMTPUTF8)) {    /* RFC 6531 3.2 */
        if (!stralloc_copys(&s->text, "An address of this message is not ASCII, and ")
            || !stralloc_cat(&s->text, &s->host)
            || !stralloc_cats(&s->text, " does not offer SMTPUTF8 (#5.6.7)")) return SMTPSESSION_NOMEM;
        return finish(s, 'D');
    }
    if (!mailcmd(s, m, &mail)) return SMTPSESSION_NOMEM;
    if (net_write(s, mail.s, mail.len) == -1 || getreply(s) == -1)
        return broken(s, " during the transaction");
    if (s->reply.code >= 300) {
        if (!saidtext(s, &s->text) || !stralloc_cats(&s->text, " (MAIL FROM)"))
            return SMTPSESSION_NOMEM;
        if (pipelined) hangup(s);       /* RCPT and DATA replies pending */
        return finish(s, s->reply.code >= 500 ? 'D' : 'Z');
    }
    for (i = 0; i < m->n; ++i) {
        if (!pipelined) {
            stralloc_zero(&mail);
            if (!rcptcmd(&mail, m->r[i].addr)) return SMTPSESSION_NOMEM;
            if (net_write(s, mail.s, mail.len) == -1) return broken(s, " during the transaction");
        }
        if (getreply(s) == -1) return broken(s, " during the transaction");
        if (!saidtext(s, &m->r[i].text)) return SMTPSESSION_NOMEM;
        m->r[i].letter = s->reply.code < 300 ? 'r' : s->reply.code >= 500 ? 'h' : 's';
        if (m->r[i].letter == 'r') ++accepted;
    }
    s->rcptsdone = 1;
    if (!pipelined && accepted && command(s, "DATA", 0, 0) == -1)
        return broken(s, " during the transaction");
    if (pipelined || accepted) {
        r = data(s, m, accepted);
        if (r != -2) return r;
    }
    if (!stralloc_copys(&s->text, "No recipient was accepted by ")
        || !stralloc_cat(&s->text, &s->host)) return SMTPSESSION_NOMEM;
    s->tcpto = 0;
    return finish(s, 'D');
}

int
smtpsession_run(struct smtpsession *s, struct smtpsession_msg *m, stralloc *why)
{
    int r;

    s->fd = -1;
    s->tls = 0;
    s->timedout = 0;
    s->rcptsdone = 0;
    s->tcpto = -1;
    s->letter = 'Z';
    stralloc_zero(&s->text);
    stralloc_zero(&s->tlsnote);
    tmo = m->timeoutremote ? m->timeoutremote : 1;
    if (!describe(s)) return SMTPSESSION_NOMEM;
    if (connectto(s, m->timeoutconnect ? m->timeoutconnect : 1) == -1) {
        if (s->timedout) s->tcpto = 1;
        return note(why, s->timedout ? "Timeout connecting to " : "Unable to connect to ", s, "")
            ? SMTPSESSION_NEXT : SMTPSESSION_NOMEM;
    }
    r = hello(s, m, why);
    if (r == 0) r = starttls(s, m, why);
    if (r != 0) {
        if (s->timedout) s->tcpto = 1;
        hangup(s);
        return r == -1 ? SMTPSESSION_NOMEM : r == 2 ? SMTPSESSION_CLEAR : SMTPSESSION_NEXT;
    }
    return transaction(s, m);
}
