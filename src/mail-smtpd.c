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

    progname = "mail-smtpd";
    signal(SIGPIPE, SIG_IGN);
    if (chdir(auto_home) == -1) smtpd_unavailable("unable to chdir to conf-home");
    if (smtpd_config(&c, &fn) == -1) {
        if (fn) {
            static stralloc why;
            if (stralloc_copys(&why, "unable to read control/")
                && stralloc_cats(&why, fn) && stralloc_0(&why))
                smtpd_unavailable(why.s);
        }
        smtpd_unavailable("unable to read the control files");
    }
    c.relay.deliverable = deliverable;
    c.checkpw = argc > 1 ? argv + 1 : 0;      /* AUTH through checkpassword */
    smtpd_serve(&c);
}
