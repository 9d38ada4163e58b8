/* mail-remote: send one queued message to the SMTP host(s) of one domain */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
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
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "control.h"
#include "die.h"
#include "mxlist.h"
#include "smtproutes.h"
#include "smtpsession.h"
#include "tcpto.h"

#define TEXTMAX 900             /* one report text; mail-rspawn keeps 1000 */
#define RCPTMAX 100             /* recipients per run (mail-rspawn sends 50) */

/* one delivery */
struct job {
    const char *domain;
    struct smtpsession_rcpt r[RCPTMAX];
    struct smtpsession_msg m;
    int n;
    unsigned long port;
    struct mxlist mx;
    stralloc why;               /* what went wrong with the hosts tried */
    int tempdns;                /* a lookup failed temporarily */
};

static stralloc me, helohost, routes, locals, tlsdest, cafile;
static unsigned long timeoutconnect = 60, timeoutremote = 1200;

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
    if (!stralloc_0(&helohost)) nomem(j);       /* control_readline leaves no NUL */
    if (control_readlines(&routes, "control/smtproutes") == -1)
        report_s(j, 'Z', "Unable to read control/smtproutes (#4.3.0)");
    if (control_readlines(&locals, "control/locals") == -1)
        report_s(j, 'Z', "Unable to read control/locals (#4.3.0)");
    if (control_readlines(&tlsdest, "control/tlsdestinations") == -1)
        report_s(j, 'Z', "Unable to read control/tlsdestinations (#4.3.0)");
    if (control_readline(&cafile, "control/tlscafile", 0) == -1)
        report_s(j, 'Z', "Unable to read control/tlscafile (#4.3.0)");
    if (!stralloc_0(&cafile)) nomem(j);
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
    char b[SMTPSESSION_CHUNK];
    ssize_t r;
    ssize_t i;

    j->m.size = 0;
    j->m.eightbit = 0;
    for (;;) {
        do r = read(0, b, sizeof b); while (r == -1 && errno == EINTR);
        if (r == -1) report_s(j, 'Z', "Unable to read the message (#4.3.0)");
        if (r == 0) break;
        j->m.size += (unsigned long)r;
        for (i = 0; i < r; ++i) {
            if (b[i] == '\n') ++j->m.size;
            if ((unsigned char)b[i] & 128) j->m.eightbit = 1;
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
    if (!mx.len)    /* the implicit MX: the loop check below applies too (RFC 5321 5.1) */
        addhost(j, domain, MXLIST_IMPLICIT, 0);
    while (mx.len && (r = mxlist_next(mx.s, mx.len, &pos, &pref, &name)) == 1) {
        if (!*name || str_equal(name, ".")) continue;
        if (islocalname(name) && pref < prefme) prefme = pref;
        addhost(j, name, pref, dns_random(1u << 30));
    }
    if (mx.len && r == -1) report_s(j, 'Z', "Malformed answer to the MX lookup (#4.4.3)");
    for (i = 0; i < j->mx.n; ++i)
        if (islocalip(j->mx.a[i].ip) && j->mx.a[i].pref < prefme) prefme = j->mx.a[i].pref;
    if (prefme != (unsigned long)-1) {
        mxlist_cut(&j->mx, prefme);
        if (!j->mx.n)
            report_s(j, 'D', mx.len ? "Mail loop: this host is the best MX of the domain, "
                     "but the domain is not in control/locals (#5.4.6)"
                     : "Mail loop: the domain has no MX and its address is this host's, "
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
        if (islocalip(ip))
            report_s(j, 'D', "Mail loop: the address literal is this host's, "
                     "but it is not in control/locals (#5.4.6)");
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

/* dns_random_init wants 128 bytes; its own state adds time and pid */
static void
dns_seed(void)
{
    static char seed[128];
    unsigned long t = (unsigned long)time(0), p = (unsigned long)getpid();

    byte_copy(seed, sizeof t, &t);
    byte_copy(seed + sizeof t, sizeof p, &p);
    dns_random_init(seed);
}

/* ---- the hosts, one after the other ---- */

static void
notetcpto(const char ip[16], int timedout)
{
    static char tcptofile[TCPTO_SIZE];
    int fd = tcpto_load("queue/lock/tcpto", tcptofile, 1);

    if (fd == -1) return;       /* only a hint: never a reason to fail */
    tcpto_note(tcptofile, ip, (unsigned long)time(0), timedout);
    tcpto_store(fd, tcptofile);
    close(fd);
}

/* "Skipped NAME [IP]: ..." without connecting */
static void
skipped(struct job *j, struct smtpsession *s)
{
    char ipstr[FMT_IP6 + 1];
    size_t n;

    if (ip6_isv4mapped(s->ip)) n = fmt_ip4(ipstr, s->ip + 12);
    else n = fmt_ip6(ipstr, s->ip);
    if (!stralloc_cats(&j->why, "Skipped ") || !stralloc_cats(&j->why, s->name)
        || !stralloc_cats(&j->why, " [") || !stralloc_catb(&j->why, ipstr, n)
        || !stralloc_cats(&j->why, "]: it timed out recently (mail-tcpto). ")) nomem(j);
}

static void __attribute__((noreturn))
deliver(struct job *j)
{
    static struct smtpsession s;
    static char tcptofile[TCPTO_SIZE];
    unsigned long now = (unsigned long)time(0);
    int tlsmode = tlsrequired(j->domain) ? SMTPSESSION_TLS_MUST : SMTPSESSION_TLS_MAY;
    size_t i;
    int fd, r;

    fd = tcpto_load("queue/lock/tcpto", tcptofile, 0);
    if (fd != -1) close(fd);
    else byte_zero(tcptofile, sizeof tcptofile);
    for (i = 0; i < j->mx.n; ++i) {
        s.name = j->mx.names.s + j->mx.a[i].name;
        byte_copy(s.ip, 16, j->mx.a[i].ip);
        s.port = j->port;
        if (tcpto_wait(tcptofile, s.ip, now)) { skipped(j, &s); continue; }
        s.tlsmode = tlsmode;
        do {
            r = smtpsession_run(&s, &j->m, &j->why);
            if (r == SMTPSESSION_NOMEM) nomem(j);
            if (s.tcpto != -1) notetcpto(s.ip, s.tcpto);
            if (r == SMTPSESSION_DONE) report_end(j, s.rcptsdone, s.letter, s.text.s, s.text.len);
            s.tlsmode = SMTPSESSION_TLS_NO;     /* SMTPSESSION_CLEAR: the same host in clear */
        } while (r == SMTPSESSION_CLEAR);
    }
    if (tlsmode == SMTPSESSION_TLS_MUST
        && !stralloc_cats(&j->why, "TLS is required for this domain (control/tlsdestinations); "
                          "nothing was sent in clear. ")) nomem(j);
    if (!stralloc_cats(&j->why, "No host of the domain took the message; will try again. (#4.4.1)"))
        nomem(j);
    report_end(j, 0, 'Z', j->why.s, j->why.len);
}

/* a control byte cannot go into an SMTP command (CR LF would end it) */
static int
hascontrol(const char *s)
{
    for (; *s; ++s)
        if ((unsigned char)*s < 32 || *s == 127) return 1;
    return 0;
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
    j.m.sender = str_equal(argv[2], "#@[]") ? "" : argv[2];
    j.n = j.m.n = argc - 3;
    if (j.n > RCPTMAX) die_perm("more than 100 recipients");
    for (i = 0; i < j.n; ++i) { j.r[i].addr = argv[3 + i]; j.r[i].letter = 's'; }
    j.m.r = j.r;
    j.m.fd = 0;
    if (chdir(auto_home) == -1) report_s(&j, 'Z', "Unable to switch to the kirim home directory (#4.3.0)");
    if (!*j.domain) report_s(&j, 'D', "The recipient address has no domain (#5.1.3)");
    if (hascontrol(j.m.sender))
        report_s(&j, 'D', "The sender address contains control characters (#5.1.7)");
    for (i = 0; i < j.n; ++i)
        if (hascontrol(j.r[i].addr))
            report_s(&j, 'D', "A recipient address contains control characters (#5.1.3)");
    readcontrols(&j);
    j.m.helohost = helohost.s;
    j.m.timeoutconnect = timeoutconnect;
    j.m.timeoutremote = timeoutremote;
    j.m.cafile = cafile.len > 1 ? cafile.s : 0;
    scanmessage(&j);
    dns_seed();
    addresses(&j);
    deliver(&j);
}
