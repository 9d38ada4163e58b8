/* dotqmail_t.c: .qmail line classes, file parsing, lookup order, the Delivered-To check */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "buffer.h"
#include "stralloc.h"
#include "dotqmail.h"
#include "t.h"

#define S(s) s, sizeof s - 1

static int
cls(const char *s, const char *want)
{
    const char *arg;
    size_t len;
    int t = dotqmail_class(s, strlen(s), &arg, &len);

    if (want && (len != strlen(want) || memcmp(arg, want, len))) return 99;
    return t;
}

static void
test_class(void)
{
    ok(cls("", 0) == DQ_BLANK && cls(" \t\r", 0) == DQ_BLANK, "blank lines");
    ok(cls("# note", 0) == DQ_COMMENT, "comment");
    ok(cls("| prog -x\targ ", "prog -x\targ") == DQ_PROGRAM, "program, blanks trimmed, tab kept");
    ok(cls("|", 0) == DQ_BAD, "empty program");
    ok(cls("&joe@example.org", "joe@example.org") == DQ_FORWARD, "&forward");
    ok(cls("joe@example.org", "joe@example.org") == DQ_FORWARD, "bare address");
    ok(cls("&a b", 0) == DQ_BAD && cls("joe x", 0) == DQ_BAD, "an address with a blank is broken");
    ok(cls("./Maildir/", "./Maildir/") == DQ_MAILDIR && cls("/var/m/", 0) == DQ_MAILDIR, "Maildirs");
    ok(cls("./mbox", 0) == DQ_MBOX && cls("/var/mail/joe", 0) == DQ_MBOX, "mboxes");
    ok(cls(".", 0) == DQ_BAD, "a lone dot");
    ok(cls("!x", 0) == DQ_BAD && cls("-x", 0) == DQ_BAD, "other first characters");
    ok(cls("+list", "list") == DQ_PLUS && cls("+", "") == DQ_PLUS, "+ lines (qmail's +list)");
}

static void
test_parse(void)
{
    struct dotqmail_line l[4];
    const char *why = "";
    unsigned long line;

    ok(dotqmail_parse(S("# c\n\n./Maildir/\n|x\n&a@b\n"), l, 4, &why, &line) == 3, "three instructions");
    ok(l[0].type == DQ_MAILDIR && l[1].type == DQ_PROGRAM && l[2].type == DQ_FORWARD, "in order");
    ok(dotqmail_parse(S("./a/\n!bad\n"), l, 4, &why, &line) == -1 && line == 2, "bad line 2");
    ok(dotqmail_parse(S("./a\0/\n"), l, 4, &why, &line) == -1, "NUL byte");
    ok(dotqmail_parse(S("./a/\n./b/\n"), l, 1, &why, &line) == -1, "more than fit");
    ok(dotqmail_parse(S("# only\n"), l, 4, &why, &line) == 0, "comments only: none");
    ok(dotqmail_parse(S("\n./a/\n"), l, 4, &why, &line) == -1 && line == 1, "a blank first line is an error");
    ok(dotqmail_parse(S(" \t\n"), l, 4, &why, &line) == -1, "a file of one blank line too");
    ok(dotqmail_parse(S("./a/\n\n./b/\n"), l, 4, &why, &line) == 2, "blank lines after the first are ignored");
}

static void
put(const char *fn)
{
    int fd = open(fn, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd == -1) exit(2);
    close(fd);
}

static int
find(const char *dash, const char *ext, const char *want, long wantpos)
{
    static stralloc fn;
    long pos;
    int r = dotqmail_find(&fn, 0, dash, ext, &pos);

    if (r != 1) return r;
    return strcmp(fn.s, want) == 0 && pos == wantpos;
}

static void
test_find(void)
{
    ok(find("", "", ".qmail", -1) == 0, "no .qmail");
    put(".qmail");
    ok(find("", "", ".qmail", -1) == 1, ".qmail");
    ok(find("-", "x", "", -1) == 0, "no .qmail-x, no default");
    put(".qmail-a-b-c");
    put(".qmail-a-default");
    ok(find("-", "A-B-C", ".qmail-a-b-c", -1) == 1, "exact, lowercased");
    ok(find("-", "a-b-d", ".qmail-a-default", 2) == 1, "prefix default, $DEFAULT at 2");
    put(".qmail-a-b-default");
    ok(find("-", "a-b-d", ".qmail-a-b-default", 4) == 1, "the longest default wins");
    ok(find("-", "b", "", -1) == 0, "no .qmail-default yet");
    put(".qmail-default");
    ok(find("-", "b", ".qmail-default", 0) == 1, ".qmail-default last");
    put(".qmail-x:y");
    ok(find("-", "x.y", ".qmail-x:y", -1) == 1 && find("-", "x/y", ".qmail-x:y", -1) == 1,
       "'.' and '/' are ':'");
    ok(dotqmail_deliverable("/nonexistent", "", "") == 1, "no extension: deliverable without looking");
    ok(dotqmail_deliverable(".", "-", "zz") == 1, "with .qmail-default: deliverable");
    unlink(".qmail-default");
    ok(dotqmail_deliverable(".", "-", "zz") == 0, "without: not");
}

static int
seen(const char *msg, const char *rcpt)
{
    buffer b;

    buffer_frombuf(&b, msg, strlen(msg));
    return dotqmail_seen(&b, rcpt, strlen(rcpt));
}

static void
test_seen(void)
{
    ok(seen("Delivered-To: joe@x.org\nSubject: s\n\nbody\n", "joe@x.org") == 1, "our line");
    ok(seen("delivered-to:   JOE@X.ORG  \r\n\nb\n", "joe@x.org") == 1, "case and blanks ignored");
    ok(seen("Delivered-To: joe@x.org.uk\n\n", "joe@x.org") == 0, "another address");
    ok(seen("Subject: s\n\nDelivered-To: joe@x.org\n", "joe@x.org") == 0, "in the body: not counted");
    ok(seen("X-Delivered-To: joe@x.org\n\n", "joe@x.org") == 0, "another header");
}

int
main(void)
{
    char dir[] = "/tmp/kirim-dotqmail-XXXXXX";
    char rm[64];

    test_class();
    test_parse();
    test_seen();
    if (!mkdtemp(dir) || chdir(dir) == -1) return 2;
    test_find();
    strcpy(rm, "rm -rf ");
    strcat(rm, dir);
    if (chdir("/") == -1 || system(rm) != 0) return 2;
    return done_testing();
}
