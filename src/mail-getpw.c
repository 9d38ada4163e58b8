/* mail-getpw: map a local part to a password-file account, qmail's rules */
#include <unistd.h>
#include "buffer.h"
#include "fmt.h"
#include "str.h"
#include "deliverable.h"
#include "die.h"

static void
getpw_field(const char *s, size_t len)
{
    buffer_put(buffer_1, s, len);
    buffer_put(buffer_1, "", 1);
}

static void
getpw_number(unsigned long u)
{
    char num[FMT_ULONG] = "";   /* fmt_ulong is "pure": gcc 12 thinks num unset */
    size_t n = fmt_ulong(num, u);

    getpw_field(num, n);
}

int
main(int argc, char **argv)
{
    static struct account a;
    int r;

    progname = "mail-getpw";
    if (argc != 2) die_usage("mail-getpw local");
    /* the rules live in deliverable.c, shared with mail-smtpd's recipient check */
    r = deliverable_getpw(argv[1], str_len(argv[1]), &a);
    if (r == -1) die_temp("unable to read the password file");
    if (r == 0) _exit(100);
    getpw_field(a.user.s, a.user.len);
    getpw_number(a.uid);
    getpw_number(a.gid);
    getpw_field(a.home.s, a.home.len);
    getpw_field(a.dash.s, a.dash.len);
    getpw_field(a.ext.s, a.ext.len);
    if (buffer_flush(buffer_1) == -1) die_temp("unable to write");
    _exit(0);
}
