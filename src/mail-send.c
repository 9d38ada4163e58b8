/* mail-send: the scheduler: todo to info/local/remote, deliveries, retries, bounces */
#define _GNU_SOURCE             /* ppoll: signals are unblocked only while waiting */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "fmt.h"
#include "scan.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "control.h"
#include "die.h"
#include "dsn.h"
#include "qclient.h"
#include "qname.h"
#include "ctldefault.h"
#include "retry.h"
#include "vdomain.h"

#define SCAN_EVERY 1500         /* periodic todo scan, seconds */
#define STALE_EVERY 3600        /* look for abandoned mess files */
#define STALE_AGE (36 * 3600)
#define TERM_WAIT 60            /* SIGTERM: wait this long for results */
#define BOUNCE_RETRY 300        /* a bounce mail-queue refused for now */
#define TODO_BATCH 64           /* todo entries made durable together, between two polls */
#define RESULT_MAX 4096         /* one result record, with its slot number */
#define DOUBLE_SENDER "#@[]"

/* one message: a few words each, recipients stay on disk */
struct msg {
    unsigned long id;
    unsigned long birth;        /* 0: not known yet (read from info) */
    unsigned long next[2];      /* next attempt per channel */
    unsigned int inflight[2];
    unsigned int flags;
};
#define M_USED 1u
#define M_PEND(c) (2u << (c))   /* channel has recipients not yet done */
#define M_FRESH(c) (8u << (c))  /* first attempt: goes before retries */
#define M_DEFER(c) (32u << (c)) /* a deferral in this round */
#define M_ACTIVE(c) (128u << (c)) /* being walked or in flight */
#define M_FINISH 512u           /* all done, the bounce is to be retried */
#define M_ALRM(c) (1024u << (c)) /* SIGALRM came while active: a deferral is due at once */
#define M_KEEPMESS 4096u        /* found finished at start-up, and mess/ is not its own */

struct slot {
    int used;
    int msg;                    /* index into msgs */
    unsigned long off;          /* offset of the recipient's record */
    unsigned long delnum;
    stralloc addr;
};

struct chan {
    const char *name;           /* "local" / "remote", also the queue dir */
    int fdreq, fdres;
    int ok;                     /* the spawner is there */
    unsigned long limit, busy, step;
    struct slot *slots;         /* auto_spawn of them */
    int *heap;                  /* waiting messages */
    size_t heaplen, heapcap;
    int cur;                    /* message being walked, or -1 */
    size_t curoff;
    stralloc file;              /* its records */
    stralloc sender;            /* its sender */
    stralloc out;               /* requests not yet written */
    size_t outpos;
    stralloc in;                /* results not yet complete */
};

struct config {
    stralloc me, bouncefrom, bouncehost, dbhost, dbto;
    struct vdomain vd;
    unsigned long lifetime, conc[2];
};

static struct msg *msgs;
static size_t nmsgs, capmsgs;
static int *freemsgs;
static size_t nfree, capfree;
static struct chan chans[2];
static struct config cfg, newcfg;
static unsigned long delnum;
static unsigned long now;
static volatile sig_atomic_t flagalrm, flaghup, flagterm;
static int fdtrigger = -1;

/* todo entries still to process: fresh ones first, then the backlog */
static unsigned long *backlog, *fresh;
static size_t nbacklog, backpos, capbacklog, nfresh, freshpos, capfresh;

static stralloc fn, tmp;

/* ---- logging: one line per event on stdout ---- */

static void
log_s(const char *s)
{
    buffer_puts(buffer_1, s);
}

static void
log_n(unsigned long n)
{
    char num[FMT_ULONG] = { 0 };
    size_t k = fmt_ulong(num, n);

    buffer_put(buffer_1, num, k);
}

/* a foreign string: LF becomes "/", other control bytes "?" */
static void
log_b(const char *s, size_t len)
{
    size_t i;
    char c;

    for (i = 0; i < len; ++i) {
        c = s[i];
        if (c == '\n') c = '/';
        else if ((unsigned char)c < 32 || c == 127) c = '?';
        buffer_put(buffer_1, &c, 1);
    }
}

static void
log_end(void)
{
    buffer_puts(buffer_1, "\n");
    buffer_flush(buffer_1);
}

static void
log_msg(const char *a, unsigned long id, const char *b)
{
    log_s(a);
    log_n(id);
    if (b) log_s(b);
}

static void
log_status(void)
{
    log_s("status: local ");
    log_n(chans[0].busy);
    log_s("/");
    log_n(chans[0].limit);
    log_s(" remote ");
    log_n(chans[1].busy);
    log_s("/");
    log_n(chans[1].ok ? chans[1].limit : 0);
    log_end();
}

static void __attribute__((noreturn))
alert(const char *a, const char *b)
{
    int e = errno;

    log_s("alert: ");
    log_s(a);
    if (b) log_s(b);
    if (e) { log_s(": "); log_s(strerror(e)); }
    log_end();
    _exit(EXIT_TEMP);
}

/* ---- small file helpers ---- */

static void
name(const char *dir, unsigned long id)
{
    if (!qname(&fn, dir, id)) die_nomem();
}

/* sync the directory dir/S */
static void
fsyncsplit(const char *dir, unsigned long split)
{
    char num[FMT_ULONG];
    size_t k;
    int fd;

    if (!stralloc_copys(&fn, dir) || !stralloc_append(&fn, "/")) die_nomem();
    k = fmt_ulong(num, split);
    if (!stralloc_catb(&fn, num, k) || !stralloc_0(&fn)) die_nomem();
    fd = open(fn.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1 || fsync(fd) == -1) alert("unable to sync ", fn.s);
    close(fd);
}

/* write data to dir/S/id (replacing it), not synced yet: the open fd,
   or -2 when data is empty (the file is removed), or -1 on error.
   *changed: the directory dir/S may have changed (created or removed) */
static int
putfile(const char *dir, unsigned long id, const stralloc *data, int *changed)
{
    size_t pos;
    ssize_t w;
    int fd;

    *changed = 0;
    name(dir, id);
    if (!data->len) {
        if (unlink(fn.s) == 0) { *changed = 1; return -2; }
        return errno == ENOENT ? -2 : -1;
    }
    fd = open(fn.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1) return -1;
    *changed = 1;
    for (pos = 0; pos < data->len; pos += (size_t)w) {
        w = write(fd, data->s + pos, data->len - pos);
        if (w == -1) {
            if (errno == EINTR) { w = 0; continue; }
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* read dir/S/id: 1 ok, 0 missing, -1 error */
static int
getfile(stralloc *sa, const char *dir, unsigned long id)
{
    name(dir, id);
    return control_readfile(sa, fn.s);
}

static void
unlinkq(const char *dir, unsigned long id)
{
    name(dir, id);
    if (unlink(fn.s) == -1 && errno != ENOENT) alert("unable to remove ", fn.s);
}

/* ---- mail-clean: one request, one reply byte ---- */

/* send one request; its reply is read by clean_reply, in order */
static void
clean_request(char letter, unsigned long id)
{
    char buf[FMT_ULONG + 2];
    size_t n = 0, k;
    ssize_t r;

    buf[n++] = letter;
    n += fmt_ulong(buf + n, id);
    buf[n++] = 0;
    for (k = 0; k < n; k += (size_t)r) {
        r = write(7, buf + k, n - k);
        if (r == -1) { if (errno == EINTR) { r = 0; continue; } alert("lost mail-clean", 0); }
    }
}

static int
clean_reply(unsigned long id)
{
    ssize_t r;
    char c;

    do r = read(8, &c, 1); while (r == -1 && errno == EINTR);
    if (r != 1) { errno = 0; alert("lost mail-clean", 0); }
    if (c == '+') return 1;
    log_msg("warning: mail-clean could not remove files of msg ", id, 0);
    log_end();
    return 0;
}

static int
clean(char letter, unsigned long id)
{
    clean_request(letter, id);
    return clean_reply(id);
}

/* ---- configuration ---- */

/* a control file that cannot be read, in the log's "warning:" form */
static int
cfgwarn(const char *why, const char *f)
{
    int e = errno;

    log_s("warning: ");
    log_s(why);
    log_s(f);
    if (e) { log_s(": "); log_s(strerror(e)); }
    log_end();
    return 0;
}

static int
readline(stralloc *sa, const char *f, const char *def)
{
    int r = control_readline(sa, f, def);

    if (r == -1) return cfgwarn("unable to read ", f);
    if (!sa->len && def && !stralloc_copys(sa, def)) die_nomem();
    return 1;
}

/* a number from control/name, with the table's default (ctldefault) */
static int
readnum(unsigned long *u, const char *name)
{
    switch (ctldefault_num(u, name)) {
    case -1: return cfgwarn("unable to read control/", name);
    case -2: errno = 0; return cfgwarn("not a number in control/", name);
    }
    return 1;
}

static int
readconfig(struct config *c)
{
    int r;

    /* me: control/me, else the host name (ctldefault, like every other program) */
    if (ctldefault_me(&c->me) == -1) return cfgwarn("unable to read ", "control/me");
    if (!c->me.len) { errno = 0; return cfgwarn("empty: ", "control/me"); }
    if (!stralloc_0(&c->me)) die_nomem();
    c->me.len--;
    if (!readline(&c->bouncefrom, "control/bouncefrom", "MAILER-DAEMON")) return 0;
    if (!readline(&c->bouncehost, "control/bouncehost", c->me.s)) return 0;
    if (!readline(&c->dbhost, "control/doublebouncehost", c->me.s)) return 0;
    /* doublebounceto: an empty line throws double bounces away (qmail) */
    if (control_readline(&c->dbto, "control/doublebounceto", "postmaster") == -1)
        return cfgwarn("unable to read ", "control/doublebounceto");
    if (!readline(&c->vd.noathost, "control/envnoathost", c->me.s)) return 0;
    r = control_readlines(&c->vd.locals, "control/locals");
    if (r == -1) return cfgwarn("unable to read ", "control/locals");
    if (r == 0 && (!stralloc_copy(&c->vd.locals, &c->me) || !stralloc_0(&c->vd.locals)))
        die_nomem();
    if (control_readlines(&c->vd.vds, "control/virtualdomains") == -1)
        return cfgwarn("unable to read ", "control/virtualdomains");
    if (!readnum(&c->lifetime, "queuelifetime")) return 0;
    if (!readnum(&c->conc[0], "concurrencylocal")) return 0;
    if (!readnum(&c->conc[1], "concurrencyremote")) return 0;
    for (r = 0; r < 2; ++r) {
        if (c->conc[r] > auto_spawn) c->conc[r] = auto_spawn;
        if (c->conc[r] < 1) c->conc[r] = 1;
    }
    return 1;
}

static void
applyconfig(void)
{
    chans[0].limit = cfg.conc[0];
    chans[1].limit = cfg.conc[1];
}

static void
reconfigure(void)
{
    struct config t;
    int r;

    if (chdir(auto_home) == -1) alert("unable to chdir to ", auto_home);
    r = readconfig(&newcfg);
    if (chdir("queue") == -1) alert("unable to chdir to the queue", 0);
    if (!r) {
        log_s("warning: control files unreadable, keeping the old configuration");
        log_end();
        return;
    }
    t = cfg; cfg = newcfg; newcfg = t;   /* the old strings get reused */
    applyconfig();
    log_s("status: configuration reread");
    log_end();
    log_status();
}

/* ---- the message table ---- */

static int
msg_new(unsigned long id)
{
    int m;

    if (nfree) m = freemsgs[--nfree];
    else {
        if (nmsgs == capmsgs) {
            capmsgs = capmsgs ? capmsgs * 2 : 1024;
            msgs = realloc(msgs, capmsgs * sizeof *msgs);
            if (!msgs) die_nomem();
        }
        m = (int)nmsgs++;
    }
    byte_zero(&msgs[m], sizeof msgs[m]);
    msgs[m].id = id;
    msgs[m].flags = M_USED;
    return m;
}

static void
msg_free(int m)
{
    msgs[m].flags = 0;
    if (nfree == capfree) {
        capfree = capfree ? capfree * 2 : 1024;
        freemsgs = realloc(freemsgs, capfree * sizeof *freemsgs);
        if (!freemsgs) die_nomem();
    }
    freemsgs[nfree++] = m;
}

/* ---- per-channel heaps: fresh first, then by next attempt time ---- */

static int
before(int c, int a, int b)
{
    unsigned int fa = !(msgs[a].flags & M_FRESH(c));
    unsigned int fb = !(msgs[b].flags & M_FRESH(c));

    if (fa != fb) return fa < fb;
    return msgs[a].next[c] < msgs[b].next[c];
}

static void
heap_push(int c, int m)
{
    struct chan *ch = &chans[c];
    size_t i, p;
    int t;

    if (ch->heaplen == ch->heapcap) {
        ch->heapcap = ch->heapcap ? ch->heapcap * 2 : 1024;
        ch->heap = realloc(ch->heap, ch->heapcap * sizeof *ch->heap);
        if (!ch->heap) die_nomem();
    }
    i = ch->heaplen++;
    ch->heap[i] = m;
    while (i > 0) {
        p = (i - 1) / 2;
        if (!before(c, ch->heap[i], ch->heap[p])) break;
        t = ch->heap[p]; ch->heap[p] = ch->heap[i]; ch->heap[i] = t;
        i = p;
    }
}

static int
heap_pop(int c)
{
    struct chan *ch = &chans[c];
    size_t i = 0, l, s;
    int top = ch->heap[0], t;

    ch->heap[0] = ch->heap[--ch->heaplen];
    for (;;) {
        l = 2 * i + 1;
        if (l >= ch->heaplen) break;
        s = l;
        if (l + 1 < ch->heaplen && before(c, ch->heap[l + 1], ch->heap[l])) s = l + 1;
        if (!before(c, ch->heap[s], ch->heap[i])) break;
        t = ch->heap[s]; ch->heap[s] = ch->heap[i]; ch->heap[i] = t;
        i = s;
    }
    return top;
}

static int
heap_ready(int c)
{
    struct chan *ch = &chans[c];
    int m;

    if (!ch->heaplen) return 0;
    m = ch->heap[0];
    return (msgs[m].flags & M_FRESH(c)) || msgs[m].next[c] <= now;
}

/* SIGALRM: everything waiting is due now; keys (class, 0) keep heap order.
   A message whose deliveries are in flight gets its retry at once too, if
   one of them defers: the operator who just made room must not wait for
   the schedule because a retry happened to be running */
static void
retry_all(void)
{
    size_t i;
    int c;

    for (c = 0; c < 2; ++c)
        for (i = 0; i < chans[c].heaplen; ++i) msgs[chans[c].heap[i]].next[c] = 0;
    for (i = 0; i < nmsgs; ++i)
        for (c = 0; c < 2; ++c)
            if (msgs[i].flags & M_ACTIVE(c)) msgs[i].flags |= M_ALRM(c);
    log_s("status: retrying all deferred deliveries now");
    log_end();
}

/* ---- info file: "T" birth NUL "F" sender NUL ---- */

static int
readinfo(unsigned long id, unsigned long *birth, stralloc *sender)
{
    size_t i, n;
    int r = getfile(&tmp, "info", id);

    if (r != 1) return r;
    if (tmp.len < 2 || tmp.s[0] != 'T') return -2;
    for (i = 1; i < tmp.len && tmp.s[i]; ++i) ;
    if (i + 1 >= tmp.len || tmp.s[i + 1] != 'F') return -2;
    if (scan_ulong(tmp.s + 1, birth) != i - 1) return -2;
    i += 2;
    for (n = 0; i + n < tmp.len && tmp.s[i + n]; ++n) ;
    if (i + n >= tmp.len) return -2;
    if (!stralloc_copyb(sender, tmp.s + i, n)) die_nomem();
    return 1;
}

/* ---- bounces and the end of a message ---- */

static stralloc bsender, brecs, bmess, btext, bto, bfrom, bnd;

/* read the start of the message: whole if small, else its header */
static int
readmess(unsigned long id, int *whole)
{
    ssize_t r;
    int fd;

    name("mess", id);
    fd = open(fn.s, O_RDONLY);
    if (fd == -1) return 0;
    if (!stralloc_ready(&bmess, DSN_WHOLEMAX + 1)) die_nomem();
    bmess.len = 0;
    while (bmess.len < DSN_WHOLEMAX + 1) {
        r = read(fd, bmess.s + bmess.len, DSN_WHOLEMAX + 1 - bmess.len);
        if (r == -1) { if (errno == EINTR) continue; close(fd); return 0; }
        if (r == 0) break;
        bmess.len += (size_t)r;
    }
    close(fd);
    *whole = bmess.len <= DSN_WHOLEMAX;
    if (!*whole) bmess.len = dsn_hdrlen(bmess.s, bmess.len);
    return 1;
}

static int
contains(const stralloc *sa, const char *t, size_t n)
{
    size_t i;

    for (i = 0; i + n <= sa->len; ++i)
        if (sa->s[i] == t[0] && byte_equal(sa->s + i, n, t)) return 1;
    return 0;
}

/* kirim-ID-TIME-PID[-K]: K counts up until the returned message (bmess,
   read before) does not hold the boundary anywhere, so its text cannot
   end the part early or add parts of its own */
static void
boundary(unsigned long id)
{
    char num[FMT_ULONG];
    unsigned long k;
    size_t n;

    for (k = 0;; ++k) {
        if (!stralloc_copys(&bnd, "kirim-")) die_nomem();
        n = fmt_ulong(num, id);
        if (!stralloc_catb(&bnd, num, n) || !stralloc_append(&bnd, "-")) die_nomem();
        n = fmt_ulong(num, now);
        if (!stralloc_catb(&bnd, num, n) || !stralloc_append(&bnd, "-")) die_nomem();
        n = fmt_ulong(num, (unsigned long)getpid());
        if (!stralloc_catb(&bnd, num, n)) die_nomem();
        if (k && (!stralloc_append(&bnd, "-") || !stralloc_catb(&bnd, num, fmt_ulong(num, k))))
            die_nomem();
        if (!contains(&bmess, bnd.s, bnd.len)) break;
    }
    if (!stralloc_0(&bnd)) die_nomem();
}

static int
addr(stralloc *sa, const stralloc *user, const stralloc *host)
{
    return stralloc_copy(sa, user) && stralloc_append(sa, "@")
        && stralloc_cat(sa, host) && stralloc_0(sa);
}

/* queue the bounce of message id: 1 done (or dropped), 0 try again later.
   withmess 0: the original message is not returned (mess/ is not its own) */
static int
bounce(unsigned long id, unsigned long birth, int withmess)
{
    struct qclient q;
    struct dsn d;
    const char *r, *envfrom = "";
    int code, whole = 0;

    if (getfile(&brecs, "bounce", id) == -1) { log_msg("warning: unable to read bounce/", id, 0); log_end(); return 0; }
    if (!brecs.len) return 1;
    if (str_equal(bsender.s, DOUBLE_SENDER)) {     /* qmail's wording */
        log_msg("triple bounce: discarding bounce/", id, 0);
        log_end();
        return 1;
    }
    if (!bsender.s[0] && !cfg.dbto.len) {   /* doublebounceto: an empty line */
        log_msg("double bounce: discarding bounce/", id, 0);
        log_end();
        return 1;
    }
    if (!bsender.s[0]) {
        if (!addr(&bto, &cfg.dbto, &cfg.dbhost)) die_nomem();
        envfrom = DOUBLE_SENDER;
    } else if (!stralloc_copys(&bto, bsender.s) || !stralloc_0(&bto)) die_nomem();
    if (!addr(&bfrom, &cfg.bouncefrom, &cfg.bouncehost)) die_nomem();
    if (!withmess) bmess.len = 0;
    else if (!readmess(id, &whole)) {
        if (errno != ENOENT) { log_msg("warning: unable to read mess of msg ", id, 0); log_end(); return 0; }
        /* gone for good (removed by hand?): waiting would not bring it back */
        log_msg("warning: mess/ of msg ", id, " is missing: its bounce goes without the original");
        log_end();
        bmess.len = 0;
    }
    boundary(id);
    d.me = cfg.me.s; d.from = bfrom.s; d.to = bto.s; d.boundary = bnd.s;
    d.arrival = (time_t)birth; d.now = (time_t)now; d.whole = whole;
    stralloc_zero(&btext);
    if (!dsn_head(&btext, &d, brecs.s, brecs.len)) die_nomem();
    if (qclient_open(&q) == -1) { log_s("warning: unable to run mail-queue"); log_end(); return 0; }
    qclient_put(&q, btext.s, btext.len);
    qclient_put(&q, bmess.s, bmess.len);
    stralloc_zero(&btext);
    if (!dsn_tail(&btext, &d)) die_nomem();
    qclient_put(&q, btext.s, btext.len);
    qclient_from(&q, envfrom, str_len(envfrom));
    qclient_to(&q, bto.s, bto.len - 1);
    r = qclient_close(&q, &code);
    if (!*r) {
        log_msg("bounce msg ", id, " qp ");
        log_n((unsigned long)q.pid);
        log_end();
        return 1;
    }
    log_msg(*r == 'D' ? "alert: bounce of msg " : "warning: bounce of msg ", id,
           *r == 'D' ? " refused, discarding it: " : " not queued, will retry: ");
    log_b(r + 1, str_len(r + 1));
    log_end();
    return *r == 'D';
}

/* try finish(m) again in BOUNCE_RETRY seconds */
static void
finish_later(int m)
{
    msgs[m].flags |= M_FINISH;
    msgs[m].next[0] = now + BOUNCE_RETRY;
    heap_push(0, m);
}

static void
finish(int m)
{
    unsigned long id = msgs[m].id, birth = msgs[m].birth;
    int keep = (msgs[m].flags & M_KEEPMESS) != 0;
    int r = readinfo(id, &birth, &bsender);

    if (r == -1 && !keep) {     /* for now, perhaps: the bounce waits, the message too */
        log_msg("warning: unable to read info of msg ", id, ", will retry: ");
        log_s(strerror(errno));
        log_end();
        finish_later(m);
        return;
    }
    if (r == 0 && !stralloc_copys(&bsender, "")) die_nomem();
    if (!stralloc_0(&bsender)) die_nomem();
    if (r < 0) {
        /* a corrupt info file (or an unreadable one at start-up): no sender */
        if (getfile(&brecs, "bounce", id) == 1 && brecs.len) {
            log_msg("alert: no sender known for msg ", id, ": discarding bounce/");
            log_n(id);
            log_end();
        }
    } else if (!bounce(id, birth, !keep)) {
        if (!keep) { finish_later(m); return; }
        /* no later try: the id is free for new mail, whose bounce file
           a later try could take for this message's */
        log_msg("alert: bounce of msg ", id, " not queued at start-up, discarding it");
        log_end();
    }
    unlinkq("bounce", id);
    unlinkq("local", id);
    unlinkq("remote", id);
    if (!keep) clean('M', id);
    unlinkq("info", id);
    log_msg("end msg ", id, 0);
    log_end();
    msg_free(m);
}

/* a channel's round for message m is over: retry later, or done */
static void
round_done(int c, int m)
{
    struct msg *g = &msgs[m];

    g->flags &= ~(M_ACTIVE(c) | M_FRESH(c));
    if (g->flags & M_DEFER(c)) {
        g->next[c] = (g->flags & M_ALRM(c)) ? 0 : retry_next(g->birth, now, chans[c].step);
        g->flags &= ~(M_DEFER(c) | M_ALRM(c));
        heap_push(c, m);
        return;
    }
    g->flags &= ~(M_PEND(c) | M_ALRM(c));
    if (!(g->flags & (M_PEND(0) | M_PEND(1)))) finish(m);
}

/* ---- deliveries ---- */

static void
request(struct chan *ch, unsigned long slot, unsigned long id,
        const stralloc *sender, const char *a, size_t alen)
{
    char num[FMT_ULONG];
    size_t n;

    n = fmt_ulong(num, slot);
    if (!stralloc_catb(&ch->out, num, n) || !stralloc_0(&ch->out)) die_nomem();
    n = fmt_ulong(num, id);
    if (!stralloc_catb(&ch->out, num, n) || !stralloc_0(&ch->out)) die_nomem();
    if (!stralloc_cat(&ch->out, sender) || !stralloc_0(&ch->out)) die_nomem();
    if (!stralloc_catb(&ch->out, a, alen) || !stralloc_0(&ch->out)) die_nomem();
}

static unsigned long
freeslot(struct chan *ch)
{
    unsigned long i;

    for (i = 0; i < ch->limit; ++i) if (!ch->slots[i].used) return i;
    return ch->limit;
}

static void
start(int c, int m, size_t off, const char *a, size_t alen)
{
    struct chan *ch = &chans[c];
    unsigned long s = freeslot(ch);
    struct slot *sl = &ch->slots[s];

    sl->used = 1;
    sl->msg = m;
    sl->off = off;
    sl->delnum = ++delnum;
    if (!stralloc_copyb(&sl->addr, a, alen)) die_nomem();
    request(ch, s, msgs[m].id, &ch->sender, a, alen);
    ++ch->busy;
    ++msgs[m].inflight[c];
    log_s("starting delivery ");
    log_n(sl->delnum);
    log_msg(": msg ", msgs[m].id, " to ");
    log_s(ch->name);
    log_s(" ");
    log_b(a, alen);
    log_end();
    log_status();
}

/* take the next due message for channel c: 1 walking, 0 none */
static int
pick(int c)
{
    struct chan *ch = &chans[c];
    unsigned long birth;
    int m, r;

    while (heap_ready(c)) {
        m = heap_pop(c);
        if (msgs[m].flags & M_FINISH) { msgs[m].flags &= ~M_FINISH; finish(m); continue; }
        r = readinfo(msgs[m].id, &birth, &ch->sender);
        if (r == 1) r = getfile(&ch->file, ch->name, msgs[m].id);
        if (r < 0) {
            log_msg("warning: unable to read the files of msg ", msgs[m].id, ", will retry");
            log_end();
            msgs[m].next[c] = retry_next(msgs[m].birth ? msgs[m].birth : now, now, ch->step);
            msgs[m].flags &= ~M_FRESH(c);
            heap_push(c, m);
            continue;
        }
        if (r == 1 && !msgs[m].birth) msgs[m].birth = birth;
        if (r == 0) stralloc_zero(&ch->file);   /* gone: nothing to deliver */
        if (!msgs[m].birth) msgs[m].birth = now;
        msgs[m].flags |= M_ACTIVE(c);
        ch->cur = m;
        ch->curoff = 0;
        return 1;
    }
    return 0;
}

/* start as many deliveries on channel c as slots allow */
static void
walk(int c)
{
    struct chan *ch = &chans[c];
    size_t i, n;
    int m;

    if (!ch->ok) return;
    while (ch->busy < ch->limit && freeslot(ch) < ch->limit) {
        if (ch->cur == -1 && !pick(c)) return;
        m = ch->cur;
        i = ch->curoff;
        if (i >= ch->file.len) {
            ch->cur = -1;
            if (!msgs[m].inflight[c]) round_done(c, m);
            continue;
        }
        for (n = i; n < ch->file.len && ch->file.s[n]; ++n) ;
        ch->curoff = n + 1;
        if (ch->file.s[i] == 'T' && n > i + 1) start(c, m, i, ch->file.s + i + 1, n - i - 1);
    }
}

/* flip a recipient's T to D, synced. The byte is overwritten inside the
   file, which was fsynced when it was written: its size and blocks do not
   change, so fdatasync (data, and the metadata needed to read it back)
   is enough; it skips the journal commit a timestamp-only change costs */
static void
markdone(int c, unsigned long id, unsigned long off)
{
    int fd;

    name(chans[c].name, id);
    fd = open(fn.s, O_WRONLY | O_CLOEXEC);
    if (fd == -1) alert("unable to open ", fn.s);
    if (pwrite(fd, "D", 1, (off_t)off) != 1 || fdatasync(fd) == -1)
        alert("unable to write ", fn.s);
    close(fd);
}

static void
addbounce(unsigned long id, const stralloc *a, const char *t, size_t tlen)
{
    int fd;

    if (!stralloc_copy(&tmp, a) || !stralloc_0(&tmp)) die_nomem();
    if (!stralloc_catb(&tmp, t, tlen) || !stralloc_0(&tmp)) die_nomem();
    name("bounce", id);
    fd = open(fn.s, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd == -1) alert("unable to open ", fn.s);
    if (write(fd, tmp.s, tmp.len) != (ssize_t)tmp.len || fsync(fd) == -1)
        alert("unable to write ", fn.s);
    close(fd);
}

static const char expired[] =
    "\nThe message has been in the queue too long; it will not be tried again. (#5.4.7)";

static void
result(int c, unsigned long s, char letter, const char *t, size_t tlen)
{
    struct chan *ch = &chans[c];
    struct slot *sl = &ch->slots[s];
    int m = sl->msg;
    struct msg *g = &msgs[m];

    if (letter == 'Z' && retry_expired(g->birth, now, cfg.lifetime)) {
        if (!stralloc_copyb(&btext, t, tlen) || !stralloc_cats(&btext, expired)) die_nomem();
        t = btext.s; tlen = btext.len;
        letter = 'D';
    }
    log_s("delivery ");
    log_n(sl->delnum);
    log_s(letter == 'K' ? ": success: " : letter == 'Z' ? ": deferral: " : ": failure: ");
    log_b(t, tlen);
    log_end();
    if (letter == 'D') addbounce(g->id, &sl->addr, t, tlen);
    if (letter == 'Z') g->flags |= M_DEFER(c);
    else markdone(c, g->id, sl->off);
    sl->used = 0;
    --ch->busy;
    --g->inflight[c];
    log_status();
    if (!g->inflight[c] && ch->cur != m) round_done(c, m);
}

/* parse complete "slot NUL letter text NUL" records */
static void
results(int c)
{
    struct chan *ch = &chans[c];
    unsigned long s;
    size_t i, a, b;

    for (i = 0; ; i = b + 1) {
        for (a = i; a < ch->in.len && ch->in.s[a]; ++a) ;
        if (a >= ch->in.len) break;
        for (b = a + 1; b < ch->in.len && ch->in.s[b]; ++b) ;
        if (b >= ch->in.len) break;
        if (scan_ulong(ch->in.s + i, &s) != a - i || s >= auto_spawn
            || !ch->slots[s].used || b == a + 1
            || (ch->in.s[a + 1] != 'K' && ch->in.s[a + 1] != 'Z' && ch->in.s[a + 1] != 'D')) {
            errno = 0;
            alert("bad result from the spawner of channel ", ch->name);
        }
        result(c, s, ch->in.s[a + 1], ch->in.s + a + 2, b - a - 2);
    }
    if (i) {
        byte_copy(ch->in.s, ch->in.len - i, ch->in.s + i);
        ch->in.len -= i;
    }
    if (ch->in.len > RESULT_MAX) { errno = 0; alert("result too long from channel ", ch->name); }
}

static void
readresults(int c)
{
    struct chan *ch = &chans[c];
    ssize_t r;

    if (!stralloc_readyplus(&ch->in, 4096)) die_nomem();
    r = read(ch->fdres, ch->in.s + ch->in.len, 4096);
    if (r == -1) { if (errno == EINTR || errno == EAGAIN) return; alert("unable to read results of channel ", ch->name); }
    if (r == 0) { errno = 0; alert("lost the spawner of channel ", ch->name); }
    ch->in.len += (size_t)r;
    results(c);
}

static void
writerequests(int c)
{
    struct chan *ch = &chans[c];
    ssize_t w;

    if (ch->outpos == ch->out.len) return;
    w = write(ch->fdreq, ch->out.s + ch->outpos, ch->out.len - ch->outpos);
    if (w == -1) { if (errno == EINTR || errno == EAGAIN) return; alert("unable to talk to the spawner of channel ", ch->name); }
    ch->outpos += (size_t)w;
    if (ch->outpos == ch->out.len) ch->outpos = ch->out.len = 0;
}

/* ---- todo: new messages ---- */

static stralloc env, info, rcpts[2], routed;

/* parse "u" uid NUL "p" pid NUL "F" sender NUL ("T" rcpt NUL)* NUL */
static int
parseenv(unsigned long *uid, unsigned long *pid, size_t *fpos, size_t *flen, size_t *rpos)
{
    size_t i = 0, n;

    if (env.len < 2 || env.s[0] != 'u') return 0;
    n = scan_ulong(env.s + 1, uid);
    i = n + 1;
    if (i >= env.len || env.s[i] || i + 1 >= env.len || env.s[i + 1] != 'p') return 0;
    n = scan_ulong(env.s + i + 2, pid);
    i += n + 2;
    if (i >= env.len || env.s[i] || i + 1 >= env.len || env.s[i + 1] != 'F') return 0;
    *fpos = i + 2;
    for (n = *fpos; n < env.len && env.s[n]; ++n) ;
    if (n >= env.len) return 0;
    *flen = n - *fpos;
    *rpos = n + 1;
    for (i = *rpos; i < env.len && env.s[i] == 'T'; i = n + 1)
        for (n = i; n < env.len && env.s[n]; ++n) ;
    return i + 1 == env.len && env.s[i] == 0;
}

static void
route(void)
{
    size_t i, n;
    int r;

    stralloc_zero(&rcpts[0]);
    stralloc_zero(&rcpts[1]);
    for (i = 0; i < env.len && env.s[i] == 'T'; i = n + 1) {
        for (n = i; env.s[n]; ++n) ;
        r = vdomain_route(&cfg.vd, env.s + i + 1, n - i - 1, &routed);
        if (r == -1) die_nomem();
        if (!stralloc_append(&rcpts[r == VDOMAIN_LOCAL ? 0 : 1], "T")) die_nomem();
        if (!stralloc_cat(&rcpts[r == VDOMAIN_LOCAL ? 0 : 1], &routed)) die_nomem();
        if (!stralloc_0(&rcpts[r == VDOMAIN_LOCAL ? 0 : 1])) die_nomem();
    }
}

/* one todo entry of a batch: its files are written, not yet synced */
struct entry {
    unsigned long id, birth, uid, pid;
    int fd[3];                  /* info, local, remote; -1: none */
    int has[2];                 /* local, remote recipients */
    int ok;
    int fresh;                  /* queued since start-up, not backlog */
    stralloc sender;            /* for the log */
};
static struct entry batch[TODO_BATCH];
static const char *const batchdir[3] = { "info", "local", "remote" };
static unsigned char *dirty[3]; /* per split directory: to be synced */

static void
entry_close(struct entry *e)
{
    int k;

    for (k = 0; k < 3; ++k) if (e->fd[k] >= 0) { close(e->fd[k]); e->fd[k] = -1; }
}

/* read todo/S/id and write info, local and remote (unsynced): 1 done */
static int
todo_prepare(struct entry *e, unsigned long id)
{
    const stralloc *data[3];
    size_t fpos, flen, rpos, n;
    struct stat st;
    char num[FMT_ULONG];
    int fd, k, changed;

    name("todo", id);
    fd = open(fn.s, O_RDONLY);
    if (fd == -1) {
        if (errno != ENOENT) { log_s("warning: unable to open "); log_s(fn.s); log_end(); }
        return 0;
    }
    if (fstat(fd, &st) == -1) { close(fd); return 0; }
    close(fd);
    if (control_readfile(&env, fn.s) != 1 || !parseenv(&e->uid, &e->pid, &fpos, &flen, &rpos)) {
        log_s("warning: unable to read or parse "); log_s(fn.s); log_end();
        return 0;
    }
    log_msg("new msg ", id, 0);
    log_end();
    e->id = id;
    e->birth = (unsigned long)st.st_mtime;
    if (!stralloc_copyb(&e->sender, env.s + fpos, flen)) die_nomem();
    if (!stralloc_copys(&info, "T")) die_nomem();
    n = fmt_ulong(num, e->birth);
    if (!stralloc_catb(&info, num, n)) die_nomem();
    if (!stralloc_0(&info) || !stralloc_append(&info, "F")) die_nomem();
    if (!stralloc_cat(&info, &e->sender) || !stralloc_0(&info)) die_nomem();
    byte_copy(env.s, env.len - rpos, env.s + rpos);
    env.len -= rpos;
    route();
    e->has[0] = rcpts[0].len != 0;
    e->has[1] = rcpts[1].len != 0;
    unlinkq("bounce", id);      /* left by an earlier life of this inode */
    data[0] = &info; data[1] = &rcpts[0]; data[2] = &rcpts[1];
    for (k = 0; k < 3; ++k) e->fd[k] = -1;
    for (k = 0; k < 3; ++k) {
        fd = putfile(batchdir[k], id, data[k], &changed);
        if (changed) dirty[k][qname_split(id)] = 1;
        if (fd == -1) {
            log_msg("warning: unable to write the files of msg ", id, ", will retry: ");
            log_s(strerror(errno));
            log_end();
            entry_close(e);
            return 0;
        }
        e->fd[k] = fd;
    }
    e->ok = 1;
    return 1;
}

/* the entry's files reached the disk: a message to schedule */
static void
todo_schedule(const struct entry *e)
{
    struct stat st;
    int m, c;

    m = msg_new(e->id);
    msgs[m].birth = e->birth;
    for (c = 0; c < 2; ++c) {
        if (!e->has[c]) continue;
        /* new mail goes before the start-up backlog, which would
           otherwise fill the heap faster than deliveries drain it */
        msgs[m].flags |= M_PEND(c) | (e->fresh ? M_FRESH(c) : 0);
        msgs[m].next[c] = now;
        heap_push(c, m);
    }
    log_msg("info msg ", e->id, ": bytes ");
    name("mess", e->id);
    log_n(stat(fn.s, &st) == 0 ? (unsigned long)st.st_size : 0);
    log_s(" from <");
    log_b(e->sender.s, e->sender.len);
    log_s("> qp ");
    log_n(e->pid);
    log_s(" uid ");
    log_n(e->uid);
    log_end();
    if (!(msgs[m].flags & (M_PEND(0) | M_PEND(1)))) finish(m);
}

/* mail-clean could not do all of a T request: when the todo entry is
   gone anyway no scan brings the message back, so it is scheduled (the
   intd leftover goes with the message's other files at its end); when
   it is still there, the next scan takes the message again */
static int
todo_left(unsigned long id)
{
    struct stat st;

    name("todo", id);
    return stat(fn.s, &st) == 0 || errno != ENOENT;
}

/* make the batch durable, then drop its todo entries (DESIGN section 5):
   every file is synced, then every directory that changed, once; only
   then does mail-clean remove todo entries, and only of those messages */
static void
todo_commit(size_t n)
{
    unsigned long s;
    size_t i;
    int k;

    for (i = 0; i < n; ++i)
        for (k = 0; k < 3; ++k) {
            if (batch[i].fd[k] < 0) continue;
            if (fsync(batch[i].fd[k]) == -1 || close(batch[i].fd[k]) == -1) {
                if (batch[i].ok) {
                    log_msg("warning: unable to write the files of msg ", batch[i].id, ", will retry: ");
                    log_s(strerror(errno));
                    log_end();
                }
                batch[i].ok = 0;
            }
            batch[i].fd[k] = -1;
        }
    for (k = 0; k < 3; ++k)
        for (s = 0; s < auto_split; ++s)
            if (dirty[k][s]) { fsyncsplit(batchdir[k], s); dirty[k][s] = 0; }
    for (i = 0; i < n; ++i) if (batch[i].ok) clean_request('T', batch[i].id);
    for (i = 0; i < n; ++i)
        if (batch[i].ok && !clean_reply(batch[i].id) && todo_left(batch[i].id)) batch[i].ok = 0;
    now = (unsigned long)time(0);
    for (i = 0; i < n; ++i) if (batch[i].ok) todo_schedule(&batch[i]);
}

static int
ulcmp(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

    return x < y ? -1 : x > y;
}

static void
push(unsigned long **a, size_t *n, size_t *cap, unsigned long v)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        *a = realloc(*a, *cap * sizeof **a);
        if (!*a) die_nomem();
    }
    (*a)[(*n)++] = v;
}

/* every id in the split directory dir, appended to *a */
static void
scandir_(const char *dir, unsigned long **a, size_t *n, size_t *cap)
{
    char num[FMT_ULONG];
    struct dirent *d;
    unsigned long s, id;
    DIR *dp;
    size_t k;

    for (s = 0; s < auto_split; ++s) {
        if (!stralloc_copys(&fn, dir) || !stralloc_append(&fn, "/")) die_nomem();
        k = fmt_ulong(num, s);
        if (!stralloc_catb(&fn, num, k) || !stralloc_0(&fn)) die_nomem();
        if (!(dp = opendir(fn.s))) alert("unable to open ", fn.s);
        while ((d = readdir(dp))) {
            k = scan_ulong(d->d_name, &id);
            if (k && !d->d_name[k]) push(a, n, cap, id);
        }
        closedir(dp);
    }
}

static int
inbacklog(unsigned long id)
{
    return nbacklog > backpos
        && bsearch(&id, backlog + backpos, nbacklog - backpos, sizeof id, ulcmp);
}

/* after a trigger or periodically: todo entries not in the backlog are fresh */
static void
todo_scan(void)
{
    static unsigned long *all;
    static size_t nall, capall;
    size_t i;

    nall = 0;
    scandir_("todo", &all, &nall, &capall);
    nfresh = freshpos = 0;
    for (i = 0; i < nall; ++i)
        if (!inbacklog(all[i])) push(&fresh, &nfresh, &capfresh, all[i]);
}

/* a batch of todo entries, fresh ones first; 1 when more are waiting */
static int
todo_some(void)
{
    unsigned long id;
    size_t n = 0;
    int k, isfresh;

    for (k = 0; k < TODO_BATCH; ++k) {
        now = (unsigned long)time(0);
        isfresh = freshpos < nfresh;
        if (isfresh) id = fresh[freshpos++];
        else if (backpos < nbacklog) id = backlog[backpos++];
        else break;
        batch[n].fresh = isfresh;
        if (todo_prepare(&batch[n], id)) ++n;
    }
    if (n) todo_commit(n);
    return freshpos < nfresh || backpos < nbacklog;
}

/* ---- start-up recovery and periodic cleaning ---- */

static int
exists(const char *dir, unsigned long id)
{
    struct stat st;

    name(dir, id);
    if (stat(fn.s, &st) == 0) return 1;
    if (errno != ENOENT) alert("unable to stat ", fn.s);
    return 0;
}

/* does channel c's file of id hold a recipient not yet done: 1 yes,
   0 no (or no file), -1 unreadable (then the walk tries again) */
static int
pending(int c, unsigned long id)
{
    size_t i;
    int r = getfile(&tmp, chans[c].name, id);

    if (r != 1) return r;
    for (i = 0; i < tmp.len; ++i) {
        if (tmp.s[i] == 'T') return 1;
        while (i < tmp.len && tmp.s[i]) ++i;
    }
    return 0;
}

/* message m was found finished at start-up. After a crash, the removal
   of its mess file (its inode is its id) may have reached the disk while
   the removal of its info file did not; the inode may then hold a new
   message already, perhaps one in the middle of mail-queue with no todo
   entry yet. A mess file is this message's only if it was written no
   later than its todo entry was (the birth in info); otherwise, or when
   it is gone, mess/, intd/ and todo/ are left alone (DESIGN section 5:
   nothing accepted is lost), and a bounce goes without the original */
static void
recover_finish(int m)
{
    unsigned long id = msgs[m].id, birth;
    struct stat st;

    if (readinfo(id, &birth, &bsender) != 1) birth = 0;
    name("mess", id);
    if (stat(fn.s, &st) == -1) {
        if (errno != ENOENT) alert("unable to stat ", fn.s);
        msgs[m].flags |= M_KEEPMESS;
    } else if (!birth) {
        log_msg("warning: msg ", id, ": info unreadable, its mess/ left to the hourly check");
        log_end();
        msgs[m].flags |= M_KEEPMESS;
    } else if ((unsigned long)st.st_mtime > birth) {
        log_msg("warning: msg ", id, ": mess/ holds a newer message (its id was reused after a crash), left alone");
        log_end();
        msgs[m].flags |= M_KEEPMESS;
    }
    finish(m);
}

static void
recover(void)
{
    static unsigned long *ids;
    static size_t n, cap;
    size_t i;
    int m, c;

    scandir_("todo", &backlog, &nbacklog, &capbacklog);
    if (nbacklog) qsort(backlog, nbacklog, sizeof *backlog, ulcmp);
    scandir_("info", &ids, &n, &cap);
    for (i = 0; i < n; ++i) {
        if (inbacklog(ids[i])) continue;    /* processed again from todo */
        m = msg_new(ids[i]);
        for (c = 0; c < 2; ++c) {
            if (!pending(c, ids[i])) continue;
            msgs[m].flags |= M_PEND(c);
            heap_push(c, m);
        }
        if (!(msgs[m].flags & (M_PEND(0) | M_PEND(1)))) recover_finish(m);
    }
    log_s("status: ");
    log_n(nbacklog);
    log_s(" todo entries and ");
    log_n(n);
    log_s(" messages in the queue at start");
    log_end();
}

/* a mess file without todo and info, older than STALE_AGE, is abandoned */
static void
stale(void)
{
    static unsigned long *ids;
    static size_t n, cap;
    struct stat st;
    size_t i;

    n = 0;
    scandir_("mess", &ids, &n, &cap);
    for (i = 0; i < n; ++i) {
        name("mess", ids[i]);
        if (stat(fn.s, &st) == -1) continue;
        if ((unsigned long)st.st_mtime + STALE_AGE > now) continue;
        if (exists("todo", ids[i]) || exists("info", ids[i])) continue;
        log_msg("warning: removing abandoned msg ", ids[i], 0);
        log_end();
        clean('M', ids[i]);
    }
}

/* ---- main loop ---- */

static void
sig(int s)
{
    if (s == SIGALRM) flagalrm = 1;
    else if (s == SIGHUP) flaghup = 1;
    else flagterm = 1;
}

static void
setup_signals(sigset_t *waitmask)
{
    struct sigaction sa;
    sigset_t block;

    byte_zero(&sa, sizeof sa);
    sa.sa_handler = sig;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, 0);
    sigaction(SIGHUP, &sa, 0);
    sigaction(SIGTERM, &sa, 0);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, waitmask);
    sigdelset(waitmask, SIGALRM);
    sigdelset(waitmask, SIGHUP);
    sigdelset(waitmask, SIGTERM);
}

static void
setup_chan(int c, const char *nm, int fdreq, int fdres, unsigned long step)
{
    struct chan *ch = &chans[c];

    ch->name = nm;
    ch->fdreq = fdreq;
    ch->fdres = fdres;
    ch->step = step;
    ch->cur = -1;
    ch->ok = fcntl(fdreq, F_GETFD) != -1 && fcntl(fdres, F_GETFD) != -1;
    ch->slots = calloc(auto_spawn, sizeof *ch->slots);
    if (!ch->slots) die_nomem();
    if (ch->ok) {
        fcntl(fdreq, F_SETFL, fcntl(fdreq, F_GETFL) | O_NONBLOCK);
        fcntl(fdreq, F_SETFD, FD_CLOEXEC);
        fcntl(fdres, F_SETFD, FD_CLOEXEC);
    }
}

static void
setup(void)
{
    int fd;

    /* before any open(): a free 5 or 6 would be taken by our own files */
    setup_chan(0, "local", 3, 4, RETRY_STEP_LOCAL);
    setup_chan(1, "remote", 5, 6, RETRY_STEP_REMOTE);
    if (!chans[0].ok) die_tempx("descriptors 3 and 4 (local spawner) are not open");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    if (!readconfig(&cfg)) die_tempx("unable to read the control files");
    if (chdir("queue") == -1) die_temp("unable to chdir to the queue");
    fd = open("lock/sendmutex", O_WRONLY);
    if (fd == -1) die_temp("unable to open lock/sendmutex");
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        if (errno == EWOULDBLOCK) die_tempx("another mail-send is running (lock/sendmutex is held)");
        die_temp("unable to lock lock/sendmutex");
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fdtrigger = open("lock/trigger", O_RDWR | O_NONBLOCK);
    if (fdtrigger == -1) die_temp("unable to open lock/trigger");
    fcntl(fdtrigger, F_SETFD, FD_CLOEXEC);
    if (fcntl(7, F_GETFD) == -1 || fcntl(8, F_GETFD) == -1)
        die_tempx("descriptors 7 and 8 (mail-clean) are not open");
    fcntl(7, F_SETFD, FD_CLOEXEC);
    fcntl(8, F_SETFD, FD_CLOEXEC);
    for (fd = 0; fd < 3; ++fd)
        if (!(dirty[fd] = calloc(auto_split, 1))) die_nomem();
    applyconfig();
    if (!chans[1].ok) {
        log_s("warning: no remote channel: remote recipients stay queued");
        log_end();
    }
}

/* seconds until something is due, at most def */
static unsigned long
waittime(unsigned long def)
{
    unsigned long w = def, t;
    int c, m;

    for (c = 0; c < 2; ++c) {
        if (!chans[c].ok || !chans[c].heaplen || chans[c].busy >= chans[c].limit) continue;
        m = chans[c].heap[0];
        t = msgs[m].next[c];
        if (heap_ready(c)) return 0;
        if (t - now < w) w = t - now;
    }
    return w;
}

static void
drain_trigger(void)
{
    char buf[256];

    while (read(fdtrigger, buf, sizeof buf) > 0) ;
}

static void
loop(const sigset_t *waitmask)
{
    struct pollfd p[5];
    unsigned long nextscan, nextstale, deadline = 0, w;
    struct timespec ts;
    int trig = 0, more = 0, c, np, ix[2], ox[2];

    now = (unsigned long)time(0);
    nextscan = now + SCAN_EVERY;
    nextstale = now;            /* first look right after start-up */
    for (;;) {
        now = (unsigned long)time(0);
        if (flaghup) { flaghup = 0; reconfigure(); }
        if (flagalrm) { flagalrm = 0; retry_all(); trig = 1; }
        if (flagterm && !deadline) {
            deadline = now + TERM_WAIT;
            log_s("status: exiting when deliveries in flight are done");
            log_end();
        }
        if (deadline && ((!chans[0].busy && !chans[1].busy) || now >= deadline)) {
            log_s("status: exiting");
            log_end();
            _exit(0);
        }
        if (!deadline) {
            if (now >= nextscan) { trig = 1; nextscan = now + SCAN_EVERY; }
            if (trig && freshpos == nfresh) { trig = 0; todo_scan(); }
            more = todo_some();
            now = (unsigned long)time(0);
            walk(0);
            walk(1);
            writerequests(0);
            if (chans[1].ok) writerequests(1);
            if (now >= nextstale) { stale(); nextstale = now + STALE_EVERY; }
        }
        np = 0;
        p[np].fd = fdtrigger; p[np].events = POLLIN; ++np;
        for (c = 0; c < 2; ++c) {
            ix[c] = ox[c] = -1;
            if (!chans[c].ok) continue;
            ix[c] = np; p[np].fd = chans[c].fdres; p[np].events = POLLIN; ++np;
            if (chans[c].out.len) { ox[c] = np; p[np].fd = chans[c].fdreq; p[np].events = POLLOUT; ++np; }
        }
        w = (more || (trig && freshpos == nfresh)) ? 0 : waittime(deadline ? 1 : 60);
        if (!deadline && w > nextscan - now) w = nextscan - now;
        ts.tv_sec = (time_t)w;
        ts.tv_nsec = 0;
        if (ppoll(p, (nfds_t)np, &ts, waitmask) == -1) {
            if (errno == EINTR) continue;
            alert("unable to poll", 0);
        }
        if (p[0].revents) { drain_trigger(); trig = 1; }
        for (c = 0; c < 2; ++c) {
            if (ox[c] != -1 && p[ox[c]].revents) writerequests(c);
            if (ix[c] != -1 && p[ix[c]].revents) { now = (unsigned long)time(0); readresults(c); }
        }
    }
}

int
main(int argc, char **argv)
{
    sigset_t waitmask;

    (void)argv;
    progname = "mail-send";
    if (argc != 1) die_usage("mail-send");
    umask(077);
    setup_signals(&waitmask);
    setup();
    now = (unsigned long)time(0);
    recover();
    loop(&waitmask);
    return 0;
}
