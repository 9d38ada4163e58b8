/* sendmail: the sendmail command line, translated into a run of mail-inject */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "die.h"

#define USAGE "sendmail [-t] [-i] [-f sender] [-F name] [-bm|-bp] [-o x] [--] [address ...]"

#define MODE_MAIL 'm'       /* -bm: read a message, queue it */
#define MODE_LIST 'p'       /* -bp, mailq: list the queue */
#define MODE_ALIASES 'i'    /* -bi, -I, newaliases */

struct opts {
    int mode;
    int header;             /* -t: recipients from the header too */
    int dotend;             /* a line "." ends the message (no -i) */
    const char *sender;     /* -f, -r; 0: let mail-inject choose */
    const char *fullname;   /* -F */
};

static const char *binpath(const char *prog);

/* -bs: mail-smtpd on stdin and stdout; a local user may send anywhere
   already, so the session relays (RELAYCLIENT) and names no client */
static void __attribute__((noreturn))
smtp_session(void)
{
    char *args[2];

    args[0] = (char *)binpath("mail-smtpd");
    args[1] = 0;
    if (unsetenv("TCPREMOTEIP") == -1 || unsetenv("TCPREMOTEHOST") == -1
        || unsetenv("TCPREMOTEINFO") == -1 || setenv("RELAYCLIENT", "", 1) == -1)
        die_nomem();
    execv(args[0], args);
    die_temp("unable to run ", args[0]);
}

static void
refuse_b(const char *m)
{
    if (str_equal(m, "s")) smtp_session();
    if (str_equal(m, "d") || str_equal(m, "D") || str_equal(m, "l"))
        die_perm("-b", m, " (daemon mode) is not supported: "
                 "run mail-start under a supervisor");
    die_perm("-b", m, " is not supported (usage: ", USAGE, ")");
}

static void
opt_b(struct opts *o, const char *m)
{
    if (str_equal(m, "m")) o->mode = MODE_MAIL;
    else if (str_equal(m, "p")) o->mode = MODE_LIST;
    else if (str_equal(m, "i")) o->mode = MODE_ALIASES;
    else refuse_b(m);
}

/* -q alone flushes the queue in Postfix; kirim has no flush */
static void
opt_q(const char *arg)
{
    if (*arg >= '0' && *arg <= '9') return;     /* -q15m: a daemon's interval */
    die_perm("-q", arg, " is not supported: kirim has no queue flush; "
             "mail-send retries deferred messages on its own schedule");
}

/* sendmail writes the null sender as "<>"; strip one pair of brackets */
static const char *
unbracket(char *s)
{
    size_t n = str_len(s);

    if (n >= 2 && s[0] == '<' && s[n - 1] == '>') { s[n - 1] = 0; return s + 1; }
    return s;
}

/* an option with a value: c is the letter, v the value */
static void
opt_value(struct opts *o, char c, char *v)
{
    switch (c) {
    case 'b': opt_b(o, v); break;
    case 'f': case 'r': o->sender = unbracket(v); break;
    case 'F': o->fullname = v; break;
    case 'o': if (str_equal(v, "i")) o->dotend = 0; break;   /* other -o: ignored */
    case 'C':
        warn_x("ignoring -C ", v, ": kirim reads its configuration from ",
               auto_home, "/control");
        break;
    default: break;     /* -A -B -h -L -N -O -R -V -X: ignored */
    }
}

static int
takesvalue(char c)
{
    return c && byte_chr("ABCFLNORVXbfhor", 15, c) < 15;
}

/* -t -i -v and the ignored ones; 0 when c is unknown */
static int
opt_flag(struct opts *o, char c)
{
    switch (c) {
    case 't': o->header = 1; return 1;
    case 'i': o->dotend = 0; return 1;
    case 'I': o->mode = MODE_ALIASES; return 1;
    case 'v': case 'G': case 'U': case 'm': case 'n': return 1;
    }
    return 0;
}

/* one argument of grouped options; returns how many argv entries it used */
static int
optarg_(struct opts *o, char **argv)
{
    char *a = argv[0] + 1;
    char c;

    for (; (c = *a); ++a) {
        if (c == 'q') { opt_q(a + 1); return 1; }
        if (takesvalue(c)) {
            if (a[1]) { opt_value(o, c, a + 1); return 1; }
            if (!argv[1]) {
                char s[2] = { c, 0 };
                die_perm("option -", s, " needs a value (usage: ", USAGE, ")");
            }
            opt_value(o, c, argv[1]);
            return 2;
        }
        if (!opt_flag(o, c)) {
            char s[2] = { c, 0 };
            die_perm("unknown option -", s, " (usage: ", USAGE, ")");
        }
    }
    return 1;
}

/* options up to "--" or the first address; returns the index of the first address */
static int
parse(struct opts *o, int argc, char **argv)
{
    int i = 1;

    while (i < argc) {
        if (str_equal(argv[i], "--")) return i + 1;
        if (argv[i][0] != '-' || !argv[i][1]) return i;
        i += optarg_(o, argv + i);
    }
    return i;
}

static const char *
binpath(const char *prog)
{
    static stralloc p;

    if (!stralloc_copys(&p, auto_home) || !stralloc_cats(&p, "/bin/")
        || !stralloc_cats(&p, prog) || !stralloc_0(&p)) die_nomem();
    return p.s;
}

static void __attribute__((noreturn))
listqueue(void)
{
    char *args[2];

    args[0] = (char *)binpath("mail-qread");
    args[1] = 0;
    execv(args[0], args);
    die_temp("unable to run ", args[0]);
}

/* mail-inject's argument vector; the addresses are checked here */
static char **
injectargs(const struct opts *o, char **rcpt, int n)
{
    char **v;
    int i, k = 0;

    for (i = 0; i < n; ++i)
        if (rcpt[i][0] == '-') die_perm("an address may not start with -: ", rcpt[i]);
    v = malloc((size_t)(n + 8) * sizeof *v);
    if (!v) die_nomem();
    v[k++] = (char *)binpath("mail-inject");
    v[k++] = o->header ? "-t" : "-a";
    if (o->sender) { v[k++] = "-f"; v[k++] = (char *)o->sender; }
    if (o->fullname) { v[k++] = "-F"; v[k++] = (char *)o->fullname; }
    for (i = 0; i < n; ++i) v[k++] = rcpt[i];
    v[k] = 0;
    return v;
}

static char inbuf[65536], outbuf[65536];

/* copy fd 0 to out up to a line holding only "." (or ".\r"), or EOF.
   Returns 0 done, -1 read error, -2 write error (the reader went away). */
static int
copytodot(int out)
{
    buffer in = BUFFER_INIT(read, 0, inbuf, sizeof inbuf);
    buffer o = BUFFER_INIT(write, out, outbuf, sizeof outbuf);
    int bol = 1;            /* at the beginning of a line */
    int held = 0;           /* bytes of ".\r" held back at a line start */
    ssize_t r;
    char *p;
    size_t i, n;

    for (;;) {
        r = buffer_feed(&in);
        if (r == -1) return -1;
        if (r == 0) break;                      /* a held "." at EOF ends too */
        p = buffer_peek(&in);
        n = (size_t)r;
        for (i = 0; i < n; ) {
            if (held) {
                if (p[i] == '\n') return buffer_flush(&o) == -1 ? -2 : 0;
                if (held == 1 && p[i] == '\r') { held = 2; ++i; continue; }
                if (buffer_put(&o, ".\r", (size_t)held) == -1) return -2;
                held = 0;
                bol = 0;
                continue;
            }
            if (bol && p[i] == '.') { held = 1; ++i; continue; }
            {
                size_t k = i + byte_chr(p + i, n - i, '\n');
                bol = k < n;
                if (bol) ++k;
                if (buffer_put(&o, p + i, k - i) == -1) return -2;
                i = k;
            }
        }
        buffer_seek(&in, n);
    }
    return buffer_flush(&o) == -1 ? -2 : 0;
}

/* an unlinked file for the message, in $TMPDIR or /tmp; -1 when none */
static int
tempfile(void)
{
    static char name[4096];
    const char *dir = getenv("TMPDIR");
    size_t n;
    int fd;

    if (!dir || *dir != '/' || str_len(dir) > sizeof name - 32) dir = "/tmp";
    n = str_len(dir);
    byte_copy(name, n, dir);
    byte_copy(name + n, 20, "/sendmail.XXXXXX");   /* with its NUL */
    fd = mkstemp(name);
    if (fd == -1) return -1;
    unlink(name);
    return fd;
}

/* The message up to the dot goes into an unlinked temporary file first,
   then mail-inject runs on it: it reads to end of file, and only a
   message that reached its dot ever reaches it. (Through a pipe, a
   sendmail killed half-way - by a timeout, a supervisor - would look to
   mail-inject like the end of a message, and the part so far would be
   queued: the kernel closes a dying process's files before it signals
   its children.) Without a usable temporary directory the message goes
   through a pipe to a child that dies with this process, which narrows
   that window but cannot close it. */
static void __attribute__((noreturn))
injectdot(char **args)
{
    int pi[2], status, r, fd = tempfile();
    pid_t pid, parent = getpid();

    signal(SIGPIPE, SIG_IGN);
    if (fd != -1) {
        r = copytodot(fd);
        if (r == -1) die_temp("unable to read the message");
        if (r == -2 || lseek(fd, 0, SEEK_SET) == -1) die_temp("unable to write a temporary file");
        if (dup2(fd, 0) == -1) die_temp("unable to dup");
        if (fd != 0) close(fd);     /* not passed on to mail-queue or a filter */
        execv(args[0], args);
        die_temp("unable to run ", args[0]);
    }
    if (pipe(pi) == -1) die_temp("unable to make a pipe");
    pid = fork();
    if (pid == -1) die_temp("unable to fork");
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent) _exit(111);
        close(pi[1]);
        if (dup2(pi[0], 0) == -1) die_temp("unable to dup");
        close(pi[0]);
        execv(args[0], args);
        die_temp("unable to run ", args[0]);
    }
    close(pi[0]);
    r = copytodot(pi[1]);
    if (r == -1) {                  /* never let a cut message be queued */
        kill(pid, SIGKILL);
        die_temp("unable to read the message");
    }
    close(pi[1]);
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR) die_temp("unable to wait for mail-inject");
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    die_tempx("mail-inject crashed");
}

static const char *
basename_(const char *s)
{
    size_t i = str_rchr(s, '/');

    return s[i] ? s + i + 1 : s;
}

int
main(int argc, char **argv)
{
    struct opts o = { MODE_MAIL, 0, 1, 0, 0 };
    const char *me;
    char **args;
    int first;

    progname = "sendmail";
    me = argc > 0 ? basename_(argv[0]) : "sendmail";
    if (str_equal(me, "mailq")) o.mode = MODE_LIST;
    if (str_equal(me, "newaliases")) o.mode = MODE_ALIASES;
    first = argc > 0 ? parse(&o, argc, argv) : 0;

    if (o.mode == MODE_LIST) listqueue();
    if (o.mode == MODE_ALIASES) {
        warn_x("kirim has no aliases database (it uses ", auto_home,
               "/alias/.qmail-* files): nothing to do");
        return 0;
    }
    if (!o.header && first >= argc)
        die_perm("no recipients: give addresses, or -t to read them from the header");
    args = injectargs(&o, argv + first, argc - first);
    if (!o.dotend) {
        execv(args[0], args);
        die_temp("unable to run ", args[0]);
    }
    injectdot(args);
}
