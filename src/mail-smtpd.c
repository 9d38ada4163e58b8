/* mail-smtpd: the SMTP server, one session on fds 0 and 1, run by tcpserver as kirimd */
#include <signal.h>
#include <unistd.h>
#include "auto.h"
#include "deliverable.h"
#include "die.h"
#include "smtpd.h"

int
main(int argc, char **argv)
{
    static struct smtpd_config c;
    const char *fn;
    int r;

    progname = "mail-smtpd";
    signal(SIGPIPE, SIG_IGN);
    if (chdir(auto_home) == -1) smtpd_unavailable("unable to chdir to conf-home");
    if ((r = smtpd_config(&c, &fn)) < 0) {
        if (fn) {
            static stralloc why;
            if (stralloc_copys(&why, r == -2 ? "control/" : "unable to read control/")
                && stralloc_cats(&why, fn)
                && stralloc_cats(&why, r == -2 ? " is not a number" : "")
                && stralloc_0(&why))
                smtpd_unavailable(why.s);
        }
        smtpd_unavailable("unable to read the control files");
    }
    c.relay.deliverable = deliverable;
    c.checkpw = argc > 1 ? argv + 1 : 0;      /* AUTH through checkpassword */
    smtpd_serve(&c);
}
