/* mail-tcpto: print the hosts mail-remote skips because they timed out */
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "fmt.h"
#include "ip4.h"
#include "ip6.h"
#include "auto.h"
#include "die.h"
#include "tcpto.h"

static void
put_ulong(unsigned long u)
{
    char num[FMT_ULONG] = "";
    size_t n = fmt_ulong(num, u);

    buffer_put(buffer_1, num, n);
}

int
main(int argc, char **argv)
{
    static char file[TCPTO_SIZE];
    char ip[16], s[FMT_IP6];
    unsigned long last, count, now = (unsigned long)time(0), wait;
    unsigned int i;
    size_t n;
    int fd;

    (void)argv;
    progname = "mail-tcpto";
    if (argc != 1) die_usage("mail-tcpto");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    fd = tcpto_load("queue/lock/tcpto", file, 0);
    if (fd == -1) die_temp("unable to read queue/lock/tcpto");
    close(fd);
    for (i = 0; i < TCPTO_RECORDS; ++i) {
        if (!tcpto_get(file, i, ip, &last, &count)) continue;
        n = ip6_isv4mapped(ip) ? fmt_ip4(s, ip + 12) : fmt_ip6(s, ip);
        buffer_put(buffer_1, s, n);
        buffer_puts(buffer_1, " timed out ");
        put_ulong(count);
        buffer_puts(buffer_1, count == 1 ? " time, last " : " times, last ");
        put_ulong(now > last ? now - last : 0);
        buffer_puts(buffer_1, " seconds ago; ");
        wait = tcpto_wait(file, ip, now);
        if (wait) {
            buffer_puts(buffer_1, "skipped for ");
            put_ulong(wait);
            buffer_puts(buffer_1, " more seconds\n");
        } else buffer_puts(buffer_1, "tried again now\n");
    }
    if (buffer_flush(buffer_1) == -1) die_temp("unable to write");
    return 0;
}
