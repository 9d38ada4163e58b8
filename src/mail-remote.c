/* mail-remote: send one queued message to the SMTP host(s) of one domain */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "case.h"
#include "dns.h"
#include "fmt.h"
#include "ip4.h"
#include "ip6.h"
#include "socket.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "control.h"
#include "die.h"
#include "mxlist.h"
#include "smtpclient.h"
#include "smtproutes.h"
#include "tcpto.h"

#define TEXTMAX 900             /* one report text; mail-rspawn keeps 1000 */
#define RCPTMAX 100             /* recipients per run (mail-rspawn sends 50) */
#define QUITWAIT 5              /* seconds to wait for QUIT's reply */
#define CHUNK 65536             /* message bytes read at a time */

/* the result of one recipient: 'r' accepted, 'h' permanent, 's' temporary */
struct rcpt {
    const char *addr;
    char letter;
    stralloc text;
};

/* one delivery */
struct job {
    const char *domain, *sender;
    struct rcpt r[RCPTMAX];
    int n;
    unsigned long msgsize;      /* after CRLF conversion */
    int eightbit;
    unsigned long port;
    struct mxlist mx;
    stralloc why;               /* what went wrong with the hosts tried */
    int tempdns;                /* a lookup failed temporarily */
    int rcptsdone;              /* every RCPT has its reply */
};

/* the connection to one host */
struct conn {
    int fd;
    const char *name;           /* host name */
    char ipstr[FMT_IP6 + 2];
    stralloc host;              /* "name [ip]" for texts */
    struct smtpclient reply;
    struct ehlo ehlo;
    int timedout;
};

static stralloc me, helohost, routes, locals, tlsdest;
static unsigned long timeoutconnect = 60, timeoutremote = 1200;
static char tcptofile[TCPTO_SIZE];

/* ---- the report on fd 1 (doc/mail-remote.8) ---- */

static void
report_put(char letter, const char *t, size_t len)
{
    size_t i;
    char c;

    if (len > TEXTMAX) len = TEXTMAX;
    buffer_put(buffer_1, &letter, 1);
    for (i = 0; i < len; ++i) {
        c = t[i] ? t[i] : '?';
        buffer_put(buffer_1, &c, 1);
    }
    buffer_put(buffer_1, "", 1);
}

/* the message's result: recipients' records first (when known), then it */
static void __attribute__((noreturn))
report_end(struct job *j, int withrcpts, char letter, const char *t, size_t len)
{
    int i;

    if (withrcpts)
        for (i = 0; i < j->n; ++i) report_put(j->r[i].letter, j->r[i].text.s, j->r[i].text.len);
    report_put(letter, t, len);
    buffer_flush(buffer_1);
    _exit(0);
}

static void __attribute__((noreturn))
report_s(struct job *j, char letter, const char *t)
{
    report_end(j, 0, letter, t, str_len(t));
}

static void __attribute__((noreturn))
nomem(struct job *j)
{
    report_s(j, 'Z', "mail-remote: out of memory (#4.3.0)");
}

/* ---- controls ---- */

static void
readcontrols(struct job *j)
{
    if (control_readline(&me, "control/me", "localhost") == -1)
        report_s(j, 'Z', "Unable to read control/me (#4.3.0)");
    if (control_readline(&helohost, "control/helohost", 0) == -1)
        report_s(j, 'Z', "Unable to read control/helohost (#4.3.0)");
    if (!helohost.len && !stralloc_copy(&helohost, &me)) nomem(j);
    if (control_readlines(&routes, "control/smtproutes") == -1)
        report_s(j, 'Z', "Unable to read control/smtproutes (#4.3.0)");
    if (control_readlines(&locals, "control/locals") == -1)
        report_s(j, 'Z', "Unable to read control/locals (#4.3.0)");
    if (control_readlines(&tlsdest, "control/tlsdestinations") == -1)
        report_s(j, 'Z', "Unable to read control/tlsdestinations (#4.3.0)");
    if (control_readulong(&timeoutconnect, "control/timeoutconnect", 60) < 0)
        report_s(j, 'Z', "Unable to read control/timeoutconnect (#4.3.0)");
    if (control_readulong(&timeoutremote, "control/timeoutremote", 1200) < 0)
        report_s(j, 'Z', "Unable to read control/timeoutremote (#4.3.0)");
    if (!timeoutconnect) timeoutconnect = 1;
    if (!timeoutremote) timeoutremote = 1;
}

/* size after CRLF conversion and whether a byte has the high bit set */
static void
scanmessage(struct job *j)
{
    char b[CHUNK];
    ssize_t r;
    ssize_t i;

    j->msgsize = 0;
    j->eightbit = 0;
    for (;;) {
        do r = read(0, b, sizeof b); while (r == -1 && errno == EINTR);
        if (r == -1) report_s(j, 'Z', "Unable to read the message (#4.3.0)");
        if (r == 0) break;
        j->msgsize += (unsigned long)r;
        for (i = 0; i < r; ++i) {
            if (b[i] == '\n') ++j->msgsize;
            if ((unsigned char)b[i] & 128) j->eightbit = 1;
        }
    }
    if (lseek(0, 0, SEEK_SET) == -1) report_s(j, 'Z', "Unable to rewind the message (#4.3.0)");
}

/* the domain, or a ".parent" of it, is a line of control/tlsdestinations */
static int
tlsrequired(const char *d)
{
    size_t pos, n, i, len = str_len(d);

    for (pos = 0; pos < tlsdest.len; pos += n + 1) {
        n = str_len(tlsdest.s + pos);
        for (i = 0; i < len; ++i) {
            if (i && d[i] != '.') continue;
            if (n == len - i && !case_diffb(tlsdest.s + pos, n, d + i)) return 1;
        }
    }
    return 0;
}

/* ---- addresses ---- */

static int
islocalname(const char *name)
{
    size_t pos, n, len = str_len(name);

    if (len && name[len - 1] == '.') --len;
    if (me.len == len && !case_diffb(me.s, len, name)) return 1;
    for (pos = 0; pos < locals.len; pos += n + 1) {
        n = str_len(locals.s + pos);
        if (n == len && !case_diffb(locals.s + pos, len, name)) return 1;
    }
    return 0;
}

/* one of this host's interface addresses */
static int
islocalip(const char ip[16])
{
    static struct ifaddrs *ifa;
    static int got;
    struct ifaddrs *i;
    char x[16];

    if (!got) { if (getifaddrs(&ifa) == -1) ifa = 0; got = 1; }
    for (i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr) continue;
        if (i->ifa_addr->sa_family == AF_INET) {
            byte_copy(x, 12, V4mappedprefix);
            byte_copy(x + 12, 4, &((struct sockaddr_in *)i->ifa_addr)->sin_addr);
        } else if (i->ifa_addr->sa_family == AF_INET6)
            byte_copy(x, 16, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr);
        else continue;
        if (byte_equal(x, 16, ip)) return 1;
    }
    return 0;
}

/* "[1.2.3.4]" or "[IPv6:...]" / "[::1]" as an address; 1 when it is one */
static int
literal(const char *s, size_t len, char ip[16])
{
    static stralloc t;
    const char *p;

    if (len < 2 || s[0] != '[' || s[len - 1] != ']') return 0;
    if (!stralloc_copyb(&t, s + 1, len - 2) || !stralloc_0(&t)) return 0;
    p = t.s;
    if (t.len > 5 && !case_diffb(p, 5, "IPv6:")) p += 5;
    if (scan_ip4(p, ip + 12) == str_len(p) && *p) {
        byte_copy(ip, 12, V4mappedprefix);
        return 1;
    }
    return scan_ip6(p, ip) == str_len(p) && *p && str_chr(p, ':') < str_len(p);
}

/* all addresses of name, with preference pref; 0 on a temporary error */
static int
addhost(struct job *j, const char *name, unsigned long pref, unsigned long key)
{
    static stralloc fqdn, ips;
    size_t i;

    if (!stralloc_copys(&fqdn, name)) nomem(j);
    if (dns_ip6(&ips, &fqdn) == -1) {
        j->tempdns = 1;
        if (!stralloc_cats(&j->why, "DNS trouble looking up the address of ")
            || !stralloc_cats(&j->why, name) || !stralloc_cats(&j->why, ". "))
            nomem(j);
        return 0;
    }
    for (i = 0; i + 16 <= ips.len; i += 16)
        if (!mxlist_add(&j->mx, ips.s + i, pref, name, key)) nomem(j);
    return 1;
}

static void
addmx(struct job *j, const char *domain)
{
    static stralloc fqdn, mx;
    unsigned long pref, prefme = (unsigned long)-1;
    const char *name;
    size_t pos = 0, i;
    int r;

    if (!stralloc_copys(&fqdn, domain)) nomem(j);
    if (dns_mx(&mx, &fqdn) == -1)
        report_s(j, 'Z', "Temporary DNS trouble looking up the MX records of the domain (#4.4.3)");
    if (mxlist_isnull(mx.s, mx.len))
        report_s(j, 'D', "The domain does not accept mail: its MX record is a null MX, RFC 7505 (#5.1.10)");
    if (!mx.len) {
        addhost(j, domain, MXLIST_IMPLICIT, 0);
        return;
    }
    while ((r = mxlist_next(mx.s, mx.len, &pos, &pref, &name)) == 1) {
        if (!*name || str_equal(name, ".")) continue;
        if (islocalname(name) && pref < prefme) prefme = pref;
        addhost(j, name, pref, dns_random(1u << 30));
    }
    if (r == -1) report_s(j, 'Z', "Malformed answer to the MX lookup (#4.4.3)");
    for (i = 0; i < j->mx.n; ++i)
        if (islocalip(j->mx.a[i].ip) && j->mx.a[i].pref < prefme) prefme = j->mx.a[i].pref;
    if (prefme != (unsigned long)-1) {
        mxlist_cut(&j->mx, prefme);
        if (!j->mx.n)
            report_s(j, 'D', "Mail loop: this host is the best MX of the domain, "
                     "but the domain is not in control/locals (#5.4.6)");
    }
}

static void
addresses(struct job *j)
{
    struct smtproute rt;
    static stralloc host;
    char ip[16];
    size_t dlen = str_len(j->domain);
    int r;

    j->port = SMTPROUTES_PORT;
    mxlist_reset(&j->mx);
    if (literal(j->domain, dlen, ip)) {
        if (!mxlist_add(&j->mx, ip, 0, j->domain, 0)) nomem(j);
        return;
    }
    r = smtproutes_find(routes.s, routes.len, j->domain, dlen, &rt);
    if (r == -1) report_s(j, 'Z', "Malformed line in control/smtproutes (#4.3.5)");
    if (r == 1) j->port = rt.port;
    if (r == 1 && rt.hostlen) {
        if (!stralloc_copys(&host, rt.literal ? "[" : "")
            || !stralloc_catb(&host, rt.host, rt.hostlen)
            || !stralloc_cats(&host, rt.literal ? "]" : "")) nomem(j);
        if (rt.literal && !literal(host.s, host.len, ip))
            report_s(j, 'Z', "Bad address literal in control/smtproutes (#4.3.5)");
        if (!stralloc_0(&host)) nomem(j);
        if (rt.literal) { if (!mxlist_add(&j->mx, ip, 0, host.s, 0)) nomem(j); }
        else addhost(j, host.s, 0, 0);
    } else addmx(j, j->domain);
    mxlist_sort(&j->mx);
    if (j->mx.n) return;
    if (j->tempdns) report_end(j, 0, 'Z', j->why.s, j->why.len);
    report_s(j, 'D', "Sorry, I could not find any host by that name (#5.1.2)");
}

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
    if (waitfd(fd, POLLIN, timeoutremote) == -1) return -1;
    do r = read(fd, b, len); while (r == -1 && errno == EINTR);
    return r;
}

static int
net_write(struct conn *c, const char *s, size_t len)
{
    ssize_t w;

    while (len) {
        if (waitfd(c->fd, POLLOUT, timeoutremote) == -1) {
            if (errno == ETIMEDOUT) c->timedout = 1;
            return -1;
        }
        w = write(c->fd, s, len);
        if (w == -1 && (errno == EINTR || errno == EAGAIN)) continue;
        if (w <= 0) return -1;
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

static char inbuf[4096];
static buffer in;

/* the next reply into c->reply: 0, or -1 (timeout, lost, or garbage) */
static int
getreply(struct conn *c)
{
    static stralloc line;
    char ch;
    int r;

    smtpclient_reset(&c->reply);
    for (;;) {
        stralloc_zero(&line);
        for (;;) {
            r = buffer_getc(&in, &ch);
            if (r <= 0) {
                if (r == -1 && errno == ETIMEDOUT) c->timedout = 1;
                return -1;
            }
            if (ch == '\n') break;
            if (line.len < SMTPCLIENT_LINEMAX && !stralloc_append(&line, &ch)) return -1;
        }
        r = smtpclient_line(&c->reply, line.s, line.len);
        if (r < 0) return -1;
        if (r == 1) return 0;
    }
}

static int
command(struct conn *c, const char *a, const char *b, const char *d)
{
    static stralloc cmd;

    if (!stralloc_copys(&cmd, a) || (b && !stralloc_cats(&cmd, b))
        || (d && !stralloc_cats(&cmd, d)) || !stralloc_catb(&cmd, "\r\n", 2)) return -1;
    return net_write(c, cmd.s, cmd.len);
}

/* the reply text for reports: "Remote host NAME [IP] said: REPLY" */
static void
saidtext(struct job *j, struct conn *c, stralloc *t)
{
    if (!stralloc_copys(t, "Remote host ") || !stralloc_cat(t, &c->host)
        || !stralloc_cats(t, " said: ") || !stralloc_cat(t, &c->reply.text)) nomem(j);
}

static void
lost(struct job *j, struct conn *c, const char *when)
{
    if (!stralloc_cats(&j->why, c->timedout ? "Timeout talking to " : "Lost connection to ")
        || !stralloc_cat(&j->why, &c->host) || !stralloc_cats(&j->why, when)
        || !stralloc_cats(&j->why, ". ")) nomem(j);
}

static void
notetcpto(const char ip[16], int timedout)
{
    int fd = tcpto_load("queue/lock/tcpto", tcptofile, 1);

    if (fd == -1) return;       /* only a hint: never a reason to fail */
    tcpto_note(tcptofile, ip, (unsigned long)time(0), timedout);
    tcpto_store(fd, tcptofile);
    close(fd);
}

static int
connectto(struct job *j, struct conn *c, const struct mxaddr *a)
{
    int fd, r;

    if (ip6_isv4mapped(a->ip)) {
        fd = socket_tcp4();
        if (fd == -1) return -1;
        r = socket_connect4(fd, a->ip + 12, (uint16)j->port);
    } else {
        fd = socket_tcp6();
        if (fd == -1) return -1;
        r = socket_connect6(fd, a->ip, (uint16)j->port, 0);
    }
    if (r == -1 && errno != EINPROGRESS && errno != EWOULDBLOCK) { close(fd); return -1; }
    if (r == -1) {
        if (waitfd(fd, POLLOUT, timeoutconnect) == -1) {
            if (errno == ETIMEDOUT) c->timedout = 1;
            close(fd);
            return -1;
        }
        if (!socket_connected(fd)) { close(fd); return -1; }
    }
    c->fd = fd;
    buffer_init(&in, net_read, fd, inbuf, sizeof inbuf);
    return 0;
}

static void
conn_describe(struct job *j, struct conn *c, const struct mxaddr *a)
{
    size_t n;

    c->name = j->mx.names.s + a->name;
    if (ip6_isv4mapped(a->ip)) n = fmt_ip4(c->ipstr, a->ip + 12);
    else n = fmt_ip6(c->ipstr, a->ip);
    c->ipstr[n] = 0;
    if (!stralloc_copys(&c->host, c->name) || !stralloc_cats(&c->host, " [")
        || !stralloc_cats(&c->host, c->ipstr) || !stralloc_cats(&c->host, "]")) nomem(j);
}

static void
quit(struct conn *c)
{
    unsigned long t = timeoutremote;

    timeoutremote = QUITWAIT;
    if (command(c, "QUIT", 0, 0) == 0) getreply(c);
    timeoutremote = t;
    close(c->fd);
    c->fd = -1;
}

/* greeting, EHLO or HELO: 0 ready, -1 try the next host */
static int
hello(struct job *j, struct conn *c)
{
    if (getreply(c) == -1) { lost(j, c, " while waiting for the greeting"); return -1; }
    if (c->reply.code != 220) {
        saidtext(j, c, &j->why);
        if (!stralloc_cats(&j->why, " (greeting). ")) nomem(j);
        quit(c);
        return -1;
    }
    c->ehlo.flags = 0;
    c->ehlo.size = 0;
    if (command(c, "EHLO ", helohost.s, 0) == -1 || getreply(c) == -1) {
        lost(j, c, " after EHLO");
        return -1;
    }
    if (c->reply.code == 250) {
        smtpclient_ehlo(c->reply.text.s, c->reply.text.len, &c->ehlo);
        return 0;
    }
    if (command(c, "HELO ", helohost.s, 0) == -1 || getreply(c) == -1) {
        lost(j, c, " after HELO");
        return -1;
    }
    if (c->reply.code == 250) return 0;
    saidtext(j, c, &j->why);
    if (!stralloc_cats(&j->why, " (HELO). ")) nomem(j);
    quit(c);
    return -1;
}

/* ---- one transaction ---- */

static void __attribute__((noreturn))
finish(struct job *j, struct conn *c, char letter, const stralloc *t)
{
    if (c->fd != -1) quit(c);
    report_end(j, j->rcptsdone, letter, t->s, t->len);
}

static void
rcptresult(struct job *j, struct conn *c, int i)
{
    struct rcpt *r = &j->r[i];

    saidtext(j, c, &r->text);
    r->letter = c->reply.code < 300 ? 'r' : c->reply.code >= 500 ? 'h' : 's';
}

static char
letterfor(unsigned int code)
{
    return code < 400 ? 'K' : code >= 500 ? 'D' : 'Z';
}

static void
senddata(struct job *j, struct conn *c, stralloc *t)
{
    static stralloc out;
    struct smtpclient_data st = { 0 };
    char b[CHUNK];
    ssize_t r;

    for (;;) {
        do r = read(0, b, sizeof b); while (r == -1 && errno == EINTR);
        if (r == -1) {
            /* nothing sensible can follow: drop the connection without the final dot */
            close(c->fd); c->fd = -1;
            if (!stralloc_copys(t, "Unable to read the message (#4.3.0)")) nomem(j);
            finish(j, c, 'Z', t);
        }
        stralloc_zero(&out);
        if (r == 0) { if (!smtpclient_dataend(&st, &out)) nomem(j); }
        else if (!smtpclient_dataput(&st, b, (size_t)r, &out)) nomem(j);
        if (net_write(c, out.s, out.len) == -1) {
            stralloc_zero(&j->why);
            lost(j, c, " while sending the message");
            close(c->fd); c->fd = -1;
            finish(j, c, 'Z', &j->why);
        }
        if (r == 0) return;
    }
}

/* MAIL, RCPT, DATA, the message; never returns */
static void __attribute__((noreturn))
transaction(struct job *j, struct conn *c, const char ip[16])
{
    static stralloc mail, t;
    char num[FMT_ULONG];
    int pipelined = (c->ehlo.flags & EHLO_PIPELINING) != 0, i, accepted = 0;

    if ((c->ehlo.flags & EHLO_SIZE) && c->ehlo.size && j->msgsize > c->ehlo.size) {
        if (!stralloc_copys(&t, "Message too big for ") || !stralloc_cat(&t, &c->host)
            || !stralloc_cats(&t, ", whose SIZE limit is ")
            || !stralloc_catb(&t, num, fmt_ulong(num, c->ehlo.size))
            || !stralloc_cats(&t, " bytes (#5.3.4)")) nomem(j);
        finish(j, c, 'D', &t);
    }
    if (!stralloc_copys(&mail, "MAIL FROM:<") || !stralloc_cats(&mail, j->sender)
        || !stralloc_cats(&mail, ">")) nomem(j);
    if (c->ehlo.flags & EHLO_SIZE) {
        if (!stralloc_cats(&mail, " SIZE=")
            || !stralloc_catb(&mail, num, fmt_ulong(num, j->msgsize))) nomem(j);
    }
    if (j->eightbit && (c->ehlo.flags & EHLO_8BITMIME) && !stralloc_cats(&mail, " BODY=8BITMIME"))
        nomem(j);
    if (!stralloc_catb(&mail, "\r\n", 2)) nomem(j);
    if (pipelined) {
        for (i = 0; i < j->n; ++i)
            if (!stralloc_cats(&mail, "RCPT TO:<") || !stralloc_cats(&mail, j->r[i].addr)
                || !stralloc_cats(&mail, ">\r\n")) nomem(j);
        if (!stralloc_cats(&mail, "DATA\r\n")) nomem(j);
    }
    if (net_write(c, mail.s, mail.len) == -1 || getreply(c) == -1) goto broken;
    if (c->reply.code >= 300) {
        saidtext(j, c, &t);
        if (!stralloc_cats(&t, " (MAIL FROM)")) nomem(j);
        if (pipelined) { close(c->fd); c->fd = -1; }   /* RCPT and DATA replies pending */
        finish(j, c, c->reply.code >= 500 ? 'D' : 'Z', &t);
    }
    for (i = 0; i < j->n; ++i) {
        if (!pipelined && command(c, "RCPT TO:<", j->r[i].addr, ">") == -1) goto broken;
        if (getreply(c) == -1) goto broken;
        rcptresult(j, c, i);
        if (j->r[i].letter == 'r') ++accepted;
    }
    j->rcptsdone = 1;
    if (!pipelined && accepted && command(c, "DATA", 0, 0) == -1) goto broken;
    if (pipelined || accepted) {
        if (getreply(c) == -1) goto broken;
        if (c->reply.code == 354 && !accepted) {
            if (net_write(c, ".\r\n", 3) == -1 || getreply(c) == -1) goto broken;
        } else if (c->reply.code == 354) {
            senddata(j, c, &t);
            if (getreply(c) == -1) goto broken;
            saidtext(j, c, &t);
            notetcpto(ip, 0);
            finish(j, c, letterfor(c->reply.code), &t);
        } else if (accepted) {
            saidtext(j, c, &t);
            if (!stralloc_cats(&t, " (DATA)")) nomem(j);
            finish(j, c, c->reply.code >= 500 ? 'D' : 'Z', &t);
        }
    }
    if (!stralloc_copys(&t, "No recipient was accepted by ") || !stralloc_cat(&t, &c->host))
        nomem(j);
    notetcpto(ip, 0);
    finish(j, c, 'D', &t);
broken:
    if (c->timedout) notetcpto(ip, 1);
    stralloc_zero(&j->why);
    lost(j, c, " during the transaction");
    close(c->fd); c->fd = -1;
    finish(j, c, 'Z', &j->why);
}

static void __attribute__((noreturn))
deliver(struct job *j)
{
    static struct conn c;
    unsigned long now = (unsigned long)time(0), wait;
    size_t i;
    int fd;

    fd = tcpto_load("queue/lock/tcpto", tcptofile, 0);
    if (fd != -1) close(fd);
    else byte_zero(tcptofile, sizeof tcptofile);
    for (i = 0; i < j->mx.n; ++i) {
        const struct mxaddr *a = &j->mx.a[i];

        c.timedout = 0;
        c.fd = -1;
        conn_describe(j, &c, a);
        wait = tcpto_wait(tcptofile, a->ip, now);
        if (wait) {
            if (!stralloc_cats(&j->why, "Skipped ") || !stralloc_cat(&j->why, &c.host)
                || !stralloc_cats(&j->why, ": it timed out recently (mail-tcpto). ")) nomem(j);
            continue;
        }
        if (connectto(j, &c, a) == -1) {
            if (c.timedout) notetcpto(a->ip, 1);
            if (!stralloc_cats(&j->why, c.timedout ? "Timeout connecting to " : "Unable to connect to ")
                || !stralloc_cat(&j->why, &c.host) || !stralloc_cats(&j->why, ". ")) nomem(j);
            continue;
        }
        if (hello(j, &c) == -1) {
            if (c.timedout) notetcpto(a->ip, 1);
            if (c.fd != -1) { close(c.fd); c.fd = -1; }
            continue;
        }
        transaction(j, &c, a->ip);
    }
    if (!stralloc_cats(&j->why, "No host of the domain took the message; will try again. (#4.4.1)"))
        nomem(j);
    report_end(j, 0, 'Z', j->why.s, j->why.len);
}

int
main(int argc, char **argv)
{
    static struct job j;
    int i;

    progname = "mail-remote";
    if (argc < 4) die_usage("mail-remote domain sender recipient ...");
    signal(SIGPIPE, SIG_IGN);
    j.domain = argv[1];
    j.sender = str_equal(argv[2], "#@[]") ? "" : argv[2];
    j.n = argc - 3;
    if (j.n > RCPTMAX) die_perm("more than 100 recipients");
    for (i = 0; i < j.n; ++i) { j.r[i].addr = argv[3 + i]; j.r[i].letter = 's'; }
    if (chdir(auto_home) == -1) report_s(&j, 'Z', "Unable to switch to the kirim home directory (#4.3.0)");
    if (!*j.domain) report_s(&j, 'D', "The recipient address has no domain (#5.1.3)");
    readcontrols(&j);
    if (tlsrequired(j.domain))
        report_s(&j, 'Z', "TLS required by control/tlsdestinations, not available in this "
                 "mail-remote; not sending in clear (#4.7.5)");
    scanmessage(&j);
    dns_random_init(inbuf);
    addresses(&j);
    deliver(&j);
}
