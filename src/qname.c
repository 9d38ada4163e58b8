/* qname.c: queue file names */
#include "fmt.h"
#include "str.h"
#include "auto.h"
#include "qname.h"

unsigned long
qname_split(unsigned long id)
{
    return id % auto_split;
}

int
qname(stralloc *sa, const char *dir, unsigned long id)
{
    char num[FMT_ULONG];
    size_t n;

    if (!stralloc_copys(sa, dir) || !stralloc_append(sa, "/")) return 0;
    if (!str_equal(dir, "pid") && !str_equal(dir, "bounce")) {
        n = fmt_ulong(num, qname_split(id));
        if (!stralloc_catb(sa, num, n) || !stralloc_append(sa, "/")) return 0;
    }
    n = fmt_ulong(num, id);
    return stralloc_catb(sa, num, n) && stralloc_0(sa);
}
