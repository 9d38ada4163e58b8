/* usersdb_t.c: users/assign lines, compiling them, and users/cdb lookups */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cdb_make.h"
#include "stralloc.h"
#include "usersdb.h"
#include "t.h"

#define S(s) s, sizeof s - 1
/* like is_buf, for literals holding NULs */
#define is_lit(p, len, lit, name) \
    ok((size_t)(len) == sizeof lit - 1 && memcmp((p), lit, sizeof lit - 1) == 0, (name))

static void
test_line(void)
{
    static stralloc key, val;
    const char *why = "";

    ok(usersdb_line(S("=Joe:joe:1001:100:/home/joe:::"), &key, &val, &why) == 1, "exact line");
    is_buf(key.s, key.len, "=joe", "exact key lowercased");
    is_lit(val.s, val.len, "joe\0001001\000100\0/home/joe\0\0\0", "value: six NUL-ended fields");
    ok(usersdb_line(S("+list-:ml:1002:100:/srv/ml:-:x-:"), &key, &val, &why) == 1, "prefix line");
    is_buf(key.s, key.len, "+list-", "prefix key");
    ok(usersdb_line(S("+:alias:7:7:/var/kirim/alias:-::"), &key, &val, &why) == 1, "empty prefix");
    is_buf(key.s, key.len, "+", "empty prefix key");
    ok(usersdb_line(S("."), &key, &val, &why) == 2, "final dot");
    ok(usersdb_line(S(""), &key, &val, &why) == 3, "blank line");
    ok(usersdb_line(S("# note"), &key, &val, &why) == 3, "comment");
    ok(usersdb_line(S("joe:joe:1:1:/h:::"), &key, &val, &why) == 0, "no = or +");
    ok(usersdb_line(S("=joe:joe:1:1:/h::"), &key, &val, &why) == 0, "six fields");
    ok(usersdb_line(S("=joe:joe:1:1:/h:::x"), &key, &val, &why) == 0, "text after the last colon");
    ok(usersdb_line(S("=joe:joe:1:1:/h::::"), &key, &val, &why) == 0, "eight fields");
    ok(usersdb_line(S("=joe::1:1:/h:::"), &key, &val, &why) == 0, "empty user");
    ok(usersdb_line(S("=joe:joe:x:1:/h:::"), &key, &val, &why) == 0, "uid not a number");
    ok(usersdb_line(S("=joe:joe:1::/h:::"), &key, &val, &why) == 0, "empty gid");
    ok(usersdb_line(S("=joe:joe:1:1:h:::"), &key, &val, &why) == 0, "relative home");
    ok(usersdb_line(S("=joe:joe:1:1:/h::../x:"), &key, &val, &why) == 0, "slash in ext");
    ok(usersdb_line(S("=joe:joe:99999999999:1:/h:::"), &key, &val, &why) == 0, "uid too large");
    ok(*why != 0, "a reason is given");
}

static int
compile(const char *dir, const char *s, size_t len, unsigned long *line, const char **why)
{
    static struct cdb_make cm;
    char fn[256];
    int fd, r;

    strcpy(fn, dir);
    strcat(fn, "/cdb");
    fd = open(fn, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1 || cdb_make_start(&cm, fd) == -1) exit(2);
    r = usersdb_compile(s, len, &cm, line, why);
    if (r == 1 && cdb_make_finish(&cm) == -1) exit(2);
    close(fd);
    return r;
}

static int
lookup(const char *dir, const char *local, struct account *a)
{
    char fn[256];
    int fd, r;

    strcpy(fn, dir);
    strcat(fn, "/cdb");
    if ((fd = open(fn, O_RDONLY)) == -1) exit(2);
    r = usersdb_lookup(fd, local, strlen(local), a);
    close(fd);
    return r;
}

static const char assign[] =
    "# users/assign for the test\n"
    "=joe:joe:1001:100:/home/joe:::\n"
    "=joe:second:1:1:/x:::\n"
    "=info:joe:1001:100:/home/joe:-:info:\n"
    "+list-:ml:1002:101:/srv/ml:-:l-:\n"
    "+list-big-:big:1003:101:/srv/big:-::\n"
    "\n"
    ".\n"
    "=after:ignored:1:1:/x:::\n";

static void
test_compile(const char *dir)
{
    static struct account a;
    unsigned long line = 0;
    const char *why = "";

    ok(compile(dir, S(assign), &line, &why) == 1, "assign compiles");
    ok(lookup(dir, "joe", &a) == 1, "exact hit");
    ok(!strcmp(a.user.s, "joe") && a.uid == 1001 && a.gid == 100, "user, uid, gid");
    ok(!strcmp(a.home.s, "/home/joe") && !*a.dash.s && !*a.ext.s, "home, empty dash and ext");
    ok(lookup(dir, "JOE", &a) == 1 && !strcmp(a.user.s, "joe"), "case-insensitive, first line wins");
    ok(lookup(dir, "info", &a) == 1 && !strcmp(a.dash.s, "-") && !strcmp(a.ext.s, "info"),
       "exact line's dash and ext");
    ok(lookup(dir, "list-Talk", &a) == 1 && !strcmp(a.user.s, "ml"), "prefix hit");
    is_buf(a.ext.s, a.ext.len, "l-Talk", "ext = pre + rest, rest keeps its case");
    ok(a.ext.s[a.ext.len] == '\0', "ext NUL-ended");
    ok(lookup(dir, "list-big-x", &a) == 1 && !strcmp(a.user.s, "big"), "longest prefix wins");
    is_buf(a.ext.s, a.ext.len, "x", "longest prefix's ext");
    ok(lookup(dir, "list-", &a) == 1 && !strcmp(a.user.s, "ml") && !strcmp(a.ext.s, "l-"),
       "prefix matches itself");
    ok(lookup(dir, "nobody", &a) == 0, "miss");
    ok(lookup(dir, "after", &a) == 0, "lines after the dot are ignored");
    ok(lookup(dir, "", &a) == 0, "empty local part: miss");

    ok(compile(dir, S("=a:a:1:1:/a:::\n+:catch:5:5:/c:-:d-:\n.\n"), &line, &why) == 1, "catch-all");
    ok(lookup(dir, "zz", &a) == 1 && !strcmp(a.user.s, "catch") && !strcmp(a.ext.s, "d-zz"),
       "empty prefix catches all");
    ok(lookup(dir, "a", &a) == 1 && !strcmp(a.user.s, "a"), "exact before the catch-all");

    ok(compile(dir, S("=a:a:1:1:/a:::\n"), &line, &why) == 0 && line == 2, "missing dot: error after the last line");
    ok(compile(dir, S("=a:a:1:1:/a:::\nbad\n.\n"), &line, &why) == 0 && line == 2, "syntax error names line 2");
    ok(compile(dir, S("."), &line, &why) == 1, "dot without newline");
}

static void
test_account(void)
{
    static struct account a;

    ok(account_parse(&a, S("joe\0001001\000100\0/home/joe\0-\0foo-bar\0")) == 1, "account parsed");
    ok(!strcmp(a.ext.s, "foo-bar") && !strcmp(a.dash.s, "-") && a.gid == 100, "fields");
    ok(account_parse(&a, S("joe\0001001\000100\0/home/joe\0-\0foo")) == 0, "missing NUL");
    ok(account_parse(&a, S("joe\0001001\000100\0/home/joe\0-\0foo\0x")) == 0, "trailing bytes");
    ok(account_parse(&a, S("joe\0001001\000100\0home\0-\0foo\0")) == 0, "relative home");
    ok(account_parse(&a, S("\0001\0001\0/h\0\0\0")) == 0, "empty user");
}

/* fill the stack below us with w, as a caller's dead locals would */
static void __attribute__((noinline))
dirty_stack(uintptr_t w)
{
    volatile uintptr_t junk[2048];
    size_t i;

    for (i = 0; i < sizeof junk / sizeof junk[0]; ++i) junk[i] = w;
}

/* found by fuzzing (valgrind on tests/fuzz/usersdb_replay): the struct
   cdb in usersdb_lookup was not zeroed, and libowfat's cdb_init first
   unmaps whatever its map field holds. Leave a page's address (and its
   size) in dead stack; the lookup must not unmap that page. */
static void
test_stackmap(const char *dir)
{
    static struct account a;
    uintptr_t hint;
    char *page = MAP_FAILED;
    long ps = sysconf(_SC_PAGESIZE);

    /* an address whose low 32 bits are one page size, so that the same
       word read as the cdb's size field means "one page" */
    for (hint = (uintptr_t)0x300000000000ULL + (uintptr_t)ps;
         hint < (uintptr_t)0x310000000000ULL && page == MAP_FAILED;
         hint += (uintptr_t)0x100000000ULL) {
        page = mmap((void *)hint, ps, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (page != MAP_FAILED && page != (char *)hint) { munmap(page, ps); page = MAP_FAILED; }
    }
    if (page == MAP_FAILED) { ok(1, "no free address for the stack test # SKIP"); return; }
    dirty_stack((uintptr_t)page);
    ok(lookup(dir, "joe", &a) == 1, "lookup over a dirty stack");
    ok(msync(page, ps, MS_ASYNC) == 0, "the page named by dead stack is still mapped");
    munmap(page, ps);
}

int
main(void)
{
    char dir[] = "/tmp/kirim-usersdb-XXXXXX";
    char fn[64];

    if (!mkdtemp(dir)) return 2;
    test_line();
    test_compile(dir);
    ok(compile(dir, S(assign), &(unsigned long){ 0 }, &(const char *){ 0 }) == 1, "assign compiled again");
    test_stackmap(dir);
    test_account();
    strcpy(fn, dir);
    strcat(fn, "/cdb");
    unlink(fn);
    rmdir(dir);
    return done_testing();
}
