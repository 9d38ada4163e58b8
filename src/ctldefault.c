/* ctldefault.c: the table of control files and their defaults (DESIGN section 8) */
#include <errno.h>
#include <unistd.h>
#include "scan.h"
#include "str.h"
#include "auto.h"
#include "control.h"
#include "ctldefault.h"

#define ME 0, 1

const struct ctldefault ctldefault[] = {
    { "me", CTL_LINE, 0, 0, "the host name" },
    { "defaultdomain", CTL_LINE, ME, "the value of me" },
    { "defaulthost", CTL_LINE, ME, "the value of me" },
    { "plusdomain", CTL_LINE, ME, "the value of me" },
    { "idhost", CTL_LINE, ME, "the value of me" },
    { "locals", CTL_LIST, ME, "the value of me" },
    { "rcpthosts", CTL_LIST, 0, 0, "empty, no domain is accepted for relay" },
    { "morercpthosts", CTL_LIST, 0, 0, "empty" },
    { "morercpthosts.cdb", CTL_CDB, 0, 0, "none" },
    { "virtualdomains", CTL_LIST, 0, 0, "none" },
    { "smtproutes", CTL_LIST, 0, 0, "none, MX records decide" },
    { "smtpgreeting", CTL_LINE, ME, "the value of me" },
    { "databytes", CTL_NUM, "36700160", 0, "35 MiB; 0 in the file means no limit" },
    { "timeoutsmtpd", CTL_NUM, "1200", 0, "seconds" },
    { "timeoutremote", CTL_NUM, "1200", 0, "seconds" },
    { "timeoutconnect", CTL_NUM, "60", 0, "seconds" },
    { "tlsdestinations", CTL_LIST, 0, 0, "none, TLS is opportunistic" },
    { "tlscafile", CTL_LINE, "/etc/ssl/certs/ca-certificates.crt", 0, "the system trust store" },
    { "timeoutpop3d", CTL_NUM, "1200", 0, "seconds" },
    { "timeoutprogram", CTL_NUM, "1000", 0, "seconds a .qmail program may run; 0: no limit" },
    { "pop3cleartext", CTL_NUM, "0", 0, "0: POP3 login only after TLS" },
    { "concurrencylocal", CTL_NUM, "10", 0, "deliveries at once" },
    { "concurrencyremote", CTL_NUM, "20", 0, "deliveries at once" },
    { "queuelifetime", CTL_NUM, "604800", 0, "seconds, one week" },
    { "bouncefrom", CTL_LINE, "MAILER-DAEMON", 0, "MAILER-DAEMON" },
    { "bouncehost", CTL_LINE, ME, "the value of me" },
    { "doublebouncehost", CTL_LINE, ME, "the value of me" },
    { "doublebounceto", CTL_LINE, "postmaster", 0, "postmaster" },
    { "envnoathost", CTL_LINE, ME, "the value of me" },
    { "helohost", CTL_LINE, ME, "the value of me" },
    { "localiphost", CTL_LINE, ME, "the value of me" },
    { "percenthack", CTL_LIST, 0, 0, "none" },
    { "badmailfrom", CTL_LIST, 0, 0, "none" },
    { "badrcptto", CTL_LIST, 0, 0, "none" },
    { "maxrcpt", CTL_NUM, "100", 0, "recipients in one SMTP transaction" },
    { "smtpauthcleartext", CTL_NUM, "0", 0, "0: SMTP AUTH only after TLS" },
    { "maxlinelength", CTL_NUM, "1000", 0, "octets in an SMTP DATA line, CRLF included; 0: no limit" },
    { "defaultdelivery", CTL_LINE, "./Maildir/", 0, "./Maildir/" },
};

const unsigned int ctldefault_count = sizeof ctldefault / sizeof ctldefault[0];

const struct ctldefault *
ctldefault_find(const char *name)
{
    unsigned int i;

    for (i = 0; i < ctldefault_count; ++i)
        if (str_equal(ctldefault[i].name, name)) return &ctldefault[i];
    return 0;
}

static const struct ctldefault *
lookup(const char *name, int kind)
{
    const struct ctldefault *c = ctldefault_find(name);

    if (!c || c->kind != kind) { errno = EINVAL; return 0; }
    return c;
}

/* "control/" name, or home "/control/" name when home is set,
   NUL-ended, in a static buffer */
static const char *
path_in(const char *home, const char *name)
{
    static stralloc fn;

    fn.len = 0;
    if (home && (!stralloc_copys(&fn, home) || !stralloc_append(&fn, "/"))) return 0;
    if (!stralloc_cats(&fn, "control/") || !stralloc_cats(&fn, name)
        || !stralloc_0(&fn)) return 0;
    return fn.s;
}

static const char *
path(const char *name)
{
    return path_in(0, name);
}

int
ctldefault_me(stralloc *sa)
{
    char host[256];
    const char *fn = path("me");
    int r;

    if (!fn) return -1;
    r = control_readline(sa, fn, 0);
    if (r != 0) return r;
    if (gethostname(host, sizeof host - 1) == -1) return -1;
    host[sizeof host - 1] = 0;
    if (!stralloc_copys(sa, host)) return -1;
    return 0;
}

int
ctldefault_line(stralloc *sa, const char *name)
{
    const struct ctldefault *c = lookup(name, CTL_LINE);
    const char *fn;
    int r;

    if (!c) return -1;
    if (str_equal(name, "me")) return ctldefault_me(sa);
    if (!(fn = path(name))) return -1;
    r = control_readline(sa, fn, c->def ? c->def : "");
    if (r != 0 || !c->defme) return r;
    r = ctldefault_me(sa);
    return r == -1 ? -1 : 0;
}

static int
num_in(unsigned long *u, const char *home, const char *name)
{
    const struct ctldefault *c = lookup(name, CTL_NUM);
    unsigned long def = 0;
    const char *fn;

    if (!c) return -1;
    if (c->def) scan_ulong(c->def, &def);
    if (!(fn = path_in(home, name))) return -1;
    return control_readulong(u, fn, def);
}

int
ctldefault_num(unsigned long *u, const char *name)
{
    return num_in(u, 0, name);
}

int
ctldefault_num_home(unsigned long *u, const char *name)
{
    return num_in(u, auto_home, name);
}

int
ctldefault_list(stralloc *sa, const char *name)
{
    const struct ctldefault *c = lookup(name, CTL_LIST);
    const char *fn;
    int r;

    if (!c) return -1;
    if (!(fn = path(name))) return -1;
    r = control_readlines(sa, fn);
    if (r != 0 || !c->defme) return r;
    r = ctldefault_me(sa);
    if (r == -1) return -1;
    return stralloc_0(sa) ? 0 : -1;
}
