/* qclient.c: run mail-queue (or $MAILQUEUE) and feed it message and envelope */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "auto.h"
#include "qclient.h"

#define QC_EXECFAIL 120

static ssize_t
qc_write(int fd, const char *s, size_t n, buffer *b)
{
    (void)b;
    ssize_t w;

    do w = write(fd, s, n); while (w == -1 && errno == EINTR);
    return w;
}

/* a copy of fd at 7 or above, the original closed: the pipe ends the
   caller's open or closed descriptors put on 0, 1 or 6 must not be
   overwritten or closed by the dup2 calls that follow */
static int
qc_high(int fd)
{
    int h = fcntl(fd, F_DUPFD, 7);

    if (h == -1) _exit(QC_EXECFAIL);
    close(fd);
    return h;
}

static void
child(int pm[2], int pe[2], int pc[2])
{
    static char qbin[4096];
    const char *prog = getenv("MAILQUEUE");
    char *args[2];
    size_t n;
    int m, e, c;

    if (!prog || !*prog) {
        for (n = 0; auto_home[n] && n < sizeof qbin - 32; ++n)
            qbin[n] = auto_home[n];
        qbin[n] = 0;
        for (const char *t = "/bin/mail-queue"; *t; ++t) qbin[n++] = *t;
        qbin[n] = 0;
        prog = qbin;
    }
    close(pm[1]);
    close(pe[1]);
    close(pc[0]);
    m = qc_high(pm[0]);
    e = qc_high(pe[0]);
    c = qc_high(pc[1]);
    if (dup2(m, 0) == -1 || dup2(e, 1) == -1 || dup2(c, 6) == -1) _exit(QC_EXECFAIL);
    close(m);
    close(e);
    close(c);
    args[0] = (char *)prog;
    args[1] = 0;
    execv(prog, args);
    _exit(QC_EXECFAIL);
}

int
qclient_open(struct qclient *q)
{
    int pm[2], pe[2], pc[2];

    signal(SIGPIPE, SIG_IGN);
    q->err = 0;
    if (pipe(pm) == -1) return -1;
    if (pipe(pe) == -1) { close(pm[0]); close(pm[1]); return -1; }
    if (pipe(pc) == -1) goto fail2;
    q->pid = fork();
    if (q->pid == -1) goto fail3;
    if (q->pid == 0) child(pm, pe, pc);
    close(pm[0]);
    close(pe[0]);
    close(pc[1]);
    q->fdm = pm[1];
    q->fde = pe[1];
    q->fdc = pc[0];
    fcntl(q->fdm, F_SETFD, FD_CLOEXEC);
    fcntl(q->fde, F_SETFD, FD_CLOEXEC);
    fcntl(q->fdc, F_SETFD, FD_CLOEXEC);
    buffer_init(&q->b, qc_write, q->fdm, q->buf, sizeof q->buf);
    return 0;
fail3:
    close(pc[0]); close(pc[1]);
fail2:
    close(pm[0]); close(pm[1]); close(pe[0]); close(pe[1]);
    return -1;
}

void
qclient_put(struct qclient *q, const char *s, size_t len)
{
    if (!q->err && buffer_put(&q->b, s, len) == -1) q->err = 1;
}

void
qclient_puts(struct qclient *q, const char *s)
{
    size_t n = 0;

    while (s[n]) ++n;
    qclient_put(q, s, n);
}

void
qclient_from(struct qclient *q, const char *s, size_t len)
{
    if (!q->err && buffer_flush(&q->b) == -1) q->err = 1;
    close(q->fdm);
    q->fdm = -1;
    buffer_init(&q->b, qc_write, q->fde, q->buf, sizeof q->buf);
    qclient_put(q, "F", 1);
    qclient_put(q, s, len);
    qclient_put(q, "", 1);
}

void
qclient_to(struct qclient *q, const char *s, size_t len)
{
    qclient_put(q, "T", 1);
    qclient_put(q, s, len);
    qclient_put(q, "", 1);
}

/* the custom message of exit 82: one line, printable, D/Z prefixed */
static const char *
custom(int fd)
{
    static char msg[1002];
    ssize_t r;
    size_t n = 1, i;

    fcntl(fd, F_SETFL, O_NONBLOCK);
    do r = read(fd, msg + 1, sizeof msg - 2); while (r == -1 && errno == EINTR);
    if (r <= 0) return "Zmail server refused the message (#4.3.0)";
    for (i = 1; i < (size_t)r + 1; ++i) {
        if (msg[i] == '\n' || msg[i] == '\r' || msg[i] == 0) break;
        if ((unsigned char)msg[i] < 32 || msg[i] == 127) msg[i] = '?';
        n = i + 1;
    }
    msg[n] = 0;
    if (msg[1] == 'D' || msg[1] == 'Z') return msg + 1;
    msg[0] = 'Z';               /* no verdict given: do not lose mail */
    return msg;
}

const char *
qclient_close(struct qclient *q, int *code)
{
    int wstat;
    pid_t r;
    const char *s;

    qclient_put(q, "", 1);
    if (!q->err && buffer_flush(&q->b) == -1) q->err = 1;
    if (q->fdm != -1) close(q->fdm);
    close(q->fde);
    do r = waitpid(q->pid, &wstat, 0); while (r == -1 && errno == EINTR);
    if (r == -1) { close(q->fdc); *code = -1; return "Zqueue process lost (#4.3.0)"; }
    if (!WIFEXITED(wstat)) {
        close(q->fdc);
        *code = -1;
        return "Zmail-queue crashed (#4.3.0)";
    }
    *code = WEXITSTATUS(wstat);
    if (*code == 82) s = custom(q->fdc);
    else s = qclient_errstr(*code);
    close(q->fdc);
    if (*code == 0 && q->err) return "Zwrite to mail-queue failed (#4.3.0)";
    return s;
}

void
qclient_abort(struct qclient *q)
{
    int wstat;
    pid_t r;

    if (q->fdm != -1) close(q->fdm);
    close(q->fde);
    close(q->fdc);
    do r = waitpid(q->pid, &wstat, 0); while (r == -1 && errno == EINTR);
}

const char *
qclient_errstr(int code)
{
    switch (code) {
    case 0: return "";
    case 11: return "Denvelope address too long for the queue (#5.1.3)";
    case 31: return "Dmail server permanently rejected the message (#5.3.0)";
    case 51: return "Zout of memory in the queue (#4.3.0)";
    case 52: return "Ztimeout in the queue (#4.3.0)";
    case 53: return "Zwrite error in the queue, disk full? (#4.3.0)";
    case 54: return "Zunable to read the message or envelope (#4.3.0)";
    case 55: return "Zunable to read a configuration file (#4.3.0)";
    case 56: return "Znetwork problem in the queue (#4.3.0)";
    case 61: return "Ztrouble in the kirim home directory (#4.3.0)";
    case 62: return "Ztrouble with the queue directory (#4.3.0)";
    case 63: return "Ztrouble in queue/pid (#4.3.0)";
    case 64: return "Ztrouble in queue/mess (#4.3.0)";
    case 65: return "Ztrouble in queue/intd (#4.3.0)";
    case 66: return "Ztrouble in queue/todo (#4.3.0)";
    case 71: return "Zmail server temporarily refused the message (#4.3.0)";
    case 72: return "Zconnection to mail server timed out (#4.4.1)";
    case 73: return "Zconnection to mail server rejected (#4.4.1)";
    case 74: return "Zcommunication with mail server failed (#4.4.2)";
    case 81: return "Zinternal bug in the queue (#4.3.0)";
    case 91: return "Denvelope format error (#5.6.0)";
    case QC_EXECFAIL: return "Zunable to run the queue program (#4.3.0)";
    }
    return "Zunexpected failure in the queue (#4.3.0)";
}
