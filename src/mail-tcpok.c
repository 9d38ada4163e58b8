/* mail-tcpok: forget every host that timed out, so mail-remote tries them now */
#include <unistd.h>
#include "byte.h"
#include "auto.h"
#include "die.h"
#include "tcpto.h"

int
main(int argc, char **argv)
{
    static char file[TCPTO_SIZE];
    int fd;

    (void)argv;
    progname = "mail-tcpok";
    if (argc != 1) die_usage("mail-tcpok");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    fd = tcpto_load("queue/lock/tcpto", file, 1);
    if (fd == -1) die_temp("unable to open queue/lock/tcpto");
    byte_zero(file, sizeof file);
    if (!tcpto_store(fd, file) || fsync(fd) == -1) die_temp("unable to write queue/lock/tcpto");
    close(fd);
    return 0;
}
