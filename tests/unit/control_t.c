/* control_t.c: control file reading: missing is default, unreadable is an error */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "stralloc.h"
#include "control.h"
#include "t.h"

static void
put(const char *fn, const char *s)
{
    int fd = open(fn, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) exit(2);
    close(fd);
}

int
main(void)
{
    static stralloc sa;
    char dir[] = "/tmp/kirim-control-XXXXXX";
    unsigned long u;

    if (!mkdtemp(dir) || chdir(dir) == -1) return 2;

    ok(control_readline(&sa, "none", "dflt") == 0, "missing file returns 0");
    is_buf(sa.s, sa.len, "dflt", "missing file gives the default");
    put("me", "mail.example.org \r\nsecond line\n");
    ok(control_readline(&sa, "me", "x") == 1, "present file returns 1");
    is_buf(sa.s, sa.len, "mail.example.org", "first line, trailing blanks and CR cut");
    put("empty", "");
    ok(control_readline(&sa, "empty", "x") == 1 && sa.len == 0, "empty file is an empty value");
    mkdir("adir", 0755);
    ok(control_readline(&sa, "adir", "x") == -1, "a directory is unreadable, not missing");

    put("num", "4096\n");
    ok(control_readulong(&u, "num", 7) == 1 && u == 4096, "number read");
    ok(control_readulong(&u, "nonum", 7) == 0 && u == 7, "missing number gives default");
    put("bad", "12k\n");
    ok(control_readulong(&u, "bad", 7) == -2, "trailing garbage is refused");
    put("bad2", "\n");
    ok(control_readulong(&u, "bad2", 7) == -2, "empty number is refused");

    put("list", "# comment\n  a.example  \n\nb.example\r\n#x\nc.example");
    ok(control_readlines(&sa, "list") == 1, "list read");
    ok(sa.len == 30 && !memcmp(sa.s, "a.example\0b.example\0c.example\0", 30),
       "comments and blanks dropped, last line without newline kept");
    ok(control_readlines(&sa, "nolist") == 0 && sa.len == 0, "missing list is empty");
    /* found by fuzzing (tests/fuzz/corpus/control/nul-in-line): a NUL
       split one line into two entries for every reader */
    {
        static const char nul[] = "a.example\nb.ex\0c.example\n";
        static const char nul1[] = "#\0x\nme.example\n";
        int fd = open("nul", O_WRONLY | O_CREAT | O_TRUNC, 0644);

        if (fd == -1 || write(fd, nul, sizeof nul - 1) != sizeof nul - 1) exit(2);
        close(fd);
        fd = open("nul1", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd == -1 || write(fd, nul1, sizeof nul1 - 1) != sizeof nul1 - 1) exit(2);
        close(fd);
    }
    errno = 0;
    ok(control_readlines(&sa, "nul") == -1 && errno == EINVAL, "a NUL inside a list line is an error");
    ok(control_readline(&sa, "nul", "x") == 1, "a NUL after the first line does not matter to readline");
    is_buf(sa.s, sa.len, "a.example", "readline's first line");
    ok(control_readlines(&sa, "nul1") == 1, "a NUL in a comment line does no harm");
    ok(sa.len == 11 && !memcmp(sa.s, "me.example", 11), "the other lines are kept");
    ok(control_readline(&sa, "nul1", "x") == -1, "a NUL in the first line is an error for readline");

    if (geteuid() != 0) {
        put("secret", "x\n");
        chmod("secret", 0);
        ok(control_readline(&sa, "secret", "d") == -1, "permission denied is an error");
    } else
        ok(1, "permission check skipped as root # SKIP root reads everything");
    unlink("secret"); unlink("me"); unlink("empty"); unlink("num"); unlink("bad");
    unlink("bad2"); unlink("list"); rmdir("adir");
    unlink("nul"); unlink("nul1");
    if (chdir("/") == 0) rmdir(dir);
    return done_testing();
}
