/* ctldefault_t.c: control defaults: the table, "the value of me", numbers, lists */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "stralloc.h"
#include "ctldefault.h"
#include "t.h"

static void
put(const char *fn, const char *s)
{
    int fd = open(fn, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) exit(2);
    close(fd);
}

static int
sa_is(const stralloc *sa, const char *s)
{
    return sa->len == strlen(s) && memcmp(sa->s, s, sa->len) == 0;
}

int
main(void)
{
    static stralloc sa;
    char dir[] = "/tmp/kirim-ctldefault-XXXXXX";
    char host[256];
    unsigned long u;
    unsigned int i;
    int names_ok = 1;

    if (!mkdtemp(dir) || chdir(dir) == -1 || mkdir("control", 0755) == -1) return 2;
    if (gethostname(host, sizeof host - 1) == -1) return 2;
    host[sizeof host - 1] = 0;

    for (i = 0; i < ctldefault_count; ++i)
        if (ctldefault_find(ctldefault[i].name) != &ctldefault[i]) names_ok = 0;
    ok(names_ok, "every table entry is found by its name");
    ok(ctldefault_find("nosuch") == 0, "an unknown name is not found");
    ok(ctldefault_find("morercpthosts.cdb")->kind == CTL_CDB, "morercpthosts.cdb is a cdb");

    ok(ctldefault_me(&sa) == 0 && sa_is(&sa, host), "me missing: the host name");
    ok(ctldefault_line(&sa, "defaulthost") == 0 && sa_is(&sa, host),
       "defaulthost missing, me missing: the host name");
    put("control/me", "mx.example.org\n");
    ok(ctldefault_line(&sa, "me") == 1 && sa_is(&sa, "mx.example.org"), "me read");
    ok(ctldefault_line(&sa, "helohost") == 0 && sa_is(&sa, "mx.example.org"),
       "helohost missing: the value of me");
    put("control/helohost", "out.example.org \n");
    ok(ctldefault_line(&sa, "helohost") == 1 && sa_is(&sa, "out.example.org"),
       "helohost read, blank cut");
    ok(ctldefault_line(&sa, "bouncefrom") == 0 && sa_is(&sa, "MAILER-DAEMON"),
       "bouncefrom default");
    ok(ctldefault_line(&sa, "defaultdelivery") == 0 && sa_is(&sa, "./Maildir/"),
       "defaultdelivery default");
    ok(ctldefault_line(&sa, "databytes") == -1 && errno == EINVAL,
       "a number asked for as a line is refused");
    ok(ctldefault_line(&sa, "nosuch") == -1 && errno == EINVAL,
       "an unknown name is refused");

    ok(ctldefault_num(&u, "databytes") == 0 && u == 36700160, "databytes default 35 MiB");
    ok(ctldefault_num(&u, "queuelifetime") == 0 && u == 604800, "queuelifetime default");
    ok(ctldefault_num(&u, "timeoutconnect") == 0 && u == 60, "timeoutconnect default");
    ok(ctldefault_num(&u, "concurrencyremote") == 0 && u == 20, "concurrencyremote default");
    put("control/databytes", "1048576\n");
    ok(ctldefault_num(&u, "databytes") == 1 && u == 1048576, "databytes read");
    put("control/timeoutsmtpd", "soon\n");
    ok(ctldefault_num(&u, "timeoutsmtpd") == -2, "a non-number is refused");

    ok(ctldefault_list(&sa, "locals") == 0 && sa.len == 15
       && !memcmp(sa.s, "mx.example.org", 15), "locals missing: me, as one entry");
    put("control/locals", "a.example\n# x\nb.example\n");
    ok(ctldefault_list(&sa, "locals") == 1 && sa.len == 20
       && !memcmp(sa.s, "a.example\0b.example", 20), "locals read");
    ok(ctldefault_list(&sa, "badmailfrom") == 0 && sa.len == 0, "badmailfrom missing: empty");

    unlink("control/me");
    mkdir("control/me", 0755);
    ok(ctldefault_line(&sa, "idhost") == -1, "unreadable me: a default from it is an error");
    ok(ctldefault_list(&sa, "locals") == 1, "a list that exists does not need me");

    rmdir("control/me");
    unlink("control/helohost"); unlink("control/databytes");
    unlink("control/timeoutsmtpd"); unlink("control/locals");
    rmdir("control");
    if (chdir("/") == 0) rmdir(dir);
    return done_testing();
}
