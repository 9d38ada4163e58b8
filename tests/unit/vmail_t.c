/* vmail_t.c: mail-account's names, sizes, line editing and atomic writes */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "stralloc.h"
#include "vmail.h"
#include "t.h"

#define S(x) (x), strlen(x)

static stralloc text;

static void
set(const char *s)
{
    stralloc_copys(&text, s);
}

int
main(void)
{
    unsigned long u;
    size_t start, end;
    char dir[] = "/tmp/vmail_t.XXXXXX";
    const char *why = "";
    char fn[64], buf[64];
    struct stat st;
    int fd;
    ssize_t n;

    ok(vmail_domain_ok(S("example.org")), "domain: example.org");
    ok(vmail_domain_ok(S("a-b.c0.example")), "domain: dashes inside labels");
    ok(!vmail_domain_ok(S("localhost")), "domain: one label refused");
    ok(!vmail_domain_ok(S("Example.org")), "domain: upper case refused (callers fold)");
    ok(!vmail_domain_ok(S("a..b")), "domain: empty label");
    ok(!vmail_domain_ok(S(".a.b")), "domain: leading dot");
    ok(!vmail_domain_ok(S("a.b.")), "domain: trailing dot");
    ok(!vmail_domain_ok(S("-a.b")), "domain: label starting with a dash");
    ok(!vmail_domain_ok(S("a-.b")), "domain: label ending with a dash");
    ok(!vmail_domain_ok(S("a_b.c")), "domain: underscore");
    ok(!vmail_domain_ok(S("a:b.c")), "domain: colon (would break virtualdomains)");
    ok(!vmail_domain_ok(S("")), "domain: empty");

    ok(vmail_local_ok(S("joe")), "local: joe");
    ok(vmail_local_ok(S("j.o_e-1")), "local: . _ - digits");
    ok(!vmail_local_ok(S("Joe")), "local: upper case");
    ok(!vmail_local_ok(S(".joe")), "local: leading dot");
    ok(!vmail_local_ok(S("-joe")), "local: leading dash");
    ok(!vmail_local_ok(S("jo..e")), "local: two dots");
    ok(!vmail_local_ok(S("default")), "local: default");
    ok(!vmail_local_ok(S("x-default")), "local: -default");
    ok(vmail_local_ok(S("defaults")), "local: defaults is fine");
    ok(!vmail_local_ok(S("a/b")), "local: slash");
    ok(!vmail_local_ok(S("a+b")), "local: plus");
    ok(!vmail_local_ok(S("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")), "local: 65 bytes");

    ok(vmail_addr_ok(S("Joe.Smith+x@example.org")), "target: a plain address");
    ok(!vmail_addr_ok(S("joe")), "target: no @");
    ok(!vmail_addr_ok(S("@example.org")), "target: empty local part");
    ok(!vmail_addr_ok(S("jo e@example.org")), "target: blank");
    ok(!vmail_addr_ok(S("joe\n|rm@example.org")), "target: newline (a .qmail line injection)");
    ok(!vmail_addr_ok(S("joe@ex ample.org")), "target: bad domain");
    ok(!vmail_addr_ok(S("a@b@example.org")), "target: two @");

    ok(vmail_size("100", &u) && u == 100, "size: bytes");
    ok(vmail_size("10K", &u) && u == 10240, "size: K");
    ok(vmail_size("5m", &u) && u == 5242880, "size: m");
    ok(vmail_size("2G", &u) && u == 2147483648UL, "size: G");
    ok(!vmail_size("", &u), "size: empty");
    ok(!vmail_size("K", &u), "size: unit only");
    ok(!vmail_size("12Q", &u), "size: unknown unit");
    ok(!vmail_size("-1", &u), "size: negative");
    ok(!vmail_size("9999999999999999", &u), "size: too many digits");

    set("a.org\nb.org:kv-b.org\nB.ORG\n");
    ok(vmail_line_find(&text, S("b.org"), 1, &start, &end) && start == 21 && end == 27,
       "find: a whole line, without regard to case (the first match)");
    ok(vmail_line_find(&text, S("b.org:"), 0, &start, &end) && start == 6 && end == 21,
       "find: a line by its start");
    ok(!vmail_line_find(&text, S("a.or"), 1, &start, &end), "find: no partial whole-line match");
    ok(vmail_line_add(&text, S("c.org")) == 1, "add: a new line");
    ok(vmail_line_add(&text, S("A.org")) == 0, "add: an equal line is not added twice");
    is_buf(text.s, text.len, "a.org\nb.org:kv-b.org\nB.ORG\nc.org\n", "add: at the end");
    ok(vmail_line_del(&text, S("b.org"), 1) == 1, "del: one whole line");
    is_buf(text.s, text.len, "a.org\nb.org:kv-b.org\nc.org\n", "del: the rest kept");
    ok(vmail_line_del(&text, S("nope"), 1) == 0, "del: nothing to remove");
    set("x.org");
    ok(vmail_line_add(&text, S("y.org")) == 1, "add: after a last line without newline");
    is_buf(text.s, text.len, "x.org\ny.org\n", "add: the newline is supplied");

    set("");
    ok(vmail_assign_add(&text, S("+kv-a.org-:kirimv:9:9:/v/a.org:-::")) == 1, "assign: into an empty file");
    is_buf(text.s, text.len, "+kv-a.org-:kirimv:9:9:/v/a.org:-::\n.\n", "assign: the final dot added");
    set("=joe:joe:1:1:/h:::\n.\n# after the dot\n");
    vmail_assign_add(&text, S("+kv-b.org-:kirimv:9:9:/v/b.org:-::"));
    is_buf(text.s, text.len, "=joe:joe:1:1:/h:::\n+kv-b.org-:kirimv:9:9:/v/b.org:-::\n.\n# after the dot\n",
           "assign: before the dot, the rest kept");

    ok(mkdtemp(dir) != 0, "temp dir");
    strcpy(fn, dir);
    strcat(fn, "/file");
    ok(vmail_write(fn, S("one\n"), 0640, (uid_t)-1, 0, &why) == 0, "write: a new file");
    ok(vmail_write(fn, S("two\n"), 0600, (uid_t)-1, 0, &why) == 0, "write: replaced");
    fd = open(fn, O_RDONLY);
    n = read(fd, buf, sizeof buf);
    close(fd);
    is_buf(buf, n, "two\n", "write: the new text");
    ok(stat(fn, &st) == 0 && (st.st_mode & 07777) == 0600, "write: the new mode");
    strcat(fn, ".tmp");
    ok(access(fn, F_OK) == -1, "write: no temporary file left");
    strcpy(fn, dir);
    strcat(fn, "/nodir/file");
    ok(vmail_write(fn, S("x"), 0600, (uid_t)-1, 0, &why) == -1 && *why, "write: a missing directory is an error");
    strcpy(fn, dir);
    strcat(fn, "/file");
    unlink(fn);
    rmdir(dir);
    return done_testing();
}
