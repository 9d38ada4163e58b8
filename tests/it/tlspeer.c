/* tlspeer.c: test helper driving src/tls.c against real OpenSSL peers.
     tlspeer relay PEMFILE TIMEOUT PROGRAM [ARG...]
         under tcpserver: handshake, then run PROGRAM on pipes and
         tls_relay() between it and the peer
     tlspeer server PEMFILE TIMEOUT
         under tcpserver (fds 0/1): handshake, log the session, answer
         "220 tlspeer" then each line with "250 line" until QUIT (221)
     tlspeer client HOST MODE CAFILE|- TIMEOUT LINE
         under tcpclient (fds 6/7): handshake, log the session, send LINE,
         print the first line that comes back on stdout
   Log lines go to fd 2; exit 0 done, 1 handshake or I/O failure, 111 setup. */
#include <signal.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>
#include "buffer.h"
#include "fmt.h"
#include "scan.h"
#include "stralloc.h"
#include "tls.h"

static char inbuf[1024], outbuf[1024];
static buffer in, out;

static void
say(const char *a, const char *b)
{
    buffer_puts(buffer_2, "tlspeer: ");
    buffer_puts(buffer_2, a);
    if (b) buffer_puts(buffer_2, b);
    buffer_putsflush(buffer_2, "\n");
}

static void
peer_fail(int code, const char *what, const char *why)
{
    buffer_puts(buffer_2, "tlspeer: ");
    buffer_puts(buffer_2, what);
    buffer_puts(buffer_2, ": ");
    buffer_puts(buffer_2, why);
    buffer_putsflush(buffer_2, "\n");
    _exit(code);
}

static void
peer_info(void)
{
    struct tls_info ti;
    char num[FMT_ULONG];
    size_t n;

    tls_info(&ti);
    n = fmt_ulong(num, ti.bits);
    num[n] = 0;
    buffer_puts(buffer_2, "tlspeer: ok ");
    buffer_puts(buffer_2, ti.version);
    buffer_puts(buffer_2, " ");
    buffer_puts(buffer_2, ti.cipher);
    buffer_puts(buffer_2, " bits=");
    buffer_puts(buffer_2, num);
    buffer_puts(buffer_2, ti.verified ? " verified=1 (" : " verified=0 (");
    buffer_puts(buffer_2, ti.verify);
    buffer_puts(buffer_2, ") sni=");
    buffer_puts(buffer_2, ti.sni);
    buffer_putsflush(buffer_2, "\n");
}

/* one line from the peer, without its end; 0 at EOF */
static int
peer_getline(stralloc *sa)
{
    char c;
    ssize_t r;

    stralloc_zero(sa);
    for (;;) {
        r = buffer_getc(&in, &c);
        if (r == -1) peer_fail(1, "read failed", tls_error());
        if (r == 0) return sa->len > 0;
        if (c == '\n') break;
        if (sa->len < 1000 && !stralloc_append(sa, &c)) peer_fail(111, "out of memory", "");
    }
    if (sa->len && sa->s[sa->len - 1] == '\r') --sa->len;
    return 1;
}

static void
peer_put(const char *a, const char *b, size_t blen)
{
    if (buffer_puts(&out, a) == -1 || buffer_put(&out, b, blen) == -1
        || buffer_putsflush(&out, "\r\n") == -1)
        peer_fail(1, "write failed", tls_error());
}

static int
run_server(char **argv)
{
    static stralloc line;
    const char *why;
    unsigned long t;

    if (!argv[2] || !argv[3] || !scan_ulong(argv[3], &t)) peer_fail(111, "usage", "server PEMFILE TIMEOUT");
    if (tls_server_init(argv[2], &why) == -1) peer_fail(111, "certificate", why);
    if (tls_server(0, 1, (unsigned)t, &why) == -1) peer_fail(1, "handshake failed", why);
    peer_info();
    buffer_init(&in, tls_read, 0, inbuf, sizeof inbuf);
    buffer_init(&out, tls_write, 1, outbuf, sizeof outbuf);
    peer_put("220 tlspeer", "", 0);
    while (peer_getline(&line)) {
        if (!stralloc_0(&line)) peer_fail(111, "out of memory", "");
        say("got: ", line.s);
        if (!strcmp(line.s, "QUIT")) { peer_put("221 bye", "", 0); break; }
        peer_put("250 ", line.s, line.len - 1);
    }
    if (tls_close() == -1) say("close: ", tls_error());
    say("done", 0);
    return 0;
}

static int
run_client(char **argv)
{
    static stralloc line;
    const char *why;
    unsigned long t;
    int mode;

    if (!argv[2] || !argv[3] || !argv[4] || !argv[5] || !argv[6] || !scan_ulong(argv[5], &t))
        peer_fail(111, "usage", "client HOST MODE CAFILE|- TIMEOUT LINE");
    if (!strcmp(argv[3], "noverify")) mode = TLS_NOVERIFY;
    else if (!strcmp(argv[3], "verify")) mode = TLS_VERIFY;
    else if (!strcmp(argv[3], "check")) mode = TLS_CHECK;
    else peer_fail(111, "usage", "MODE is noverify, verify or check");
    if (tls_client_init(mode, strcmp(argv[4], "-") ? argv[4] : 0, &why) == -1)
        peer_fail(111, "trust anchors", why);
    if (tls_client(6, 7, strcmp(argv[2], "-") ? argv[2] : 0, (unsigned)t, &why) == -1)
        peer_fail(1, "handshake failed", why);
    peer_info();
    buffer_init(&in, tls_read, 6, inbuf, sizeof inbuf);
    buffer_init(&out, tls_write, 7, outbuf, sizeof outbuf);
    peer_put(argv[6], "", 0);
    if (!peer_getline(&line)) peer_fail(1, "no answer", "end of input");
    buffer_put(buffer_1, line.s, line.len);
    buffer_putsflush(buffer_1, "\n");
    if (tls_close() == -1) say("close: ", tls_error());
    return 0;
}

static int
run_relay(char **argv)
{
    const char *why;
    unsigned long t;
    int up[2], down[2], r;
    pid_t pid;

    if (!argv[2] || !argv[3] || !argv[4] || !scan_ulong(argv[3], &t))
        peer_fail(111, "usage", "relay PEMFILE TIMEOUT PROGRAM [ARG...]");
    if (tls_server_init(argv[2], &why) == -1) peer_fail(111, "certificate", why);
    if (tls_server(0, 1, (unsigned)t, &why) == -1) peer_fail(1, "handshake failed", why);
    peer_info();
    if (pipe(up) == -1 || pipe(down) == -1) peer_fail(111, "pipe", "failed");
    pid = fork();
    if (pid == -1) peer_fail(111, "fork", "failed");
    if (pid == 0) {
        if (dup2(down[0], 0) == -1 || dup2(up[1], 1) == -1) _exit(111);
        close(down[0]); close(down[1]); close(up[0]); close(up[1]);
        execvp(argv[4], argv + 4);
        _exit(111);
    }
    close(down[0]);
    close(up[1]);
    r = tls_relay(up[0], down[1], &why);
    if (r == -1) { say("relay failed: ", why); kill(pid, SIGTERM); }
    waitpid(pid, 0, 0);
    say("relay done", 0);
    return r == -1;
}

int
main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && !strcmp(argv[1], "server")) return run_server(argv);
    if (argc >= 2 && !strcmp(argv[1], "client")) return run_client(argv);
    if (argc >= 2 && !strcmp(argv[1], "relay")) return run_relay(argv);
    peer_fail(111, "usage", "tlspeer server|client ...");
    return 111;
}
