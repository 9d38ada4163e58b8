/* control.c (fuzz): control files as every program reads them, and the
   locals/virtualdomains routing built on them. Input: control/locals,
   a line "%%", control/virtualdomains, "%%", addresses one per line.
   The first part is also read as a one-line file and as a number. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fmt.h"
#include "stralloc.h"
#include "control.h"
#include "vdomain.h"
#include "fuzz.h"

static int fd = -1;
static char fn[40];     /* "/proc/self/fd/N": the file in memory */

static void
put(const char *s, size_t len)
{
    fuzz_check(ftruncate(fd, 0) == 0);
    fuzz_check(pwrite(fd, s, len, 0) == (ssize_t)len);
}

/* lines as control_readlines gives them: NUL-ended, trimmed, no comments */
static void
check_lines(const stralloc *sa)
{
    size_t i, start;

    fuzz_check(!sa->len || !sa->s[sa->len - 1]);
    for (start = 0; start < sa->len; start = i + 1) {
        for (i = start; sa->s[i]; ++i) fuzz_check(sa->s[i] != '\n');
        fuzz_check(i > start && sa->s[start] != '#');
        fuzz_check(sa->s[start] != ' ' && sa->s[start] != '\t');
        fuzz_check(sa->s[i - 1] != ' ' && sa->s[i - 1] != '\t' && sa->s[i - 1] != '\r');
    }
}

/* the file s[0..len), which is in fn, as a list; a NUL in a line that
   counts makes it corrupt, and then the list is empty */
static void
readlines(stralloc *sa, const char *s, size_t len)
{
    int r = control_readlines(sa, fn);

    fuzz_check(r == 1 || (r == -1 && errno == EINVAL && memchr(s, 0, len)));
    if (r == 1) check_lines(sa);
    else fuzz_check(sa->len == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc line, out;
    static struct vdomain v;
    const char *s = (const char *)data, *locals, *vds;
    size_t len = size, llen, vlen, i, start;
    unsigned long u;
    int r;

    if (fd == -1) {
        if ((fd = memfd_create("control", 0)) == -1) abort();
        memcpy(fn, "/proc/self/fd/", 14);
        fn[14 + fmt_ulong(fn + 14, (unsigned long)fd)] = 0;
    }
    fuzz_split(&s, &len, "\n%%\n", 4, &locals, &llen);
    fuzz_split(&s, &len, "\n%%\n", 4, &vds, &vlen);

    put(locals, llen);
    r = control_readline(&line, fn, "x");
    fuzz_check(r == 1 || (r == -1 && errno == EINVAL && memchr(locals, 0, llen)));
    if (r == 1) {
        fuzz_check(line.len <= llen);
        fuzz_check(!line.len || !memchr(line.s, '\n', line.len));
        fuzz_check(!line.len || !memchr(line.s, 0, line.len));
    }
    r = control_readulong(&u, fn, 7);
    fuzz_check(r == 1 || r == -2 || (r == -1 && errno == EINVAL));
    readlines(&v.locals, locals, llen);
    put(vds, vlen);
    readlines(&v.vds, vds, vlen);
    fuzz_check(stralloc_copys(&v.noathost, "envnoathost.example"));

    for (start = 0; start < len; start = i + 1) {
        for (i = start; i < len && s[i] != '\n'; ++i) ;
        r = vdomain_route(&v, s + start, i - start, &out);
        fuzz_check(r == VDOMAIN_LOCAL || r == VDOMAIN_REMOTE);
        fuzz_check(out.len >= i - start);
        fuzz_check(memchr(out.s, '@', out.len) != 0);
    }
    return 0;
}
