/* mdquota_t.c: kirim-quota files and Maildir usage */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mdquota.h"
#include "t.h"

static char dir[] = "/tmp/mdquota_t.XXXXXX";

static void
put(const char *name, const char *s, size_t n)
{
    char fn[128];
    int fd;

    snprintf(fn, sizeof fn, "%s/%s", dir, name);
    fd = open(fn, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd == -1 || write(fd, s, n) != (ssize_t)n) { perror(fn); exit(1); }
    close(fd);
}

static void
mk(const char *name)
{
    char fn[128];

    snprintf(fn, sizeof fn, "%s/%s", dir, name);
    mkdir(fn, 0700);
}

int
main(void)
{
    static char big[1000];
    unsigned long u;
    char slash[64];

    ok(mdquota_parse("100\n", 4, &u) && u == 100, "parse: a number and a newline");
    ok(mdquota_parse("0", 1, &u) && u == 0, "parse: 0 without newline");
    ok(!mdquota_parse("", 0, &u), "parse: empty");
    ok(!mdquota_parse("\n", 1, &u), "parse: only a newline");
    ok(!mdquota_parse("10M\n", 4, &u), "parse: units are mail-account's, not the file's");
    ok(!mdquota_parse("1 0\n", 4, &u), "parse: a blank");
    ok(!mdquota_parse("10\n\n", 4, &u), "parse: two newlines");
    ok(!mdquota_parse("12345678901234567890", 20, &u), "parse: 20 digits");

    ok(mkdtemp(dir) != 0, "temp Maildir");
    mk("new"); mk("cur"); mk("tmp"); mk(".Sent"); mk(".Sent/cur"); mk(".Sent/new");
    ok(mdquota_limit(dir, &u) == 0, "limit: no file, no limit");
    ok(mdquota_check(dir, 1UL << 40) == 1, "check: anything fits without a limit");
    put("new/a", big, 300);
    put("cur/b:2,S", big, 200);
    put("tmp/c", big, 1000);
    put(".Sent/cur/d", big, 100);
    ok(mdquota_usage(dir, &u) == 0 && u == 600, "usage: new + cur + folders, not tmp/");
    put(MDQUOTA_FILE, "700\n", 4);
    ok(mdquota_limit(dir, &u) == 1 && u == 700, "limit: read");
    ok(mdquota_check(dir, 100) == 1, "check: exactly up to the limit fits");
    ok(mdquota_check(dir, 101) == 0, "check: one byte more does not");
    snprintf(slash, sizeof slash, "%s/", dir);
    ok(mdquota_check(slash, 101) == 0, "check: the Maildir path with its slash");
    ok(mdquota_check(dir, (unsigned long)-1) == 0, "check: a huge message does not wrap around");
    put(MDQUOTA_FILE, "lots\n", 5);
    ok(mdquota_check(dir, 1) == -1, "check: a malformed file is trouble, not no limit");
    put(MDQUOTA_FILE, "0\n", 2);
    ok(mdquota_check(dir, 1) == 0, "check: a limit of 0 takes nothing");

    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        ok(system(cmd) == 0, "cleanup");
    }
    return done_testing();
}
