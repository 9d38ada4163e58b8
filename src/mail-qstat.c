/* mail-qstat: how many messages the queue holds, and how many await mail-send */
#include <dirent.h>
#include <unistd.h>
#include "buffer.h"
#include "fmt.h"
#include "stralloc.h"
#include "auto.h"
#include "die.h"

/* stralloc_catulong0 of Debian's libowfat 0.32 appends a NUL instead */
static int
catnum(stralloc *sa, unsigned long u)
{
    char num[FMT_ULONG];
    size_t n = fmt_ulong(num, u);

    return stralloc_catb(sa, num, n);
}

/* regular entries (not . or ..) in every split subdirectory of dir */
static unsigned long
count(const char *dir)
{
    static stralloc p;
    struct dirent *d;
    unsigned long i, n = 0;
    DIR *dh;

    for (i = 0; i < auto_split; ++i) {
        if (!stralloc_copys(&p, dir) || !stralloc_append(&p, "/")
            || !catnum(&p, i) || !stralloc_0(&p))
            die_nomem();
        if (!(dh = opendir(p.s))) die_temp("unable to read queue/", p.s);
        while ((d = readdir(dh)))
            if (d->d_name[0] != '.') ++n;
        closedir(dh);
    }
    return n;
}

static void
line(const char *what, unsigned long n)
{
    buffer_puts(buffer_1, what);
    buffer_putulong(buffer_1, n);
    buffer_puts(buffer_1, "\n");
}

int
main(int argc, char **argv)
{
    unsigned long mess, todo;

    (void)argv;
    progname = "mail-qstat";
    if (argc > 1) die_usage("mail-qstat");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    if (chdir("queue") == -1) die_temp("unable to chdir to ", auto_home, "/queue");
    mess = count("mess");
    todo = count("todo");
    line("messages in queue: ", mess);
    line("messages in queue but not yet preprocessed: ", todo);
    buffer_flush(buffer_1);
    return 0;
}
