/* smtpio_t.c: bounded command lines over a pipe, resync after long lines, timeouts */
#include <errno.h>
#include <unistd.h>
#include "smtpio.h"
#include "t.h"

int
main(void)
{
    static char buf[64], big[5000];
    static stralloc sa;
    unsigned long secs = 1;
    int p[2];
    buffer b;
    int r;

    if (pipe(p) == -1) return 1;
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\n';
    write(p[1], "HELO a\r\nNOOP\n", 13);
    write(p[1], big, sizeof big);
    write(p[1], "QUIT\r\n\r\nA\rB\r\nend", 17);
    buffer_init(&b, smtpio_read, p[0], buf, sizeof buf);
    b.cookie = &secs;

    r = smtpio_getline(&b, &sa, 100);
    ok(r == SMTPIO_LINE, "first line");
    is_buf(sa.s, sa.len, "HELO a", "CRLF removed");
    r = smtpio_getline(&b, &sa, 100);
    is_buf(sa.s, sa.len, "NOOP", "bare LF ends a command line too");
    r = smtpio_getline(&b, &sa, 100);
    ok(r == SMTPIO_LONG && sa.len == 0, "5000-byte line is too long");
    ok(sa.a < 1000, "and was not kept in memory");
    r = smtpio_getline(&b, &sa, 100);
    ok(r == SMTPIO_LINE, "next line after the long one");
    is_buf(sa.s, sa.len, "QUIT", "resynchronised at the LF");
    r = smtpio_getline(&b, &sa, 100);
    ok(r == SMTPIO_LINE && sa.len == 0, "empty line");
    r = smtpio_getline(&b, &sa, 100);
    is_buf(sa.s, sa.len, "A\rB", "inner CR is left for the caller");
    r = smtpio_getline(&b, &sa, 3);
    ok(r == SMTPIO_ERR && errno == ETIMEDOUT, "no LF, no more input: timeout");
    close(p[1]);
    r = smtpio_getline(&b, &sa, 100);
    ok(r == SMTPIO_EOF, "end of input");

    if (pipe(p) == -1) return 1;
    write(p[1], "abcd\r\nabcde\r\n", 13);
    close(p[1]);
    buffer_init(&b, smtpio_read, p[0], buf, sizeof buf);
    ok(smtpio_getline(&b, &sa, 4) == SMTPIO_LINE, "exactly max");
    ok(smtpio_getline(&b, &sa, 4) == SMTPIO_LONG, "max + 1");
    ok(smtpio_getline(&b, &sa, 4) == SMTPIO_EOF, "then EOF (no cookie: no timeout)");
    ok(smtpio_pending(&b) == 0, "nothing pending");
    return done_testing();
}
