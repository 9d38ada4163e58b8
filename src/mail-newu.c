/* mail-newu: compile users/assign into users/cdb, atomically */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>              /* rename */
#include <unistd.h>
#include "cdb_make.h"
#include "fmt.h"
#include "stralloc.h"
#include "auto.h"
#include "control.h"
#include "die.h"
#include "cdbfile.h"
#include "usersdb.h"

#define TMP "users/cdb.tmp"

static void __attribute__((noreturn))
newu_fail(int code, const char *what)
{
    int e = errno;

    unlink(TMP);
    errno = e;
    if (code == EXIT_PERM) die_perm(what);
    die_temp(what);
}

static void
newu_syncdir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);

    if (fd == -1 || fsync(fd) == -1) die_temp("unable to sync ", dir);
    close(fd);
}

int
main(int argc, char **argv)
{
    static stralloc assign;
    static struct cdb_make cm;
    char num[FMT_ULONG];
    unsigned long line;
    const char *why = "";
    size_t n;
    int fd;

    (void)argv;
    progname = "mail-newu";
    if (argc != 1) die_usage("mail-newu");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    switch (control_readfile(&assign, "users/assign")) {
    case -1: die_temp("unable to read users/assign");
    case 0: errno = ENOENT; die_temp("unable to read users/assign");
    }
    fd = open(TMP, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) die_temp("unable to create " TMP);
    if (cdb_make_start(&cm, fd) == -1) newu_fail(EXIT_TEMP, "unable to write " TMP);
    switch (usersdb_compile(assign.s, assign.len, &cm, &line, &why)) {
    case -1: newu_fail(EXIT_TEMP, "unable to write " TMP);
    case 0:
        unlink(TMP);
        n = fmt_ulong(num, line);
        num[n] = 0;
        die_perm("users/assign line ", num, ": ", why);
    }
    if (cdbfile_finish(&cm, fd) == -1) newu_fail(EXIT_TEMP, "unable to write " TMP);
    if (close(fd) == -1) newu_fail(EXIT_TEMP, "unable to close " TMP);
    if (rename(TMP, "users/cdb") == -1) newu_fail(EXIT_TEMP, "unable to move " TMP " to users/cdb");
    newu_syncdir("users");
    return 0;
}
