/* spawner.c: requests in on fd 0, one child per delivery, results out on fd 1 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "fmt.h"
#include "scan.h"
#include "auto.h"
#include "die.h"
#include "qname.h"
#include "spawner.h"

#define DRAINMAX 64             /* reads of a dead child's pipe, at most */

/* ---- records (pure, unit-tested) ---- */

static int
spawner_number(const char *s, size_t len, unsigned long *u)
{
    size_t i;

    if (len == 0 || len > 18) return 0;
    for (i = 0; i < len; ++i)
        if (s[i] < '0' || s[i] > '9') return 0;
    return scan_ulongn(s, len, u) == len;
}

long
spawner_parse(const char *s, size_t len, struct spawner_req *r)
{
    const char *f[4];
    size_t flen[4], pos = 0, j;
    int i;

    for (i = 0; i < 4; ++i) {
        j = byte_chr(s + pos, len - pos, '\0');
        if (pos + j >= len) return len > SPAWNER_REQMAX ? -1 : 0;
        f[i] = s + pos;
        flen[i] = j;
        pos += j + 1;
    }
    if (pos > SPAWNER_REQMAX) return -1;
    if (!spawner_number(f[0], flen[0], &r->slot)) return -1;
    if (!spawner_number(f[1], flen[1], &r->id)) return -1;
    if (flen[3] == 0) return -1;
    r->sender = f[2];
    r->recipient = f[3];
    return (long)pos;
}

int
spawner_result(stralloc *rec, unsigned long slot, char letter,
               const char *text, size_t len)
{
    char num[FMT_ULONG] = "";   /* fmt_ulong is "pure": gcc 12 thinks num unset */
    size_t n, start;

    n = fmt_ulong(num, slot);
    if (!stralloc_catb(rec, num, n) || !stralloc_0(rec)) return 0;
    if (!stralloc_append(rec, &letter)) return 0;
    if (len > SPAWNER_TEXTMAX) len = SPAWNER_TEXTMAX;
    start = rec->len;
    if (!stralloc_catb(rec, text, len)) return 0;
    for (n = start; n < rec->len; ++n)
        if (rec->s[n] == '\0') rec->s[n] = '?';
    return stralloc_0(rec);
}

/* the note for an unexpected end; empty when the exit code is ours */
static char
spawner_letter(int ws, const char *prog, stralloc *note)
{
    char num[FMT_ULONG];
    size_t n;

    stralloc_zero(note);
    if (WIFEXITED(ws)) {
        switch (WEXITSTATUS(ws)) {
        case 0: case 99: return 'K';
        case 100: return 'D';
        case 111: return 'Z';
        }
        n = fmt_ulong(num, (unsigned long)WEXITSTATUS(ws));
        if (!stralloc_copys(note, prog) ||
            !stralloc_cats(note, " exited with unexpected code ") ||
            !stralloc_catb(note, num, n)) return 0;
        return 'Z';
    }
    if (!stralloc_copys(note, prog) || !stralloc_cats(note, " crashed")) return 0;
    if (WIFSIGNALED(ws)) {
        n = fmt_ulong(num, (unsigned long)WTERMSIG(ws));
        if (!stralloc_cats(note, " (signal ") || !stralloc_catb(note, num, n) ||
            !stralloc_cats(note, ")")) return 0;
    }
    return 'Z';
}

char
spawner_outcome(int ws, const char *out, size_t len, const char *prog,
                stralloc *text)
{
    static stralloc note;
    char letter = spawner_letter(ws, prog, &note);
    size_t room, i;

    if (!letter) return 0;
    while (len && (out[len - 1] == '\n' || out[len - 1] == '\r')) --len;
    room = SPAWNER_TEXTMAX;
    if (note.len) room -= note.len + 1;
    if (len > room) len = room;
    if (!stralloc_copyb(text, out, len)) return 0;
    for (i = 0; i < text->len; ++i)
        if (text->s[i] == '\0') text->s[i] = '?';
    if (note.len) {
        if (text->len && !stralloc_append(text, "\n")) return 0;
        if (!stralloc_cat(text, &note)) return 0;
    }
    if (!text->len) {
        const char *d = letter == 'K' ? "delivered"
                      : letter == 'D' ? "permanent failure" : "temporary failure";
        if (!stralloc_copys(text, d)) return 0;
    }
    return letter;
}

static const struct spawner_batch *batch;

/* ---- in the child ---- */

void
spawner_fail(int code, int withsys, const char *m1, const char *m2)
{
    int e = errno;

    buffer_puts(buffer_1, m1);
    if (m2) buffer_puts(buffer_1, m2);
    if (withsys) {
        buffer_puts(buffer_1, ": ");
        buffer_puts(buffer_1, strerror(e));
    }
    buffer_putsflush(buffer_1, "\n");
    _exit(code);
}

static void
spawner_child(const struct spawner_req *rs, unsigned long n, int w)
{
    static stralloc fn, mess;
    int fd;

    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (dup2(w, 1) == -1) _exit(111);
    if (!batch->keeperr && dup2(w, 2) == -1) _exit(111);
    close(w);
    if (!qname(&fn, "mess", rs[0].id)) spawner_fail(111, 0, "out of memory", 0);
    if (!stralloc_copys(&mess, "queue/") || !stralloc_cat(&mess, &fn))
        spawner_fail(111, 0, "out of memory", 0);
    fd = open(mess.s, O_RDONLY | O_CLOEXEC);
    if (fd == -1) spawner_fail(111, 1, "unable to open ", mess.s);
    if (dup2(fd, 0) == -1) spawner_fail(111, 1, "unable to dup the message", 0);
    close(fd);
    batch->deliver(rs, n);
    _exit(111);
}

/* ---- the loop ---- */

/* a group of requests in one child is owned by its first slot, the lead */
struct child {
    pid_t pid;                  /* 0: slot free; members share the lead's */
    int fd;                     /* read end of its output pipe, -1: closed */
    unsigned long lead;         /* the slot owning the child */
    unsigned long n;            /* lead only: slots in the group */
    unsigned long *slots;       /* lead only: them, batch->max of room */
    size_t cap;                 /* most output kept */
    stralloc out;
};

static struct child *kids;
static unsigned long inflight;
static int selfpipe[2] = { -1, -1 };
static stralloc inbuf, rec, text;
static int inputopen = 1, malformed;
static const char *progname_;
static struct spawner_req *pending;
static unsigned long npending;

static void
spawner_sigchld(int sig)
{
    int e = errno;

    (void)sig;
    if (write(selfpipe[1], "", 1) == -1) { /* full: a wakeup is pending */ }
    errno = e;
}

void
spawner_put(unsigned long slot, char letter, const char *t, size_t len)
{
    stralloc_zero(&rec);
    if (!spawner_result(&rec, slot, letter, t, len)) die_nomem();
    if (buffer_put(buffer_1, rec.s, rec.len) == -1)
        die_temp("unable to write results");
}

static void
spawner_reports(unsigned long slot, char letter, const char *t)
{
    spawner_put(slot, letter, t, strlen(t));
}

/* read what a child wrote: 2 got some, 1 nothing now, 0 end of file or error */
static int
spawner_readkid(struct child *k)
{
    char b[1024];
    ssize_t r;
    size_t keep;

    do r = read(k->fd, b, sizeof b); while (r == -1 && errno == EINTR);
    if (r == -1 && errno == EAGAIN) return 1;
    if (r <= 0) return 0;
    keep = (size_t)r;
    if (k->out.len + keep > k->cap)
        keep = k->out.len < k->cap ? k->cap - k->out.len : 0;
    if (keep && !stralloc_catb(&k->out, b, keep)) die_nomem();
    return 2;
}

static void
spawner_closekid(struct child *k)
{
    if (k->fd != -1) close(k->fd);
    k->fd = -1;
}

/* one delivery per child: the exit code and output are the result */
static void
spawner_single(int ws, const char *out, size_t len, const unsigned long *slots,
               unsigned long n)
{
    char letter;

    (void)n;
    letter = spawner_outcome(ws, out, len, progname_, &text);
    if (!letter) die_nomem();
    spawner_put(slots[0], letter, text.s, text.len);
}

static void
spawner_finish(unsigned long slot, int ws)
{
    struct child *k = &kids[slot];
    unsigned long i;

    for (i = 0; k->fd != -1 && i < DRAINMAX; ++i)
        if (spawner_readkid(k) != 2) break;
    spawner_closekid(k);
    batch->report(ws, k->out.s, k->out.len, k->slots, k->n);
    for (i = 0; i < k->n; ++i) kids[k->slots[i]].pid = 0;
    inflight -= k->n;
    k->n = 0;
    stralloc_zero(&k->out);
}

static void
spawner_reap(void)
{
    unsigned long i;
    pid_t pid;
    int ws;

    while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
        for (i = 0; i < auto_spawn; ++i)
            if (kids[i].pid == pid && kids[i].lead == i) { spawner_finish(i, ws); break; }
}

static void
spawner_cloexec(int fd)
{
    fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

static void
spawner_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void
spawner_failall(const struct spawner_req *rs, unsigned long n, const char *t)
{
    unsigned long i;

    for (i = 0; i < n; ++i) spawner_reports(rs[i].slot, 'Z', t);
}

/* start one child for the n requests rs (their slots are free and valid) */
static void
spawner_start(const struct spawner_req *rs, unsigned long n)
{
    struct child *k = &kids[rs[0].slot];
    unsigned long i;
    int p[2];
    pid_t pid;

    if (pipe(p) == -1) { spawner_failall(rs, n, "unable to create a pipe"); return; }
    spawner_cloexec(p[0]);
    spawner_cloexec(p[1]);
    /* the child must not inherit results waiting in buffer_1 */
    if (buffer_flush(buffer_1) == -1) die_temp("unable to write results");
    pid = fork();
    if (pid == -1) {
        close(p[0]); close(p[1]);
        spawner_failall(rs, n, "unable to fork");
        return;
    }
    if (pid == 0) spawner_child(rs, n, p[1]);
    close(p[1]);
    spawner_nonblock(p[0]);
    for (i = 0; i < n; ++i) {
        kids[rs[i].slot].pid = pid;
        kids[rs[i].slot].lead = rs[0].slot;
        kids[rs[i].slot].fd = -1;
        k->slots[i] = rs[i].slot;
    }
    k->fd = p[0];
    k->n = n;
    k->cap = SPAWNER_TEXTMAX * (n + 1);
    stralloc_zero(&k->out);
    inflight += n;
}

/* start the requests waiting in pending */
static void
spawner_flushpending(void)
{
    if (npending) spawner_start(pending, npending);
    npending = 0;
}

/* one parsed request: into the pending group, or the next one */
static void
spawner_take(const struct spawner_req *r)
{
    if (r->slot >= auto_spawn) {
        spawner_reports(r->slot, 'Z', "slot number beyond the concurrency limit (conf-spawn)");
        return;
    }
    if (kids[r->slot].pid) {
        warn_x("slot already in use; ignoring the rest of the input");
        malformed = 1;
        return;
    }
    if (npending && (npending >= batch->max || !batch->joins
                     || !batch->joins(&pending[0], r)))
        spawner_flushpending();
    pending[npending++] = *r;
    kids[r->slot].pid = -1;     /* taken: a repeated slot is malformed */
}

static void
spawner_input(void)
{
    struct spawner_req r;
    char b[4096];
    ssize_t got;
    size_t pos = 0;
    long n = 0;
    unsigned long i;

    do got = read(0, b, sizeof b); while (got == -1 && errno == EINTR);
    if (got == -1 && errno == EAGAIN) return;
    if (got <= 0) {
        if (got == -1) warn_sys("unable to read requests");
        else if (inbuf.len) { warn_x("end of input inside a request"); malformed = 1; }
        inputopen = 0;
        return;
    }
    if (!stralloc_catb(&inbuf, b, (size_t)got)) die_nomem();
    while (!malformed && (n = spawner_parse(inbuf.s + pos, inbuf.len - pos, &r)) > 0) {
        spawner_take(&r);
        pos += (size_t)n;
    }
    if (malformed) for (i = 0; i < npending; ++i) kids[pending[i].slot].pid = 0;
    if (malformed) npending = 0;
    spawner_flushpending();     /* pending points into inbuf: start it now */
    if (n == -1) { warn_x("malformed request; ignoring the rest of the input"); malformed = 1; }
    if (malformed) { inputopen = 0; return; }
    byte_copy(inbuf.s, inbuf.len - pos, inbuf.s + pos);
    inbuf.len -= pos;
}

static void
spawner_setup(void)
{
    struct sigaction sa;
    unsigned long i;

    for (i = 0; i < 3; ++i)
        if (fcntl((int)i, F_GETFD) == -1) die_temp("file descriptor 0, 1 or 2 is closed");
    kids = calloc(auto_spawn, sizeof *kids);
    pending = calloc(batch->max, sizeof *pending);
    if (!kids || !pending) die_nomem();
    for (i = 0; i < auto_spawn; ++i) {
        kids[i].fd = -1;
        kids[i].slots = calloc(batch->max, sizeof *kids[i].slots);
        if (!kids[i].slots) die_nomem();
    }
    if (pipe(selfpipe) == -1) die_temp("unable to create a pipe");
    for (i = 0; i < 2; ++i) {
        spawner_cloexec(selfpipe[i]);
        spawner_nonblock(selfpipe[i]);
    }
    byte_zero(&sa, sizeof sa);
    sa.sa_handler = spawner_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, 0) == -1) die_temp("unable to catch SIGCHLD");
    signal(SIGPIPE, SIG_IGN);
}

int
spawner_runbatch(const struct spawner_batch *b, const char *prog)
{
    struct pollfd *pfd;
    unsigned long *owner, i;
    char junk[64];
    int n, j;

    batch = b;
    progname_ = prog;
    spawner_setup();
    pfd = calloc(auto_spawn + 2, sizeof *pfd);
    owner = calloc(auto_spawn + 2, sizeof *owner);
    if (!pfd || !owner) die_nomem();
    while (inputopen || inflight) {
        n = 0;
        pfd[n].fd = selfpipe[0]; pfd[n++].events = POLLIN;
        if (inputopen) { pfd[n].fd = 0; pfd[n++].events = POLLIN; }
        for (i = 0; i < auto_spawn; ++i)
            if (kids[i].pid > 0 && kids[i].fd != -1) {
                owner[n] = i;
                pfd[n].fd = kids[i].fd; pfd[n++].events = POLLIN;
            }
        if (poll(pfd, (nfds_t)n, -1) == -1) {
            if (errno == EINTR) continue;
            die_temp("unable to poll");
        }
        while (read(selfpipe[0], junk, sizeof junk) > 0) ;
        spawner_reap();
        for (j = 0; j < n; ++j) {
            struct child *k;

            if (pfd[j].fd == selfpipe[0] || pfd[j].fd == 0 || !pfd[j].revents) continue;
            k = &kids[owner[j]];
            if (k->pid <= 0 || k->fd != pfd[j].fd) continue;     /* reaped above */
            if (!spawner_readkid(k)) spawner_closekid(k);
        }
        if (inputopen && pfd[1].fd == 0 && pfd[1].revents) spawner_input();
        if (buffer_flush(buffer_1) == -1) die_temp("unable to write results");
    }
    return malformed ? 111 : 0;
}

/* ---- one delivery per child (mail-lspawn) ---- */

static void (*singlefn)(const struct spawner_req *);

static void
spawner_deliverone(const struct spawner_req *rs, unsigned long n)
{
    (void)n;
    singlefn(rs);
}

int
spawner_run(void (*deliver)(const struct spawner_req *), const char *prog)
{
    static struct spawner_batch one = { 0, 1, 0, spawner_deliverone, spawner_single };

    singlefn = deliver;
    return spawner_runbatch(&one, prog);
}
