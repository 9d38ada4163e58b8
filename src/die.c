/* die.c: fatal and warning messages on fd 2, flushed stdout first */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "buffer.h"
#include "die.h"

const char *progname = "kirim";

static void
vmsg(const char *kind, int withsys, int err, const char *first, va_list ap)
{
    const char *s;

    buffer_flush(buffer_1);
    buffer_puts(buffer_2, progname);
    buffer_puts(buffer_2, kind);
    for (s = first; s; s = va_arg(ap, const char *))
        buffer_puts(buffer_2, s);
    if (withsys) {
        buffer_puts(buffer_2, ": ");
        buffer_puts(buffer_2, strerror(err));
    }
    buffer_putsflush(buffer_2, "\n");
}

void
die_msg(int code, int withsys, const char *first, ...)
{
    va_list ap;
    int err = errno;

    va_start(ap, first);
    vmsg(": fatal: ",
         withsys, err, first, ap);
    va_end(ap);
    _exit(code);
}

void
warn_msg(int withsys, const char *first, ...)
{
    va_list ap;
    int err = errno;

    va_start(ap, first);
    vmsg(": warning: ", withsys, err, first, ap);
    va_end(ap);
    errno = err;
}
