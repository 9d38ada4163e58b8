/* pwfile_t.c: users/password names and lines, finding a line, the cdb */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "cdb_make.h"
#include "stralloc.h"
#include "pwfile.h"
#include "t.h"

#define S(s) s, sizeof s - 1

static void
test_names(void)
{
    ok(pwfile_name_ok(S("alice")), "plain name");
    ok(pwfile_name_ok(S("alice@example.org")), "address as name");
    ok(pwfile_name_ok(S("a.b_c-d+e=f")), "punctuation that addresses use");
    ok(!pwfile_name_ok(S("")), "empty name");
    ok(!pwfile_name_ok(S("Alice")), "upper case (callers lowercase)");
    ok(!pwfile_name_ok(S("a:b")), "colon");
    ok(!pwfile_name_ok(S("a b")), "blank");
    ok(!pwfile_name_ok(S("a\nb")), "newline");
    ok(!pwfile_name_ok(S("-a")), "leading dash");
    ok(!pwfile_name_ok(S(".a")), "leading dot");
    ok(!pwfile_name_ok("a\0b", 3), "NUL");
    {
        char big[300];
        memset(big, 'a', sizeof big);
        ok(pwfile_name_ok(big, 255), "255 bytes");
        ok(!pwfile_name_ok(big, 256), "256 bytes");
    }
}

static void
test_parse(void)
{
    struct pwent e;
    const char *why = "";

    ok(pwfile_parse(S("bob:$6$s$h:1001:100:/home/bob"), &e, &why) == 1, "full line");
    is_buf(e.name, e.namelen, "bob", "name");
    is_buf(e.hash, e.hashlen, "$6$s$h", "hash");
    is_buf(e.home, e.homelen, "/home/bob", "home");
    ok(e.hasids && e.uid == 1001 && e.gid == 100, "uid and gid");
    ok(pwfile_parse(S("bob:$6$s$h:::"), &e, &why) == 1, "no ids, no home");
    ok(!e.hasids && e.homelen == 0, "... none reported");
    ok(pwfile_parse(S("bob::::"), &e, &why) == 1, "empty hash parses (a locked account)");
    ok(pwfile_parse(S("bob:h:::"), &e, &why) == 1, "four colons");
    ok(pwfile_parse(S("bob:h::"), &e, &why) == 0, "four fields");
    ok(pwfile_parse(S("bob:h:::/x:y"), &e, &why) == 0, "six fields");
    ok(pwfile_parse(S("Bob:h:::"), &e, &why) == 0, "upper-case name");
    ok(pwfile_parse(S("bob:h:1::"), &e, &why) == 0, "uid without gid");
    ok(pwfile_parse(S("bob:h::1:"), &e, &why) == 0, "gid without uid");
    ok(pwfile_parse(S("bob:h:x:1:"), &e, &why) == 0, "uid not a number");
    ok(pwfile_parse(S("bob:h:1:1x:"), &e, &why) == 0, "gid with junk");
    ok(pwfile_parse(S("bob:h:99999999999999999999999:1:"), &e, &why) == 0, "uid too long");
    ok(pwfile_parse(S("bob:h:::home"), &e, &why) == 0, "relative home");
    ok(pwfile_parse(S("bob:a b:::"), &e, &why) == 0, "blank in the hash");
    ok(pwfile_parse(S("bob:h:::/a\rb"), &e, &why) == 0, "CR in the line");
}

static void
test_find(void)
{
    static const char text[] = "# users\nalice:h1:::\n\nal:h2:::\nbob:h3:::";
    size_t s, e;

    ok(pwfile_find(S(text), S("al"), &s, &e) == 1, "find al, not alice");
    is_buf(text + s, e - s, "al:h2:::\n", "... its line with the newline");
    ok(pwfile_find(S(text), S("alice"), &s, &e) == 1, "find alice");
    is_buf(text + s, e - s, "alice:h1:::\n", "... its line");
    ok(pwfile_find(S(text), S("bob"), &s, &e) == 1, "find the last line without newline");
    is_buf(text + s, e - s, "bob:h3:::", "... its line");
    ok(pwfile_find(S(text), S("ali"), &s, &e) == 0, "a prefix does not match");
    ok(pwfile_find(S(text), S("# users"), &s, &e) == 0, "comments never match");
}

static void
test_cdb(void)
{
    static const char text[] = "# c\nalice:h1:::\nbob:h2:7:8:/home/bob\n";
    static struct cdb_make cm;
    static stralloc line;
    char fn[] = "/tmp/pwfile_t.XXXXXX";
    struct pwent e;
    unsigned long n;
    const char *why = "";
    int fd = mkstemp(fn);

    ok(fd != -1, "temp file");
    ok(cdb_make_start(&cm, fd) != -1, "cdb start");
    ok(pwfile_compile(S(text), &cm, &n, &why) == 1, "compile");
    ok(cdb_make_finish(&cm) == 0, "cdb finish");
    ok(pwfile_lookup(fd, S("bob"), &line, &e) == 1, "lookup bob");
    ok(e.hasids && e.uid == 7 && e.gid == 8, "... ids");
    is_buf(e.hash, e.hashlen, "h2", "... hash");
    is_buf(e.home, e.homelen, "/home/bob", "... home");
    ok(pwfile_lookup(fd, S("alice"), &line, &e) == 1, "lookup alice");
    ok(pwfile_lookup(fd, S("carol"), &line, &e) == 0, "carol: not found");
    ok(pwfile_lookup(fd, S("# c"), &line, &e) == 0, "comments are not keys");
    close(fd);
    unlink(fn);

    memcpy(fn + sizeof fn - 7, "XXXXXX", 6);
    fd = mkstemp(fn);
    ok(cdb_make_start(&cm, fd) != -1, "second cdb");
    ok(pwfile_compile(S("alice:h:::\nbroken\n"), &cm, &n, &why) == 0, "a malformed line stops the compile");
    ok(n == 2, "... on line 2");
    close(fd);
    unlink(fn);
}

int
main(void)
{
    test_names();
    test_parse();
    test_find();
    test_cdb();
    return done_testing();
}
