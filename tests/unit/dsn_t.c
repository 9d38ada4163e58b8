/* dsn_t.c: bounce text: status codes, header length, the report's parts */
#include "stralloc.h"
#include "str.h"
#include "dsn.h"
#include "t.h"

static int
has(const stralloc *sa, const char *s)
{
    size_t n = strlen(s), i;

    for (i = 0; i + n <= sa->len; ++i)
        if (!memcmp(sa->s + i, s, n)) return 1;
    return 0;
}

static size_t
count(const stralloc *sa, const char *s)
{
    size_t n = strlen(s), i, c = 0;

    for (i = 0; i + n <= sa->len; ++i)
        if (!memcmp(sa->s + i, s, n)) ++c;
    return c;
}

/* the longest line in sa, newline excluded */
static size_t
longest(const stralloc *sa)
{
    size_t i, col = 0, max = 0;

    for (i = 0; i < sa->len; ++i) {
        if (sa->s[i] == '\n') col = 0;
        else if (++col > max) max = col;
    }
    return max;
}

/* found by fuzzing (tests/fuzz/corpus/dsn/long): a 1200-byte text line
   came out as one line of the human part, past RFC 5322's 998 */
static void
test_longline(void)
{
    static stralloc sa, recs;
    struct dsn d = { "mx.example", "MAILER-DAEMON@mx.example", "s@src.example",
                     "kirim-b-1", 0, 86400, 0 };
    size_t i;

    stralloc_copys(&recs, "l@x.org");
    stralloc_0(&recs);
    for (i = 0; i < 2000; ++i) stralloc_append(&recs, "y");
    stralloc_0(&recs);
    ok(dsn_head(&sa, &d, recs.s, recs.len), "bounce with a 2000-byte text");
    ok(longest(&sa) <= 998, "no line longer than 998 bytes");
    ok(count(&sa, "\n    yyyy") == 3, "the long text goes on over 3 indented lines");
    ok(count(&sa, "y") >= 2000 + 900, "all of it in the human part, 900 in the report");
}

int
main(void)
{
    static stralloc sa;
    char st[16];
    size_t n;
    const char recs[] = "a@x.org\0Sorry, no mailbox here by that name. (#5.1.1)\0"
                        "b@y.org\0line one\nline two\0"
                        "a@x.org\0again\0"
                        "c@z.org\0" "550 5.7.1 refused (#4.3.0) and (#5.7.1)\0"
                        "r@w.org\0Remote host mx.w.org [192.0.2.1] said: 550-5.1.1 no\n550 5.1.1 user\0"
                        "t@w.org\0Remote host mx.w.org [192.0.2.1] said: 451 4.2.0 busy\0"
                        "u@w.org\0Remote host junk\0"
                        "v@w.org\0Remote host mx.w.org [192.0.2.1] said: 451 4.7.1 greylisted\n"
                        "The message has been in the queue too long; it will not be tried again. (#5.4.7)\0";
    struct dsn d = { "mx.example", "MAILER-DAEMON@mx.example", "s@src.example",
                     "kirim-b-1", 0, 86400, 1 };

    n = dsn_status(st, "no such user (#5.1.1)", 21);
    is_buf(st, n, "5.1.1", "status from #5.x.y");
    n = dsn_status(st, "temporary (#4.2.2)", 18);
    is_buf(st, n, "5.0.0", "a #4 code gives 5.0.0");
    n = dsn_status(st, "plain text", 10);
    is_buf(st, n, "5.0.0", "no code gives 5.0.0");
    n = dsn_status(st, "(#5.1.1) then (#5.2.22)", 23);
    is_buf(st, n, "5.2.22", "the last code wins");
    n = dsn_status(st, "#5.", 3);
    is_buf(st, n, "5.0.0", "cut code ignored");
    n = dsn_status(st, "x #5.1234.1", 11);
    is_buf(st, n, "5.0.0", "four digits are not a code");

    ok(dsn_hdrlen("A: b\nC: d\n\nbody\n", 16) == 11, "header ends at the empty line");
    ok(dsn_hdrlen("A: b\n", 5) == 5, "no body: all of it");
    ok(dsn_hdrlen("\nbody", 5) == 1, "empty header");

    ok(dsn_head(&sa, &d, recs, sizeof recs - 1), "head built");
    ok(dsn_tail(&sa, &d), "tail built");
    ok(has(&sa, "Content-Type: multipart/report; report-type=delivery-status;\n boundary=\"kirim-b-1\""), "multipart/report");
    ok(has(&sa, "\nTo: <s@src.example>\n"), "To: the sender");
    ok(has(&sa, "From: Mail Delivery System <MAILER-DAEMON@mx.example>"), "From: bouncefrom");
    ok(has(&sa, "Reporting-MTA: dns; mx.example\nArrival-Date: Thu, 1 Jan 1970 00:00:00 +0000\n"), "per-message fields");
    ok(has(&sa, "\nFinal-Recipient: rfc822; a@x.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: x-kirim; Sorry"), "first recipient");
    ok(has(&sa, "Status: 5.0.0\nDiagnostic-Code: x-kirim; line one/line two\n"), "newlines become / in the report");
    ok(has(&sa, "Status: 5.7.1\nDiagnostic-Code: smtp; 550 5.7.1"), "SMTP reply gives smtp;");
    ok(has(&sa, "rfc822; r@w.org\nAction: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx.w.org\n"
           "Diagnostic-Code: smtp; 550-5.1.1 no/550 5.1.1 user\n"), "mail-remote's text: Remote-MTA, smtp;");
    ok(has(&sa, "rfc822; t@w.org\nAction: failed\nStatus: 5.2.0\nRemote-MTA: dns; mx.w.org\n"
           "Diagnostic-Code: smtp; 451 4.2.0 busy\n"), "an expired 4xx reply: status made 5.x.y");
    ok(has(&sa, "rfc822; v@w.org\nAction: failed\nStatus: 5.4.7\nRemote-MTA: dns; mx.w.org\n"
           "Diagnostic-Code: smtp; 451 4.7.1 greylisted\n"),
       "a deferral past the queue lifetime: 5.4.7, the reply alone as Diagnostic-Code");
    ok(has(&sa, "rfc822; u@w.org\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: x-kirim; Remote host junk\n"),
       "not quite mail-remote's shape: plain text");
    ok(count(&sa, "Final-Recipient: rfc822; a@x.org") == 1, "repeated address reported once");
    ok(has(&sa, "<b@y.org>:\n    line one\n    line two\n"), "human part indents lines");
    ok(has(&sa, "\n--kirim-b-1\nContent-Type: message/rfc822\n\n"), "whole message part");
    ok(sa.len > 14 && !memcmp(sa.s + sa.len - 15, "\n--kirim-b-1--\n", 15), "closing boundary");
    d.whole = 0;
    stralloc_zero(&sa);
    dsn_head(&sa, &d, recs, sizeof recs - 1);
    ok(has(&sa, "Content-Type: text/rfc822-headers\n\n"), "headers-only part");
    d.to = "s@x>\nBcc: evil@example.org\nX: <y";
    stralloc_zero(&sa);
    dsn_head(&sa, &d, recs, sizeof recs - 1);
    ok(has(&sa, "\nTo: <s@x>/Bcc: evil@example.org/X: <y>\n") && !has(&sa, "\nBcc:"),
       "a sender with newlines stays on the To: line");
    test_longline();
    return done_testing();
}
