/* pwread.c: reading and hashing a new password (echo off on a terminal) */
#include <errno.h>
#include <termios.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "str.h"
#include "pwhash.h"
#include "pwread.h"

static char pw1[PWREAD_MAX + 2], pw2[PWREAD_MAX + 2];

static int
pwread_fail(int code, const char *what, const char **why)
{
    byte_zero(pw1, sizeof pw1);
    byte_zero(pw2, sizeof pw2);
    *why = what;
    return code;
}

/* one line from fd 0 into buf (without its end): its length, or -1
   (*why) */
static long
pwread_line(const char *prompt, char *buf, const char **why)
{
    struct termios old, quiet;
    int tty = isatty(0);
    size_t n = 0;
    ssize_t r;
    char c;

    if (tty) {
        buffer_putsflush(buffer_2, prompt);
        if (tcgetattr(0, &old) == -1) { *why = "unable to read the terminal settings"; return -1; }
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        if (tcsetattr(0, TCSAFLUSH, &quiet) == -1) { *why = "unable to turn echo off"; return -1; }
    }
    for (;;) {
        r = read(0, &c, 1);
        if (r == -1 && errno == EINTR) continue;
        if (r == -1) {
            if (tty) tcsetattr(0, TCSAFLUSH, &old);
            *why = "unable to read the password";
            return -1;
        }
        if (r == 0 || c == '\n') break;
        if (n > PWREAD_MAX) continue;      /* refused below, after the line */
        buf[n++] = c;
    }
    if (tty) {
        tcsetattr(0, TCSAFLUSH, &old);
        buffer_putsflush(buffer_2, "\n");
    }
    if (n && buf[n - 1] == '\r') --n;
    buf[n] = 0;
    return (long)n;
}

int
pwread_new(char *hash, const char **why)
{
    long n = pwread_line("Password: ", pw1, why);

    if (n == -1) return pwread_fail(111, *why, why);
    if (n > PWREAD_MAX) return pwread_fail(100, "password longer than 256 bytes", why);
    if (!n) return pwread_fail(100, "empty password refused", why);
    if (byte_chr(pw1, (size_t)n, 0) < (size_t)n)
        return pwread_fail(100, "password with a NUL byte refused", why);
    if (isatty(0)) {
        if (pwread_line("Again: ", pw2, why) == -1) return pwread_fail(111, *why, why);
        if (str_diff(pw1, pw2)) return pwread_fail(100, "the passwords differ; nothing changed", why);
    }
    if (pwhash_make(pw1, hash) == -1) return pwread_fail(111, "unable to hash the password", why);
    return pwread_fail(0, "", why);
}
