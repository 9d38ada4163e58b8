/* usersdb.c (fuzz): users/assign and the users/cdb it compiles to.
   Input: a users/assign text, then a line "%%", then local parts to look
   up, one per line. A text that compiles gives a cdb whose every value
   account_parse accepts; lookups in it find well-formed accounts. The
   input is also given to account_parse as a raw record. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include "cdb_make.h"
#include "stralloc.h"
#include "usersdb.h"
#include "fuzz.h"

static int fd = -1;
static struct account acc;

static void
check_account(void)
{
    fuzz_check(acc.user.len > 0 && acc.user.s[acc.user.len] == 0);
    fuzz_check(acc.home.len > 0 && acc.home.s[0] == '/');
    fuzz_check(acc.home.s[acc.home.len] == 0);
    fuzz_check(acc.dash.s[acc.dash.len] == 0 && acc.ext.s[acc.ext.len] == 0);
    fuzz_check(acc.uid < 4294967295UL && acc.gid < 4294967295UL);
}

/* libowfat's cdb_make_finish leaves its tables allocated: free them, or
   every run would count as a leak */
static void
cdb_make_release(struct cdb_make *cm)
{
    struct cdb_hplist *x;

    while ((x = cm->head)) { cm->head = x->next; free(x); }
    free(cm->split);
    cm->split = 0;
}

static void
lookups(const char *s, size_t len)
{
    size_t i, start;
    int r;

    for (start = 0; start < len; start = i + 1) {
        for (i = start; i < len && s[i] != '\n'; ++i) ;
        fuzz_check(lseek(fd, 0, SEEK_SET) == 0);
        r = usersdb_lookup(fd, s + start, i - start, &acc);
        fuzz_check(r == 0 || r == 1);
        if (r == 1) check_account();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc key, val;
    const char *s = (const char *)data, *assign, *why = 0;
    size_t len = size, alen, i, start;
    struct cdb_make cm;
    unsigned long line = 0;
    int r;

    if (fd == -1 && (fd = memfd_create("users.cdb", 0)) == -1) abort();
    r = account_parse(&acc, s, size);
    fuzz_check(r == 0 || r == 1);
    if (r == 1) check_account();

    fuzz_split(&s, &len, "\n%%\n", 4, &assign, &alen);
    for (start = 0; start < alen; start = i + 1) {
        for (i = start; i < alen && assign[i] != '\n'; ++i) ;
        r = usersdb_line(assign + start, i - start, &key, &val, &why);
        fuzz_check(r >= 0 && r <= 3);
        if (r != 1) continue;
        fuzz_check(key.len >= 1 && (key.s[0] == '=' || key.s[0] == '+'));
        fuzz_check(account_parse(&acc, val.s, val.len) == 1);
        check_account();
    }

    fuzz_check(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
    fuzz_check(cdb_make_start(&cm, fd) != -1);
    r = usersdb_compile(assign, alen, &cm, &line, &why);
    fuzz_check(r == 0 || r == 1);
    fuzz_check(cdb_make_finish(&cm) != -1);
    cdb_make_release(&cm);
    if (r == 0) { fuzz_check(why != 0 && line >= 1); return 0; }
    lookups(s, len);
    return 0;
}
