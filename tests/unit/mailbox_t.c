/* mailbox_t.c: mboxrd quoting (also across chunk boundaries), From_ lines, Maildir files */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buffer.h"
#include "stralloc.h"
#include "mailbox.h"
#include "t.h"

/* quote s, fed in pieces of step bytes */
static void
quote(stralloc *out, const char *s, size_t step)
{
    struct mboxrd q;
    buffer b;
    size_t i, n, len = strlen(s);

    stralloc_zero(out);
    buffer_tosa(&b, out);
    mboxrd_init(&q);
    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        mboxrd_put(&q, &b, s + i, n);
    }
    mboxrd_end(&q, &b);
    buffer_flush(&b);
}

static void
test_quote(void)
{
    static stralloc out;
    static const char in[] = "From a\n>From b\n>>From c\nFromage\n From d\nX From e\n>\n>F\n\nFrom";
    static const char want[] = ">From a\n>>From b\n>>>From c\nFromage\n From d\nX From e\n>\n>F\n\nFrom\n\n";
    size_t step;
    int all = 1;

    quote(&out, in, 1000);
    is_buf(out.s, out.len, want, "mboxrd quoting in one piece");
    for (step = 1; step < 12; ++step) {
        quote(&out, in, step);
        if (out.len != strlen(want) || memcmp(out.s, want, out.len)) all = 0;
    }
    ok(all, "the same in pieces of 1 to 11 bytes");
    quote(&out, "body\n", 3);
    is_buf(out.s, out.len, "body\n\n", "a blank line after a message ending in a newline");
    quote(&out, "", 3);
    is_buf(out.s, out.len, "\n", "an empty message: just the blank line");
    quote(&out, "Fro", 1);
    is_buf(out.s, out.len, "Fro\n\n", "a partial From at the end is written as is");
}

static void
test_fromline(void)
{
    static stralloc sa;

    ok(mbox_fromline(&sa, "joe@example.org", 0), "From_ line made");
    is_buf(sa.s, sa.len, "From joe@example.org Thu Jan  1 00:00:00 1970\n", "epoch, day padded with a blank");
    mbox_fromline(&sa, "", 1700000000);
    is_buf(sa.s, sa.len, "From MAILER-DAEMON Tue Nov 14 22:13:20 2023\n", "null sender is MAILER-DAEMON");
    mbox_fromline(&sa, "a b\tc", 1700000000);
    is_buf(sa.s, sa.len, "From a_b_c Tue Nov 14 22:13:20 2023\n", "blanks in the sender become _");
}

static int
count(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d) return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n;
}

static void
test_maildir(void)
{
    const char *why = "";
    int fd;

    mkdir("md", 0700); mkdir("md/tmp", 0700); mkdir("md/new", 0700); mkdir("md/cur", 0700);
    fd = open("msg", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd == -1 || write(fd, "Subject: x\n\nbody\n", 17) != 17) exit(2);
    ok(maildir_deliver("md", fd, "Pre: 1\n", 7, &why) == 0, "Maildir delivery");
    ok(maildir_deliver("md/", fd, "", 0, &why) == 0, "a second one, dir with a slash");
    ok(count("md/new") == 2 && count("md/tmp") == 0, "two files in new/, none left in tmp/");
    ok(maildir_deliver("nomd", fd, "", 0, &why) == -1 && *why, "no Maildir: error with a reason");
    ok(mbox_deliver("mb", fd, "From x Thu Jan  1 00:00:00 1970\n", 32, &why) == 0, "mbox delivery");
    ok(access("mb.lock", F_OK) == -1, "dot-lock removed");
    mkdir("mbdir", 0700);
    ok(mbox_deliver("mbdir", fd, "", 0, &why) == -1, "an mbox that is a directory: error");
    close(fd);
}

int
main(void)
{
    char dir[] = "/tmp/kirim-mailbox-XXXXXX";
    char rm[64];

    test_quote();
    test_fromline();
    if (!mkdtemp(dir) || chdir(dir) == -1) return 2;
    test_maildir();
    strcpy(rm, "rm -rf ");
    strcat(rm, dir);
    if (chdir("/") == -1 || system(rm) != 0) return 2;
    return done_testing();
}
